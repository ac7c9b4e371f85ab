/* inventory-svc: catalog per outlet, stock and reservations. Wiring only: the service definition
 * handed to the shared lifecycle. */
#include "common/daemon.h"

static const struct service_def service = {
    .name = "inventory-svc",
    .schema = "inventory",
    .migrations = "inventory",
    .db_role = "inventory_svc",
    .default_port = 8082,
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
