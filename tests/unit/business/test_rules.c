/* Tests of business-svc request rules: a bad-input matrix per body (missing, wrong type, out of
 * range, overlong, blank, unknown and server-owned members), outlet defaults and patches (a
 * version per change, none for no change), the queue's query parameters and its cursor. */
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
#include "common/codec.h"
#include "common/errors.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct body_case {
    const char *json;
    const char *code; /* NULL: must succeed */
    const char *field;
};

typedef int (*body_fn)(const json_t *body, void *ret, struct jspec_error *err);

/* Runs fn on each case; a failure must name the field and leave the output untouched. */
static void run_cases(const char *what, const struct body_case *cases, size_t n, body_fn fn,
                      size_t size)
{
    unsigned char *out = malloc(size), *sentinel = malloc(size);
    for (size_t i = 0; i < n; i++) {
        json_t *body = business_test_load(cases[i].json);
        struct jspec_error err;
        memset(sentinel, 0x5a, size);
        memcpy(out, sentinel, size);
        memset(&err, 0, sizeof err);
        int rc = fn(body, out, &err);
        if (!cases[i].code && rc != 0)
            fail_msg("%s %s: expected success, got %s on '%s': %s", what, cases[i].json,
                     business_test_code(err.code), err.field, err.message);
        if (cases[i].code) {
            if (rc != OF_EPERMANENT || strcmp(business_test_code(err.code), cases[i].code) != 0 ||
                strcmp(err.field, cases[i].field) != 0)
                fail_msg("%s %s: expected %s on '%s', got rc %d, %s on '%s'", what, cases[i].json,
                         cases[i].code, cases[i].field, rc, business_test_code(err.code),
                         err.field);
            if (memcmp(out, sentinel, size) != 0)
                fail_msg("%s %s: output changed on failure", what, cases[i].json);
        }
        json_decref(body);
    }
    free(out);
    free(sentinel);
}

static int business_fn(const json_t *b, void *ret, struct jspec_error *e)
{
    return business_rules_business(b, ret, e);
}
static int create_fn(const json_t *b, void *ret, struct jspec_error *e)
{
    return business_rules_outlet_create(b, ret, e);
}
static int patch_fn(const json_t *b, void *ret, struct jspec_error *e)
{
    return business_rules_outlet_patch(b, ret, e);
}
static int approve_fn(const json_t *b, void *ret, struct jspec_error *e)
{
    return business_rules_approve(b, ret, e);
}
static int reject_fn(const json_t *b, void *ret, struct jspec_error *e)
{
    return business_rules_reject(b, ret, e);
}

/* A string of n copies of c, as a JSON string literal with ' quotes. */
static char *long_text(size_t n, char c)
{
    char *s = malloc(n + 3);
    s[0] = '\'';
    memset(s + 1, c, n);
    s[n + 1] = '\'';
    s[n + 2] = '\0';
    return s;
}

static void business_bodies(void **state)
{
    (void)state;
    char *n200 = long_text(200, 'n'), *n201 = long_text(201, 'n'), ok[300], over[300];
    snprintf(ok, sizeof ok, "{'name':%s}", n200);
    snprintf(over, sizeof over, "{'name':%s}", n201);
    const struct body_case cases[] = {
        {"{'name':'Spice Route'}", NULL, NULL},
        {ok, NULL, NULL},
        {over, "too_long", "name"},
        {"{}", "missing_field", "name"},
        {"{'name':''}", "invalid_value", "name"},
        {"{'name':'   '}", "invalid_value", "name"},
        {"{'name':'a\\u0007b'}", "invalid_value", "name"},
        {"{'name':7}", "invalid_type", "name"},
        {"{'name':null}", "invalid_type", "name"},
        {"{'name':'x','owner_id':'a'}", "read_only_field", "owner_id"},
        {"{'name':'x','id':'a'}", "read_only_field", "id"},
        {"{'name':'x','colour':'red'}", "unknown_field", "colour"},
        {"[]", "body_not_object", ""},
    };
    run_cases("business", cases, N(cases), business_fn, sizeof(struct business_input));
    free(n200);
    free(n201);
}

