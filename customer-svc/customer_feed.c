/* customer-svc outlet feed, pure: ranks candidate outlets by great-circle distance and cuts the
 * page after a cursor (see customer_feed.h). */
#include "customer_feed.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/geo.h"
#include "common/xalloc.h"
#include "customer_json.h"
#include "customer_rules.h"

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

/* The cursor after ranked row r, or JSON null when r is the last row. */
static json_t *next_cursor(const struct ranked *r, bool last)
{
    struct customer_feed_cursor c = {.distance_m = r->distance_m};
    char text[CUSTOMER_CURSOR_SIZE];
    if (last)
        return json_null();
    memcpy(c.outlet_id, r->outlet->id, UUID_STR_LEN);
    if (customer_rules_cursor_encode(&c, text) != OF_OK)
        return NULL; /* ids and distances come validated from the store */
    return json_string(text);
}

/* Builds the page of ranked[0..n-1] that starts after q's cursor; NULL when an item cannot be
 * serialised. */
static json_t *page_json(const struct ranked *ranked, size_t n, const struct customer_feed_query *q)
{
    size_t from = 0, to;
    while (q->has_cursor && from < n && !after_cursor(&ranked[from], &q->cursor))
        from++;
    to = n - from > (size_t)q->limit ? from + (size_t)q->limit : n;
    json_t *items = json_array();
    for (size_t i = from; items && i < to; i++) {
        if (json_array_append_new(
                items, customer_json_feed_outlet(ranked[i].outlet, ranked[i].distance_m)) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    if (!items)
        return NULL;
    return json_pack("{s:o, s:o}", "outlets", items, "next_cursor",
                     next_cursor(&ranked[to > 0 ? to - 1 : 0], to == n));
}

int customer_feed_page(const struct customer_outlet *list, size_t n, double lat, double lng,
                       const struct customer_feed_query *q, json_t **ret_body)
{
    size_t m;
    struct ranked *ranked = rank(list, n, lat, lng, q->radius_m, &m);
    json_t *body = page_json(ranked, m, q);
    free(ranked);
    if (!body)
        return OF_EPERMANENT;
    *ret_body = body;
    return OF_OK;
}
