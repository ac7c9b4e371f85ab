/* The order state machine: one row per (state, input), all 9 x 12 of them, and a lookup.
 *
 * The rules behind the rows (docs/architecture.md, "Order state machine"):
 * - DESIGN.md section 2's transitions are APPLIED.
 * - An input the state already reflects is a DUPLICATE (inventory.validated in AWAITING_PAYMENT).
 * - An input that can arrive before the one it follows, because it travels on another topic, is
 *   EARLY and retried: inventory.reservation.expired before inventory.validated was handled;
 *   partner-svc's delivery.* (it consumes order.approved.v1 itself, so it can be ahead of
 *   order-svc) before APPROVED, ASSIGNED or OUT_FOR_DELIVERY here.
 * - An input that can never be valid in the state is STALE: payment.* before AWAITING_PAYMENT
 *   (payment.requested.v1 is only written on entering it), order.approved/rejected before PLACED.
 * - Refinements, so the final state does not depend on the order of arrival across topics:
 *   inventory.reservation.expired cancels in PLACED, APPROVED and ASSIGNED too (inventory's TTL
 *   can fire just before it sees order.placed); delivery.assignment.failed cancels in ASSIGNED.
 * - Every input on a terminal state is LATE, except the one that led there (a DUPLICATE). On
 *   CANCELLED, a late inventory.validated (a release is owed), payment.completed (a refund),
 *   order.approved, delivery.agent.assigned or delivery.picked_up (partner-svc frees its
 *   partner) re-emit order.cancelled.v1.
 * - The customer may cancel in CREATED, AWAITING_PAYMENT and PLACED; elsewhere REFUSED (409). */
#include "order_state.h"

#include <stddef.h>
#include <string.h>

#include "common/errors.h"

struct row {
    enum order_state to;
    enum order_disposition disposition;
    unsigned commands;
    enum order_cancel_reason reason;
    int compensation;
    int set;
};

