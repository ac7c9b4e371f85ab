/* partner-svc: delivery partners, availability and assignment. Wiring only: the service definition
 * handed to the shared lifecycle. */
#include "common/daemon.h"

static const struct service_def service = {
    .name = "partner-svc",
    .schema = "partner",
    .migrations = "partner",
    .db_role = "partner_svc",
    .default_port = 8087,
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
