/* inventory-svc persistence: outlets, items, adjustments and reservations in Postgres (see
 * inventory_store.h). */
#include "inventory_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/auth.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/outbox.h"
#include "common/outlet_store.h"
#include "common/xalloc.h"

#define ITEM_COLS                                                                                  \
    "id, outlet_id, sku, name, price_minor, currency, active, on_hand, reserved, confirmed, sold"
#define OUTLET_COLS "id, business_id, coalesce(owner_id::text, ''), is_open, coalesce(version, 0)"
#define RESERVATION_COLS                                                                           \
    "id, order_id, outlet_id, status, total_minor, coalesce(currency, ''), "                       \
    "coalesce((extract(epoch FROM expires_at) * 1000)::bigint, 0), coalesce(reason, ''), "         \
    "tombstone"
#define LINE_COLS "item_id, sku, name, qty, unit_price_minor, line_total_minor"

/* ---- Outlets ---- */

int inventory_store_outlet_get(PGconn *c, const char *id, struct outlet_ref *ret)
{
    return outlet_store_get(c, "inventory", id, ret);
}

int inventory_store_outlet_lock(PGconn *c, const char *outlet_id)
{
    char key[32];
    snprintf(key, sizeof key, "%" PRId64,
             outbox_lock_scoped("inventory", inventory_rules_outlet_lock_key(outlet_id)));
    const char *p[] = {key};
    return db_exec(c, "SELECT pg_advisory_xact_lock($1::bigint)", 1, p, NULL, NULL, 0);
}

/* ---- Items ---- */

static void item_from_row(const PGresult *r, int row, void *ret)
{
    struct inventory_item *it = ret;
    db_cell_text(r, row, 0, it->id, sizeof it->id);
    db_cell_text(r, row, 1, it->outlet_id, sizeof it->outlet_id);
    db_cell_text(r, row, 2, it->sku, sizeof it->sku);
    db_cell_text(r, row, 3, it->name, sizeof it->name);
    it->price_minor = db_cell_i64(r, row, 4);
    db_cell_text(r, row, 5, it->currency, sizeof it->currency);
    it->active = db_cell_bool(r, row, 6);
    it->stock = (struct inventory_stock){db_cell_i64(r, row, 7), db_cell_i64(r, row, 8),
                                         db_cell_i64(r, row, 9), db_cell_i64(r, row, 10)};
}

/* Runs a statement expected to return at most one item row. */
static int item_query(PGconn *c, const char *sql, int n, const char *const *p,
                      struct inventory_item *ret)
{
    return db_query_one(c, sql, n, p, item_from_row, ret);
}

