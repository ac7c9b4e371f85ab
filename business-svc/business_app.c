/* business-svc settings, state and lifecycle hooks (see business_app.h). */
#include "business_app.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "business.h"
#include "business_store.h"
#include "common/daemon.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/ticker.h"
#include "common/timefmt.h"
#include "common/xalloc.h"

#define BC(f) offsetof(struct business_config, f)
const struct config_var business_config_vars[] = {
    {"OF_EVENT_MAX_SKEW_S", CONFIG_INT, "300",
     "seconds an order.placed.v1's occurred_at or placed_at may lie in the future (producer clock "
     "skew); later ones are dead-lettered",
     BC(event_max_skew_s), 0, 86400, NULL},
    {"OF_AUTO_PREP_TIME_MIN", CONFIG_INT, "15",
     "the preparation time in minutes that an auto-approving outlet's order.approved.v1 promises",
     BC(auto_prep_time_min), BUSINESS_PREP_MIN, BUSINESS_PREP_MAX, NULL},
    {"OF_QUEUE_METRICS_S", CONFIG_INT, "5",
     "how often, in seconds, business_queue_pending is counted from the database",
     BC(queue_metrics_s), 1, 3600, NULL},
};
const size_t business_n_config_vars = sizeof business_config_vars / sizeof business_config_vars[0];

static const char *const outcome_names[BUSINESS_OUTCOME_COUNT] = {
    [BUSINESS_OUTCOME_APPROVED] = "approved",
    [BUSINESS_OUTCOME_REJECTED] = "rejected",
    [BUSINESS_OUTCOME_AUTO] = "auto",
    [BUSINESS_OUTCOME_TIMEOUT] = "timeout",
};

static void count_by(struct business_app *app, enum business_outcome outcome, double by)
{
    char labels[64];
    if ((unsigned)outcome >= BUSINESS_OUTCOME_COUNT)
        return;
    metrics_labels(labels, sizeof labels, "outcome", outcome_names[outcome], NULL);
    metrics_inc(app->metrics, "business_decisions_total", labels, by);
}

void business_app_count(struct business_app *app, enum business_outcome outcome)
{
    count_by(app, outcome, 1);
}

/* Counts the pending entries once; a failure leaves the gauge as it was (logged at debug: the
 * readiness probe reports an unreachable database). */
static void refresh_gauge(void *arg)
{
    struct business_app *app = arg;
    int64_t n;
    PGconn *c = db_pool_get(app->pool, 500);
    if (!c)
        return;
    if (business_store_queue_pending(c, &n) == OF_OK)
        metrics_set(app->metrics, "business_queue_pending", "", (double)n);
    else
        log_debug(NULL, "queue gauge: %s", db_last_error()->message);
    db_pool_put(app->pool, c);
}

int business_app_init(struct daemon *d)
{
    const struct business_config *cfg = d->svc_cfg;
    struct business_app *app = xcalloc(1, sizeof *app);
    d->app = app;
    app->event_max_skew_ms = (int64_t)cfg->event_max_skew_s * 1000;
    app->auto_prep_time_min = (int)cfg->auto_prep_time_min;
    app->interval_ms = (unsigned)cfg->queue_metrics_s * 1000u;
    app->metrics = d->metrics;
    app->pool = d->pool;
    if (!d->verifier) {
        log_error(NULL, "OF_JWT_PUBLIC_KEY is required");
        return -1;
    }
    metrics_declare(app->metrics, "business_decisions_total", METRIC_COUNTER,
                    "Orders decided, by outcome: approved or rejected by the owner, auto-approved, "
                    "rejected when the approval SLA ran out",
                    NULL, 0);
    for (unsigned i = 0; i < BUSINESS_OUTCOME_COUNT; i++)
        count_by(app, (enum business_outcome)i, 0);
    metrics_declare(app->metrics, "business_queue_pending", METRIC_GAUGE,
                    "Orders waiting for their outlet's decision, all outlets", NULL, 0);
    if (ticker_start(&app->gauge, app->interval_ms, refresh_gauge, app) != 0) {
        log_error(NULL, "cannot start the queue gauge's thread");
        return -1;
    }
    return 0;
}

void business_app_fini(struct daemon *d)
{
    struct business_app *app = d->app;
    if (!app)
        return;
    ticker_stop(&app->gauge);
    free(app);
    d->app = NULL;
}
