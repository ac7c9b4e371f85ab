/* payment-svc settings, state, lifecycle hooks and metrics (see payment_app.h). */
#include "payment_app.h"

#include <stdlib.h>

#include "common/daemon.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/xalloc.h"
#include "payment_mock.h"
#include "payment_rules.h"

#define PC(f) offsetof(struct payment_config, f)
const struct config_var payment_config_vars[] = {
    {"OF_PAYMENT_FAILURE_RATE", CONFIG_STRING, PAYMENT_FAILURE_RATE_DEFAULT,
     "fault drill: the fraction (a decimal from 0 to 1) of charges the mock provider fails "
     "transiently, whatever the token; they are retried with the same idempotency key",
     PC(failure_rate), 0, 0, NULL},
};
const size_t payment_n_config_vars = sizeof payment_config_vars / sizeof payment_config_vars[0];

void payment_app_count(struct payment_app *app, const char *outcome)
{
    char labels[64];
    if (!app || !app->metrics || !outcome)
        return;
    metrics_labels(labels, sizeof labels, "outcome", outcome, NULL);
    metrics_inc(app->metrics, PAYMENT_METRIC_PAYMENTS, labels, 1);
}

void payment_app_count_refund(struct payment_app *app)
{
    if (app && app->metrics)
        metrics_inc(app->metrics, PAYMENT_METRIC_REFUNDS, "", 1);
}

void payment_app_count_retry(struct payment_app *app)
{
    if (app && app->metrics)
        metrics_inc(app->metrics, PAYMENT_METRIC_RETRIES, "", 1);
}

int payment_app_init(struct daemon *d)
{
    const struct payment_config *cfg = d->svc_cfg;
    double rate;
    if (payment_rules_failure_rate(cfg->failure_rate, &rate) != OF_OK) {
        log_error(NULL, "OF_PAYMENT_FAILURE_RATE must be a decimal number from 0 to 1");
        return -1;
    }
    struct payment_app *app = xcalloc(1, sizeof *app);
    app->failure_rate = rate;
    app->metrics = d->metrics;
    payment_mock_init(&app->provider, d->pool, rate);
    d->app = app;
    if (app->metrics) {
        metrics_declare(app->metrics, PAYMENT_METRIC_PAYMENTS, METRIC_COUNTER,
                        "Payments by outcome: captured, declined, insufficient, cancelled (the "
                        "order was cancelled before its request), error (provider error)",
                        NULL, 0);
        metrics_declare(app->metrics, PAYMENT_METRIC_REFUNDS, METRIC_COUNTER,
                        "Captured payments refunded after their order's cancellation", NULL, 0);
        metrics_declare(app->metrics, PAYMENT_METRIC_RETRIES, METRIC_COUNTER,
                        "Charges that failed transiently at the provider and are retried", NULL, 0);
        metrics_inc(app->metrics, PAYMENT_METRIC_REFUNDS, "", 0);
        metrics_inc(app->metrics, PAYMENT_METRIC_RETRIES, "", 0);
    }
    if (rate > 0)
        log_warn(NULL, "OF_PAYMENT_FAILURE_RATE is %g: the mock fails that fraction of charges",
                 rate);
    return 0;
}

void payment_app_fini(struct daemon *d)
{
    struct payment_app *app = d->app;
    if (!app)
        return;
    payment_mock_free(&app->provider);
    free(app);
    d->app = NULL;
}
