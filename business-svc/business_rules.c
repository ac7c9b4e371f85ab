/* business-svc input rules: table-driven request bodies, outlet fields, the queue's query and
 * cursor, and the order events it consumes (see business_rules.h). */
#include "business_rules.h"

#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "business_state.h"
#include "common/codec.h"
#include "common/cursor.h"
#include "common/errors.h"
#include "common/timefmt.h"
#include "common/uuid.h"

/* ------------------------------------------------------------------------------------------ */
/* Request bodies */

/* Members no business-svc request may set. */
static const char *const server_owned[] = {
    "id", "business_id", "owner_id", "owner", "version", "status", "created_at", "updated_at", NULL,
};
/* ... and, on a decision, what the server decides or knows already. */
static const char *const decision_owned[] = {
    "id",         "order_id",   "outlet_id",  "business_id", "owner_id",
    "status",     "auto",       "decided_at", "approved_at", "rejected_at",
    "created_at", "updated_at", "approved",   "customer_id", NULL,
};

static int parse_into(const json_t *body, const struct jspec *spec, void *out,
                      struct jspec_error *err)
{
    return jspec_parse(body, spec, out, err) < 0 ? OF_EPERMANENT : OF_OK;
}

#define BIZ struct business_input
static const struct jspec_field business_fields[] = {
    JSPEC_TEXT(BIZ, name, BUSINESS_NAME_MAX),
};
static const struct jspec business_spec =
    JSPEC_SPEC(BIZ, business_fields, JSPEC_STRICT, .read_only = server_owned);

int business_rules_business(const json_t *body, struct business_input *ret, struct jspec_error *err)
{
    BIZ out = {{0}};
    int rc = parse_into(body, &business_spec, &out, err);
    if (rc == OF_OK)
        *ret = out;
    return rc;
}

/* The outlet fields; `req` is the presence of the four a create needs. */
#define OUTF struct business_outlet_fields
#define OUTLET_FIELDS(req)                                                                         \
    JSPEC_TEXT(OUTF, name, BUSINESS_OUTLET_NAME_MAX, .presence = (req),                            \
               JSPEC_PRESENT(OUTF, set_name)),                                                     \
        JSPEC_NUMBER(OUTF, lat, -90, 90, .presence = (req), JSPEC_PRESENT(OUTF, set_lat)),         \
        JSPEC_NUMBER(OUTF, lng, -180, 180, .presence = (req), JSPEC_PRESENT(OUTF, set_lng)),       \
        JSPEC_TEXT(OUTF, address, BUSINESS_ADDRESS_MAX, .presence = (req),                         \
                   JSPEC_PRESENT(OUTF, set_address)),                                              \
        JSPEC_BOOLEAN(OUTF, open, .presence = JSPEC_OPTIONAL, JSPEC_PRESENT(OUTF, set_open)),      \
        JSPEC_BOOLEAN(OUTF, auto_approve, .presence = JSPEC_OPTIONAL,                              \
                      JSPEC_PRESENT(OUTF, set_auto_approve)),                                      \
        JSPEC_INTEGER(OUTF, approval_sla_s, BUSINESS_SLA_MIN_S, BUSINESS_SLA_MAX_S,                \
                      .presence = JSPEC_OPTIONAL, JSPEC_PRESENT(OUTF, set_sla))

static const struct jspec_field outlet_create_fields[] = {OUTLET_FIELDS(JSPEC_REQUIRED)};
static const struct jspec outlet_create_spec =
    JSPEC_SPEC(OUTF, outlet_create_fields, JSPEC_STRICT, .read_only = server_owned);
static const struct jspec_field outlet_patch_fields[] = {OUTLET_FIELDS(JSPEC_OPTIONAL)};
static const struct jspec outlet_patch_spec =
    JSPEC_SPEC(OUTF, outlet_patch_fields, JSPEC_STRICT, .read_only = server_owned);

int business_rules_outlet_create(const json_t *body, struct business_outlet_fields *ret,
                                 struct jspec_error *err)
{
    OUTF out = {0};
    int rc = parse_into(body, &outlet_create_spec, &out, err);
    if (rc == OF_OK)
        *ret = out;
    return rc;
}

