/* business-svc persistence: businesses, outlets and order queues in Postgres (see
 * business_store.h). */
#include "business_store.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "business_state.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/uuid.h"
#include "common/xalloc.h"

#define MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"

/* ---- Businesses ---- */

#define BUSINESS_COLS "id, owner_id, name, " MS("created_at")

static void business_from_row(const PGresult *r, int row, void *ret)
{
    struct business *b = ret;
    db_cell_text(r, row, 0, b->id, sizeof b->id);
    db_cell_text(r, row, 1, b->owner_id, sizeof b->owner_id);
    db_cell_text(r, row, 2, b->name, sizeof b->name);
    b->created_ms = db_cell_i64(r, row, 3);
}

int business_store_business_insert(PGconn *c, struct business *b)
{
    char id[UUID_STR_LEN];
    uuid_v7(id);
    const char *p[] = {id, b->owner_id, b->name};
    struct business out;
    int rc =
        db_query_one(c,
                     "INSERT INTO business.businesses (id, owner_id, name) VALUES ($1, $2, $3) "
                     "RETURNING " BUSINESS_COLS,
                     3, p, business_from_row, &out);
    if (rc == OF_OK)
        *b = out;
    return rc;
}

int business_store_business_get(PGconn *c, const char *id, const char *owner, struct business *ret)
{
    if (!uuid_valid(id) || (owner && !uuid_valid(owner)))
        return OF_ENOTFOUND;
    const char *p[] = {id, owner};
    return db_query_one(c,
                        "SELECT " BUSINESS_COLS " FROM business.businesses "
                        "WHERE id = $1 AND ($2::uuid IS NULL OR owner_id = $2)",
                        2, p, business_from_row, ret);
}

/* ---- Outlets ---- */

#define OUTLET_COLS                                                                                \
    "o.id, o.business_id, b.owner_id, o.name, o.address, o.lat, o.lng, o.is_open, "                \
    "o.auto_approve, o.approval_sla_s, o.version, " MS("o.created_at") ", " MS("o.updated_at")

static void outlet_from_row(const PGresult *r, int row, void *ret)
{
    struct business_outlet *o = ret;
    db_cell_text(r, row, 0, o->id, sizeof o->id);
    db_cell_text(r, row, 1, o->business_id, sizeof o->business_id);
    db_cell_text(r, row, 2, o->owner_id, sizeof o->owner_id);
    db_cell_text(r, row, 3, o->name, sizeof o->name);
    db_cell_text(r, row, 4, o->address, sizeof o->address);
    o->lat = db_cell_f64(r, row, 5);
    o->lng = db_cell_f64(r, row, 6);
    o->is_open = db_cell_bool(r, row, 7);
    o->auto_approve = db_cell_bool(r, row, 8);
    o->approval_sla_s = (int)db_cell_i64(r, row, 9);
    o->version = db_cell_i64(r, row, 10);
    o->created_ms = db_cell_i64(r, row, 11);
    o->updated_ms = db_cell_i64(r, row, 12);
}

