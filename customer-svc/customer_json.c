/* customer-svc serialisers (see customer_json.h). */
#include "customer_json.h"

#include <math.h>

#include "common/auth.h"

/* A JSON string, or null for unset (empty) text. */
static json_t *string_or_null(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

json_t *customer_json_account(const struct customer_account *a)
{
    const char *role = auth_role_name(a->role);
    if (!role)
        return NULL;
    return json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", a->id, "phone", a->phone, "role", role,
                     "name", string_or_null(a->name), "email", string_or_null(a->email));
}

json_t *customer_json_address(const struct customer_address *a)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:f}", "id", a->id, "label", a->label, "line1",
                     a->line1, "city", a->city, "postcode", a->postcode, "lat", a->lat, "lng",
                     a->lng);
}

json_t *customer_json_feed_outlet(const struct customer_outlet *o, double distance_m)
{
    return json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}", "id", o->id, "business_id", o->business_id,
                     "name", o->name, "lat", o->lat, "lng", o->lng, "distance_m",
                     round(distance_m * 10.0) / 10.0);
}
