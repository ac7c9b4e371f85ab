/* order-svc events: the step, the commands it emits, the consumed topics' handlers (see
 * order_events.h). */
#include "order_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/daemon.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/outbox.h"
#include "common/outlet_store.h"
#include "common/timefmt.h"
#include "common/xalloc.h"
#include "order_app.h"
#include "order_json.h"
#include "order_store.h"

#define PRODUCER "order-svc"
#define SCHEMA   "orders"

/* ---- Produced: the step's commands ---- */

static const struct {
    unsigned command;
    const char *type;
    json_t *(*data)(const struct order *o);
} produced[] = {
    {ORDER_EMIT_ORDER_CREATED, "order.created", order_json_created_event},
    {ORDER_EMIT_VALIDATION_REQUESTED, "inventory.validation.requested",
     order_json_validation_requested_event},
    {ORDER_EMIT_PAYMENT_REQUESTED, "payment.requested", order_json_payment_requested_event},
    {ORDER_EMIT_ORDER_PLACED, "order.placed", order_json_placed_event},
    {ORDER_EMIT_ORDER_CANCELLED, "order.cancelled", order_json_cancelled_event},
    {ORDER_EMIT_ORDER_DELIVERED, "order.delivered", order_json_delivered_event},
};
_Static_assert(sizeof produced / sizeof produced[0] == ORDER_EMIT_COUNT, "a builder per command");

/* Appends the events of commands (bits, in the table's order) for o, in o's trace. */
static int emit(PGconn *c, const struct order *o, unsigned commands, const char *causation_id)
{
    const struct outbox_origin from = {PRODUCER, SCHEMA, o->trace_id, causation_id};
    for (size_t i = 0; i < sizeof produced / sizeof produced[0]; i++) {
        if (!(commands & produced[i].command))
            continue;
        int rc = outbox_emit(c, &from, produced[i].type, o->id, produced[i].data(o));
        if (rc != OF_OK)
            return rc;
    }
    return OF_OK;
}

/* ---- The step ---- */

/* The timeline entry of event on o: from (ORDER_STATE_COUNT: none, the first step) to o's state. */
static void entry(struct order_timeline_entry *e, const struct order *o, const char *event,
                  const char *event_id, enum order_state from, const char *disposition,
                  const char *reason)
{
    const char *from_name = order_state_name(from), *to_name = order_state_name(o->state);
    *e = (struct order_timeline_entry){0};
    snprintf(e->event, sizeof e->event, "%s", event);
    snprintf(e->event_id, sizeof e->event_id, "%s", event_id ? event_id : "");
    snprintf(e->from, sizeof e->from, "%s", from_name ? from_name : "");
    snprintf(e->to, sizeof e->to, "%s", to_name ? to_name : "");
    snprintf(e->disposition, sizeof e->disposition, "%s", disposition);
    snprintf(e->reason, sizeof e->reason, "%s", reason ? reason : "");
}

/* Records event on o's timeline (see entry()). */
static int timeline(PGconn *c, const struct order *o, const char *event, const char *event_id,
                    enum order_state from, const char *disposition, const char *reason)
{
    struct order_timeline_entry e;
    entry(&e, o, event, event_id, from, disposition, reason);
    return order_store_timeline_add(c, o->id, &e);
}

/* Takes what an applied step's input tells about the order into o. */
static int absorb(struct order *o, enum order_event_type ev, const struct order_event_data *d,
                  const struct order_step *step, char *why, size_t whylen)
{
    switch (ev) {
    case ORDER_EV_INVENTORY_VALIDATED:
        if (order_rules_priced_match(o->lines, o->n_lines, d, why, whylen) != OF_OK)
            return OF_EPERMANENT;
        for (size_t i = 0; i < d->n_lines; i++) {
            for (size_t j = 0; j < o->n_lines; j++) {
                if (strcmp(o->lines[j].item_id, d->lines[i].item_id) == 0)
                    o->lines[j] = d->lines[i];
            }
        }
        memcpy(o->reservation_id, d->reservation_id, UUID_STR_LEN);
        o->has_total = true;
        o->total_minor = d->total_minor;
        memcpy(o->currency, d->currency, sizeof o->currency);
        break;
    case ORDER_EV_PAYMENT_COMPLETED:
        if (!o->has_total || d->amount_minor != o->total_minor ||
            strcmp(d->currency, o->currency) != 0) {
            snprintf(why, whylen, "data.amount_minor: not the order's total in its currency");
            return OF_EPERMANENT;
        }
        memcpy(o->payment_id, d->payment_id, UUID_STR_LEN);
        break;
    case ORDER_EV_INVENTORY_INVALIDATED:
        snprintf(o->reason, sizeof o->reason, "%s", d->reason);
        break;
    default:
        break;
    }
    if (step->commands & ORDER_EMIT_ORDER_CANCELLED) {
        enum order_cancel_reason r = step->reason;
        if (ev == ORDER_EV_REJECTED && order_reason_of_rejection(d->reason, &r) != OF_OK) {
            snprintf(why, whylen, "data.reason: not REJECTED_BY_BUSINESS or APPROVAL_TIMEOUT");
            return OF_EPERMANENT;
        }
        snprintf(o->reason, sizeof o->reason, "%s", order_reason_name(r));
        snprintf(o->stage, sizeof o->stage, "%s", order_state_name(step->stage));
    }
    return OF_OK;
}

