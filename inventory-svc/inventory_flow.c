/* inventory-svc's reservation flow: what an event or the reservation_ttl timer does to an
 * order's reservation, by the transition table (inventory_state.h), in the caller's transaction:
 * the decision of a validation request, stock moves, status changes, the timer's arm and cancel
 * call sites and the events appended to the outbox (see inventory_flow.h). */
#include "inventory_flow.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/consumer.h"
#include "common/db.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/jspec.h"
#include "common/log.h"
#include "common/outbox.h"
#include "common/timefmt.h"
#include "common/timers.h"
#include "inventory_app.h"
#include "inventory_json.h"
#include "inventory_rules.h"
#include "inventory_store.h"

#define PRODUCER "inventory-svc"
#define SCHEMA   "inventory"

/* ---- The reservation_ttl timer's call sites ---- */

/* Arms the timer that expires r at r->expires_ms (upserted on (kind, order id)), in the
 * transaction that made r. */
static int ttl_arm(PGconn *c, const struct inventory_reservation *r, const struct inventory_flow *f)
{
    json_t *payload = json_pack("{s:s, s:s, s:s, s:s, s:s}", "order_id", r->order_id, "outlet_id",
                                r->outlet_id, "reservation_id", r->id, "trace_id", f->trace_id,
                                "causation_id", f->causation_id ? f->causation_id : "");
    if (!payload)
        return OF_EPERMANENT;
    int rc =
        timers_arm(c, SCHEMA, INVENTORY_TIMER_RESERVATION_TTL, r->order_id, r->expires_ms, payload);
    json_decref(payload);
    return rc;
}

/* Cancels the timer of order_id, in the transaction that confirms or releases its reservation. */
static int ttl_cancel(PGconn *c, const char *order_id)
{
    return timers_cancel(c, SCHEMA, INVENTORY_TIMER_RESERVATION_TTL, order_id);
}

/* ---- Produced ---- */

/* Appends data (stolen) as an event of type keyed and correlated by the order id, caused by the
 * event being handled. */
static int append(const struct inventory_flow *f, const char *type, json_t *data)
{
    const struct outbox_origin from = {PRODUCER, SCHEMA, f->trace_id, f->causation_id};
    return outbox_emit(f->db, &from, type, f->order_id, data);
}

/* Appends the event what of reservation r with its lines. */
static int emit(const struct inventory_flow *f, enum inventory_emit what,
                const struct inventory_reservation *r, const struct inventory_priced_line *lines,
                size_t n)
{
    switch (what) {
    case INVENTORY_EMIT_VALIDATED:
        return append(f, "inventory.validated", inventory_json_validated(r, lines, n));
    case INVENTORY_EMIT_RELEASED:
        return append(f, "inventory.released", inventory_json_released(r, lines, n));
    case INVENTORY_EMIT_COMMITTED:
        return append(f, "inventory.committed", inventory_json_committed(r, lines, n));
    case INVENTORY_EMIT_EXPIRED:
        return append(f, "inventory.reservation.expired", inventory_json_expired(r, time_now_ms()));
    default:
        return OF_OK;
    }
}

/* ---- The flow ---- */

/* The metric outcome of reaching status. */
static const char *outcome_of(enum inventory_status s)
{
    static const char *const names[INVENTORY_STATUS_COUNT] = {[INVENTORY_CONFIRMED] = "confirmed",
                                                              [INVENTORY_RELEASED] = "released",
                                                              [INVENTORY_COMMITTED] = "committed",
                                                              [INVENTORY_EXPIRED] = "expired"};
    return (unsigned)s < INVENTORY_STATUS_COUNT ? names[s] : NULL;
}

/* A RETRY or REFUSE verdict for the handler, with its reason. */
static int verdict(struct inventory_flow *f, enum inventory_verdict v, const char *prefix,
                   const char *why)
{
    f->verdict = v;
    snprintf(f->why, sizeof f->why, "%s%s", prefix, why);
    return OF_OK;
}

/* A validation request that all lines can be reserved for: the reservation, its lines, the
 * stock held, the timer armed, inventory.validated.v1. */
