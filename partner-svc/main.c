/* partner-svc: delivery partners, availability and assignment. Wiring only: the service definition
 * handed to the shared lifecycle. */
#include "common/daemon.h"

/* Topics this service writes to its outbox (created at start-up). */
static const char *const produces[] = {
    "delivery.agent.assigned.v1",
    "delivery.assignment.failed.v1",
    "delivery.picked_up.v1",
    "delivery.delivered.v1",
};

static const struct service_def service = {
    .name = "partner-svc",
    .schema = "partner",
    .migrations = "partner",
    .db_role = "partner_svc",
    .default_port = 8087,
    .produces = produces,
    .n_produces = sizeof produces / sizeof produces[0],
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
