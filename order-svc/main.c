/* order-svc: orders, the order state machine and its timeline. Wiring only: the service definition
 * handed to the shared lifecycle. */
#include "common/daemon.h"
#include "order_app.h"
#include "order_events.h"
#include "order_http.h"

int main(int argc, char **argv)
{
    const struct service_def service = {
        .name = "order-svc",
        .schema = "orders",
        .migrations = "order",
        .db_role = "order_svc",
        .default_port = 8081,
        .routes = order_routes,
        .n_routes = order_n_routes,
        .handlers = order_events_handlers,
        .n_handlers = order_events_n_handlers,
        .config = order_config_vars,
        .n_config = order_n_config_vars,
        .config_size = sizeof(struct order_config),
        .init = order_app_init,
        .fini = order_app_fini,
    };
    return daemon_main(argc, argv, &service);
}
