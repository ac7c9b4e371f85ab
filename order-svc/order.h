/* order-svc's domain types: the states of an order, the inputs of its state machine (the events
 * order-svc consumes and its customer's cancel request) and the reasons an order is cancelled,
 * each with its name on the wire (the API's "status", the Kafka topics, order.cancelled's
 * "reason" and "stage"). Pure. The state machine over them is order_state.h. */
#ifndef ORDER_H
#define ORDER_H

#include <stdbool.h>

/* An order's state, as GET /v1/orders/{id} shows it (DESIGN.md section 2). DELIVERED, REJECTED
 * and CANCELLED are terminal: every order reaches exactly one and never leaves it. */
enum order_state {
    ORDER_CREATED = 0,
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

/* Everything that happens to an order once it exists: the events order-svc consumes, each on
 * topic "<name>.v1", and the customer's cancel request (POST /v1/orders/{id}/cancel, no topic). */
enum order_event_type {
    ORDER_EV_INVENTORY_VALIDATED = 0, /* inventory.validated */
    ORDER_EV_INVENTORY_INVALIDATED,   /* inventory.invalidated */
    ORDER_EV_PAYMENT_COMPLETED,       /* payment.completed */
    ORDER_EV_PAYMENT_FAILED,          /* payment.failed */
    ORDER_EV_RESERVATION_EXPIRED,     /* inventory.reservation.expired */
    ORDER_EV_APPROVED,                /* order.approved (business-svc) */
    ORDER_EV_REJECTED,                /* order.rejected (business-svc, incl. APPROVAL_TIMEOUT) */
    ORDER_EV_AGENT_ASSIGNED,          /* delivery.agent.assigned */
    ORDER_EV_ASSIGNMENT_FAILED,       /* delivery.assignment.failed */
    ORDER_EV_PICKED_UP,               /* delivery.picked_up */
    ORDER_EV_DELIVERED,               /* delivery.delivered */
    ORDER_EV_CANCEL_REQUESTED,        /* cancel.requested: the customer's POST .../cancel */
    ORDER_EV_COUNT
};

/* Why an order was cancelled: order.cancelled.v1's "reason". */
enum order_cancel_reason {
    ORDER_REASON_NONE = 0, /* not a cancellation */
    ORDER_REASON_PAYMENT_FAILED,
    ORDER_REASON_RESERVATION_EXPIRED,
    ORDER_REASON_REJECTED_BY_BUSINESS,
    ORDER_REASON_APPROVAL_TIMEOUT,
    ORDER_REASON_ASSIGNMENT_FAILED,
    ORDER_REASON_CUSTOMER_CANCELLED,
    ORDER_REASON_COUNT
};

/* "CREATED", "AWAITING_PAYMENT", ...; NULL out of range. Static storage. */
const char *order_state_name(enum order_state s);
/* The state named s (exactly, upper case). Returns 0, or OF_EPERMANENT with *ret untouched. */
int order_state_from_name(const char *s, enum order_state *ret) __attribute__((warn_unused_result));
/* Whether s is DELIVERED, REJECTED or CANCELLED (false out of range). */
bool order_state_is_terminal(enum order_state s);

/* The event type without its version, "inventory.validated", ..., and "cancel.requested" for the
 * cancel request: the word the timeline records. NULL out of range. Static storage. */
const char *order_event_name(enum order_event_type ev);
/* The Kafka topic that carries ev, from common's topic table ("inventory.validated.v1"); NULL for
 * ORDER_EV_CANCEL_REQUESTED (it comes over HTTP) and out of range. Static storage. */
const char *order_event_topic(enum order_event_type ev);
/* The input named s (order_event_name's words, "cancel.requested" included). Returns 0, or
 * OF_EPERMANENT with *ret untouched. */
int order_event_from_name(const char *s, enum order_event_type *ret)
    __attribute__((warn_unused_result));
/* The event a topic carries ("payment.failed.v1" -> ORDER_EV_PAYMENT_FAILED). Returns 0, or
 * OF_EPERMANENT (a topic order-svc does not consume for an order) with *ret untouched. */
int order_event_from_topic(const char *topic, enum order_event_type *ret)
    __attribute__((warn_unused_result));

/* "PAYMENT_FAILED", ..., "CUSTOMER_CANCELLED"; NULL for ORDER_REASON_NONE and out of range. */
const char *order_reason_name(enum order_cancel_reason r);
/* The reason named s. Returns 0, or OF_EPERMANENT with *ret untouched. */
int order_reason_from_name(const char *s, enum order_cancel_reason *ret)
    __attribute__((warn_unused_result));
/* The cancel reason of an order.rejected.v1 whose data.reason is s: exactly
 * "REJECTED_BY_BUSINESS" or "APPROVAL_TIMEOUT". Returns 0, or OF_EPERMANENT (any other word: the
 * event is bad data, dead-lettered) with *ret untouched. */
int order_reason_of_rejection(const char *s, enum order_cancel_reason *ret)
    __attribute__((warn_unused_result));

#endif
