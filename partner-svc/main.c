/* partner-svc: delivery partners, availability and assignment. Wiring only: the service
 * definition handed to the shared lifecycle. */
#include "common/daemon.h"
#include "partner_app.h"
#include "partner_events.h"
#include "partner_http.h"

int main(int argc, char **argv)
{
    const struct service_def service = {
        .name = "partner-svc",
        .schema = "partner",
        .migrations = "partner",
        .db_role = "partner_svc",
        .default_port = 8087,
        .routes = partner_routes,
        .n_routes = partner_n_routes,
        .handlers = partner_events_handlers,
        .n_handlers = partner_events_n_handlers,
        .config = partner_config_vars,
        .n_config = partner_n_config_vars,
        .config_size = sizeof(struct partner_config),
        .init = partner_app_init,
        .fini = partner_app_fini,
        .timers = partner_events_timers,
        .n_timers = partner_events_n_timers,
    };
    return daemon_main(argc, argv, &service);
}
