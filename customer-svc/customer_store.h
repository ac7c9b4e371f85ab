/* customer-svc persistence: accounts, address books, pending OTP records and the outlet read
 * model in Postgres. Each function runs its statements on a connection the caller holds (usually
 * inside db_transact) and returns OF_OK, OF_ENOTFOUND, or the classified database error. SQL only
 * through parameters. */
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
int store_otp_put(PGconn *c, const char *phone, unsigned role,
                  const struct customer_otp_record *rec);
/* Loads the record FOR UPDATE into *ret; OF_ENOTFOUND when none is pending. */
int store_otp_lock(PGconn *c, const char *phone, unsigned role, struct customer_otp_record *ret);
/* Stores a new attempts_left. */
int store_otp_set_attempts(PGconn *c, const char *phone, unsigned role, int attempts_left);
/* Deletes the record (no error when there is none). */
int store_otp_delete(PGconn *c, const char *phone, unsigned role);

/* ---- Accounts ---- */

/* Finds the account of (phone, role), creating it with a new UUIDv7 when there is none; fills
 * *ret and sets *ret_created. */
int store_account_upsert(PGconn *c, const char *phone, unsigned role, struct customer_account *ret,
                         bool *ret_created);
/* Loads the account id (a UUID; anything else is OF_ENOTFOUND). */
int store_account_get(PGconn *c, const char *id, struct customer_account *ret);
/* Applies patch to account id and fills *ret with the result; OF_ENOTFOUND if there is none. */
int store_account_patch(PGconn *c, const char *id, const struct customer_profile_patch *patch,
                        struct customer_account *ret);

/* ---- Addresses: always scoped to the owning account ---- */

/* The account's addresses, oldest first, in a new array (*ret, freed with free()) of *ret_n. */
int store_address_list(PGconn *c, const char *account_id, struct customer_address **ret,
                       size_t *ret_n);
/* Loads address id of account_id; OF_ENOTFOUND when the account has no such address (including a
 * malformed id). */
int store_address_get(PGconn *c, const char *account_id, const char *id,
                      struct customer_address *ret);
/* Inserts a with a new id (written to a->id); OF_ENOTFOUND when the account does not exist. */
int store_address_insert(PGconn *c, const char *account_id, struct customer_address *a);
/* Replaces the fields of address a->id of account_id; OF_ENOTFOUND when the account has no such
 * address (including a malformed id). */
int store_address_update(PGconn *c, const char *account_id, const struct customer_address *a);
/* Deletes address id of account_id and fills *ret with what it held; OF_ENOTFOUND as above. */
int store_address_delete(PGconn *c, const char *account_id, const char *id,
                         struct customer_address *ret);

/* ---- Outlets: the read model of business.outlet.* events ---- */

#define CUSTOMER_OUTLET_NAME_MAX 200 /* characters */

/* An outlet as the feed sees it. */
struct customer_outlet {
    char id[UUID_STR_LEN];
    char business_id[UUID_STR_LEN];
    char name[CUSTOMER_TEXT_SIZE(CUSTOMER_OUTLET_NAME_MAX)];
    double lat, lng; /* degrees, valid */
    bool is_open;
};

/* Inserts or replaces outlet o as of version (the event's occurred_at, Unix milliseconds); a
 * version older than the stored one changes nothing (still OF_OK). */
int store_outlet_upsert(PGconn *c, const struct customer_outlet *o, int64_t version);
/* The open outlets inside box (see common/geo.h for the wrap rule), in a new array (*ret, freed
 * with free(); NULL when empty) of *ret_n. */
int store_outlet_in_box(PGconn *c, const struct geo_box *box, struct customer_outlet **ret,
                        size_t *ret_n);

#endif
