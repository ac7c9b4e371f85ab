/* customer-svc persistence: accounts, address books, pending OTP records and the outlet read
 * model in Postgres, one function per statement. Each runs on a connection the caller holds
 * (inside the boundary helper's transaction or the consumer's batch) and returns OF_OK,
 * OF_ENOTFOUND, or the classified database error (its message kept by db_exec for the boundary's
 * log line). SQL only through parameters. */
#ifndef CUSTOMER_STORE_H
#define CUSTOMER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/geo.h"
#include "customer.h"
#include "customer_otp.h"
#include "customer_rules.h"

/* ---- OTP records, keyed by (phone, role) ---- */

/* Inserts or replaces the pending record of (phone, role). */
int customer_store_otp_put(PGconn *c, const char *phone, unsigned role,
                           const struct customer_otp_record *rec)
    __attribute__((warn_unused_result));
/* Loads the record FOR UPDATE into *ret; OF_ENOTFOUND when none is pending. */
int customer_store_otp_lock(PGconn *c, const char *phone, unsigned role,
                            struct customer_otp_record *ret) __attribute__((warn_unused_result));
/* Stores a new attempts_left. */
int customer_store_otp_set_attempts(PGconn *c, const char *phone, unsigned role, int attempts_left)
    __attribute__((warn_unused_result));
/* Deletes the record (no error when there is none). */
int customer_store_otp_delete(PGconn *c, const char *phone, unsigned role)
    __attribute__((warn_unused_result));

/* ---- Accounts ---- */

/* Finds the account of (phone, role), creating it with a new UUIDv7 when there is none; fills
 * *ret and sets *ret_created. */
int customer_store_account_upsert(PGconn *c, const char *phone, unsigned role,
                                  struct customer_account *ret, bool *ret_created)
    __attribute__((warn_unused_result));
/* Loads the account id (a UUID; anything else is OF_ENOTFOUND). */
int customer_store_account_get(PGconn *c, const char *id, struct customer_account *ret)
    __attribute__((warn_unused_result));
/* Applies patch to account id and fills *ret with the result; OF_ENOTFOUND if there is none. */
int customer_store_account_patch(PGconn *c, const char *id,
                                 const struct customer_profile_patch *patch,
                                 struct customer_account *ret) __attribute__((warn_unused_result));

/* ---- Addresses: always scoped to the owning account ---- */

/* The account's addresses, oldest first, in a new array (*ret, freed with free()) of *ret_n. */
int customer_store_address_list(PGconn *c, const char *account_id, struct customer_address **ret,
                                size_t *ret_n) __attribute__((warn_unused_result));
/* Loads address id of account_id; OF_ENOTFOUND when the account has no such address (including a
 * malformed id). */
int customer_store_address_get(PGconn *c, const char *account_id, const char *id,
                               struct customer_address *ret) __attribute__((warn_unused_result));
/* Inserts a with a new id (written to a->id); OF_ENOTFOUND when the account does not exist. */
int customer_store_address_insert(PGconn *c, const char *account_id, struct customer_address *a)
    __attribute__((warn_unused_result));
/* Replaces the fields of address a->id of account_id; OF_ENOTFOUND when the account has no such
 * address (including a malformed id). */
int customer_store_address_update(PGconn *c, const char *account_id,
                                  const struct customer_address *a)
    __attribute__((warn_unused_result));
/* Deletes address id of account_id and fills *ret with what it held; OF_ENOTFOUND as above. */
int customer_store_address_delete(PGconn *c, const char *account_id, const char *id,
                                  struct customer_address *ret) __attribute__((warn_unused_result));

/* ---- Outlets: the read model of business.outlet.* events ---- */

/* Inserts or replaces outlet o, from an event that occurred at occurred_ms (Unix milliseconds),
 * when it is newer than the stored state; otherwise changes nothing (still OF_OK). Newer means:
 * - o->version >= 1 (the producer's per-outlet counter): the stored row has no version (it came
 *   from events without one) or a smaller one; wall-clock time plays no part, so neither a
 *   producer's clock nor an occurred_at of 9999-12-31 can pin an outlet;
 * - o->version 0 (an event from a producer that predates version): the stored row has no
 *   version either and an occurred_ms not later than this one (the old rule); once an outlet
 *   has a version, events without one cannot be ordered against it and are ignored. */
int customer_store_outlet_upsert(PGconn *c, const struct customer_outlet *o, int64_t occurred_ms)
    __attribute__((warn_unused_result));
/* The open outlets inside box (see common/geo.h for the wrap rule), in a new array (*ret, freed
 * with free(); NULL when empty) of *ret_n. */
int customer_store_outlet_in_box(PGconn *c, const struct geo_box *box, struct customer_outlet **ret,
                                 size_t *ret_n) __attribute__((warn_unused_result));

#endif
