/* notification-svc: customer notifications and their delivery attempts, and receipts. Wiring
 * only: the service definition handed to the shared lifecycle. */
#include "common/daemon.h"
#include "notification_app.h"
#include "notification_events.h"
#include "notification_http.h"

int main(int argc, char **argv)
{
    const struct service_def service = {
        .name = "notification-svc",
        .schema = "notification",
        .migrations = "notification",
        .db_role = "notification_svc",
        .default_port = 8084,
        .routes = notification_routes,
        .n_routes = notification_n_routes,
        .handlers = notification_events_handlers,
        .n_handlers = notification_events_n_handlers,
        .config = notification_config_vars,
        .n_config = notification_n_config_vars,
        .config_size = sizeof(struct notification_config),
        .init = notification_app_init,
        .fini = notification_app_fini,
        .timers = notification_events_timers,
        .n_timers = notification_events_n_timers,
    };
    return daemon_main(argc, argv, &service);
}
