/* Tests of the consumed event data (inventory_rules_validation_request, _order_event,
 * _outlet_event, docs/events/ and contract.md): accepted data and what it gives, extra members
 * ignored, every refusal with its dead-letter reason "data.<field>: <why>" (inside a line
 * "data.lines[i].<field>: ..."), which never holds the value, and the output untouched. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/errors.h"
#include "common/outlet_event.h"
#include "inventory.h"
#include "inventory_rules.h"
#include "inventory_tests.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define ORDER  "0190a5d2-8c3b-7def-8123-0000000000aa"
#define OUTLET "0190a5d2-8c3b-7def-8123-0000000000bb"
#define ITEM1  "0190a5d2-8c3b-7def-8123-000000000001"
#define ITEM2  "0190a5d2-8c3b-7def-8123-000000000002"
#define RESV   "0190a5d2-8c3b-7def-8123-0000000000cc"
#define OWNER  "0190a5d2-8c3b-7def-8123-0000000000dd"

#define REQ_HEAD "'order_id':'" ORDER "','outlet_id':'" OUTLET "','customer_id':'" OWNER "'"
#define LINE1    "{'item_id':'" ITEM1 "','qty':2}"
#define LINE2    "{'item_id':'" ITEM2 "','qty':1}"

/* A refusal: data (test JSON) and the exact dead-letter reason (or its prefix, ending in ':'). */
struct refusal {
    const char *data;
    const char *reason;
};

/* Checks that reason is want (exactly, or as a prefix when want ends with ':' ) and holds none
 * of data's string values. */
static void check_reason(const char *what, const char *got, const char *want, const json_t *data)
{
    size_t n = strlen(want);
    bool prefix = n > 0 && want[n - 1] == ':';
    if (prefix ? strncmp(got, want, n) != 0 || strlen(got) <= n + 1 : strcmp(got, want) != 0)
        fail_msg("%s: reason '%s', want '%s'", what, got, want);
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)data, key, v)
    {
        const char *s = json_string_value(v);
        if (s && strlen(s) >= 4 && strstr(got, s))
            fail_msg("%s: reason '%s' holds the value of %s", what, got, key);
    }
}

static void validation_request_good(void **state)
{
    (void)state;
    struct inventory_validation_request *r = calloc(1, sizeof *r);
    char err[160] = "";
    json_t *data =
        inventory_test_load("{" REQ_HEAD ",'lines':[" LINE1 "," LINE2 "],'extra':{'x':1}}");
    assert_int_equal(inventory_rules_validation_request(data, r, err, sizeof err), OF_OK);
    assert_string_equal(r->order_id, ORDER);
    assert_string_equal(r->outlet_id, OUTLET);
    assert_int_equal(r->n_lines, 2);
    assert_string_equal(r->lines[0].item_id, ITEM1);
    assert_int_equal(r->lines[0].qty, 2);
    assert_string_equal(r->lines[1].item_id, ITEM2);
    assert_int_equal(r->lines[1].qty, 1);
    json_decref(data);
    free(r);
}

static void validation_request_refused(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        {"{'outlet_id':'" OUTLET "','lines':[" LINE1 "]}", "data.order_id: is required"},
        {"{'order_id':'nope','outlet_id':'" OUTLET "','lines':[" LINE1 "]}", "data.order_id:"},
        {"{'order_id':'" ORDER "','lines':[" LINE1 "]}", "data.outlet_id: is required"},
        {"{" REQ_HEAD "}", "data.lines: is required"},
        {"{" REQ_HEAD ",'lines':[]}", "data.lines: must have at least 1 item"},
        {"{" REQ_HEAD ",'lines':{}}", "data.lines: must be an array"},
        {"{" REQ_HEAD ",'lines':[" LINE1 ",{'item_id':'" ITEM2 "','qty':0}]}",
         "data.lines[1].qty: must be between 1 and 10000"},
        {"{" REQ_HEAD ",'lines':[{'item_id':'" ITEM2 "','qty':10001}]}",
         "data.lines[0].qty: must be between 1 and 10000"},
        {"{" REQ_HEAD ",'lines':[{'item_id':'" ITEM2 "','qty':'2'}]}",
         "data.lines[0].qty: must be an integer"},
        {"{" REQ_HEAD ",'lines':[{'qty':2}]}", "data.lines[0].item_id: is required"},
        {"{" REQ_HEAD ",'lines':[{'item_id':'x','qty':2}]}", "data.lines[0].item_id:"},
        {"{" REQ_HEAD ",'lines':[7]}", "data.lines[0]:"},
        {"{" REQ_HEAD ",'lines':[" LINE1 "," LINE2 ",{'item_id':'" ITEM1 "','qty':5}]}",
         "data.lines[2].item_id: repeats the item of line 0"},
        {"[]", "data:"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct inventory_validation_request *r = calloc(1, sizeof *r), *was = calloc(1, sizeof *r);
        char err[160] = "";
        json_t *data = inventory_test_load(cases[i].data);
        memset(r, 0x5a, sizeof *r);
        memcpy(was, r, sizeof *r);
        if (inventory_rules_validation_request(data, r, err, sizeof err) != OF_EPERMANENT)
            fail_msg("accepted: %s", cases[i].data);
        check_reason(cases[i].data, err, cases[i].reason, data);
        if (memcmp(r, was, sizeof *r) != 0)
            fail_msg("%s: output written on failure", cases[i].data);
        json_decref(data);
        free(r);
        free(was);
    }
}