#define OUTLET_OK "'name':'Koramangala','lat':12.93,'lng':77.62,'address':'80 Feet Rd'"

static void outlet_bodies(void **state)
{
    (void)state;
    const struct body_case create[] = {
        {"{" OUTLET_OK "}", NULL, NULL},
        {"{" OUTLET_OK ",'open':false,'auto_approve':true,'approval_sla_s':30}", NULL, NULL},
        {"{" OUTLET_OK ",'approval_sla_s':86400}", NULL, NULL},
        {"{'lat':1,'lng':2,'address':'x'}", "missing_field", "name"},
        {"{'name':'x','lng':2,'address':'x'}", "missing_field", "lat"},
        {"{'name':'x','lat':1,'address':'x'}", "missing_field", "lng"},
        {"{'name':'x','lat':1,'lng':2}", "missing_field", "address"},
        {"{'name':'x','lat':90.5,'lng':2,'address':'x'}", "out_of_range", "lat"},
        {"{'name':'x','lat':-91,'lng':2,'address':'x'}", "out_of_range", "lat"},
        {"{'name':'x','lat':1,'lng':180.01,'address':'x'}", "out_of_range", "lng"},
        {"{'name':'x','lat':'1','lng':2,'address':'x'}", "invalid_type", "lat"},
        {"{" OUTLET_OK ",'open':'yes'}", "invalid_type", "open"},
        {"{" OUTLET_OK ",'auto_approve':1}", "invalid_type", "auto_approve"},
        {"{" OUTLET_OK ",'approval_sla_s':29}", "out_of_range", "approval_sla_s"},
        {"{" OUTLET_OK ",'approval_sla_s':86401}", "out_of_range", "approval_sla_s"},
        {"{" OUTLET_OK ",'approval_sla_s':60.5}", "invalid_type", "approval_sla_s"},
        {"{" OUTLET_OK ",'approval_sla_s':'60'}", "invalid_type", "approval_sla_s"},
        {"{" OUTLET_OK ",'version':3}", "read_only_field", "version"},
        {"{" OUTLET_OK ",'business_id':'x'}", "read_only_field", "business_id"},
        {"{" OUTLET_OK ",'is_open':true}", "unknown_field", "is_open"},
        {"{'name':'','lat':1,'lng':2,'address':'x'}", "invalid_value", "name"},
        {"{'name':'x','lat':1,'lng':2,'address':' '}", "invalid_value", "address"},
    };
    run_cases("outlet create", create, N(create), create_fn, sizeof(struct business_outlet_fields));
    const struct body_case patch[] = {
        {"{}", NULL, NULL},
        {"{'open':false}", NULL, NULL},
        {"{'lat':-90,'lng':180}", NULL, NULL},
        {"{'approval_sla_s':10}", "out_of_range", "approval_sla_s"},
        {"{'name':null}", "invalid_type", "name"},
        {"{'open':null}", "invalid_type", "open"},
        {"{'status':'OPEN'}", "read_only_field", "status"},
        {"{'owner':'me'}", "read_only_field", "owner"},
        {"{'created_at':'2026-01-01T00:00:00Z'}", "read_only_field", "created_at"},
        {"{'nmae':'typo'}", "unknown_field", "nmae"},
    };
    run_cases("outlet patch", patch, N(patch), patch_fn, sizeof(struct business_outlet_fields));
}

