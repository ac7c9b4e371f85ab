/* inventory-svc's own settings (OF_RESERVATION_TTL_S, OF_EVENT_MAX_SKEW_S), its state and the
 * lifecycle hooks that build and free it, and its metrics (reservations by outcome). */
#ifndef INVENTORY_APP_H
#define INVENTORY_APP_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "inventory.h"

struct daemon;
struct metrics;

/* inventory-svc's own OF_* settings (service_def.config). */
struct inventory_config {
    long reservation_ttl_s; /* OF_RESERVATION_TTL_S: how long an unpaid reservation holds stock */
    long event_max_skew_s;  /* OF_EVENT_MAX_SKEW_S: how far ahead an event's occurred_at may be */
};

extern const struct config_var inventory_config_vars[];
extern const size_t inventory_n_config_vars;

/* The service state in daemon.app. */
struct inventory_app {
    int64_t reservation_ttl_ms;
    int64_t event_max_skew_ms; /* consumed events dated later than now + this are dead letters */
    struct metrics *metrics;   /* the daemon's; may be NULL (tests) */
};

/* The counter of reservation outcomes: inventory_reservations_total{outcome, reason}. */
#define INVENTORY_METRIC_RESERVATIONS "inventory_reservations_total"

/* Counts one outcome ("validated", "invalidated" with its reason, "confirmed", "released",
 * "committed", "expired", "tombstoned"); reason NULL for all but "invalidated". Counted when the
 * handler has decided, inside its transaction: a batch that is rolled back and handled again
 * (a lost database) counts its outcomes again. */
void inventory_app_count(struct inventory_app *app, const char *outcome, const char *reason);

/* service_def.init: the TTL and skew from the settings, the metric families. Returns 0. */
int inventory_app_init(struct daemon *d);
/* service_def.fini: frees d->app. */
void inventory_app_fini(struct daemon *d);

#endif
