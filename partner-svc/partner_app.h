/* partner-svc's own settings (assignment radius and window, offer timeout, staleness, speed, the
 * auto mode), its counters and the lifecycle hooks that build and free them. */
#ifndef PARTNER_APP_H
#define PARTNER_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

struct daemon;
struct metrics;

struct partner_config {
    long stale_s;         /* OF_PARTNER_STALE_S */
    long offer_timeout_s; /* OF_OFFER_TIMEOUT_S */
    long radius_km;       /* OF_ASSIGN_RADIUS_KM: the first search radius */
    long radius_step_km;  /* OF_ASSIGN_RADIUS_STEP_KM */
    long max_radius_km;   /* OF_ASSIGN_MAX_RADIUS_KM */
    long window_s;        /* OF_ASSIGN_WINDOW_S */
    long retry_s;         /* OF_ASSIGN_RETRY_S */
    long speed_kmh;       /* OF_PARTNER_SPEED_KMH */
    bool autopilot;       /* OF_PARTNER_AUTO */
    long auto_accept_ms;  /* OF_PARTNER_AUTO_ACCEPT_MS */
    long auto_pickup_ms;  /* OF_PARTNER_AUTO_PICKUP_MS */
    long auto_deliver_ms; /* OF_PARTNER_AUTO_DELIVER_MS */
};

extern const struct config_var partner_config_vars[];
extern const size_t partner_n_config_vars;

/* What became of an offer, as partner_offers_total{outcome} counts it. */
enum partner_offer_outcome {
    PARTNER_OFFER_ACCEPTED = 0,
    PARTNER_OFFER_REJECTED,
    PARTNER_OFFER_TIMEOUT,
    PARTNER_OFFER_COUNT
};
/* How a delivery ended, as partner_deliveries_total{outcome} counts it. */
enum partner_end {
    PARTNER_END_DELIVERED = 0,
    PARTNER_END_CANCELLED,
    PARTNER_END_FAILED,
    PARTNER_END_COUNT
};

/* The service state in daemon.app; the settings in metres and milliseconds. */
struct partner_app {
    struct partner_config cfg;
    double radius_m, radius_step_m, max_radius_m;
    int64_t offer_timeout_ms, window_ms, retry_ms, stale_s;
    struct metrics *metrics;
};

int partner_app_init(struct daemon *d);
void partner_app_fini(struct daemon *d);

/* Counters (after the transaction's effects were decided; a rerun may count again, as
 * business-svc's decisions). */
void partner_app_count_offer(struct partner_app *app, enum partner_offer_outcome o);
void partner_app_count_end(struct partner_app *app, enum partner_end e);

#endif