static void validation_request_line_limit(void **state)
{
    (void)state;
    struct inventory_validation_request *r = calloc(1, sizeof *r);
    char err[160] = "";
    json_t *data = inventory_test_load("{" REQ_HEAD "}"), *lines = json_array();
    for (int i = 0; i < INVENTORY_LINES_MAX; i++) {
        char id[UUID_STR_LEN];
        snprintf(id, sizeof id, "0190a5d2-8c3b-7def-8123-%012d", i);
        json_array_append_new(lines, json_pack("{s:s, s:i}", "item_id", id, "qty", 1));
    }
    json_object_set(data, "lines", lines);
    assert_int_equal(inventory_rules_validation_request(data, r, err, sizeof err), OF_OK);
    assert_int_equal(r->n_lines, INVENTORY_LINES_MAX);
    json_array_append_new(lines,
                          json_pack("{s:s, s:i}", "item_id", ITEM1, "qty", 1)); /* one more */
    assert_int_equal(inventory_rules_validation_request(data, r, err, sizeof err), OF_EPERMANENT);
    assert_string_equal(err, "data.lines: must have at most 100 items");
    json_decref(lines);
    json_decref(data);
    free(r);
}

static void order_events(void **state)
{
    (void)state;
    struct inventory_order_event o;
    char err[160] = "";
    json_t *data = inventory_test_load("{'order_id':'" ORDER "','outlet_id':'" OUTLET
                                       "','reservation_id':'" RESV "','total_minor':5}");
    assert_int_equal(inventory_rules_order_event(data, INVENTORY_PLACED, &o, err, sizeof err),
                     OF_OK);
    assert_string_equal(o.order_id, ORDER);
    assert_string_equal(o.outlet_id, OUTLET);
    assert_string_equal(o.reservation_id, RESV);
    json_decref(data);

    data = inventory_test_load("{'order_id':'" ORDER "','outlet_id':'" OUTLET
                               "','reason':'PAYMENT_FAILED','stage':'AWAITING_PAYMENT',"
                               "'reservation_id':null}");
    assert_int_equal(inventory_rules_order_event(data, INVENTORY_CANCELLED, &o, err, sizeof err),
                     OF_OK);
    assert_string_equal(o.reason, "PAYMENT_FAILED");
    assert_string_equal(o.reservation_id, "");
    /* A delivery needs neither a reason nor a reservation id. */
    assert_int_equal(inventory_rules_order_event(data, INVENTORY_DELIVERED, &o, err, sizeof err),
                     OF_OK);
    /* The timer and the validation request are no order events. */
    assert_int_equal(inventory_rules_order_event(data, INVENTORY_TTL, &o, err, sizeof err),
                     OF_EPERMANENT);
    assert_int_equal(inventory_rules_order_event(data, INVENTORY_REQUESTED, &o, err, sizeof err),
                     OF_EPERMANENT);
    json_decref(data);

    static const struct {
        enum inventory_trigger t;
        struct refusal r;
    } cases[] = {
        {INVENTORY_PLACED, {"{'outlet_id':'" OUTLET "'}", "data.order_id: is required"}},
        {INVENTORY_PLACED,
         {"{'order_id':'" ORDER "','outlet_id':'" OUTLET "','reservation_id':'r-1'}",
          "data.reservation_id:"}},
        {INVENTORY_CANCELLED,
         {"{'order_id':'" ORDER "','outlet_id':'" OUTLET "'}", "data.reason: is required"}},
        {INVENTORY_CANCELLED,
         {"{'order_id':'" ORDER "','outlet_id':'" OUTLET "','reason':''}",
          "data.reason: must not be empty"}},
        {INVENTORY_CANCELLED,
         {"{'order_id':'" ORDER "','outlet_id':'" OUTLET "','reason':5}",
          "data.reason: must be a string"}},
        {INVENTORY_DELIVERED, {"{'order_id':'" ORDER "'}", "data.outlet_id: is required"}},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct inventory_order_event out, was;
        memset(&out, 0x5a, sizeof out);
        was = out;
        data = inventory_test_load(cases[i].r.data);
        if (inventory_rules_order_event(data, cases[i].t, &out, err, sizeof err) != OF_EPERMANENT)
            fail_msg("accepted: %s", cases[i].r.data);
        check_reason(cases[i].r.data, err, cases[i].r.reason, data);
        assert_memory_equal(&out, &was, sizeof out);
        json_decref(data);
    }
}

