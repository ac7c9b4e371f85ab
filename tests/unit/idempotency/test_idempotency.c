/* Tests of idempotency fingerprints, key validation, record text forms and repeat decisions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/idempotency.h"

#define FP_A "2df8b244058c2d5c4af34fa9acc5f6c7a3c411d0cb35e2a58d5afdd16bc91557"
#define FP_B "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"

static void fingerprint_known_values(void **state)
{
    (void)state;
    char fp[IDEM_FP_LEN];
    const char *body = "{\"a\":1}";
    /* SHA-256 over 8-byte big-endian lengths and bytes, computed independently */
    idem_fingerprint("POST", "/v1/orders", "cust-1", body, strlen(body), fp);
    assert_string_equal(fp, FP_A);
    idem_fingerprint("", "", "", "", 0, fp);
    assert_string_equal(fp, FP_B);
    idem_fingerprint(NULL, NULL, NULL, NULL, 0, fp); /* NULL reads as empty */
    assert_string_equal(fp, FP_B);
}

static void fingerprint_separates_fields(void **state)
{
    (void)state;
    char a[IDEM_FP_LEN], b[IDEM_FP_LEN];
    idem_fingerprint("POST", "/v1/ab", "c", "x", 1, a);
    idem_fingerprint("POST", "/v1/a", "bc", "x", 1, b);
    assert_string_not_equal(a, b);
    idem_fingerprint("POST", "/v1/a", "b", "", 0, a);
    idem_fingerprint("POST", "/v1/a", "", "b", 1, b);
    assert_string_not_equal(a, b);
    /* body_len counts, including bytes after a NUL */
    idem_fingerprint("POST", "/p", "u", "ab\0c", 4, a);
    idem_fingerprint("POST", "/p", "u", "ab\0d", 4, b);
    assert_string_not_equal(a, b);
    idem_fingerprint("POST", "/p", "u", "abc", 2, a);
    idem_fingerprint("POST", "/p", "u", "ab", 2, b);
    assert_string_equal(a, b);
    /* a different principal is a different request */
    idem_fingerprint("POST", "/p", "u1", "{}", 2, a);
    idem_fingerprint("POST", "/p", "u2", "{}", 2, b);
    assert_string_not_equal(a, b);
}

static void key_validity(void **state)
{
    (void)state;
    char k[IDEM_KEY_MAX + 2];
    assert_true(idem_key_valid("a"));
    assert_true(idem_key_valid("0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40"));
    assert_true(idem_key_valid("!~{}\"'"));
    memset(k, 'k', IDEM_KEY_MAX);
    k[IDEM_KEY_MAX] = '\0';
    assert_true(idem_key_valid(k));
    k[IDEM_KEY_MAX] = 'k';
    k[IDEM_KEY_MAX + 1] = '\0';
    assert_false(idem_key_valid(k));
    assert_false(idem_key_valid(NULL));
    assert_false(idem_key_valid(""));
    assert_false(idem_key_valid("has space"));
    assert_false(idem_key_valid("tab\there"));
    assert_false(idem_key_valid("nl\n"));
    assert_false(idem_key_valid("del\x7f"));
    assert_false(idem_key_valid("caf\xc3\xa9"));
}

static void record_roundtrip(void **state)
{
    (void)state;
    struct idem_record r;
    char *p = idem_record_pending(FP_A);
    assert_string_equal(p, "P " FP_A);
    assert_int_equal(idem_record_parse(p, &r), 0);
    assert_int_equal(r.done, 0);
    assert_string_equal(r.fingerprint, FP_A);
    free(p);

    const char *body = "{\"order_id\": \"x y\",\n \"note\": \"two  spaces\"}\n";
    char *d = idem_record_done(FP_A, 201, body);
    assert_int_equal(idem_record_parse(d, &r), 0);
    assert_int_equal(r.done, 1);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.fingerprint, FP_A);
    assert_string_equal(r.body, body);
    assert_ptr_equal(r.body, d + strlen(d) - strlen(body)); /* points into the text */
    free(d);

    d = idem_record_done(FP_B, 204, "");
    assert_int_equal(idem_record_parse(d, &r), 0);
    assert_int_equal(r.status, 204);
    assert_string_equal(r.body, "");
    free(d);
    d = idem_record_done(FP_B, 500, NULL);
    assert_string_equal(d, "D " FP_B " 500 ");
    free(d);
}

