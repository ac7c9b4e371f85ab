/* Tests of keyset-paging cursors: round trips at the bounds of the time, ids Postgres would not
 * write refused, and only the one canonical encoding read back (no leading zeros, padding,
 * altered trailing bits, trailing garbage or overlong input). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/codec.h"
#include "common/cursor.h"
#include "common/errors.h"
#include "core_tests.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ID   "0189f1a2-0000-7000-8000-00000000abcd"

static void round_trip(int64_t ms, const char *id)
{
    struct page_cursor c = {.ms = ms}, back;
    char text[PAGE_CURSOR_SIZE];
    memcpy(c.id, id, UUID_STR_LEN);
    assert_int_equal(page_cursor_encode(&c, text), OF_OK);
    assert_true(strlen(text) < PAGE_CURSOR_SIZE);
    assert_int_equal(
        strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        strlen(text));
    memset(&back, 0x5a, sizeof back);
    assert_int_equal(page_cursor_decode(text, &back), OF_OK);
    assert_int_equal(back.ms, ms);
    assert_string_equal(back.id, id);
}

static void cursor_round_trips(void **state)
{
    (void)state;
    round_trip(1700000000123, ID);
    round_trip(0, ID);
    round_trip(1, "00000000-0000-0000-0000-000000000000");
    round_trip(PAGE_CURSOR_MS_MAX, "ffffffff-ffff-ffff-ffff-ffffffffffff");
    round_trip(PAGE_CURSOR_MS_MAX - 1, ID);
}

/* The text base64url-encoded, as a forger would write it. */
static void forge(const char *text, size_t n, char ret[PAGE_CURSOR_SIZE * 2])
{
    assert_true(CODEC_B64URL_SIZE(n) <= PAGE_CURSOR_SIZE * 2);
    codec_b64url_encode(text, n, ret);
}

static void check_refused(const char *what, const char *s)
{
    struct page_cursor c, sentinel;
    memset(&sentinel, 0x5a, sizeof sentinel);
    memcpy(&c, &sentinel, sizeof c);
    if (page_cursor_decode(s, &c) != OF_EPERMANENT)
        fail_msg("%s: '%s' accepted", what, s ? s : "NULL");
    if (memcmp(&c, &sentinel, sizeof c) != 0)
        fail_msg("%s: output changed on failure", what);
}

static void encode_refuses_bad_input(void **state)
{
    (void)state;
    static const struct page_cursor bad[] = {
        {.ms = -1, .id = ID},
        {.ms = INT64_MIN, .id = ID},
        {.ms = PAGE_CURSOR_MS_MAX + 1, .id = ID},
        {.ms = INT64_MAX, .id = ID},
        {.ms = 1, .id = "0189F1A2-0000-7000-8000-00000000ABCD"},
        {.ms = 1, .id = "0189f1a2-0000-7000-8000-00000000abcD"},
        {.ms = 1, .id = "0189f1a2-0000-7000-8000-00000000abc"},
        {.ms = 1, .id = "0189f1a2x0000-7000-8000-00000000abcd"},
        {.ms = 1, .id = ""},
    };
    for (size_t i = 0; i < N(bad); i++) {
        char text[PAGE_CURSOR_SIZE];
        memset(text, 'Z', sizeof text);
        if (page_cursor_encode(&bad[i], text) != OF_EPERMANENT)
            fail_msg("case %zu (%lld, %s) encoded", i, (long long)bad[i].ms, bad[i].id);
        for (size_t k = 0; k < sizeof text; k++)
            if (text[k] != 'Z')
                fail_msg("case %zu: output written on failure", i);
    }
}

