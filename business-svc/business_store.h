/* business-svc persistence: businesses, outlets and the outlets' order queues in Postgres, one
 * function per statement. Each runs on a connection the caller holds (inside the boundary
 * helper's transaction or the consumer's batch) and returns OF_OK, OF_ENOTFOUND, or the
 * classified database error (its message kept by db_exec for the boundary's log line). SQL only
 * through parameters. An owner argument scopes a lookup to the businesses of that account: NULL
 * means any owner (an admin's read); an id that is not a UUID finds nothing. */
#ifndef BUSINESS_STORE_H
#define BUSINESS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "business.h"

/* ---- Businesses ---- */

/* Inserts b with a new id (written to b->id) for b->owner_id and b->name; sets b->created_ms. */
int business_store_business_insert(PGconn *c, struct business *b)
    __attribute__((warn_unused_result));
/* Loads business id (of owner, unless NULL) into *ret; OF_ENOTFOUND when there is none. */
int business_store_business_get(PGconn *c, const char *id, const char *owner, struct business *ret)
    __attribute__((warn_unused_result));

/* ---- Outlets ---- */

/* The outlets of business_id, oldest first, in a new array (*ret, freed with free(); NULL when
 * empty) of *ret_n. */
int business_store_outlet_list(PGconn *c, const char *business_id, struct business_outlet **ret,
                               size_t *ret_n) __attribute__((warn_unused_result));
/* Inserts o with a new id (written to o->id) under business o->business_id, provided that
 * business belongs to o->owner_id (else OF_ENOTFOUND, nothing written); sets o->created_ms and
 * o->updated_ms. */
int business_store_outlet_insert(PGconn *c, struct business_outlet *o)
    __attribute__((warn_unused_result));
/* Loads outlet id (of owner, unless NULL) into *ret, its owner_id from its business; with lock,
 * FOR UPDATE (the row stays locked until the transaction ends). OF_ENOTFOUND when none. */
int business_store_outlet_get(PGconn *c, const char *id, const char *owner, bool lock,
                              struct business_outlet *ret) __attribute__((warn_unused_result));
/* Writes o's mutable fields and version to outlet o->id; sets o->updated_ms. OF_ENOTFOUND when
 * there is no such outlet. */
int business_store_outlet_update(PGconn *c, struct business_outlet *o)
    __attribute__((warn_unused_result));

/* ---- The order queue: one row per order (its id is the primary key) ---- */

/* Inserts PENDING entry e unless the queue has order e->order_id already: *ret_created says
 * which (a second order.placed.v1 for one order, under a new event id, changes nothing). */
int business_store_queue_insert(PGconn *c, const struct business_queue_entry *e, bool *ret_created)
    __attribute__((warn_unused_result));
/* Loads the entry of order_id (in outlet_id's queue, unless NULL) into *ret (ret->lines a new
 * reference the caller releases with business_queue_entry_clear), FOR UPDATE when lock.
 * OF_ENOTFOUND when there is none. */
int business_store_queue_get(PGconn *c, const char *order_id, const char *outlet_id, bool lock,
                             struct business_queue_entry *ret) __attribute__((warn_unused_result));
/* Writes e's status, decision and cancellation (the rest of an entry never changes). */
int business_store_queue_save(PGconn *c, const struct business_queue_entry *e)
    __attribute__((warn_unused_result));
/* The entries of outlet_id's queue that q selects, in (placed_ms, order_id) order after
 * q->cursor, at most q->limit + 1 of them (one more than a page: whether there is a next), in a
 * new array (*ret; release each with business_queue_entry_clear, then free(); NULL when empty)
 * of *ret_n. */
int business_store_queue_page(PGconn *c, const char *outlet_id,
                              const struct business_queue_query *q,
                              struct business_queue_entry **ret, size_t *ret_n)
    __attribute__((warn_unused_result));
/* How many entries of all queues are PENDING. */
int business_store_queue_pending(PGconn *c, int64_t *ret) __attribute__((warn_unused_result));

#endif
