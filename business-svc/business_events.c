/* business-svc events: the order handlers, the queue transition, the approval timer and the
 * event builders (see business_events.h). */
#include "business_events.h"

#include <stdio.h>

#include "business_app.h"
#include "business_json.h"
#include "business_rules.h"
#include "business_store.h"
#include "common/daemon.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/outbox.h"
#include "common/timefmt.h"
#include "common/timers.h"

#define PRODUCER "business-svc"
#define SCHEMA   "business"

/* ---- Produced ---- */

/* Appends data (stolen) as an event of type under key, which is also the correlation id. */
static int append(PGconn *c, const struct business_event_origin *o, const char *type,
                  const char *key, json_t *data)
{
    const struct outbox_origin from = {PRODUCER, SCHEMA, o->trace_id, o->causation_id};
    return outbox_emit(c, &from, type, key, data);
}

int business_events_outlet(PGconn *c, const struct business_event_origin *origin,
                           const struct business_outlet *o, bool created)
{
    return append(c, origin, created ? "business.outlet.created" : "business.outlet.updated", o->id,
                  business_json_outlet_event(o));
}

/* ---- The approval timer ---- */

/* Arms e's approval timer: kind BUSINESS_TIMER_APPROVAL, key the order id, due e->due_ms,
 * payload {order_id}, in the caller's transaction. */
static int approval_timer_arm(PGconn *c, const struct business_queue_entry *e)
{
    json_t *payload = json_pack("{s:s}", "order_id", e->order_id);
    int rc = timers_arm(c, SCHEMA, BUSINESS_TIMER_APPROVAL, e->order_id, e->due_ms, payload);
    json_decref(payload);
    return rc;
}

/* Cancels the approval timer of order_id (none armed is no error). */
static int approval_timer_cancel(PGconn *c, const char *order_id)
{
    return timers_cancel(c, SCHEMA, BUSINESS_TIMER_APPROVAL, order_id);
}

/* ---- The queue transition ---- */

int business_events_transition(PGconn *c, struct business_queue_entry *e,
                               enum business_queue_input input, const struct business_decision *d,
                               const struct business_outlet *o, const char *causation_id,
                               enum business_queue_effect *ret_effect)
{
    bool was_pending = e->status == BUSINESS_PENDING;
    enum business_queue_effect effect = business_state_apply(e, input, d);
    *ret_effect = effect;
    if (effect != BUSINESS_APPLY)
        return OF_OK;
    int rc = business_store_queue_save(c, e);
    if (rc == OF_OK && was_pending && input != BUSINESS_IN_TIMEOUT)
        rc = approval_timer_cancel(c, e->order_id);
    if (rc != OF_OK)
        return rc;
    const struct business_event_origin origin = {e->trace_id, causation_id};
    switch (input) {
    case BUSINESS_IN_APPROVE:
        if (!o)
            return OF_EPERMANENT;
        return append(c, &origin, "order.approved", e->order_id, business_json_approved(e, o));
    case BUSINESS_IN_REJECT:
    case BUSINESS_IN_TIMEOUT:
        return append(c, &origin, "order.rejected", e->order_id, business_json_rejected(e));
    default:
        return OF_OK;
    }
}

int business_events_approval_timeout(PGconn *c, struct business_app *app, const json_t *payload,
                                     const struct log_fields *log)
{
    char order_id[UUID_STR_LEN], why[160];
    struct business_queue_entry e = {0};
    enum business_queue_effect effect;
    if (business_rules_order_ref(payload, order_id, why, sizeof why) != OF_OK) {
        log_error(log, "approval timer: %s", why);
        return OF_EPERMANENT;
    }
    int rc = business_store_queue_get(c, order_id, NULL, true, &e);
    if (rc == OF_ENOTFOUND)
        return OF_OK;
    if (rc != OF_OK)
        return rc;
    const struct business_decision d = {.now_ms = time_now_ms()};
    rc = business_events_transition(c, &e, BUSINESS_IN_TIMEOUT, &d, NULL, BUSINESS_TIMER_APPROVAL,
                                    &effect);
    if (rc == OF_OK && effect == BUSINESS_APPLY) {
        business_app_count(app, BUSINESS_OUTCOME_TIMEOUT);
        log_info(log, "order rejected: the approval SLA ran out");
    }
    business_queue_entry_clear(&e);
    return rc;
}

/* ---- Consumed: order.placed.v1 ---- */

static struct business_app *handler_app(struct consumer_ctx *ctx)
{
    return ((struct daemon *)ctx->app)->app;
}

/* The order's time checks: neither the envelope's occurred_at nor placed_at may lie further ahead
 * than OF_EVENT_MAX_SKEW_S (an order placed in 9999 would never time out). */
