/* Tests of customer_feed_page: ranking by great-circle distance with ties broken by outlet id,
 * the radius filter at its edge, the limit, and cursor paging (walking next_cursor until null
 * yields every outlet in radius exactly once, in order, for many limits and with ties at one
 * point), an empty list, a cursor past the end, distance_m rounded while the cursor keeps the
 * exact distance, and an outlet that cannot be serialised. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/errors.h"
#include "common/geo.h"
#include "customer.h"
#include "customer_feed.h"
#include "customer_rules.h"
#include "customer_tests.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define ADDRESS_ID "0190a5d2-8c3b-7def-8123-456789abcdef"

/* An outlet whose id (and business id and name) carry the number k. */
static struct customer_outlet outlet(unsigned k, double lat, double lng)
{
    struct customer_outlet o = {.lat = lat, .lng = lng, .is_open = true};
    snprintf(o.id, sizeof o.id, "00000000-0000-7000-8000-%012u", k);
    snprintf(o.business_id, sizeof o.business_id, "00000000-0000-7000-9000-%012u", k);
    snprintf(o.name, sizeof o.name, "Outlet %u", k);
    return o;
}

static const struct customer_outlet *find(const struct customer_outlet *list, size_t n,
                                          const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].id, id) == 0)
            return &list[i];
    return NULL;
}

static struct customer_feed_query query(double radius_m, int limit)
{
    struct customer_feed_query q = {.address_id = ADDRESS_ID, .radius_m = radius_m, .limit = limit};
    return q;
}

/* The candidate outlets of a feed and the point it is read around. */
struct feed {
    const struct customer_outlet *list;
    size_t n;
    double lat, lng;
};

/* Checks one page's shape and rows (against the outlets they came from) and returns its
 * outlets array (borrowed from body). */
static const json_t *check_page(const struct feed *f, const json_t *body)
{
    const json_t *items = json_object_get(body, "outlets");
    const json_t *next = json_object_get(body, "next_cursor");
    size_t i;
    const json_t *item;

    assert_true(json_is_object(body));
    assert_int_equal(json_object_size(body), 2);
    assert_true(json_is_array(items));
    assert_true(json_is_string(next) || json_is_null(next));
    json_array_foreach(items, i, item)
    {
        const char *id = json_string_value(json_object_get(item, "id"));
        const struct customer_outlet *o = find(f->list, f->n, id ? id : "");
        if (!o)
            fail_msg("row %zu: not an outlet of the list", i);
        double d = geo_distance_m(f->lat, f->lng, o->lat, o->lng);
        assert_string_equal(json_string_value(json_object_get(item, "business_id")),
                            o->business_id);
        assert_string_equal(json_string_value(json_object_get(item, "name")), o->name);
        assert_true(json_real_value(json_object_get(item, "lat")) == o->lat);
        assert_true(json_real_value(json_object_get(item, "lng")) == o->lng);
        if (json_real_value(json_object_get(item, "distance_m")) != round(d * 10.0) / 10.0)
            fail_msg("%s: distance_m %.17g for %.17g", id,
                     json_real_value(json_object_get(item, "distance_m")), d);
    }
    return items;
}

/* Walks every page with the given limit, each cursor decoded from the page before, and checks
 * that the rows are expect[0..n_expect-1] in order, each once; that no page holds more than limit
 * rows, every page but the last exactly limit and the last at least one (unless nothing matched);
 * and that each cursor holds the exact
 * distance and id of its page's last row. */
static void walk(const struct feed *f, double radius_m, int limit, const char *const *expect,
                 size_t n_expect)
{
    struct customer_feed_query q = query(radius_m, limit);
    size_t seen = 0, pages = 0;

    for (;;) {
        json_t *body = NULL;
        if (pages++ > n_expect + 1)
            fail_msg("limit %d: more pages than rows", limit);
        assert_int_equal(customer_feed_page(f->list, f->n, f->lat, f->lng, &q, &body), OF_OK);
        const json_t *items = check_page(f, body);
        const json_t *next = json_object_get(body, "next_cursor");
        size_t k = json_array_size(items);
        if (k > (size_t)limit)
            fail_msg("limit %d: a page of %zu", limit, k);
        for (size_t i = 0; i < k; i++, seen++) {
            const char *id = json_string_value(json_object_get(json_array_get(items, i), "id"));
            if (seen >= n_expect || strcmp(id, expect[seen]) != 0)
                fail_msg("limit %d, row %zu: %s, expected %s", limit, seen, id,
                         seen < n_expect ? expect[seen] : "no more rows");
        }
        if (json_is_null(next)) {
            if (k == 0 && n_expect > 0)
                fail_msg("limit %d: an empty last page", limit);
            json_decref(body);
            break;
        }
        if (k != (size_t)limit)
            fail_msg("limit %d: a page of %zu before the last", limit, k);
        /* The cursor is the exact (distance, id) of the page's last row. */
        const char *last = json_string_value(json_object_get(json_array_get(items, k - 1), "id"));
        const struct customer_outlet *o = find(f->list, f->n, last);
        double d = geo_distance_m(f->lat, f->lng, o->lat, o->lng);
        assert_int_equal(customer_rules_cursor_decode(json_string_value(next), &q.cursor), 0);
        assert_memory_equal(&q.cursor.distance_m, &d, sizeof d);
        assert_string_equal(q.cursor.outlet_id, last);
        q.has_cursor = true;
        json_decref(body);
    }
    if (seen != n_expect)
        fail_msg("limit %d: %zu rows, expected %zu", limit, seen, n_expect);
}

