/* order-svc's own settings (OF_ORDER_RATE, OF_EVENT_MAX_SKEW_S, OF_ORDER_METRICS_S), its state
 * (the rate rule, the saga metrics and the thread that refreshes the per-state gauge) and the
 * lifecycle hooks that build and free it. */
#ifndef ORDER_APP_H
#define ORDER_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/ticker.h"
#include "common/ratelimit.h"
#include "order.h"

struct daemon;
struct db_pool;
struct metrics;

struct order_config {
    char *order_rate;      /* OF_ORDER_RATE: orders per customer, "N/W[smh]" */
    long event_max_skew_s; /* OF_EVENT_MAX_SKEW_S */
    long state_metrics_s;  /* OF_ORDER_METRICS_S: how often orders_by_state is counted */
};

extern const struct config_var order_config_vars[];
extern const size_t order_n_config_vars;

/* The saga's stages whose latency order_stage_seconds{stage} measures. */
enum order_stage {
    ORDER_STAGE_VALIDATION = 0, /* CREATED -> AWAITING_PAYMENT: inventory's answer */
    ORDER_STAGE_PAYMENT,        /* AWAITING_PAYMENT -> PLACED: payment-svc's charge */
    ORDER_STAGE_APPROVAL,       /* PLACED -> APPROVED: the business's decision */
    ORDER_STAGE_TOTAL,          /* CREATED -> APPROVED */
    ORDER_STAGE_COUNT
};

struct order_app {
    struct ratelimit_rule rate;
    int64_t event_max_skew_ms;
    struct metrics *metrics;
    struct db_pool *pool;
    unsigned interval_ms;
    struct ticker gauge;
};

/* service_def.init: reads the settings, declares the saga metrics (orders_by_state,
 * order_transitions_total, order_stage_seconds, orders_created_total), starts the gauge's
 * thread. Returns 0, or -1 after logging why. */
int order_app_init(struct daemon *d);
/* service_def.fini: stops the thread and frees d->app. */
void order_app_fini(struct daemon *d);

/* Counts a transition into state to (after its step was applied). */
void order_app_count_transition(struct order_app *app, enum order_state to);
/* Observes a stage's latency, from_ms -> to_ms (nothing when either is unknown). */
void order_app_observe_stage(struct order_app *app, enum order_stage stage, int64_t from_ms,
                             int64_t to_ms);
/* Counts an accepted order (POST /v1/orders, a new one). */
void order_app_count_created(struct order_app *app);

#endif
