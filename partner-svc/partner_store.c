/* partner-svc persistence (see partner_store.h). */
#include "partner_store.h"

#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/uuid.h"
#include "common/xalloc.h"
#include "partner_state.h"

#define MS(col)  "coalesce((extract(epoch FROM " col ") * 1000)::bigint, 0)"
#define ACTIVE   "('OFFERED', 'ASSIGNED', 'PICKED_UP')"
#define FRESH(s) "position_at > now() - make_interval(secs => " s "::int)"

/* ---- Partners ---- */

#define PARTNER_COLS                                                                               \
    "id, account_id, name, vehicle, available, lat IS NOT NULL, coalesce(lat, 0), "                \
    "coalesce(lng, 0), " MS("position_at") ", coalesce(delivery_id::text, ''), " MS(               \
        "created_at") ", " MS("updated_at")

static void partner_from_row(const PGresult *r, int row, void *ret)
{
    struct partner *p = ret;
    char vehicle[16];
    db_cell_text(r, row, 0, p->id, sizeof p->id);
    db_cell_text(r, row, 1, p->account_id, sizeof p->account_id);
    db_cell_text(r, row, 2, p->name, sizeof p->name);
    db_cell_text(r, row, 3, vehicle, sizeof vehicle);
    if (partner_vehicle_parse(vehicle, &p->vehicle) != OF_OK)
        p->vehicle = PARTNER_BIKE;
    p->available = db_cell_bool(r, row, 4);
    p->has_position = db_cell_bool(r, row, 5);
    p->lat = db_cell_f64(r, row, 6);
    p->lng = db_cell_f64(r, row, 7);
    p->position_ms = db_cell_i64(r, row, 8);
    db_cell_text(r, row, 9, p->delivery_id, sizeof p->delivery_id);
    p->created_ms = db_cell_i64(r, row, 10);
    p->updated_ms = db_cell_i64(r, row, 11);
}

int partner_store_partner_insert(PGconn *c, const char *account_id,
                                 const struct partner_register_input *in, struct partner *ret)
{
    char id[UUID_STR_LEN];
    if (!uuid_valid(account_id))
        return OF_EPERMANENT;
    uuid_v7(id);
    const char *p[] = {id, account_id, in->name, partner_vehicle_name(in->v)};
    return db_query_one(c,
                        "INSERT INTO partner.partners (id, account_id, name, vehicle) "
                        "VALUES ($1, $2, $3, $4) RETURNING " PARTNER_COLS,
                        4, p, partner_from_row, ret);
}

int partner_store_partner_by_account(PGconn *c, const char *account_id, bool lock,
                                     struct partner *ret)
{
    if (!uuid_valid(account_id))
        return OF_ENOTFOUND;
    const char *p[] = {account_id};
    return db_query_one(
        c,
        lock ? "SELECT " PARTNER_COLS " FROM partner.partners WHERE account_id = $1 FOR UPDATE"
             : "SELECT " PARTNER_COLS " FROM partner.partners WHERE account_id = $1",
        1, p, partner_from_row, ret);
}

int partner_store_partner_vehicle(PGconn *c, const char *id, struct partner *ret)
{
    if (!uuid_valid(id))
        return OF_ENOTFOUND;
    const char *p[] = {id};
    return db_query_one(c, "SELECT " PARTNER_COLS " FROM partner.partners WHERE id = $1", 1, p,
                        partner_from_row, ret);
}

int partner_store_partner_status(PGconn *c, const char *account_id,
                                 const struct partner_status_input *in, struct partner *ret)
{
    if (!uuid_valid(account_id))
        return OF_ENOTFOUND;
    struct db_num lat = db_num_f64(in->lat), lng = db_num_f64(in->lng);
    const char *p[] = {account_id, in->available ? "true" : "false",
                       in->has_position ? lat.s : NULL, in->has_position ? lng.s : NULL};
    return db_query_one(c,
                        "UPDATE partner.partners SET available = $2::boolean, "
                        "lat = coalesce($3::float8, lat), lng = coalesce($4::float8, lng), "
                        "position_at = CASE WHEN $3 IS NULL THEN position_at ELSE now() END, "
                        "updated_at = now() WHERE account_id = $1 RETURNING " PARTNER_COLS,
                        4, p, partner_from_row, ret);
}

