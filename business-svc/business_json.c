/* business-svc serialisers (see business_json.h). */
#include "business_json.h"

#include "business_state.h"
#include "common/timefmt.h"

/* An RFC 3339 time string for Unix ms, or JSON null for 0 (unset). */
static json_t *time_or_null(int64_t ms)
{
    char ts[TIMESTAMP_LEN];
    if (ms == 0)
        return json_null();
    timestamp_format(ms, ts);
    return json_string(ts);
}

static json_t *time_json(int64_t ms)
{
    char ts[TIMESTAMP_LEN];
    timestamp_format(ms, ts);
    return json_string(ts);
}

/* s as a JSON string, or null when empty. */
static json_t *string_or_null(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

json_t *business_json_business(const struct business *b)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "id", b->id, "name", b->name, "owner_id", b->owner_id,
                     "created_at", time_json(b->created_ms));
}

json_t *business_json_outlet(const struct business_outlet *o)
{
    return json_pack("{s:s, s:s, s:s, s:f, s:f, s:s, s:b, s:b, s:i, s:I, s:o, s:o}", "id", o->id,
                     "business_id", o->business_id, "name", o->name, "lat", o->lat, "lng", o->lng,
                     "address", o->address, "open", o->is_open, "auto_approve", o->auto_approve,
                     "approval_sla_s", o->approval_sla_s, "version", (json_int_t)o->version,
                     "created_at", time_json(o->created_ms), "updated_at",
                     time_json(o->updated_ms));
}

json_t *business_json_outlet_event(const struct business_outlet *o)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:s, s:b, s:b, s:i, s:I}", "outlet_id", o->id,
                     "business_id", o->business_id, "owner_id", o->owner_id, "name", o->name, "lat",
                     o->lat, "lng", o->lng, "address", o->address, "is_open", o->is_open,
                     "auto_approve", o->auto_approve, "approval_sla_s", o->approval_sla_s,
                     "version", (json_int_t)o->version);
}

json_t *business_json_queue_entry(const struct business_queue_entry *e)
{
    const char *status = business_state_status_name(e->status);
    bool decided = e->decided_ms != 0;
    if (!status || !e->lines)
        return NULL;
    return json_pack(
        "{s:s, s:s, s:s, s:O, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "order_id",
        e->order_id, "outlet_id", e->outlet_id, "status", status, "lines", e->lines, "total_minor",
        (json_int_t)e->total_minor, "currency", e->currency, "placed_at", time_json(e->placed_ms),
        "approve_by", time_json(e->due_ms), "decided_at", time_or_null(e->decided_ms), "auto",
        decided ? json_boolean(e->auto_approved) : json_null(), "prep_time_min",
        decided && e->approved ? json_integer(e->prep_time_min) : json_null(), "reject_reason",
        decided && !e->approved ? string_or_null(business_state_reason_name(e->reason))
                                : json_null(),
        "note", string_or_null(e->note), "cancelled_at", time_or_null(e->cancelled_ms));
}

/* {lat, lng, line1?, city?}. */
static json_t *drop_off_json(const struct business_drop_off *d)
{
    json_t *o = json_pack("{s:f, s:f}", "lat", d->lat, "lng", d->lng);
    if (o && d->line1[0] && json_object_set_new(o, "line1", json_string(d->line1)) != 0)
        goto bad;
    if (o && d->city[0] && json_object_set_new(o, "city", json_string(d->city)) != 0)
        goto bad;
    return o;
bad:
    json_decref(o);
    return NULL;
}

json_t *business_json_approved(const struct business_queue_entry *e,
                               const struct business_outlet *o)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:b, s:{s:f, s:f, s:s, s:s}, s:o}", "order_id",
                     e->order_id, "outlet_id", e->outlet_id, "business_id", o->business_id,
                     "customer_id", e->customer_id, "prep_time_min", e->prep_time_min,
                     "approved_at", time_json(e->decided_ms), "auto", e->auto_approved, "pickup",
                     "lat", o->lat, "lng", o->lng, "address", o->address, "outlet_name", o->name,
                     "drop_off", drop_off_json(&e->drop_off));
}

json_t *business_json_rejected(const struct business_queue_entry *e)
{
    const char *reason = business_state_reason_name(e->reason);
    if (!reason)
        return NULL;
    json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:o}", "order_id", e->order_id, "outlet_id",
                          e->outlet_id, "customer_id", e->customer_id, "reason", reason,
                          "rejected_at", time_json(e->decided_ms));
    if (d && e->note[0] && json_object_set_new(d, "note", json_string(e->note)) != 0) {
        json_decref(d);
        return NULL;
    }
    return d;
}
