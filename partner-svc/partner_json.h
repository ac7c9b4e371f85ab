/* partner-svc serialisers, pure: the API's partner and delivery objects and the data of the
 * delivery.* events. Each returns a new object, or NULL when one cannot be built. */
#ifndef PARTNER_JSON_H
#define PARTNER_JSON_H

#include <jansson.h>

#include "partner.h"

json_t *partner_json_partner(const struct partner *p);
/* A delivery as its partner (or an admin) sees it: pickup, drop-off, status and timestamps. */
json_t *partner_json_delivery(const struct delivery *d);

/* delivery.agent.assigned.v1 {delivery_id, order_id, customer_id, partner_id, vehicle,
 * distance_m, eta_min, assigned_at}. */
json_t *partner_json_assigned(const struct delivery *d, const char *vehicle);
/* delivery.picked_up.v1 {delivery_id, order_id, customer_id, partner_id, picked_up_at}. */
json_t *partner_json_picked_up(const struct delivery *d);
/* delivery.delivered.v1 {delivery_id, order_id, customer_id, partner_id, delivered_at}. */
json_t *partner_json_delivered(const struct delivery *d);
/* delivery.assignment.failed.v1 {delivery_id, order_id, customer_id, reason, offers, radius_m,
 * failed_at}. */
json_t *partner_json_failed(const struct delivery *d);

#endif
