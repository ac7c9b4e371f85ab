/* payment-svc: payments and refunds through a provider adapter. Wiring only: the service definition
 * handed to the shared lifecycle. */
#include "common/daemon.h"

static const struct service_def service = {
    .name = "payment-svc",
    .schema = "payment",
    .migrations = "payment",
    .db_role = "payment_svc",
    .default_port = 8083,
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