static int placed_times(struct consumer_ctx *ctx, const struct envelope *ev, int64_t placed_ms)
{
    const struct business_app *app = handler_app(ctx);
    const char *reason;
    int64_t now = time_now_ms(), occurred_ms;
    if (envelope_occurred_ms(ev, now, app->event_max_skew_ms, &occurred_ms, &reason) != OF_OK)
        return consumer_fail(ctx, "%s", reason);
    if (placed_ms > now + app->event_max_skew_ms)
        return consumer_fail(ctx, "data.placed_at: more than the allowed skew in the future");
    return OF_OK;
}

/* A new PENDING entry: approved at once by an open auto-approving outlet, else its timer. */
static int placed_next(struct consumer_ctx *ctx, const struct envelope *ev,
                       struct business_queue_entry *e, const struct business_outlet *o)
{
    struct business_app *app = handler_app(ctx);
    enum business_queue_effect effect;
    if (!o->auto_approve || !o->is_open)
        return approval_timer_arm(ctx->db, e);
    const struct business_decision d = {
        .auto_approved = true, .prep_time_min = app->auto_prep_time_min, .now_ms = time_now_ms()};
    int rc =
        business_events_transition(ctx->db, e, BUSINESS_IN_APPROVE, &d, o, ev->event_id, &effect);
    if (rc == OF_OK && effect == BUSINESS_APPLY) {
        business_app_count(app, BUSINESS_OUTCOME_AUTO);
        log_info(ctx->log, "order auto-approved");
    }
    return rc;
}

static int placed_queue(struct consumer_ctx *ctx, const struct envelope *ev,
                        struct business_queue_entry *e)
{
    struct business_outlet o;
    bool created;
    int rc = placed_times(ctx, ev, e->placed_ms);
    if (rc != OF_OK)
        return rc;
    rc = business_store_outlet_get(ctx->db, e->outlet_id, NULL, false, &o);
    if (rc == OF_ENOTFOUND)
        return consumer_fail(ctx, "data.outlet_id: no such outlet");
    if (rc != OF_OK)
        return rc;
    snprintf(e->trace_id, sizeof e->trace_id, "%s", ev->trace_id);
    e->due_ms = e->placed_ms + (int64_t)o.approval_sla_s * 1000;
    rc = business_store_queue_insert(ctx->db, e, &created);
    if (rc != OF_OK)
        return rc;
    if (!created) {
        log_info(ctx->log, "order.placed.v1 for an order queued already: nothing to do");
        return OF_OK;
    }
    return placed_next(ctx, ev, e, &o);
}

static int placed_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    struct business_queue_entry e = {0};
    char why[256];
    if (business_rules_order_placed(ev->data, &e, why, sizeof why) != OF_OK)
        return consumer_fail(ctx, "%s", why);
    int rc = placed_queue(ctx, ev, &e);
    business_queue_entry_clear(&e);
    return rc;
}

/* ---- Consumed: order.cancelled.v1 ---- */

static int cancelled_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    char order_id[UUID_STR_LEN], why[160];
    struct business_queue_entry e = {0};
    enum business_queue_effect effect;
    if (business_rules_order_ref(ev->data, order_id, why, sizeof why) != OF_OK)
        return consumer_fail(ctx, "%s", why);
    int rc = business_store_queue_get(ctx->db, order_id, NULL, true, &e);
    if (rc == OF_ENOTFOUND)
        return OF_OK; /* cancelled before it was placed: never queued here */
    if (rc != OF_OK)
        return rc;
    const struct business_decision d = {.now_ms = time_now_ms()};
    rc = business_events_transition(ctx->db, &e, BUSINESS_IN_CANCEL, &d, NULL, ev->event_id,
                                    &effect);
    if (rc == OF_OK && effect == BUSINESS_APPLY)
        log_info(ctx->log, "queue entry closed: the order was cancelled");
    business_queue_entry_clear(&e);
    return rc;
}

/* The timer thread's entry to business_events_approval_timeout(). */
static int fire_approval(struct timer_ctx *ctx, const json_t *payload)
{
    struct business_app *app = ((struct daemon *)ctx->app)->app;
    return business_events_approval_timeout(ctx->db, app, payload, ctx->log);
}

const struct timer_kind business_events_timers[] = {
    {BUSINESS_TIMER_APPROVAL, fire_approval},
};
const size_t business_events_n_timers =
    sizeof business_events_timers / sizeof business_events_timers[0];

const struct event_handler business_events_handlers[] = {
    {"order.placed.v1", placed_handle, outbox_order_lock_keys},
    {"order.cancelled.v1", cancelled_handle, NULL},
};
const size_t business_events_n_handlers =
    sizeof business_events_handlers / sizeof business_events_handlers[0];
