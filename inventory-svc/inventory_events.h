/* inventory-svc events: the topic -> handler table of what it consumes (business.outlet.* into
 * the outlet read model; inventory.validation.requested, order.placed, order.cancelled and
 * order.delivered driving each order's reservation through inventory_rules_transition), the
 * reservation_ttl timer's work, and the builders of what it produces (inventory.validated,
 * inventory.invalidated, inventory.released, inventory.committed, inventory.reservation.expired,
 * each keyed by the order id), appended to the outbox in the caller's transaction. */
#ifndef INVENTORY_EVENTS_H
#define INVENTORY_EVENTS_H

#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "common/consumer.h"

struct inventory_app;

/* service_def.handlers. Every handler is idempotent: the inbox skips a redelivered event, and a
 * new event for an order whose reservation has moved on already is ignored by the transition
 * table (a re-emitted order.cancelled.v1 releases nothing twice). A handler dead-letters
 * (OF_EPERMANENT) data the rules refuse and an event that contradicts the reservation (another
 * outlet or reservation id, a delivery after a release), retries (OF_ERETRY) one that overtook
 * the event before it (order.placed.v1 before the reservation exists, order.delivered.v1 before
 * order.placed.v1), and returns database errors as db_exec classified them. The order handlers'
 * lock_keys are the outlet's stock lock (inventory_rules_outlet_lock_key) and the outbox lock of
 * the order id (outbox_lock_key), so batches on several instances never deadlock on item rows. */
extern const struct event_handler inventory_events_handlers[];
extern const size_t inventory_events_n_handlers;

/* The kind of the timer that expires an unpaid reservation, keyed by the order id, with the
 * payload {order_id, outlet_id, reservation_id, trace_id, causation_id}. */
#define INVENTORY_TIMER_RESERVATION_TTL "reservation_ttl"

/* The work of the reservation_ttl timer, in the caller's transaction on c: the reservation of
 * payload.order_id, if still RESERVED, becomes EXPIRED, its stock is released and
 * inventory.reservation.expired.v1 is appended; in any other state nothing happens. Takes the
 * outlet's stock lock and the order's outbox lock first, in ascending order, as a consumer batch
 * would. Returns OF_OK, OF_EPERMANENT for a payload that is not one this service wrote, or the
 * database error.
 * TODO(timers): becomes the timer_fire_fn of {INVENTORY_TIMER_RESERVATION_TTL, ...} in
 * service_def.timers once common/timers.h is merged; until then nothing calls it. */
int inventory_events_ttl_fire(PGconn *c, struct inventory_app *app, const json_t *payload)
    __attribute__((warn_unused_result));

#endif
