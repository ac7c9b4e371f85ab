/* Tests of fixed-window rate-limit decisions and of "N/W<unit>" rule parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "common/ratelimit.h"

static const struct ratelimit_rule three_per_10m = {.limit = 3, .window_ms = 600000};

static void expect(const struct ratelimit_rule *r, int64_t count, int64_t ttl, int allowed,
                   uint32_t remaining, uint32_t reset, uint32_t retry)
{
    struct ratelimit_decision d;
    memset(&d, 0x5a, sizeof d);
    ratelimit_decide(r, count, ttl, &d);
    if ((int)d.allowed != allowed || d.remaining != remaining || d.reset_s != reset ||
        d.retry_after != retry || d.limit != r->limit)
        fail_msg("count %lld ttl %lld: allowed %d remaining %u reset %u retry %u limit %u",
                 (long long)count, (long long)ttl, d.allowed, d.remaining, d.reset_s, d.retry_after,
                 d.limit);
}

static void under_at_and_over(void **state)
{
    (void)state;
    expect(&three_per_10m, 1, 600000, 1, 2, 600, 0);
    expect(&three_per_10m, 2, 599000, 1, 1, 599, 0);
    expect(&three_per_10m, 3, 300000, 1, 0, 300, 0);   /* exactly at the limit: allowed */
    expect(&three_per_10m, 4, 300000, 0, 0, 300, 300); /* limit + 1 */
    expect(&three_per_10m, 1000000, 1, 0, 0, 1, 1);    /* far over: remaining stays 0 */
    expect(&three_per_10m, INT64_MAX, 1500, 0, 0, 2, 2);
}

static void reset_rounding(void **state)
{
    (void)state;
    expect(&three_per_10m, 1, 1, 1, 2, 1, 0); /* 1 ms left rounds up to 1 s */
    expect(&three_per_10m, 1, 999, 1, 2, 1, 0);
    expect(&three_per_10m, 1, 1000, 1, 2, 1, 0); /* exact second */
    expect(&three_per_10m, 1, 1001, 1, 2, 2, 0);
    expect(&three_per_10m, 5, 59999, 0, 0, 60, 60);
    expect(&three_per_10m, 5, 60000, 0, 0, 60, 60);
    expect(&three_per_10m, 5, 60001, 0, 0, 61, 61);
}

static void ttl_missing_or_bogus(void **state)
{
    (void)state;
    /* zero or negative ttl (no expiry set yet, key gone): a whole window */
    expect(&three_per_10m, 1, 0, 1, 2, 600, 0);
    expect(&three_per_10m, 1, -1, 1, 2, 600, 0);
    expect(&three_per_10m, 4, -2, 0, 0, 600, 600);
    expect(&three_per_10m, 4, INT64_MIN, 0, 0, 600, 600);
    /* a ttl longer than the window cannot be; it is capped at the window */
    expect(&three_per_10m, 1, 10 * 600000, 1, 2, 600, 0);
    /* a sub-second window still reports at least 1 s */
    const struct ratelimit_rule fast = {.limit = 1, .window_ms = 250};
    expect(&fast, 2, 0, 0, 0, 1, 1);
    expect(&fast, 1, 100, 1, 0, 1, 0);
}

static void odd_counts(void **state)
{
    (void)state;
    /* a count of 0 or below (cannot come from INCR, but never underflow) */
    expect(&three_per_10m, 0, 1000, 1, 3, 1, 0);
    expect(&three_per_10m, -7, 1000, 1, 3, 1, 0);
    const struct ratelimit_rule zero = {.limit = 0, .window_ms = 1000};
    expect(&zero, 1, 1000, 0, 0, 1, 1);
    const struct ratelimit_rule big = {.limit = UINT32_MAX, .window_ms = UINT32_MAX};
    expect(&big, 1, -1, 1, UINT32_MAX - 1, 4294968, 0);
    expect(&big, (int64_t)UINT32_MAX + 1, 5000, 0, 0, 5, 5);
}

