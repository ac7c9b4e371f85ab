/* Tests of path matching with {name} captures and of the found / 404 / 405 lookup. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "common/route.h"

static void capture_one(void **state)
{
    (void)state;
    struct route_params p;
    assert_int_equal(route_match("/v1/orders/{id}", "/v1/orders/abc-123", &p), 1);
    assert_int_equal(p.n, 1);
    assert_string_equal(route_param(&p, "id"), "abc-123");
    assert_null(route_param(&p, "i"));
    assert_null(route_param(&p, "idx"));
    assert_null(route_param(&p, "other"));
}

static void capture_several(void **state)
{
    (void)state;
    struct route_params p;
    assert_int_equal(
        route_match("/v1/outlets/{oid}/items/{iid}/adjust", "/v1/outlets/o1/items/i2/adjust", &p),
        1);
    assert_int_equal(p.n, 2);
    assert_string_equal(route_param(&p, "oid"), "o1");
    assert_string_equal(route_param(&p, "iid"), "i2");
    assert_int_equal(p.name_lens[0], 3);
    assert_memory_equal(p.names[1], "iid", 3);
}

static void literal_paths(void **state)
{
    (void)state;
    struct route_params p;
    assert_int_equal(route_match("/", "/", &p), 1);
    assert_int_equal(p.n, 0);
    assert_int_equal(route_match("/v1/orders", "/v1/orders", &p), 1);
    assert_int_equal(route_match("/v1/orders", "/v1/order", &p), 0);
    assert_int_equal(route_match("/v1/orders", "/v1/ordersx", &p), 0);
    assert_int_equal(route_match("/v1/orders", "/v1", &p), 0);
    assert_int_equal(route_match("/v1/orders", "/v1/orders/x", &p), 0);
    assert_int_equal(route_match("/v1/orders", "/V1/orders", &p), 0);
    assert_int_equal(route_match("/", "/x", &p), 0);
    assert_int_equal(route_match("/x", "/", &p), 0);
}

static void strict_slashes(void **state)
{
    (void)state;
    struct route_params p;
    assert_int_equal(route_match("/v1/orders", "/v1/orders/", &p), 0);
    assert_int_equal(route_match("/v1/orders/{id}", "/v1/orders/", &p), 0);
    assert_int_equal(route_match("/v1/orders/{id}", "/v1/orders/abc/", &p), 0);
    assert_int_equal(route_match("/v1/orders/{id}", "/v1/orders//", &p), 0);
    assert_int_equal(route_match("/v1/orders", "/v1//orders", &p), 0);
    assert_int_equal(route_match("/v1/orders", "//v1/orders", &p), 0);
    assert_int_equal(route_match("/v1/orders", "v1/orders", &p), 0);
    assert_int_equal(route_match("/v1/orders", "", &p), 0);
    assert_int_equal(route_match("v1/orders", "v1/orders", &p), 0);
    assert_int_equal(route_match("/v1/orders/{id}/cancel", "/v1/orders/a/cancel/", &p), 0);
}

static void capture_is_one_segment(void **state)
{
    (void)state;
    struct route_params p;
    assert_int_equal(route_match("/v1/orders/{id}", "/v1/orders/a/b", &p), 0);
    assert_int_equal(route_match("/v1/orders/{id}/cancel", "/v1/orders/a/cancel", &p), 1);
    assert_string_equal(route_param(&p, "id"), "a");
    assert_int_equal(route_match("/v1/orders/{id}/cancel", "/v1/orders/a", &p), 0);
    assert_int_equal(route_match("/v1/orders/{id}/cancel", "/v1/orders/a/approve", &p), 0);
    /* "{}" names nothing, so it is an ordinary literal segment */
    assert_int_equal(route_match("/x/{}", "/x/{}", &p), 1);
    assert_int_equal(p.n, 0);
    assert_int_equal(route_match("/x/{}", "/x/y", &p), 0);
}

static void percent_encoding_kept(void **state)
{
    (void)state;
    struct route_params p;
    assert_int_equal(route_match("/v1/orders/{id}", "/v1/orders/a%2Fb", &p), 1);
    assert_string_equal(route_param(&p, "id"), "a%2Fb");
    assert_int_equal(route_match("/v1/orders", "/v1/ord%65rs", &p), 0);
    assert_int_equal(route_match("/v1/orders/{id}", "/v1/orders/%20", &p), 1);
    assert_string_equal(route_param(&p, "id"), "%20");
}