static void decision_bodies(void **state)
{
    (void)state;
    const struct body_case approve[] = {
        {"{'prep_time_min':1}", NULL, NULL},
        {"{'prep_time_min':240}", NULL, NULL},
        {"{}", "missing_field", "prep_time_min"},
        {"{'prep_time_min':0}", "out_of_range", "prep_time_min"},
        {"{'prep_time_min':241}", "out_of_range", "prep_time_min"},
        {"{'prep_time_min':-5}", "out_of_range", "prep_time_min"},
        {"{'prep_time_min':'10'}", "invalid_type", "prep_time_min"},
        {"{'prep_time_min':10.5}", "invalid_type", "prep_time_min"},
        {"{'prep_time_min':10,'status':'APPROVED'}", "read_only_field", "status"},
        {"{'prep_time_min':10,'auto':true}", "read_only_field", "auto"},
        {"{'prep_time_min':10,'reason':'x'}", "unknown_field", "reason"},
    };
    run_cases("approve", approve, N(approve), approve_fn, sizeof(struct business_approve_input));
    char *n500 = long_text(500, 'r'), *n501 = long_text(501, 'r'), ok[600], over[600];
    snprintf(ok, sizeof ok, "{'reason':%s}", n500);
    snprintf(over, sizeof over, "{'reason':%s}", n501);
    const struct body_case reject[] = {
        {"{'reason':'out of basil'}", NULL, NULL},
        {ok, NULL, NULL},
        {over, "too_long", "reason"},
        {"{}", "missing_field", "reason"},
        {"{'reason':''}", "invalid_value", "reason"},
        {"{'reason':5}", "invalid_type", "reason"},
        {"{'reason':'x','order_id':'y'}", "read_only_field", "order_id"},
        {"{'reason':'x','prep_time_min':5}", "unknown_field", "prep_time_min"},
    };
    run_cases("reject", reject, N(reject), reject_fn, sizeof(struct business_reject_input));
    free(n500);
    free(n501);
}

static void outlet_apply(void **state)
{
    (void)state;
    struct business_outlet o;
    struct business_outlet_fields f;
    struct jspec_error err;
    json_t *b = business_test_load("{" OUTLET_OK ",'auto_approve':true}");
    assert_int_equal(business_rules_outlet_create(b, &f, &err), 0);
    json_decref(b);
    business_rules_outlet_defaults(&o);
    assert_true(business_rules_outlet_apply(&o, &f));
    assert_int_equal(o.version, 1);
    assert_string_equal(o.name, "Koramangala");
    assert_string_equal(o.address, "80 Feet Rd");
    assert_true(o.is_open); /* default */
    assert_true(o.auto_approve);
    assert_int_equal(o.approval_sla_s, BUSINESS_SLA_DEFAULT_S);

    /* The same values again: no change, no version. */
    struct business_outlet before = o;
    assert_false(business_rules_outlet_apply(&o, &f));
    assert_memory_equal(&o, &before, sizeof o);
    b = business_test_load("{}");
    assert_int_equal(business_rules_outlet_patch(b, &f, &err), 0);
    json_decref(b);
    assert_false(business_rules_outlet_apply(&o, &f));

    /* One field: one version more, the rest as it was. */
    b = business_test_load("{'open':false,'approval_sla_s':60}");
    assert_int_equal(business_rules_outlet_patch(b, &f, &err), 0);
    json_decref(b);
    assert_true(business_rules_outlet_apply(&o, &f));
    assert_int_equal(o.version, 2);
    assert_false(o.is_open);
    assert_int_equal(o.approval_sla_s, 60);
    assert_string_equal(o.name, "Koramangala");
    assert_true(o.auto_approve);
    b = business_test_load("{'lat':12.93}");
    assert_int_equal(business_rules_outlet_patch(b, &f, &err), 0);
    json_decref(b);
    assert_false(business_rules_outlet_apply(&o, &f)); /* the same latitude */
    assert_int_equal(o.version, 2);
}

