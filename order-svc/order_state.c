/* The order state machine (order_state.h): one row per (state, input), all 9 x 12 of them, and
 * a lookup. tests/unit/order_state/transitions.tsv is the same table written down apart from the
 * code; unit.order_state holds the two equal.
 *
 * The rules behind the rows (docs/architecture.md, "Order state machine"):
 * - DESIGN.md section 2's transitions are APPLIED.
 * - An input the state already reflects is a DUPLICATE (inventory.validated in AWAITING_PAYMENT).
 * - An input that can arrive before the one it follows, because it travels on another topic, is
 *   EARLY and retried: inventory.reservation.expired before inventory.validated was handled;
 *   partner-svc's delivery.* (it consumes order.approved.v1 itself, so it can be ahead of
 *   order-svc) before APPROVED, ASSIGNED or OUT_FOR_DELIVERY here.
 * - An input that can never be valid in the state is STALE: payment.* before AWAITING_PAYMENT
 *   (payment.requested.v1 is only written on entering it), order.approved/rejected before PLACED,
 *   a second answer that contradicts the first (inventory.invalidated after validated).
 * - Refinements, so the final state does not depend on the order of arrival across topics:
 *   inventory.reservation.expired cancels in PLACED, APPROVED and ASSIGNED too (inventory's TTL
 *   can fire just before it sees order.placed), and is STALE from OUT_FOR_DELIVERY on (the food
 *   has left the outlet); delivery.assignment.failed cancels in ASSIGNED as in APPROVED.
 * - Every input on a terminal state is LATE, but the one that led there (a DUPLICATE). On
 *   CANCELLED a late inventory.validated (stock to release), payment.completed (a refund),
 *   order.approved, delivery.agent.assigned or delivery.picked_up (a partner to free) re-emits
 *   order.cancelled.v1.
 * - The customer may cancel in CREATED, AWAITING_PAYMENT and PLACED; elsewhere REFUSED (409). */
#include "order_state.h"

#include <stddef.h>

#include "common/errors.h"
#include "common/topics.h"

struct row {
    enum order_state to;
    enum order_disposition disposition;
    unsigned commands;
    unsigned owed;
    enum order_cancel_reason reason;
};

/* One row: [from][input] = {to, disposition, commands, owed, reason}. A pair given twice is a
 * compile error (-Woverride-init, part of -Wextra, under -Werror); a pair left out is
 * ORDER_DISP_NONE, which order_state_step() refuses and the unit test catches. */
