/* inventory-svc: catalog per outlet, stock and reservations. Wiring only: the service definition
 * handed to the shared lifecycle. */
#include "common/daemon.h"
#include "inventory_app.h"
#include "inventory_events.h"
#include "inventory_http.h"

int main(int argc, char **argv)
{
    const struct service_def service = {
        .name = "inventory-svc",
        .schema = "inventory",
        .migrations = "inventory",
        .db_role = "inventory_svc",
        .default_port = 8082,
        .routes = inventory_routes,
        .n_routes = inventory_n_routes,
        .handlers = inventory_events_handlers,
        .n_handlers = inventory_events_n_handlers,
        .config = inventory_config_vars,
        .n_config = inventory_n_config_vars,
        .config_size = sizeof(struct inventory_config),
        .init = inventory_app_init,
        .fini = inventory_app_fini,
        .timers = inventory_events_timers,
        .n_timers = inventory_events_n_timers,
    };
    return daemon_main(argc, argv, &service);
}
