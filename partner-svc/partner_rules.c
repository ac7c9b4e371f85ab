/* partner-svc input rules and assignment arithmetic (see partner_rules.h). */
#include "partner_rules.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/geo.h"
#include "partner_state.h"

/* ---- Request bodies ---- */

static const char *const server_owned[] = {
    "id",         "account_id", "partner_id",  "status",     "delivery_id", "order_id",
    "created_at", "updated_at", "position_at", "distance_m", "eta_min",     NULL,
};

static int vehicle_check(const json_t *v, const struct jspec_field *f, void *dst,
                         struct jspec_error *err)
{
    (void)dst;
    enum partner_vehicle ve;
    if (partner_vehicle_parse(json_string_value(v), &ve) != OF_OK)
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must be one of BIKE, SCOOTER, CAR");
    return OF_OK;
}

#define REG struct partner_register_input
static const struct jspec_field register_fields[] = {
    JSPEC_TEXT(REG, name, PARTNER_NAME_MAX),
    JSPEC_STRING(REG, vehicle, 15, .check = vehicle_check),
};
static const struct jspec register_spec =
    JSPEC_SPEC(REG, register_fields, JSPEC_STRICT, .read_only = server_owned);

int partner_rules_register(const json_t *body, struct partner_register_input *ret,
                           struct jspec_error *err)
{
    REG out;
    memset(&out, 0, sizeof out);
    if (jspec_parse(body, &register_spec, &out, err) != 0)
        return OF_EPERMANENT;
    if (partner_vehicle_parse(out.vehicle, &out.v) != OF_OK)
        return jspec_fail(err, API_INVALID_VALUE, "vehicle", "must be one of BIKE, SCOOTER, CAR");
    *ret = out;
    return OF_OK;
}

struct status_in {
    bool available;
    double lat, lng;
    bool has_lat, has_lng;
};

#define ST struct status_in
static const struct jspec_field status_fields[] = {
    JSPEC_BOOLEAN(ST, available),
    JSPEC_NUMBER(ST, lat, -90, 90, .presence = JSPEC_OPTIONAL, JSPEC_PRESENT(ST, has_lat)),
    JSPEC_NUMBER(ST, lng, -180, 180, .presence = JSPEC_OPTIONAL, JSPEC_PRESENT(ST, has_lng)),
};
static const struct jspec status_spec =
    JSPEC_SPEC(ST, status_fields, JSPEC_STRICT, .read_only = server_owned);

int partner_rules_status(const json_t *body, struct partner_status_input *ret,
                         struct jspec_error *err)
{
    ST in = {0};
    if (jspec_parse(body, &status_spec, &in, err) != 0)
        return OF_EPERMANENT;
    if (in.has_lat != in.has_lng)
        return jspec_fail(err, API_MISSING_FIELD, in.has_lat ? "lng" : "lat",
                          "lat and lng go together");
    if (in.available && !in.has_lat)
        return jspec_fail(err, API_MISSING_FIELD, "lat", "is required to go available");
    *ret = (struct partner_status_input){in.available, in.has_lat, in.lat, in.lng};
    return OF_OK;
}

#define REJ struct partner_reject_input
static const struct jspec_field reject_fields[] = {
    JSPEC_TEXT(REJ, reason, PARTNER_NOTE_MAX, .presence = JSPEC_OPTIONAL),
};
static const struct jspec reject_spec =
    JSPEC_SPEC(REJ, reject_fields, JSPEC_STRICT, .read_only = server_owned);

int partner_rules_reject(const json_t *body, struct partner_reject_input *ret,
                         struct jspec_error *err)
{
    REJ out = {{0}};
    if (body && jspec_parse(body, &reject_spec, &out, err) != 0)
        return OF_EPERMANENT;
    *ret = out;
    return OF_OK;
}

int partner_rules_list_query(const char *status, const char *limit, const char *cursor,
                             struct partner_list_query *ret, struct jspec_error *err)
{
    struct partner_list_query q = {0};
    if (status && partner_state_parse(status, &q.status) != OF_OK)
        return jspec_fail(err, API_INVALID_VALUE, "status",
                          "must be one of SEARCHING, OFFERED, ASSIGNED, PICKED_UP, DELIVERED, "
                          "CANCELLED, FAILED");
    q.has_status = status != NULL;
    if (jspec_query_limit(limit, PARTNER_LIST_LIMIT_DEFAULT, PARTNER_LIST_LIMIT_MAX, &q.limit,
                          err) != OF_OK)
        return OF_EPERMANENT;
    if (cursor && page_cursor_decode(cursor, &q.cursor) != OF_OK)
        return jspec_fail(err, API_INVALID_VALUE, "cursor", "is not a cursor of this listing");
    q.has_cursor = cursor != NULL;
    *ret = q;
    return OF_OK;
}

/* ---- Event data ---- */

static int event_fail(const char *prefix, const struct jspec_error *e, char *err, size_t errlen)
{
    jspec_reason(e, prefix, err, errlen);
    return OF_EPERMANENT;
}

struct approved_in {
    char order_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN];
    long long prep_time_min;
    const json_t *pickup;
    const json_t *drop_off;
};
struct pickup_in {
    double lat, lng;
    char address[PARTNER_TEXT_SIZE(PARTNER_ADDRESS_MAX)];
    char outlet_name[PARTNER_TEXT_SIZE(PARTNER_OUTLET_NAME_MAX)];
};
struct drop_in {
    double lat, lng;
    char line1[PARTNER_TEXT_SIZE(PARTNER_LINE1_MAX)];
    char city[PARTNER_TEXT_SIZE(PARTNER_CITY_MAX)];
};