static void record_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "P",
        "P ",
        "X " FP_A,
        "p " FP_A,
        "P  " FP_A,
        "P" FP_A,
        "P " FP_A " ",
        "P " FP_A "0",
        "P 2df8b244058c2d5c4af34fa9acc5f6c7a3c411d0cb35e2a58d5afdd16bc9155",
        "P 2DF8B244058C2D5C4AF34FA9ACC5F6C7A3C411D0CB35E2A58D5AFDD16BC91557",
        "P 2df8b244058c2d5c4af34fa9acc5f6c7a3c411d0cb35e2a58d5afdd16bc9155g",
        "D " FP_A,
        "D " FP_A " ",
        "D " FP_A " 200",
        "D " FP_A " 20 x",
        "D " FP_A " 2000 x",
        "D " FP_A " 099 x",
        "D " FP_A " 600 x",
        "D " FP_A " -20 x",
        "D " FP_A " 2x0 x",
        "D " FP_A "  200 x",
        "D " FP_A "\t200 x",
        "D " FP_A " 200\tx",
        "D 2df8b244058c2d5c4af34fa9acc5f6c7a3c411d0cb35e2a58d5afdd16bc9155 200 x",
        " P " FP_A,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct idem_record r;
        memset(&r, 0x5a, sizeof r);
        struct idem_record copy = r;
        if (idem_record_parse(bad[i], &r) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_memory_equal(&r, &copy, sizeof r);
    }
    struct idem_record r;
    assert_int_equal(idem_record_parse(NULL, &r), -1);
}

static void record_status_bounds(void **state)
{
    (void)state;
    struct idem_record r;
    assert_int_equal(idem_record_parse("D " FP_A " 100 ", &r), 0);
    assert_int_equal(r.status, 100);
    assert_int_equal(idem_record_parse("D " FP_A " 599 body", &r), 0);
    assert_int_equal(r.status, 599);
    assert_string_equal(r.body, "body");
    assert_int_equal(idem_record_parse("D " FP_A " 422  lead space", &r), 0);
    assert_string_equal(r.body, " lead space");
}

/* Every stored state against a same and a different fingerprint. */
static void decide_matrix(void **state)
{
    (void)state;
    struct idem_record pending = {.done = 0, .fingerprint = FP_A};
    struct idem_record done = {.done = 1, .fingerprint = FP_A, .status = 201, .body = "{}"};
    assert_int_equal(idem_decide(NULL, FP_A), IDEM_PROCEED);
    assert_int_equal(idem_decide(&pending, FP_A), IDEM_IN_FLIGHT);
    assert_int_equal(idem_decide(&pending, FP_B), IDEM_MISMATCH);
    assert_int_equal(idem_decide(&done, FP_A), IDEM_REPLAY);
    assert_int_equal(idem_decide(&done, FP_B), IDEM_MISMATCH);
    assert_int_equal(idem_decide(&done, NULL), IDEM_MISMATCH);
    assert_int_equal(idem_decide(&pending, NULL), IDEM_MISMATCH);
    /* a fingerprint that is a prefix of the stored one is still different */
    assert_int_equal(idem_decide(&done, "2df8b244"), IDEM_MISMATCH);
}

static void decide_from_parsed(void **state)
{
    (void)state;
    struct idem_record r;
    char *d = idem_record_done(FP_A, 200, "{\"ok\":true}");
    assert_int_equal(idem_record_parse(d, &r), 0);
    assert_int_equal(idem_decide(&r, FP_A), IDEM_REPLAY);
    assert_int_equal(idem_decide(&r, FP_B), IDEM_MISMATCH);
    free(d);
    char *p = idem_record_pending(FP_B);
    assert_int_equal(idem_record_parse(p, &r), 0);
    assert_int_equal(idem_decide(&r, FP_B), IDEM_IN_FLIGHT);
    assert_int_equal(idem_decide(&r, FP_A), IDEM_MISMATCH);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fingerprint_known_values),
        cmocka_unit_test(fingerprint_separates_fields),
        cmocka_unit_test(key_validity),
        cmocka_unit_test(record_roundtrip),
        cmocka_unit_test(record_malformed),
        cmocka_unit_test(record_status_bounds),
        cmocka_unit_test(decide_matrix),
        cmocka_unit_test(decide_from_parsed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
