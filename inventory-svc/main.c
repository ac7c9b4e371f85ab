/* inventory-svc: catalog per outlet, stock and reservations. Wiring only: the service definition
 * handed to the shared lifecycle. */
#include "common/daemon.h"

/* Topics this service writes to its outbox (created at start-up). */
static const char *const produces[] = {
    "inventory.validated.v1", "inventory.invalidated.v1",         "inventory.released.v1",
    "inventory.committed.v1", "inventory.reservation.expired.v1",
};

static const struct service_def service = {
    .name = "inventory-svc",
    .schema = "inventory",
    .migrations = "inventory",
    .db_role = "inventory_svc",
    .default_port = 8082,
    .produces = produces,
    .n_produces = sizeof produces / sizeof produces[0],
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
