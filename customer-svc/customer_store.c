/* customer-svc persistence: accounts, address books, pending OTP records and outlets in Postgres
 * (see customer_store.h). */
#include "customer_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/uuid.h"
#include "common/xalloc.h"

#define ACCOUNT_COLS "id, phone, role, coalesce(name, ''), coalesce(email, '')"
#define ADDRESS_COLS "id, label, line1, city, postcode, lat, lng"

static const char *role_text(unsigned role)
{
    const char *s = auth_role_name(role);
    return s ? s : "";
}

int customer_store_otp_put(PGconn *c, const char *phone, unsigned role,
                           const struct customer_otp_record *rec)
{
    char hash[2 + 2 * CUSTOMER_OTP_HASH_LEN + 1] = "\\x", expires[32], attempts[16];
    codec_hex_encode(rec->hash, CUSTOMER_OTP_HASH_LEN, hash + 2);
    snprintf(expires, sizeof expires, "%" PRId64, rec->expires_at);
    snprintf(attempts, sizeof attempts, "%d", rec->attempts_left);
    const char *p[] = {phone, role_text(role), hash, expires, attempts};
    return db_exec(c,
                   "INSERT INTO customer.otp_codes (phone, role, hash, expires_at, attempts_left) "
                   "VALUES ($1, $2, $3::bytea, to_timestamp($4::bigint), $5::int) "
                   "ON CONFLICT (phone, role) DO UPDATE SET hash = excluded.hash, "
                   "expires_at = excluded.expires_at, attempts_left = excluded.attempts_left, "
                   "created_at = now()",
                   5, p, NULL, NULL, 0);
}

