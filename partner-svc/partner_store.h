/* partner-svc persistence: partners, deliveries, declines and the cancelled-orders tombstones in
 * Postgres. Every function runs one or two statements on the caller's connection, inside the
 * caller's transaction; none logs (the boundary does, from db_last_error()). Returns OF_OK, a
 * db_exec() code, or OF_ENOTFOUND where said. */
#ifndef PARTNER_STORE_H
#define PARTNER_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "common/geo.h"
#include "partner.h"
#include "partner_rules.h"

/* A new partner for account_id; OF_ECONFLICT when the account has one already. */
int partner_store_partner_insert(PGconn *c, const char *account_id,
                                 const struct partner_register_input *in, struct partner *ret)
    __attribute__((warn_unused_result));
/* The partner of account_id (FOR UPDATE when lock); OF_ENOTFOUND when it has none. */
int partner_store_partner_by_account(PGconn *c, const char *account_id, bool lock,
                                     struct partner *ret) __attribute__((warn_unused_result));
/* Sets the availability (and the position, now, when in->has_position) of account_id's partner;
 * OF_ENOTFOUND when it has none. */
int partner_store_partner_status(PGconn *c, const char *account_id,
                                 const struct partner_status_input *in, struct partner *ret)
    __attribute__((warn_unused_result));
/* Free, available partners whose position is at most stale_s old, inside box and not among those
 * who declined delivery_id: at most max, into *ret (allocated; the caller frees it). */
int partner_store_candidates(PGconn *c, const struct geo_box *box, long stale_s,
                             const char *delivery_id, size_t max, struct partner_candidate **ret,
                             size_t *ret_n) __attribute__((warn_unused_result));
/* Makes delivery_id partner_id's active delivery if the partner is still free, available and
 * fresh, locking its row (SKIP LOCKED: one being claimed by another transaction is passed
 * over). OF_ENOTFOUND when it could not be claimed. */
int partner_store_partner_claim(PGconn *c, const char *partner_id, const char *delivery_id,
                                long stale_s) __attribute__((warn_unused_result));
/* The partner id (its vehicle and position); OF_ENOTFOUND. */
int partner_store_partner_vehicle(PGconn *c, const char *id, struct partner *ret)
    __attribute__((warn_unused_result));
/* Frees partner_id if delivery_id is its active delivery (otherwise changes nothing). */
int partner_store_partner_free(PGconn *c, const char *partner_id, const char *delivery_id)
    __attribute__((warn_unused_result));

/* Inserts d (a new id into d->id) unless the order has a delivery already: *created says which;
 * when not created, d is left as it was. */
int partner_store_delivery_insert(PGconn *c, struct delivery *d, bool *created)
    __attribute__((warn_unused_result));
/* The delivery id (FOR UPDATE when lock); OF_ENOTFOUND. */
int partner_store_delivery_get(PGconn *c, const char *id, bool lock, struct delivery *ret)
    __attribute__((warn_unused_result));
/* The delivery of order_id (FOR UPDATE when lock); OF_ENOTFOUND. */
int partner_store_delivery_by_order(PGconn *c, const char *order_id, bool lock,
                                    struct delivery *ret) __attribute__((warn_unused_result));
/* Writes d's status, partner, search and timestamps. */
int partner_store_delivery_save(PGconn *c, const struct delivery *d)
    __attribute__((warn_unused_result));
/* Records that partner_id declined delivery_id (or let the offer time out). */
int partner_store_decline(PGconn *c, const char *delivery_id, const char *partner_id,
                          bool timed_out, const char *reason) __attribute__((warn_unused_result));
/* partner_id's deliveries, newest first, one page after q's cursor: at most q->limit + 1 rows
 * into *ret (allocated), so the caller knows whether there is a next page. */
int partner_store_delivery_list(PGconn *c, const char *partner_id,
                                const struct partner_list_query *q, struct delivery **ret,
                                size_t *ret_n) __attribute__((warn_unused_result));

/* Remembers that order_id was cancelled (once). */
int partner_store_cancelled_mark(PGconn *c, const char *order_id)
    __attribute__((warn_unused_result));
/* Whether order_id was cancelled before its delivery existed. */
int partner_store_cancelled_seen(PGconn *c, const char *order_id, bool *ret)
    __attribute__((warn_unused_result));

#endif
