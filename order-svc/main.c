/* order-svc: orders, the order state machine and its timeline. Wiring only: the service definition
 * handed to the shared lifecycle. */
#include "common/daemon.h"

static const struct service_def service = {
    .name = "order-svc",
    .schema = "orders",
    .migrations = "order",
    .db_role = "order_svc",
    .default_port = 8081,
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
