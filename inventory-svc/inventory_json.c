/* inventory-svc serialisers (see inventory_json.h). */
#include "inventory_json.h"

#include "common/auth.h"
#include "common/timefmt.h"

json_t *inventory_json_item_public(const struct inventory_item *it)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:b, s:I}", "id", it->id, "outlet_id",
                     it->outlet_id, "sku", it->sku, "name", it->name, "price_minor",
                     (json_int_t)it->price_minor, "currency", it->currency, "active", it->active,
                     "available", (json_int_t)inventory_available(&it->stock));
}

json_t *inventory_json_item(const struct inventory_item *it)
{
    json_t *j = inventory_json_item_public(it);
    if (!j)
        return NULL;
    json_t *stock = json_pack("{s:I, s:I, s:I, s:I}", "on_hand", (json_int_t)it->stock.on_hand,
                              "reserved", (json_int_t)it->stock.reserved, "confirmed",
                              (json_int_t)it->stock.confirmed, "sold", (json_int_t)it->stock.sold);
    if (!stock || json_object_update(j, stock) != 0) {
        json_decref(stock);
        json_decref(j);
        return NULL;
    }
    json_decref(stock);
    return j;
}

json_t *inventory_json_adjustment(const struct inventory_adjustment *a)
{
    const char *role = auth_role_name(a->actor_role);
    if (!role)
        return NULL;
    return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:s}", "id",
                     (json_int_t)a->id, "item_id", a->item_id, "actor_id", a->actor_id,
                     "actor_role", role, "delta", (json_int_t)a->delta, "reason", a->reason,
                     "on_hand_before", (json_int_t)a->on_hand_before, "on_hand_after",
                     (json_int_t)a->on_hand_after, "available_before",
                     (json_int_t)a->available_before, "available_after",
                     (json_int_t)a->available_after, "created_at", a->created_at);
}

/* ---- Event data ---- */

/* A new array of each(lines[i]); NULL when one cannot be built. */
static json_t *array_of(const struct inventory_priced_line *lines, size_t n,
                        json_t *(*each)(const struct inventory_priced_line *))
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, each(&lines[i])) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

static json_t *priced_line(const struct inventory_priced_line *l)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "item_id", l->item_id, "sku", l->sku, "name",
                     l->name, "qty", (json_int_t)l->qty, "unit_price_minor",
                     (json_int_t)l->unit_price_minor, "line_total_minor",
                     (json_int_t)l->line_total_minor);
}

static json_t *qty_line(const struct inventory_priced_line *l)
{
    return json_pack("{s:s, s:I}", "item_id", l->item_id, "qty", (json_int_t)l->qty);
}

json_t *inventory_json_validated(const struct inventory_reservation *r,
                                 const struct inventory_priced_line *lines, size_t n)
{
    char expires[TIMESTAMP_LEN];
    timestamp_format(r->expires_ms, expires);
    return json_pack("{s:s, s:s, s:s, s:o, s:I, s:s, s:s}", "order_id", r->order_id, "outlet_id",
                     r->outlet_id, "reservation_id", r->id, "lines",
                     array_of(lines, n, priced_line), "total_minor", (json_int_t)r->total_minor,
                     "currency", r->currency, "expires_at", expires);
}

json_t *inventory_json_invalidated(const char *order_id, const char *outlet_id,
                                   const struct inventory_decision *d)
{
    const char *reason = inventory_rules_reason_name(d->reason);
    json_t *lines = json_array();
    if (!reason || !lines) {
        json_decref(lines);
        return NULL;
    }
    for (size_t i = 0; i < d->n_failed; i++) {
        const struct inventory_failed_line *f = &d->failed[i];
        const char *why = inventory_rules_reason_name(f->reason);
        if (!why || json_array_append_new(lines, json_pack("{s:s, s:s, s:I, s:I}", "item_id",
                                                           f->item_id, "reason", why, "requested",
                                                           (json_int_t)f->requested, "available",
                                                           (json_int_t)f->available)) != 0) {
            json_decref(lines);
            return NULL;
        }
    }
    return json_pack("{s:s, s:s, s:s, s:o}", "order_id", order_id, "outlet_id", outlet_id, "reason",
                     reason, "lines", lines);
}

json_t *inventory_json_released(const struct inventory_reservation *r,
                                const struct inventory_priced_line *lines, size_t n)
{
    return json_pack("{s:s, s:s, s:o, s:s}", "order_id", r->order_id, "reservation_id", r->id,
                     "lines", array_of(lines, n, qty_line), "reason", r->reason);
}

json_t *inventory_json_committed(const struct inventory_reservation *r,
                                 const struct inventory_priced_line *lines, size_t n)
{
    return json_pack("{s:s, s:s, s:o}", "order_id", r->order_id, "reservation_id", r->id, "lines",
                     array_of(lines, n, qty_line));
}

json_t *inventory_json_expired(const struct inventory_reservation *r, int64_t expired_ms)
{
    char at[TIMESTAMP_LEN];
    timestamp_format(expired_ms, at);
    return json_pack("{s:s, s:s, s:s}", "order_id", r->order_id, "reservation_id", r->id,
                     "expired_at", at);
}