/* Runs a statement returning item rows into a new array (NULL when empty). */
static int item_list(PGconn *c, const char *sql, int n, const char *const *p,
                     struct inventory_item **ret, size_t *ret_n)
{
    PGresult *r;
    int rc = db_exec(c, sql, n, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    size_t rows = (size_t)PQntuples(r);
    struct inventory_item *list = rows ? xcalloc(rows, sizeof *list) : NULL;
    for (size_t i = 0; i < rows; i++)
        item_from_row(r, (int)i, &list[i]);
    PQclear(r);
    *ret = list;
    *ret_n = rows;
    return OF_OK;
}

int inventory_store_item_insert(PGconn *c, struct inventory_item *it)
{
    char id[UUID_STR_LEN], price[32], on_hand[32];
    uuid_v7(id);
    snprintf(price, sizeof price, "%" PRId64, it->price_minor);
    snprintf(on_hand, sizeof on_hand, "%" PRId64, it->stock.on_hand);
    const char *p[] = {id,           it->outlet_id,          it->sku, it->name, price,
                       it->currency, it->active ? "t" : "f", on_hand};
    struct inventory_item stored;
    int rc = item_query(c,
                        "INSERT INTO inventory.items "
                        "(id, outlet_id, sku, name, price_minor, currency, active, on_hand) "
                        "VALUES ($1, $2, $3, $4, $5::bigint, $6, $7::boolean, $8::bigint) "
                        "RETURNING " ITEM_COLS,
                        8, p, &stored);
    if (rc == OF_OK)
        *it = stored;
    return rc;
}

int inventory_store_item_get(PGconn *c, const char *id, bool lock, struct inventory_item *ret)
{
    if (!uuid_valid(id))
        return OF_ENOTFOUND;
    const char *p[] = {id};
    return item_query(c,
                      lock ? "SELECT " ITEM_COLS " FROM inventory.items WHERE id = $1 FOR UPDATE"
                           : "SELECT " ITEM_COLS " FROM inventory.items WHERE id = $1",
                      1, p, ret);
}

int inventory_store_item_patch(PGconn *c, const char *id, const struct inventory_item_patch *patch,
                               struct inventory_item *ret)
{
    if (!uuid_valid(id))
        return OF_ENOTFOUND;
    char price[32];
    snprintf(price, sizeof price, "%" PRId64, patch->price_minor);
    const char *p[] = {id, patch->set_name ? patch->name : NULL, patch->set_price ? price : NULL,
                       patch->set_active ? (patch->active ? "t" : "f") : NULL};
    return item_query(c,
                      "UPDATE inventory.items SET name = coalesce($2, name), "
                      "price_minor = coalesce($3::bigint, price_minor), "
                      "active = coalesce($4::boolean, active), updated_at = now() "
                      "WHERE id = $1 RETURNING " ITEM_COLS,
                      4, p, ret);
}

int inventory_store_item_set_on_hand(PGconn *c, const char *id, int64_t on_hand,
                                     struct inventory_item *ret)
{
    if (!uuid_valid(id))
        return OF_ENOTFOUND;
    char v[32];
    snprintf(v, sizeof v, "%" PRId64, on_hand);
    const char *p[] = {id, v};
    return item_query(c,
                      "UPDATE inventory.items SET on_hand = $2::bigint, updated_at = now() "
                      "WHERE id = $1 RETURNING " ITEM_COLS,
                      2, p, ret);
}

int inventory_store_item_page(PGconn *c, const char *outlet_id, const char *after, int limit,
                              struct inventory_item **ret, size_t *ret_n, bool *ret_more)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit + 1); /* one more says whether a next page exists */
    const char *p[] = {outlet_id, after, lim};
    struct inventory_item *list;
    size_t n;
    int rc = item_list(c,
                       "SELECT " ITEM_COLS " FROM inventory.items WHERE outlet_id = $1 "
                       "AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3::int",
                       3, p, &list, &n);
    if (rc != OF_OK)
        return rc;
    *ret_more = n > (size_t)limit;
    *ret_n = n > (size_t)limit ? (size_t)limit : n;
    *ret = list;
    return OF_OK;
}

/* "{a,b,...}": a Postgres array literal of canonical UUIDs (which need no quoting). */
static char *uuid_array(const char *first, size_t stride, size_t n)
{
    struct buf b = {0};
    buf_puts(&b, "{");
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s%s", i ? "," : "", first + i * stride);
    buf_puts(&b, "}");
    return buf_steal(&b);
}

int inventory_store_items_get(PGconn *c, const char (*ids)[UUID_STR_LEN], size_t n,
                              struct inventory_item **ret, size_t *ret_n)
{
    char *arr = uuid_array(ids[0], UUID_STR_LEN, n);
    const char *p[] = {arr};
    int rc = item_list(c,
                       "SELECT " ITEM_COLS " FROM inventory.items WHERE id = ANY($1::uuid[]) "
                       "ORDER BY id",
                       1, p, ret, ret_n);
    free(arr);
    return rc;
}

int inventory_store_items_lock(PGconn *c, const char *outlet_id, const struct inventory_line *lines,
                               size_t n, struct inventory_item **ret, size_t *ret_n)
{
    char *arr = uuid_array(lines[0].item_id, sizeof lines[0], n);
    const char *p[] = {outlet_id, arr};
    int rc = item_list(c,
                       "SELECT " ITEM_COLS " FROM inventory.items "
                       "WHERE outlet_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE",
                       2, p, ret, ret_n);
    free(arr);
    return rc;
}

/* ---- The adjustment audit ---- */

