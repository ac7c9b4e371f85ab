/* Tests of order-svc's request rules: POST /v1/orders bodies (a table of good and bad bodies,
 * each bad one with its code and field, the output untouched), the Idempotency-Key header, the
 * list query and its cursor, and the payment method names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/codec.h"
#include "common/errors.h"
#include "order_rules.h"
#include "order_tests.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define U_OUTLET  "0189f1a2-0000-7000-8000-00000000000a"
#define U_ADDRESS "0189f1a2-0000-7000-8000-00000000000b"
#define U_ITEM1   "0189f1a2-0000-7000-8000-000000000001"
#define U_ITEM2   "0189f1a2-0000-7000-8000-000000000002"

#define OUTLET            "'outlet_id':'" U_OUTLET "'"
#define ADDRESS           "'address_id':'" U_ADDRESS "'"
#define ITEM1             "{'item_id':'" U_ITEM1 "','qty':2}"
#define ITEM2             "{'item_id':'" U_ITEM2 "','qty':1}"
#define ITEMS             "'items':[" ITEM1 "]"
#define PAYMENT           "'payment':{'method':'UPI','token':'tok_abc'}"
#define BODY(...)         "{" __VA_ARGS__ "}"
#define GOOD_WITH(extra)  BODY(OUTLET "," ADDRESS "," ITEMS "," PAYMENT "," extra)
#define WITH_ITEMS(items) BODY(OUTLET "," ADDRESS ",'items':[" items "]," PAYMENT)
#define WITH_PAYMENT(pay) BODY(OUTLET "," ADDRESS "," ITEMS ",'payment':" pay)

struct body_case {
    const char *json;
    const char *code; /* NULL: must succeed */
    const char *field;
};

/* Runs order_rules_request on body; a failure must be code on field, with a message that starts
 * with the field's name and *ret untouched. */
static void check_request(const char *what, const json_t *body, const char *code, const char *field)
{
    struct order_request *out = malloc(sizeof *out), *sentinel = malloc(sizeof *sentinel);
    struct jspec_error err;
    assert_non_null(out);
    assert_non_null(sentinel);
    memset(sentinel, 0x5a, sizeof *sentinel);
    memcpy(out, sentinel, sizeof *out);
    memset(&err, 0, sizeof err);
    int rc = order_rules_request(body, out, &err);
    if (!code && rc != OF_OK)
        fail_msg("%s: expected success, got %s on '%s': %s", what, order_test_code(err.code),
                 err.field, err.message);
    if (code) {
        if (rc != OF_EPERMANENT || strcmp(order_test_code(err.code), code) != 0 ||
            strcmp(err.field, field) != 0)
            fail_msg("%s: expected %s on '%s', got rc %d, %s on '%s' (%s)", what, code, field, rc,
                     order_test_code(err.code), err.field, err.message);
        const char *name = field[0] ? field : "body";
        if (strncmp(err.message, name, strlen(name)) != 0)
            fail_msg("%s: message '%s' does not start with '%s'", what, err.message, name);
        if (memcmp(out, sentinel, sizeof *out) != 0)
            fail_msg("%s: output changed on failure", what);
    }
    free(out);
    free(sentinel);
}

