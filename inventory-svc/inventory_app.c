/* inventory-svc settings, state, lifecycle hooks and metrics (see inventory_app.h). */
#include "inventory_app.h"

#include <stdlib.h>

#include "common/daemon.h"
#include "common/metrics.h"
#include "common/xalloc.h"

#define IC(f) offsetof(struct inventory_config, f)
const struct config_var inventory_config_vars[] = {
    {"OF_RESERVATION_TTL_S", CONFIG_INT, "900",
     "seconds a reservation of an unpaid order holds its stock before the reservation_ttl timer "
     "releases it (inventory.reservation.expired.v1)",
     IC(reservation_ttl_s), 1, 7 * 86400, NULL},
    {"OF_EVENT_MAX_SKEW_S", CONFIG_INT, "300",
     "seconds a consumed outlet event's occurred_at may lie in the future (producer clock skew); "
     "later ones are dead-lettered",
     IC(event_max_skew_s), 0, 86400, NULL},
};
const size_t inventory_n_config_vars =
    sizeof inventory_config_vars / sizeof inventory_config_vars[0];

void inventory_app_count(struct inventory_app *app, const char *outcome, const char *reason)
{
    char labels[128];
    if (!app || !app->metrics)
        return;
    if (reason)
        metrics_labels(labels, sizeof labels, "outcome", outcome, "reason", reason, NULL);
    else
        metrics_labels(labels, sizeof labels, "outcome", outcome, NULL);
    metrics_inc(app->metrics, INVENTORY_METRIC_RESERVATIONS, labels, 1);
}

int inventory_app_init(struct daemon *d)
{
    const struct inventory_config *cfg = d->svc_cfg;
    struct inventory_app *app = xcalloc(1, sizeof *app);
    d->app = app;
    app->reservation_ttl_ms = (int64_t)cfg->reservation_ttl_s * 1000;
    app->event_max_skew_ms = (int64_t)cfg->event_max_skew_s * 1000;
    app->metrics = d->metrics;
    if (app->metrics)
        metrics_declare(app->metrics, INVENTORY_METRIC_RESERVATIONS, METRIC_COUNTER,
                        "Reservation outcomes: validated, invalidated (by reason), confirmed, "
                        "released, committed, expired, tombstoned",
                        NULL, 0);
    return 0;
}

void inventory_app_fini(struct daemon *d)
{
    free(d->app);
    d->app = NULL;
}