static void walk_limits(const struct feed *f, double radius_m, const char *const *expect,
                        size_t n_expect)
{
    const int limits[] = {1, 2, 3, 4, 5, (int)n_expect, (int)n_expect + 1, 100};
    for (size_t i = 0; i < N(limits); i++)
        if (limits[i] >= 1)
            walk(f, radius_m, limits[i], expect, n_expect);
}

#define ID(k) "00000000-0000-7000-8000-0000000000" #k

/* Around (0, 0): one outlet at the centre, two mirrored across the equator (the same distance),
 * three at one point, others nearer and farther, one outside 5 km; listed in no useful order. */
static const struct customer_outlet *scene(size_t *ret_n)
{
    static struct customer_outlet list[9];
    list[0] = outlet(5, 0.001, 0);   /* 111.2 m north */
    list[1] = outlet(3, -0.001, 0);  /* 111.2 m south: tie with 5 */
    list[2] = outlet(9, 0, 0.002);   /* 222.4 m east */
    list[3] = outlet(1, 0, 0.002);   /* the same point */
    list[4] = outlet(17, 0.05, 0);   /* 5559.7 m: out of 5 km */
    list[5] = outlet(2, 0, 0.002);   /* the same point */
    list[6] = outlet(7, 0.0005, 0);  /* 55.6 m */
    list[7] = outlet(4, 0.01, 0.01); /* 1572.5 m */
    list[8] = outlet(6, 0, 0);       /* at the centre */
    *ret_n = N(list);
    return list;
}

static const char *const scene_order[] = {ID(06), ID(07), ID(03), ID(05),
                                          ID(01), ID(02), ID(09), ID(04)};

static void ranking_and_paging(void **state)
{
    (void)state;
    size_t n;
    const struct customer_outlet *list = scene(&n);
    struct feed f = {list, n, 0, 0};

    /* The ties are real ties: bit-equal distances. */
    assert_true(geo_distance_m(0, 0, 0.001, 0) == geo_distance_m(0, 0, -0.001, 0));
    walk_limits(&f, 5000.0, scene_order, N(scene_order));
    /* A larger radius takes in the far one, last. */
    const char *const all[] = {ID(06), ID(07), ID(03), ID(05), ID(01),
                               ID(02), ID(09), ID(04), ID(17)};
    walk_limits(&f, 50000.0, all, N(all));
    /* A smaller one cuts after the tie at 111.2 m. */
    walk_limits(&f, 150.0, scene_order, 4);
}

/* Many outlets at one point (and so at one distance) are paged by id alone, a page boundary
 * falling inside the tie for every limit below their count. */
static void ties_at_one_point(void **state)
{
    (void)state;
    static const unsigned ks[] = {42, 7, 19, 3, 88, 11, 64};
    static const char *const expect[] = {ID(99), ID(03), ID(07), ID(11), ID(19),
                                         ID(42), ID(64), ID(88), ID(01)};
    struct customer_outlet list[N(ks) + 2];
    struct feed f = {list, N(list), 48.8566, 2.3522};

    for (size_t i = 0; i < N(ks); i++)
        list[i] = outlet(ks[i], 48.8570, 2.3530);
    list[N(ks)] = outlet(99, 48.8566, 2.3522);  /* at the centre, first despite its id */
    list[N(ks) + 1] = outlet(1, 48.8600, 2.36); /* farther, last despite its id */
    for (int limit = 1; limit <= (int)N(list) + 1; limit++)
        walk(&f, 5000.0, limit, expect, N(expect));
}

/* A larger scene, pseudo-random but fixed, with duplicate points, checked against a plain
 * insertion sort by (geo_distance_m, id). */