int partner_store_candidates(PGconn *c, const struct geo_box *box, long stale_s,
                             const char *delivery_id, size_t max, struct partner_candidate **ret,
                             size_t *ret_n)
{
    struct db_num a = db_num_f64(box->min_lat), b = db_num_f64(box->max_lat),
                  lo = db_num_f64(box->min_lng), hi = db_num_f64(box->max_lng),
                  st = db_num_i64(stale_s), mx = db_num_i64((int64_t)max);
    const char *p[] = {a.s,  b.s,         lo.s, hi.s, box->wraps ? "true" : "false",
                       st.s, delivery_id, mx.s};
    PGresult *r;
    *ret = NULL;
    *ret_n = 0;
    int rc = db_exec(c,
                     "SELECT id, lat, lng FROM partner.partners p "
                     "WHERE available AND delivery_id IS NULL AND lat BETWEEN $1 AND $2 "
                     "AND (CASE WHEN $5::boolean THEN lng >= $3 OR lng <= $4 "
                     "ELSE lng BETWEEN $3 AND $4 END) AND " FRESH(
                         "$6") " "
                               "AND NOT EXISTS (SELECT 1 FROM partner.declines x "
                               "WHERE x.delivery_id = $7 AND x.partner_id = p.id) "
                               "LIMIT $8::int",
                     8, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    size_t n = (size_t)PQntuples(r);
    struct partner_candidate *list = n ? xcalloc(n, sizeof *list) : NULL;
    for (size_t i = 0; i < n; i++) {
        db_cell_text(r, (int)i, 0, list[i].id, sizeof list[i].id);
        list[i].lat = db_cell_f64(r, (int)i, 1);
        list[i].lng = db_cell_f64(r, (int)i, 2);
    }
    PQclear(r);
    *ret = list;
    *ret_n = n;
    return OF_OK;
}

int partner_store_partner_claim(PGconn *c, const char *partner_id, const char *delivery_id,
                                long stale_s)
{
    struct db_num st = db_num_i64(stale_s);
    const char *p[] = {partner_id, delivery_id, st.s};
    /* The row lock makes the re-check of delivery_id IS NULL see any claim committed meanwhile
     * (READ COMMITTED re-evaluates the condition on the locked row's newest version). */
    return db_exec_one(c,
                       "UPDATE partner.partners SET delivery_id = $2, updated_at = now() "
                       "WHERE id = (SELECT id FROM partner.partners WHERE id = $1 AND available "
                       "AND delivery_id IS NULL AND " FRESH("$3") " FOR UPDATE SKIP LOCKED) "
                                                                  "AND delivery_id IS NULL",
                       3, p);
}

int partner_store_partner_free(PGconn *c, const char *partner_id, const char *delivery_id)
{
    if (!uuid_valid(partner_id))
        return OF_OK;
    const char *p[] = {partner_id, delivery_id};
    size_t n;
    return db_exec_count(c,
                         "UPDATE partner.partners SET delivery_id = NULL, updated_at = now() "
                         "WHERE id = $1 AND delivery_id = $2",
                         2, p, &n);
}

/* ---- Deliveries ---- */

#define DELIVERY_COLS                                                                                     \
    "id, order_id, customer_id, outlet_id, trace_id, status, coalesce(partner_id::text, ''), "            \
    "outlet_name, pickup_address, pickup_lat, pickup_lng, drop_lat, drop_lng, "                           \
    "coalesce(drop_line1, ''), coalesce(drop_city, ''), prep_time_min, radius_m, offers, "                \
    "coalesce(distance_m, -1), coalesce(eta_min, -1), " MS(                                               \
        "window_due_at") ", "                                                                             \
                         "coalesce(failure_reason, ''), " MS("created_at") ", " MS("offered_at") ", " MS( \
                             "assigned_at") ", " MS("picked_up_at") ", " MS("delivered_at") ","           \
                                                                                            " " MS(       \
                                                                                                "closed_at")

static void delivery_from_row(const PGresult *r, int row, void *ret)
{
    struct delivery *d = ret;
    char status[16];
    db_cell_text(r, row, 0, d->id, sizeof d->id);
    db_cell_text(r, row, 1, d->order_id, sizeof d->order_id);
    db_cell_text(r, row, 2, d->customer_id, sizeof d->customer_id);
    db_cell_text(r, row, 3, d->outlet_id, sizeof d->outlet_id);
    db_cell_text(r, row, 4, d->trace_id, sizeof d->trace_id);
    db_cell_text(r, row, 5, status, sizeof status);
    if (partner_state_parse(status, &d->status) != OF_OK)
        d->status = DELIVERY_FAILED;
    db_cell_text(r, row, 6, d->partner_id, sizeof d->partner_id);
    db_cell_text(r, row, 7, d->outlet_name, sizeof d->outlet_name);
    db_cell_text(r, row, 8, d->pickup_address, sizeof d->pickup_address);
    d->pickup_lat = db_cell_f64(r, row, 9);
    d->pickup_lng = db_cell_f64(r, row, 10);
    d->drop_lat = db_cell_f64(r, row, 11);
    d->drop_lng = db_cell_f64(r, row, 12);
    db_cell_text(r, row, 13, d->drop_line1, sizeof d->drop_line1);
    db_cell_text(r, row, 14, d->drop_city, sizeof d->drop_city);
    d->prep_time_min = (int)db_cell_i64(r, row, 15);
    d->radius_m = db_cell_f64(r, row, 16);
    d->offers = (int)db_cell_i64(r, row, 17);
    d->distance_m = db_cell_f64(r, row, 18);
    d->eta_min = (int)db_cell_i64(r, row, 19);
    d->window_due_ms = db_cell_i64(r, row, 20);
    db_cell_text(r, row, 21, d->failure_reason, sizeof d->failure_reason);
    d->created_ms = db_cell_i64(r, row, 22);
    d->offered_ms = db_cell_i64(r, row, 23);
    d->assigned_ms = db_cell_i64(r, row, 24);
    d->picked_up_ms = db_cell_i64(r, row, 25);
    d->delivered_ms = db_cell_i64(r, row, 26);
    d->closed_ms = db_cell_i64(r, row, 27);
}

int partner_store_delivery_insert(PGconn *c, struct delivery *d, bool *created)
{
    char id[UUID_STR_LEN];
    uuid_v7(id);
    struct db_num plat = db_num_f64(d->pickup_lat), plng = db_num_f64(d->pickup_lng),
                  dlat = db_num_f64(d->drop_lat), dlng = db_num_f64(d->drop_lng),
                  prep = db_num_i64(d->prep_time_min), rad = db_num_f64(d->radius_m),
                  due = db_num_i64(d->window_due_ms);
    const char *p[] = {id,
                       d->order_id,
                       d->customer_id,
                       d->outlet_id,
                       d->trace_id,
                       d->outlet_name,
                       d->pickup_address,
                       plat.s,
                       plng.s,
                       dlat.s,
                       dlng.s,
                       db_text_or_null(d->drop_line1),
                       db_text_or_null(d->drop_city),
                       prep.s,
                       rad.s,
                       due.s};
    struct delivery out = {0};
    int rc = db_query_one(
        c,
        "INSERT INTO partner.deliveries (id, order_id, customer_id, outlet_id, trace_id, status, "
        "outlet_name, pickup_address, pickup_lat, pickup_lng, drop_lat, drop_lng, drop_line1, "
        "drop_city, prep_time_min, radius_m, window_due_at) VALUES ($1, $2, $3, $4, $5, "
        "'SEARCHING', $6, $7, $8, $9, $10, $11, $12, $13, $14::int, $15, "
        "to_timestamp($16::bigint / 1000.0)) ON CONFLICT (order_id) DO NOTHING "
        "RETURNING " DELIVERY_COLS,
        16, p, delivery_from_row, &out);
    *created = rc == OF_OK;
    if (rc == OF_ENOTFOUND)
        return OF_OK;
    if (rc == OF_OK)
        *d = out;
    return rc;
}

int partner_store_delivery_get(PGconn *c, const char *id, bool lock, struct delivery *ret)
{
    if (!uuid_valid(id))
        return OF_ENOTFOUND;
    const char *p[] = {id};
    return db_query_one(c,
                        lock ? "SELECT " DELIVERY_COLS
                               " FROM partner.deliveries WHERE id = $1 FOR UPDATE"
                             : "SELECT " DELIVERY_COLS " FROM partner.deliveries WHERE id = $1",
                        1, p, delivery_from_row, ret);
}

int partner_store_delivery_by_order(PGconn *c, const char *order_id, bool lock,
                                    struct delivery *ret)
{
    if (!uuid_valid(order_id))
        return OF_ENOTFOUND;
    const char *p[] = {order_id};
    return db_query_one(
        c,
        lock ? "SELECT " DELIVERY_COLS " FROM partner.deliveries WHERE order_id = $1 FOR UPDATE"
             : "SELECT " DELIVERY_COLS " FROM partner.deliveries WHERE order_id = $1",
        1, p, delivery_from_row, ret);
}

/* A timestamp parameter: NULL for 0. */
static const char *ts(const struct db_num *n, int64_t ms)
{
    return ms ? n->s : NULL;
}

int partner_store_delivery_save(PGconn *c, const struct delivery *d)
{
    struct db_num rad = db_num_f64(d->radius_m), offers = db_num_i64(d->offers),
                  dist = db_num_f64(d->distance_m), eta = db_num_i64(d->eta_min),
                  off = db_num_i64(d->offered_ms), asg = db_num_i64(d->assigned_ms),
                  pu = db_num_i64(d->picked_up_ms), dl = db_num_i64(d->delivered_ms),
                  cl = db_num_i64(d->closed_ms);
    const char *p[] = {d->id,
                       partner_state_name(d->status),
                       db_text_or_null(d->partner_id),
                       rad.s,
                       offers.s,
                       d->distance_m >= 0 ? dist.s : NULL,
                       d->eta_min >= 0 ? eta.s : NULL,
                       db_text_or_null(d->failure_reason),
                       ts(&off, d->offered_ms),
                       ts(&asg, d->assigned_ms),
                       ts(&pu, d->picked_up_ms),
                       ts(&dl, d->delivered_ms),
                       ts(&cl, d->closed_ms)};
#define T(n) "to_timestamp($" #n "::bigint / 1000.0)"
    return db_exec_one(
        c,
        "UPDATE partner.deliveries SET status = $2, partner_id = $3::uuid, "
        "radius_m = $4, offers = $5::int, distance_m = $6, eta_min = $7::int, "
        "failure_reason = $8, offered_at = " T(9) ", assigned_at = " T(10) ", picked_up_at = " T(
            11) ", delivered_at = " T(12) ", "
                                          "closed_at = " T(13) ", updated_at = now() "
                                                               "WHERE id = $1",
        13, p);
#undef T
}

int partner_store_decline(PGconn *c, const char *delivery_id, const char *partner_id,
                          bool timed_out, const char *reason)
{
    const char *p[] = {delivery_id, partner_id, timed_out ? "true" : "false",
                       db_text_or_null(reason)};
    size_t n;
    return db_exec_count(
        c,
        "INSERT INTO partner.declines (delivery_id, partner_id, timed_out, reason) "
        "VALUES ($1, $2, $3::boolean, $4) ON CONFLICT DO NOTHING",
        4, p, &n);
}

int partner_store_delivery_list(PGconn *c, const char *partner_id,
                                const struct partner_list_query *q, struct delivery **ret,
                                size_t *ret_n)
{
    struct db_num lim = db_num_i64(q->limit + 1), cms = db_num_i64(q->cursor.ms);
    const char *p[] = {partner_id, q->has_status ? partner_state_name(q->status) : NULL,
                       q->has_cursor ? cms.s : NULL, q->has_cursor ? q->cursor.id : NULL, lim.s};
    PGresult *r;
    *ret = NULL;
    *ret_n = 0;
    int rc = db_exec(c,
                     "SELECT " DELIVERY_COLS " FROM partner.deliveries WHERE partner_id = $1 "
                     "AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR "
                     "(created_at, id) < (to_timestamp($3::bigint / 1000.0), $4::uuid)) "
                     "ORDER BY created_at DESC, id DESC LIMIT $5::int",
                     5, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    size_t n = (size_t)PQntuples(r);
    struct delivery *list = n ? xcalloc(n, sizeof *list) : NULL;
    for (size_t i = 0; i < n; i++)
        delivery_from_row(r, (int)i, &list[i]);
    PQclear(r);
    *ret = list;
    *ret_n = n;
    return OF_OK;
}

int partner_store_cancelled_mark(PGconn *c, const char *order_id)
{
    const char *p[] = {order_id};
    size_t n;
    return db_exec_count(c,
                         "INSERT INTO partner.cancelled_orders (order_id) VALUES ($1) "
                         "ON CONFLICT DO NOTHING",
                         1, p, &n);
}

int partner_store_cancelled_seen(PGconn *c, const char *order_id, bool *ret)
{
    const char *p[] = {order_id};
    size_t n = 0;
    int rc =
        db_exec_count(c, "SELECT 1 FROM partner.cancelled_orders WHERE order_id = $1", 1, p, &n);
    if (rc == OF_OK)
        *ret = n > 0;
    return rc;
}
