/* payment-svc: payments and refunds through a provider adapter (the shipped one a deterministic
 * mock). Wiring only: the service definition handed to the shared lifecycle. */
#include "common/daemon.h"
#include "payment_app.h"
#include "payment_events.h"
#include "payment_http.h"

int main(int argc, char **argv)
{
    const struct service_def service = {
        .name = "payment-svc",
        .schema = "payment",
        .migrations = "payment",
        .db_role = "payment_svc",
        .default_port = 8083,
        .routes = payment_routes,
        .n_routes = payment_n_routes,
        .handlers = payment_events_handlers,
        .n_handlers = payment_events_n_handlers,
        .config = payment_config_vars,
        .n_config = payment_n_config_vars,
        .config_size = sizeof(struct payment_config),
        .init = payment_app_init,
        .fini = payment_app_fini,
    };
    return daemon_main(argc, argv, &service);
}