static int reserve(struct inventory_flow *f, const struct inventory_decision *d)
{
    struct inventory_reservation r = {.status = INVENTORY_RESERVED,
                                      .total_minor = d->total_minor,
                                      .expires_ms = time_now_ms() + f->app->reservation_ttl_ms};
    uuid_v7(r.id);
    memcpy(r.order_id, f->order_id, UUID_STR_LEN);
    memcpy(r.outlet_id, f->outlet_id, UUID_STR_LEN);
    memcpy(r.currency, d->currency, sizeof r.currency);
    int rc = inventory_store_reservation_insert(f->db, &r);
    if (rc == OF_OK)
        rc = inventory_store_lines_insert(f->db, r.id, d->lines, d->n_lines);
    if (rc == OF_OK)
        rc = inventory_store_stock_move(f->db, r.id, INVENTORY_MOVE_RESERVE, d->n_lines);
    if (rc == OF_OK)
        rc = ttl_arm(f->db, &r, f);
    if (rc == OF_OK)
        rc = emit(f, INVENTORY_EMIT_VALIDATED, &r, d->lines, d->n_lines);
    if (rc == OF_OK)
        inventory_app_count(f->app, "validated", NULL);
    return rc;
}

/* No reservation yet: lock the requested items (in id order), decide, then reserve or refuse. */
static int decide(struct inventory_flow *f)
{
    const struct inventory_validation_request *req = f->req;
    struct outlet_ref outlet;
    struct inventory_item *items = NULL;
    size_t n_items = 0;
    struct inventory_decision d = {0};
    int rc = inventory_store_outlet_get(f->db, req->outlet_id, &outlet);
    bool known = rc == OF_OK;
    if (rc == OF_OK || rc == OF_ENOTFOUND)
        rc = inventory_store_items_lock(f->db, req->outlet_id, req->lines, req->n_lines, &items,
                                        &n_items);
    if (rc != OF_OK)
        goto out;
    if (inventory_rules_reserve(known ? &outlet : NULL, req->lines, req->n_lines, items, n_items,
                                &d) != OF_OK) {
        rc = verdict(f, INVENTORY_REFUSE, "data.lines: ", "the order's total is out of range");
        goto out;
    }
    if (d.reason == INVENTORY_OK) {
        rc = reserve(f, &d);
    } else {
        rc = append(f, "inventory.invalidated",
                    inventory_json_invalidated(req->order_id, req->outlet_id, &d));
        if (rc == OF_OK)
            inventory_app_count(f->app, "invalidated", inventory_rules_reason_name(d.reason));
    }
out:
    inventory_decision_clear(&d);
    free(items);
    return rc;
}

/* A cancellation before the validation request: remember it, so that the request is answered
 * with inventory.released.v1 and reserves nothing. */
static int tombstone(struct inventory_flow *f)
{
    struct inventory_reservation r = {.status = INVENTORY_RELEASED, .tombstone = true};
    uuid_v7(r.id);
    memcpy(r.order_id, f->order_id, UUID_STR_LEN);
    memcpy(r.outlet_id, f->outlet_id, UUID_STR_LEN);
    snprintf(r.reason, sizeof r.reason, "%s", f->reason);
    int rc = inventory_store_reservation_insert(f->db, &r);
    if (rc == OF_OK)
        inventory_app_count(f->app, "tombstoned", NULL);
    return rc;
}

/* Applies transition t to reservation r: the stock of its lines moves, its status changes, the
 * timer is cancelled when t says so, and t's event is appended. */
static int apply(struct inventory_flow *f, struct inventory_reservation *r,
                 const struct inventory_transition *t)
{
    struct inventory_priced_line *lines = NULL;
    size_t n = 0;
    int rc = inventory_store_lines_get(f->db, r->id, &lines, &n);
    if (rc == OF_OK && t->move != INVENTORY_MOVE_NONE) {
        rc = inventory_store_stock_lock(f->db, r->id);
        if (rc == OF_OK)
            rc = inventory_store_stock_move(f->db, r->id, t->move, n);
    }
    if (rc == OF_OK && t->verdict == INVENTORY_APPLY) {
        r->status = t->to;
        r->expires_ms = 0;
        if (t->to == INVENTORY_RELEASED)
            snprintf(r->reason, sizeof r->reason, "%s", f->reason);
        else if (t->to == INVENTORY_EXPIRED)
            snprintf(r->reason, sizeof r->reason, "RESERVATION_EXPIRED");
        rc = inventory_store_reservation_update(f->db, r);
    }
    if (rc == OF_OK && t->cancel_timer)
        rc = ttl_cancel(f->db, r->order_id);
    if (rc == OF_OK)
        rc = emit(f, t->emit, r, lines, n);
    if (rc == OF_OK && t->verdict == INVENTORY_APPLY)
        inventory_app_count(f->app, outcome_of(t->to), NULL);
    free(lines);
    return rc;
}

