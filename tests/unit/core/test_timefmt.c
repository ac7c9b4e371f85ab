/* Tests of RFC 3339 timestamp formatting and parsing, and of the clocks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/timefmt.h"
#include "core_tests.h"

static void format_known_instants(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {1700000000123, "2023-11-14T22:13:20.123Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {951782400000, "2000-02-29T00:00:00.000Z"},
        {1709251199999, "2024-02-29T23:59:59.999Z"},
        {253402300799999, "9999-12-31T23:59:59.999Z"},
        {1795255200123, "2026-11-21T10:00:00.123Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[TIMESTAMP_LEN];
        timestamp_format(cases[i].ms, buf);
        assert_string_equal(buf, cases[i].text);
        int64_t back = 0;
        assert_int_equal(timestamp_parse(buf, &back), 0);
        assert_int_equal(back, cases[i].ms);
    }
}

static void round_trip_many(void **state)
{
    (void)state;
    /* every few hours across several centuries, with varying milliseconds */
    for (int64_t ms = -2208988800000; ms < 4102444800000; ms += 9876543211) {
        char buf[TIMESTAMP_LEN];
        int64_t back = 0;
        timestamp_format(ms, buf);
        assert_int_equal(strlen(buf), TIMESTAMP_LEN - 1);
        assert_int_equal(timestamp_parse(buf, &back), 0);
        assert_int_equal(back, ms);
    }
}

static void parse_variants(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t ms;
    } cases[] = {
        {"2026-11-21T10:00:00Z", 1795255200000},
        {"2026-11-21T10:00:00.123Z", 1795255200123},
        {"2026-11-21t10:00:00.123z", 1795255200123},
        {"2026-11-21T10:00:00.5Z", 1795255200500},
        {"2026-11-21T10:00:00.05Z", 1795255200050},
        {"2026-11-21T10:00:00.123456789Z", 1795255200123},
        {"2026-11-21T15:30:00.123+05:30", 1795255200123},
        {"2026-11-21T02:00:00.123-08:00", 1795255200123},
        {"2026-11-21T10:00:00.123+00:00", 1795255200123},
        {"2026-11-21T10:00:00.123-00:00", 1795255200123},
        {"2026-11-22T00:00:00+14:00", 1795255200000},
        {"2026-11-20T22:00:00-12:00", 1795255200000},
        {"2024-02-29T00:00:00Z", 1709164800000},
        {"2000-02-29T12:00:00Z", 951825600000},
        {"2016-12-31T23:59:60Z", 1483228799000}, /* leap second folds onto :59 */
        {"1970-01-01T00:00:00Z", 0},
        {"1969-12-31T23:59:59.999Z", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t got = 42;
        if (timestamp_parse(cases[i].text, &got) != 0)
            fail_msg("'%s' rejected", cases[i].text);
        if (got != cases[i].ms)
            fail_msg("'%s': got %lld, want %lld", cases[i].text, (long long)got,
                     (long long)cases[i].ms);
    }
}

static void parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "2026-11-21",
        "2026-11-21T10:00:00",       /* no offset */
        "2026-11-21T10:00:00.123",   /* no offset */
        "2026-11-21 10:00:00Z",      /* space for T */
        "2026-11-21T10:00Z",         /* no seconds */
        "2026-11-21T10:00:00.Z",     /* empty fraction */
        "2026-11-21T10:00:00.123ZZ", /* trailing garbage */
        "2026-11-21T10:00:00.123Z ",
        " 2026-11-21T10:00:00Z",
        "2026-11-21T10:00:00+0530", /* offset without colon */
        "2026-11-21T10:00:00+05",
        "2026-11-21T10:00:00+24:00",
        "2026-11-21T10:00:00+05:60",
        "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z",
        "2026-11-00T00:00:00Z",
        "2026-11-31T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2023-02-29T00:00:00Z", /* not a leap year */
        "1900-02-29T00:00:00Z", /* century, not a leap year */
        "2024-02-30T00:00:00Z",
        "2026-11-21T24:00:00Z",
        "2026-11-21T10:60:00Z",
        "2026-11-21T10:00:61Z",
        "26-11-21T10:00:00Z",
        "2026-1-21T10:00:00Z",
        "+2026-11-21T10:00:00Z",
        "2026-11-21T10:00:00.123\xffZ",
        "2026/11/21T10:00:00Z",
        "now",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t got = 42;
        if (timestamp_parse(bad[i], &got) == 0)
            fail_msg("'%s' accepted", bad[i]);
        assert_int_equal(got, 42); /* untouched on failure */
    }
}

static void clocks_move_forward(void **state)
{
    (void)state;
    int64_t now = time_now_ms();
    assert_true(now > 1700000000000); /* after November 2023 */
    int64_t m1 = time_monotonic_ms();
    double s1 = time_monotonic_s();
    int64_t m2 = time_monotonic_ms();
    assert_true(m2 >= m1);
    assert_true(s1 * 1000.0 >= (double)m1 - 1.0 && s1 * 1000.0 <= (double)m2 + 1.0);
}

int run_timefmt_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_known_instants), cmocka_unit_test(round_trip_many),
        cmocka_unit_test(parse_variants),        cmocka_unit_test(parse_rejects),
        cmocka_unit_test(clocks_move_forward),
    };
    return cmocka_run_group_tests_name("timefmt", tests, NULL, NULL);
}
