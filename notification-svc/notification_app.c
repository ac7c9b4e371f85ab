/* notification-svc settings, channels (log, file, webhook) and lifecycle (see
 * notification_app.h). */
#include "notification_app.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/daemon.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/xalloc.h"
#include "notification.h"
#include "notification_json.h"
#include "notification_sign.h"

#define NC(f) offsetof(struct notification_config, f)
const struct config_var notification_config_vars[] = {
    {"OF_NOTIFY_CHANNEL", CONFIG_ENUM, "log",
     "where messages go: log (one JSON log line without personal data), webhook (a signed HTTP "
     "POST to OF_WEBHOOK_URL), file (one JSON line per message in OF_NOTIFY_FILE, for tests)",
     NC(channel), 0, 0, "log|webhook|file"},
    {"OF_NOTIFY_FILE", CONFIG_STRING, "", "the file channel's file (appended to)", NC(file), 0, 0,
     NULL},
    {"OF_WEBHOOK_URL", CONFIG_STRING, "", "the webhook channel's URL", NC(webhook_url), 0, 0, NULL},
    {"OF_WEBHOOK_SECRET", CONFIG_STRING, "",
     "the HMAC-SHA256 key of X-Orderflow-Signature (required with the webhook channel)",
     NC(webhook_secret), 0, 0, NULL},
    {"OF_WEBHOOK_MAX_ATTEMPTS", CONFIG_INT, "8",
     "delivery attempts of one message before it is left FAILED", NC(webhook_max_attempts), 1, 100,
     NULL},
    {"OF_WEBHOOK_TIMEOUT_MS", CONFIG_INT, "5000", "one webhook attempt's timeout",
     NC(webhook_timeout_ms), 100, 60000, NULL},
};
const size_t notification_n_config_vars =
    sizeof notification_config_vars / sizeof notification_config_vars[0];

/* ---- Channels ---- */

static int log_send(const struct notification_channel *ch, const struct notification *n, char *err,
                    size_t errlen)
{
    (void)ch, (void)err, (void)errlen;
    const struct log_fields lf = {.order_id = n->order_id};
    log_info(&lf, "notification %s: %s", n->id, n->event_type);
    return 0;
}

static int file_send(const struct notification_channel *ch, const struct notification *n, char *err,
                     size_t errlen)
{
    json_t *m = notification_json_message(n);
    char *line = m ? json_dumps(m, JSON_COMPACT) : NULL;
    json_decref(m);
    if (!line) {
        snprintf(err, errlen, "cannot serialise the message");
        return -1;
    }
    int rc = -1, fd = open(ch->cfg->file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    size_t len = strlen(line);
    line[len] = '\n'; /* json_dumps' NUL becomes the line's end: write len + 1 bytes */
    if (fd < 0)
        snprintf(err, errlen, "OF_NOTIFY_FILE: %s", strerror(errno));
    else if (write(fd, line, len + 1) != (ssize_t)(len + 1))
        snprintf(err, errlen, "OF_NOTIFY_FILE: short write");
    else
        rc = 0;
    if (fd >= 0 && close(fd) != 0 && rc == 0) {
        snprintf(err, errlen, "OF_NOTIFY_FILE: %s", strerror(errno));
        rc = -1;
    }
    free(line);
    return rc;
}

/* The POST itself: body signed at timestamp; 2xx is delivered. */
static int post(const struct notification_config *cfg, const char *body, const char *timestamp,
                const char *signature, char *err, size_t errlen)
{
    char h_ts[64], h_sig[128];
    long status = 0;
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(err, errlen, "curl_easy_init failed");
        return -1;
    }
    snprintf(h_ts, sizeof h_ts, "X-Orderflow-Timestamp: %s", timestamp);
    snprintf(h_sig, sizeof h_sig, "X-Orderflow-Signature: %s", signature);
    struct curl_slist *h = NULL, *t;
    const char *hdrs[] = {"Content-Type: application/json", h_ts, h_sig, "Expect:"};
    for (size_t i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++) {
        if (!(t = curl_slist_append(h, hdrs[i])))
            break;
        h = t;
    }
    CURLcode cc = CURLE_OK;
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(curl, CURLOPT_URL, cfg->webhook_url);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, cfg->webhook_timeout_ms);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (cc == CURLE_OK)
        cc = curl_easy_perform(curl);
    if (cc == CURLE_OK)
        cc = curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(curl);
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "webhook: %s", curl_easy_strerror(cc));
        return -1;
    }
    if (status < 200 || status > 299) {
        snprintf(err, errlen, "webhook: HTTP status %ld", status);
        return -1;
    }
    return 0;
}