int business_rules_outlet_patch(const json_t *body, struct business_outlet_fields *ret,
                                struct jspec_error *err)
{
    OUTF out = {0};
    int rc = parse_into(body, &outlet_patch_spec, &out, err);
    if (rc == OF_OK)
        *ret = out;
    return rc;
}

#define APPROVE struct business_approve_input
static const struct jspec_field approve_fields[] = {
    JSPEC_INTEGER(APPROVE, prep_time_min, BUSINESS_PREP_MIN, BUSINESS_PREP_MAX),
};
static const struct jspec approve_spec =
    JSPEC_SPEC(APPROVE, approve_fields, JSPEC_STRICT, .read_only = decision_owned);

int business_rules_approve(const json_t *body, struct business_approve_input *ret,
                           struct jspec_error *err)
{
    APPROVE out = {0};
    int rc = parse_into(body, &approve_spec, &out, err);
    if (rc == OF_OK)
        *ret = out;
    return rc;
}

#define REJECT struct business_reject_input
static const struct jspec_field reject_fields[] = {
    JSPEC_TEXT(REJECT, reason, BUSINESS_NOTE_MAX),
};
static const struct jspec reject_spec =
    JSPEC_SPEC(REJECT, reject_fields, JSPEC_STRICT, .read_only = decision_owned);

