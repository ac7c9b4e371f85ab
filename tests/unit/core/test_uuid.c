/* Tests of UUIDv7 generation (layout, version, variant, order) and UUID validation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/timefmt.h"
#include "common/uuid.h"
#include "core_tests.h"

#define N_IDS 10000

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Lowercase 8-4-4-4-12, version 7, variant 10xx. */
static void assert_v7_layout(const char *s)
{
    assert_int_equal(strlen(s), 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(s[i], '-');
        else if (hexval(s[i]) < 0)
            fail_msg("'%s': position %d is not lowercase hex", s, i);
    }
    assert_int_equal(s[14], '7');
    assert_int_equal(hexval(s[19]) >> 2, 2); /* 8, 9, a or b */
    assert_true(uuid_valid(s));
}

/* The 48-bit millisecond timestamp in the first 12 hex digits. */
static uint64_t v7_time(const char *s)
{
    uint64_t ms = 0;
    for (int i = 0; i < 13; i++) {
        if (s[i] != '-')
            ms = ms * 16 + (uint64_t)hexval(s[i]);
    }
    return ms;
}

static void known_vector(void **state)
{
    (void)state;
    /* RFC 9562 appendix A.6: 017F22E2-79B0-7CC3-98C4-DC0C0C07398F */
    const uint8_t rand10[10] = {0x0c, 0xc3, 0x18, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f};
    char id[UUID_STR_LEN];
    uuid_v7_from(0x017F22E279B0ull, rand10, id);
    assert_string_equal(id, "017f22e2-79b0-7cc3-98c4-dc0c0c07398f");
    const uint8_t ones[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uuid_v7_from(0, ones, id);
    assert_string_equal(id, "00000000-0000-7fff-bfff-ffffffffffff");
    const uint8_t zeros[10] = {0};
    uuid_v7_from(0xffffffffffffull, zeros, id);
    assert_string_equal(id, "ffffffff-ffff-7000-8000-000000000000");
}

static void generated_layout_and_time(void **state)
{
    (void)state;
    char id[UUID_STR_LEN];
    uint64_t before = (uint64_t)time_now_ms();
    uuid_v7(id);
    uint64_t after = (uint64_t)time_now_ms();
    assert_v7_layout(id);
    /* the counter may borrow a millisecond or so ahead when ids are made fast */
    assert_in_range(v7_time(id), before, after + 2);
}

static void monotonic_over_many(void **state)
{
    (void)state;
    char(*ids)[UUID_STR_LEN] = malloc(N_IDS * sizeof *ids);
    assert_non_null(ids);
    for (int i = 0; i < N_IDS; i++)
        uuid_v7(ids[i]);
    for (int i = 0; i < N_IDS; i++) {
        assert_v7_layout(ids[i]);
        if (i > 0 && strcmp(ids[i - 1], ids[i]) >= 0)
            fail_msg("not increasing at %d: %s then %s", i, ids[i - 1], ids[i]);
    }
    free(ids);
}

static void validation(void **state)
{
    (void)state;
    static const char *const good[] = {
        "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40",
        "0193A5C2-7D1E-7C3A-9F10-2B6C1D2E3F40",
        "00000000-0000-0000-0000-000000000000",
        "550e8400-e29b-41d4-a716-446655440000",
    };
    static const char *const bad[] = {
        "",
        "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f4",
        "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f400",
        "0193a5c2x7d1e-7c3a-9f10-2b6c1d2e3f40",
        "0193a5c27d1e7c3a9f102b6c1d2e3f40",
        "{0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40}",
        "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3g40",
        " 0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f4",
        "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40 ",
        "0193a5c-27d1e-7c3a-9f10-2b6c1d2e3f40",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(uuid_valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (uuid_valid(bad[i]))
            fail_msg("'%s' accepted", bad[i]);
    }
    assert_false(uuid_valid(NULL));
}

static void random_hex_shape(void **state)
{
    (void)state;
    char a[65], b[65];
    memset(a, 'X', sizeof a);
    random_hex(a, 32);
    random_hex(b, 32);
    assert_int_equal(strlen(a), 64);
    for (int i = 0; i < 64; i++)
        assert_true(hexval(a[i]) >= 0);
    assert_string_not_equal(a, b);
    char one[3];
    random_hex(one, 1);
    assert_int_equal(strlen(one), 2);
    char big[2 * 200 + 1]; /* more than one internal chunk */
    random_hex(big, 200);
    assert_int_equal(strlen(big), 400);
}

int run_uuid_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_vector),        cmocka_unit_test(generated_layout_and_time),
        cmocka_unit_test(monotonic_over_many), cmocka_unit_test(validation),
        cmocka_unit_test(random_hex_shape),
    };
    return cmocka_run_group_tests_name("uuid", tests, NULL, NULL);
}
