/* Tests of the consumed events' data: order.placed.v1 as the saga contract has it, each member
 * missing or wrong (the dead letter's reason names the field, lines and drop_off included, never
 * the value), the lines kept to their known members; the order reference of order.cancelled.v1
 * and of the approval timer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "business_rules.h"
#include "business_tests.h"
#include "common/errors.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define ORDER    "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40"
#define CUSTOMER "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f41"
#define OUTLET   "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f42"
#define ITEM     "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f43"
#define RESV     "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f44"

/* A valid order.placed.v1 data object, as order-svc writes it. */
static json_t *placed(void)
{
    return business_test_load(
        "{'order_id':'" ORDER "','customer_id':'" CUSTOMER "','outlet_id':'" OUTLET "',"
        "'lines':[{'item_id':'" ITEM "','sku':'MD-1','name':'Masala dosa','qty':2,"
        "'unit_price_minor':12000,'line_total_minor':24000,'spice':'hot'}],"
        "'total_minor':24000,'currency':'INR','reservation_id':'" RESV "',"
        "'drop_off':{'lat':12.97,'lng':77.59,'line1':'1 MG Road','city':'Bengaluru'},"
        "'placed_at':'2026-11-21T10:00:00.123Z','promo':'new member'}");
}

static void placed_valid(void **state)
{
    (void)state;
    json_t *d = placed();
    struct business_queue_entry e;
    char why[256] = "";
    assert_int_equal(business_rules_order_placed(d, &e, why, sizeof why), OF_OK);
    assert_string_equal(e.order_id, ORDER);
    assert_string_equal(e.customer_id, CUSTOMER);
    assert_string_equal(e.outlet_id, OUTLET);
    assert_string_equal(e.reservation_id, RESV);
    assert_int_equal(e.status, BUSINESS_PENDING);
    assert_int_equal(e.total_minor, 24000);
    assert_string_equal(e.currency, "INR");
    assert_int_equal(e.placed_ms, 1795255200123);
    assert_true(e.drop_off.lat == 12.97 && e.drop_off.lng == 77.59);
    assert_string_equal(e.drop_off.line1, "1 MG Road");
    assert_string_equal(e.drop_off.city, "Bengaluru");
    assert_int_equal(e.decided_ms, 0);
    /* Unknown members of a line are not kept. */
    char *lines = json_dumps(e.lines, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(lines, "[{\"item_id\":\"" ITEM "\",\"line_total_minor\":24000,\"name\":"
                               "\"Masala dosa\",\"qty\":2,\"sku\":\"MD-1\","
                               "\"unit_price_minor\":12000}]");
    free(lines);
    business_queue_entry_clear(&e);
    assert_null(e.lines);
    /* The optional members may be absent; reservation_id may be null. */
    json_object_del(json_object_get(d, "drop_off"), "line1");
    json_object_del(json_object_get(d, "drop_off"), "city");
    json_object_set_new(d, "reservation_id", json_null());
    json_t *line = json_array_get(json_object_get(d, "lines"), 0);
    json_object_del(line, "sku");
    json_object_del(line, "unit_price_minor");
    json_object_del(line, "line_total_minor");
    assert_int_equal(business_rules_order_placed(d, &e, why, sizeof why), OF_OK);
    assert_string_equal(e.reservation_id, "");
    assert_string_equal(e.drop_off.line1, "");
    business_queue_entry_clear(&e);
    json_decref(d);
}

/* Each case: a change to the valid data (a JSON pointer-ish path and a new value, or NULL to
 * delete it), and the reason expected. */
struct placed_case {
    const char *member; /* "order_id", "drop_off.lat", "lines.0.qty" */
    const char *value;  /* JSON with ' quotes; NULL: delete */
    const char *reason;
};

static json_t *parent_of(json_t *root, const char *path, char *last, size_t len)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *node = root;
    char *save, *tok = strtok_r(buf, ".", &save), *next;
    while ((next = strtok_r(NULL, ".", &save))) {
        node = json_is_array(node) ? json_array_get(node, (size_t)atoi(tok))
                                   : json_object_get(node, tok);
        tok = next;
    }
    snprintf(last, len, "%s", tok);
    return node;
}

