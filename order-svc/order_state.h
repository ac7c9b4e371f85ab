/* The order state machine (DESIGN.md section 2, refined in docs/architecture.md "Order state
 * machine"), pure: what an input does to an order in a given state. One table,
 * (state, input) -> (new state, disposition, timeline effect, commands, compensation owed); every
 * change of an order's state goes through order_state_step(), and order_state_created() is the
 * order's first step. No I/O: the handler (order-svc's event and HTTP handlers) does what the
 * step says, in its transaction. */
#ifndef ORDER_STATE_H
#define ORDER_STATE_H

#include "order.h"

/* How the machine takes an input in a state. */
enum order_disposition {
    ORDER_DISP_NONE = 0, /* never in a valid step (marks a hole in the table) */
    ORDER_APPLIED,       /* the transition is taken */
    ORDER_DUPLICATE,     /* the state already reflects the input (the same fact again under a
                            new event id): recorded, nothing emitted */
    ORDER_EARLY,         /* may legitimately arrive before the event that leads to the state it
                            needs (another topic: Kafka orders nothing across topics): not
                            recorded; OF_ERETRY so the consumer redelivers it, dead-lettered once
                            the retry budget is spent */
    ORDER_STALE,         /* can never be valid in this state (causally impossible, or a fact the
                            order has moved past): recorded, ignored */
    ORDER_LATE,          /* an input on a terminal state: recorded, the state stays; the
                            commands re-emit order.cancelled.v1 where compensation is owed */
    ORDER_REFUSED,       /* a cancel request in a state that does not allow it: nothing changes,
                            nothing is recorded; OF_ECONFLICT, the HTTP answer 409 */
    ORDER_DISP_COUNT
};

/* What the step writes to the order's timeline. Every event that touched the order is recorded,
 * ignored ones too; an EARLY event is recorded when it is applied on a later delivery. */
enum order_timeline {
    ORDER_TL_NONE = 0, /* nothing (EARLY, REFUSED) */
    ORDER_TL_CHANGE,   /* an entry for the change from -> to (APPLIED) */
    ORDER_TL_NOTE,     /* an entry for an input that changed nothing, with its disposition */
};

/* Commands: the events order-svc appends to its outbox in the step's transaction (bits). */
enum order_command {
    ORDER_EMIT_ORDER_CREATED = 1u << 0,        /* order.created.v1 */
    ORDER_EMIT_VALIDATION_REQUESTED = 1u << 1, /* inventory.validation.requested.v1 */
    ORDER_EMIT_PAYMENT_REQUESTED = 1u << 2,    /* payment.requested.v1 */
    ORDER_EMIT_ORDER_PLACED = 1u << 3,         /* order.placed.v1 */
    ORDER_EMIT_ORDER_CANCELLED = 1u << 4,      /* order.cancelled.v1, with reason and stage */
    ORDER_EMIT_ORDER_DELIVERED = 1u << 5,      /* order.delivered.v1 */
};
#define ORDER_EMIT_COUNT 6 /* the bits are 1u << 0 .. 1u << (ORDER_EMIT_COUNT - 1) */

/* The compensation a LATE input on a CANCELLED order still owes (bits). It is driven by the
 * order.cancelled.v1 the step re-emits; each consumer compensates idempotently per order. */
enum order_owed {
    ORDER_OWE_REFUND = 1u << 0,        /* payment-svc refunds the captured payment */
    ORDER_OWE_RELEASE_STOCK = 1u << 1, /* inventory-svc releases the reservation */
    ORDER_OWE_FREE_PARTNER = 1u << 2,  /* partner-svc frees the partner it assigned */
};
#define ORDER_OWE_COUNT 3

/* One step of the machine. */
struct order_step {
    enum order_state to;                /* the state after the step (from, unless APPLIED) */
    enum order_disposition disposition; /* how the input was taken */
    enum order_timeline timeline;       /* what the timeline gets */
    unsigned commands;                  /* enum order_command bits to emit */
    unsigned owed;                      /* enum order_owed bits (LATE on CANCELLED only) */
    /* With ORDER_EMIT_ORDER_CANCELLED, what order.cancelled.v1 says. A step that cancels sets
     * reason (for order.rejected it is REJECTED_BY_BUSINESS: the handler replaces it with
     * order_reason_of_rejection() of the event's data.reason), and stage, the state the order
     * is cancelled from; the order stores both. A LATE re-emit has reason ORDER_REASON_NONE:
     * the handler sends the stored reason and stage again, under a new event id. */
    enum order_cancel_reason reason;
    enum order_state stage; /* the state the step started from */
};

/* What input ev does to an order in state from. Returns OF_OK with *ret filled for every state
 * and input in range, whatever the disposition (order_state_result() turns it into the
 * handler's answer); OF_EPERMANENT (out of range, or NULL ret) with *ret untouched. */
int order_state_step(enum order_state from, enum order_event_type ev, struct order_step *ret)
    __attribute__((warn_unused_result));

/* The handler's answer for a step: OF_OK (APPLIED, DUPLICATE, STALE, LATE: record it, commit),
 * OF_ERETRY (EARLY: the consumer redelivers it later), OF_ECONFLICT (REFUSED: 409). */
int order_state_result(const struct order_step *step) __attribute__((warn_unused_result));

/* The order's first step, POST /v1/orders accepted: to CREATED, APPLIED, a timeline entry, and
 * order.created.v1 + inventory.validation.requested.v1. */
void order_state_created(struct order_step *ret);

/* "APPLIED", "DUPLICATE", "EARLY", "STALE", "LATE", "REFUSED": what a timeline entry and a log
 * line say; NULL for ORDER_DISP_NONE and out of range. Static storage. */
const char *order_state_disposition_name(enum order_disposition d);
/* The command of one bit: "ORDER_CREATED", "PAYMENT_REQUESTED", ...; NULL unless exactly one
 * known bit. */
const char *order_state_command_name(unsigned command);
/* The topic a command appends to ("payment.requested.v1"), from common's topic table; NULL
 * unless exactly one known bit. */
const char *order_state_command_topic(unsigned command);
/* The compensation of one bit: "REFUND", "RELEASE_STOCK", "FREE_PARTNER"; NULL unless exactly
 * one known bit. */
const char *order_state_owed_name(unsigned owed);

#endif