#define ROW(from, in, to_, disp, cmds, why, comp)                                                  \
    [ORDER_##from][ORDER_IN_##in] = {ORDER_##to_, ORDER_##disp, cmds, ORDER_REASON_##why, comp, 1}
/* Shorthands: stay in the state with a disposition; move with commands; cancel with a reason. */
#define KEEP(from, in, disp)     ROW(from, in, from, disp, 0, NONE, 0)
#define MOVE(from, in, to, cmds) ROW(from, in, to, APPLIED, cmds, NONE, 0)
#define CANCEL(from, in, why)    ROW(from, in, CANCELLED, APPLIED, ORDER_CMD_CANCELLED, why, 0)
#define OWED(in)                 ROW(CANCELLED, in, CANCELLED, LATE, ORDER_CMD_CANCELLED, NONE, 1)
#define PAYMENT_REQUESTED        ORDER_CMD_PAYMENT_REQUESTED
#define PLACED_CMD               ORDER_CMD_PLACED
#define DELIVERED_CMD            ORDER_CMD_DELIVERED

static const struct row table[ORDER_STATE_COUNT][ORDER_INPUT_COUNT] = {
    /* CREATED: waiting for inventory. */
    MOVE(CREATED, INVENTORY_VALIDATED, AWAITING_PAYMENT, PAYMENT_REQUESTED),
    MOVE(CREATED, INVENTORY_INVALIDATED, REJECTED, 0),
    KEEP(CREATED, PAYMENT_COMPLETED, STALE),
    KEEP(CREATED, PAYMENT_FAILED, STALE),
    KEEP(CREATED, RESERVATION_EXPIRED, EARLY),
    KEEP(CREATED, ORDER_APPROVED, STALE),
    KEEP(CREATED, ORDER_REJECTED, STALE),
    KEEP(CREATED, AGENT_ASSIGNED, STALE),
    KEEP(CREATED, ASSIGNMENT_FAILED, STALE),
    KEEP(CREATED, PICKED_UP, STALE),
    KEEP(CREATED, DELIVERED, STALE),
    CANCEL(CREATED, CANCEL_REQUEST, CUSTOMER_CANCELLED),

    /* AWAITING_PAYMENT: stock reserved, payment requested. */
    KEEP(AWAITING_PAYMENT, INVENTORY_VALIDATED, DUPLICATE),
    KEEP(AWAITING_PAYMENT, INVENTORY_INVALIDATED, STALE),
    MOVE(AWAITING_PAYMENT, PAYMENT_COMPLETED, PLACED, PLACED_CMD),
    CANCEL(AWAITING_PAYMENT, PAYMENT_FAILED, PAYMENT_FAILED),
    CANCEL(AWAITING_PAYMENT, RESERVATION_EXPIRED, RESERVATION_EXPIRED),
    KEEP(AWAITING_PAYMENT, ORDER_APPROVED, STALE),
    KEEP(AWAITING_PAYMENT, ORDER_REJECTED, STALE),
    KEEP(AWAITING_PAYMENT, AGENT_ASSIGNED, STALE),
    KEEP(AWAITING_PAYMENT, ASSIGNMENT_FAILED, STALE),
    KEEP(AWAITING_PAYMENT, PICKED_UP, STALE),
    KEEP(AWAITING_PAYMENT, DELIVERED, STALE),
    CANCEL(AWAITING_PAYMENT, CANCEL_REQUEST, CUSTOMER_CANCELLED),

    /* PLACED: paid, waiting for the business. */
    KEEP(PLACED, INVENTORY_VALIDATED, DUPLICATE),
    KEEP(PLACED, INVENTORY_INVALIDATED, STALE),
    KEEP(PLACED, PAYMENT_COMPLETED, DUPLICATE),
    KEEP(PLACED, PAYMENT_FAILED, STALE),
    CANCEL(PLACED, RESERVATION_EXPIRED, RESERVATION_EXPIRED),
    MOVE(PLACED, ORDER_APPROVED, APPROVED, 0),
    CANCEL(PLACED, ORDER_REJECTED, REJECTED_BY_BUSINESS),
    KEEP(PLACED, AGENT_ASSIGNED, EARLY),
    KEEP(PLACED, ASSIGNMENT_FAILED, EARLY),
    KEEP(PLACED, PICKED_UP, EARLY),
    KEEP(PLACED, DELIVERED, EARLY),
    CANCEL(PLACED, CANCEL_REQUEST, CUSTOMER_CANCELLED),

    /* APPROVED: waiting for a partner. */
    KEEP(APPROVED, INVENTORY_VALIDATED, DUPLICATE),
    KEEP(APPROVED, INVENTORY_INVALIDATED, STALE),
    KEEP(APPROVED, PAYMENT_COMPLETED, DUPLICATE),
    KEEP(APPROVED, PAYMENT_FAILED, STALE),
    CANCEL(APPROVED, RESERVATION_EXPIRED, RESERVATION_EXPIRED),
    KEEP(APPROVED, ORDER_APPROVED, DUPLICATE),
    KEEP(APPROVED, ORDER_REJECTED, STALE),
    MOVE(APPROVED, AGENT_ASSIGNED, ASSIGNED, 0),
    CANCEL(APPROVED, ASSIGNMENT_FAILED, ASSIGNMENT_FAILED),
    KEEP(APPROVED, PICKED_UP, EARLY),
    KEEP(APPROVED, DELIVERED, EARLY),
    KEEP(APPROVED, CANCEL_REQUEST, REFUSED),

    /* ASSIGNED: a partner is on the way to the outlet. */
    KEEP(ASSIGNED, INVENTORY_VALIDATED, DUPLICATE),
    KEEP(ASSIGNED, INVENTORY_INVALIDATED, STALE),
    KEEP(ASSIGNED, PAYMENT_COMPLETED, DUPLICATE),
    KEEP(ASSIGNED, PAYMENT_FAILED, STALE),
    CANCEL(ASSIGNED, RESERVATION_EXPIRED, RESERVATION_EXPIRED),
    KEEP(ASSIGNED, ORDER_APPROVED, DUPLICATE),
    KEEP(ASSIGNED, ORDER_REJECTED, STALE),
    KEEP(ASSIGNED, AGENT_ASSIGNED, DUPLICATE),
    CANCEL(ASSIGNED, ASSIGNMENT_FAILED, ASSIGNMENT_FAILED),
    MOVE(ASSIGNED, PICKED_UP, OUT_FOR_DELIVERY, 0),
    KEEP(ASSIGNED, DELIVERED, EARLY),
    KEEP(ASSIGNED, CANCEL_REQUEST, REFUSED),

    /* OUT_FOR_DELIVERY: picked up; only the delivery moves it. */
    KEEP(OUT_FOR_DELIVERY, INVENTORY_VALIDATED, DUPLICATE),
    KEEP(OUT_FOR_DELIVERY, INVENTORY_INVALIDATED, STALE),
    KEEP(OUT_FOR_DELIVERY, PAYMENT_COMPLETED, DUPLICATE),
    KEEP(OUT_FOR_DELIVERY, PAYMENT_FAILED, STALE),
    KEEP(OUT_FOR_DELIVERY, RESERVATION_EXPIRED, STALE),
    KEEP(OUT_FOR_DELIVERY, ORDER_APPROVED, DUPLICATE),
    KEEP(OUT_FOR_DELIVERY, ORDER_REJECTED, STALE),
    KEEP(OUT_FOR_DELIVERY, AGENT_ASSIGNED, DUPLICATE),
    KEEP(OUT_FOR_DELIVERY, ASSIGNMENT_FAILED, STALE),
    KEEP(OUT_FOR_DELIVERY, PICKED_UP, DUPLICATE),
    MOVE(OUT_FOR_DELIVERY, DELIVERED, DELIVERED, DELIVERED_CMD),
    KEEP(OUT_FOR_DELIVERY, CANCEL_REQUEST, REFUSED),

    /* DELIVERED: terminal; nothing is owed. */
    KEEP(DELIVERED, INVENTORY_VALIDATED, LATE),
    KEEP(DELIVERED, INVENTORY_INVALIDATED, LATE),
    KEEP(DELIVERED, PAYMENT_COMPLETED, LATE),
    KEEP(DELIVERED, PAYMENT_FAILED, LATE),
    KEEP(DELIVERED, RESERVATION_EXPIRED, LATE),
    KEEP(DELIVERED, ORDER_APPROVED, LATE),
    KEEP(DELIVERED, ORDER_REJECTED, LATE),
    KEEP(DELIVERED, AGENT_ASSIGNED, LATE),
    KEEP(DELIVERED, ASSIGNMENT_FAILED, LATE),
    KEEP(DELIVERED, PICKED_UP, LATE),
    KEEP(DELIVERED, DELIVERED, DUPLICATE),
    KEEP(DELIVERED, CANCEL_REQUEST, REFUSED),

    /* REJECTED: terminal; nothing was charged. A late validation's stock goes back by inventory's
     * own reservation TTL. */
    KEEP(REJECTED, INVENTORY_VALIDATED, LATE),
    KEEP(REJECTED, INVENTORY_INVALIDATED, DUPLICATE),
    KEEP(REJECTED, PAYMENT_COMPLETED, LATE),
    KEEP(REJECTED, PAYMENT_FAILED, LATE),
    KEEP(REJECTED, RESERVATION_EXPIRED, LATE),
    KEEP(REJECTED, ORDER_APPROVED, LATE),
    KEEP(REJECTED, ORDER_REJECTED, LATE),
    KEEP(REJECTED, AGENT_ASSIGNED, LATE),
    KEEP(REJECTED, ASSIGNMENT_FAILED, LATE),
    KEEP(REJECTED, PICKED_UP, LATE),
    KEEP(REJECTED, DELIVERED, LATE),
    KEEP(REJECTED, CANCEL_REQUEST, REFUSED),

    /* CANCELLED: terminal; what a late event still owes is driven by order.cancelled.v1. */
    OWED(INVENTORY_VALIDATED),
    KEEP(CANCELLED, INVENTORY_INVALIDATED, LATE),
    OWED(PAYMENT_COMPLETED),
    KEEP(CANCELLED, PAYMENT_FAILED, LATE),
    KEEP(CANCELLED, RESERVATION_EXPIRED, LATE),
    OWED(ORDER_APPROVED),
    KEEP(CANCELLED, ORDER_REJECTED, LATE),
    OWED(AGENT_ASSIGNED),
    KEEP(CANCELLED, ASSIGNMENT_FAILED, LATE),
    OWED(PICKED_UP),
    KEEP(CANCELLED, DELIVERED, LATE),
    KEEP(CANCELLED, CANCEL_REQUEST, REFUSED),
};

int order_state_step(enum order_state from, enum order_input in, struct order_step *ret)
{
    if ((unsigned)from >= ORDER_STATE_COUNT || (unsigned)in >= ORDER_INPUT_COUNT)
        return -1;
    const struct row *r = &table[from][in];
    if (!r->set)
        return -1;
    *ret = (struct order_step){r->to, r->disposition, r->commands, r->reason, r->compensation};
    return 0;
}

int order_state_result(const struct order_step *s)
{
    switch (s->disposition) {
    case ORDER_EARLY:
        return OF_ERETRY;
    case ORDER_REFUSED:
        return OF_ECONFLICT;
    default:
        return OF_OK;
    }
}

const char *order_disposition_name(enum order_disposition d)
{
    static const char *const names[ORDER_DISPOSITION_COUNT] = {
        [ORDER_APPLIED] = "APPLIED", [ORDER_DUPLICATE] = "DUPLICATE", [ORDER_EARLY] = "EARLY",
        [ORDER_STALE] = "STALE",     [ORDER_LATE] = "LATE",           [ORDER_REFUSED] = "REFUSED",
    };
    return (unsigned)d < ORDER_DISPOSITION_COUNT ? names[d] : NULL;
}
