/* notification-svc events: the handlers, the send timer and notification.sent.v1 (see
 * notification_events.h). */
#include "notification_events.h"

#include <stdio.h>
#include <string.h>

#include "common/backoff.h"
#include "common/daemon.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/outbox.h"
#include "common/timefmt.h"
#include "notification.h"
#include "notification_app.h"
#include "notification_json.h"
#include "notification_rules.h"
#include "notification_store.h"
#include "notification_templates.h"

#define PRODUCER "notification-svc"
#define SCHEMA   "notification"

/* Webhook retries: 1 s doubling to 5 min. */
static const struct backoff_policy send_backoff = {.base_ms = 1000, .max_ms = 300000};

static int arm_send(PGconn *c, const char *id, int attempt, int64_t due_ms)
{
    char key[UUID_STR_LEN + 16];
    snprintf(key, sizeof key, "%s.%d", id, attempt);
    json_t *payload = json_pack("{s:s}", "notification_id", id);
    int rc = payload ? timers_arm(c, SCHEMA, NOTIFICATION_TIMER_SEND, key, due_ms, payload)
                     : OF_EPERMANENT;
    json_decref(payload);
    return rc;
}

/* ---- Consumed ---- */

static struct notification_app *app_of(struct consumer_ctx *ctx)
{
    return ((struct daemon *)ctx->app)->app;
}

/* The read model's share of ev (topic t). */
static int keep_model(struct consumer_ctx *ctx, const char *topic,
                      const struct notification_event *ev)
{
    if (ev->customer_id[0]) {
        int rc = notification_store_order_upsert(ctx->db, ev);
        if (rc != OF_OK)
            return rc;
    }
    if (ev->outlet_name[0])
        return notification_store_order_outlet(ctx->db, ev->order_id, ev->outlet_name);
    if (strcmp(topic, "payment.refunded.v1") == 0)
        return notification_store_order_refund(ctx->db, ev->order_id, ev->amount_minor);
    if (strstr(topic, ".delivered.v1"))
        return notification_store_order_delivered(ctx->db, ev->order_id, ev->at);
    return OF_OK;
}

/* Renders and inserts the notification of kind for ev, with its send timer. */
static int notify(struct consumer_ctx *ctx, const struct envelope *env, const char *kind,
                  const struct notification_event *ev, const struct notification_order *o)
{
    struct notification_app *app = app_of(ctx);
    struct notification n = {0};
    struct notification_vars_buf buf;
    struct notification_vars vars;
    char name[32] = "";
    bool created;
    if (!ev->customer_id[0] && !o)
        return consumer_retry(ctx, "data.order_id: order not known yet");
    const char *later = notification_rules_later_kinds(kind);
    bool stale = false;
    int rc = later ? notification_store_has_kind(ctx->db, ev->order_id, later, &stale) : OF_OK;
    if (rc != OF_OK)
        return rc;
    if (stale) {
        log_info(ctx->log, "%s: a later step of the delivery was told already: not told", kind);
        return OF_OK;
    }
    notification_rules_vars(ev, o, &buf, &vars);
    enum notification_render r = notification_templates_render(notification_templates_find(kind),
                                                               &vars, n.body, sizeof n.body, name);
    if (r == NOTIFICATION_MISSING_VALUE)
        return consumer_fail(ctx, "template %s: no value for {%s}", kind, name);
    if (r != NOTIFICATION_RENDERED)
        return consumer_fail(ctx, "template %s: cannot be rendered (%d)", kind, (int)r);
    snprintf(n.customer_id, sizeof n.customer_id, "%s",
             ev->customer_id[0] ? ev->customer_id : o->customer_id);
    snprintf(n.order_id, sizeof n.order_id, "%s", ev->order_id);
    snprintf(n.event_type, sizeof n.event_type, "%s", kind);
    snprintf(n.event_id, sizeof n.event_id, "%s", env->event_id);
    snprintf(n.channel, sizeof n.channel, "%s", app->channel.name);
    rc = notification_store_insert(ctx->db, &n, &created);
    if (rc != OF_OK)
        return rc;
    if (!created) {
        log_info(ctx->log, "%s notified already for this order: nothing to do", kind);
        return OF_OK;
    }
    return arm_send(ctx->db, n.id, 0, time_now_ms());
}

