/* notification-svc storage (see notification_store.h). */
#include "notification_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/xalloc.h"

#define MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"

/* ---- The read model ---- */

int notification_store_order_upsert(PGconn *c, const struct notification_event *ev)
{
    char *lines = ev->lines ? json_dumps(ev->lines, JSON_COMPACT) : NULL;
    struct db_num total = db_num_i64(ev->total_minor);
    bool placed = ev->lines != NULL;
    const char *p[] = {ev->order_id,
                       ev->customer_id,
                       db_text_or_null(ev->outlet_id),
                       lines,
                       placed ? total.s : NULL,
                       db_text_or_null(ev->currency),
                       placed ? ev->at : NULL};
    int rc =
        db_exec(c,
                "INSERT INTO notification.orders (order_id, customer_id, outlet_id, lines, "
                "total_minor, currency, placed_at) VALUES ($1, $2, $3::uuid, $4::jsonb, "
                "$5::bigint, $6, $7::timestamptz) ON CONFLICT (order_id) DO UPDATE SET "
                "outlet_id = COALESCE(EXCLUDED.outlet_id, orders.outlet_id), "
                "lines = COALESCE(EXCLUDED.lines, orders.lines), "
                "total_minor = COALESCE(EXCLUDED.total_minor, orders.total_minor), "
                "currency = COALESCE(EXCLUDED.currency, orders.currency), "
                "placed_at = COALESCE(EXCLUDED.placed_at, orders.placed_at), updated_at = now()",
                7, p, NULL, NULL, 0);
    free(lines);
    return rc;
}

int notification_store_order_outlet(PGconn *c, const char *order_id, const char *name)
{
    const char *p[] = {order_id, name};
    return db_exec(c,
                   "UPDATE notification.orders SET outlet_name = $2, updated_at = now() "
                   "WHERE order_id = $1",
                   2, p, NULL, NULL, 0);
}

int notification_store_order_refund(PGconn *c, const char *order_id, long long amount_minor)
{
    struct db_num a = db_num_i64(amount_minor);
    const char *p[] = {order_id, a.s};
    return db_exec(c,
                   "UPDATE notification.orders SET refunded_minor = refunded_minor + $2::bigint, "
                   "updated_at = now() WHERE order_id = $1",
                   2, p, NULL, NULL, 0);
}

int notification_store_order_delivered(PGconn *c, const char *order_id, const char *at)
{
    const char *p[] = {order_id, at};
    return db_exec(c,
                   "UPDATE notification.orders SET delivered_at = COALESCE(delivered_at, "
                   "$2::timestamptz), updated_at = now() WHERE order_id = $1",
                   2, p, NULL, NULL, 0);
}

int notification_store_order_get(PGconn *c, const char *order_id, struct notification_order *ret)
{
    const char *p[] = {order_id};
    PGresult *r;
    int rc = db_exec(c,
                     "SELECT order_id, customer_id, COALESCE(outlet_id::text, ''), "
                     "COALESCE(outlet_name, ''), COALESCE(lines, '[]'::jsonb)::text, "
                     "COALESCE(total_minor, 0), COALESCE(currency, ''), refunded_minor, "
                     "COALESCE(" MS("placed_at") ", 0), COALESCE(" MS(
                         "delivered_at") ", 0) "
                                         "FROM notification.orders WHERE order_id = $1",
                     1, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return OF_ENOTFOUND;
    }
    struct notification_order o = {0};
    db_cell_text(r, 0, 0, o.order_id, sizeof o.order_id);
    db_cell_text(r, 0, 1, o.customer_id, sizeof o.customer_id);
    db_cell_text(r, 0, 2, o.outlet_id, sizeof o.outlet_id);
    db_cell_text(r, 0, 3, o.outlet_name, sizeof o.outlet_name);
    o.lines = json_loads(PQgetvalue(r, 0, 4), 0, NULL);
    o.total_minor = db_cell_i64(r, 0, 5);
    db_cell_text(r, 0, 6, o.currency, sizeof o.currency);
    o.refunded_minor = db_cell_i64(r, 0, 7);
    o.placed_ms = db_cell_i64(r, 0, 8);
    o.delivered_ms = db_cell_i64(r, 0, 9);
    PQclear(r);
    *ret = o;
    return OF_OK;
}

/* ---- Notifications ---- */

#define COLS                                                                                       \
    "id, customer_id, order_id, event_type, event_id, channel, body, status, attempts, "           \
    "COALESCE(last_error, ''), " MS("created_at") ", COALESCE(" MS("sent_at") ", 0)"

