/* customer-svc outlet feed: outlet event handlers and the paged nearest-first query (see
 * customer_feed.h). */
#include "customer_feed.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/envelope.h"
#include "common/errors.h"
#include "common/geo.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/uuid.h"
#include "common/xalloc.h"
#include "customer_rules.h"

/* ---- Event data ---- */

static int bad(char *err, size_t errlen, const char *field, const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "data.%s: %s", field, why);
    return OF_EPERMANENT;
}

static int uuid_member(const json_t *data, const char *field, char ret[UUID_STR_LEN], char *err,
                       size_t errlen)
{
    const json_t *v = json_object_get(data, field);
    if (!v)
        return bad(err, errlen, field, "missing");
    if (!json_is_string(v) || !uuid_valid(json_string_value(v)))
        return bad(err, errlen, field, "must be a UUID string");
    snprintf(ret, UUID_STR_LEN, "%s", json_string_value(v));
    return OF_OK;
}

/* Characters of valid UTF-8 s (jansson strings are), or -1 on a control character. */
static long text_chars(const char *s)
{
    long n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            return -1;
        if ((*p & 0xC0) != 0x80)
            n++;
    }
    return n;
}

static bool blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

static int name_member(const json_t *data, char *ret, size_t len, char *err, size_t errlen)
{
    const json_t *v = json_object_get(data, "name");
    if (!v)
        return bad(err, errlen, "name", "missing");
    if (!json_is_string(v))
        return bad(err, errlen, "name", "must be a string");
    const char *s = json_string_value(v);
    long chars = strlen(s) == json_string_length(v) ? text_chars(s) : -1;
    if (chars < 0 || blank(s))
        return bad(err, errlen, "name", "must be text without control characters, not blank");
    if (chars > CUSTOMER_OUTLET_NAME_MAX || strlen(s) >= len)
        return bad(err, errlen, "name", "too long");
    snprintf(ret, len, "%s", s);
    return OF_OK;
}

static int coord_member(const json_t *data, const char *field, bool (*valid)(double), double *ret,
                        char *err, size_t errlen)
{
    const json_t *v = json_object_get(data, field);
    if (!v)
        return bad(err, errlen, field, "missing");
    if (!json_is_number(v))
        return bad(err, errlen, field, "must be a number");
    if (!valid(json_number_value(v)))
        return bad(err, errlen, field, "out of range");
    *ret = json_number_value(v);
    return OF_OK;
}

int customer_feed_outlet_parse(const json_t *data, struct customer_outlet *ret, char *err,
                               size_t errlen)
{
    struct customer_outlet o = {0};
    if (!json_is_object(data))
        return bad(err, errlen, "", "must be an object");
    if (uuid_member(data, "outlet_id", o.id, err, errlen) != OF_OK ||
        uuid_member(data, "business_id", o.business_id, err, errlen) != OF_OK ||
        name_member(data, o.name, sizeof o.name, err, errlen) != OF_OK ||
        coord_member(data, "lat", geo_lat_valid, &o.lat, err, errlen) != OF_OK ||
        coord_member(data, "lng", geo_lng_valid, &o.lng, err, errlen) != OF_OK)
        return OF_EPERMANENT;
    const json_t *open = json_object_get(data, "is_open");
    if (!open)
        return bad(err, errlen, "is_open", "missing");
    if (!json_is_boolean(open))
        return bad(err, errlen, "is_open", "must be a boolean");
    o.is_open = json_is_true(open);
    *ret = o;
    return OF_OK;
}

/* ---- Handlers ---- */

static int outlet_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    struct customer_outlet o;
    char why[128];
    int64_t version;
    if (timestamp_parse(ev->occurred_at, &version) != 0) {
        log_warn(ctx->log, "outlet event rejected: occurred_at is not a timestamp");
        return OF_EPERMANENT;
    }
    if (customer_feed_outlet_parse(ev->data, &o, why, sizeof why) != OF_OK) {
        log_warn(ctx->log, "outlet event rejected: %s", why);
        return OF_EPERMANENT;
    }
    return store_outlet_upsert(ctx->db, &o, version);
}