static void parse_good(void **state)
{
    (void)state;
    struct ratelimit_rule r;
    assert_int_equal(ratelimit_rule_parse("3/10m", &r), 0);
    assert_int_equal(r.limit, 3);
    assert_int_equal(r.window_ms, 600000);
    assert_int_equal(ratelimit_rule_parse("5/1s", &r), 0);
    assert_int_equal(r.window_ms, 1000);
    assert_int_equal(ratelimit_rule_parse("100/1h", &r), 0);
    assert_int_equal(r.limit, 100);
    assert_int_equal(r.window_ms, 3600000);
    assert_int_equal(ratelimit_rule_parse("4294967295/1s", &r), 0);
    assert_int_equal(r.limit, UINT32_MAX);
    assert_int_equal(ratelimit_rule_parse("1/4294967s", &r), 0); /* 4294967000 ms fits */
    assert_int_equal(r.window_ms, 4294967000u);
    assert_int_equal(ratelimit_rule_parse("1/1193h", &r), 0);
    assert_int_equal(r.window_ms, 1193u * 3600000u);
    assert_int_equal(ratelimit_rule_parse("007/010s", &r), 0);
    assert_int_equal(r.limit, 7);
    assert_int_equal(r.window_ms, 10000);
}

static void parse_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "3",
        "3/",
        "3/10",
        "/10m",
        "0/10m",
        "3/0m",
        "3/m",
        "3/10x",
        "3/10ms",
        "3/10M",
        "3/10 m",
        " 3/10m",
        "3/10m ",
        "3 /10m",
        "-3/10m",
        "+3/10m",
        "3/-10m",
        "3//10m",
        "3/10m/",
        "3/10mm",
        "a/10m",
        "3/1.5m",
        "3.0/10m",
        "0x3/10m",
        "4294967296/1s",
        "99999999999999999999/1s",
        "1/4294968s",
        "1/71583m",
        "1/1194h",
        "1/99999999999999999999s",
        "3/10m\n",
        "3\\10m",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ratelimit_rule r = {.limit = 42, .window_ms = 43};
        if (ratelimit_rule_parse(bad[i], &r) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(r.limit, 42);
        assert_int_equal(r.window_ms, 43);
    }
    struct ratelimit_rule r;
    assert_int_equal(ratelimit_rule_parse(NULL, &r), -1);
}

/* Several rules for one request: one set of values, the policy closest to exhaustion. */
static void combine(void **state)
{
    (void)state;
#define D(ok, lim, rem, reset)                                                                     \
    {                                                                                              \
        .allowed = (ok), .limit = (lim), .remaining = (rem), .reset_s = (reset)                    \
    }
    static const struct {
        const char *name;
        struct ratelimit_decision in[3];
        size_t n;
        struct ratelimit_decision want; /* want.retry_after as expected */
    } cases[] = {
        {"one", {D(true, 20, 19, 600)}, 1, D(true, 20, 19, 600)},
        {"fewer remaining wins (ip 20/19, phone 3/2)",
         {D(true, 20, 19, 600), D(true, 3, 2, 600)},
         2,
         D(true, 3, 2, 600)},
        {"order does not matter",
         {D(true, 3, 2, 600), D(true, 20, 19, 600)},
         2,
         D(true, 3, 2, 600)},
        {"equal remaining: the later reset",
         {D(true, 3, 1, 10), D(true, 20, 1, 300)},
         2,
         D(true, 20, 1, 300)},
        {"a refusal wins over fewer remaining",
         {D(true, 3, 0, 900), D(false, 20, 0, 100)},
         2,
         {.allowed = false, .limit = 20, .remaining = 0, .reset_s = 100, .retry_after = 900}},
        {"refused, the other has room: retry when it resets",
         {D(true, 20, 5, 900), D(false, 3, 0, 120)},
         2,
         {.allowed = false, .limit = 3, .remaining = 0, .reset_s = 120, .retry_after = 120}},
        {"two refused: the later reset",
         {D(false, 3, 0, 120), D(false, 20, 0, 500), D(true, 9, 9, 9)},
         3,
         {.allowed = false, .limit = 20, .remaining = 0, .reset_s = 500, .retry_after = 500}},
    };
#undef D
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ratelimit_decision got;
        memset(&got, 0x5a, sizeof got);
        ratelimit_combine(cases[i].in, cases[i].n, &got);
        const struct ratelimit_decision *w = &cases[i].want;
        if (got.allowed != w->allowed || got.limit != w->limit || got.remaining != w->remaining ||
            got.reset_s != w->reset_s || got.retry_after != w->retry_after)
            fail_msg("%s: got %d %u/%u reset %u retry %u", cases[i].name, got.allowed, got.limit,
                     got.remaining, got.reset_s, got.retry_after);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(under_at_and_over),
        cmocka_unit_test(reset_rounding),
        cmocka_unit_test(ttl_missing_or_bogus),
        cmocka_unit_test(odd_counts),
        cmocka_unit_test(parse_good),
        cmocka_unit_test(parse_bad),
        cmocka_unit_test(combine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
