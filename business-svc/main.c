/* business-svc: businesses, outlets and approval decisions. Wiring only: the service definition
 * handed to the shared lifecycle. */
#include "common/daemon.h"

static const struct service_def service = {
    .name = "business-svc",
    .schema = "business",
    .migrations = "business",
    .db_role = "business_svc",
    .default_port = 8086,
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
