/* The delivery state machine, pure: which input moves a delivery from which state to which.
 *
 *   SEARCHING --offer--> OFFERED --accept--> ASSIGNED --pickup--> PICKED_UP --deliver--> DELIVERED
 *       ^                   |
 *       +-----decline-------+            (decline: the partner rejected it or the offer timed out)
 *   SEARCHING, OFFERED, ASSIGNED --cancel--> CANCELLED   (order.cancelled.v1; the partner freed)
 *   SEARCHING, OFFERED --fail--> FAILED                 (the assignment window ran out)
 *
 * A picked-up delivery is no longer cancelled (the food has left the outlet: order-svc does not
 * cancel in OUT_FOR_DELIVERY either); terminal states accept nothing. */
#ifndef PARTNER_STATE_H
#define PARTNER_STATE_H

#include <stdbool.h>

#include "partner.h"

/* The state input moves from to, or DELIVERY_STATUS_COUNT when it does not apply there. */
enum delivery_status partner_state_next(enum delivery_status from, enum delivery_input input);
/* True for OFFERED, ASSIGNED and PICKED_UP: the partner is held by it. */
bool partner_state_active(enum delivery_status s);
/* True for DELIVERED, CANCELLED and FAILED. */
bool partner_state_terminal(enum delivery_status s);

const char *partner_state_name(enum delivery_status s); /* "SEARCHING"...; "?" out of range */
/* The status whose name is s: 0 and *ret, or OF_EPERMANENT. */
int partner_state_parse(const char *s, enum delivery_status *ret);
const char *partner_vehicle_name(enum partner_vehicle v); /* "BIKE"...; "?" out of range */
int partner_vehicle_parse(const char *s, enum partner_vehicle *ret);

#endif
