/* order-svc persistence: the address and outlet read models, orders with their lines, and the
 * timeline, in Postgres (schema orders, migrations/order). Every function runs its statements
 * on the caller's connection, inside the caller's transaction, and returns OF_OK, OF_ENOTFOUND
 * where it says so, or the error db_exec classified (its message in db_last_error()). */
#ifndef ORDER_STORE_H
#define ORDER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "order.h"
#include "order_rules.h"

/* The most timeline entries GET /v1/orders/{id} shows (the oldest first). */
#define ORDER_TIMELINE_MAX 200

/* ---- Read models ---- */

/* Inserts or replaces the address (events of one account arrive in order). */
int order_store_address_upsert(PGconn *c, const struct order_address *a)
    __attribute__((warn_unused_result));
/* The address id of account_id, not deleted; OF_ENOTFOUND otherwise (another account's too). */
int order_store_address_get(PGconn *c, const char *id, const char *account_id,
                            struct order_address *ret) __attribute__((warn_unused_result));
/* The outlet id (outlet_store_get on orders.outlets, filled by outlet_event_handle); OF_ENOTFOUND
 * when order-svc has not heard of it. */
int order_store_outlet_get(PGconn *c, const char *id, struct outlet_ref *ret)
    __attribute__((warn_unused_result));

/* ---- Orders ---- */

/* Inserts o (id, customer, outlet, owner, key, fingerprint, method, token, drop-off, trace, lines;
 * state CREATED) unless the customer has an order under the same key: then *ret_created is false
 * and nothing is written (a concurrent insert of the same key waits for the other transaction).
 * On insert o->created_ms and o->updated_ms are set from the database clock. */
int order_store_insert(PGconn *c, struct order *o, bool *ret_created)
    __attribute__((warn_unused_result));
/* The id and fingerprint of customer_id's order under key into ret; OF_ENOTFOUND when none. */
int order_store_find_key(PGconn *c, const char *customer_id, const char *key,
                         char ret_id[UUID_STR_LEN], char ret_fingerprint[IDEM_FP_LEN])
    __attribute__((warn_unused_result));
/* The order id with its lines; for_update locks its row for this transaction. OF_ENOTFOUND when
 * there is none, or id is not a UUID. */
int order_store_get(PGconn *c, const char *id, bool for_update, struct order *ret)
    __attribute__((warn_unused_result));
/* Writes what a step changed, in one statement (one round trip): o's mutable members (state,
 * token, payment and reservation ids, total, currency, reason, stage, the state-entry times) with
 * updated_at set to o->updated_ms; with lines, the sku, name and prices of o's priced lines (there
 * must be one at least: OF_EPERMANENT otherwise); and e, unless NULL, appended to the timeline as
 * order_store_timeline_add() would. */
int order_store_save(PGconn *c, const struct order *o, bool lines,
                     const struct order_timeline_entry *e) __attribute__((warn_unused_result));

/* Appends one entry to the order's timeline (at: the database clock). */
int order_store_timeline_add(PGconn *c, const char *order_id, const struct order_timeline_entry *e)
    __attribute__((warn_unused_result));
/* The order's first ORDER_TIMELINE_MAX entries, oldest first, into *ret (caller frees). */
int order_store_timeline_list(PGconn *c, const char *order_id, struct order_timeline_entry **ret,
                              size_t *ret_n) __attribute__((warn_unused_result));

/* One page of orders, newest first: customer_id's (NULL: everyone's), of q's status if it has
 * one, after q's cursor if it has one, at most q->limit + 1 (one more says there is a next
 * page), into *ret (caller frees). */
int order_store_page(PGconn *c, const char *customer_id, const struct order_query *q,
                     struct order_summary **ret, size_t *ret_n) __attribute__((warn_unused_result));

/* How many orders are in each state. */
int order_store_state_counts(PGconn *c, int64_t ret[ORDER_STATE_COUNT])
    __attribute__((warn_unused_result));

#endif