static void from_row(const PGresult *r, int row, void *ret)
{
    struct notification *n = ret;
    memset(n, 0, sizeof *n);
    db_cell_text(r, row, 0, n->id, sizeof n->id);
    db_cell_text(r, row, 1, n->customer_id, sizeof n->customer_id);
    db_cell_text(r, row, 2, n->order_id, sizeof n->order_id);
    db_cell_text(r, row, 3, n->event_type, sizeof n->event_type);
    db_cell_text(r, row, 4, n->event_id, sizeof n->event_id);
    db_cell_text(r, row, 5, n->channel, sizeof n->channel);
    db_cell_text(r, row, 6, n->body, sizeof n->body);
    db_cell_text(r, row, 7, n->status, sizeof n->status);
    n->attempts = (int)db_cell_i64(r, row, 8);
    db_cell_text(r, row, 9, n->last_error, sizeof n->last_error);
    n->created_ms = db_cell_i64(r, row, 10);
    n->sent_ms = db_cell_i64(r, row, 11);
}

static void bool_from_row(const PGresult *r, int row, void *ret)
{
    *(bool *)ret = db_cell_bool(r, row, 0);
}

int notification_store_has_kind(PGconn *c, const char *order_id, const char *kinds, bool *ret)
{
    const char *p[] = {order_id, kinds};
    return db_query_one(c,
                        "SELECT EXISTS (SELECT 1 FROM notification.notifications WHERE "
                        "order_id = $1 AND event_type = ANY ($2::text[]))",
                        2, p, bool_from_row, ret);
}

int notification_store_insert(PGconn *c, struct notification *n, bool *ret_created)
{
    uuid_v7(n->id);
    const char *p[] = {n->id,       n->customer_id, n->order_id, n->event_type,
                       n->event_id, n->channel,     n->body};
    PGresult *r;
    int rc = db_exec(c,
                     "INSERT INTO notification.notifications (id, customer_id, order_id, "
                     "event_type, event_id, channel, body) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                     "ON CONFLICT (order_id, event_type) DO NOTHING RETURNING " MS("created_at"),
                     7, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    *ret_created = PQntuples(r) == 1;
    if (*ret_created)
        n->created_ms = db_cell_i64(r, 0, 0);
    PQclear(r);
    return OF_OK;
}

int notification_store_get(PGconn *c, const char *id, const char *owner, bool lock,
                           struct notification *ret)
{
    const char *p[] = {id, owner};
    return db_query_one(c,
                        lock ? "SELECT " COLS " FROM notification.notifications WHERE id = $1 AND "
                               "($2::uuid IS NULL OR customer_id = $2::uuid) FOR UPDATE"
                             : "SELECT " COLS " FROM notification.notifications WHERE id = $1 AND "
                               "($2::uuid IS NULL OR customer_id = $2::uuid)",
                        2, p, from_row, ret);
}

int notification_store_save(PGconn *c, struct notification *n)
{
    char attempts[16];
    snprintf(attempts, sizeof attempts, "%d", n->attempts);
    const char *p[] = {n->id, n->status, attempts, db_text_or_null(n->last_error)};
    PGresult *r;
    int rc = db_exec(c,
                     "UPDATE notification.notifications SET status = $2, attempts = $3::int, "
                     "last_error = $4, sent_at = CASE WHEN $2 = 'SENT' THEN now() END "
                     "WHERE id = $1 RETURNING COALESCE(" MS("sent_at") ", 0)",
                     4, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    if (PQntuples(r) == 1)
        n->sent_ms = db_cell_i64(r, 0, 0);
    else
        rc = OF_ENOTFOUND;
    PQclear(r);
    return rc;
}

int notification_store_page(PGconn *c, const char *owner, const struct notification_query *q,
                            struct notification **ret_list, size_t *ret_n)
{
    struct db_num after = db_num_i64(q->after.ms), limit = db_num_i64(q->limit + 1);
    const char *p[] = {owner, q->has_cursor ? after.s : NULL, q->has_cursor ? q->after.id : NULL,
                       limit.s};
    PGresult *r;
    int rc = db_exec(c,
                     "SELECT " COLS " FROM notification.notifications WHERE customer_id = $1 AND "
                     "($2::bigint IS NULL OR (" MS(
                         "created_at") ", id) < ($2::bigint, $3::uuid)) "
                                       "ORDER BY " MS("created_at") " DESC, id DESC LIMIT $4::int",
                     4, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    size_t n = (size_t)PQntuples(r);
    struct notification *list = xcalloc(n ? n : 1, sizeof *list);
    for (size_t i = 0; i < n; i++)
        from_row(r, (int)i, &list[i]);
    PQclear(r);
    *ret_list = list;
    *ret_n = n;
    return OF_OK;
}
