/* partner-svc settings, counters and lifecycle hooks (see partner_app.h). */
#include "partner_app.h"

#include <stdlib.h>

#include "common/daemon.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/xalloc.h"

#define PC(f) offsetof(struct partner_config, f)
const struct config_var partner_config_vars[] = {
    {"OF_PARTNER_STALE_S", CONFIG_INT, "300",
     "seconds after which a partner's last position counts as offline", PC(stale_s), 5, 86400,
     NULL},
    {"OF_OFFER_TIMEOUT_S", CONFIG_INT, "30",
     "seconds a partner has to accept or reject an offer before it goes to the next nearest",
     PC(offer_timeout_s), 1, 3600, NULL},
    {"OF_ASSIGN_RADIUS_KM", CONFIG_INT, "3", "the first search radius around the pickup, km",
     PC(radius_km), 1, 1000, NULL},
    {"OF_ASSIGN_RADIUS_STEP_KM", CONFIG_INT, "2",
     "how much the search radius widens when no free partner is within it, km", PC(radius_step_km),
     1, 1000, NULL},
    {"OF_ASSIGN_MAX_RADIUS_KM", CONFIG_INT, "10", "the widest search radius, km", PC(max_radius_km),
     1, 1000, NULL},
    {"OF_ASSIGN_WINDOW_S", CONFIG_INT, "600",
     "seconds from the approval within which a partner must accept; then "
     "delivery.assignment.failed.v1 (NO_PARTNER_AVAILABLE)",
     PC(window_s), 1, 86400, NULL},
    {"OF_ASSIGN_RETRY_S", CONFIG_INT, "5",
     "seconds between searches while no free partner is in range", PC(retry_s), 1, 3600, NULL},
    {"OF_PARTNER_SPEED_KMH", CONFIG_INT, "20", "the speed an ETA assumes, km/h", PC(speed_kmh), 1,
     300, NULL},
    {"OF_PARTNER_AUTO", CONFIG_BOOL, "false",
     "demos and benchmarks: every offered partner accepts, picks up and delivers by itself "
     "after the delays below, through the same code paths and events as a real one",
     PC(autopilot), 0, 0, NULL},
    {"OF_PARTNER_AUTO_ACCEPT_MS", CONFIG_INT, "1000", "auto mode: offer -> accept, ms",
     PC(auto_accept_ms), 0, 3600000, NULL},
    {"OF_PARTNER_AUTO_PICKUP_MS", CONFIG_INT, "2000", "auto mode: accept -> pickup, ms",
     PC(auto_pickup_ms), 0, 3600000, NULL},
    {"OF_PARTNER_AUTO_DELIVER_MS", CONFIG_INT, "3000", "auto mode: pickup -> delivered, ms",
     PC(auto_deliver_ms), 0, 3600000, NULL},
};
const size_t partner_n_config_vars = sizeof partner_config_vars / sizeof partner_config_vars[0];

static const char *const offer_names[PARTNER_OFFER_COUNT] = {"accepted", "rejected", "timeout"};
static const char *const end_names[PARTNER_END_COUNT] = {"delivered", "cancelled", "failed"};

static void count(struct partner_app *app, const char *metric, const char *outcome, double by)
{
    char labels[64];
    metrics_labels(labels, sizeof labels, "outcome", outcome, NULL);
    metrics_inc(app->metrics, metric, labels, by);
}

void partner_app_count_offer(struct partner_app *app, enum partner_offer_outcome o)
{
    if ((unsigned)o < PARTNER_OFFER_COUNT)
        count(app, "partner_offers_total", offer_names[o], 1);
}

void partner_app_count_end(struct partner_app *app, enum partner_end e)
{
    if ((unsigned)e < PARTNER_END_COUNT)
        count(app, "partner_deliveries_total", end_names[e], 1);
}

int partner_app_init(struct daemon *d)
{
    const struct partner_config *cfg = d->svc_cfg;
    struct partner_app *app = xcalloc(1, sizeof *app);
    d->app = app;
    app->cfg = *cfg;
    app->radius_m = (double)cfg->radius_km * 1000.0;
    app->radius_step_m = (double)cfg->radius_step_km * 1000.0;
    app->max_radius_m = (double)cfg->max_radius_km * 1000.0;
    app->offer_timeout_ms = (int64_t)cfg->offer_timeout_s * 1000;
    app->window_ms = (int64_t)cfg->window_s * 1000;
    app->retry_ms = (int64_t)cfg->retry_s * 1000;
    app->stale_s = cfg->stale_s;
    app->metrics = d->metrics;
    if (!d->verifier) {
        log_error(NULL, "OF_JWT_PUBLIC_KEY is required");
        return -1;
    }
    if (cfg->max_radius_km < cfg->radius_km) {
        log_error(NULL, "OF_ASSIGN_MAX_RADIUS_KM is smaller than OF_ASSIGN_RADIUS_KM");
        return -1;
    }
    metrics_declare(app->metrics, "partner_offers_total", METRIC_COUNTER,
                    "Offers made to partners, by outcome: accepted, rejected, timed out", NULL, 0);
    for (unsigned i = 0; i < PARTNER_OFFER_COUNT; i++)
        count(app, "partner_offers_total", offer_names[i], 0);
    metrics_declare(app->metrics, "partner_deliveries_total", METRIC_COUNTER,
                    "Deliveries ended, by outcome: delivered, cancelled with the order, failed "
                    "(no partner within the assignment window)",
                    NULL, 0);
    for (unsigned i = 0; i < PARTNER_END_COUNT; i++)
        count(app, "partner_deliveries_total", end_names[i], 0);
    if (cfg->autopilot)
        log_warn(NULL, "OF_PARTNER_AUTO is on: partners accept, pick up and deliver by themselves");
    return 0;
}

void partner_app_fini(struct daemon *d)
{
    free(d->app);
    d->app = NULL;
}
