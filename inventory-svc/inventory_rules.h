/* inventory-svc rules, pure: the jspec tables of its request bodies and of the event data it
 * consumes, single-value checks (sku, currency), the catalog list query, the stock adjustment
 * decision, the reservation decision (all lines or none), the table of reservation transitions
 * and the advisory-lock key of an outlet. No I/O; the reservation decision's arrays are the only
 * allocation that outlives a call (inventory_decision_clear frees them). Every failure of a body
 * names the first offending field in a struct jspec_error (400 {"error":{"code","message",
 * "field"}}); every failure of event data writes "data.<field>: <why>" for the dead letter, never
 * the value. */
#ifndef INVENTORY_RULES_H
#define INVENTORY_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/jspec.h"
#include "inventory.h"
#include "inventory_state.h"

/* ---- Single values ---- */

/* True if s is 1 to INVENTORY_SKU_MAX of ASCII letters, digits, '.', '_' and '-'. */
bool inventory_rules_sku_valid(const char *s);
/* The wire name of a reason ("OUT_OF_STOCK"); NULL for INVENTORY_OK or a value out of range. A
 * static string. */
const char *inventory_rules_reason_name(enum inventory_reason r);

/* ---- Request bodies ----
 * Each checks the parsed body (borrowed) with its jspec table in JSPEC_STRICT mode and on success
 * fills *ret and returns 0; on failure returns OF_EPERMANENT, fills *err with the first problem
 * and leaves *ret untouched. Server-owned members (id, outlet_id, on_hand, reserved, confirmed,
 * sold, available, created_at, ...) are read_only_field, anything else unknown is unknown_field.
 * Text (name, reason) follows jspec_text_check. */

/* POST /v1/outlets/{id}/items {sku, name, price_minor, currency, stock?, active?}: stock (units
 * on hand, 0 .. INVENTORY_STOCK_MAX) defaults to 0, active to true. */
struct inventory_item_new {
    char sku[INVENTORY_SKU_MAX + 1];
    char name[INVENTORY_TEXT_SIZE(INVENTORY_NAME_MAX)];
    int64_t price_minor;
    char currency[INVENTORY_CURRENCY_SIZE];
    int64_t stock;
    bool active;
};
int inventory_rules_item_new(const json_t *body, struct inventory_item_new *ret,
                             struct jspec_error *err) __attribute__((warn_unused_result));

/* PATCH /v1/items/{id} {name?, price_minor?, active?}: only the members present change; sku and
 * currency are fixed once created and stock changes only through adjust (read_only_field). */
struct inventory_item_patch {
    bool set_name;
    char name[INVENTORY_TEXT_SIZE(INVENTORY_NAME_MAX)];
    bool set_price;
    int64_t price_minor;
    bool set_active;
    bool active;
};
int inventory_rules_item_patch(const json_t *body, struct inventory_item_patch *ret,
                               struct jspec_error *err) __attribute__((warn_unused_result));

/* POST /v1/items/{id}/adjust {delta, reason}: delta a non-zero integer within
 * +-INVENTORY_STOCK_MAX (units added to or taken from on_hand), reason text of at most
 * INVENTORY_REASON_MAX characters. */
struct inventory_adjust_request {
    int64_t delta;
    char reason[INVENTORY_TEXT_SIZE(INVENTORY_REASON_MAX)];
};
int inventory_rules_adjust_request(const json_t *body, struct inventory_adjust_request *ret,
                                   struct jspec_error *err) __attribute__((warn_unused_result));

/* POST /v1/items/availability {ids}: 1 to INVENTORY_IDS_MAX UUIDs (any case, stored lower-case),
 * none twice. An error names the field "ids" and says which item. */
struct inventory_id_list {
    size_t n;
    char ids[INVENTORY_IDS_MAX][UUID_STR_LEN];
};
int inventory_rules_id_list(const json_t *body, struct inventory_id_list *ret,
                            struct jspec_error *err) __attribute__((warn_unused_result));

/* GET /v1/outlets/{id}/items query parameters, each as received or NULL when absent: limit
 * (digits, 1 .. INVENTORY_LIST_LIMIT_MAX, default INVENTORY_LIST_LIMIT_DEFAULT) and cursor (the
 * next_cursor of the previous page: the id of its last item, a UUID). Same contract as the body
 * functions, the field being the parameter's name. */
struct inventory_list_query {
    int limit;
    bool has_cursor;
    char cursor[UUID_STR_LEN];
};
int inventory_rules_list_query(const char *limit, const char *cursor,
                               struct inventory_list_query *ret, struct jspec_error *err)
    __attribute__((warn_unused_result));

/* ---- Decisions ---- */