static void request_table(void **state)
{
    (void)state;
    static const struct body_case cases[] = {
        {BODY(OUTLET "," ADDRESS "," ITEMS "," PAYMENT), NULL, NULL},
        {WITH_ITEMS(ITEM1 "," ITEM2), NULL, NULL},
        {WITH_PAYMENT("{'method':'CARD','token':'tok_visa_4242'}"), NULL, NULL},
        {WITH_PAYMENT("{'method':'WALLET','token':'w'}"), NULL, NULL},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "','qty':1}"), NULL, NULL},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "','qty':100}"), NULL, NULL},
        /* the whole body */
        {"[]", "body_not_object", ""},
        {"'x'", "body_not_object", ""},
        {"null", "body_not_object", ""},
        /* missing members */
        {BODY(ADDRESS "," ITEMS "," PAYMENT), "missing_field", "outlet_id"},
        {BODY(OUTLET "," ITEMS "," PAYMENT), "missing_field", "address_id"},
        {BODY(OUTLET "," ADDRESS "," PAYMENT), "missing_field", "items"},
        {BODY(OUTLET "," ADDRESS "," ITEMS), "missing_field", "payment"},
        {"{}", "missing_field", "outlet_id"},
        /* ids */
        {BODY("'outlet_id':'outlet-1'," ADDRESS "," ITEMS "," PAYMENT), "invalid_value",
         "outlet_id"},
        {BODY("'outlet_id':'0189F1A2-0000-7000-8000-00000000000A'," ADDRESS "," ITEMS "," PAYMENT),
         "invalid_value", "outlet_id"},
        {BODY("'outlet_id':7," ADDRESS "," ITEMS "," PAYMENT), "invalid_type", "outlet_id"},
        {BODY("'outlet_id':null," ADDRESS "," ITEMS "," PAYMENT), "invalid_type", "outlet_id"},
        {BODY(OUTLET ",'address_id':'" U_ADDRESS "x'," ITEMS "," PAYMENT), "invalid_value",
         "address_id"},
        {BODY(OUTLET ",'address_id':''," ITEMS "," PAYMENT), "invalid_value", "address_id"},
        /* items */
        {BODY(OUTLET "," ADDRESS ",'items':{'item_id':'" U_ITEM1 "','qty':1}," PAYMENT),
         "invalid_type", "items"},
        {BODY(OUTLET "," ADDRESS ",'items':'" U_ITEM1 "'," PAYMENT), "invalid_type", "items"},
        {WITH_ITEMS(""), "invalid_value", "items"},
        {WITH_ITEMS("5"), "body_not_object", "items[0]"},
        {WITH_ITEMS(ITEM1 ",[]"), "body_not_object", "items[1]"},
        {WITH_ITEMS("{'qty':1}"), "missing_field", "items[0].item_id"},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "'}"), "missing_field", "items[0].qty"},
        {WITH_ITEMS("{'item_id':'nope','qty':1}"), "invalid_value", "items[0].item_id"},
        {WITH_ITEMS(ITEM1 ",{'item_id':'" U_ITEM2 "','qty':0}"), "out_of_range", "items[1].qty"},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "','qty':0}"), "out_of_range", "items[0].qty"},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "','qty':101}"), "out_of_range", "items[0].qty"},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "','qty':-1}"), "out_of_range", "items[0].qty"},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "','qty':1.5}"), "invalid_type", "items[0].qty"},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "','qty':1.0}"), "invalid_type", "items[0].qty"},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "','qty':'1'}"), "invalid_type", "items[0].qty"},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "','qty':null}"), "invalid_type", "items[0].qty"},
        {WITH_ITEMS(ITEM1 ",{'item_id':'" U_ITEM1 "','qty':3}"), "invalid_value",
         "items[1].item_id"},
        {WITH_ITEMS(ITEM1 "," ITEM2 ",{'item_id':'" U_ITEM2 "','qty':3}"), "invalid_value",
         "items[2].item_id"},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "','qty':1,'colour':'red'}"), "unknown_field",
         "items[0].colour"},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "','qty':1,'unit_price_minor':1}"), "read_only_field",
         "items[0].unit_price_minor"},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "','qty':1,'line_total_minor':1}"), "read_only_field",
         "items[0].line_total_minor"},
        {WITH_ITEMS("{'item_id':'" U_ITEM1 "','qty':1,'price_minor':1}"), "read_only_field",
         "items[0].price_minor"},
        /* server-owned members at the top */
        {GOOD_WITH("'status':'PLACED'"), "read_only_field", "status"},
        {GOOD_WITH("'total_minor':100"), "read_only_field", "total_minor"},
        {GOOD_WITH("'unit_price_minor':100"), "read_only_field", "unit_price_minor"},
        {GOOD_WITH("'id':'" U_ITEM1 "'"), "read_only_field", "id"},
        {GOOD_WITH("'customer_id':'" U_ITEM1 "'"), "read_only_field", "customer_id"},
        {GOOD_WITH("'currency':'INR'"), "read_only_field", "currency"},
        {GOOD_WITH("'timeline':[]"), "read_only_field", "timeline"},
        {GOOD_WITH("'payment_id':null"), "read_only_field", "payment_id"},
        /* a read-only member wins over a missing one: members are checked first */
        {BODY("'status':'CREATED'"), "read_only_field", "status"},
        /* unknown members */
        {GOOD_WITH("'coupon':'FREE'"), "unknown_field", "coupon"},
        {GOOD_WITH("'Outlet_id':'x'"), "unknown_field", "Outlet_id"},
        /* payment */
        {WITH_PAYMENT("'UPI'"), "invalid_type", "payment"},
        {WITH_PAYMENT("[]"), "invalid_type", "payment"},
        {WITH_PAYMENT("null"), "invalid_type", "payment"},
        {WITH_PAYMENT("{'token':'t'}"), "missing_field", "payment.method"},
        {WITH_PAYMENT("{'method':'UPI'}"), "missing_field", "payment.token"},
        {WITH_PAYMENT("{'method':'CASH','token':'t'}"), "invalid_value", "payment.method"},
        {WITH_PAYMENT("{'method':'upi','token':'t'}"), "invalid_value", "payment.method"},
        {WITH_PAYMENT("{'method':'','token':'t'}"), "invalid_value", "payment.method"},
        {WITH_PAYMENT("{'method':'NETBANKING','token':'t'}"), "too_long", "payment.method"},
        {WITH_PAYMENT("{'method':1,'token':'t'}"), "invalid_type", "payment.method"},
        {WITH_PAYMENT("{'method':'UPI','token':''}"), "invalid_value", "payment.token"},
        {WITH_PAYMENT("{'method':'UPI','token':'tok abc'}"), "invalid_value", "payment.token"},
        {WITH_PAYMENT("{'method':'UPI','token':' '}"), "invalid_value", "payment.token"},
        {WITH_PAYMENT("{'method':'UPI','token':'tok\\tabc'}"), "invalid_value", "payment.token"},
        {WITH_PAYMENT("{'method':'UPI','token':'t\\u00e9'}"), "invalid_value", "payment.token"},
        {WITH_PAYMENT("{'method':'UPI','token':5}"), "invalid_type", "payment.token"},
        {WITH_PAYMENT("{'method':'UPI','token':'t','cvv':'123'}"), "unknown_field", "payment.cvv"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        json_t *body = order_test_load(cases[i].json);
        check_request(cases[i].json, body, cases[i].code, cases[i].field);
        json_decref(body);
    }
}

