/* customer-svc: accounts, OTP login, JWT issuing, address book and outlet feed. Wiring only: the
 * service definition handed to the shared lifecycle. */
#include "common/daemon.h"
#include "customer_app.h"
#include "customer_events.h"
#include "customer_http.h"

int main(int argc, char **argv)
{
    const struct service_def service = {
        .name = "customer-svc",
        .schema = "customer",
        .migrations = "customer",
        .db_role = "customer_svc",
        .default_port = 8085,
        .routes = customer_routes,
        .n_routes = customer_n_routes,
        .handlers = customer_events_handlers,
        .n_handlers = customer_events_n_handlers,
        .config = customer_config_vars,
        .n_config = customer_n_config_vars,
        .config_size = sizeof(struct customer_config),
        .init = customer_app_init,
        .fini = customer_app_fini,
    };
    return daemon_main(argc, argv, &service);
}
