/* order-svc input rules, pure: the JSON-spec tables (common/jspec.h) of POST /v1/orders, the
 * list query and its cursor, the Idempotency-Key header, and the data of every event order-svc
 * consumes. A request's rules fill a jspec_error naming the first bad field (400, or the code's
 * own status); an event's fill a one-line reason naming the field (the dead letter's dlq.error).
 * Nothing here touches the network. */
#ifndef ORDER_RULES_H
#define ORDER_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/cursor.h"
#include "common/jspec.h"
#include "common/outlet_event.h"
#include "order.h"

/* POST /v1/orders: {outlet_id, address_id, items: [{item_id, qty}], payment: {method, token}}. */
struct order_request {
    char outlet_id[UUID_STR_LEN];
    char address_id[UUID_STR_LEN];
    struct order_line lines[ORDER_LINES_MAX]; /* item_id and qty */
    size_t n_lines;
    enum order_method method;
    char token[ORDER_TOKEN_MAX + 1];
};

/* Checks body: 1..ORDER_LINES_MAX items, qty 1..ORDER_QTY_MAX, no item twice, method UPI, CARD
 * or WALLET, a token of 1..ORDER_TOKEN_MAX printable ASCII. Server-owned members (id, status,
 * customer_id, owner_id, total_minor, currency, price fields, timeline ...) are read_only_field,
 * any other unknown member unknown_field; a nested field is named by its path
 * ("items[3].qty", "payment.method"). Returns 0, or OF_EPERMANENT with err filled and *ret
 * untouched. */
int order_rules_request(const json_t *body, struct order_request *ret, struct jspec_error *err)
    __attribute__((warn_unused_result));

/* Idempotency-Key: required on POST /v1/orders, 1..IDEM_KEY_MAX printable ASCII without spaces.
 * Returns 0, or OF_EPERMANENT with err filled (API_MISSING_FIELD or API_INVALID_VALUE, field
 * "Idempotency-Key"). */
int order_rules_idempotency_key(const char *key, struct jspec_error *err)
    __attribute__((warn_unused_result));

/* GET /v1/orders query: status (a state name), limit 1..ORDER_LIMIT_MAX (default
 * ORDER_LIMIT_DEFAULT), cursor (a next_cursor of this listing). */
struct order_query {
    bool has_status;
    enum order_state status;
    int limit;
    bool has_cursor;
    struct page_cursor cursor; /* (created_ms, id) of the last order of the previous page */
};
/* Each argument may be NULL (absent). Returns 0, or OF_EPERMANENT with err naming the parameter. */
int order_rules_query(const char *status, const char *limit, const char *cursor,
                      struct order_query *ret, struct jspec_error *err)
    __attribute__((warn_unused_result));

/* ---- Consumed event data ---- */

/* customer.address.updated.v1: the members order-svc keeps. */
struct order_address {
    char id[UUID_STR_LEN];
    char account_id[UUID_STR_LEN];
    struct order_drop_off at;
    bool deleted;
};
int order_rules_address_event(const json_t *data, struct order_address *ret, char *err,
                              size_t errlen) __attribute__((warn_unused_result));

/* The data of an event about one order, as far as order-svc reads it. Every such event has
 * order_id; the rest depends on the type:
 * - inventory.validated: reservation_id, lines (priced: item_id, sku, name, qty,
 *   unit_price_minor, line_total_minor), total_minor, currency;
 * - inventory.invalidated, payment.failed, order.rejected: reason (a code);
 * - payment.completed: payment_id, amount_minor, currency;
 * - the others: order_id alone (a reason is kept when present). */
struct order_event_data {
    char order_id[UUID_STR_LEN];
    char reason[ORDER_CODE_MAX + 1];
    char reservation_id[UUID_STR_LEN];
    char payment_id[UUID_STR_LEN];
    int64_t amount_minor;
    int64_t total_minor;
    char currency[4];
    struct order_line lines[ORDER_LINES_MAX];
    size_t n_lines;
};
/* Parses data of an event of type ev (ORDER_EV_CANCEL_REQUESTED is no event: refused). Returns
 * 0, or OF_EPERMANENT with the reason in err ("data.lines[1].qty: must be ...") and *ret
 * untouched. */
int order_rules_event(const json_t *data, enum order_event_type ev, struct order_event_data *ret,
                      char *err, size_t errlen) __attribute__((warn_unused_result));

/* The order id of an event that only informs (inventory.released, inventory.committed,
 * payment.refunded): data.order_id. Returns 0, or OF_EPERMANENT with the reason in err. */
int order_rules_order_ref(const json_t *data, char ret[UUID_STR_LEN], char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* s when it is a reason code (1..ORDER_CODE_MAX capital letters, digits and _), else NULL: what
 * a timeline keeps of an informing event's reason. */
const char *order_rules_code(const char *s);

/* Whether the priced lines of inventory.validated (got) are the order's lines (want): the same
 * items with the same quantities, in any order, and each line_total_minor = qty *
 * unit_price_minor; the total their sum. Returns 0, or OF_EPERMANENT with the reason in err. */
int order_rules_priced_match(const struct order_line *want, size_t n_want,
                             const struct order_event_data *got, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
