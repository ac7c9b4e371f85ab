/* The business.outlet.*.v1 read model in Postgres (see outlet_store.h). */
#include "common/outlet_store.h"

#include <inttypes.h>
#include <stdio.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/timefmt.h"
#include "common/uuid.h"

#define SQL_MAX 1024

int outlet_store_upsert(PGconn *c, const char *schema, const struct outlet_ref *o,
                        int64_t occurred_ms)
{
    if (!db_ident_valid(schema))
        return OF_EPERMANENT;
    char sql[SQL_MAX], ver[32], at[32];
    int n = snprintf(sql, sizeof sql,
                     "INSERT INTO %s.outlets AS o "
                     "(id, business_id, owner_id, is_open, occurred_ms, version, updated_at) "
                     "VALUES ($1, $2, $3::uuid, $4::boolean, $5::bigint, $6::bigint, now()) "
                     "ON CONFLICT (id) DO UPDATE SET business_id = excluded.business_id, "
                     "owner_id = excluded.owner_id, is_open = excluded.is_open, "
                     "occurred_ms = excluded.occurred_ms, version = excluded.version, "
                     "updated_at = now() "
                     "WHERE CASE WHEN excluded.version IS NOT NULL "
                     "THEN o.version IS NULL OR o.version < excluded.version "
                     "ELSE o.version IS NULL AND o.occurred_ms <= excluded.occurred_ms END",
                     schema);
    if (n < 0 || (size_t)n >= sizeof sql)
        return OF_EPERMANENT;
    snprintf(ver, sizeof ver, "%" PRId64, o->version);
    snprintf(at, sizeof at, "%" PRId64, occurred_ms);
    const char *p[] = {o->id,
                       o->business_id,
                       o->owner_id[0] ? o->owner_id : NULL,
                       o->is_open ? "t" : "f",
                       at,
                       o->version > 0 ? ver : NULL};
    return db_exec(c, sql, 6, p, NULL, NULL, 0);
}

int outlet_store_get(PGconn *c, const char *schema, const char *id, struct outlet_ref *ret)
{
    if (!db_ident_valid(schema))
        return OF_EPERMANENT;
    if (!uuid_valid(id))
        return OF_ENOTFOUND;
    char sql[SQL_MAX];
    int n = snprintf(sql, sizeof sql,
                     "SELECT id, business_id, coalesce(owner_id::text, ''), is_open, "
                     "coalesce(version, 0) FROM %s.outlets WHERE id = $1",
                     schema);
    if (n < 0 || (size_t)n >= sizeof sql)
        return OF_EPERMANENT;
    const char *p[] = {id};
    PGresult *r;
    int rc = db_exec(c, sql, 1, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    if (PQntuples(r) == 1) {
        struct outlet_ref o = {.is_open = db_cell_bool(r, 0, 3), .version = db_cell_i64(r, 0, 4)};
        db_cell_text(r, 0, 0, o.id, sizeof o.id);
        db_cell_text(r, 0, 1, o.business_id, sizeof o.business_id);
        db_cell_text(r, 0, 2, o.owner_id, sizeof o.owner_id);
        *ret = o;
    } else {
        rc = OF_ENOTFOUND;
    }
    PQclear(r);
    return rc;
}

int outlet_event_handle(struct consumer_ctx *ctx, const struct envelope *ev, int64_t max_skew_ms)
{
    struct outlet_ref o;
    char why[160];
    const char *reason;
    int64_t occurred_ms;
    if (envelope_occurred_ms(ev, time_now_ms(), max_skew_ms, &occurred_ms, &reason) != OF_OK)
        return consumer_fail(ctx, "%s", reason);
    if (outlet_event_parse(ev->data, &o, why, sizeof why) != OF_OK)
        return consumer_fail(ctx, "%s", why);
    return outlet_store_upsert(ctx->db, ctx->schema, &o, occurred_ms);
}
