/* order-svc settings, state and lifecycle hooks (see order_app.h). */
#include "order_app.h"

#include <stdlib.h>

#include "common/daemon.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/ticker.h"
#include "common/xalloc.h"
#include "order_store.h"

#define OC(f) offsetof(struct order_config, f)
const struct config_var order_config_vars[] = {
    {"OF_ORDER_RATE", CONFIG_STRING, "30/1m",
     "orders one customer may place per window (N/Ws, N/Wm or N/Wh); the limit fails open when "
     "Redis is down (it guards load, not a secret), counted in ratelimit_fail_open_total",
     OC(order_rate), 0, 0, NULL},
    {"OF_EVENT_MAX_SKEW_S", CONFIG_INT, "300",
     "seconds an outlet event's occurred_at may lie in the future (producer clock skew); later "
     "ones are dead-lettered",
     OC(event_max_skew_s), 0, 86400, NULL},
    {"OF_ORDER_METRICS_S", CONFIG_INT, "5",
     "how often, in seconds, orders_by_state is counted from the database", OC(state_metrics_s), 1,
     3600, NULL},
};
const size_t order_n_config_vars = sizeof order_config_vars / sizeof order_config_vars[0];

static const char *const stage_names[ORDER_STAGE_COUNT] = {
    [ORDER_STAGE_VALIDATION] = "validation",
    [ORDER_STAGE_PAYMENT] = "payment",
    [ORDER_STAGE_APPROVAL] = "approval",
    [ORDER_STAGE_TOTAL] = "created_to_approved",
};

/* Stage latency buckets in seconds: a saga step is milliseconds, a business decision minutes. */
static const double stage_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                       2.5,   5,    10,    30,   60,  300,  900, 3600};

void order_app_count_transition(struct order_app *app, enum order_state to)
{
    char labels[64];
    const char *name = order_state_name(to);
    if (!name)
        return;
    metrics_labels(labels, sizeof labels, "to", name, NULL);
    metrics_inc(app->metrics, "order_transitions_total", labels, 1);
}

void order_app_observe_stage(struct order_app *app, enum order_stage stage, int64_t from_ms,
                             int64_t to_ms)
{
    char labels[64];
    if ((unsigned)stage >= ORDER_STAGE_COUNT || from_ms <= 0 || to_ms < from_ms)
        return;
    metrics_labels(labels, sizeof labels, "stage", stage_names[stage], NULL);
    metrics_observe(app->metrics, "order_stage_seconds", labels, (double)(to_ms - from_ms) / 1e3);
}

void order_app_count_created(struct order_app *app)
{
    metrics_inc(app->metrics, "orders_created_total", "", 1);
}

static void refresh_gauge(void *arg)
{
    struct order_app *app = arg;
    int64_t counts[ORDER_STATE_COUNT];
    char labels[64];
    PGconn *c = db_pool_get(app->pool, 500);
    if (!c)
        return;
    if (order_store_state_counts(c, counts) == OF_OK) {
        for (int s = 0; s < ORDER_STATE_COUNT; s++) {
            metrics_labels(labels, sizeof labels, "state", order_state_name((enum order_state)s),
                           NULL);
            metrics_set(app->metrics, "orders_by_state", labels, (double)counts[s]);
        }
    } else {
        log_debug(NULL, "state gauge: %s", db_last_error()->message);
    }
    db_pool_put(app->pool, c);
}

int order_app_init(struct daemon *d)
{
    const struct order_config *cfg = d->svc_cfg;
    struct order_app *app = xcalloc(1, sizeof *app);
    d->app = app;
    app->event_max_skew_ms = (int64_t)cfg->event_max_skew_s * 1000;
    app->interval_ms = (unsigned)cfg->state_metrics_s * 1000u;
    app->metrics = d->metrics;
    app->pool = d->pool;
    if (!d->verifier) {
        log_error(NULL, "OF_JWT_PUBLIC_KEY is required");
        return -1;
    }
    if (ratelimit_rule_parse(cfg->order_rate, &app->rate) != 0 || app->rate.limit == 0) {
        log_error(NULL, "OF_ORDER_RATE: expected N/Ws, N/Wm or N/Wh with N > 0");
        return -1;
    }
    metrics_declare(app->metrics, "orders_by_state", METRIC_GAUGE,
                    "Orders in each state, counted from the database every OF_ORDER_METRICS_S",
                    NULL, 0);
    metrics_declare(app->metrics, "order_transitions_total", METRIC_COUNTER,
                    "State changes of orders, by the state entered", NULL, 0);
    metrics_declare(app->metrics, "orders_created_total", METRIC_COUNTER,
                    "Orders accepted by POST /v1/orders (replays not counted)", NULL, 0);
    metrics_inc(app->metrics, "orders_created_total", "", 0);
    metrics_declare(app->metrics, "order_stage_seconds", METRIC_HISTOGRAM,
                    "Time an order spent in each saga stage: validation (created -> awaiting "
                    "payment), payment (-> placed), approval (-> approved), created_to_approved",
                    stage_buckets, sizeof stage_buckets / sizeof stage_buckets[0]);
    if (ticker_start(&app->gauge, app->interval_ms, refresh_gauge, app) != 0) {
        log_error(NULL, "cannot start the state gauge's thread");
        return -1;
    }
    return 0;
}

void order_app_fini(struct daemon *d)
{
    struct order_app *app = d->app;
    if (!app)
        return;
    ticker_stop(&app->gauge);
    free(app);
    d->app = NULL;
}
