/* payment-svc's own settings (OF_PAYMENT_FAILURE_RATE), its state (the provider adapter and the
 * metrics) and the lifecycle hooks that build and free it. */
#ifndef PAYMENT_APP_H
#define PAYMENT_APP_H

#include <stddef.h>

#include "common/config.h"
#include "payment.h"

struct daemon;
struct metrics;

/* payment-svc's own OF_* settings (service_def.config). */
struct payment_config {
    char *failure_rate; /* OF_PAYMENT_FAILURE_RATE: 0..1, the mock's transient failures */
};

extern const struct config_var payment_config_vars[];
extern const size_t payment_n_config_vars;

/* The service state in daemon.app. */
struct payment_app {
    struct payment_provider provider; /* the shipped mock (payment_mock.h) */
    double failure_rate;
    struct metrics *metrics; /* the daemon's; may be NULL */
};

#define PAYMENT_METRIC_PAYMENTS "payments_total"
#define PAYMENT_METRIC_REFUNDS  "payment_refunds_total"
#define PAYMENT_METRIC_RETRIES  "payment_provider_retries_total"

/* Counts one payment outcome: payments_total{outcome="captured|declined|insufficient|cancelled|
 * error"}. Counted inside the handler's transaction: a batch rolled back and handled again
 * counts again. */
void payment_app_count(struct payment_app *app, const char *outcome);
/* payment_refunds_total += 1. */
void payment_app_count_refund(struct payment_app *app);
/* payment_provider_retries_total += 1: a charge that failed transiently and will be retried. */
void payment_app_count_retry(struct payment_app *app);

/* service_def.init: the failure rate (exit 2 naming OF_PAYMENT_FAILURE_RATE when it is not a
 * number from 0 to 1), the mock over the daemon's pool, the metric families. */
int payment_app_init(struct daemon *d);
/* service_def.fini: frees d->app. */
void payment_app_fini(struct daemon *d);

#endif
