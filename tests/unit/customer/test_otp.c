/* Tests of customer-svc OTP logic: the server secret's decoding from its setting (hex or text,
 * the minimum length), code generation through a scripted random source (rejection sampling
 * exercised, failures propagated), a distribution sanity check, the keyed hash (a known answer,
 * and different per phone, secret and code), and the decision for every state. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/errors.h"
#include "customer_otp.h"
#include "customer_tests.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------------ */
/* Secret decoding: a table of settings and the bytes they stand for. */

struct secret_case {
    const char *what;
    const char *setting;
    int rc;
    const char *bytes; /* the expected secret; NULL: the setting's own text */
    size_t len;        /* of bytes; with bytes NULL, strlen(setting) */
};

#define HEX16 "00112233445566778899aabbccddeeff"
#define BIN16 "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff"
#define TEXT  0, NULL, 0

static const struct secret_case secret_cases[] = {
    /* Hex: an even number of hex digits, either case. */
    {"32 lowercase hex digits", HEX16, 0, BIN16, 16},
    {"32 uppercase hex digits", "00112233445566778899AABBCCDDEEFF", 0, BIN16, 16},
    {"32 mixed-case hex digits", "00112233445566778899aAbBcCdDeEfF", 0, BIN16, 16},
    {"64 hex digits", "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789ABCDEF", 0,
     "\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef"
     "\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef",
     32},
    {"34 hex digits", "ff" HEX16, 0, "\xff" BIN16, 17},
    /* The minimum as hex: 32 digits are 16 bytes, 30 digits only 15 (though 30 characters). */
    {"30 hex digits: 15 bytes", "00112233445566778899aabbccddee", OF_EPERMANENT, NULL, 0},
    {"16 hex digits: 8 bytes", "0123456789abcdef", OF_EPERMANENT, NULL, 0},
    {"2 hex digits", "ab", OF_EPERMANENT, NULL, 0},
    /* Anything else is text, taken byte for byte. */
    {"31 hex digits: odd, so text", "00112233445566778899aabbccddeef", TEXT},
    {"33 hex digits: odd, so text", HEX16 "0", TEXT},
    {"17 hex digits: odd, so text", "0123456789abcdef0", TEXT},
    {"32 characters, one not hex", "00112233445566778899aabbccddeefg", TEXT},
    {"0x prefix", "0x" HEX16, TEXT},
    {"hex with a space", "00112233 445566778899aabbccddeeff", TEXT},
    {"hex with a trailing newline", HEX16 "\n", TEXT},
    {"16 characters of text", "correct horse ba", TEXT},
    {"long text", "correct horse battery staple, and then some", TEXT},
    {"16 bytes of UTF-8, 9 characters",
     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9xy", TEXT},
    /* The minimum as text counts bytes. */
    {"15 characters of text", "correct horse b", OF_EPERMANENT, NULL, 0},
    {"15 bytes of UTF-8, 8 characters", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9x",
     OF_EPERMANENT, NULL, 0},
    {"empty", "", OF_EPERMANENT, NULL, 0},
};

static void secret_decode_table(void **state)
{
    (void)state;
    uint8_t sentinel_byte = 0;

    for (size_t i = 0; i < N(secret_cases); i++) {
        const struct secret_case *c = &secret_cases[i];
        uint8_t *out = &sentinel_byte;
        size_t len = 12345;
        int rc = customer_otp_secret_decode(c->setting, &out, &len);

        if (rc != c->rc)
            fail_msg("%s: rc %d, expected %d", c->what, rc, c->rc);
        if (rc != 0) {
            if (out != &sentinel_byte || len != 12345)
                fail_msg("%s: outputs written on failure", c->what);
            continue;
        }
        const char *expect = c->bytes ? c->bytes : c->setting;
        size_t expect_len = c->bytes ? c->len : strlen(c->setting);
        if (len != expect_len || memcmp(out, expect, len) != 0)
            fail_msg("%s: %zu bytes, expected %zu", c->what, len, expect_len);
        /* What every caller does with it: usable as a key, then scrubbed and freed. */
        uint8_t h[CUSTOMER_OTP_HASH_LEN];
        assert_int_equal(customer_otp_hash(out, len, "+447700900123", "123456", h), 0);
        explicit_bzero(out, len);
        free(out);
    }
}

/* Both spellings of one key are the same key. */
static void secret_hex_and_text_agree(void **state)
{
    (void)state;
    uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;

    /* "orderflow-secret" in hex, and as text. */
    assert_int_equal(customer_otp_secret_decode("6f72646572666c6f772d736563726574", &a, &alen), 0);
    assert_int_equal(customer_otp_secret_decode("orderflow-secret", &b, &blen), 0);
    assert_int_equal(alen, 16);
    assert_int_equal(blen, 16);
    assert_memory_equal(a, b, 16);
    free(a);
    free(b);
}

/* ------------------------------------------------------------------------------------------ */
/* A random source that replays 32-bit values (big-endian), then fails or repeats the last. */

struct script {
    const uint32_t *values;
    size_t n, next;
    size_t calls;
    int fail_rc; /* returned once the values run out, if not 0 */
};

static int scripted(void *ctx, void *buf, size_t n)
{
    struct script *s = ctx;
    unsigned char *b = buf;
    uint32_t v;

    assert_int_equal(n, 4);
    s->calls++;
    if (s->next >= s->n && s->fail_rc)
        return s->fail_rc;
    v = s->values[s->next < s->n ? s->next : s->n - 1];
    s->next++;
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
    return 0;
}

static void expect_code(const uint32_t *values, size_t n, const char *code, size_t draws)
{
    struct script s = {.values = values, .n = n};
    char out[CUSTOMER_OTP_CODE_DIGITS + 1] = "xxxxxx";

    assert_int_equal(customer_otp_generate(scripted, &s, out), 0);
    assert_string_equal(out, code);
    assert_int_equal(s.calls, draws);
}

#define LIMIT 4294000000u /* 4294 * 10^6, the largest multiple of 10^6 below 2^32 */

static void generate_maps_values(void **state)
{
    (void)state;
    expect_code((uint32_t[]){0}, 1, "000000", 1);
    expect_code((uint32_t[]){7}, 1, "000007", 1);
    expect_code((uint32_t[]){999999}, 1, "999999", 1);
    expect_code((uint32_t[]){1000000}, 1, "000000", 1);
    expect_code((uint32_t[]){123456789}, 1, "456789", 1);
    expect_code((uint32_t[]){LIMIT - 1}, 1, "999999", 1); /* the last accepted value */
}

static void generate_rejects_the_biased_tail(void **state)
{
    (void)state;
    /* Every value in [4294000000, 2^32) would favour codes 000000..967295: all are redrawn. */
    const uint32_t tail[] = {LIMIT, LIMIT + 1, LIMIT + 500000, 4294967295u};
    for (size_t i = 0; i < N(tail); i++)
        expect_code((uint32_t[]){tail[i], 42}, 2, "000042", 2);
    expect_code((uint32_t[]){LIMIT, 4294967295u, LIMIT + 967295, 31337}, 4, "031337", 4);
    /* Just below the tail, the same residues are accepted. */
    expect_code((uint32_t[]){LIMIT - 1000000 + 500000}, 1, "500000", 1);
}

static void generate_gives_up_on_a_stuck_source(void **state)
{
    (void)state;
    struct script s = {.values = (uint32_t[]){4294967295u}, .n = 1};
    char out[CUSTOMER_OTP_CODE_DIGITS + 1] = "xxxxxx";
    assert_int_equal(customer_otp_generate(scripted, &s, out), OF_EPERMANENT);
    assert_int_equal(s.calls, CUSTOMER_OTP_MAX_DRAWS);
    assert_string_equal(out, "xxxxxx");

    /* Accepted on the last allowed draw. */
    uint32_t v[CUSTOMER_OTP_MAX_DRAWS];
    for (size_t i = 0; i < N(v); i++)
        v[i] = LIMIT;
    v[N(v) - 1] = 9;
    expect_code(v, N(v), "000009", CUSTOMER_OTP_MAX_DRAWS);
}

static void generate_propagates_source_failure(void **state)
{
    (void)state;
    struct script s = {.values = (uint32_t[]){LIMIT}, .n = 1, .fail_rc = OF_EUNAVAIL};
    char out[CUSTOMER_OTP_CODE_DIGITS + 1] = "xxxxxx";
    assert_int_equal(customer_otp_generate(scripted, &s, out), OF_EUNAVAIL);
    assert_int_equal(s.calls, 2);
    assert_string_equal(out, "xxxxxx");
}

/* With the system source: codes are 6 digits, and each digit position is uniform enough (chi
 * square over 10 buckets, 9 degrees of freedom; 60 has odds below 10^-9 for a fair source). */
static void system_codes_look_uniform(void **state)
{
    (void)state;
    enum { RUNS = 100000 };
    static long counts[CUSTOMER_OTP_CODE_DIGITS][10];
    long below_100000 = 0;
    char code[CUSTOMER_OTP_CODE_DIGITS + 1];

    memset(counts, 0, sizeof counts);
    for (int i = 0; i < RUNS; i++) {
        assert_int_equal(customer_otp_generate(customer_otp_system_random, NULL, code), 0);
        assert_int_equal(strlen(code), CUSTOMER_OTP_CODE_DIGITS);
        for (int d = 0; d < CUSTOMER_OTP_CODE_DIGITS; d++) {
            assert_true(code[d] >= '0' && code[d] <= '9');
            counts[d][code[d] - '0']++;
        }
        below_100000 += code[0] == '0';
    }
    for (int d = 0; d < CUSTOMER_OTP_CODE_DIGITS; d++) {
        double chi = 0, expect = RUNS / 10.0;
        for (int k = 0; k < 10; k++)
            chi += (counts[d][k] - expect) * (counts[d][k] - expect) / expect;
        if (chi > 60)
            fail_msg("digit %d: chi square %.1f", d, chi);
    }
    assert_true(below_100000 > RUNS / 20); /* leading zeros are kept, not dropped */
}

/* ------------------------------------------------------------------------------------------ */
/* Hash */

static const char secret[] = "0123456789abcdef0123456789abcdef";
#define SECRET_LEN (sizeof secret - 1)

static void hash_known_answer(void **state)
{
    (void)state;
    /* HMAC-SHA256(key = secret, "orderflow-otp-v1\0+447700900123\0123456"), from Python's hmac
     * module. */
    static const uint8_t expect[CUSTOMER_OTP_HASH_LEN] = {
        0x32, 0xae, 0xc0, 0x0a, 0xcc, 0xfe, 0xa2, 0xf8, 0x94, 0x23, 0xc8,
        0x64, 0xff, 0xe5, 0xda, 0xc0, 0x31, 0xac, 0xb9, 0x1a, 0xb8, 0xb4,
        0x7e, 0x00, 0x1b, 0x4a, 0x91, 0xeb, 0x04, 0xb3, 0xb2, 0xe4,
    };
    uint8_t h[CUSTOMER_OTP_HASH_LEN];
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900123", "123456", h), 0);
    assert_memory_equal(h, expect, sizeof h);
}

static void hash_differs_per_input(void **state)
{
    (void)state;
    static const char other_secret[] = "0123456789abcdef0123456789abcdeF";
    uint8_t base[CUSTOMER_OTP_HASH_LEN], again[CUSTOMER_OTP_HASH_LEN], h[CUSTOMER_OTP_HASH_LEN];

    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900123", "123456", base), 0);
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900123", "123456", again), 0);
    assert_true(customer_otp_hash_equal(base, again));

    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900124", "123456", h), 0);
    assert_false(customer_otp_hash_equal(base, h)); /* another phone */
    assert_int_equal(customer_otp_hash(other_secret, SECRET_LEN, "+447700900123", "123456", h), 0);
    assert_false(customer_otp_hash_equal(base, h)); /* another secret */
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN - 1, "+447700900123", "123456", h), 0);
    assert_false(customer_otp_hash_equal(base, h)); /* a shorter secret */
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900123", "123457", h), 0);
    assert_false(customer_otp_hash_equal(base, h)); /* another code */
    /* Phone and code cannot slide into each other: "+141555526711" + "23456"... is not
     * "+14155552671" + "123456" since the separator is part of the message. */
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+14155552671", "123456", base), 0);
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+141555526711", "234560", h), 0);
    assert_false(customer_otp_hash_equal(base, h));
}

