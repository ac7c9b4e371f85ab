/* notification-svc: customer notifications and their delivery attempts. Wiring only: the service
 * definition handed to the shared lifecycle. */
#include "common/daemon.h"

/* Topics this service writes to its outbox (created at start-up). */
static const char *const produces[] = {
    "notification.sent.v1",
};

static const struct service_def service = {
    .name = "notification-svc",
    .schema = "notification",
    .migrations = "notification",
    .db_role = "notification_svc",
    .default_port = 8084,
    .produces = produces,
    .n_produces = sizeof produces / sizeof produces[0],
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
