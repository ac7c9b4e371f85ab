/* order-svc serialisers, pure: one function per shape, used by HTTP answers and event data
 * alike. Each returns a new reference, or NULL when it cannot be built (the caller answers 500
 * or fails the transaction). */
#ifndef ORDER_JSON_H
#define ORDER_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "order.h"

/* The order as GET /v1/orders/{id} shows it: {id, customer_id, outlet_id, status, lines,
 * total_minor, currency (null until priced), payment: {method, payment_id}, reservation_id,
 * reason, stage, drop_off, created_at, updated_at} and, when timeline is not NULL, timeline: the
 * n entries {at, event, event_id, from, to, disposition, reason}. */
json_t *order_json_order(const struct order *o, const struct order_timeline_entry *timeline,
                         size_t n);
/* An order in GET /v1/orders: {id, customer_id, outlet_id, status, total_minor, currency,
 * created_at, updated_at}. */
json_t *order_json_summary(const struct order_summary *o);
/* The answer to an accepted POST /v1/orders (also its idempotent replay): {order_id, status}. */
json_t *order_json_accepted(const char *order_id);

/* Event data of what order-svc produces (docs/events/<topic>.schema.json). */
json_t *order_json_created_event(const struct order *o); /* order.created.v1 */
json_t *order_json_validation_requested_event(
    const struct order *o); /* inventory.validation.requested.v1 */
json_t *order_json_payment_requested_event(const struct order *o); /* payment.requested.v1 */
json_t *order_json_placed_event(const struct order *o);            /* order.placed.v1 */
json_t *order_json_cancelled_event(const struct order *o);         /* order.cancelled.v1 */
json_t *order_json_delivered_event(const struct order *o);         /* order.delivered.v1 */

#endif