static int webhook_send(const struct notification_channel *ch, const struct notification *n,
                        char *err, size_t errlen)
{
    char timestamp[24], signature[NOTIFICATION_SIGNATURE_SIZE];
    json_t *m = notification_json_message(n);
    char *body = m ? json_dumps(m, JSON_COMPACT) : NULL;
    json_decref(m);
    int rc = -1;
    snprintf(timestamp, sizeof timestamp, "%lld", (long long)time(NULL));
    if (!body)
        snprintf(err, errlen, "cannot serialise the message");
    else if (notification_sign_webhook(ch->cfg->webhook_secret, timestamp, body, strlen(body),
                                       signature) != 0)
        snprintf(err, errlen, "cannot sign the message");
    else
        rc = post(ch->cfg, body, timestamp, signature, err, errlen);
    free(body);
    return rc;
}

/* ---- Lifecycle ---- */

static const char *const outcomes[] = {"sent", "retried", "failed"};

void notification_app_count(struct notification_app *app, const char *outcome)
{
    char labels[96];
    metrics_labels(labels, sizeof labels, "channel", app->channel.name, "outcome", outcome, NULL);
    metrics_inc(app->metrics, "notifications_total", labels, 1);
}

/* The channel the settings name, or -1 after logging which setting is missing. */
static int channel_pick(const struct notification_config *cfg, struct notification_channel *ret)
{
    ret->cfg = cfg;
    ret->name = cfg->channel;
    if (strcmp(cfg->channel, "file") == 0) {
        ret->send = file_send;
        if (!cfg->file[0]) {
            log_error(NULL, "OF_NOTIFY_FILE is required with OF_NOTIFY_CHANNEL=file");
            return -1;
        }
    } else if (strcmp(cfg->channel, "webhook") == 0) {
        ret->send = webhook_send;
        if (!cfg->webhook_url[0] || !cfg->webhook_secret[0]) {
            log_error(NULL, "OF_WEBHOOK_URL and OF_WEBHOOK_SECRET are required with "
                            "OF_NOTIFY_CHANNEL=webhook");
            return -1;
        }
    } else {
        ret->send = log_send;
    }
    return 0;
}

int notification_app_init(struct daemon *d)
{
    const struct notification_config *cfg = d->svc_cfg;
    struct notification_app *app = xcalloc(1, sizeof *app);
    d->app = app;
    app->metrics = d->metrics;
    app->max_attempts = (int)cfg->webhook_max_attempts;
    if (!d->verifier) {
        log_error(NULL, "OF_JWT_PUBLIC_KEY is required");
        return -1;
    }
    if (channel_pick(cfg, &app->channel) != 0)
        return -1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error(NULL, "curl_global_init failed");
        return -1;
    }
    metrics_declare(app->metrics, "notifications_total", METRIC_COUNTER,
                    "Notification delivery attempts by channel and outcome: sent, retried (an "
                    "attempt failed, another is armed), failed (left FAILED)",
                    NULL, 0);
    char labels[96];
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
        metrics_labels(labels, sizeof labels, "channel", app->channel.name, "outcome", outcomes[i],
                       NULL);
        metrics_inc(app->metrics, "notifications_total", labels, 0);
    }
    return 0;
}

void notification_app_fini(struct daemon *d)
{
    struct notification_app *app = d->app;
    if (!app)
        return;
    curl_global_cleanup();
    free(app);
    d->app = NULL;
}