/* ev's read model, then its notification (when its topic makes one). */
static int handle_event(struct consumer_ctx *ctx, const struct envelope *env,
                        const struct notification_topic *t, const struct notification_event *ev)
{
    struct notification_order o = {0};
    const char *kind = notification_rules_kind(t, ev);
    int rc = keep_model(ctx, ctx->topic, ev);
    if (rc != OF_OK || !kind)
        return rc;
    rc = notification_store_order_get(ctx->db, ev->order_id, &o);
    if (rc == OF_ENOTFOUND && t->needs_read_model)
        return consumer_retry(ctx, "data.order_id: order not known yet");
    if (rc == OF_OK || rc == OF_ENOTFOUND)
        rc = notify(ctx, env, kind, ev, rc == OF_OK ? &o : NULL);
    notification_order_clear(&o);
    return rc;
}

static int handle(struct consumer_ctx *ctx, const struct envelope *env)
{
    const struct notification_topic *t = notification_rules_topic(ctx->topic);
    struct notification_event ev;
    char why[256];
    if (!t)
        return consumer_fail(ctx, "topic: not consumed");
    if (notification_rules_event(ctx->topic, env->data, &ev, why, sizeof why) != OF_OK)
        return consumer_fail(ctx, "%s", why);
    ctx->log->order_id = ev.order_id;
    int rc = handle_event(ctx, env, t, &ev);
    ctx->log->order_id = NULL; /* ev is this frame's */
    return rc;
}

/* ---- The send timer ---- */

static int sent(struct timer_ctx *ctx, struct notification_app *app, struct notification *n)
{
    snprintf(n->status, sizeof n->status, "SENT");
    n->last_error[0] = '\0';
    int rc = notification_store_save(ctx->db, n);
    if (rc != OF_OK)
        return rc;
    const struct outbox_origin from = {PRODUCER, SCHEMA, ctx->trace_id, n->event_id};
    rc = outbox_emit(ctx->db, &from, "notification.sent", n->order_id, notification_json_sent(n));
    if (rc == OF_OK) {
        notification_app_count(app, "sent");
        log_info(ctx->log, "notification %s sent through %s", n->id, n->channel);
    }
    return rc;
}

static int unsent(struct timer_ctx *ctx, struct notification_app *app, struct notification *n,
                  const char *err)
{
    snprintf(n->last_error, sizeof n->last_error, "%s", err);
    bool give_up = n->attempts >= app->max_attempts;
    snprintf(n->status, sizeof n->status, "%s", give_up ? "FAILED" : "PENDING");
    int rc = notification_store_save(ctx->db, n);
    if (rc == OF_OK && !give_up)
        rc = arm_send(ctx->db, n->id, n->attempts,
                      time_now_ms() + backoff_next_ms(&send_backoff, (unsigned)n->attempts - 1));
    if (rc == OF_OK) {
        notification_app_count(app, give_up ? "failed" : "retried");
        log_warn(ctx->log, "notification %s attempt %d: %s%s", n->id, n->attempts, err,
                 give_up ? ": left FAILED" : "");
    }
    return rc;
}

static int fire_send(struct timer_ctx *ctx, const json_t *payload)
{
    struct notification_app *app = ((struct daemon *)ctx->app)->app;
    const char *id = json_string_value(json_object_get(payload, "notification_id"));
    struct notification n;
    char err[NOTIFICATION_ERROR_SIZE] = "";
    if (!id || !uuid_valid(id))
        return timer_fail(ctx, "payload.notification_id: not a UUID");
    int rc = notification_store_get(ctx->db, id, NULL, true, &n);
    if (rc == OF_ENOTFOUND || (rc == OF_OK && strcmp(n.status, "PENDING") != 0))
        return OF_OK;
    if (rc != OF_OK)
        return rc;
    ctx->log->order_id = n.order_id;
    n.attempts++;
    if (app->channel.send(&app->channel, &n, err, sizeof err) == 0)
        rc = sent(ctx, app, &n);
    else
        rc = unsent(ctx, app, &n, err);
    ctx->log->order_id = NULL; /* n is this frame's */
    return rc;
}

const struct timer_kind notification_events_timers[] = {
    {NOTIFICATION_TIMER_SEND, fire_send},
};
const size_t notification_events_n_timers =
    sizeof notification_events_timers / sizeof notification_events_timers[0];

const struct event_handler notification_events_handlers[] = {
    {"order.created.v1", handle, NULL},           {"order.placed.v1", handle, NULL},
    {"order.approved.v1", handle, NULL},          {"order.rejected.v1", handle, NULL},
    {"order.cancelled.v1", handle, NULL},         {"order.delivered.v1", handle, NULL},
    {"delivery.agent.assigned.v1", handle, NULL}, {"delivery.picked_up.v1", handle, NULL},
    {"delivery.delivered.v1", handle, NULL},      {"payment.failed.v1", handle, NULL},
    {"payment.refunded.v1", handle, NULL},
};
const size_t notification_events_n_handlers =
    sizeof notification_events_handlers / sizeof notification_events_handlers[0];