#define AP struct approved_in
static const struct jspec_field approved_fields[] = {
    JSPEC_UUID(AP, order_id),    JSPEC_UUID(AP, outlet_id),
    JSPEC_UUID(AP, customer_id), JSPEC_INTEGER(AP, prep_time_min, 1, 240),
    JSPEC_OBJECT(AP, pickup),    JSPEC_OBJECT(AP, drop_off),
};
static const struct jspec approved_spec = JSPEC_SPEC(AP, approved_fields, JSPEC_LENIENT);
#define PU struct pickup_in
static const struct jspec_field pickup_fields[] = {
    JSPEC_NUMBER(PU, lat, -90, 90),
    JSPEC_NUMBER(PU, lng, -180, 180),
    JSPEC_TEXT(PU, address, PARTNER_ADDRESS_MAX),
    JSPEC_TEXT(PU, outlet_name, PARTNER_OUTLET_NAME_MAX),
};
static const struct jspec pickup_spec = JSPEC_SPEC(PU, pickup_fields, JSPEC_LENIENT);
#define DR struct drop_in
static const struct jspec_field drop_fields[] = {
    JSPEC_NUMBER(DR, lat, -90, 90),
    JSPEC_NUMBER(DR, lng, -180, 180),
    JSPEC_TEXT(DR, line1, PARTNER_LINE1_MAX, .presence = JSPEC_OPTIONAL),
    JSPEC_TEXT(DR, city, PARTNER_CITY_MAX, .presence = JSPEC_OPTIONAL),
};
static const struct jspec drop_spec = JSPEC_SPEC(DR, drop_fields, JSPEC_LENIENT);

int partner_rules_order_approved(const json_t *data, struct delivery *ret, char *err, size_t errlen)
{
    AP in = {0};
    PU pu = {0};
    DR dr = {0};
    struct jspec_error e;
    if (jspec_parse(data, &approved_spec, &in, &e) != 0)
        return event_fail("data", &e, err, errlen);
    if (jspec_parse(in.pickup, &pickup_spec, &pu, &e) != 0)
        return event_fail("data.pickup", &e, err, errlen);
    if (jspec_parse(in.drop_off, &drop_spec, &dr, &e) != 0)
        return event_fail("data.drop_off", &e, err, errlen);
    struct delivery *d = calloc(1, sizeof *d);
    if (!d) {
        if (err && errlen)
            snprintf(err, errlen, "data: out of memory");
        return OF_ERETRY;
    }
    d->status = DELIVERY_SEARCHING;
    memcpy(d->order_id, in.order_id, UUID_STR_LEN);
    memcpy(d->outlet_id, in.outlet_id, UUID_STR_LEN);
    memcpy(d->customer_id, in.customer_id, UUID_STR_LEN);
    d->prep_time_min = (int)in.prep_time_min;
    d->pickup_lat = pu.lat;
    d->pickup_lng = pu.lng;
    memcpy(d->pickup_address, pu.address, sizeof d->pickup_address);
    memcpy(d->outlet_name, pu.outlet_name, sizeof d->outlet_name);
    d->drop_lat = dr.lat;
    d->drop_lng = dr.lng;
    memcpy(d->drop_line1, dr.line1, sizeof d->drop_line1);
    memcpy(d->drop_city, dr.city, sizeof d->drop_city);
    d->distance_m = -1;
    d->eta_min = -1;
    *ret = *d;
    free(d);
    return OF_OK;
}

struct ref_in {
    char order_id[UUID_STR_LEN];
    char delivery_id[UUID_STR_LEN];
};
#define REF struct ref_in
static const struct jspec_field order_ref_fields[] = {JSPEC_UUID(REF, order_id)};
static const struct jspec order_ref_spec = JSPEC_SPEC(REF, order_ref_fields, JSPEC_LENIENT);
static const struct jspec_field delivery_ref_fields[] = {JSPEC_UUID(REF, delivery_id)};
static const struct jspec delivery_ref_spec = JSPEC_SPEC(REF, delivery_ref_fields, JSPEC_LENIENT);

int partner_rules_order_ref(const json_t *data, char ret[UUID_STR_LEN], char *err, size_t errlen)
{
    REF in;
    memset(&in, 0, sizeof in);
    struct jspec_error e;
    if (jspec_parse(data, &order_ref_spec, &in, &e) != 0)
        return event_fail("data", &e, err, errlen);
    memcpy(ret, in.order_id, UUID_STR_LEN);
    return OF_OK;
}

int partner_rules_delivery_ref(const json_t *data, char ret[UUID_STR_LEN], char *err, size_t errlen)
{
    REF in;
    memset(&in, 0, sizeof in);
    struct jspec_error e;
    if (jspec_parse(data, &delivery_ref_spec, &in, &e) != 0)
        return event_fail("payload", &e, err, errlen);
    memcpy(ret, in.delivery_id, UUID_STR_LEN);
    return OF_OK;
}

/* ---- Assignment arithmetic ---- */

static int nearest_first(const void *a, const void *b)
{
    const struct partner_candidate *x = a, *y = b;
    if (x->distance_m != y->distance_m)
        return x->distance_m < y->distance_m ? -1 : 1;
    return strcmp(x->id, y->id);
}

size_t partner_rules_rank(struct partner_candidate *c, size_t n, double lat, double lng,
                          double radius_m)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        c[i].distance_m = geo_distance_m(lat, lng, c[i].lat, c[i].lng);
        if (c[i].distance_m <= radius_m)
            c[kept++] = c[i];
    }
    if (kept > 1)
        qsort(c, kept, sizeof *c, nearest_first);
    return kept;
}

int partner_rules_eta_min(double distance_m, double speed_kmh)
{
    if (!(distance_m > 0) || !(speed_kmh > 0))
        return 0;
    double min = ceil(distance_m / 1000.0 / speed_kmh * 60.0);
    return min > 100000 ? 100000 : (int)min;
}
