/* unit.payment: payment-svc's pure part (payment_rules, payment_json). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/errors.h"
#include "payment_json.h"
#include "payment_rules.h"

#define ORDER    "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40"
#define CUSTOMER "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f41"
#define OUTLET   "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f42"

static json_t *load(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    assert_non_null(j);
    return j;
}

static json_t *good_request(void)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "order_id", ORDER, "customer_id", CUSTOMER,
                     "amount_minor", 29900, "currency", "INR", "method", "CARD", "token", "tok_ok");
}

/* Refuses data (stolen) with exactly the reason want. */
static void refuse_request(json_t *data, const char *want)
{
    struct payment_request r;
    char why[160] = "";
    assert_int_equal(payment_rules_requested(data, &r, why, sizeof why), OF_EPERMANENT);
    assert_string_equal(why, want);
    json_decref(data);
}

static void test_requested_good(void **state)
{
    (void)state;
    json_t *d = good_request();
    json_object_set_new(d, "extra", json_string("producers may add members"));
    struct payment_request r;
    char why[160];
    assert_int_equal(payment_rules_requested(d, &r, why, sizeof why), OF_OK);
    assert_string_equal(r.order_id, ORDER);
    assert_string_equal(r.customer_id, CUSTOMER);
    assert_int_equal(r.amount_minor, 29900);
    assert_string_equal(r.currency, "INR");
    assert_int_equal(r.method, PAYMENT_CARD);
    assert_string_equal(r.token, "tok_ok");
    json_decref(d);
}

static void test_requested_bad(void **state)
{
    (void)state;
    json_t *d = good_request();
    json_object_del(d, "order_id");
    refuse_request(d, "data.order_id: is required");
    d = good_request();
    json_object_del(d, "token");
    refuse_request(d, "data.token: is required");
    d = good_request();
    json_object_set_new(d, "amount_minor", json_integer(0));
    refuse_request(d, "data.amount_minor: must be between 1 and 100000000000000000");
    d = good_request();
    json_object_set_new(d, "amount_minor", json_real(1.5));
    refuse_request(d, "data.amount_minor: must be an integer");
    d = good_request();
    json_object_set_new(d, "amount_minor", json_string("100"));
    refuse_request(d, "data.amount_minor: must be an integer");
    d = good_request();
    json_object_set_new(d, "currency", json_string("inr"));
    refuse_request(d, "data.currency: must be an ISO 4217 code: 3 upper-case letters");
    d = good_request();
    json_object_set_new(d, "method", json_string("CASH"));
    refuse_request(d, "data.method: must be UPI|CARD|WALLET");
    d = good_request();
    json_object_set_new(d, "method", json_string("card"));
    refuse_request(d, "data.method: must be UPI|CARD|WALLET");
    d = good_request();
    json_object_set_new(d, "token", json_string(""));
    refuse_request(d, "data.token: must not be empty");
    char long_token[PAYMENT_TOKEN_MAX + 2];
    memset(long_token, 't', sizeof long_token - 1);
    long_token[sizeof long_token - 1] = '\0';
    d = good_request();
    json_object_set_new(d, "token", json_string(long_token));
    refuse_request(d, "data.token: must be at most 128 characters");
    d = good_request();
    json_object_set_new(d, "token", json_string("tok\tok"));
    struct payment_request r;
    assert_int_equal(payment_rules_requested(d, &r, NULL, 0), OF_EPERMANENT);
    json_decref(d);
    d = good_request();
    json_object_set_new(d, "customer_id", json_string("not-a-uuid"));
    assert_int_equal(payment_rules_requested(d, &r, NULL, 0), OF_EPERMANENT);
    json_decref(d);
    d = load("[]");
    assert_int_equal(payment_rules_requested(d, &r, NULL, 0), OF_EPERMANENT);
    json_decref(d);
}

static void test_requested_token_max(void **state)
{
    (void)state;
    char token[PAYMENT_TOKEN_MAX + 1];
    memset(token, '~', PAYMENT_TOKEN_MAX);
    token[PAYMENT_TOKEN_MAX] = '\0';
    json_t *d = good_request();
    json_object_set_new(d, "token", json_string(token));
    struct payment_request r;
    assert_int_equal(payment_rules_requested(d, &r, NULL, 0), OF_OK);
    assert_string_equal(r.token, token);
    json_decref(d);
}