static void hash_rejects_bad_input(void **state)
{
    (void)state;
    uint8_t h[CUSTOMER_OTP_HASH_LEN], zero[CUSTOMER_OTP_HASH_LEN] = {0};
    memset(h, 0, sizeof h);
    assert_int_equal(
        customer_otp_hash(secret, CUSTOMER_OTP_SECRET_MIN - 1, "+447700900123", "123456", h),
        OF_EPERMANENT);
    assert_int_equal(customer_otp_hash(NULL, SECRET_LEN, "+447700900123", "123456", h),
                     OF_EPERMANENT);
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "447700900123", "123456", h),
                     OF_EPERMANENT);
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, NULL, "123456", h), OF_EPERMANENT);
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900123", "12345", h),
                     OF_EPERMANENT);
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900123", "12345a", h),
                     OF_EPERMANENT);
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900123", NULL, h),
                     OF_EPERMANENT);
    assert_memory_equal(h, zero, sizeof h);
    assert_int_equal(
        customer_otp_hash(secret, CUSTOMER_OTP_SECRET_MIN, "+447700900123", "123456", h), 0);
}

static void hash_equal_compares_every_byte(void **state)
{
    (void)state;
    uint8_t a[CUSTOMER_OTP_HASH_LEN], b[CUSTOMER_OTP_HASH_LEN];
    for (size_t i = 0; i < sizeof a; i++)
        a[i] = (uint8_t)(i * 7);
    for (size_t i = 0; i < sizeof a; i++) {
        memcpy(b, a, sizeof a);
        assert_true(customer_otp_hash_equal(a, b));
        b[i] ^= 0x80;
        assert_false(customer_otp_hash_equal(a, b));
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Decision */

#define NOW 1700000000

static void record_init(void **state)
{
    (void)state;
    struct customer_otp_record r, sentinel;
    uint8_t h[CUSTOMER_OTP_HASH_LEN];
    assert_int_equal(
        customer_otp_record_init(secret, SECRET_LEN, "+447700900123", "654321", NOW, &r), 0);
    assert_int_equal(r.expires_at, NOW + 300);
    assert_int_equal(r.attempts_left, 5);
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900123", "654321", h), 0);
    assert_memory_equal(r.hash, h, sizeof h);

    memset(&sentinel, 0x5a, sizeof sentinel);
    r = sentinel;
    assert_int_equal(customer_otp_record_init(secret, 3, "+447700900123", "654321", NOW, &r),
                     OF_EPERMANENT);
    assert_memory_equal(&r, &sentinel, sizeof r);
}

struct decide_case {
    const char *what;
    bool has_record;
    int64_t expires_at;
    int attempts_left;
    bool right_code;
    int64_t now;
    enum customer_otp_outcome outcome;
    int left_after;
};

static void decision_table(void **state)
{
    (void)state;
    static const struct decide_case cases[] = {
        {"no record", false, 0, 0, true, NOW, CUSTOMER_OTP_NONE, 0},
        {"right code", true, NOW + 300, 5, true, NOW, CUSTOMER_OTP_OK, 5},
        {"right code, last second", true, NOW + 300, 1, true, NOW + 299, CUSTOMER_OTP_OK, 1},
        {"wrong code", true, NOW + 300, 5, false, NOW, CUSTOMER_OTP_WRONG, 4},
        {"last wrong code", true, NOW + 300, 1, false, NOW, CUSTOMER_OTP_WRONG, 0},
        {"locked, right code", true, NOW + 300, 0, true, NOW, CUSTOMER_OTP_LOCKED, 0},
        {"locked, wrong code", true, NOW + 300, 0, false, NOW, CUSTOMER_OTP_LOCKED, 0},
        {"locked below zero", true, NOW + 300, -3, true, NOW, CUSTOMER_OTP_LOCKED, 0},
        {"expired at the second", true, NOW + 300, 5, true, NOW + 300, CUSTOMER_OTP_EXPIRED, 0},
        {"expired long ago", true, NOW, 5, true, NOW + 86400, CUSTOMER_OTP_EXPIRED, 0},
        {"expired and locked", true, NOW, 0, false, NOW + 1, CUSTOMER_OTP_EXPIRED, 0},
        {"expired, wrong code", true, NOW, 3, false, NOW, CUSTOMER_OTP_EXPIRED, 0},
    };
    uint8_t right[CUSTOMER_OTP_HASH_LEN], wrong[CUSTOMER_OTP_HASH_LEN];
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900123", "111111", right), 0);
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900123", "111112", wrong), 0);

    for (size_t i = 0; i < N(cases); i++) {
        const struct decide_case *c = &cases[i];
        struct customer_otp_record r = {.expires_at = c->expires_at,
                                        .attempts_left = c->attempts_left};
        int left = -99;
        memcpy(r.hash, right, sizeof right);
        enum customer_otp_outcome o = customer_otp_decide(
            c->has_record ? &r : NULL, c->right_code ? right : wrong, c->now, &left);
        if (o != c->outcome || left != c->left_after)
            fail_msg("%s: got %s with %d left, expected %s with %d left", c->what,
                     customer_otp_outcome_name(o), left, customer_otp_outcome_name(c->outcome),
                     c->left_after);
    }
}

/* A whole life: five wrong guesses lock the code, and the right one is then refused too. */
static void brute_force_is_stopped(void **state)
{
    (void)state;
    struct customer_otp_record r;
    uint8_t h[CUSTOMER_OTP_HASH_LEN];
    char guess[8];
    int left;

    assert_int_equal(
        customer_otp_record_init(secret, SECRET_LEN, "+447700900123", "424242", NOW, &r), 0);
    for (int i = 0; i < CUSTOMER_OTP_ATTEMPTS; i++) {
        snprintf(guess, sizeof guess, "%06d", i);
        assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900123", guess, h), 0);
        assert_int_equal(customer_otp_decide(&r, h, NOW + i, &left), CUSTOMER_OTP_WRONG);
        assert_int_equal(left, CUSTOMER_OTP_ATTEMPTS - 1 - i);
        r.attempts_left = left; /* what the caller stores */
    }
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900123", "424242", h), 0);
    assert_int_equal(customer_otp_decide(&r, h, NOW + 10, &left), CUSTOMER_OTP_LOCKED);
    /* The right code for another phone (same digits) is a wrong code here. */
    assert_int_equal(
        customer_otp_record_init(secret, SECRET_LEN, "+447700900123", "424242", NOW, &r), 0);
    assert_int_equal(customer_otp_hash(secret, SECRET_LEN, "+447700900999", "424242", h), 0);
    assert_int_equal(customer_otp_decide(&r, h, NOW, &left), CUSTOMER_OTP_WRONG);
}

static void outcome_names(void **state)
{
    (void)state;
    assert_string_equal(customer_otp_outcome_name(CUSTOMER_OTP_OK), "ok");
    assert_string_equal(customer_otp_outcome_name(CUSTOMER_OTP_WRONG), "wrong");
    assert_string_equal(customer_otp_outcome_name(CUSTOMER_OTP_LOCKED), "locked");
    assert_string_equal(customer_otp_outcome_name(CUSTOMER_OTP_EXPIRED), "expired");
    assert_string_equal(customer_otp_outcome_name(CUSTOMER_OTP_NONE), "none");
    assert_string_equal(customer_otp_outcome_name((enum customer_otp_outcome)99), "unknown");
}

int run_otp_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(secret_decode_table),
        cmocka_unit_test(secret_hex_and_text_agree),
        cmocka_unit_test(generate_maps_values),
        cmocka_unit_test(generate_rejects_the_biased_tail),
        cmocka_unit_test(generate_gives_up_on_a_stuck_source),
        cmocka_unit_test(generate_propagates_source_failure),
        cmocka_unit_test(system_codes_look_uniform),
        cmocka_unit_test(hash_known_answer),
        cmocka_unit_test(hash_differs_per_input),
        cmocka_unit_test(hash_rejects_bad_input),
        cmocka_unit_test(hash_equal_compares_every_byte),
        cmocka_unit_test(record_init),
        cmocka_unit_test(decision_table),
        cmocka_unit_test(brute_force_is_stopped),
        cmocka_unit_test(outcome_names),
    };
    return cmocka_run_group_tests_name("customer_otp", tests, NULL, NULL);
}