/* Stamps the time o entered its (new) state, which the events it emits carry (placed_at). */
static void stamp(struct order *o, int64_t now)
{
    if (o->state == ORDER_AWAITING_PAYMENT)
        o->awaiting_ms = now;
    else if (o->state == ORDER_PLACED)
        o->placed_ms = now;
    else if (o->state == ORDER_APPROVED)
        o->approved_ms = now;
}

/* Counts the transition into o's state and observes the stage it ended. */
static void observe(struct order_app *app, const struct order *o)
{
    switch (o->state) {
    case ORDER_AWAITING_PAYMENT:
        order_app_observe_stage(app, ORDER_STAGE_VALIDATION, o->created_ms, o->awaiting_ms);
        break;
    case ORDER_PLACED:
        order_app_observe_stage(app, ORDER_STAGE_PAYMENT, o->awaiting_ms, o->placed_ms);
        break;
    case ORDER_APPROVED:
        order_app_observe_stage(app, ORDER_STAGE_APPROVAL, o->placed_ms, o->approved_ms);
        order_app_observe_stage(app, ORDER_STAGE_TOTAL, o->created_ms, o->approved_ms);
        break;
    default:
        break;
    }
    order_app_count_transition(app, o->state);
}

static int apply(PGconn *c, struct order_app *app, struct order *o, enum order_event_type ev,
                 const struct order_event_data *d, const struct order_cause *cause,
                 const struct order_step *step, char *why, size_t whylen)
{
    enum order_state from = o->state;
    int rc = absorb(o, ev, d, step, why, whylen);
    if (rc != OF_OK)
        return rc;
    o->state = step->to;
    o->updated_ms = time_now_ms();
    if (o->updated_ms < o->created_ms)
        o->updated_ms = o->created_ms;
    stamp(o, o->updated_ms);
    rc = emit(c, o, step->commands, cause->causation_id);
    if (rc != OF_OK)
        return rc;
    /* The token goes to payment-svc or is no longer needed: order-svc keeps it only in CREATED. */
    if ((step->commands & ORDER_EMIT_PAYMENT_REQUESTED) || order_state_is_terminal(o->state))
        o->token[0] = '\0';
    struct order_timeline_entry e;
    entry(&e, o, order_event_name(ev), cause->event_id, from,
          order_state_disposition_name(step->disposition),
          o->reason[0] && order_state_is_terminal(o->state) ? o->reason : NULL);
    rc = order_store_save(c, o, ev == ORDER_EV_INVENTORY_VALIDATED, &e);
    if (rc == OF_OK)
        observe(app, o);
    return rc;
}

/* A step that changes nothing: its note and, LATE on CANCELLED, order.cancelled.v1 again. A late
 * inventory.validated brings the reservation to release, which the order may not have had. */
static int note(PGconn *c, struct order *o, enum order_event_type ev,
                const struct order_event_data *d, const struct order_cause *cause,
                const struct order_step *step)
{
    const char *reason = d && d->reason[0] ? d->reason : NULL;
    struct order_timeline_entry e;
    entry(&e, o, order_event_name(ev), cause->event_id, o->state,
          order_state_disposition_name(step->disposition), reason);
    bool owed = step->commands & ORDER_EMIT_ORDER_CANCELLED;
    int rc;
    if (owed && ev == ORDER_EV_INVENTORY_VALIDATED && !o->reservation_id[0] && d) {
        memcpy(o->reservation_id, d->reservation_id, UUID_STR_LEN);
        rc = order_store_save(c, o, false, &e);
    } else {
        rc = order_store_timeline_add(c, o->id, &e);
    }
    if (rc != OF_OK || !owed)
        return rc;
    return emit(c, o, ORDER_EMIT_ORDER_CANCELLED, cause->causation_id);
}

int order_events_step(PGconn *c, struct order_app *app, struct order *o, enum order_event_type ev,
                      const struct order_event_data *data, const struct order_cause *cause,
                      struct order_step *ret_step, char *why, size_t whylen)
{
    struct order_step step;
    static const struct order_event_data none;
    int rc = order_state_step(o->state, ev, &step);
    if (rc != OF_OK)
        return rc;
    *ret_step = step;
    if (!data)
        data = &none;
    switch (step.disposition) {
    case ORDER_APPLIED:
        rc = apply(c, app, o, ev, data, cause, &step, why, whylen);
        break;
    case ORDER_DUPLICATE:
    case ORDER_STALE:
    case ORDER_LATE:
        rc = note(c, o, ev, data, cause, &step);
        break;
    default:
        break;
    }
    return rc != OF_OK ? rc : order_state_result(&step);
}