static void test_cancelled(void **state)
{
    (void)state;
    json_t *d =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:n, s:s}", "order_id", ORDER, "customer_id", CUSTOMER,
                  "outlet_id", OUTLET, "reason", "PAYMENT_FAILED", "stage", "AWAITING_PAYMENT",
                  "reservation_id", "cancelled_at", "2026-11-21T10:00:00.123Z");
    struct payment_cancellation c;
    char why[160] = "";
    assert_int_equal(payment_rules_cancelled(d, &c, why, sizeof why), OF_OK);
    assert_string_equal(c.order_id, ORDER);
    assert_string_equal(c.reason, "PAYMENT_FAILED");
    assert_string_equal(c.reservation_id, "");
    assert_int_equal(c.cancelled_ms, 1795255200123LL);
    json_object_set_new(d, "cancelled_at", json_string("yesterday"));
    assert_int_equal(payment_rules_cancelled(d, &c, why, sizeof why), OF_EPERMANENT);
    assert_string_equal(why, "data.cancelled_at: must be an RFC 3339 timestamp");
    json_object_set_new(d, "cancelled_at", json_string("2026-11-21T10:00:00.123Z"));
    json_object_del(d, "stage");
    assert_int_equal(payment_rules_cancelled(d, &c, why, sizeof why), OF_EPERMANENT);
    assert_string_equal(why, "data.stage: is required");
    json_decref(d);
}

static void test_mock_outcome(void **state)
{
    (void)state;
    assert_int_equal(payment_rules_mock_outcome("tok_ok", 1, 0.5, 0), PAYMENT_CHARGE_CAPTURED);
    assert_int_equal(payment_rules_mock_outcome("tok_decline", 1, 0.5, 0), PAYMENT_CHARGE_DECLINED);
    assert_int_equal(payment_rules_mock_outcome("tok_insufficient", 1, 0.5, 0),
                     PAYMENT_CHARGE_INSUFFICIENT);
    assert_int_equal(payment_rules_mock_outcome("tok_error", 1, 0.5, 0), PAYMENT_CHARGE_TRANSIENT);
    assert_int_equal(payment_rules_mock_outcome("tok_error", 2, 0.5, 0), PAYMENT_CHARGE_TRANSIENT);
    assert_int_equal(payment_rules_mock_outcome("tok_error", 3, 0.5, 0), PAYMENT_CHARGE_CAPTURED);
    assert_int_equal(payment_rules_mock_outcome("tok_error", 9, 0.5, 0), PAYMENT_CHARGE_CAPTURED);
    /* Any other token is declined. */
    assert_int_equal(payment_rules_mock_outcome("tok_OK", 1, 0.5, 0), PAYMENT_CHARGE_DECLINED);
    assert_int_equal(payment_rules_mock_outcome("4111111111111111", 1, 0.5, 0),
                     PAYMENT_CHARGE_DECLINED);
    assert_int_equal(payment_rules_mock_outcome(NULL, 1, 0.5, 0), PAYMENT_CHARGE_DECLINED);
    /* The failure rate: a draw below it fails transiently, whatever the token. */
    assert_int_equal(payment_rules_mock_outcome("tok_ok", 1, 0.24, 0.25), PAYMENT_CHARGE_TRANSIENT);
    assert_int_equal(payment_rules_mock_outcome("tok_decline", 1, 0.0, 0.25),
                     PAYMENT_CHARGE_TRANSIENT);
    assert_int_equal(payment_rules_mock_outcome("tok_ok", 1, 0.25, 0.25), PAYMENT_CHARGE_CAPTURED);
    assert_int_equal(payment_rules_mock_outcome("tok_ok", 1, 0.999, 1), PAYMENT_CHARGE_TRANSIENT);
    assert_int_equal(payment_rules_mock_outcome("tok_ok", 1, 0.0, 0), PAYMENT_CHARGE_CAPTURED);
}

static void test_failure_rate(void **state)
{
    (void)state;
    double v = -1;
    assert_int_equal(payment_rules_failure_rate("0", &v), OF_OK);
    assert_true(v == 0);
    assert_int_equal(payment_rules_failure_rate("0.25", &v), OF_OK);
    assert_true(v > 0.2499 && v < 0.2501);
    assert_int_equal(payment_rules_failure_rate("1", &v), OF_OK);
    assert_true(v == 1);
    assert_int_equal(payment_rules_failure_rate("1.0", &v), OF_OK);
    v = 7;
    const char *bad[] = {"",     "-0.1", "1.01", "2",    ".5",  "0.",
                         "1e-1", "nan",  " 0.1", "0.1 ", "0,1", NULL};
    for (size_t i = 0; bad[i]; i++)
        assert_int_equal(payment_rules_failure_rate(bad[i], &v), OF_EPERMANENT);
    assert_int_equal(payment_rules_failure_rate(NULL, &v), OF_EPERMANENT);
    assert_true(v == 7);
}