/* A body of n distinct items; 0 and 51 are refused, 1 and 50 accepted. */
static json_t *body_of_items(size_t n)
{
    json_t *body = order_test_load(BODY(OUTLET "," ADDRESS "," PAYMENT));
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        char id[UUID_STR_LEN];
        snprintf(id, sizeof id, "0189f1a2-0000-7000-8000-%012x", (unsigned)(i + 1) & 0xfffu);
        assert_int_equal(json_array_append_new(items, json_pack("{s:s, s:i}", "item_id", id, "qty",
                                                                (int)(i % 100) + 1)),
                         0);
    }
    assert_int_equal(json_object_set_new(body, "items", items), 0);
    return body;
}

static void request_item_count_bounds(void **state)
{
    (void)state;
    json_t *b = body_of_items(0);
    check_request("0 items", b, "invalid_value", "items");
    json_decref(b);
    b = body_of_items(ORDER_LINES_MAX + 1);
    check_request("51 items", b, "too_long", "items");
    json_decref(b);

    b = body_of_items(ORDER_LINES_MAX);
    struct order_request r;
    struct jspec_error err;
    assert_int_equal(order_rules_request(b, &r, &err), OF_OK);
    assert_int_equal(r.n_lines, ORDER_LINES_MAX);
    assert_string_equal(r.lines[49].item_id, "0189f1a2-0000-7000-8000-000000000032");
    assert_int_equal(r.lines[49].qty, 50);
    json_decref(b);
}

