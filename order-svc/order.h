/* order-svc's domain types: the order states, the inputs of the state machine (the events
 * order-svc consumes and its customer's cancel request), and the reasons an order is cancelled,
 * each with its wire name. Pure. */
#ifndef ORDER_H
#define ORDER_H

/* DESIGN.md section 2. DELIVERED, REJECTED and CANCELLED are terminal. */
enum order_state {
    ORDER_CREATED,
    ORDER_AWAITING_PAYMENT,
    ORDER_PLACED,
    ORDER_APPROVED,
    ORDER_ASSIGNED,
    ORDER_OUT_FOR_DELIVERY,
    ORDER_DELIVERED,
    ORDER_REJECTED,
    ORDER_CANCELLED,
    ORDER_STATE_COUNT
};

/* What can happen to an order: one consumed topic each, and the cancel request (no topic). */
enum order_input {
    ORDER_IN_INVENTORY_VALIDATED,
    ORDER_IN_INVENTORY_INVALIDATED,
    ORDER_IN_PAYMENT_COMPLETED,
    ORDER_IN_PAYMENT_FAILED,
    ORDER_IN_RESERVATION_EXPIRED,
    ORDER_IN_ORDER_APPROVED,
    ORDER_IN_ORDER_REJECTED,
    ORDER_IN_AGENT_ASSIGNED,
    ORDER_IN_ASSIGNMENT_FAILED,
    ORDER_IN_PICKED_UP,
    ORDER_IN_DELIVERED,
    ORDER_IN_CANCEL_REQUEST,
    ORDER_INPUT_COUNT
};

/* Why an order was cancelled (order.cancelled.v1's reason). */
enum order_cancel_reason {
    ORDER_REASON_NONE,
    ORDER_REASON_PAYMENT_FAILED,
    ORDER_REASON_RESERVATION_EXPIRED,
    ORDER_REASON_REJECTED_BY_BUSINESS,
    ORDER_REASON_APPROVAL_TIMEOUT,
    ORDER_REASON_ASSIGNMENT_FAILED,
    ORDER_REASON_CUSTOMER_CANCELLED,
    ORDER_REASON_COUNT
};

/* "CREATED", ...; NULL out of range. */
const char *order_state_name(enum order_state s);
/* The state named s; 0, or -1 (ret untouched) for anything else. */
int order_state_parse(const char *s, enum order_state *ret);
/* True for DELIVERED, REJECTED and CANCELLED. */
int order_state_terminal(enum order_state s);

/* "inventory.validated", ... (the event type; the topic is it + ".v1"), "cancel_request" for
 * the cancel request; NULL out of range. */
const char *order_input_name(enum order_input in);
/* The input of event type or topic t ("payment.failed" or "payment.failed.v1"); 0, or -1 (ret
 * untouched) for a type order-svc does not consume. */
int order_input_by_type(const char *t, enum order_input *ret);

/* "PAYMENT_FAILED", ...; NULL for ORDER_REASON_NONE and out of range. */
const char *order_cancel_reason_name(enum order_cancel_reason r);
/* The reason named s; 0, or -1 (ret untouched). */
int order_cancel_reason_parse(const char *s, enum order_cancel_reason *ret);

#endif