static void test_payment_id(void **state)
{
    (void)state;
    char a[UUID_STR_LEN], b[UUID_STR_LEN], other[UUID_STR_LEN];
    assert_int_equal(payment_rules_payment_id(ORDER, a), OF_OK);
    assert_int_equal(payment_rules_payment_id(ORDER, b), OF_OK);
    assert_string_equal(a, b); /* the same order, the same id: the same idempotency key */
    assert_true(uuid_valid(a));
    assert_int_equal(a[14], '8'); /* version 8 */
    assert_true(strchr("89ab", a[19]) != NULL);
    /* SHA-256("orderflow.payment:" ORDER), as tests/integration/invariants/payment.sql has it. */
    assert_string_equal(a, "1ffa8186-2ecf-8191-b5c6-962297bd8418");
    assert_int_equal(payment_rules_payment_id(CUSTOMER, other), OF_OK);
    assert_string_not_equal(a, other);
    memcpy(other, "keep", 5);
    assert_int_equal(payment_rules_payment_id("0193A5C2-7D1E-7C3A-9F10-2B6C1D2E3F40", other),
                     OF_EPERMANENT);
    assert_int_equal(payment_rules_payment_id("x", other), OF_EPERMANENT);
    assert_int_equal(payment_rules_payment_id(NULL, other), OF_EPERMANENT);
    assert_string_equal(other, "keep");
}

static void test_names(void **state)
{
    (void)state;
    enum payment_method m;
    enum payment_status s;
    enum payment_reason r;
    for (int i = 0; i < PAYMENT_METHOD_COUNT; i++) {
        assert_int_equal(payment_rules_method_parse(payment_rules_method_name(i), &m), OF_OK);
        assert_int_equal(m, i);
    }
    for (int i = 0; i < PAYMENT_STATUS_COUNT; i++) {
        assert_int_equal(payment_rules_status_parse(payment_rules_status_name(i), &s), OF_OK);
        assert_int_equal(s, i);
    }
    for (int i = 1; i < PAYMENT_REASON_COUNT; i++) {
        assert_int_equal(payment_rules_reason_parse(payment_rules_reason_name(i), &r), OF_OK);
        assert_int_equal(r, i);
    }
    assert_int_equal(payment_rules_reason_parse("", &r), OF_OK);
    assert_int_equal(r, PAYMENT_REASON_NONE);
    assert_null(payment_rules_reason_name(PAYMENT_REASON_NONE));
    assert_null(payment_rules_method_name(PAYMENT_METHOD_COUNT));
    assert_int_equal(payment_rules_method_parse("upi", &m), OF_EPERMANENT);
    assert_int_equal(payment_rules_status_parse(NULL, &s), OF_EPERMANENT);
    assert_true(jspec_currency_valid("INR"));
    assert_false(jspec_currency_valid("INRR"));
    assert_false(jspec_currency_valid("In"));
    assert_false(jspec_currency_valid(NULL));
    /* Outcomes: reasons and metric labels. */
    assert_int_equal(payment_rules_outcome_reason(PAYMENT_CHARGE_CAPTURED), PAYMENT_REASON_NONE);
    assert_int_equal(payment_rules_outcome_reason(PAYMENT_CHARGE_DECLINED), PAYMENT_CARD_DECLINED);
    assert_int_equal(payment_rules_outcome_reason(PAYMENT_CHARGE_INSUFFICIENT),
                     PAYMENT_INSUFFICIENT_FUNDS);
    assert_int_equal(payment_rules_outcome_reason(PAYMENT_CHARGE_ERROR), PAYMENT_PROVIDER_ERROR);
    assert_string_equal(payment_rules_outcome_label(PAYMENT_CHARGE_INSUFFICIENT), "insufficient");
    assert_null(payment_rules_outcome_label(PAYMENT_CHARGE_TRANSIENT));
}

