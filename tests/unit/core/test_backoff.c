/* Tests of exponential backoff ceilings and full-jitter delays. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/backoff.h"
#include "core_tests.h"

static void ceiling_doubles_then_caps(void **state)
{
    (void)state;
    const struct backoff_policy p = {.base_ms = 100, .max_ms = 10000};
    static const uint32_t want[] = {100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000};
    for (unsigned a = 0; a < sizeof want / sizeof want[0]; a++)
        assert_int_equal(backoff_ceiling_ms(&p, a), want[a]);
}

static void ceiling_never_overflows(void **state)
{
    (void)state;
    const struct backoff_policy p = {.base_ms = 3000000000u, .max_ms = UINT32_MAX};
    assert_int_equal(backoff_ceiling_ms(&p, 0), 3000000000u);
    assert_int_equal(backoff_ceiling_ms(&p, 1), UINT32_MAX);
    assert_int_equal(backoff_ceiling_ms(&p, 64), UINT32_MAX);
    assert_int_equal(backoff_ceiling_ms(&p, UINT32_MAX), UINT32_MAX);
    const struct backoff_policy q = {.base_ms = 1, .max_ms = UINT32_MAX};
    assert_int_equal(backoff_ceiling_ms(&q, 31), 1u << 31);
    assert_int_equal(backoff_ceiling_ms(&q, 32), UINT32_MAX);
    assert_int_equal(backoff_ceiling_ms(&q, 200), UINT32_MAX);
}

static void ceiling_edge_policies(void **state)
{
    (void)state;
    const struct backoff_policy zero = {.base_ms = 0, .max_ms = 5000};
    assert_int_equal(backoff_ceiling_ms(&zero, 0), 0);
    assert_int_equal(backoff_ceiling_ms(&zero, UINT32_MAX), 0); /* must also return at once */
    assert_int_equal(backoff_delay_ms(&zero, 7, 12345), 0);
    const struct backoff_policy inverted = {.base_ms = 800, .max_ms = 500};
    assert_int_equal(backoff_ceiling_ms(&inverted, 0), 500);
    assert_int_equal(backoff_ceiling_ms(&inverted, 3), 500);
    const struct backoff_policy flat = {.base_ms = 250, .max_ms = 250};
    assert_int_equal(backoff_ceiling_ms(&flat, 10), 250);
}

static void delay_spans_half_to_ceiling(void **state)
{
    (void)state;
    const struct backoff_policy p = {.base_ms = 100, .max_ms = 10000};
    /* attempt 0: ceiling 100, so [50, 100] is 51 values */
    assert_int_equal(backoff_delay_ms(&p, 0, 0), 50);
    assert_int_equal(backoff_delay_ms(&p, 0, 50), 100);
    assert_int_equal(backoff_delay_ms(&p, 0, 51), 50);
    assert_int_equal(backoff_delay_ms(&p, 0, 25), 75);
    bool seen_low = false, seen_high = false;
    for (uint32_t r = 0; r < 100000; r += 7) {
        uint32_t d = backoff_delay_ms(&p, 3, r * 2654435761u);
        assert_in_range(d, 400, 800);
        seen_low = seen_low || d == 400;
        seen_high = seen_high || d == 800;
    }
    assert_true(seen_low);
    assert_true(seen_high);
}

static void delay_extremes(void **state)
{
    (void)state;
    const struct backoff_policy big = {.base_ms = UINT32_MAX, .max_ms = UINT32_MAX};
    uint32_t lo = backoff_delay_ms(&big, 0, 0), hi = backoff_delay_ms(&big, 0, UINT32_MAX);
    assert_int_equal(lo, UINT32_MAX / 2);
    assert_true(hi >= lo && hi <= UINT32_MAX);
    assert_int_equal(backoff_delay_ms(&big, 0, UINT32_MAX / 2 + 1), UINT32_MAX);
    const struct backoff_policy one = {.base_ms = 1, .max_ms = 1};
    assert_in_range(backoff_delay_ms(&one, 0, 0), 0, 1);
    assert_in_range(backoff_delay_ms(&one, 0, 1), 0, 1);
    const struct backoff_policy odd = {.base_ms = 3, .max_ms = 3}; /* [1, 3] */
    assert_int_equal(backoff_delay_ms(&odd, 0, 0), 1);
    assert_int_equal(backoff_delay_ms(&odd, 0, 2), 3);
    assert_int_equal(backoff_delay_ms(&odd, 0, 3), 1);
}

/* The drawn delay stays in [ceiling/2, ceiling] and really is drawn: over many draws on a wide
 * span it takes more than one value (a constant would be a broken random source). */
static void next_draws_within_the_policy(void **state)
{
    (void)state;
    const struct backoff_policy p = {.base_ms = 1000, .max_ms = 60000};
    uint32_t first = backoff_next_ms(&p, 2), lo = UINT32_MAX, hi = 0;
    bool varied = false;
    for (int i = 0; i < 2000; i++) {
        uint32_t d = backoff_next_ms(&p, 2);
        assert_in_range(d, 2000, 4000);
        varied = varied || d != first;
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    assert_true(varied);
    assert_true(hi - lo > 1000); /* 2001 possible values: 2000 draws spread over them */
    for (int i = 0; i < 100; i++)
        assert_in_range(backoff_next_ms(&p, UINT32_MAX), 30000, 60000);
    const struct backoff_policy zero = {.base_ms = 0, .max_ms = 100};
    assert_int_equal(backoff_next_ms(&zero, 5), 0);
}

int run_backoff_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ceiling_doubles_then_caps),
        cmocka_unit_test(ceiling_never_overflows),
        cmocka_unit_test(ceiling_edge_policies),
        cmocka_unit_test(delay_spans_half_to_ceiling),
        cmocka_unit_test(delay_extremes),
        cmocka_unit_test(next_draws_within_the_policy),
    };
    return cmocka_run_group_tests_name("backoff", tests, NULL, NULL);
}
