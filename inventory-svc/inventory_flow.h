/* inventory-svc's reservation flow: what a consumed event or the reservation_ttl timer does to an
 * order's reservation, following the transition table (inventory_state.h), inside the caller's
 * transaction: a validation request decided all lines or none (the items locked in id order,
 * inventory_rules_reserve), the stock of a reservation's lines moved, its status changed, its
 * timer armed or cancelled, and the event that announces it (inventory.validated, .invalidated,
 * .released, .committed, .reservation.expired, keyed by the order id) appended to the outbox. */
#ifndef INVENTORY_FLOW_H
#define INVENTORY_FLOW_H

#include <jansson.h>
#include <libpq-fe.h>

#include "common/log.h"
#include "inventory_rules.h"
#include "inventory_state.h"

struct inventory_app;

/* One order's reservation flow, from a consumed event or the timer. The strings are borrowed
 * for the call. */
struct inventory_flow {
    PGconn *db; /* inside the caller's transaction */
    struct inventory_app *app;
    const struct log_fields *log;
    const char *topic;        /* what drives it, for the log lines */
    const char *trace_id;     /* of the events it produces */
    const char *causation_id; /* the event that drives it (their causation_id) */
    const char *order_id;
    const char *outlet_id;
    const char *reservation_id;                     /* "" when the event names none */
    const char *reason;                             /* why a cancellation releases ("" otherwise) */
    const struct inventory_validation_request *req; /* INVENTORY_REQUESTED only */
    /* out: the verdict of the transition; for INVENTORY_RETRY and INVENTORY_REFUSE, why (a
     * "data.<field>: ..." reason naming no value) for consumer_retry or consumer_fail */
    enum inventory_verdict verdict;
    char why[128];
};

/* Drives the reservation of f->order_id by trigger, as inventory_state_transition says: decides
 * (INVENTORY_REQUESTED without a reservation), tombstones (a cancellation without one), applies
 * a transition, answers a repeated request again from the stored reservation, or does nothing.
 * An event about another outlet or reservation than the order's is refused. Returns OF_OK with
 * f->verdict set (INVENTORY_RETRY or INVENTORY_REFUSE: the caller retries or dead-letters, and
 * nothing was written), or the database error. */
int inventory_flow_drive(struct inventory_flow *f, enum inventory_trigger trigger)
    __attribute__((warn_unused_result));

/* The kind of the timer that expires an unpaid reservation, keyed by the order id, with the
 * payload {order_id, outlet_id, reservation_id, trace_id, causation_id}. */
#define INVENTORY_TIMER_RESERVATION_TTL "reservation_ttl"

/* The work of the reservation_ttl timer, in the caller's transaction on c: the reservation of
 * payload.order_id, if still RESERVED, becomes EXPIRED, its stock is released and
 * inventory.reservation.expired.v1 is appended; in any other state nothing happens. Takes the
 * outlet's stock lock and the order's outbox lock first, in ascending order, as a consumer batch
 * would. Returns OF_OK, OF_EPERMANENT for a payload that is not one this service wrote (or a
 * reservation that is not the payload's), or the database error.
 * Run by the timer kind INVENTORY_TIMER_RESERVATION_TTL (inventory_events_timers). */
int inventory_flow_ttl_fire(PGconn *c, struct inventory_app *app, const json_t *payload)
    __attribute__((warn_unused_result));

#endif
