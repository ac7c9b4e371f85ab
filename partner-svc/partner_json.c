/* partner-svc serialisers (see partner_json.h). */
#include "partner_json.h"

#include <math.h>

#include "common/timefmt.h"
#include "partner_state.h"

static json_t *time_json(int64_t ms)
{
    char ts[TIMESTAMP_LEN];
    if (ms == 0)
        return json_null();
    timestamp_format(ms, ts);
    return json_string(ts);
}

static json_t *text_or_null(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

/* Metres to the centimetre: distances are not more precise than positions. */
static json_t *metres(double m)
{
    return m < 0 ? json_null() : json_real(round(m * 100.0) / 100.0);
}

json_t *partner_json_partner(const struct partner *p)
{
    json_t *pos = p->has_position ? json_pack("{s:f, s:f, s:o}", "lat", p->lat, "lng", p->lng, "at",
                                              time_json(p->position_ms))
                                  : json_null();
    return json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o}", "id", p->id, "name", p->name,
                     "vehicle", partner_vehicle_name(p->vehicle), "available", p->available,
                     "position", pos, "delivery_id", text_or_null(p->delivery_id), "created_at",
                     time_json(p->created_ms), "updated_at", time_json(p->updated_ms));
}

json_t *partner_json_delivery(const struct delivery *d)
{
    json_t *pickup = json_pack("{s:s, s:s, s:f, s:f}", "outlet_name", d->outlet_name, "address",
                               d->pickup_address, "lat", d->pickup_lat, "lng", d->pickup_lng);
    json_t *drop =
        json_pack("{s:f, s:f, s:o, s:o}", "lat", d->drop_lat, "lng", d->drop_lng, "line1",
                  text_or_null(d->drop_line1), "city", text_or_null(d->drop_city));
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
        "id", d->id, "order_id", d->order_id, "outlet_id", d->outlet_id, "status",
        partner_state_name(d->status), "partner_id", text_or_null(d->partner_id), "pickup", pickup,
        "drop_off", drop, "prep_time_min", d->prep_time_min, "distance_m", metres(d->distance_m),
        "eta_min", d->eta_min < 0 ? json_null() : json_integer(d->eta_min), "failure_reason",
        text_or_null(d->failure_reason), "created_at", time_json(d->created_ms), "offered_at",
        time_json(d->offered_ms), "assigned_at", time_json(d->assigned_ms), "picked_up_at",
        time_json(d->picked_up_ms), "delivered_at", time_json(d->delivered_ms), "closed_at",
        time_json(d->closed_ms));
}

json_t *partner_json_assigned(const struct delivery *d, const char *vehicle)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:o}", "delivery_id", d->id, "order_id",
                     d->order_id, "customer_id", d->customer_id, "partner_id", d->partner_id,
                     "vehicle", vehicle, "distance_m",
                     metres(d->distance_m < 0 ? 0 : d->distance_m), "eta_min",
                     d->eta_min < 0 ? 0 : d->eta_min, "assigned_at", time_json(d->assigned_ms));
}

json_t *partner_json_picked_up(const struct delivery *d)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "delivery_id", d->id, "order_id", d->order_id,
                     "customer_id", d->customer_id, "partner_id", d->partner_id, "picked_up_at",
                     time_json(d->picked_up_ms));
}

json_t *partner_json_delivered(const struct delivery *d)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "delivery_id", d->id, "order_id", d->order_id,
                     "customer_id", d->customer_id, "partner_id", d->partner_id, "delivered_at",
                     time_json(d->delivered_ms));
}

json_t *partner_json_failed(const struct delivery *d)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:o}", "delivery_id", d->id, "order_id",
                     d->order_id, "customer_id", d->customer_id, "reason", "NO_PARTNER_AVAILABLE",
                     "offers", d->offers, "radius_m", metres(d->radius_m), "failed_at",
                     time_json(d->closed_ms));
}
