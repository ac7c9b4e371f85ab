/* order-svc persistence (see order_store.h). */
#include "order_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/outlet_store.h"
#include "common/jsonout.h"
#include "common/xalloc.h"

#define MS(col)  "(extract(epoch FROM " col ") * 1000)::bigint"
#define MS0(col) "coalesce(" MS(col) ", 0)"
#define ORDER_COLS                                                                                 \
    "id, customer_id, outlet_id, coalesce(owner_id::text, ''), idempotency_key, fingerprint, "     \
    "status, payment_method, coalesce(payment_token, ''), coalesce(payment_id::text, ''), "        \
    "coalesce(reservation_id::text, ''), total_minor IS NOT NULL, coalesce(total_minor, 0), "      \
    "coalesce(currency, ''), coalesce(reason, ''), coalesce(stage, ''), "                          \
    "(drop_off->>'lat')::float8, (drop_off->>'lng')::float8, drop_off->>'line1', "                 \
    "drop_off->>'city', trace_id, " MS("created_at") ", " MS("updated_at") ", " MS0(               \
        "awaiting_payment_at") ", " MS0("placed_at") ", " MS0("approved_at")
#define TIMELINE_COLS                                                                              \
    "event, coalesce(event_id::text, ''), coalesce(from_state, ''), to_state, disposition, "       \
    "coalesce(reason, ''), " MS("at")
#define SUMMARY_COLS                                                                               \
    "id, customer_id, outlet_id, status, total_minor IS NOT NULL, coalesce(total_minor, 0), "      \
    "coalesce(currency, ''), " MS("created_at") ", " MS("updated_at")
#define LINE_COLS                                                                                  \
    "item_id, qty, sku IS NOT NULL, coalesce(sku, ''), coalesce(name, ''), "                       \
    "coalesce(unit_price_minor, 0), coalesce(line_total_minor, 0)"

/* A real in its shortest round-trip form ("" when it cannot be written: the statement then
 * fails on the cast, which is an internal error). */
static void real_text(double d, char ret[JSONOUT_REAL_SIZE])
{
    if (jsonout_real(d, ret) < 0)
        ret[0] = '\0';
}

/* ---- Read models ---- */

int order_store_address_upsert(PGconn *c, const struct order_address *a)
{
    char lat[JSONOUT_REAL_SIZE], lng[JSONOUT_REAL_SIZE];
    real_text(a->at.lat, lat);
    real_text(a->at.lng, lng);
    const char *p[] = {a->id, a->account_id, a->at.line1,           a->at.city,
                       lat,   lng,           a->deleted ? "t" : "f"};
    return db_exec(
        c,
        "INSERT INTO orders.addresses AS a (id, account_id, line1, city, lat, lng, deleted) "
        "VALUES ($1, $2, $3, $4, $5::float8, $6::float8, $7::boolean) "
        "ON CONFLICT (id) DO UPDATE SET line1 = excluded.line1, city = excluded.city, "
        "lat = excluded.lat, lng = excluded.lng, deleted = a.deleted OR excluded.deleted, "
        "updated_at = now() WHERE a.account_id = excluded.account_id",
        7, p, NULL, NULL, 0);
}

