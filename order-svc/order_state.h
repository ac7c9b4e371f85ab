/* The order state machine (DESIGN.md section 2) as one pure, table-driven function:
 * (state, input) -> (new state, what the input is to the order, the commands to carry out).
 * Every event that reaches an order is recorded in its timeline, whatever its disposition. */
#ifndef ORDER_STATE_H
#define ORDER_STATE_H

#include "order.h"

/* What an input is to an order in a given state. */
enum order_disposition {
    ORDER_APPLIED,   /* the transition is taken */
    ORDER_DUPLICATE, /* the state already reflects it: recorded, nothing else */
    ORDER_EARLY,     /* may legitimately arrive before the event it follows (another topic):
                        not recorded, retried later (OF_ERETRY) */
    ORDER_STALE,     /* can never be valid in this state (contradicts what happened): recorded,
                        ignored */
    ORDER_LATE,      /* any event on a terminal state: recorded; compensation may be owed */
    ORDER_REFUSED,   /* a cancel request where it is not allowed: 409, nothing changes */
    ORDER_DISPOSITION_COUNT
};

/* Commands: events order-svc writes to its outbox for the step. */
enum order_command {
    ORDER_CMD_PAYMENT_REQUESTED = 1 << 0, /* payment.requested.v1 */
    ORDER_CMD_PLACED = 1 << 1,            /* order.placed.v1 */
    ORDER_CMD_CANCELLED = 1 << 2,         /* order.cancelled.v1 with reason and stage */
    ORDER_CMD_DELIVERED = 1 << 3,         /* order.delivered.v1 */
};

struct order_step {
    enum order_state to;
    enum order_disposition disposition;
    unsigned commands; /* enum order_command bits */
    /* With ORDER_CMD_CANCELLED on an APPLIED step: why. ORDER_REASON_NONE on a LATE step that
     * re-emits order.cancelled.v1: the reason stored when the order was cancelled. An
     * order.rejected.v1 gives REJECTED_BY_BUSINESS; the caller takes APPROVAL_TIMEOUT from the
     * event's own reason. */
    enum order_cancel_reason reason;
    /* A LATE step that owes compensation: order.cancelled.v1 is written again (a new event id)
     * for the same order, with its stored reason and stage, so that inventory releases (a late
     * inventory.validated), payment refunds (a late payment.completed) or partner-svc frees its
     * partner (a late approval, assignment or pickup). Each consumer's compensation is
     * idempotent per order. */
    int compensation;
};

/* The step for input in state from. Returns 0 with *ret filled for every state and input in
 * range, -1 (ret untouched) otherwise. Pure. */
int order_state_step(enum order_state from, enum order_input in, struct order_step *ret);

/* What a handler returns for a step: OF_OK (recorded, whatever the disposition), OF_ERETRY for
 * EARLY, OF_ECONFLICT for REFUSED. */
int order_state_result(const struct order_step *s);

/* "APPLIED", "DUPLICATE", ...: the timeline's word for it. */
const char *order_disposition_name(enum order_disposition d);

#endif