static void many_outlets_against_a_reference_order(void **state)
{
    (void)state;
    enum { COUNT = 60 };
    struct customer_outlet list[COUNT];
    double dist[COUNT];
    const char *expect[COUNT];
    size_t m = 0;
    uint32_t x = 12345;
    struct feed f = {list, COUNT, -33.8688, 151.2093};

    for (unsigned i = 0; i < COUNT; i++) {
        x = x * 1103515245u + 12345u;
        double dlat = ((int)((x >> 8) % 2000) - 1000) / 1000.0 * 0.06;
        x = x * 1103515245u + 12345u;
        double dlng = ((int)((x >> 8) % 2000) - 1000) / 1000.0 * 0.07;
        if (i % 7 == 3) /* every seventh shares the previous one's point */
            list[i] = outlet(1000 - i, list[i - 1].lat, list[i - 1].lng);
        else
            list[i] = outlet(1000 - i, f.lat + dlat, f.lng + dlng);
    }
    for (size_t i = 0; i < COUNT; i++) {
        double d = geo_distance_m(f.lat, f.lng, list[i].lat, list[i].lng);
        size_t j = m;
        if (d > 5000.0)
            continue;
        while (j > 0 &&
               (dist[j - 1] > d || (dist[j - 1] == d && strcmp(expect[j - 1], list[i].id) > 0))) {
            dist[j] = dist[j - 1];
            expect[j] = expect[j - 1];
            j--;
        }
        dist[j] = d;
        expect[j] = list[i].id;
        m++;
    }
    assert_true(m > 10 && m < COUNT); /* some in, some out */
    walk_limits(&f, 5000.0, expect, m);
    walk(&f, 5000.0, 7, expect, m);
    walk(&f, 5000.0, 20, expect, m);
}

/* An outlet exactly at the radius is in; at the next double below it, out. */
static void radius_edge(void **state)
{
    (void)state;
    struct customer_outlet list[] = {outlet(1, 0.0005, 0), outlet(2, 0.00899, 0.0003),
                                     outlet(3, 0.009, 0)};
    struct feed f = {list, N(list), 0, 0};
    double edge = geo_distance_m(0, 0, list[1].lat, list[1].lng);

    walk(&f, edge, 10, (const char *const[]){ID(01), ID(02)}, 2);
    walk(&f, nextafter(edge, 0), 10, (const char *const[]){ID(01)}, 1);

    /* In metres as a client sees them: 999.9 m is within 1 km, 1000.1 m is not. */
    const double per_m = 180.0 / (M_PI * GEO_EARTH_RADIUS_M); /* degrees of latitude */
    struct customer_outlet near[] = {outlet(4, 1000.1 * per_m, 0), outlet(5, 999.9 * per_m, 0)};
    struct feed g = {near, N(near), 0, 0};
    walk(&g, 1000.0, 10, (const char *const[]){ID(05)}, 1);
}

/* The nearest outlet across the antimeridian comes first. */
static void across_the_antimeridian(void **state)
{
    (void)state;
    struct customer_outlet list[] = {outlet(1, 0, 179.998), outlet(2, 0, -179.9995),
                                     outlet(3, 0, 0)};
    struct feed f = {list, N(list), 0, 179.9995};

    walk(&f, 5000.0, 1, (const char *const[]){ID(02), ID(01)}, 2);
}

static void empty(void **state)
{
    (void)state;
    struct customer_outlet far = outlet(1, 10, 10);
    struct customer_feed_query q = query(5000.0, 20);
    json_t *body = NULL;

    /* No candidates at all, and none within the radius. */
    for (size_t n = 0; n <= 1; n++) {
        assert_int_equal(customer_feed_page(&far, n, 0, 0, &q, &body), OF_OK);
        assert_int_equal(json_object_size(body), 2);
        assert_int_equal(json_array_size(json_object_get(body, "outlets")), 0);
        assert_true(json_is_array(json_object_get(body, "outlets")));
        assert_true(json_is_null(json_object_get(body, "next_cursor")));
        json_decref(body);
    }
}