static void long_segment(void **state)
{
    (void)state;
    struct route_params p;
    char path[16 + ROUTE_PARAM_MAX + 1];
    strcpy(path, "/v1/orders/");
    size_t base = strlen(path);
    memset(path + base, 'a', ROUTE_PARAM_MAX - 1);
    path[base + ROUTE_PARAM_MAX - 1] = '\0';
    assert_int_equal(route_match("/v1/orders/{id}", path, &p), 1);
    assert_int_equal(strlen(route_param(&p, "id")), ROUTE_PARAM_MAX - 1);
    path[base + ROUTE_PARAM_MAX - 1] = 'a';
    path[base + ROUTE_PARAM_MAX] = '\0';
    assert_int_equal(route_match("/v1/orders/{id}", path, &p), 0);
}

static void too_many_captures(void **state)
{
    (void)state;
    struct route_params p;
    assert_int_equal(route_match("/{a}/{b}/{c}/{d}", "/1/2/3/4", &p), 1);
    assert_int_equal(p.n, ROUTE_MAX_PARAMS);
    assert_string_equal(route_param(&p, "d"), "4");
    assert_int_equal(route_match("/{a}/{b}/{c}/{d}/{e}", "/1/2/3/4/5", &p), 0);
}

static void untouched_on_failure(void **state)
{
    (void)state;
    struct route_params p;
    memset(&p, 0x5a, sizeof p);
    struct route_params copy = p;
    assert_int_equal(route_match("/v1/orders/{id}", "/v1/orders/x/y", &p), 0);
    assert_memory_equal(&p, &copy, sizeof p);
}

/* A table whose entries are larger than route_key, as http_route is. */
struct entry {
    struct route_key key;
    int tag;
    char pad[40];
};

static const struct entry table[] = {
    {{"GET", "/v1/orders"}, 0, ""},
    {{"POST", "/v1/orders"}, 1, ""},
    {{"GET", "/v1/orders/{id}"}, 2, ""},
    {{"DELETE", "/v1/orders/{id}"}, 3, ""},
    {{"POST", "/v1/orders/{id}/cancel"}, 4, ""},
    {{"GET", "/v1/items/availability"}, 5, ""},
    {{"GET", "/v1/items/{id}"}, 6, ""},
    {{"POST", "/v1/items/{id}"}, 7, ""},
    {{"POST", "/v1/items/availability"}, 8, ""},
    {{"PUT", "/v1/items/{id}"}, 9, ""},
};
#define N_TABLE (sizeof table / sizeof table[0])

static enum route_outcome lookup(const char *method, const char *path, size_t *idx,
                                 struct route_params *p, char *allow, size_t allow_len)
{
    return route_lookup(table, N_TABLE, sizeof table[0], method, path, idx, p, allow, allow_len);
}

static void lookup_found(void **state)
{
    (void)state;
    size_t idx = 99;
    struct route_params p;
    char allow[64];
    assert_int_equal(lookup("POST", "/v1/orders", &idx, &p, allow, sizeof allow), ROUTE_FOUND);
    assert_int_equal(table[idx].tag, 1);
    assert_int_equal(lookup("DELETE", "/v1/orders/o-9", &idx, &p, allow, sizeof allow),
                     ROUTE_FOUND);
    assert_int_equal(table[idx].tag, 3);
    assert_string_equal(route_param(&p, "id"), "o-9");
    assert_int_equal(lookup("POST", "/v1/orders/o-9/cancel", &idx, &p, allow, sizeof allow),
                     ROUTE_FOUND);
    assert_int_equal(idx, 4);
    /* table order decides between a literal and a capture that both match */
    assert_int_equal(lookup("GET", "/v1/items/availability", &idx, &p, allow, sizeof allow),
                     ROUTE_FOUND);
    assert_int_equal(idx, 5);
    assert_int_equal(p.n, 0);
    assert_int_equal(lookup("POST", "/v1/items/availability", &idx, &p, allow, sizeof allow),
                     ROUTE_FOUND);
    assert_int_equal(idx, 7);
    assert_string_equal(route_param(&p, "id"), "availability");
}

