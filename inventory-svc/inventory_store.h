/* inventory-svc persistence: the outlet read model, items and their stock, the adjustment audit,
 * reservations and their lines in Postgres, one function per statement. Each runs on a
 * connection the caller holds (inside the boundary helper's transaction or the consumer's batch)
 * and returns OF_OK, OF_ENOTFOUND, or the classified database error (its message kept by db_exec
 * for the boundary's or the consumer's log line). SQL only through parameters. Ids that are not
 * UUIDs find nothing (OF_ENOTFOUND, or an empty list). */
#ifndef INVENTORY_STORE_H
#define INVENTORY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "inventory.h"
#include "inventory_rules.h"

/* ---- Outlets: the read model of business.outlet.* events ---- */

/* Loads outlet id (outlet_store_get on inventory.outlets, which consumers of business.outlet.*
 * fill: outlet_event_handle); OF_ENOTFOUND when inventory has heard of no such outlet. */
int inventory_store_outlet_get(PGconn *c, const char *id, struct outlet_ref *ret)
    __attribute__((warn_unused_result));

/* ---- Items ---- */

/* Inserts it with a new UUIDv7 id (written to it->id), zero reserved, confirmed and sold;
 * OF_ECONFLICT when the outlet has an item with this sku already. */
int inventory_store_item_insert(PGconn *c, struct inventory_item *it)
    __attribute__((warn_unused_result));
/* Loads item id, with FOR UPDATE when lock; OF_ENOTFOUND when there is none. */
int inventory_store_item_get(PGconn *c, const char *id, bool lock, struct inventory_item *ret)
    __attribute__((warn_unused_result));
/* Applies patch to item id and fills *ret with the result. */
int inventory_store_item_patch(PGconn *c, const char *id, const struct inventory_item_patch *patch,
                               struct inventory_item *ret) __attribute__((warn_unused_result));
/* Sets item id's on_hand and fills *ret with the result. */
int inventory_store_item_set_on_hand(PGconn *c, const char *id, int64_t on_hand,
                                     struct inventory_item *ret)
    __attribute__((warn_unused_result));
/* Up to limit items of outlet_id in id order, after the id after (NULL: from the first), in a
 * new array (*ret, freed with free(); NULL when empty) of *ret_n; *ret_more is set when more
 * follow. */
int inventory_store_item_page(PGconn *c, const char *outlet_id, const char *after, int limit,
                              struct inventory_item **ret, size_t *ret_n, bool *ret_more)
    __attribute__((warn_unused_result));
/* The items among ids[0..n-1] (canonical UUIDs) that exist, in id order, in a new array as
 * above. */
int inventory_store_items_get(PGconn *c, const char (*ids)[UUID_STR_LEN], size_t n,
                              struct inventory_item **ret, size_t *ret_n)
    __attribute__((warn_unused_result));
/* Locks (FOR UPDATE, in id order, so that two transactions never wait for each other in a
 * cycle) and loads the items of outlet_id among those of lines[0..n-1], in a new array as
 * above: an item of another outlet is not among them. */
int inventory_store_items_lock(PGconn *c, const char *outlet_id, const struct inventory_line *lines,
                               size_t n, struct inventory_item **ret, size_t *ret_n)
    __attribute__((warn_unused_result));

/* ---- The adjustment audit ---- */

/* Appends a, writing the stored id and created_at into a->id and a->created_at. */
int inventory_store_adjustment_insert(PGconn *c, struct inventory_adjustment *a)
    __attribute__((warn_unused_result));

/* ---- Reservations ---- */

/* Loads and locks (FOR UPDATE) the reservation of order_id; OF_ENOTFOUND when it has none. */
int inventory_store_reservation_get(PGconn *c, const char *order_id,
                                    struct inventory_reservation *ret)
    __attribute__((warn_unused_result));
/* Inserts r (id, order_id, outlet_id, status, total, currency or "" for a tombstone, expires_ms
 * when RESERVED, reason, tombstone); OF_ECONFLICT when the order has a reservation already. */
int inventory_store_reservation_insert(PGconn *c, const struct inventory_reservation *r)
    __attribute__((warn_unused_result));
/* Stores r's status, expires_ms (0: none) and reason. */
int inventory_store_reservation_update(PGconn *c, const struct inventory_reservation *r)
    __attribute__((warn_unused_result));
/* Inserts lines[0..n-1] of reservation_id in one statement, their positions in array order. */
int inventory_store_lines_insert(PGconn *c, const char *reservation_id,
                                 const struct inventory_priced_line *lines, size_t n)
    __attribute__((warn_unused_result));
/* The lines of reservation_id in their order, in a new array (*ret, freed with free(); NULL when
 * empty) of *ret_n. */
int inventory_store_lines_get(PGconn *c, const char *reservation_id,
                              struct inventory_priced_line **ret, size_t *ret_n)
    __attribute__((warn_unused_result));
/* Locks (FOR UPDATE, in id order) the items of reservation_id's lines. */
int inventory_store_stock_lock(PGconn *c, const char *reservation_id)
    __attribute__((warn_unused_result));
/* Moves the stock of every line of reservation_id by move (enum inventory_move; the items must
 * be locked first). OF_EPERMANENT when fewer than n_lines items changed, or for MOVE_NONE; a
 * count taken below 0 is refused by the schema's CHECK constraints (OF_EPERMANENT). */
int inventory_store_stock_move(PGconn *c, const char *reservation_id, enum inventory_move move,
                               size_t n_lines) __attribute__((warn_unused_result));

/* Takes the transaction advisory lock of an outlet's stock (inventory_rules_outlet_lock_key);
 * for transactions outside the consumer, whose lock_keys take it already. */
int inventory_store_outlet_lock(PGconn *c, const char *outlet_id)
    __attribute__((warn_unused_result));

#endif