#define ROW(from, ev, to_, disp, cmds, owe, why)                                                   \
    [ORDER_##from][ORDER_EV_##ev] = {ORDER_##to_, ORDER_##disp, cmds, owe, ORDER_REASON_##why}
/* Shorthands: stay with a disposition; move with commands; cancel with a reason; a late input on
 * CANCELLED that owes compensation. */
#define KEEP(from, ev, disp)     ROW(from, ev, from, disp, 0, 0, NONE)
#define MOVE(from, ev, to, cmds) ROW(from, ev, to, APPLIED, cmds, 0, NONE)
#define CANCEL(from, ev, why)    ROW(from, ev, CANCELLED, APPLIED, ORDER_EMIT_ORDER_CANCELLED, 0, why)
#define OWES(ev, what)                                                                             \
    ROW(CANCELLED, ev, CANCELLED, LATE, ORDER_EMIT_ORDER_CANCELLED, ORDER_OWE_##what, NONE)

static const struct row table[ORDER_STATE_COUNT][ORDER_EV_COUNT] = {
    /* CREATED: waiting for inventory's answer. */
    MOVE(CREATED, INVENTORY_VALIDATED, AWAITING_PAYMENT, ORDER_EMIT_PAYMENT_REQUESTED),
    MOVE(CREATED, INVENTORY_INVALIDATED, REJECTED, 0),
    KEEP(CREATED, PAYMENT_COMPLETED, STALE), /* payment.requested is not out yet */
    KEEP(CREATED, PAYMENT_FAILED, STALE),
    KEEP(CREATED, RESERVATION_EXPIRED, EARLY), /* inventory.validated is on its way */
    KEEP(CREATED, APPROVED, STALE),            /* order.placed is not out yet */
    KEEP(CREATED, REJECTED, STALE),
    KEEP(CREATED, AGENT_ASSIGNED, STALE),
    KEEP(CREATED, ASSIGNMENT_FAILED, STALE),
    KEEP(CREATED, PICKED_UP, STALE),
    KEEP(CREATED, DELIVERED, STALE),
    CANCEL(CREATED, CANCEL_REQUESTED, CUSTOMER_CANCELLED),

    /* AWAITING_PAYMENT: stock reserved, payment requested. */
    KEEP(AWAITING_PAYMENT, INVENTORY_VALIDATED, DUPLICATE),
    KEEP(AWAITING_PAYMENT, INVENTORY_INVALIDATED, STALE), /* inventory answered: validated */
    MOVE(AWAITING_PAYMENT, PAYMENT_COMPLETED, PLACED, ORDER_EMIT_ORDER_PLACED),
    CANCEL(AWAITING_PAYMENT, PAYMENT_FAILED, PAYMENT_FAILED),
    CANCEL(AWAITING_PAYMENT, RESERVATION_EXPIRED, RESERVATION_EXPIRED),
    KEEP(AWAITING_PAYMENT, APPROVED, STALE),
    KEEP(AWAITING_PAYMENT, REJECTED, STALE),
    KEEP(AWAITING_PAYMENT, AGENT_ASSIGNED, STALE),
    KEEP(AWAITING_PAYMENT, ASSIGNMENT_FAILED, STALE),
    KEEP(AWAITING_PAYMENT, PICKED_UP, STALE),
    KEEP(AWAITING_PAYMENT, DELIVERED, STALE),
    CANCEL(AWAITING_PAYMENT, CANCEL_REQUESTED, CUSTOMER_CANCELLED),

    /* PLACED: paid, waiting for the business. */
    KEEP(PLACED, INVENTORY_VALIDATED, DUPLICATE),
    KEEP(PLACED, INVENTORY_INVALIDATED, STALE),
    KEEP(PLACED, PAYMENT_COMPLETED, DUPLICATE),
    KEEP(PLACED, PAYMENT_FAILED, STALE), /* payment-svc answered: completed */
    /* The TTL fired just before inventory saw order.placed: the stock is back on the shelf. */
    CANCEL(PLACED, RESERVATION_EXPIRED, RESERVATION_EXPIRED),
    MOVE(PLACED, APPROVED, APPROVED, 0),
    CANCEL(PLACED, REJECTED, REJECTED_BY_BUSINESS),
    /* partner-svc consumes order.approved.v1 itself and may be ahead of order-svc. */
    KEEP(PLACED, AGENT_ASSIGNED, EARLY),
    KEEP(PLACED, ASSIGNMENT_FAILED, EARLY),
    KEEP(PLACED, PICKED_UP, EARLY),
    KEEP(PLACED, DELIVERED, EARLY),
    CANCEL(PLACED, CANCEL_REQUESTED, CUSTOMER_CANCELLED),

    /* APPROVED: waiting for a partner. */
    KEEP(APPROVED, INVENTORY_VALIDATED, DUPLICATE),
    KEEP(APPROVED, INVENTORY_INVALIDATED, STALE),
    KEEP(APPROVED, PAYMENT_COMPLETED, DUPLICATE),
    KEEP(APPROVED, PAYMENT_FAILED, STALE),
    CANCEL(APPROVED, RESERVATION_EXPIRED, RESERVATION_EXPIRED),
    KEEP(APPROVED, APPROVED, DUPLICATE),
    KEEP(APPROVED, REJECTED, STALE), /* business-svc decided once: approved */
    MOVE(APPROVED, AGENT_ASSIGNED, ASSIGNED, 0),
    CANCEL(APPROVED, ASSIGNMENT_FAILED, ASSIGNMENT_FAILED),
    KEEP(APPROVED, PICKED_UP, EARLY),
    KEEP(APPROVED, DELIVERED, EARLY),
    KEEP(APPROVED, CANCEL_REQUESTED, REFUSED),

    /* ASSIGNED: a partner is on the way to the outlet. */
    KEEP(ASSIGNED, INVENTORY_VALIDATED, DUPLICATE),
    KEEP(ASSIGNED, INVENTORY_INVALIDATED, STALE),
    KEEP(ASSIGNED, PAYMENT_COMPLETED, DUPLICATE),
    KEEP(ASSIGNED, PAYMENT_FAILED, STALE),
    CANCEL(ASSIGNED, RESERVATION_EXPIRED, RESERVATION_EXPIRED),
    KEEP(ASSIGNED, APPROVED, DUPLICATE),
    KEEP(ASSIGNED, REJECTED, STALE),
    KEEP(ASSIGNED, AGENT_ASSIGNED, DUPLICATE), /* a reassignment keeps it ASSIGNED */
    /* The partner gave it back and nobody else took it. */
    CANCEL(ASSIGNED, ASSIGNMENT_FAILED, ASSIGNMENT_FAILED),
    MOVE(ASSIGNED, PICKED_UP, OUT_FOR_DELIVERY, 0),
    KEEP(ASSIGNED, DELIVERED, EARLY),
    KEEP(ASSIGNED, CANCEL_REQUESTED, REFUSED),

    /* OUT_FOR_DELIVERY: the food has left the outlet; only the delivery moves it. */
    KEEP(OUT_FOR_DELIVERY, INVENTORY_VALIDATED, DUPLICATE),
    KEEP(OUT_FOR_DELIVERY, INVENTORY_INVALIDATED, STALE),
    KEEP(OUT_FOR_DELIVERY, PAYMENT_COMPLETED, DUPLICATE),
    KEEP(OUT_FOR_DELIVERY, PAYMENT_FAILED, STALE),
    KEEP(OUT_FOR_DELIVERY, RESERVATION_EXPIRED, STALE), /* too late to take the food back */
    KEEP(OUT_FOR_DELIVERY, APPROVED, DUPLICATE),
    KEEP(OUT_FOR_DELIVERY, REJECTED, STALE),
    KEEP(OUT_FOR_DELIVERY, AGENT_ASSIGNED, DUPLICATE),
    KEEP(OUT_FOR_DELIVERY, ASSIGNMENT_FAILED, STALE), /* picked up: the assignment held */
    KEEP(OUT_FOR_DELIVERY, PICKED_UP, DUPLICATE),
    MOVE(OUT_FOR_DELIVERY, DELIVERED, DELIVERED, ORDER_EMIT_ORDER_DELIVERED),
    KEEP(OUT_FOR_DELIVERY, CANCEL_REQUESTED, REFUSED),

    /* DELIVERED: terminal; nothing is owed. */
    KEEP(DELIVERED, INVENTORY_VALIDATED, LATE),
    KEEP(DELIVERED, INVENTORY_INVALIDATED, LATE),
    KEEP(DELIVERED, PAYMENT_COMPLETED, LATE),
    KEEP(DELIVERED, PAYMENT_FAILED, LATE),
    KEEP(DELIVERED, RESERVATION_EXPIRED, LATE),
    KEEP(DELIVERED, APPROVED, LATE),
    KEEP(DELIVERED, REJECTED, LATE),
    KEEP(DELIVERED, AGENT_ASSIGNED, LATE),
    KEEP(DELIVERED, ASSIGNMENT_FAILED, LATE),
    KEEP(DELIVERED, PICKED_UP, LATE),
    KEEP(DELIVERED, DELIVERED, DUPLICATE),
    KEEP(DELIVERED, CANCEL_REQUESTED, REFUSED),

    /* REJECTED: terminal, from CREATED: nothing was reserved or charged, nothing is owed. */
    KEEP(REJECTED, INVENTORY_VALIDATED, LATE),
    KEEP(REJECTED, INVENTORY_INVALIDATED, DUPLICATE),
    KEEP(REJECTED, PAYMENT_COMPLETED, LATE),
    KEEP(REJECTED, PAYMENT_FAILED, LATE),
    KEEP(REJECTED, RESERVATION_EXPIRED, LATE),
    KEEP(REJECTED, APPROVED, LATE),
    KEEP(REJECTED, REJECTED, LATE),
    KEEP(REJECTED, AGENT_ASSIGNED, LATE),
    KEEP(REJECTED, ASSIGNMENT_FAILED, LATE),
    KEEP(REJECTED, PICKED_UP, LATE),
    KEEP(REJECTED, DELIVERED, LATE),
    KEEP(REJECTED, CANCEL_REQUESTED, REFUSED),

    /* CANCELLED: terminal; what a late event still owes is driven by order.cancelled.v1. */
    OWES(INVENTORY_VALIDATED, RELEASE_STOCK),
    KEEP(CANCELLED, INVENTORY_INVALIDATED, LATE),
    OWES(PAYMENT_COMPLETED, REFUND),
    KEEP(CANCELLED, PAYMENT_FAILED, LATE),
    KEEP(CANCELLED, RESERVATION_EXPIRED, LATE),
    OWES(APPROVED, FREE_PARTNER),
    KEEP(CANCELLED, REJECTED, LATE),
    OWES(AGENT_ASSIGNED, FREE_PARTNER),
    KEEP(CANCELLED, ASSIGNMENT_FAILED, LATE),
    OWES(PICKED_UP, FREE_PARTNER),
    KEEP(CANCELLED, DELIVERED, LATE),
    KEEP(CANCELLED, CANCEL_REQUESTED, REFUSED),
};

/* What each disposition writes to the timeline. */
static const enum order_timeline timeline_of[ORDER_DISP_COUNT] = {
    [ORDER_APPLIED] = ORDER_TL_CHANGE, [ORDER_DUPLICATE] = ORDER_TL_NOTE,
    [ORDER_EARLY] = ORDER_TL_NONE,     [ORDER_STALE] = ORDER_TL_NOTE,
    [ORDER_LATE] = ORDER_TL_NOTE,      [ORDER_REFUSED] = ORDER_TL_NONE,
};

int order_state_step(enum order_state from, enum order_event_type ev, struct order_step *ret)
{
    if ((unsigned)from >= ORDER_STATE_COUNT || (unsigned)ev >= ORDER_EV_COUNT || !ret)
        return OF_EPERMANENT;
    const struct row *r = &table[from][ev];
    if (r->disposition == ORDER_DISP_NONE)
        return OF_EPERMANENT;
    *ret = (struct order_step){
        .to = r->to,
        .disposition = r->disposition,
        .timeline = timeline_of[r->disposition],
        .commands = r->commands,
        .owed = r->owed,
        .reason = r->reason,
        .stage = from,
    };
    return OF_OK;
}

int order_state_result(const struct order_step *step)
{
    switch (step->disposition) {
    case ORDER_EARLY:
        return OF_ERETRY;
    case ORDER_REFUSED:
        return OF_ECONFLICT;
    default:
        return OF_OK;
    }
}

void order_state_created(struct order_step *ret)
{
    *ret = (struct order_step){
        .to = ORDER_CREATED,
        .disposition = ORDER_APPLIED,
        .timeline = ORDER_TL_CHANGE,
        .commands = ORDER_EMIT_ORDER_CREATED | ORDER_EMIT_VALIDATION_REQUESTED,
        .reason = ORDER_REASON_NONE,
        .stage = ORDER_CREATED,
    };
}

const char *order_state_disposition_name(enum order_disposition d)
{
    static const char *const names[ORDER_DISP_COUNT] = {
        [ORDER_APPLIED] = "APPLIED", [ORDER_DUPLICATE] = "DUPLICATE", [ORDER_EARLY] = "EARLY",
        [ORDER_STALE] = "STALE",     [ORDER_LATE] = "LATE",           [ORDER_REFUSED] = "REFUSED",
    };
    return (unsigned)d < ORDER_DISP_COUNT ? names[d] : NULL;
}

/* The index of the one bit set in v below n, or -1 (none, several or too high). */
static int one_bit(unsigned v, int n)
{
    for (int i = 0; i < n; i++) {
        if (v == 1u << i)
            return i;
    }
    return -1;
}

/* Each command's name and the event type it appends (version 1 in common's topic table). */
static const struct {
    const char *name;
    const char *event_type;
} commands[ORDER_EMIT_COUNT] = {
    {"ORDER_CREATED", "order.created"},
    {"VALIDATION_REQUESTED", "inventory.validation.requested"},
    {"PAYMENT_REQUESTED", "payment.requested"},
    {"ORDER_PLACED", "order.placed"},
    {"ORDER_CANCELLED", "order.cancelled"},
    {"ORDER_DELIVERED", "order.delivered"},
};

const char *order_state_command_name(unsigned command)
{
    int i = one_bit(command, ORDER_EMIT_COUNT);
    return i < 0 ? NULL : commands[i].name;
}

const char *order_state_command_topic(unsigned command)
{
    int i = one_bit(command, ORDER_EMIT_COUNT);
    const struct topic_def *t = i < 0 ? NULL : topics_find(commands[i].event_type, 1);
    return t ? t->name : NULL;
}

const char *order_state_owed_name(unsigned owed)
{
    static const char *const names[ORDER_OWE_COUNT] = {"REFUND", "RELEASE_STOCK", "FREE_PARTNER"};
    int i = one_bit(owed, ORDER_OWE_COUNT);
    return i < 0 ? NULL : names[i];
}