static void request_good_fills_everything(void **state)
{
    (void)state;
    json_t *b = order_test_load(BODY(OUTLET "," ADDRESS ",'items':[" ITEM1 "," ITEM2
                                            "],'payment':{'method':'WALLET','token':'tok_w-1.2'}"));
    struct order_request r;
    struct jspec_error err;
    memset(&r, 0x5a, sizeof r);
    assert_int_equal(order_rules_request(b, &r, &err), OF_OK);
    assert_string_equal(r.outlet_id, U_OUTLET);
    assert_string_equal(r.address_id, U_ADDRESS);
    assert_int_equal(r.n_lines, 2);
    assert_string_equal(r.lines[0].item_id, U_ITEM1);
    assert_int_equal(r.lines[0].qty, 2);
    assert_string_equal(r.lines[1].item_id, U_ITEM2);
    assert_int_equal(r.lines[1].qty, 1);
    assert_int_equal(r.method, ORDER_WALLET);
    assert_string_equal(r.token, "tok_w-1.2");
    json_decref(b);
}

static void request_token_lengths(void **state)
{
    (void)state;
    char token[ORDER_TOKEN_MAX + 2];
    memset(token, 'k', sizeof token - 1);
    token[sizeof token - 1] = '\0'; /* 129 bytes */
    json_t *b = order_test_load(BODY(OUTLET "," ADDRESS "," ITEMS "," PAYMENT));
    json_t *pay = json_object_get(b, "payment");
    assert_int_equal(json_object_set_new(pay, "token", json_string(token)), 0);
    check_request("129-byte token", b, "too_long", "payment.token");

    token[ORDER_TOKEN_MAX] = '\0'; /* 128 bytes */
    assert_int_equal(json_object_set_new(pay, "token", json_string(token)), 0);
    struct order_request r;
    struct jspec_error err;
    assert_int_equal(order_rules_request(b, &r, &err), OF_OK);
    assert_int_equal(strlen(r.token), ORDER_TOKEN_MAX);
    assert_string_equal(r.token, token);
    json_decref(b);
}

/* ---- Idempotency-Key ---- */

static void idempotency_key(void **state)
{
    (void)state;
    struct jspec_error err;
    char key[IDEM_KEY_MAX + 2];

    assert_int_equal(order_rules_idempotency_key(NULL, &err), OF_EPERMANENT);
    assert_string_equal(order_test_code(err.code), "missing_field");
    assert_string_equal(err.field, "Idempotency-Key");

    static const char *const bad[] = {"", "a b", " ", "key\t1", "caf\xc3\xa9", "x\x7f"};
    for (size_t i = 0; i < N(bad); i++) {
        memset(&err, 0, sizeof err);
        if (order_rules_idempotency_key(bad[i], &err) != OF_EPERMANENT)
            fail_msg("key '%s' accepted", bad[i]);
        assert_string_equal(order_test_code(err.code), "invalid_value");
        assert_string_equal(err.field, "Idempotency-Key");
        assert_int_equal(strncmp(err.message, "Idempotency-Key", 15), 0);
    }

    memset(key, 'k', IDEM_KEY_MAX + 1);
    key[IDEM_KEY_MAX + 1] = '\0'; /* 65 */
    assert_int_equal(order_rules_idempotency_key(key, &err), OF_EPERMANENT);
    assert_string_equal(order_test_code(err.code), "invalid_value");
    key[IDEM_KEY_MAX] = '\0'; /* 64 */
    assert_int_equal(order_rules_idempotency_key(key, &err), OF_OK);
    assert_int_equal(order_rules_idempotency_key("k", &err), OF_OK);
    assert_int_equal(order_rules_idempotency_key("0189f1a2-0000-7000-8000-000000000001", &err),
                     OF_OK);
    assert_int_equal(order_rules_idempotency_key("retry:{1}/#x", &err), OF_OK);
}