int business_rules_reject(const json_t *body, struct business_reject_input *ret,
                          struct jspec_error *err)
{
    REJECT out = {{0}};
    int rc = parse_into(body, &reject_spec, &out, err);
    if (rc == OF_OK)
        *ret = out;
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Outlet fields */

void business_rules_outlet_defaults(struct business_outlet *ret)
{
    memset(ret, 0, sizeof *ret);
    ret->is_open = true;
    ret->auto_approve = false;
    ret->approval_sla_s = BUSINESS_SLA_DEFAULT_S;
}

bool business_rules_outlet_apply(struct business_outlet *o, const struct business_outlet_fields *f)
{
    struct business_outlet n = *o;
    if (f->set_name)
        memcpy(n.name, f->name, sizeof n.name);
    if (f->set_address)
        memcpy(n.address, f->address, sizeof n.address);
    if (f->set_lat)
        n.lat = f->lat;
    if (f->set_lng)
        n.lng = f->lng;
    if (f->set_open)
        n.is_open = f->open;
    if (f->set_auto_approve)
        n.auto_approve = f->auto_approve;
    if (f->set_sla)
        n.approval_sla_s = f->approval_sla_s;
    bool changed = strcmp(n.name, o->name) != 0 || strcmp(n.address, o->address) != 0 ||
                   n.lat != o->lat || n.lng != o->lng || n.is_open != o->is_open ||
                   n.auto_approve != o->auto_approve || n.approval_sla_s != o->approval_sla_s;
    if (!changed)
        return false;
    n.version = o->version + 1;
    *o = n;
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Queue query and cursor */

/* The queue's cursor is common's page cursor over (placed_ms, order_id). */
_Static_assert(PAGE_CURSOR_SIZE <= BUSINESS_CURSOR_SIZE, "cursor buffer");

int business_rules_cursor_encode(const struct business_queue_cursor *c,
                                 char ret[BUSINESS_CURSOR_SIZE])
{
    struct page_cursor pc = {.ms = c->placed_ms};
    if (c->placed_ms > BUSINESS_MS_MAX)
        return OF_EPERMANENT;
    memcpy(pc.id, c->order_id, UUID_STR_LEN);
    pc.id[UUID_STR_LEN - 1] = '\0';
    return page_cursor_encode(&pc, ret);
}

int business_rules_cursor_decode(const char *s, struct business_queue_cursor *ret)
{
    struct page_cursor pc;
    if (page_cursor_decode(s, &pc) != OF_OK || pc.ms > BUSINESS_MS_MAX)
        return OF_EPERMANENT;
    ret->placed_ms = pc.ms;
    memcpy(ret->order_id, pc.id, UUID_STR_LEN);
    return OF_OK;
}

int business_rules_queue_query(const char *status, const char *limit, const char *cursor,
                               struct business_queue_query *ret, struct jspec_error *err)
{
    struct business_queue_query q = {0};
    if (status && business_state_status_parse(status, &q.status) != OF_OK)
        return jspec_fail(err, API_INVALID_VALUE, "status",
                          "must be one of PENDING, APPROVED, REJECTED, CANCELLED");
    q.has_status = status != NULL;
    if (jspec_query_limit(limit, BUSINESS_QUEUE_LIMIT_DEFAULT, BUSINESS_QUEUE_LIMIT_MAX, &q.limit,
                          err) != OF_OK)
        return OF_EPERMANENT;
    if (cursor && business_rules_cursor_decode(cursor, &q.cursor) != OF_OK)
        return jspec_fail(err, API_INVALID_VALUE, "cursor", "is not a cursor of this listing");
    q.has_cursor = cursor != NULL;
    *ret = q;
    return OF_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Event data */

/* The dead letter's reason for e under prefix (jspec_reason), returned as OF_EPERMANENT. */
static int event_fail(const char *prefix, const struct jspec_error *e, char *err, size_t errlen)
{
    jspec_reason(e, prefix, err, errlen);
    return OF_EPERMANENT;
}

/* An RFC 3339 time within [1970, 9999] as Unix ms (a JSPEC_T_CUSTOM parser: writes int64_t). */
static int time_parse(const json_t *v, const struct jspec_field *f, void *dst,
                      struct jspec_error *err)
{
    const char *s;
    size_t len;
    int64_t ms;
    if (jspec_string(v, f->name, &s, &len, err) < 0)
        return OF_EPERMANENT;
    if (len > 64 || timestamp_parse(s, &ms) != 0)
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must be an RFC 3339 timestamp");
    if (ms < 0 || ms > BUSINESS_MS_MAX)
        return jspec_fail(err, API_OUT_OF_RANGE, f->name, "must be between 1970 and 9999");
    memcpy(dst, &ms, sizeof ms);
    return OF_OK;
}

/* One line of order.placed.v1. */
struct line_in {
    char item_id[UUID_STR_LEN];
    char sku[BUSINESS_SKU_MAX + 1];
    char name[BUSINESS_TEXT_SIZE(BUSINESS_LINE_NAME_MAX)];
    long long qty, unit_price_minor, line_total_minor;
    bool has_sku, has_unit, has_total;
};

#define LINE struct line_in
static const struct jspec_field line_fields[] = {
    JSPEC_UUID(LINE, item_id),
    JSPEC_STRING(LINE, sku, BUSINESS_SKU_MAX, .presence = JSPEC_OPTIONAL,
                 JSPEC_PRESENT(LINE, has_sku)),
    JSPEC_TEXT(LINE, name, BUSINESS_LINE_NAME_MAX),
    JSPEC_INTEGER(LINE, qty, 1, 1000),
    JSPEC_INTEGER(LINE, unit_price_minor, 0, INT64_MAX, .presence = JSPEC_OPTIONAL,
                  JSPEC_PRESENT(LINE, has_unit)),
    JSPEC_INTEGER(LINE, line_total_minor, 0, INT64_MAX, .presence = JSPEC_OPTIONAL,
                  JSPEC_PRESENT(LINE, has_total)),
};
static const struct jspec line_spec = JSPEC_SPEC(LINE, line_fields, JSPEC_LENIENT);

/* The line's known members as a new object. */
static json_t *line_json(const struct line_in *l)
{
    json_t *o = json_pack("{s:s, s:s, s:I}", "item_id", l->item_id, "name", l->name, "qty",
                          (json_int_t)l->qty);
    if (o && l->has_sku && json_object_set_new(o, "sku", json_string(l->sku)) != 0)
        goto bad;
    if (o && l->has_unit &&
        json_object_set_new(o, "unit_price_minor", json_integer(l->unit_price_minor)) != 0)
        goto bad;
    if (o && l->has_total &&
        json_object_set_new(o, "line_total_minor", json_integer(l->line_total_minor)) != 0)
        goto bad;
    return o;
bad:
    json_decref(o);
    return NULL;
}

/* The lines array (1..BUSINESS_LINES_MAX, checked by the table) into a new array of line_json;
 * NULL with the reason in err. */
static json_t *lines_parse(const json_t *lines, char *err, size_t errlen)
{
    json_t *out = json_array();
    size_t i;
    const json_t *v;
    json_array_foreach(lines, i, v)
    {
        struct line_in l = {0};
        struct jspec_error e;
        char prefix[48];
        if (jspec_parse(v, &line_spec, &l, &e) != 0) {
            snprintf(prefix, sizeof prefix, "data.lines[%zu]", i);
            event_fail(prefix, &e, err, errlen);
            json_decref(out);
            return NULL;
        }
        if (!out || json_array_append_new(out, line_json(&l)) != 0) {
            json_decref(out);
            if (err && errlen)
                snprintf(err, errlen, "data.lines: cannot be stored");
            return NULL;
        }
    }
    return out;
}

#define DROP struct business_drop_off
static const struct jspec_field drop_off_fields[] = {
    JSPEC_NUMBER(DROP, lat, -90, 90),
    JSPEC_NUMBER(DROP, lng, -180, 180),
    JSPEC_TEXT(DROP, line1, BUSINESS_LINE1_MAX, .presence = JSPEC_OPTIONAL),
    JSPEC_TEXT(DROP, city, BUSINESS_CITY_MAX, .presence = JSPEC_OPTIONAL),
};
static const struct jspec drop_off_spec = JSPEC_SPEC(DROP, drop_off_fields, JSPEC_LENIENT);

/* order.placed.v1's data by its wire names. */
struct placed_in {
    char order_id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    const json_t *lines;
    long long total_minor;
    char currency[4];
    char reservation_id[UUID_STR_LEN];
    const json_t *drop_off;
    int64_t placed_at;
};

#define PLACED struct placed_in
static const struct jspec_field placed_fields[] = {
    JSPEC_UUID(PLACED, order_id),
    JSPEC_UUID(PLACED, customer_id),
    JSPEC_UUID(PLACED, outlet_id),
    JSPEC_ARRAY(PLACED, lines, 1, BUSINESS_LINES_MAX),
    JSPEC_INTEGER(PLACED, total_minor, 0, INT64_MAX),
    JSPEC_STRING(PLACED, currency, 3, .check = jspec_check_currency),
    JSPEC_UUID(PLACED, reservation_id, .presence = JSPEC_OPTIONAL, .nullable = true),
    JSPEC_OBJECT(PLACED, drop_off),
    JSPEC_CUSTOM(PLACED, placed_at, time_parse),
};
static const struct jspec placed_spec = JSPEC_SPEC(PLACED, placed_fields, JSPEC_LENIENT);

int business_rules_order_placed(const json_t *data, struct business_queue_entry *ret, char *err,
                                size_t errlen)
{
    PLACED in = {0};
    struct jspec_error e;
    struct business_drop_off drop = {0};
    if (jspec_parse(data, &placed_spec, &in, &e) != 0)
        return event_fail("data", &e, err, errlen);
    if (jspec_parse(in.drop_off, &drop_off_spec, &drop, &e) != 0)
        return event_fail("data.drop_off", &e, err, errlen);
    json_t *lines = lines_parse(in.lines, err, errlen);
    if (!lines)
        return OF_EPERMANENT;
    struct business_queue_entry out = {.status = BUSINESS_PENDING,
                                       .lines = lines,
                                       .total_minor = in.total_minor,
                                       .drop_off = drop,
                                       .placed_ms = in.placed_at};
    memcpy(out.order_id, in.order_id, UUID_STR_LEN);
    memcpy(out.customer_id, in.customer_id, UUID_STR_LEN);
    memcpy(out.outlet_id, in.outlet_id, UUID_STR_LEN);
    memcpy(out.reservation_id, in.reservation_id, UUID_STR_LEN);
    memcpy(out.currency, in.currency, sizeof out.currency);
    *ret = out;
    return OF_OK;
}

struct order_ref_in {
    char order_id[UUID_STR_LEN];
};

#define ORDER_REF struct order_ref_in
static const struct jspec_field order_ref_fields[] = {
    JSPEC_UUID(ORDER_REF, order_id),
};
static const struct jspec order_ref_spec = JSPEC_SPEC(ORDER_REF, order_ref_fields, JSPEC_LENIENT);

int business_rules_order_ref(const json_t *data, char ret[UUID_STR_LEN], char *err, size_t errlen)
{
    ORDER_REF in = {{0}};
    struct jspec_error e;
    if (jspec_parse(data, &order_ref_spec, &in, &e) != 0)
        return event_fail("data", &e, err, errlen);
    memcpy(ret, in.order_id, UUID_STR_LEN);
    return OF_OK;
}