static void lookup_head_is_get(void **state)
{
    (void)state;
    size_t idx = 99;
    struct route_params p;
    char allow[64];
    assert_int_equal(lookup("HEAD", "/v1/orders/x", &idx, &p, allow, sizeof allow), ROUTE_FOUND);
    assert_int_equal(idx, 2);
    assert_string_equal(route_param(&p, "id"), "x");
    /* HEAD does not match a POST-only route */
    assert_int_equal(lookup("HEAD", "/v1/orders/x/cancel", &idx, &p, allow, sizeof allow),
                     ROUTE_BAD_METHOD);
    assert_string_equal(allow, "POST");
    /* and GET does not match HEAD-only entries the other way round */
    static const struct route_key head_only[] = {{"HEAD", "/h"}};
    assert_int_equal(
        route_lookup(head_only, 1, sizeof head_only[0], "GET", "/h", &idx, &p, allow, sizeof allow),
        ROUTE_BAD_METHOD);
    assert_string_equal(allow, "HEAD");
}

static void lookup_not_found(void **state)
{
    (void)state;
    size_t idx = 99;
    struct route_params p;
    char allow[64] = "junk";
    assert_int_equal(lookup("GET", "/v1/nothing", &idx, &p, allow, sizeof allow), ROUTE_NOT_FOUND);
    assert_string_equal(allow, "");
    assert_int_equal(idx, 99);
    assert_int_equal(lookup("GET", "/v1/orders/", &idx, &p, allow, sizeof allow), ROUTE_NOT_FOUND);
    assert_int_equal(
        route_lookup(table, 0, sizeof table[0], "GET", "/v1/orders", &idx, &p, allow, sizeof allow),
        ROUTE_NOT_FOUND);
}

static void lookup_bad_method(void **state)
{
    (void)state;
    size_t idx = 99;
    struct route_params p;
    char allow[64];
    assert_int_equal(lookup("PUT", "/v1/orders", &idx, &p, allow, sizeof allow), ROUTE_BAD_METHOD);
    assert_string_equal(allow, "GET, POST");
    assert_int_equal(idx, 99);
    assert_int_equal(lookup("PATCH", "/v1/orders/1", &idx, &p, allow, sizeof allow),
                     ROUTE_BAD_METHOD);
    assert_string_equal(allow, "GET, DELETE");
    /* two patterns match /v1/items/availability; each method listed once, in table order */
    assert_int_equal(lookup("DELETE", "/v1/items/availability", &idx, &p, allow, sizeof allow),
                     ROUTE_BAD_METHOD);
    assert_string_equal(allow, "GET, POST, PUT");
    /* methods are case-sensitive */
    assert_int_equal(lookup("get", "/v1/orders", &idx, &p, allow, sizeof allow), ROUTE_BAD_METHOD);
}

static void lookup_allow_truncation(void **state)
{
    (void)state;
    size_t idx;
    struct route_params p;
    char allow[10];
    /* "GET, POST, PUT" needs 15 bytes: whole names only */
    assert_int_equal(lookup("DELETE", "/v1/items/availability", &idx, &p, allow, sizeof allow),
                     ROUTE_BAD_METHOD);
    assert_string_equal(allow, "GET, POST");
    char tiny[3];
    assert_int_equal(lookup("DELETE", "/v1/items/x", &idx, &p, tiny, sizeof tiny),
                     ROUTE_BAD_METHOD);
    assert_string_equal(tiny, "");
    assert_int_equal(lookup("DELETE", "/v1/items/x", &idx, &p, NULL, 0), ROUTE_BAD_METHOD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(capture_one),
        cmocka_unit_test(capture_several),
        cmocka_unit_test(literal_paths),
        cmocka_unit_test(strict_slashes),
        cmocka_unit_test(capture_is_one_segment),
        cmocka_unit_test(percent_encoding_kept),
        cmocka_unit_test(long_segment),
        cmocka_unit_test(too_many_captures),
        cmocka_unit_test(untouched_on_failure),
        cmocka_unit_test(lookup_found),
        cmocka_unit_test(lookup_head_is_get),
        cmocka_unit_test(lookup_not_found),
        cmocka_unit_test(lookup_bad_method),
        cmocka_unit_test(lookup_allow_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