/* ---- GET /v1/orders ---- */

static void check_query_fails(const char *status, const char *limit, const char *cursor,
                              const char *code, const char *field)
{
    struct order_query q, sentinel;
    struct jspec_error err;
    memset(&sentinel, 0x5a, sizeof sentinel);
    memcpy(&q, &sentinel, sizeof q);
    memset(&err, 0, sizeof err);
    if (order_rules_query(status, limit, cursor, &q, &err) != OF_EPERMANENT)
        fail_msg("query status=%s limit=%s cursor=%s accepted", status ? status : "-",
                 limit ? limit : "-", cursor ? cursor : "-");
    if (strcmp(order_test_code(err.code), code) != 0 || strcmp(err.field, field) != 0)
        fail_msg("query status=%s limit=%s cursor=%s: expected %s on %s, got %s on %s",
                 status ? status : "-", limit ? limit : "-", cursor ? cursor : "-", code, field,
                 order_test_code(err.code), err.field);
    if (memcmp(&q, &sentinel, sizeof q) != 0)
        fail_msg("query: output changed on failure");
}

static void query_defaults_and_status(void **state)
{
    (void)state;
    struct order_query q;
    struct jspec_error err;
    memset(&q, 0x5a, sizeof q);
    assert_int_equal(order_rules_query(NULL, NULL, NULL, &q, &err), OF_OK);
    assert_false(q.has_status);
    assert_false(q.has_cursor);
    assert_int_equal(q.limit, ORDER_LIMIT_DEFAULT);

    for (int s = 0; s < ORDER_STATE_COUNT; s++) {
        const char *name = order_state_name((enum order_state)s);
        assert_non_null(name);
        assert_int_equal(order_rules_query(name, NULL, NULL, &q, &err), OF_OK);
        assert_true(q.has_status);
        assert_int_equal(q.status, s);
    }
    static const char *const bad[] = {"", "placed", "Placed", "PLACED ", "UNKNOWN", "0"};
    for (size_t i = 0; i < N(bad); i++)
        check_query_fails(bad[i], NULL, NULL, "invalid_value", "status");
}

static void query_limit(void **state)
{
    (void)state;
    struct order_query q;
    struct jspec_error err;
    static const struct {
        const char *text;
        int want;
    } good[] = {{"1", 1}, {"20", 20}, {"99", 99}, {"100", 100}, {"007", 7}};
    for (size_t i = 0; i < N(good); i++) {
        assert_int_equal(order_rules_query(NULL, good[i].text, NULL, &q, &err), OF_OK);
        assert_int_equal(q.limit, good[i].want);
    }
    static const char *const out_of_range[] = {"0", "101", "1000", "000",
                                               "99999999999999999999999999"};
    for (size_t i = 0; i < N(out_of_range); i++)
        check_query_fails(NULL, out_of_range[i], NULL, "out_of_range", "limit");
    static const char *const not_digits[] = {"",   "abc", "1a",  "-1",  "+5",
                                             " 5", "5 ",  "1.0", "0x10"};
    for (size_t i = 0; i < N(not_digits); i++)
        check_query_fails(NULL, not_digits[i], NULL, "invalid_value", "limit");
    /* the first bad parameter is named */
    check_query_fails("nope", "0", NULL, "invalid_value", "status");
}