int business_store_outlet_list(PGconn *c, const char *business_id, struct business_outlet **ret,
                               size_t *ret_n)
{
    *ret = NULL;
    *ret_n = 0;
    if (!uuid_valid(business_id))
        return OF_OK;
    const char *p[] = {business_id};
    PGresult *r;
    int rc = db_exec(c,
                     "SELECT " OUTLET_COLS " FROM business.outlets o "
                     "JOIN business.businesses b ON b.id = o.business_id "
                     "WHERE o.business_id = $1 ORDER BY o.created_at, o.id",
                     1, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    size_t n = (size_t)PQntuples(r);
    struct business_outlet *list = n ? xcalloc(n, sizeof *list) : NULL;
    for (size_t i = 0; i < n; i++)
        outlet_from_row(r, (int)i, &list[i]);
    PQclear(r);
    *ret = list;
    *ret_n = n;
    return OF_OK;
}

/* created_ms, updated_ms of a RETURNING. */
static void times_from_row(const PGresult *r, int row, void *ret)
{
    int64_t *t = ret;
    t[0] = db_cell_i64(r, row, 0);
    t[1] = db_cell_i64(r, row, 1);
}

int business_store_outlet_insert(PGconn *c, struct business_outlet *o)
{
    if (!uuid_valid(o->business_id) || !uuid_valid(o->owner_id))
        return OF_ENOTFOUND;
    char id[UUID_STR_LEN];
    uuid_v7(id);
    struct db_num lat = db_num_f64(o->lat), lng = db_num_f64(o->lng),
                  sla = db_num_i64(o->approval_sla_s), ver = db_num_i64(o->version);
    const char *p[] = {id,
                       o->business_id,
                       o->owner_id,
                       o->name,
                       o->address,
                       lat.s,
                       lng.s,
                       o->is_open ? "t" : "f",
                       o->auto_approve ? "t" : "f",
                       sla.s,
                       ver.s};
    int64_t t[2];
    int rc = db_query_one(c,
                          "INSERT INTO business.outlets (id, business_id, name, address, lat, lng, "
                          "is_open, auto_approve, approval_sla_s, version) "
                          "SELECT $1, b.id, $4, $5, $6::float8, $7::float8, $8::boolean, "
                          "$9::boolean, $10::int, $11::bigint FROM business.businesses b "
                          "WHERE b.id = $2 AND b.owner_id = $3 "
                          "RETURNING " MS("created_at") ", " MS("updated_at"),
                          11, p, times_from_row, t);
    if (rc == OF_OK) {
        memcpy(o->id, id, sizeof id);
        o->created_ms = t[0];
        o->updated_ms = t[1];
    }
    return rc;
}

int business_store_outlet_get(PGconn *c, const char *id, const char *owner, bool lock,
                              struct business_outlet *ret)
{
    if (!uuid_valid(id) || (owner && !uuid_valid(owner)))
        return OF_ENOTFOUND;
    const char *p[] = {id, owner};
    return db_query_one(c,
                        lock ? "SELECT " OUTLET_COLS " FROM business.outlets o "
                               "JOIN business.businesses b ON b.id = o.business_id "
                               "WHERE o.id = $1 AND ($2::uuid IS NULL OR b.owner_id = $2) "
                               "FOR UPDATE OF o"
                             : "SELECT " OUTLET_COLS " FROM business.outlets o "
                               "JOIN business.businesses b ON b.id = o.business_id "
                               "WHERE o.id = $1 AND ($2::uuid IS NULL OR b.owner_id = $2)",
                        2, p, outlet_from_row, ret);
}

static void updated_from_row(const PGresult *r, int row, void *ret)
{
    *(int64_t *)ret = db_cell_i64(r, row, 0);
}

int business_store_outlet_update(PGconn *c, struct business_outlet *o)
{
    if (!uuid_valid(o->id))
        return OF_ENOTFOUND;
    struct db_num lat = db_num_f64(o->lat), lng = db_num_f64(o->lng),
                  sla = db_num_i64(o->approval_sla_s), ver = db_num_i64(o->version);
    const char *p[] = {o->id,
                       o->name,
                       o->address,
                       lat.s,
                       lng.s,
                       o->is_open ? "t" : "f",
                       o->auto_approve ? "t" : "f",
                       sla.s,
                       ver.s};
    return db_query_one(c,
                        "UPDATE business.outlets SET name = $2, address = $3, lat = $4::float8, "
                        "lng = $5::float8, is_open = $6::boolean, auto_approve = $7::boolean, "
                        "approval_sla_s = $8::int, version = $9::bigint, updated_at = now() "
                        "WHERE id = $1 RETURNING " MS("updated_at"),
                        9, p, updated_from_row, &o->updated_ms);
}

/* ---- The order queue ---- */

#define QUEUE_COLS                                                                                 \
    "order_id, outlet_id, customer_id, coalesce(reservation_id::text, ''), trace_id, status, "     \
    "lines::text, total_minor, currency, drop_lat, drop_lng, coalesce(drop_line1, ''), "           \
    "coalesce(drop_city, ''), placed_ms, due_ms, coalesce(decided_ms, 0), "                        \
    "coalesce(decision = 'APPROVED', false), auto, coalesce(prep_time_min, 0), "                   \
    "coalesce(reject_reason, ''), coalesce(note, ''), coalesce(cancelled_ms, 0)"

/* Fills *e from a row; the lines that do not parse (they cannot: jsonb gives JSON text) are an
 * empty array. */
static void entry_from_row(const PGresult *r, int row, void *ret)
{
    struct business_queue_entry *e = ret;
    memset(e, 0, sizeof *e);
    db_cell_text(r, row, 0, e->order_id, sizeof e->order_id);
    db_cell_text(r, row, 1, e->outlet_id, sizeof e->outlet_id);
    db_cell_text(r, row, 2, e->customer_id, sizeof e->customer_id);
    db_cell_text(r, row, 3, e->reservation_id, sizeof e->reservation_id);
    db_cell_text(r, row, 4, e->trace_id, sizeof e->trace_id);
    if (business_state_status_parse(PQgetvalue(r, row, 5), &e->status) != OF_OK)
        e->status = BUSINESS_STATUS_COUNT; /* the CHECK constraint rules it out */
    e->lines = json_loads(PQgetvalue(r, row, 6), JSON_REJECT_DUPLICATES, NULL);
    if (!e->lines)
        e->lines = json_array();
    e->total_minor = db_cell_i64(r, row, 7);
    db_cell_text(r, row, 8, e->currency, sizeof e->currency);
    e->drop_off.lat = db_cell_f64(r, row, 9);
    e->drop_off.lng = db_cell_f64(r, row, 10);
    db_cell_text(r, row, 11, e->drop_off.line1, sizeof e->drop_off.line1);
    db_cell_text(r, row, 12, e->drop_off.city, sizeof e->drop_off.city);
    e->placed_ms = db_cell_i64(r, row, 13);
    e->due_ms = db_cell_i64(r, row, 14);
    e->decided_ms = db_cell_i64(r, row, 15);
    e->approved = db_cell_bool(r, row, 16);
    e->auto_approved = db_cell_bool(r, row, 17);
    e->prep_time_min = (int)db_cell_i64(r, row, 18);
    if (business_state_reason_parse(PQgetvalue(r, row, 19), &e->reason) != OF_OK)
        e->reason = BUSINESS_REASON_NONE;
    db_cell_text(r, row, 20, e->note, sizeof e->note);
    e->cancelled_ms = db_cell_i64(r, row, 21);
}

int business_store_queue_insert(PGconn *c, const struct business_queue_entry *e, bool *ret_created)
{
    char *lines = json_dumps(e->lines, JSON_COMPACT);
    if (!lines)
        return OF_EPERMANENT;
    struct db_num total = db_num_i64(e->total_minor), lat = db_num_f64(e->drop_off.lat),
                  lng = db_num_f64(e->drop_off.lng), placed = db_num_i64(e->placed_ms),
                  due = db_num_i64(e->due_ms);
    const char *p[] = {e->order_id,
                       e->outlet_id,
                       e->customer_id,
                       e->reservation_id[0] ? e->reservation_id : NULL,
                       e->trace_id,
                       lines,
                       total.s,
                       e->currency,
                       lat.s,
                       lng.s,
                       e->drop_off.line1[0] ? e->drop_off.line1 : NULL,
                       e->drop_off.city[0] ? e->drop_off.city : NULL,
                       placed.s,
                       due.s};
    PGresult *r;
    int rc = db_exec(c,
                     "INSERT INTO business.order_queue (order_id, outlet_id, customer_id, "
                     "reservation_id, trace_id, status, lines, total_minor, currency, drop_lat, "
                     "drop_lng, drop_line1, drop_city, placed_ms, due_ms) "
                     "VALUES ($1, $2, $3, $4::uuid, $5, 'PENDING', $6::jsonb, $7::bigint, $8, "
                     "$9::float8, $10::float8, $11, $12, $13::bigint, $14::bigint) "
                     "ON CONFLICT (order_id) DO NOTHING",
                     14, p, &r, NULL, 0);
    free(lines);
    if (rc != OF_OK)
        return rc;
    *ret_created = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    return OF_OK;
}

int business_store_queue_get(PGconn *c, const char *order_id, const char *outlet_id, bool lock,
                             struct business_queue_entry *ret)
{
    if (!uuid_valid(order_id) || (outlet_id && !uuid_valid(outlet_id)))
        return OF_ENOTFOUND;
    const char *p[] = {order_id, outlet_id};
    struct business_queue_entry e;
    int rc = db_query_one(c,
                          lock ? "SELECT " QUEUE_COLS " FROM business.order_queue "
                                 "WHERE order_id = $1 AND ($2::uuid IS NULL OR outlet_id = $2) "
                                 "FOR UPDATE"
                               : "SELECT " QUEUE_COLS " FROM business.order_queue "
                                 "WHERE order_id = $1 AND ($2::uuid IS NULL OR outlet_id = $2)",
                          2, p, entry_from_row, &e);
    if (rc == OF_OK)
        *ret = e;
    return rc;
}

int business_store_queue_save(PGconn *c, const struct business_queue_entry *e)
{
    const char *status = business_state_status_name(e->status);
    if (!status)
        return OF_EPERMANENT;
    bool decided = e->decided_ms != 0;
    struct db_num decided_ms = db_num_i64(e->decided_ms), prep = db_num_i64(e->prep_time_min),
                  cancelled = db_num_i64(e->cancelled_ms);
    const char *p[] = {e->order_id,
                       status,
                       decided ? (e->approved ? "APPROVED" : "REJECTED") : NULL,
                       decided ? decided_ms.s : NULL,
                       e->auto_approved ? "t" : "f",
                       decided && e->approved ? prep.s : NULL,
                       decided && !e->approved ? business_state_reason_name(e->reason) : NULL,
                       e->note[0] ? e->note : NULL,
                       e->cancelled_ms ? cancelled.s : NULL};
    return db_exec_one(c,
                       "UPDATE business.order_queue SET status = $2, decision = $3, "
                       "decided_ms = $4::bigint, auto = $5::boolean, prep_time_min = $6::int, "
                       "reject_reason = $7, note = $8, cancelled_ms = $9::bigint, "
                       "updated_at = now() WHERE order_id = $1",
                       9, p);
}

int business_store_queue_page(PGconn *c, const char *outlet_id,
                              const struct business_queue_query *q,
                              struct business_queue_entry **ret, size_t *ret_n)
{
    *ret = NULL;
    *ret_n = 0;
    if (!uuid_valid(outlet_id))
        return OF_OK;
    struct db_num after = db_num_i64(q->cursor.placed_ms), limit = db_num_i64(q->limit + 1);
    const char *p[] = {outlet_id, q->has_status ? business_state_status_name(q->status) : NULL,
                       q->has_cursor ? after.s : NULL, q->has_cursor ? q->cursor.order_id : NULL,
                       limit.s};
    PGresult *r;
    int rc = db_exec(c,
                     "SELECT " QUEUE_COLS " FROM business.order_queue WHERE outlet_id = $1 "
                     "AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR "
                     "(placed_ms, order_id) > ($3::bigint, $4::uuid)) "
                     "ORDER BY placed_ms, order_id LIMIT $5::int",
                     5, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    size_t n = (size_t)PQntuples(r);
    struct business_queue_entry *list = n ? xcalloc(n, sizeof *list) : NULL;
    for (size_t i = 0; i < n; i++)
        entry_from_row(r, (int)i, &list[i]);
    PQclear(r);
    *ret = list;
    *ret_n = n;
    return OF_OK;
}

static void count_from_row(const PGresult *r, int row, void *ret)
{
    *(int64_t *)ret = db_cell_i64(r, row, 0);
}

int business_store_queue_pending(PGconn *c, int64_t *ret)
{
    return db_query_one(c, "SELECT count(*) FROM business.order_queue WHERE status = 'PENDING'", 0,
                        NULL, count_from_row, ret);
}
