/* order-svc serialisers (see order_json.h). */
#include "order_json.h"

#include "common/timefmt.h"

/* A timestamp, or null for 0 (not yet). */
static json_t *time_json(int64_t ms)
{
    char at[TIMESTAMP_LEN];
    if (ms <= 0)
        return json_null();
    timestamp_format(ms, at);
    return json_string(at);
}

/* s, or null when empty. */
static json_t *text_or_null(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

/* {item_id, qty} and, once priced, sku, name, unit_price_minor, line_total_minor. */
static json_t *line_json(const struct order_line *l, bool priced_members)
{
    json_t *o = json_pack("{s:s, s:i}", "item_id", l->item_id, "qty", l->qty);
    if (o && priced_members && l->priced &&
        json_object_update_new(o, json_pack("{s:s, s:s, s:I, s:I}", "sku", l->sku, "name", l->name,
                                            "unit_price_minor", (json_int_t)l->unit_price_minor,
                                            "line_total_minor", (json_int_t)l->line_total_minor)) !=
            0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *lines_json(const struct order *o, bool priced_members)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < o->n_lines; i++) {
        if (json_array_append_new(a, line_json(&o->lines[i], priced_members)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *drop_off_json(const struct order_drop_off *d)
{
    return json_pack("{s:f, s:f, s:s, s:s}", "lat", d->lat, "lng", d->lng, "line1", d->line1,
                     "city", d->city);
}

static json_t *timeline_json(const struct order_timeline_entry *t, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_t *e = json_pack("{s:o, s:s, s:o, s:o, s:s, s:s, s:o}", "at", time_json(t[i].at_ms),
                              "event", t[i].event, "event_id", text_or_null(t[i].event_id), "from",
                              text_or_null(t[i].from), "to", t[i].to, "disposition",
                              t[i].disposition, "reason", text_or_null(t[i].reason));
        if (json_array_append_new(a, e) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

json_t *order_json_order(const struct order *o, const struct order_timeline_entry *timeline,
                         size_t n)
{
    const char *status = order_state_name(o->state), *method = order_method_name(o->method);
    if (!status || !method)
        return NULL;
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:{s:s, s:o}, s:o, s:o, s:o, s:o, s:o, s:o}",
                  "id", o->id, "customer_id", o->customer_id, "outlet_id", o->outlet_id, "status",
                  status, "lines", lines_json(o, true), "total_minor",
                  o->has_total ? json_integer(o->total_minor) : json_null(), "currency",
                  text_or_null(o->currency), "payment", "method", method, "payment_id",
                  text_or_null(o->payment_id), "reservation_id", text_or_null(o->reservation_id),
                  "reason", text_or_null(o->reason), "stage", text_or_null(o->stage), "drop_off",
                  drop_off_json(&o->drop_off), "created_at", time_json(o->created_ms), "updated_at",
                  time_json(o->updated_ms));
    if (body && timeline &&
        json_object_set_new(body, "timeline", timeline_json(timeline, n)) != 0) {
        json_decref(body);
        return NULL;
    }
    return body;
}

json_t *order_json_summary(const struct order_summary *o)
{
    const char *status = order_state_name(o->state);
    if (!status)
        return NULL;
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", o->id, "customer_id",
                     o->customer_id, "outlet_id", o->outlet_id, "status", status, "total_minor",
                     o->has_total ? json_integer(o->total_minor) : json_null(), "currency",
                     text_or_null(o->currency), "created_at", time_json(o->created_ms),
                     "updated_at", time_json(o->updated_ms));
}

json_t *order_json_accepted(const char *order_id)
{
    return json_pack("{s:s, s:s}", "order_id", order_id, "status", "CREATED");
}

json_t *order_json_created_event(const struct order *o)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:o}", "order_id", o->id, "customer_id", o->customer_id,
                     "outlet_id", o->outlet_id, "lines", lines_json(o, false), "created_at",
                     time_json(o->created_ms));
}

json_t *order_json_validation_requested_event(const struct order *o)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "order_id", o->id, "outlet_id", o->outlet_id,
                     "customer_id", o->customer_id, "lines", lines_json(o, false));
}

json_t *order_json_payment_requested_event(const struct order *o)
{
    const char *method = order_method_name(o->method);
    if (!method || !o->has_total || !o->token[0])
        return NULL;
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "order_id", o->id, "customer_id",
                     o->customer_id, "amount_minor", (json_int_t)o->total_minor, "currency",
                     o->currency, "method", method, "token", o->token);
}

json_t *order_json_placed_event(const struct order *o)
{
    if (!o->has_total)
        return NULL;
    return json_pack("{s:s, s:s, s:s, s:o, s:I, s:s, s:o, s:o, s:o}", "order_id", o->id,
                     "customer_id", o->customer_id, "outlet_id", o->outlet_id, "lines",
                     lines_json(o, true), "total_minor", (json_int_t)o->total_minor, "currency",
                     o->currency, "reservation_id", text_or_null(o->reservation_id), "drop_off",
                     drop_off_json(&o->drop_off), "placed_at", time_json(o->placed_ms));
}

json_t *order_json_cancelled_event(const struct order *o)
{
    if (!o->reason[0] || !o->stage[0])
        return NULL;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "order_id", o->id, "customer_id",
                     o->customer_id, "outlet_id", o->outlet_id, "reason", o->reason, "stage",
                     o->stage, "reservation_id", text_or_null(o->reservation_id), "cancelled_at",
                     time_json(o->updated_ms));
}

json_t *order_json_delivered_event(const struct order *o)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "order_id", o->id, "customer_id", o->customer_id,
                     "outlet_id", o->outlet_id, "delivered_at", time_json(o->updated_ms));
}
