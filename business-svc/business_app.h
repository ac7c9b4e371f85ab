/* business-svc's own settings (OF_EVENT_MAX_SKEW_S, OF_AUTO_PREP_TIME_MIN, OF_QUEUE_METRICS_S), its
 * state (the decision counters and the queue-size gauge with the thread that refreshes it) and
 * the lifecycle hooks that build and free it. */
#ifndef BUSINESS_APP_H
#define BUSINESS_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/ticker.h"

struct daemon;
struct db_pool;
struct metrics;

/* business-svc's own OF_* settings (service_def.config). */
struct business_config {
    long event_max_skew_s;   /* OF_EVENT_MAX_SKEW_S: how far ahead a placed_at may be */
    long auto_prep_time_min; /* OF_AUTO_PREP_TIME_MIN: what an auto-approval promises */
    long queue_metrics_s;    /* OF_QUEUE_METRICS_S: how often the queue gauge is refreshed */
};

extern const struct config_var business_config_vars[];
extern const size_t business_n_config_vars;

/* How an order was decided, as business_decisions_total{outcome} counts it. */
enum business_outcome {
    BUSINESS_OUTCOME_APPROVED = 0, /* approved by its owner */
    BUSINESS_OUTCOME_REJECTED,     /* rejected by its owner */
    BUSINESS_OUTCOME_AUTO,         /* approved by the outlet's auto_approve */
    BUSINESS_OUTCOME_TIMEOUT,      /* rejected when the approval SLA ran out */
    BUSINESS_OUTCOME_COUNT
};

/* The service state in daemon.app. */
struct business_app {
    int64_t event_max_skew_ms;
    int auto_prep_time_min;
    struct metrics *metrics;
    struct db_pool *pool;
    /* The queue gauge's thread: wakes every interval_ms, or at once when stop is set. */
    unsigned interval_ms;
    struct ticker gauge;
};

/* service_def.init: reads the settings, declares business_decisions_total and
 * business_queue_pending, starts the gauge's thread. Returns 0, or -1 after logging why. */
int business_app_init(struct daemon *d);
/* service_def.fini: stops the thread and frees d->app. */
void business_app_fini(struct daemon *d);

/* Counts one decision (after its transaction committed, or in the consumer's handler: a batch
 * rolled back after its handler ran is redelivered and may count its decision again). */
void business_app_count(struct business_app *app, enum business_outcome outcome);

#endif
