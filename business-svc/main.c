/* business-svc: businesses, outlets and approval decisions. Wiring only: the service definition
 * handed to the shared lifecycle. */
#include "business_app.h"
#include "business_events.h"
#include "business_http.h"
#include "common/daemon.h"

int main(int argc, char **argv)
{
    const struct service_def service = {
        .name = "business-svc",
        .schema = "business",
        .migrations = "business",
        .db_role = "business_svc",
        .default_port = 8086,
        .routes = business_routes,
        .n_routes = business_n_routes,
        .handlers = business_events_handlers,
        .n_handlers = business_events_n_handlers,
        .config = business_config_vars,
        .n_config = business_n_config_vars,
        .config_size = sizeof(struct business_config),
        .init = business_app_init,
        .fini = business_app_fini,
        .timers = business_events_timers,
        .n_timers = business_events_n_timers,
    };
    return daemon_main(argc, argv, &service);
}