const struct event_handler customer_feed_handlers[] = {
    {"business.outlet.created.v1", outlet_handle, NULL},
    {"business.outlet.updated.v1", outlet_handle, NULL},
};
const size_t customer_feed_n_handlers =
    sizeof customer_feed_handlers / sizeof customer_feed_handlers[0];

/* ---- The feed ---- */

struct ranked {
    double distance_m;
    const struct customer_outlet *outlet;
};

static int ranked_cmp(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->distance_m != y->distance_m)
        return x->distance_m < y->distance_m ? -1 : 1;
    return strcmp(x->outlet->id, y->outlet->id);
}

/* True if r comes strictly after the cursor in (distance, id) order. */
static bool after_cursor(const struct ranked *r, const struct customer_feed_cursor *c)
{
    if (r->distance_m != c->distance_m)
        return r->distance_m > c->distance_m;
    return strcmp(r->outlet->id, c->outlet_id) > 0;
}

/* The candidates within radius_m of (lat, lng), sorted, in a new array of *ret_n. */
static struct ranked *rank(const struct customer_outlet *list, size_t n, double lat, double lng,
                           double radius_m, size_t *ret_n)
{
    struct ranked *r = xcalloc(n ? n : 1, sizeof *r);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = geo_distance_m(lat, lng, list[i].lat, list[i].lng);
        if (d <= radius_m)
            r[m++] = (struct ranked){d, &list[i]};
    }
    qsort(r, m, sizeof *r, ranked_cmp);
    *ret_n = m;
    return r;
}

static json_t *outlet_json(const struct ranked *r)
{
    const struct customer_outlet *o = r->outlet;
    return json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}", "id", o->id, "business_id", o->business_id,
                     "name", o->name, "lat", o->lat, "lng", o->lng, "distance_m",
                     round(r->distance_m * 10.0) / 10.0);
}

/* Builds the page of ranked[0..n-1] that starts after q's cursor. */
static json_t *page_json(const struct ranked *ranked, size_t n, const struct customer_feed_query *q)
{
    size_t from = 0, to;
    while (q->has_cursor && from < n && !after_cursor(&ranked[from], &q->cursor))
        from++;
    to = n - from > (size_t)q->limit ? from + (size_t)q->limit : n;
    json_t *items = json_array();
    for (size_t i = from; i < to; i++)
        json_array_append_new(items, outlet_json(&ranked[i]));
    json_t *next = json_null();
    if (to < n) {
        struct customer_feed_cursor c = {.distance_m = ranked[to - 1].distance_m};
        char text[CUSTOMER_CURSOR_SIZE];
        memcpy(c.outlet_id, ranked[to - 1].outlet->id, UUID_STR_LEN);
        if (customer_rules_cursor_encode(&c, text) == OF_OK) {
            json_decref(next);
            next = json_string(text);
        }
    }
    return json_pack("{s:o, s:o}", "outlets", items, "next_cursor", next);
}

int customer_feed_page(PGconn *c, const char *account_id, const struct customer_feed_query *q,
                       json_t **ret_body)
{
    struct customer_address a;
    struct geo_box box;
    struct customer_outlet *list = NULL;
    size_t n, m;
    int rc = store_address_get(c, account_id, q->address_id, &a);
    if (rc != OF_OK)
        return rc;
    if (geo_box_around(a.lat, a.lng, q->radius_m, &box) != OF_OK)
        return OF_EPERMANENT; /* the store holds only valid coordinates */
    rc = store_outlet_in_box(c, &box, &list, &n);
    if (rc != OF_OK)
        return rc;
    struct ranked *ranked = rank(list, n, a.lat, a.lng, q->radius_m, &m);
    *ret_body = page_json(ranked, m, q);
    free(ranked);
    free(list);
    return OF_OK;
}
