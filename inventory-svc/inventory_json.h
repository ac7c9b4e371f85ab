/* inventory-svc structs -> JSON: one serialiser per domain type, shared by the HTTP answers and
 * the event builders (the data of every event inventory-svc produces, as docs/events/ describes
 * it). Pure (jansson only). Each returns a new object, or NULL when a member cannot be
 * serialised (text that is not UTF-8: the store only holds validated text). */
#ifndef INVENTORY_JSON_H
#define INVENTORY_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "inventory.h"
#include "inventory_rules.h"

/* What anyone may see of an item: {id, outlet_id, sku, name, price_minor, currency, active,
 * available}. */
json_t *inventory_json_item_public(const struct inventory_item *it);
/* What its owner sees: the public members and on_hand, reserved, confirmed, sold. */
json_t *inventory_json_item(const struct inventory_item *it);
/* {id, item_id, actor_id, actor_role, delta, reason, on_hand_before, on_hand_after,
 * available_before, available_after, created_at}. */
json_t *inventory_json_adjustment(const struct inventory_adjustment *a);

/* ---- Event data ---- */

/* inventory.validated.v1 {order_id, outlet_id, reservation_id, lines:[{item_id, sku, name, qty,
 * unit_price_minor, line_total_minor}], total_minor, currency, expires_at}. */
json_t *inventory_json_validated(const struct inventory_reservation *r,
                                 const struct inventory_priced_line *lines, size_t n);
/* inventory.invalidated.v1 {order_id, outlet_id, reason, lines:[{item_id, reason, requested,
 * available}]} from a refusing decision (d->reason not INVENTORY_OK, else NULL). */
json_t *inventory_json_invalidated(const char *order_id, const char *outlet_id,
                                   const struct inventory_decision *d);
/* inventory.released.v1 {order_id, reservation_id, lines:[{item_id, qty}], reason}: r->reason
 * (the cancellation's reason, RESERVATION_EXPIRED for an expired one); lines empty for a
 * tombstone. */
json_t *inventory_json_released(const struct inventory_reservation *r,
                                const struct inventory_priced_line *lines, size_t n);
/* inventory.committed.v1 {order_id, reservation_id, lines:[{item_id, qty}]}. */
json_t *inventory_json_committed(const struct inventory_reservation *r,
                                 const struct inventory_priced_line *lines, size_t n);
/* inventory.reservation.expired.v1 {order_id, reservation_id, expired_at} (expired_ms: Unix
 * milliseconds). */
json_t *inventory_json_expired(const struct inventory_reservation *r, int64_t expired_ms);

#endif