/* The event must be about r: its outlet, and its reservation id when it names one. */
static bool matches(struct inventory_flow *f, const struct inventory_reservation *r)
{
    if (strcmp(f->outlet_id, r->outlet_id) != 0) {
        verdict(f, INVENTORY_REFUSE, "data.outlet_id: ", "not the outlet of the order");
        return false;
    }
    if (f->reservation_id[0] && strcmp(f->reservation_id, r->id) != 0) {
        verdict(f, INVENTORY_REFUSE, "data.reservation_id: ", "not the order's reservation");
        return false;
    }
    return true;
}

int inventory_flow_drive(struct inventory_flow *f, enum inventory_trigger trigger)
{
    struct inventory_reservation r = {0};
    int rc = inventory_store_reservation_get(f->db, f->order_id, &r);
    if (rc != OF_OK && rc != OF_ENOTFOUND)
        return rc;
    const struct inventory_transition *t =
        inventory_state_transition(rc == OF_OK ? r.status : INVENTORY_NONE, trigger);
    f->verdict = t->verdict;
    switch (t->verdict) {
    case INVENTORY_DECIDE:
        return decide(f);
    case INVENTORY_TOMBSTONE:
        return tombstone(f);
    case INVENTORY_APPLY:
    case INVENTORY_ANSWER:
        return matches(f, &r) ? apply(f, &r, t) : OF_OK;
    case INVENTORY_IGNORE:
        log_info(f->log, "%s: nothing to do for the order's reservation: %s", f->topic, t->why);
        return OF_OK;
    case INVENTORY_RETRY:
        return verdict(f, INVENTORY_RETRY, "data.order_id: ", t->why);
    case INVENTORY_REFUSE:
    default:
        return verdict(f, INVENTORY_REFUSE, "data.order_id: ", t->why);
    }
}

/* ---- The reservation_ttl timer ---- */

struct ttl_payload {
    char order_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    char reservation_id[UUID_STR_LEN];
    char trace_id[TRACE_ID_LEN];
    char causation_id[UUID_STR_LEN];
};

#define TTL struct ttl_payload
static const struct jspec_field ttl_fields[] = {
    JSPEC_UUID(TTL, order_id),       JSPEC_UUID(TTL, outlet_id),
    JSPEC_UUID(TTL, reservation_id), JSPEC_STRING(TTL, trace_id, TRACE_ID_LEN - 1),
    JSPEC_UUID(TTL, causation_id),
};
static const struct jspec ttl_spec = JSPEC_SPEC(TTL, ttl_fields, JSPEC_LENIENT);

/* Both advisory locks a consumer batch would take for the order, in ascending order. */
static int lock_order(PGconn *c, const char *outlet_id, const char *order_id)
{
    int64_t keys[2] = {outbox_lock_scoped(SCHEMA, inventory_rules_outlet_lock_key(outlet_id)),
                       outbox_lock_scoped(SCHEMA, outbox_lock_key(order_id))};
    size_t n = consumer_sort_keys(keys, 2);
    char arr[64];
    snprintf(arr, sizeof arr, n == 2 ? "{%" PRId64 ",%" PRId64 "}" : "{%" PRId64 "}", keys[0],
             keys[1]);
    const char *p[] = {arr};
    return db_exec(c, "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k ORDER BY k",
                   1, p, NULL, NULL, 0);
}

int inventory_flow_ttl_fire(PGconn *c, struct inventory_app *app, const json_t *payload)
{
    TTL p = {0};
    struct log_fields log = {0};
    if (jspec_parse(payload, &ttl_spec, &p, NULL) < 0)
        return OF_EPERMANENT;
    log.trace_id = p.trace_id;
    log.order_id = p.order_id;
    struct inventory_flow f = {.db = c,
                               .app = app,
                               .log = &log,
                               .topic = INVENTORY_TIMER_RESERVATION_TTL,
                               .trace_id = p.trace_id,
                               .causation_id = p.causation_id,
                               .order_id = p.order_id,
                               .outlet_id = p.outlet_id,
                               .reservation_id = p.reservation_id,
                               .reason = ""};
    int rc = lock_order(c, p.outlet_id, p.order_id);
    if (rc == OF_OK)
        rc = inventory_flow_drive(&f, INVENTORY_TTL);
    if (rc == OF_OK && f.verdict == INVENTORY_REFUSE) {
        log_warn(&log, "reservation_ttl: %s", f.why);
        rc = OF_EPERMANENT;
    }
    return rc;
}
