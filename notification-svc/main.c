/* notification-svc: customer notifications and their delivery attempts. Wiring only: the service
 * definition handed to the shared lifecycle. */
#include "common/daemon.h"

static const struct service_def service = {
    .name = "notification-svc",
    .schema = "notification",
    .migrations = "notification",
    .db_role = "notification_svc",
    .default_port = 8084,
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