int order_events_created(PGconn *c, const struct order *o, const char *request_id)
{
    struct order_step step;
    order_state_created(&step);
    int rc = emit(c, o, step.commands, request_id);
    if (rc == OF_OK)
        rc = timeline(c, o, "order.created", NULL, ORDER_STATE_COUNT,
                      order_state_disposition_name(step.disposition), NULL);
    return rc;
}

/* ---- Consumed ---- */

static struct order_app *app_of(struct consumer_ctx *ctx)
{
    return ((struct daemon *)ctx->app)->app;
}

/* The saga's answers: inventory, payment, business and delivery events through the machine. */
static int saga_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    enum order_event_type type;
    char why[200] = "";
    struct order_step step;
    if (order_event_from_topic(ctx->topic, &type) != OF_OK)
        return consumer_fail(ctx, "topic: not an order event");
    struct order_event_data *d = xcalloc(1, sizeof *d);
    struct order *o = xcalloc(1, sizeof *o);
    int rc;
    if (order_rules_event(ev->data, type, d, why, sizeof why) != OF_OK) {
        rc = consumer_fail(ctx, "%s", why);
        goto out;
    }
    ctx->log->order_id = d->order_id;
    rc = order_store_get(ctx->db, d->order_id, true, o);
    if (rc == OF_ENOTFOUND) {
        rc = consumer_retry(ctx, "data.order_id: no such order (yet)");
        goto out;
    }
    if (rc != OF_OK)
        goto out;
    const struct order_cause cause = {ev->event_id, ev->event_id};
    enum order_state from = o->state;
    rc = order_events_step(ctx->db, app_of(ctx), o, type, d, &cause, &step, why, sizeof why);
    if (rc == OF_ERETRY) {
        rc = consumer_retry(ctx, "%s: early in state %s, waiting for the event before it",
                            order_event_name(type), order_state_name(from));
    } else if (rc == OF_EPERMANENT && why[0]) {
        rc = consumer_fail(ctx, "%s", why);
    } else if (rc == OF_OK) {
        log_info(ctx->log, "%s: %s %s -> %s", order_event_name(type),
                 order_state_disposition_name(step.disposition), order_state_name(from),
                 order_state_name(o->state));
    }
out:
    ctx->log->order_id = NULL;
    free(o);
    free(d);
    return rc;
}

/* inventory.released, inventory.committed, payment.refunded: they change no state; the order's
 * timeline records them. */
static int noted_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    char order_id[UUID_STR_LEN], why[160];
    if (order_rules_order_ref(ev->data, order_id, why, sizeof why) != OF_OK)
        return consumer_fail(ctx, "%s", why);
    struct order *o = xcalloc(1, sizeof *o);
    ctx->log->order_id = order_id;
    int rc = order_store_get(ctx->db, order_id, true, o);
    if (rc == OF_ENOTFOUND)
        rc = consumer_retry(ctx, "data.order_id: no such order (yet)");
    else if (rc == OF_OK)
        rc = timeline(ctx->db, o, ev->event_type, ev->event_id, o->state, "NOTED",
                      order_rules_code(json_string_value(json_object_get(ev->data, "reason"))));
    ctx->log->order_id = NULL;
    free(o);
    return rc;
}

static int address_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    struct order_address *a = xcalloc(1, sizeof *a);
    char why[160];
    int rc = order_rules_address_event(ev->data, a, why, sizeof why) == OF_OK
                 ? order_store_address_upsert(ctx->db, a)
                 : consumer_fail(ctx, "%s", why);
    free(a);
    return rc;
}

static int outlet_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    return outlet_event_handle(ctx, ev, app_of(ctx)->event_max_skew_ms);
}

const struct event_handler order_events_handlers[] = {
    {"inventory.validated.v1", saga_handle, outbox_order_lock_keys},
    {"inventory.invalidated.v1", saga_handle, outbox_order_lock_keys},
    {"inventory.reservation.expired.v1", saga_handle, outbox_order_lock_keys},
    {"inventory.released.v1", noted_handle, outbox_order_lock_keys},
    {"inventory.committed.v1", noted_handle, outbox_order_lock_keys},
    {"payment.completed.v1", saga_handle, outbox_order_lock_keys},
    {"payment.failed.v1", saga_handle, outbox_order_lock_keys},
    {"payment.refunded.v1", noted_handle, outbox_order_lock_keys},
    {"order.approved.v1", saga_handle, outbox_order_lock_keys},
    {"order.rejected.v1", saga_handle, outbox_order_lock_keys},
    {"delivery.agent.assigned.v1", saga_handle, outbox_order_lock_keys},
    {"delivery.assignment.failed.v1", saga_handle, outbox_order_lock_keys},
    {"delivery.picked_up.v1", saga_handle, outbox_order_lock_keys},
    {"delivery.delivered.v1", saga_handle, outbox_order_lock_keys},
    {"customer.address.updated.v1", address_handle, NULL},
    {"business.outlet.created.v1", outlet_handle, NULL},
    {"business.outlet.updated.v1", outlet_handle, NULL},
};
const size_t order_events_n_handlers =
    sizeof order_events_handlers / sizeof order_events_handlers[0];
