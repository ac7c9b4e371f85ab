/* customer-svc: accounts, OTP login, JWT issuing, address book and outlet feed. Wiring only: the
 * service definition handed to the shared lifecycle. */
#include "common/daemon.h"

/* Topics this service writes to its outbox (created at start-up). */
static const char *const produces[] = {
    "customer.registered.v1",
    "customer.address.updated.v1",
};

static const struct service_def service = {
    .name = "customer-svc",
    .schema = "customer",
    .migrations = "customer",
    .db_role = "customer_svc",
    .default_port = 8085,
    .produces = produces,
    .n_produces = sizeof produces / sizeof produces[0],
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