int inventory_store_adjustment_insert(PGconn *c, struct inventory_adjustment *a)
{
    char v[5][32];
    snprintf(v[0], sizeof v[0], "%" PRId64, a->delta);
    snprintf(v[1], sizeof v[1], "%" PRId64, a->on_hand_before);
    snprintf(v[2], sizeof v[2], "%" PRId64, a->on_hand_after);
    snprintf(v[3], sizeof v[3], "%" PRId64, a->available_before);
    snprintf(v[4], sizeof v[4], "%" PRId64, a->available_after);
    const char *role = auth_role_name(a->actor_role);
    const char *p[] = {a->item_id, a->actor_id, role ? role : "", v[0], a->reason, v[1], v[2],
                       v[3],       v[4]};
    PGresult *r;
    int rc = db_exec(c,
                     "INSERT INTO inventory.stock_adjustments (item_id, actor_id, actor_role, "
                     "delta, reason, on_hand_before, on_hand_after, available_before, "
                     "available_after) VALUES ($1, $2, $3, $4::bigint, $5, $6::bigint, "
                     "$7::bigint, $8::bigint, $9::bigint) RETURNING id, "
                     "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
                     9, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    a->id = db_cell_i64(r, 0, 0);
    db_cell_text(r, 0, 1, a->created_at, sizeof a->created_at);
    PQclear(r);
    return OF_OK;
}

/* ---- Reservations ---- */

int inventory_store_reservation_get(PGconn *c, const char *order_id,
                                    struct inventory_reservation *ret)
{
    const char *p[] = {order_id};
    PGresult *r;
    int rc = db_exec(c,
                     "SELECT " RESERVATION_COLS " FROM inventory.reservations "
                     "WHERE order_id = $1 FOR UPDATE",
                     1, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    if (PQntuples(r) == 1) {
        struct inventory_reservation v = {.status =
                                              inventory_state_status_parse(PQgetvalue(r, 0, 3)),
                                          .total_minor = db_cell_i64(r, 0, 4),
                                          .expires_ms = db_cell_i64(r, 0, 6),
                                          .tombstone = db_cell_bool(r, 0, 8)};
        db_cell_text(r, 0, 0, v.id, sizeof v.id);
        db_cell_text(r, 0, 1, v.order_id, sizeof v.order_id);
        db_cell_text(r, 0, 2, v.outlet_id, sizeof v.outlet_id);
        db_cell_text(r, 0, 5, v.currency, sizeof v.currency);
        db_cell_text(r, 0, 7, v.reason, sizeof v.reason);
        *ret = v;
    } else {
        rc = OF_ENOTFOUND;
    }
    PQclear(r);
    return rc;
}

int inventory_store_reservation_insert(PGconn *c, const struct inventory_reservation *r)
{
    char total[32], expires[32];
    snprintf(total, sizeof total, "%" PRId64, r->total_minor);
    snprintf(expires, sizeof expires, "%" PRId64, r->expires_ms);
    const char *p[] = {r->id,
                       r->order_id,
                       r->outlet_id,
                       inventory_state_status_name(r->status),
                       total,
                       r->currency[0] ? r->currency : NULL,
                       r->expires_ms > 0 ? expires : NULL,
                       r->reason[0] ? r->reason : NULL,
                       r->tombstone ? "t" : "f"};
    return db_exec(
        c,
        "INSERT INTO inventory.reservations (id, order_id, outlet_id, status, total_minor, "
        "currency, expires_at, reason, tombstone) VALUES ($1, $2, $3, $4, $5::bigint, $6, "
        "to_timestamp($7::bigint / 1000.0), $8, $9::boolean)",
        9, p, NULL, NULL, 0);
}

int inventory_store_reservation_update(PGconn *c, const struct inventory_reservation *r)
{
    char expires[32];
    snprintf(expires, sizeof expires, "%" PRId64, r->expires_ms);
    const char *p[] = {r->id, inventory_state_status_name(r->status),
                       r->expires_ms > 0 ? expires : NULL, r->reason[0] ? r->reason : NULL};
    size_t n = 0;
    int rc = db_exec_count(c,
                           "UPDATE inventory.reservations SET status = $2, "
                           "expires_at = to_timestamp($3::bigint / 1000.0), reason = $4, "
                           "updated_at = now() WHERE id = $1",
                           4, p, &n);
    return rc == OF_OK && n != 1 ? OF_ENOTFOUND : rc;
}

int inventory_store_lines_insert(PGconn *c, const char *reservation_id,
                                 const struct inventory_priced_line *lines, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        const struct inventory_priced_line *l = &lines[i];
        if (json_array_append_new(
                arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "item_id", l->item_id, "sku",
                               l->sku, "name", l->name, "qty", (json_int_t)l->qty,
                               "unit_price_minor", (json_int_t)l->unit_price_minor,
                               "line_total_minor", (json_int_t)l->line_total_minor)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    char *text = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    if (!text)
        return OF_EPERMANENT;
    const char *p[] = {reservation_id, text};
    size_t changed = 0;
    int rc = db_exec_count(c,
                           "INSERT INTO inventory.reservation_lines (reservation_id, " LINE_COLS
                           ", position) SELECT $1, " LINE_COLS ", ord - 1 "
                           "FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (item_id uuid, "
                           "sku text, name text, qty bigint, unit_price_minor bigint, "
                           "line_total_minor bigint)) WITH ORDINALITY AS l(" LINE_COLS ", ord)",
                           2, p, &changed);
    free(text);
    return rc == OF_OK && changed != n ? OF_EPERMANENT : rc;
}

int inventory_store_lines_get(PGconn *c, const char *reservation_id,
                              struct inventory_priced_line **ret, size_t *ret_n)
{
    const char *p[] = {reservation_id};
    PGresult *r;
    int rc = db_exec(c,
                     "SELECT " LINE_COLS " FROM inventory.reservation_lines "
                     "WHERE reservation_id = $1 ORDER BY position",
                     1, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    size_t rows = (size_t)PQntuples(r);
    struct inventory_priced_line *list = rows ? xcalloc(rows, sizeof *list) : NULL;
    for (size_t i = 0; i < rows; i++) {
        int row = (int)i;
        db_cell_text(r, row, 0, list[i].item_id, sizeof list[i].item_id);
        db_cell_text(r, row, 1, list[i].sku, sizeof list[i].sku);
        db_cell_text(r, row, 2, list[i].name, sizeof list[i].name);
        list[i].qty = db_cell_i64(r, row, 3);
        list[i].unit_price_minor = db_cell_i64(r, row, 4);
        list[i].line_total_minor = db_cell_i64(r, row, 5);
    }
    PQclear(r);
    *ret = list;
    *ret_n = rows;
    return OF_OK;
}

int inventory_store_stock_lock(PGconn *c, const char *reservation_id)
{
    const char *p[] = {reservation_id};
    return db_exec(c,
                   "SELECT i.id FROM inventory.items i JOIN inventory.reservation_lines l "
                   "ON l.item_id = i.id WHERE l.reservation_id = $1 ORDER BY i.id FOR UPDATE OF i",
                   1, p, NULL, NULL, 0);
}

#define MOVE(set)                                                                                  \
    "UPDATE inventory.items i SET " set ", updated_at = now() FROM inventory.reservation_lines l " \
    "WHERE l.reservation_id = $1 AND i.id = l.item_id"

/* The statement of each stock move (enum inventory_move). */
static const char *const move_sql[INVENTORY_MOVE_COUNT] = {
    [INVENTORY_MOVE_RESERVE] = MOVE("reserved = i.reserved + l.qty"),
    [INVENTORY_MOVE_CONFIRM] =
        MOVE("reserved = i.reserved - l.qty, confirmed = i.confirmed + l.qty"),
    [INVENTORY_MOVE_RELEASE_RESERVED] = MOVE("reserved = i.reserved - l.qty"),
    [INVENTORY_MOVE_RELEASE_CONFIRMED] = MOVE("confirmed = i.confirmed - l.qty"),
    [INVENTORY_MOVE_COMMIT] = MOVE("confirmed = i.confirmed - l.qty, on_hand = i.on_hand - l.qty, "
                                   "sold = i.sold + l.qty"),
};

int inventory_store_stock_move(PGconn *c, const char *reservation_id, enum inventory_move move,
                               size_t n_lines)
{
    if ((unsigned)move >= INVENTORY_MOVE_COUNT || !move_sql[move])
        return OF_EPERMANENT;
    const char *p[] = {reservation_id};
    size_t changed = 0;
    int rc = db_exec_count(c, move_sql[move], 1, p, &changed);
    return rc == OF_OK && changed != n_lines ? OF_EPERMANENT : rc;
}
