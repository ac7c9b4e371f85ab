/* notification-svc settings (OF_NOTIFY_CHANNEL, OF_NOTIFY_FILE, OF_WEBHOOK_URL,
 * OF_WEBHOOK_SECRET, OF_WEBHOOK_MAX_ATTEMPTS, OF_WEBHOOK_TIMEOUT_MS), its state (the channel and
 * the notifications_total counter) and the lifecycle hooks. */
#ifndef NOTIFICATION_APP_H
#define NOTIFICATION_APP_H

#include <stddef.h>

#include "common/config.h"

struct daemon;
struct metrics;
struct notification;

struct notification_config {
    char *channel;     /* OF_NOTIFY_CHANNEL: log | webhook | file */
    char *file;        /* OF_NOTIFY_FILE */
    char *webhook_url; /* OF_WEBHOOK_URL */
    char *webhook_secret;
    long webhook_max_attempts;
    long webhook_timeout_ms;
};

extern const struct config_var notification_config_vars[];
extern const size_t notification_n_config_vars;

/* One way to deliver a message: send() returns 0 when delivered, else -1 with a reason (no
 * message content) in err. */
struct notification_channel {
    const char *name;
    int (*send)(const struct notification_channel *ch, const struct notification *n, char *err,
                size_t errlen);
    const struct notification_config *cfg;
};

struct notification_app {
    struct notification_channel channel;
    int max_attempts;
    struct metrics *metrics;
};

/* service_def.init / fini. */
int notification_app_init(struct daemon *d);
void notification_app_fini(struct daemon *d);

/* Counts one outcome ("sent", "retried", "failed") of the app's channel in notifications_total. */
void notification_app_count(struct notification_app *app, const char *outcome);

#endif