/* Applies delta to item's on_hand: on OF_OK *ret_after is the new stock. OF_ECONFLICT (ret_after
 * untouched, *ret_why a static English sentence for the 409) when available would fall below 0
 * or on_hand rise above INVENTORY_STOCK_MAX. */
int inventory_rules_adjust(const struct inventory_stock *stock, int64_t delta,
                           struct inventory_stock *ret_after, const char **ret_why)
    __attribute__((warn_unused_result));

/* The outcome of a validation request. reason INVENTORY_OK: lines[0..n_lines-1] are the request's
 * lines priced from the catalog, in request order, total_minor their sum and currency theirs;
 * otherwise failed[0..n_failed-1] are the failing lines in request order and lines is NULL. The
 * arrays are owned by the decision (inventory_decision_clear). */
struct inventory_decision {
    enum inventory_reason reason;
    struct inventory_priced_line *lines;
    size_t n_lines;
    struct inventory_failed_line *failed;
    size_t n_failed;
    int64_t total_minor;
    char currency[INVENTORY_CURRENCY_SIZE];
};

/* Decides a validation request, all lines or none. outlet is the read model's outlet (NULL when
 * unknown); items[0..n_items-1] are the outlet's items among the requested ones, in any order
 * (an item of another outlet is not among them). Each line gets the first reason that applies,
 * in this order: UNKNOWN_ITEM (not among items), ITEM_INACTIVE, OUTLET_CLOSED (the outlet is
 * known but closed), CURRENCY_MISMATCH (another currency than the first line with a known,
 * active item), OUT_OF_STOCK (qty above available). The order's reason is OUTLET_CLOSED when the
 * outlet is closed, else the first of UNKNOWN_ITEM, ITEM_INACTIVE, CURRENCY_MISMATCH,
 * OUT_OF_STOCK that any line has. Lines must name distinct items (inventory_rules_validation_
 * request sees to it). Fills *ret (which the caller clears afterwards) and returns OF_OK, or
 * returns OF_EPERMANENT with *ret zeroed when n is 0 or above INVENTORY_LINES_MAX, a quantity is
 * out of range, or a total would not fit int64. */
int inventory_rules_reserve(const struct outlet_ref *outlet, const struct inventory_line *lines,
                            size_t n, const struct inventory_item *items, size_t n_items,
                            struct inventory_decision *ret) __attribute__((warn_unused_result));
/* Frees the decision's arrays and zeroes it; safe on a zeroed decision. */
void inventory_decision_clear(struct inventory_decision *d);

/* The transaction advisory-lock key that serializes every stock change of an outlet's items
 * between consumer batches (taken first, in the batch's sorted pass, from the handlers'
 * lock_keys) and the timer's transactions: FNV-1a 64-bit of the outlet id's text folded to 48
 * bits under the class tag 0x6976 ("iv") in the top 16 bits, so it never meets the outbox's
 * class (common/outbox.h, 0x6f62) or the hashtext() keys of the relay and migration locks. */
int64_t inventory_rules_outlet_lock_key(const char *outlet_id);

/* ---- Event data ----
 * Each checks an event's data with its jspec table in JSPEC_LENIENT mode (producers may add
 * members). Returns 0 with *ret filled, or OF_EPERMANENT with *ret untouched and, in err (may be
 * NULL), the reason for the dead letter: "data.<field>: <why>" ("data: ..." for the whole
 * object, "data.lines[2].qty: ..." inside a line), never the value. Ids are canonical UUIDs. */

/* inventory.validation.requested.v1 {order_id, outlet_id, lines:[{item_id, qty}]}: 1 to
 * INVENTORY_LINES_MAX lines, qty a JSON integer 1 .. INVENTORY_QTY_MAX, no item twice. */
struct inventory_validation_request {
    char order_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    size_t n_lines;
    struct inventory_line lines[INVENTORY_LINES_MAX];
};
int inventory_rules_validation_request(const json_t *data, struct inventory_validation_request *ret,
                                       char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* order.placed.v1 {order_id, outlet_id, reservation_id?}, order.cancelled.v1 {order_id,
 * outlet_id, reason, reservation_id?} (reason printable ASCII of at most INVENTORY_CODE_MAX
 * bytes; its values are order-svc's, not checked here) and order.delivered.v1 {order_id,
 * outlet_id}, by trigger (INVENTORY_PLACED, INVENTORY_CANCELLED, INVENTORY_DELIVERED; any other
 * is OF_EPERMANENT). */
struct inventory_order_event {
    char order_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    char reservation_id[UUID_STR_LEN]; /* "" when absent */
    char reason[INVENTORY_CODE_MAX + 1];
};
int inventory_rules_order_event(const json_t *data, enum inventory_trigger trigger,
                                struct inventory_order_event *ret, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