static void queue_query(void **state)
{
    (void)state;
    struct business_queue_query q;
    struct jspec_error err;
    assert_int_equal(business_rules_queue_query(NULL, NULL, NULL, &q, &err), 0);
    assert_false(q.has_status || q.has_cursor);
    assert_int_equal(q.limit, BUSINESS_QUEUE_LIMIT_DEFAULT);
    assert_int_equal(business_rules_queue_query("PENDING", "100", NULL, &q, &err), 0);
    assert_true(q.has_status);
    assert_int_equal(q.status, BUSINESS_PENDING);
    assert_int_equal(q.limit, 100);
    static const struct {
        const char *status, *limit, *cursor, *code, *field;
    } bad[] = {
        {"pending", NULL, NULL, "invalid_value", "status"},
        {"", NULL, NULL, "invalid_value", "status"},
        {NULL, "0", NULL, "out_of_range", "limit"},
        {NULL, "101", NULL, "out_of_range", "limit"},
        {NULL, "99999999999", NULL, "out_of_range", "limit"},
        {NULL, "-1", NULL, "invalid_value", "limit"},
        {NULL, "1e2", NULL, "invalid_value", "limit"},
        {NULL, "", NULL, "invalid_value", "limit"},
        {NULL, NULL, "garbage", "invalid_value", "cursor"},
        {NULL, NULL, "", "invalid_value", "cursor"},
    };
    for (size_t i = 0; i < N(bad); i++) {
        struct business_queue_query before;
        memset(&before, 0x5a, sizeof before);
        q = before;
        assert_int_equal(
            business_rules_queue_query(bad[i].status, bad[i].limit, bad[i].cursor, &q, &err),
            OF_EPERMANENT);
        assert_string_equal(business_test_code(err.code), bad[i].code);
        assert_string_equal(err.field, bad[i].field);
        assert_memory_equal(&q, &before, sizeof q);
    }
}

static void cursors(void **state)
{
    (void)state;
    char text[BUSINESS_CURSOR_SIZE];
    struct business_queue_cursor c = {.placed_ms = 1795946400123}, back;
    strcpy(c.order_id, "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40");
    assert_int_equal(business_rules_cursor_encode(&c, text), 0);
    assert_int_equal(business_rules_cursor_decode(text, &back), 0);
    assert_int_equal(back.placed_ms, c.placed_ms);
    assert_string_equal(back.order_id, c.order_id);
    struct business_queue_query q;
    struct jspec_error err;
    assert_int_equal(business_rules_queue_query(NULL, NULL, text, &q, &err), 0);
    assert_true(q.has_cursor);
    assert_int_equal(q.cursor.placed_ms, c.placed_ms);
    /* The length bounds the OpenAPI document states: 0 gives the shortest, year 9999 the
     * longest. */
    c.placed_ms = 0;
    assert_int_equal(business_rules_cursor_encode(&c, text), 0);
    assert_int_equal(strlen(text), BUSINESS_CURSOR_MIN_LEN);
    c.placed_ms = BUSINESS_MS_MAX;
    assert_int_equal(business_rules_cursor_encode(&c, text), 0);
    assert_int_equal(strlen(text), BUSINESS_CURSOR_MAX_LEN);
    c.placed_ms = BUSINESS_MS_MAX + 1;
    assert_int_equal(business_rules_cursor_encode(&c, text), OF_EPERMANENT);
    c.placed_ms = -1;
    assert_int_equal(business_rules_cursor_encode(&c, text), OF_EPERMANENT);
    /* Only the canonical spelling: a leading zero, an upper-case id, padding are not cursors. */
    static const char *const other[] = {"01:0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40",
                                        "1:0193A5C2-7D1E-7C3A-9F10-2B6C1D2E3F40", "1:not-a-uuid",
                                        ":0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40",
                                        "+1:0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40"};
    for (size_t i = 0; i < N(other); i++) {
        char enc[BUSINESS_CURSOR_SIZE * 2];
        codec_b64url_encode(other[i], strlen(other[i]), enc);
        assert_int_equal(business_rules_cursor_decode(enc, &back), OF_EPERMANENT);
    }
    c.placed_ms = 5;
    assert_int_equal(business_rules_cursor_encode(&c, text), 0);
    char padded[BUSINESS_CURSOR_SIZE + 4];
    snprintf(padded, sizeof padded, "%s=", text);
    assert_int_equal(business_rules_cursor_decode(padded, &back), OF_EPERMANENT);
}

int run_rules_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(business_bodies), cmocka_unit_test(outlet_bodies),
        cmocka_unit_test(decision_bodies), cmocka_unit_test(outlet_apply),
        cmocka_unit_test(queue_query),     cmocka_unit_test(cursors),
    };
    return cmocka_run_group_tests_name("business rules", tests, NULL, NULL);
}
