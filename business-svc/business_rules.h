/* business-svc input rules, pure: the JSON-spec tables (common/jspec.h) of its request bodies and
 * of the order events it consumes, the queue's query parameters and cursor, and applying an
 * outlet's fields. No I/O, no allocation that outlives a call except where said. Every failure
 * names the first offending field in a struct jspec_error, so the HTTP layer can answer
 * 400 {"error":{"code","message","field"}} and the consumer can dead-letter with a reason. */
#ifndef BUSINESS_RULES_H
#define BUSINESS_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "business.h"
#include "common/jspec.h"

/* POST /v1/businesses {name}. */
struct business_input {
    char name[BUSINESS_TEXT_SIZE(BUSINESS_NAME_MAX)];
};

/* POST .../approve {prep_time_min}. */
struct business_approve_input {
    int prep_time_min;
};

/* POST .../reject {reason}: the owner's free text, carried as order.rejected.v1's note. */
struct business_reject_input {
    char reason[BUSINESS_TEXT_SIZE(BUSINESS_NOTE_MAX)];
};

/* ---- Request bodies ----
 * Each takes the parsed body (borrowed), checks it with its jspec table in JSPEC_STRICT mode and
 * on success fills *ret and returns 0. On failure returns OF_EPERMANENT, fills *err with the first
 * problem and leaves *ret untouched. Checks, in order (jspec_parse): the body is an object; every
 * member is known to this request (server-owned members: id, business_id, owner_id, owner,
 * version, status, created_at, updated_at, and on decisions order_id, outlet_id, auto,
 * decided_at, are read_only_field; anything else unknown_field); then each field: present if
 * required, of the right JSON type, within its limits. Text follows jspec_text_check: valid
 * UTF-8 without control characters, not blank, at most its limit in characters. */

/* {name}: at most BUSINESS_NAME_MAX characters. */
int business_rules_business(const json_t *body, struct business_input *ret, struct jspec_error *err)
    __attribute__((warn_unused_result));
/* {name, lat, lng, address, open?, auto_approve?, approval_sla_s?}: name (at most 200 characters),
 * address (at most 300) and lat/lng (JSON numbers, [-90, 90] and [-180, 180]) required; open
 * and auto_approve booleans; approval_sla_s an integer in [BUSINESS_SLA_MIN_S,
 * BUSINESS_SLA_MAX_S]. The set_* flags say which were sent. */
int business_rules_outlet_create(const json_t *body, struct business_outlet_fields *ret,
                                 struct jspec_error *err) __attribute__((warn_unused_result));
/* The same fields, every one optional (PATCH: any subset, {} included). */
int business_rules_outlet_patch(const json_t *body, struct business_outlet_fields *ret,
                                struct jspec_error *err) __attribute__((warn_unused_result));
/* {prep_time_min}: an integer in [BUSINESS_PREP_MIN, BUSINESS_PREP_MAX]. */
int business_rules_approve(const json_t *body, struct business_approve_input *ret,
                           struct jspec_error *err) __attribute__((warn_unused_result));
/* {reason}: text of at most BUSINESS_NOTE_MAX characters. */
int business_rules_reject(const json_t *body, struct business_reject_input *ret,
                          struct jspec_error *err) __attribute__((warn_unused_result));

/* The outlet a create starts from: open, not auto-approving, an SLA of
 * BUSINESS_SLA_DEFAULT_S, version 0 (business_rules_outlet_apply makes it 1). */
void business_rules_outlet_defaults(struct business_outlet *ret);
/* Applies the sent fields f to o. When any of them differs from o's value, increments
 * o->version and returns true; otherwise o is unchanged and returns false (a PATCH that changes
 * nothing makes no new version and no event). */
bool business_rules_outlet_apply(struct business_outlet *o, const struct business_outlet_fields *f);

/* ---- The queue ---- */

/* GET /v1/outlets/{id}/orders query parameters, each as received or NULL when absent: status
 * (one of PENDING, APPROVED, REJECTED, CANCELLED; all when absent), limit (digits,
 * 1..BUSINESS_QUEUE_LIMIT_MAX, default BUSINESS_QUEUE_LIMIT_DEFAULT), cursor (a next_cursor of
 * this listing). Same contract as the body functions, the field being the parameter's name. */
int business_rules_queue_query(const char *status, const char *limit, const char *cursor,
                               struct business_queue_query *ret, struct jspec_error *err)
    __attribute__((warn_unused_result));
/* Writes the opaque cursor for c: unpadded base64url of "<placed_ms>:<order_id>". Returns 0, or
 * OF_EPERMANENT (ret untouched) if placed_ms is outside [0, BUSINESS_MS_MAX] or the id is not a
 * lowercase UUID. */
int business_rules_cursor_encode(const struct business_queue_cursor *c,
                                 char ret[BUSINESS_CURSOR_SIZE])
    __attribute__((warn_unused_result));
/* Reads a cursor made by business_rules_cursor_encode: only its exact encoding is accepted.
 * Returns 0, or OF_EPERMANENT with *ret untouched. */
int business_rules_cursor_decode(const char *s, struct business_queue_cursor *ret)
    __attribute__((warn_unused_result));

/* ---- Event data (JSPEC_LENIENT: producers may add members) ----
 * On failure each returns OF_EPERMANENT with *ret untouched and, in err (errlen bytes, may be
 * NULL), the reason for the dead letter: "data.<field>: <why>" ("data.lines[3].qty: ..." inside
 * the lines), never the value. */

/* order.placed.v1 {order_id, customer_id, outlet_id, lines:[{item_id, sku?, name, qty,
 * unit_price_minor?, line_total_minor?}] (1 to BUSINESS_LINES_MAX), total_minor, currency,
 * reservation_id?, drop_off:{lat, lng, line1?, city?}, placed_at} into a PENDING entry: ids
 * canonical UUIDs, qty 1..1000, money non-negative integers, currency three upper-case letters,
 * placed_at RFC 3339 within [1970, 9999]. ret->lines is a new array of the lines' known members
 * only (the caller releases it with business_queue_entry_clear); trace_id, due_ms and the
 * decision are left zero. */
int business_rules_order_placed(const json_t *data, struct business_queue_entry *ret, char *err,
                                size_t errlen) __attribute__((warn_unused_result));
/* Data that names an order, {order_id, ...} (order.cancelled.v1's, the approval timer's
 * payload): the order id, a canonical UUID, into ret. */
int business_rules_order_ref(const json_t *data, char ret[UUID_STR_LEN], char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
