/* Tests of customer_rules_phone_redact, which backs the promise that no whole phone number is
 * logged: every input length 0..20, with and without the '+', against every buffer size
 * 0..len+1 (no write past the buffer, always terminated, the '+', then at most
 * CUSTOMER_PHONE_VISIBLE characters kept, never more than half), and every E.164 length (at
 * least half of the digits hidden, whatever the buffer). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "customer.h"
#include "customer_rules.h"
#include "customer_tests.h"

#define MAX_INPUT 20
#define GUARD     16   /* bytes past the buffer that must stay as they were */
#define FILL      0x5a /* what the buffer and its guard hold before the call */

/* Distinct characters, none of them '*', so every output position tells where it came from. */
static const char source[] = "+123456789abcdefghijk";
static const char unsigned_source[] = "123456789abcdefghijkl";
_Static_assert(sizeof source - 1 >= MAX_INPUT, "source covers every input length");
_Static_assert(sizeof unsigned_source - 1 >= MAX_INPUT, "so does the one without '+'");

/* What position i of the redacted form of an n-character input must hold: the '+', the first
 * ceil(v / 2) and last floor(v / 2) of the d characters after it, v = min(4, d / 2). */
static char expected_at(const char *in, size_t n, size_t i)
{
    size_t sign = n > 0 && in[0] == '+', d = n - sign;
    size_t v = d / 2 < 4 ? d / 2 : 4, tail = v / 2, head = sign + v - tail;
    return i < head || i >= n - tail ? in[i] : '*';
}

/* Redacts in (n characters) into a len-byte buffer followed by a guard and checks the result. */
static void check_one(const char *in, size_t n, size_t len)
{
    unsigned char buf[MAX_INPUT + 2 + GUARD];
    unsigned char *exact;
    size_t k;

    memset(buf, FILL, sizeof buf);
    customer_rules_phone_redact(in, (char *)buf, len);
    for (size_t i = len; i < len + GUARD; i++)
        if (buf[i] != FILL)
            fail_msg("input of %zu, buffer of %zu: byte %zu written", n, len, i);
    if (len == 0)
        return; /* nothing may be written, and the guard says nothing was */
    if (!memchr(buf, '\0', len))
        fail_msg("input of %zu, buffer of %zu: not terminated", n, len);
    k = strlen((const char *)buf);
    if (k != (n < len - 1 ? n : len - 1))
        fail_msg("input of %zu, buffer of %zu: %zu characters out", n, len, k);
    for (size_t i = 0; i < k; i++)
        if ((char)buf[i] != expected_at(in, n, i))
            fail_msg("input of %zu, buffer of %zu: position %zu is '%c'", n, len, i, buf[i]);

    /* The same into a heap block of exactly len bytes, where ASan or valgrind see any overrun. */
    exact = malloc(len);
    customer_rules_phone_redact(in, (char *)exact, len);
    assert_memory_equal(exact, buf, k + 1);
    free(exact);
}

static void every_length_and_buffer_size(void **state)
{
    (void)state;
    char in[MAX_INPUT + 1];

    for (int with_sign = 0; with_sign < 2; with_sign++) {
        for (size_t n = 0; n <= MAX_INPUT; n++) {
            memcpy(in, with_sign ? source : unsigned_source, n);
            in[n] = '\0';
            for (size_t len = 0; len <= n + 1; len++)
                check_one(in, n, len);
            check_one(in, n, MAX_INPUT + 1); /* and a buffer with room to spare */
        }
    }
}

/* The documented examples, spelled out. */
static void examples(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"+447700900123", "+44********23"},
        {"+14155552671", "+14*******71"},
        {"+123456789012345", "+12***********45"}, /* 15 digits: 11 hidden */
        {"+123456789", "+12*****89"},             /* 9 digits: 5 hidden */
        {"+12345678", "+12****78"},               /* 8 digits: 4 hidden, no more than 4 shown */
        {"+10000000", "+10****00"},               /* the 8 digits once shown as +10**0000 */
        {"+1234567", "+12****7"},                 /* not E.164, still at least half hidden */
        {"+1234", "+1**4"},
        {"+12", "+1*"},
        {"+1", "+*"},
        {"+", "+"},
        {"1234567", "12****7"},
        {"", ""},
    };
    char out[CUSTOMER_PHONE_SIZE + 8];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        customer_rules_phone_redact(cases[i].in, out, sizeof out);
        assert_string_equal(out, cases[i].out);
    }
}

/* For every E.164 length and every buffer size, at least half of the digits are hidden and at
 * most CUSTOMER_PHONE_VISIBLE shown: a log line never holds enough of the number to find it. */
static void e164_always_hides_a_digit(void **state)
{
    (void)state;
    char phone[CUSTOMER_PHONE_SIZE], out[CUSTOMER_PHONE_SIZE + 2];

    for (int digits = CUSTOMER_PHONE_MIN_DIGITS; digits <= CUSTOMER_PHONE_MAX_DIGITS; digits++) {
        snprintf(phone, sizeof phone, "+%.*s", digits, "187654321098765"); /* +1: no plan */
        assert_true(customer_rules_phone_valid(phone));
        for (size_t len = 0; len <= sizeof out; len++) {
            int visible = 0;
            memset(out, FILL, sizeof out);
            customer_rules_phone_redact(phone, out, len);
            for (size_t i = 0; len > 0 && out[i]; i++)
                visible += out[i] >= '0' && out[i] <= '9';
            if (2 * visible > digits)
                fail_msg("%d digits, buffer of %zu: %d visible, more than half", digits, len,
                         visible);
            if (visible > CUSTOMER_PHONE_VISIBLE)
                fail_msg("%d digits, buffer of %zu: %d digits visible", digits, len, visible);
        }
    }
}

int run_redact_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_length_and_buffer_size),
        cmocka_unit_test(examples),
        cmocka_unit_test(e164_always_hides_a_digit),
    };
    return cmocka_run_group_tests_name("customer_phone_redact", tests, NULL, NULL);
}
