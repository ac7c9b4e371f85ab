/* inventory-svc events: the topic -> handler table of what it consumes: business.outlet.* into
 * the outlet read model, and inventory.validation.requested, order.placed, order.cancelled and
 * order.delivered, each driving its order's reservation through inventory_flow. What it produces
 * is built there (inventory_flow.h). */
#ifndef INVENTORY_EVENTS_H
#define INVENTORY_EVENTS_H

#include <stddef.h>

#include "common/consumer.h"
#include "common/timers.h"

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
/* The timer kinds (service_def.timers): a reservation's TTL (inventory_flow_ttl_fire). */
extern const struct timer_kind inventory_events_timers[];
extern const size_t inventory_events_n_timers;

#endif