static void decode_refuses_forgeries(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "01700000000123:" ID,                                 /* leading zero */
        "00:" ID,                                             /* leading zero */
        "+1:" ID,                                             /* sign */
        "-1:" ID,                                             /* negative */
        " 1:" ID,                                             /* space */
        "1700000000123:0189F1A2-0000-7000-8000-00000000ABCD", /* upper-case id */
        "1700000000123:0189f1a2-0000-7000-8000-00000000abcD", /* one upper-case digit */
        "253402300800000:" ID,                                /* PAGE_CURSOR_MS_MAX + 1 */
        "999999999999999:" ID,                                /* 15 digits, beyond the maximum */
        "1000000000000000:" ID,                               /* 16 digits */
        ":" ID,                                               /* no time */
        "1700000000123" ID,                                   /* no colon */
        "1700000000123:",                                     /* no id */
        "1700000000123:" ID "x",                              /* trailing garbage */
        "1700000000123:" ID ":",                              /* trailing colon */
        "1700000000123::" ID,                                 /* two colons */
        "1700000000123:0189f1a2-0000-7000-8000-00000000abc",  /* id too short */
        "1.5:" ID,                                            /* not an integer */
    };
    char s[PAGE_CURSOR_SIZE * 2];
    for (size_t i = 0; i < N(texts); i++) {
        forge(texts[i], strlen(texts[i]), s);
        check_refused(texts[i], s);
    }
    /* a NUL inside the text */
    static const char nul[] = "17\0"
                              "00000000123:" ID;
    forge(nul, sizeof nul - 1, s);
    check_refused("a NUL inside", s);
}

static void decode_refuses_non_canonical_encodings(void **state)
{
    (void)state;
    const struct page_cursor c = {.ms = 1700000000123, .id = ID};
    char good[PAGE_CURSOR_SIZE], s[PAGE_CURSOR_SIZE * 2];
    struct page_cursor back;
    assert_int_equal(page_cursor_encode(&c, good), OF_OK);
    assert_int_equal(page_cursor_decode(good, &back), OF_OK);
    size_t n = strlen(good);
    assert_true(n % 4 != 0); /* 50 bytes of text: the last character carries unused bits */

    /* padding */
    snprintf(s, sizeof s, "%s=", good);
    check_refused("one '='", s);
    snprintf(s, sizeof s, "%s==", good);
    check_refused("two '='", s);
    /* trailing garbage in the encoding */
    static const char *const tails[] = {"A", "AA", "AAA", "AAAA", " ", "\n", ".", "+", "/"};
    for (size_t i = 0; i < N(tails); i++) {
        snprintf(s, sizeof s, "%s%s", good, tails[i]);
        check_refused("a tail", s);
    }
    /* the same bytes with the last character's unused low bits set */
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *at = strchr(alphabet, good[n - 1]);
    assert_non_null(at);
    memcpy(s, good, n + 1);
    s[n - 1] = alphabet[(at - alphabet) ^ 1];
    check_refused("unused bits set", s);
    /* standard base64 instead of base64url, and characters of neither */
    memcpy(s, good, n + 1);
    for (char *p = s; *p; p++)
        if (*p == '-' || *p == '_')
            *p = *p == '-' ? '+' : '/';
    if (strcmp(s, good) != 0)
        check_refused("standard base64", s);
    memcpy(s, good, n + 1);
    s[n / 2] = '*';
    check_refused("a '*' inside", s);
    /* truncated */
    memcpy(s, good, n + 1);
    s[n - 1] = '\0';
    check_refused("last character cut", s);
    s[n - 5] = '\0';
    check_refused("five characters cut", s);
    check_refused("empty", "");
    check_refused("NULL", NULL);
}

static void decode_refuses_too_long(void **state)
{
    (void)state;
    char s[512];
    /* an encoding of PAGE_CURSOR_SIZE characters or more is refused before it is decoded */
    memset(s, 'A', sizeof s - 1);
    s[sizeof s - 1] = '\0';
    check_refused("511 characters", s);
    s[PAGE_CURSOR_SIZE] = '\0';
    check_refused("PAGE_CURSOR_SIZE characters", s);
    s[PAGE_CURSOR_SIZE - 1] = '\0';
    check_refused("PAGE_CURSOR_SIZE - 1 characters", s);
    /* under PAGE_CURSOR_SIZE characters, but more text than a cursor holds (66 bytes) */
    char text[200];
    snprintf(text, sizeof text, "1:%s%s", ID, "0000000000000000000000000000");
    assert_true(CODEC_B64URL_SIZE(strlen(text)) <= PAGE_CURSOR_SIZE);
    char forged[PAGE_CURSOR_SIZE * 2];
    forge(text, strlen(text), forged);
    check_refused("text beyond what a cursor holds", forged);
}

int run_cursor_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cursor_round_trips),
        cmocka_unit_test(encode_refuses_bad_input),
        cmocka_unit_test(decode_refuses_forgeries),
        cmocka_unit_test(decode_refuses_non_canonical_encodings),
        cmocka_unit_test(decode_refuses_too_long),
    };
    return cmocka_run_group_tests_name("cursor", tests, NULL, NULL);
}