static void query_cursor(void **state)
{
    (void)state;
    struct order_query q;
    struct jspec_error err;
    const struct page_cursor c = {.ms = 1700000000123,
                                  .id = "0189f1a2-0000-7000-8000-00000000abcd"};
    char text[PAGE_CURSOR_SIZE];
    assert_int_equal(page_cursor_encode(&c, text), OF_OK);
    assert_int_equal(order_rules_query("PLACED", "5", text, &q, &err), OF_OK);
    assert_true(q.has_cursor);
    assert_int_equal(q.cursor.ms, c.ms);
    assert_string_equal(q.cursor.id, c.id);
    assert_true(q.has_status);
    assert_int_equal(q.status, ORDER_PLACED);
    assert_int_equal(q.limit, 5);

    /* forged: valid base64url of something that is not "<ms>:<uuid>", or a non-canonical one */
    static const char *const forged_text[] = {
        "1700000000123:not-a-uuid",
        "1700000000123",
        "01700000000123:0189f1a2-0000-7000-8000-00000000abcd",
        "-1:0189f1a2-0000-7000-8000-00000000abcd",
        "1700000000123:0189F1A2-0000-7000-8000-00000000ABCD",
        "1700000000123;0189f1a2-0000-7000-8000-00000000abcd",
    };
    for (size_t i = 0; i < N(forged_text); i++) {
        char forged[PAGE_CURSOR_SIZE];
        codec_b64url_encode(forged_text[i], strlen(forged_text[i]), forged);
        check_query_fails(NULL, NULL, forged, "invalid_value", "cursor");
    }
    char tampered[PAGE_CURSOR_SIZE];
    memcpy(tampered, text, sizeof tampered);
    tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
    check_query_fails(NULL, NULL, tampered, "invalid_value", "cursor");
    check_query_fails(NULL, NULL, "", "invalid_value", "cursor");
    check_query_fails(NULL, NULL, "!!!!", "invalid_value", "cursor");
    check_query_fails(NULL, NULL, "1700000000123:0189f1a2-0000-7000-8000-00000000abcd",
                      "invalid_value", "cursor");
}

/* ---- Method names ---- */

static void method_names_round_trip(void **state)
{
    (void)state;
    static const char *const want[] = {"UPI", "CARD", "WALLET"};
    assert_int_equal(N(want), ORDER_METHOD_COUNT);
    for (int m = 0; m < ORDER_METHOD_COUNT; m++) {
        enum order_method back = ORDER_METHOD_COUNT;
        assert_string_equal(order_method_name((enum order_method)m), want[m]);
        assert_int_equal(order_method_from_name(want[m], &back), OF_OK);
        assert_int_equal(back, m);
    }
    assert_null(order_method_name(ORDER_METHOD_COUNT));
    assert_null(order_method_name((enum order_method) - 1));
    static const char *const bad[] = {"upi", "Card", "", "CASH", "UPI "};
    for (size_t i = 0; i < N(bad); i++) {
        enum order_method m = ORDER_CARD;
        assert_int_equal(order_method_from_name(bad[i], &m), OF_EPERMANENT);
        assert_int_equal(m, ORDER_CARD);
    }
    enum order_method m = ORDER_WALLET;
    assert_int_equal(order_method_from_name(NULL, &m), OF_EPERMANENT);
    assert_int_equal(m, ORDER_WALLET);
}

int run_rules_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_table),
        cmocka_unit_test(request_item_count_bounds),
        cmocka_unit_test(request_good_fills_everything),
        cmocka_unit_test(request_token_lengths),
        cmocka_unit_test(idempotency_key),
        cmocka_unit_test(query_defaults_and_status),
        cmocka_unit_test(query_limit),
        cmocka_unit_test(query_cursor),
        cmocka_unit_test(method_names_round_trip),
    };
    return cmocka_run_group_tests_name("order rules", tests, NULL, NULL);
}