#define OUTLET_DATA                                                                                \
    "'outlet_id':'" OUTLET "','business_id':'" ORDER "','name':'Pizzeria','lat':1,'lng':2"

static void outlet_events(void **state)
{
    (void)state;
    struct outlet_ref o;
    char err[160] = "";
    json_t *data =
        inventory_test_load("{" OUTLET_DATA ",'owner_id':'" OWNER "','is_open':true,'version':3}");
    assert_int_equal(outlet_event_parse(data, &o, err, sizeof err), OF_OK);
    assert_string_equal(o.id, OUTLET);
    assert_string_equal(o.business_id, ORDER);
    assert_string_equal(o.owner_id, OWNER);
    assert_true(o.is_open);
    assert_int_equal(o.version, 3);
    json_decref(data);
    /* Producers that predate owner_id and version: no owner, version 0. */
    data = inventory_test_load("{" OUTLET_DATA ",'is_open':false}");
    assert_int_equal(outlet_event_parse(data, &o, err, sizeof err), OF_OK);
    assert_string_equal(o.owner_id, "");
    assert_int_equal(o.version, 0);
    assert_false(o.is_open);
    json_decref(data);
    data = inventory_test_load("{" OUTLET_DATA ",'is_open':true,'owner_id':null}");
    assert_int_equal(outlet_event_parse(data, &o, err, sizeof err), OF_OK);
    assert_string_equal(o.owner_id, "");
    json_decref(data);
    /* What inventory-svc does not read (name, lat) it does not judge either. */
    data = inventory_test_load("{'outlet_id':'" OUTLET "','business_id':'" ORDER
                               "','lat':'north','is_open':true}");
    assert_int_equal(outlet_event_parse(data, &o, err, sizeof err), OF_OK);
    json_decref(data);

    static const struct refusal cases[] = {
        /* the same words as customer-svc's, for the one record both dead-letter */
        {"{" OUTLET_DATA "}", "data.is_open: is required"},
        {"{" OUTLET_DATA ",'is_open':true,'owner_id':'someone'}", "data.owner_id:"},
        {"{" OUTLET_DATA ",'is_open':true,'version':0}", "data.version:"},
        {"{" OUTLET_DATA ",'is_open':true,'version':'2'}", "data.version: must be an integer"},
        {"{'business_id':'" ORDER "','is_open':true}", "data.outlet_id: is required"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct outlet_ref out, was;
        memset(&out, 0x5a, sizeof out);
        was = out;
        data = inventory_test_load(cases[i].data);
        if (outlet_event_parse(data, &out, err, sizeof err) != OF_EPERMANENT)
            fail_msg("accepted: %s", cases[i].data);
        check_reason(cases[i].data, err, cases[i].reason, data);
        assert_memory_equal(&out, &was, sizeof out);
        json_decref(data);
    }
    /* The reason is optional and cut to fit. */
    data = inventory_test_load("{" OUTLET_DATA "}");
    assert_int_equal(outlet_event_parse(data, &o, NULL, 0), OF_EPERMANENT);
    assert_int_equal(outlet_event_parse(data, &o, err, 5), OF_EPERMANENT);
    assert_string_equal(err, "data");
    json_decref(data);
}

int run_events_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(validation_request_good),
        cmocka_unit_test(validation_request_refused),
        cmocka_unit_test(validation_request_line_limit),
        cmocka_unit_test(order_events),
        cmocka_unit_test(outlet_events),
    };
    return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