static void placed_bad(void **state)
{
    (void)state;
    static const struct placed_case cases[] = {
        {"order_id", NULL, "data.order_id: is required"},
        {"order_id", "'nope'", "data.order_id: must be a UUID: 8-4-4-4-12 lowercase hex digits"},
        {"customer_id", NULL, "data.customer_id: is required"},
        {"outlet_id", "5", "data.outlet_id: must be a string"},
        {"lines", NULL, "data.lines: is required"},
        {"lines", "[]", "data.lines: must have at least 1 item"},
        {"lines", "{}", "data.lines: must be an array"},
        {"lines.0", "7", "data.lines[0]: must be a JSON object"},
        {"lines.0.item_id", NULL, "data.lines[0].item_id: is required"},
        {"lines.0.qty", "0", "data.lines[0].qty: must be between 1 and 1000"},
        {"lines.0.qty", "'2'", "data.lines[0].qty: must be an integer"},
        {"lines.0.name", "''", "data.lines[0].name: must not be empty"},
        {"lines.0.unit_price_minor", "-1",
         "data.lines[0].unit_price_minor: must be between 0 and 9223372036854775807"},
        {"total_minor", "12.5", "data.total_minor: must be an integer"},
        {"total_minor", "-3", "data.total_minor: must be between 0 and 9223372036854775807"},
        {"currency", "'inr'", "data.currency: must be an ISO 4217 code: 3 upper-case letters"},
        {"currency", "'RUPEE'", "data.currency: must be at most 3 characters"},
        {"reservation_id", "'x'",
         "data.reservation_id: must be a UUID: 8-4-4-4-12 lowercase hex digits"},
        {"drop_off", NULL, "data.drop_off: is required"},
        {"drop_off", "'here'", "data.drop_off: must be an object"},
        {"drop_off.lat", NULL, "data.drop_off.lat: is required"},
        {"drop_off.lng", "181", "data.drop_off.lng: must be between -180 and 180"},
        {"drop_off.city", "5", "data.drop_off.city: must be a string"},
        {"placed_at", NULL, "data.placed_at: is required"},
        {"placed_at", "'yesterday'", "data.placed_at: must be an RFC 3339 timestamp"},
        {"placed_at", "1795255200", "data.placed_at: must be a string"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        json_t *d = placed();
        char last[32], why[256] = "";
        json_t *parent = parent_of(d, cases[i].member, last, sizeof last);
        json_t *v = cases[i].value ? business_test_load(cases[i].value) : NULL;
        if (json_is_array(parent))
            json_array_set_new(parent, (size_t)atoi(last), v);
        else if (v)
            json_object_set_new(parent, last, v);
        else
            json_object_del(parent, last);
        struct business_queue_entry e, before;
        memset(&e, 0x5a, sizeof e);
        before = e;
        assert_int_equal(business_rules_order_placed(d, &e, why, sizeof why), OF_EPERMANENT);
        if (strcmp(why, cases[i].reason) != 0)
            fail_msg("%s: expected '%s', got '%s'", cases[i].member, cases[i].reason, why);
        assert_memory_equal(&e, &before, sizeof e);
        json_decref(d);
    }
    /* 51 lines are too many. */
    json_t *d = placed();
    json_t *lines = json_object_get(d, "lines");
    while (json_array_size(lines) < BUSINESS_LINES_MAX + 1)
        json_array_append(lines, json_array_get(lines, 0));
    char why[256];
    struct business_queue_entry e;
    assert_int_equal(business_rules_order_placed(d, &e, why, sizeof why), OF_EPERMANENT);
    assert_string_equal(why, "data.lines: must have at most 50 items");
    json_array_remove(lines, 0);
    assert_int_equal(business_rules_order_placed(d, &e, why, sizeof why), OF_OK);
    assert_int_equal(json_array_size(e.lines), BUSINESS_LINES_MAX);
    business_queue_entry_clear(&e);
    json_decref(d);
    /* Not an object at all. */
    json_t *a = business_test_load("[]");
    assert_int_equal(business_rules_order_placed(a, &e, why, sizeof why), OF_EPERMANENT);
    assert_string_equal(why, "data: must be a JSON object");
    json_decref(a);
}

static void order_ref(void **state)
{
    (void)state;
    char id[UUID_STR_LEN] = "", why[160];
    json_t *d = business_test_load("{'order_id':'" ORDER "','reason':'PAYMENT_FAILED',"
                                   "'stage':'AWAITING_PAYMENT','anything':[1]}");
    assert_int_equal(business_rules_order_ref(d, id, why, sizeof why), OF_OK);
    assert_string_equal(id, ORDER);
    json_decref(d);
    d = business_test_load("{'reason':'PAYMENT_FAILED'}");
    assert_int_equal(business_rules_order_ref(d, id, why, sizeof why), OF_EPERMANENT);
    assert_string_equal(why, "data.order_id: is required");
    json_decref(d);
    d = business_test_load("{'order_id':'" ORDER "x'}");
    assert_int_equal(business_rules_order_ref(d, id, why, sizeof why), OF_EPERMANENT);
    assert_string_equal(why, "data.order_id: must be a UUID: 8-4-4-4-12 lowercase hex digits");
    json_decref(d);
}

int run_events_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(placed_valid),
        cmocka_unit_test(placed_bad),
        cmocka_unit_test(order_ref),
    };
    return cmocka_run_group_tests_name("business events", tests, NULL, NULL);
}