int order_store_address_get(PGconn *c, const char *id, const char *account_id,
                            struct order_address *ret)
{
    if (!uuid_valid(id) || !uuid_valid(account_id))
        return OF_ENOTFOUND;
    const char *p[] = {id, account_id};
    PGresult *r;
    int rc = db_exec(c,
                     "SELECT id, account_id, line1, city, lat, lng FROM orders.addresses "
                     "WHERE id = $1 AND account_id = $2 AND NOT deleted",
                     2, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    if (PQntuples(r) == 1) {
        db_cell_text(r, 0, 0, ret->id, sizeof ret->id);
        db_cell_text(r, 0, 1, ret->account_id, sizeof ret->account_id);
        db_cell_text(r, 0, 2, ret->at.line1, sizeof ret->at.line1);
        db_cell_text(r, 0, 3, ret->at.city, sizeof ret->at.city);
        ret->at.lat = db_cell_f64(r, 0, 4);
        ret->at.lng = db_cell_f64(r, 0, 5);
        ret->deleted = false;
    } else {
        rc = OF_ENOTFOUND;
    }
    PQclear(r);
    return rc;
}

int order_store_outlet_get(PGconn *c, const char *id, struct outlet_ref *ret)
{
    return outlet_store_get(c, "orders", id, ret);
}

/* ---- Orders ---- */

/* The drop-off as the jsonb column holds it. */
static char *drop_off_text(const struct order_drop_off *d)
{
    json_t *j = json_pack("{s:f, s:f, s:s, s:s}", "lat", d->lat, "lng", d->lng, "line1", d->line1,
                          "city", d->city);
    char *s = j ? jsonout_dumps(j, JSON_COMPACT, NULL) : NULL;
    json_decref(j);
    return s;
}

static int lines_insert(PGconn *c, const struct order *o)
{
    for (size_t i = 0; i < o->n_lines; i++) {
        char no[24], qty[16];
        snprintf(no, sizeof no, "%zu", i);
        snprintf(qty, sizeof qty, "%d", o->lines[i].qty);
        const char *p[] = {o->id, no, o->lines[i].item_id, qty};
        int rc = db_exec(c,
                         "INSERT INTO orders.order_lines (order_id, line_no, item_id, qty) "
                         "VALUES ($1, $2::smallint, $3, $4::integer)",
                         4, p, NULL, NULL, 0);
        if (rc != OF_OK)
            return rc;
    }
    return OF_OK;
}

int order_store_insert(PGconn *c, struct order *o, bool *ret_created)
{
    const char *method = order_method_name(o->method);
    char *drop = drop_off_text(&o->drop_off);
    if (!drop || !method) {
        free(drop);
        return OF_EPERMANENT;
    }
    const char *p[] = {o->id,
                       o->customer_id,
                       o->outlet_id,
                       o->owner_id[0] ? o->owner_id : NULL,
                       o->idempotency_key,
                       o->fingerprint,
                       method,
                       o->token,
                       drop,
                       o->trace_id};
    PGresult *r;
    int rc = db_exec(c,
                     "INSERT INTO orders.orders (id, customer_id, outlet_id, owner_id, "
                     "idempotency_key, fingerprint, status, payment_method, payment_token, "
                     "drop_off, trace_id) "
                     "VALUES ($1, $2, $3, $4::uuid, $5, $6, 'CREATED', $7, $8, $9::jsonb, $10) "
                     "ON CONFLICT (customer_id, idempotency_key) DO NOTHING "
                     "RETURNING " MS("created_at"),
                     10, p, &r, NULL, 0);
    free(drop);
    if (rc != OF_OK)
        return rc;
    *ret_created = PQntuples(r) == 1;
    if (*ret_created)
        o->created_ms = o->updated_ms = db_cell_i64(r, 0, 0);
    PQclear(r);
    return *ret_created ? lines_insert(c, o) : OF_OK;
}

int order_store_find_key(PGconn *c, const char *customer_id, const char *key,
                         char ret_id[UUID_STR_LEN], char ret_fingerprint[IDEM_FP_LEN])
{
    const char *p[] = {customer_id, key};
    PGresult *r;
    int rc = db_exec(c,
                     "SELECT id, fingerprint FROM orders.orders "
                     "WHERE customer_id = $1 AND idempotency_key = $2",
                     2, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    if (PQntuples(r) == 1) {
        db_cell_text(r, 0, 0, ret_id, UUID_STR_LEN);
        db_cell_text(r, 0, 1, ret_fingerprint, IDEM_FP_LEN);
    } else {
        rc = OF_ENOTFOUND;
    }
    PQclear(r);
    return rc;
}

static int order_from_row(const PGresult *r, struct order *o)
{
    db_cell_text(r, 0, 0, o->id, sizeof o->id);
    db_cell_text(r, 0, 1, o->customer_id, sizeof o->customer_id);
    db_cell_text(r, 0, 2, o->outlet_id, sizeof o->outlet_id);
    db_cell_text(r, 0, 3, o->owner_id, sizeof o->owner_id);
    db_cell_text(r, 0, 4, o->idempotency_key, sizeof o->idempotency_key);
    db_cell_text(r, 0, 5, o->fingerprint, sizeof o->fingerprint);
    if (order_state_from_name(PQgetvalue(r, 0, 6), &o->state) != OF_OK ||
        order_method_from_name(PQgetvalue(r, 0, 7), &o->method) != OF_OK)
        return OF_EPERMANENT;
    db_cell_text(r, 0, 8, o->token, sizeof o->token);
    db_cell_text(r, 0, 9, o->payment_id, sizeof o->payment_id);
    db_cell_text(r, 0, 10, o->reservation_id, sizeof o->reservation_id);
    o->has_total = db_cell_bool(r, 0, 11);
    o->total_minor = db_cell_i64(r, 0, 12);
    db_cell_text(r, 0, 13, o->currency, sizeof o->currency);
    db_cell_text(r, 0, 14, o->reason, sizeof o->reason);
    db_cell_text(r, 0, 15, o->stage, sizeof o->stage);
    o->drop_off.lat = db_cell_f64(r, 0, 16);
    o->drop_off.lng = db_cell_f64(r, 0, 17);
    db_cell_text(r, 0, 18, o->drop_off.line1, sizeof o->drop_off.line1);
    db_cell_text(r, 0, 19, o->drop_off.city, sizeof o->drop_off.city);
    db_cell_text(r, 0, 20, o->trace_id, sizeof o->trace_id);
    o->created_ms = db_cell_i64(r, 0, 21);
    o->updated_ms = db_cell_i64(r, 0, 22);
    o->awaiting_ms = db_cell_i64(r, 0, 23);
    o->placed_ms = db_cell_i64(r, 0, 24);
    o->approved_ms = db_cell_i64(r, 0, 25);
    return OF_OK;
}

/* The lines from the columns after the order's (one row per line, ordered by line_no). */
static void lines_from_rows(const PGresult *r, int col, struct order *o)
{
    int n = PQntuples(r);
    o->n_lines = 0;
    for (int i = 0; i < n && i < ORDER_LINES_MAX; i++) {
        struct order_line *l = &o->lines[i];
        db_cell_text(r, i, col, l->item_id, sizeof l->item_id);
        l->qty = (int)db_cell_i64(r, i, col + 1);
        l->priced = db_cell_bool(r, i, col + 2);
        db_cell_text(r, i, col + 3, l->sku, sizeof l->sku);
        db_cell_text(r, i, col + 4, l->name, sizeof l->name);
        l->unit_price_minor = db_cell_i64(r, i, col + 5);
        l->line_total_minor = db_cell_i64(r, i, col + 6);
        o->n_lines++;
    }
}

/* The order's columns and its lines', one row per line (every order has one at least): one
 * round trip where the consumer's step used to make two. FOR UPDATE OF o locks the order row
 * only. */
#define GET_SQL                                                                                    \
    "SELECT " ORDER_COLS ", " LINE_COLS " FROM orders.orders AS o "                                \
    "JOIN orders.order_lines AS l ON l.order_id = o.id WHERE o.id = $1 ORDER BY l.line_no"
#define ORDER_N_COLS 26

int order_store_get(PGconn *c, const char *id, bool for_update, struct order *ret)
{
    if (!uuid_valid(id))
        return OF_ENOTFOUND;
    const char *p[] = {id};
    PGresult *r;
    int rc = db_exec(c, for_update ? GET_SQL " FOR UPDATE OF o" : GET_SQL, 1, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    if (PQntuples(r) >= 1 && PQnfields(r) == ORDER_N_COLS + 7) {
        rc = order_from_row(r, ret);
        if (rc == OF_OK)
            lines_from_rows(r, ORDER_N_COLS, ret);
    } else {
        rc = OF_ENOTFOUND;
    }
    PQclear(r);
    return rc;
}

/* A Unix-ms time as a parameter, NULL for 0. */
static const char *ms_param(int64_t ms, char buf[32])
{
    if (ms <= 0)
        return NULL;
    snprintf(buf, 32, "%" PRId64, ms);
    return buf;
}

/* The priced lines as json_to_recordset() reads them, NULL when none is priced. */
static char *priced_lines_json(const struct order *o)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < o->n_lines; i++) {
        const struct order_line *l = &o->lines[i];
        if (l->priced &&
            json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I, s:I}", "item_id", l->item_id,
                                               "sku", l->sku, "name", l->name, "unit_price_minor",
                                               (json_int_t)l->unit_price_minor, "line_total_minor",
                                               (json_int_t)l->line_total_minor)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    char *text = a && json_array_size(a) > 0 ? jsonout_dumps(a, JSON_COMPACT, NULL) : NULL;
    json_decref(a);
    return text;
}

/* One statement, one round trip: the order's row, its priced lines ($14: a JSON array, or NULL)
 * and a timeline entry ($15..$20, none when $15 is NULL). */
#define SAVE_SQL                                                                                   \
    "WITH o AS (UPDATE orders.orders SET status = $2, payment_token = $3, "                        \
    "payment_id = $4::uuid, reservation_id = $5::uuid, total_minor = $6::bigint, "                 \
    "currency = $7, reason = $8, stage = $9, "                                                     \
    "updated_at = timestamptz 'epoch' + $10::bigint * interval '1 ms', "                           \
    "awaiting_payment_at = timestamptz 'epoch' + $11::bigint * interval '1 ms', "                  \
    "placed_at = timestamptz 'epoch' + $12::bigint * interval '1 ms', "                            \
    "approved_at = timestamptz 'epoch' + $13::bigint * interval '1 ms' "                           \
    "WHERE id = $1::uuid RETURNING id), "                                                          \
    "l AS (UPDATE orders.order_lines AS l SET sku = v.sku, name = v.name, "                        \
    "unit_price_minor = v.unit_price_minor, line_total_minor = v.line_total_minor "                \
    "FROM json_to_recordset($14::json) AS v(item_id uuid, sku text, name text, "                   \
    "unit_price_minor bigint, line_total_minor bigint) "                                           \
    "WHERE l.order_id = $1::uuid AND l.item_id = v.item_id RETURNING 1) "                          \
    "INSERT INTO orders.timeline (order_id, event, event_id, from_state, to_state, disposition, "  \
    "reason) SELECT o.id, $15, $16::uuid, $17, $18, $19, $20 FROM o WHERE $15::text IS NOT NULL"

int order_store_save(PGconn *c, const struct order *o, bool lines,
                     const struct order_timeline_entry *e)
{
    char total[32], updated[32], awaiting[32], placed[32], approved[32];
    snprintf(total, sizeof total, "%" PRId64, o->total_minor);
    char *priced = lines ? priced_lines_json(o) : NULL;
    if (lines && !priced)
        return OF_EPERMANENT; /* the step priced the lines: there must be some */
    const char *p[] = {o->id,
                       order_state_name(o->state),
                       o->token[0] ? o->token : NULL,
                       o->payment_id[0] ? o->payment_id : NULL,
                       o->reservation_id[0] ? o->reservation_id : NULL,
                       o->has_total ? total : NULL,
                       o->currency[0] ? o->currency : NULL,
                       o->reason[0] ? o->reason : NULL,
                       o->stage[0] ? o->stage : NULL,
                       ms_param(o->updated_ms, updated),
                       ms_param(o->awaiting_ms, awaiting),
                       ms_param(o->placed_ms, placed),
                       ms_param(o->approved_ms, approved),
                       priced,
                       e ? e->event : NULL,
                       e && e->event_id[0] ? e->event_id : NULL,
                       e && e->from[0] ? e->from : NULL,
                       e ? e->to : NULL,
                       e ? e->disposition : NULL,
                       e && e->reason[0] ? e->reason : NULL};
    int rc = OF_EPERMANENT;
    if (p[1] && p[9])
        rc = db_exec(c, SAVE_SQL, 20, p, NULL, NULL, 0);
    free(priced);
    return rc;
}

int order_store_timeline_add(PGconn *c, const char *order_id, const struct order_timeline_entry *e)
{
    const char *p[] = {
        order_id, e->event,       e->event_id[0] ? e->event_id : NULL, e->from[0] ? e->from : NULL,
        e->to,    e->disposition, e->reason[0] ? e->reason : NULL};
    return db_exec(c,
                   "INSERT INTO orders.timeline (order_id, event, event_id, from_state, to_state, "
                   "disposition, reason) VALUES ($1, $2, $3::uuid, $4, $5, $6, $7)",
                   7, p, NULL, NULL, 0);
}

int order_store_timeline_list(PGconn *c, const char *order_id, struct order_timeline_entry **ret,
                              size_t *ret_n)
{
    char limit[16];
    snprintf(limit, sizeof limit, "%d", ORDER_TIMELINE_MAX);
    const char *p[] = {order_id, limit};
    PGresult *r;
    int rc = db_exec(c,
                     "SELECT " TIMELINE_COLS " FROM orders.timeline WHERE order_id = $1 "
                     "ORDER BY id LIMIT $2::integer",
                     2, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    int n = PQntuples(r);
    struct order_timeline_entry *list = xcalloc(n > 0 ? (size_t)n : 1, sizeof *list);
    for (int i = 0; i < n; i++) {
        db_cell_text(r, i, 0, list[i].event, sizeof list[i].event);
        db_cell_text(r, i, 1, list[i].event_id, sizeof list[i].event_id);
        db_cell_text(r, i, 2, list[i].from, sizeof list[i].from);
        db_cell_text(r, i, 3, list[i].to, sizeof list[i].to);
        db_cell_text(r, i, 4, list[i].disposition, sizeof list[i].disposition);
        db_cell_text(r, i, 5, list[i].reason, sizeof list[i].reason);
        list[i].at_ms = db_cell_i64(r, i, 6);
    }
    PQclear(r);
    *ret = list;
    *ret_n = (size_t)n;
    return OF_OK;
}

int order_store_page(PGconn *c, const char *customer_id, const struct order_query *q,
                     struct order_summary **ret, size_t *ret_n)
{
    char limit[16], after_ms[32];
    snprintf(limit, sizeof limit, "%d", q->limit + 1);
    snprintf(after_ms, sizeof after_ms, "%" PRId64, q->cursor.ms);
    const char *p[] = {customer_id, q->has_status ? order_state_name(q->status) : NULL,
                       q->has_cursor ? after_ms : NULL, q->has_cursor ? q->cursor.id : NULL, limit};
    PGresult *r;
    int rc = db_exec(c,
                     "SELECT " SUMMARY_COLS " FROM orders.orders "
                     "WHERE ($1::uuid IS NULL OR customer_id = $1::uuid) "
                     "AND ($2::text IS NULL OR status = $2) "
                     "AND ($3::bigint IS NULL OR (created_at, id) < "
                     "(timestamptz 'epoch' + $3::bigint * interval '1 ms', $4::uuid)) "
                     "ORDER BY created_at DESC, id DESC LIMIT $5::integer",
                     5, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    int n = PQntuples(r);
    struct order_summary *list = xcalloc(n > 0 ? (size_t)n : 1, sizeof *list);
    for (int i = 0; i < n; i++) {
        db_cell_text(r, i, 0, list[i].id, sizeof list[i].id);
        db_cell_text(r, i, 1, list[i].customer_id, sizeof list[i].customer_id);
        db_cell_text(r, i, 2, list[i].outlet_id, sizeof list[i].outlet_id);
        if (order_state_from_name(PQgetvalue(r, i, 3), &list[i].state) != OF_OK)
            rc = OF_EPERMANENT;
        list[i].has_total = db_cell_bool(r, i, 4);
        list[i].total_minor = db_cell_i64(r, i, 5);
        db_cell_text(r, i, 6, list[i].currency, sizeof list[i].currency);
        list[i].created_ms = db_cell_i64(r, i, 7);
        list[i].updated_ms = db_cell_i64(r, i, 8);
    }
    PQclear(r);
    if (rc != OF_OK) {
        free(list);
        return rc;
    }
    *ret = list;
    *ret_n = (size_t)n;
    return OF_OK;
}

int order_store_state_counts(PGconn *c, int64_t ret[ORDER_STATE_COUNT])
{
    PGresult *r;
    int rc = db_exec(c, "SELECT status, count(*) FROM orders.orders GROUP BY status", 0, NULL, &r,
                     NULL, 0);
    if (rc != OF_OK)
        return rc;
    for (int i = 0; i < ORDER_STATE_COUNT; i++)
        ret[i] = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        enum order_state s;
        if (order_state_from_name(PQgetvalue(r, i, 0), &s) == OF_OK)
            ret[s] = db_cell_i64(r, i, 1);
    }
    PQclear(r);
    return OF_OK;
}
