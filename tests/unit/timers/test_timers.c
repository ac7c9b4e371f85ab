/* timers_wait_ms(): the timer thread sleeps until the earliest armed timer, never longer than
 * the poll interval, not at all when one is due, and the poll interval when none is armed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "common/timers.h"

static void wait_cases(void **state)
{
    (void)state;
    static const struct {
        double next_s;
        unsigned poll_ms, want;
    } cases[] = {
        {NAN, 1000, 1000},      /* none armed */
        {INFINITY, 1000, 1000}, /* only parked ones */
        {-5.0, 1000, 0},        /* overdue */
        {0.0, 1000, 0},         /* due now */
        {0.0004, 1000, 1},      /* rounds up: never wakes just before */
        {0.25, 1000, 250},      {0.9995, 1000, 1000},
        {1.0, 1000, 1000},      {3600.0, 500, 500}, /* far away: the poll interval */
        {1e300, 500, 500},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(timers_wait_ms(cases[i].next_s, cases[i].poll_ms), cases[i].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(wait_cases)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
