/* business-svc: businesses, outlets and approval decisions. Wiring only: the service definition
 * handed to the shared lifecycle. */
#include "common/daemon.h"

/* Topics this service writes to its outbox (created at start-up). */
static const char *const produces[] = {
    "business.outlet.created.v1",
    "business.outlet.updated.v1",
    "order.approved.v1",
    "order.rejected.v1",
};

static const struct service_def service = {
    .name = "business-svc",
    .schema = "business",
    .migrations = "business",
    .db_role = "business_svc",
    .default_port = 8086,
    .produces = produces,
    .n_produces = sizeof produces / sizeof produces[0],
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
