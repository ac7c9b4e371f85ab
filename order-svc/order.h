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

/* ---- Orders ---- */

#include <stdint.h>

#include "common/idempotency.h"
#include "common/uuid.h"

#define ORDER_LINES_MAX     50  /* lines per order */
#define ORDER_QTY_MAX       100 /* units per line */
#define ORDER_TOKEN_MAX     128 /* bytes of a payment provider's token */
#define ORDER_SKU_MAX       64
#define ORDER_NAME_MAX      200 /* characters of an item's name */
#define ORDER_TEXT_MAX      400 /* characters of an address line or city */
#define ORDER_CODE_MAX      40  /* bytes of a reason code */
#define ORDER_LIMIT_MAX     100 /* GET /v1/orders page size at most */
#define ORDER_LIMIT_DEFAULT 20

/* How the customer pays: the request's payment.method. */
enum order_method { ORDER_UPI = 0, ORDER_CARD, ORDER_WALLET, ORDER_METHOD_COUNT };
/* "UPI", "CARD", "WALLET"; NULL out of range. */
const char *order_method_name(enum order_method m);
/* The method named s. Returns 0, or OF_EPERMANENT with *ret untouched. */
int order_method_from_name(const char *s, enum order_method *ret)
    __attribute__((warn_unused_result));

/* One line: what the customer asked for; sku, name and prices once inventory priced it
 * (priced true). */
struct order_line {
    char item_id[UUID_STR_LEN];
    int qty;
    bool priced;
    char sku[ORDER_SKU_MAX + 1];
    char name[ORDER_NAME_MAX * 4 + 1];
    int64_t unit_price_minor;
    int64_t line_total_minor;
};

/* Where the order goes: the customer's address when the order was placed. */
struct order_drop_off {
    double lat, lng;
    char line1[ORDER_TEXT_MAX * 4 + 1];
    char city[ORDER_TEXT_MAX * 4 + 1];
};

/* An order as stored. Text members are "" when unset. */
struct order {
    char id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    char owner_id[UUID_STR_LEN]; /* the outlet's owner, from the outlet read model */
    char idempotency_key[IDEM_KEY_MAX + 1];
    char fingerprint[IDEM_FP_LEN];
    enum order_state state;
    enum order_method method;
    char token[ORDER_TOKEN_MAX + 1]; /* until payment.requested.v1 is written */
    char payment_id[UUID_STR_LEN];
    char reservation_id[UUID_STR_LEN];
    bool has_total;
    int64_t total_minor;
    char currency[4];
    char reason[ORDER_CODE_MAX + 1]; /* why it was rejected or cancelled */
    char stage[24];                  /* the state it was cancelled from */
    struct order_drop_off drop_off;
    char trace_id[33];
    int64_t created_ms, updated_ms;
    int64_t awaiting_ms, placed_ms, approved_ms; /* 0: not entered */
    struct order_line lines[ORDER_LINES_MAX];
    size_t n_lines;
};

/* One timeline entry. */
struct order_timeline_entry {
    char event[48];
    char event_id[UUID_STR_LEN]; /* "" for the order's own HTTP steps */
    char from[24];               /* "" for the first step */
    char to[24];
    char disposition[16];
    char reason[ORDER_CODE_MAX + 1];
    int64_t at_ms;
};

/* An order as GET /v1/orders lists it. */
struct order_summary {
    char id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    enum order_state state;
    bool has_total;
    int64_t total_minor;
    char currency[4];
    int64_t created_ms, updated_ms;
};

#endif