int customer_store_otp_lock(PGconn *c, const char *phone, unsigned role,
                            struct customer_otp_record *ret)
{
    const char *p[] = {phone, role_text(role)};
    PGresult *r;
    int rc = db_exec(c,
                     "SELECT encode(hash, 'hex'), extract(epoch FROM expires_at)::bigint, "
                     "attempts_left FROM customer.otp_codes WHERE phone = $1 AND role = $2 "
                     "FOR UPDATE",
                     2, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    if (PQntuples(r) != 1) {
        rc = OF_ENOTFOUND;
        goto out;
    }
    struct customer_otp_record rec;
    const char *hex = PQgetvalue(r, 0, 0);
    if (codec_hex_decode(hex, strlen(hex), rec.hash, sizeof rec.hash) != (long)sizeof rec.hash) {
        rc = OF_EPERMANENT;
        goto out;
    }
    rec.expires_at = db_cell_i64(r, 0, 1);
    rec.attempts_left = atoi(PQgetvalue(r, 0, 2));
    *ret = rec;
out:
    PQclear(r);
    return rc;
}

int customer_store_otp_set_attempts(PGconn *c, const char *phone, unsigned role, int attempts_left)
{
    char attempts[16];
    snprintf(attempts, sizeof attempts, "%d", attempts_left);
    const char *p[] = {phone, role_text(role), attempts};
    return db_exec(c,
                   "UPDATE customer.otp_codes SET attempts_left = $3::int "
                   "WHERE phone = $1 AND role = $2",
                   3, p, NULL, NULL, 0);
}

int customer_store_otp_delete(PGconn *c, const char *phone, unsigned role)
{
    const char *p[] = {phone, role_text(role)};
    return db_exec(c, "DELETE FROM customer.otp_codes WHERE phone = $1 AND role = $2", 2, p, NULL,
                   NULL, 0);
}

static void account_from_row(const PGresult *r, struct customer_account *ret)
{
    db_cell_text(r, 0, 0, ret->id, sizeof ret->id);
    db_cell_text(r, 0, 1, ret->phone, sizeof ret->phone);
    ret->role = auth_role_parse(PQgetvalue(r, 0, 2));
    db_cell_text(r, 0, 3, ret->name, sizeof ret->name);
    db_cell_text(r, 0, 4, ret->email, sizeof ret->email);
}

/* Runs a statement expected to return at most one account row. */
static int account_query(PGconn *c, const char *sql, int n, const char *const *p,
                         struct customer_account *ret)
{
    PGresult *r;
    int rc = db_exec(c, sql, n, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    if (PQntuples(r) == 1)
        account_from_row(r, ret);
    else
        rc = OF_ENOTFOUND;
    PQclear(r);
    return rc;
}

int customer_store_account_upsert(PGconn *c, const char *phone, unsigned role,
                                  struct customer_account *ret, bool *ret_created)
{
    char id[UUID_STR_LEN];
    uuid_v7(id);
    const char *p[] = {id, phone, role_text(role)};
    int rc = account_query(c,
                           "INSERT INTO customer.accounts (id, phone, role) VALUES ($1, $2, $3) "
                           "ON CONFLICT (phone, role) DO NOTHING RETURNING " ACCOUNT_COLS,
                           3, p, ret);
    *ret_created = rc == OF_OK;
    if (rc != OF_ENOTFOUND)
        return rc;
    return account_query(c,
                         "SELECT " ACCOUNT_COLS " FROM customer.accounts "
                         "WHERE phone = $1 AND role = $2",
                         2, p + 1, ret);
}

int customer_store_account_get(PGconn *c, const char *id, struct customer_account *ret)
{
    if (!uuid_valid(id))
        return OF_ENOTFOUND;
    const char *p[] = {id};
    return account_query(c, "SELECT " ACCOUNT_COLS " FROM customer.accounts WHERE id = $1", 1, p,
                         ret);
}

int customer_store_account_patch(PGconn *c, const char *id,
                                 const struct customer_profile_patch *patch,
                                 struct customer_account *ret)
{
    if (!uuid_valid(id))
        return OF_ENOTFOUND;
    const char *p[] = {id, patch->set_name ? "t" : "f", patch->name, patch->set_email ? "t" : "f",
                       patch->email};
    return account_query(c,
                         "UPDATE customer.accounts SET "
                         "name = CASE WHEN $2::bool THEN $3 ELSE name END, "
                         "email = CASE WHEN $4::bool THEN nullif($5, '') ELSE email END, "
                         "updated_at = now() WHERE id = $1 RETURNING " ACCOUNT_COLS,
                         5, p, ret);
}

static void address_from_row(const PGresult *r, int row, void *ret)
{
    struct customer_address *a = ret;
    db_cell_text(r, row, 0, a->id, sizeof a->id);
    db_cell_text(r, row, 1, a->label, sizeof a->label);
    db_cell_text(r, row, 2, a->line1, sizeof a->line1);
    db_cell_text(r, row, 3, a->city, sizeof a->city);
    db_cell_text(r, row, 4, a->postcode, sizeof a->postcode);
    a->lat = db_cell_f64(r, row, 5);
    a->lng = db_cell_f64(r, row, 6);
}

int customer_store_address_list(PGconn *c, const char *account_id, struct customer_address **ret,
                                size_t *ret_n)
{
    *ret = NULL;
    *ret_n = 0;
    if (!uuid_valid(account_id))
        return OF_OK;
    const char *p[] = {account_id};
    PGresult *r;
    int rc = db_exec(c,
                     "SELECT " ADDRESS_COLS " FROM customer.addresses WHERE account_id = $1 "
                     "ORDER BY created_at, id",
                     1, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    size_t n = (size_t)PQntuples(r);
    struct customer_address *list = xcalloc(n ? n : 1, sizeof *list);
    for (size_t i = 0; i < n; i++)
        address_from_row(r, (int)i, &list[i]);
    PQclear(r);
    *ret = list;
    *ret_n = n;
    return OF_OK;
}

int customer_store_address_insert(PGconn *c, const char *account_id, struct customer_address *a)
{
    if (!uuid_valid(account_id))
        return OF_ENOTFOUND;
    char id[UUID_STR_LEN], lat[32], lng[32];
    uuid_v7(id);
    snprintf(lat, sizeof lat, "%.17g", a->lat);
    snprintf(lng, sizeof lng, "%.17g", a->lng);
    const char *p[] = {id, account_id, a->label, a->line1, a->city, a->postcode, lat, lng};
    int rc = db_exec_one(c,
                         "INSERT INTO customer.addresses "
                         "(id, account_id, label, line1, city, postcode, lat, lng) "
                         "SELECT $1, $2, $3, $4, $5, $6, $7::float8, $8::float8 "
                         "WHERE EXISTS (SELECT 1 FROM customer.accounts WHERE id = $2)",
                         8, p);
    if (rc == OF_OK)
        memcpy(a->id, id, sizeof id);
    return rc;
}

int customer_store_address_update(PGconn *c, const char *account_id,
                                  const struct customer_address *a)
{
    if (!uuid_valid(account_id) || !uuid_valid(a->id))
        return OF_ENOTFOUND;
    char lat[32], lng[32];
    snprintf(lat, sizeof lat, "%.17g", a->lat);
    snprintf(lng, sizeof lng, "%.17g", a->lng);
    const char *p[] = {a->id, account_id, a->label, a->line1, a->city, a->postcode, lat, lng};
    return db_exec_one(c,
                       "UPDATE customer.addresses SET label = $3, line1 = $4, city = $5, "
                       "postcode = $6, lat = $7::float8, lng = $8::float8, updated_at = now() "
                       "WHERE id = $1 AND account_id = $2",
                       8, p);
}

/* Runs a statement on (id, account_id) expected to return at most one address row. */
static int address_one(PGconn *c, const char *sql, const char *account_id, const char *id,
                       struct customer_address *ret)
{
    if (!uuid_valid(account_id) || !uuid_valid(id))
        return OF_ENOTFOUND;
    const char *p[] = {id, account_id};
    return db_query_one(c, sql, 2, p, address_from_row, ret);
}

int customer_store_address_get(PGconn *c, const char *account_id, const char *id,
                               struct customer_address *ret)
{
    return address_one(c,
                       "SELECT " ADDRESS_COLS " FROM customer.addresses "
                       "WHERE id = $1 AND account_id = $2",
                       account_id, id, ret);
}

int customer_store_address_delete(PGconn *c, const char *account_id, const char *id,
                                  struct customer_address *ret)
{
    return address_one(c,
                       "DELETE FROM customer.addresses WHERE id = $1 AND account_id = $2 "
                       "RETURNING " ADDRESS_COLS,
                       account_id, id, ret);
}

/* ---- Outlets ---- */

int customer_store_outlet_upsert(PGconn *c, const struct customer_outlet *o, int64_t occurred_ms)
{
    char lat[32], lng[32], ver[32], at[32];
    snprintf(lat, sizeof lat, "%.17g", o->lat);
    snprintf(lng, sizeof lng, "%.17g", o->lng);
    snprintf(ver, sizeof ver, "%" PRId64, o->version);
    snprintf(at, sizeof at, "%" PRId64, occurred_ms);
    const char *p[] = {o->id, o->business_id,         o->name, lat,
                       lng,   o->is_open ? "t" : "f", at,      o->version > 0 ? ver : NULL};
    return db_exec(c,
                   "INSERT INTO customer.outlets AS o "
                   "(id, business_id, name, lat, lng, is_open, occurred_ms, version, updated_at) "
                   "VALUES ($1, $2, $3, $4::float8, $5::float8, $6::boolean, $7::bigint, "
                   "$8::bigint, to_timestamp($7::bigint / 1000.0)) "
                   "ON CONFLICT (id) DO UPDATE SET business_id = excluded.business_id, "
                   "name = excluded.name, lat = excluded.lat, lng = excluded.lng, "
                   "is_open = excluded.is_open, occurred_ms = excluded.occurred_ms, "
                   "version = excluded.version, updated_at = excluded.updated_at "
                   "WHERE CASE WHEN excluded.version IS NOT NULL "
                   "THEN o.version IS NULL OR o.version < excluded.version "
                   "ELSE o.version IS NULL AND o.occurred_ms <= excluded.occurred_ms END",
                   8, p, NULL, NULL, 0);
}

#define OUTLET_IN_BOX                                                                              \
    "SELECT id, business_id, name, lat, lng FROM customer.outlets "                                \
    "WHERE is_open AND lat BETWEEN $1::float8 AND $2::float8 AND "

int customer_store_outlet_in_box(PGconn *c, const struct geo_box *box, struct customer_outlet **ret,
                                 size_t *ret_n)
{
    char v[4][32];
    snprintf(v[0], sizeof v[0], "%.17g", box->min_lat);
    snprintf(v[1], sizeof v[1], "%.17g", box->max_lat);
    snprintf(v[2], sizeof v[2], "%.17g", box->min_lng);
    snprintf(v[3], sizeof v[3], "%.17g", box->max_lng);
    const char *p[] = {v[0], v[1], v[2], v[3]};
    PGresult *r;
    int rc = db_exec(c,
                     box->wraps ? OUTLET_IN_BOX "(lng >= $3::float8 OR lng <= $4::float8)"
                                : OUTLET_IN_BOX "lng BETWEEN $3::float8 AND $4::float8",
                     4, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    size_t n = (size_t)PQntuples(r);
    struct customer_outlet *list = n ? xcalloc(n, sizeof *list) : NULL;
    for (size_t i = 0; i < n; i++) {
        int row = (int)i;
        db_cell_text(r, row, 0, list[i].id, sizeof list[i].id);
        db_cell_text(r, row, 1, list[i].business_id, sizeof list[i].business_id);
        db_cell_text(r, row, 2, list[i].name, sizeof list[i].name);
        list[i].lat = db_cell_f64(r, row, 3);
        list[i].lng = db_cell_f64(r, row, 4);
        list[i].is_open = true;
    }
    PQclear(r);
    *ret = list;
    *ret_n = n;
    return OF_OK;
}
