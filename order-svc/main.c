/* order-svc: orders, the order state machine and its timeline. Wiring only: the service definition
 * handed to the shared lifecycle. */
#include "common/daemon.h"

/* Topics this service writes to its outbox (created at start-up). */
static const char *const produces[] = {
    "order.created.v1",     "inventory.validation.requested.v1",
    "payment.requested.v1", "order.placed.v1",
    "order.cancelled.v1",   "order.delivered.v1",
};

static const struct service_def service = {
    .name = "order-svc",
    .schema = "orders",
    .migrations = "order",
    .db_role = "order_svc",
    .default_port = 8081,
    .produces = produces,
    .n_produces = sizeof produces / sizeof produces[0],
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
