/* payment-svc: payments and refunds through a provider adapter. Wiring only: the service definition
 * handed to the shared lifecycle. */
#include "common/daemon.h"

/* Topics this service writes to its outbox (created at start-up). */
static const char *const produces[] = {
    "payment.completed.v1",
    "payment.failed.v1",
    "payment.refunded.v1",
};

static const struct service_def service = {
    .name = "payment-svc",
    .schema = "payment",
    .migrations = "payment",
    .db_role = "payment_svc",
    .default_port = 8083,
    .produces = produces,
    .n_produces = sizeof produces / sizeof produces[0],
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