static void test_list_query_and_visibility(void **state)
{
    (void)state;
    char id[UUID_STR_LEN];
    struct jspec_error e;
    assert_int_equal(payment_rules_list_query(ORDER, id, &e), OF_OK);
    assert_string_equal(id, ORDER);
    assert_int_equal(payment_rules_list_query(NULL, id, &e), OF_EPERMANENT);
    assert_int_equal(e.code, API_MISSING_FIELD);
    assert_string_equal(e.field, "order_id");
    assert_int_equal(payment_rules_list_query("abc", id, &e), OF_EPERMANENT);
    assert_int_equal(e.code, API_INVALID_VALUE);
    assert_string_equal(e.field, "order_id");
    struct payment p = {.customer_id = CUSTOMER};
    struct auth_principal who = {.sub = CUSTOMER, .role = AUTH_CUSTOMER};
    assert_true(payment_rules_visible(&who, &p));
    memcpy(who.sub, ORDER, UUID_STR_LEN);
    assert_false(payment_rules_visible(&who, &p)); /* another customer */
    who.role = AUTH_ADMIN;
    assert_true(payment_rules_visible(&who, &p));
    memcpy(who.sub, CUSTOMER, UUID_STR_LEN);
    who.role = AUTH_BUSINESS;
    assert_false(payment_rules_visible(&who, &p)); /* the right sub, the wrong role */
    who.role = AUTH_PARTNER;
    assert_false(payment_rules_visible(&who, &p));
}

static void test_json(void **state)
{
    (void)state;
    struct payment p = {.id = "1ffa8186-2ecf-8191-b5c6-962297bd8418",
                        .order_id = ORDER,
                        .customer_id = CUSTOMER,
                        .amount_minor = 29900,
                        .currency = "INR",
                        .method = PAYMENT_UPI,
                        .status = PAYMENT_CAPTURED,
                        .provider_ref = "mock_ch_1",
                        .created_at = "2026-11-21T10:00:00.000Z",
                        .updated_at = "2026-11-21T10:00:00.000Z"};
    json_t *j = payment_json_payment(&p);
    assert_non_null(j);
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(
        s, "{\"amount_minor\":29900,\"created_at\":\"2026-11-21T10:00:00.000Z\",\"currency\":"
           "\"INR\",\"customer_id\":\"" CUSTOMER "\",\"failure_reason\":null,\"id\":\"1ffa8186-"
           "2ecf-8191-b5c6-962297bd8418\",\"method\":\"UPI\",\"order_id\":\"" ORDER
           "\",\"provider_ref\":\"mock_ch_1\",\"status\":\"CAPTURED\",\"updated_at\":\"2026-11-"
           "21T10:00:00.000Z\"}");
    free(s);
    json_decref(j);
    j = payment_json_completed(&p, 1795255200123LL);
    assert_string_equal(json_string_value(json_object_get(j, "completed_at")),
                        "2026-11-21T10:00:00.123Z");
    assert_string_equal(json_string_value(json_object_get(j, "provider_ref")), "mock_ch_1");
    assert_int_equal(json_object_size(j), 8);
    json_decref(j);
    assert_null(payment_json_refunded(&p, 0)); /* no refund reference yet */
    memcpy(p.refund_ref, "mock_rf_1", 10);
    j = payment_json_refunded(&p, 0);
    assert_string_equal(json_string_value(json_object_get(j, "provider_ref")), "mock_rf_1");
    assert_int_equal(json_object_size(j), 7);
    json_decref(j);
    p.status = PAYMENT_FAILED;
    p.failure_reason = PAYMENT_ORDER_CANCELLED;
    p.provider_ref[0] = '\0';
    j = payment_json_failed(&p, 0);
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "ORDER_CANCELLED");
    assert_int_equal(json_object_size(j), 5);
    json_decref(j);
    j = payment_json_payment(&p);
    assert_string_equal(json_string_value(json_object_get(j, "failure_reason")), "ORDER_CANCELLED");
    assert_true(json_is_null(json_object_get(j, "provider_ref")));
    assert_null(json_object_get(j, "token"));
    json_decref(j);
    assert_null(payment_json_completed(&p, 0)); /* never charged: no completion */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requested_good),
        cmocka_unit_test(test_requested_bad),
        cmocka_unit_test(test_requested_token_max),
        cmocka_unit_test(test_cancelled),
        cmocka_unit_test(test_mock_outcome),
        cmocka_unit_test(test_failure_rate),
        cmocka_unit_test(test_payment_id),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_list_query_and_visibility),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests_name("payment", tests, NULL, NULL);
}