/* Pages after a cursor that is past every row, or that names no listed outlet. */
static void cursors_between_and_past_rows(void **state)
{
    (void)state;
    size_t n;
    const struct customer_outlet *list = scene(&n);
    struct feed f = {list, n, 0, 0};
    struct customer_feed_query q = query(5000.0, 20);
    json_t *body = NULL;
    static const struct {
        double distance_m; /* when row is NULL */
        const char *row;   /* the listed outlet whose exact distance the cursor has */
        const char *id;
        size_t first; /* index in scene_order of the first row after it */
    } cases[] = {
        {10000.0, NULL, ID(00), N(scene_order)}, /* beyond the farthest */
        {0, ID(04), ID(04), N(scene_order)},     /* the last row itself */
        {0, ID(04), ID(05), N(scene_order)},     /* same distance, a later id */
        {0, ID(03), ID(04), 3},                  /* within a tie, on an id not listed */
        {0, ID(03), ID(00), 2},                  /* before the tie's first id */
        {0.0, NULL, ID(00), 0},                  /* before the outlet at the centre */
        {0.0, NULL, ID(06), 1},                  /* the outlet at the centre */
        {M_PI * GEO_EARTH_RADIUS_M, NULL, ID(00), N(scene_order)}, /* the farthest a cursor can */
    };

    for (size_t i = 0; i < N(cases); i++) {
        q.has_cursor = true;
        if (cases[i].row) {
            const struct customer_outlet *o = find(list, n, cases[i].row);
            q.cursor.distance_m = geo_distance_m(0, 0, o->lat, o->lng);
        } else {
            q.cursor.distance_m = cases[i].distance_m;
        }
        memcpy(q.cursor.outlet_id, cases[i].id, UUID_STR_LEN);
        assert_int_equal(customer_feed_page(list, n, 0, 0, &q, &body), OF_OK);
        const json_t *items = check_page(&f, body);
        size_t k = json_array_size(items);
        if (k != N(scene_order) - cases[i].first)
            fail_msg("case %zu: %zu rows", i, k);
        for (size_t j = 0; j < k; j++)
            assert_string_equal(json_string_value(json_object_get(json_array_get(items, j), "id")),
                                scene_order[cases[i].first + j]);
        assert_true(json_is_null(json_object_get(body, "next_cursor")));
        json_decref(body);
    }
}

/* distance_m is rounded to 0.1 m for the client; the cursor keeps every bit of the distance, or
 * a row just past the rounded value would be skipped or repeated. */
static void rounded_distance_exact_cursor(void **state)
{
    (void)state;
    struct customer_outlet list[] = {outlet(1, 0.0012345, 0.0006789), outlet(2, 0.003, 0)};
    struct customer_feed_query q = query(5000.0, 1);
    double d = geo_distance_m(0, 0, list[0].lat, list[0].lng);
    json_t *body = NULL;
    struct customer_feed_cursor c;

    assert_int_equal(customer_feed_page(list, N(list), 0, 0, &q, &body), OF_OK);
    const json_t *row = json_array_get(json_object_get(body, "outlets"), 0);
    double shown = json_real_value(json_object_get(row, "distance_m"));
    assert_true(shown != d); /* else this test proves nothing */
    assert_true(shown == round(d * 10.0) / 10.0);
    assert_true(fabs(shown - d) <= 0.05);
    assert_int_equal(
        customer_rules_cursor_decode(json_string_value(json_object_get(body, "next_cursor")), &c),
        0);
    assert_memory_equal(&c.distance_m, &d, sizeof d);
    assert_string_equal(c.outlet_id, ID(01));
    json_decref(body);
}

/* An outlet that cannot be serialised fails the page when it is on it, and only then. */
static void unserialisable_outlet(void **state)
{
    (void)state;
    struct customer_outlet list[] = {outlet(1, 0.001, 0), outlet(2, 0.002, 0), outlet(3, 0.003, 0)};
    static json_t sentinel_object;
    json_t *const sentinel = &sentinel_object;
    json_t *body = sentinel;
    struct customer_feed_query q = query(5000.0, 2);

    strcpy(list[1].name, "bad \xff");
    assert_int_equal(customer_feed_page(list, N(list), 0, 0, &q, &body), OF_EPERMANENT);
    assert_ptr_equal(body, sentinel);
    q.limit = 1;
    assert_int_equal(customer_feed_page(list, N(list), 0, 0, &q, &body), OF_OK);
    assert_int_equal(json_array_size(json_object_get(body, "outlets")), 1);
    json_decref(body);
}

int run_feed_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranking_and_paging),
        cmocka_unit_test(ties_at_one_point),
        cmocka_unit_test(many_outlets_against_a_reference_order),
        cmocka_unit_test(radius_edge),
        cmocka_unit_test(across_the_antimeridian),
        cmocka_unit_test(empty),
        cmocka_unit_test(cursors_between_and_past_rows),
        cmocka_unit_test(rounded_distance_exact_cursor),
        cmocka_unit_test(unserialisable_outlet),
    };
    return cmocka_run_group_tests_name("customer_feed", tests, NULL, NULL);
}
