/* Tests of the periodic thread: its function runs at once and then about every interval, a stop
 * returns at once even in the middle of a long interval, and stopping a ticker never started,
 * stopped already or started again is safe. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/ticker.h"
#include "common/timefmt.h"
#include "core_tests.h"

#define RUNS_MAX 64

/* What the ticker's function saw: when each run began (monotonic ms). */
struct runs {
    pthread_mutex_t mu;
    int n;
    int64_t at[RUNS_MAX];
    unsigned sleep_ms; /* each run takes this long */
};

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void record(void *arg)
{
    struct runs *r = arg;
    int64_t now = time_monotonic_ms();
    pthread_mutex_lock(&r->mu);
    if (r->n < RUNS_MAX)
        r->at[r->n] = now;
    r->n++;
    unsigned pause = r->sleep_ms;
    pthread_mutex_unlock(&r->mu);
    if (pause)
        sleep_ms(pause);
}

static int runs_count(struct runs *r)
{
    pthread_mutex_lock(&r->mu);
    int n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* Waits up to timeout_ms for at least n runs; returns the count seen. */
static int wait_runs(struct runs *r, int n, int64_t timeout_ms)
{
    int64_t end = time_monotonic_ms() + timeout_ms;
    int got;
    while ((got = runs_count(r)) < n && time_monotonic_ms() < end)
        sleep_ms(2);
    return got;
}

static void runs_init(struct runs *r)
{
    memset(r, 0, sizeof *r);
    assert_int_equal(pthread_mutex_init(&r->mu, NULL), 0);
}

static void runs_at_once_then_every_interval(void **state)
{
    (void)state;
    struct runs r;
    struct ticker t;
    runs_init(&r);
    memset(&t, 0, sizeof t);
    assert_int_equal(ticker_start(&t, 50, record, &r), 0);
    assert_true(wait_runs(&r, 1, 2000) >= 1);
    sleep_ms(300);
    ticker_stop(&t);
    int n = runs_count(&r);
    /* about every 50 ms over ~300 ms: 1 + ~6 runs; never faster than the interval */
    assert_in_range(n, 3, 9);
    for (int i = 1; i < n && i < RUNS_MAX; i++) {
        int64_t gap = r.at[i] - r.at[i - 1];
        if (gap < 49 || gap > 500)
            fail_msg("run %d came %lld ms after the one before, interval 50", i, (long long)gap);
    }
    /* stopped means stopped */
    sleep_ms(120);
    assert_int_equal(runs_count(&r), n);
    pthread_mutex_destroy(&r.mu);
}

static void stop_is_prompt_with_a_long_interval(void **state)
{
    (void)state;
    struct runs r;
    struct ticker t;
    runs_init(&r);
    memset(&t, 0, sizeof t);
    int64_t start = time_monotonic_ms();
    assert_int_equal(ticker_start(&t, 60000, record, &r), 0);
    assert_int_equal(wait_runs(&r, 1, 2000), 1);
    assert_true(r.at[0] - start < 1000); /* at once, not after the first minute */
    sleep_ms(20);                        /* the thread is now waiting out its minute */
    int64_t before = time_monotonic_ms();
    ticker_stop(&t);
    int64_t took = time_monotonic_ms() - before;
    if (took >= 500)
        fail_msg("ticker_stop took %lld ms with a 60 s interval", (long long)took);
    assert_int_equal(runs_count(&r), 1);
    pthread_mutex_destroy(&r.mu);
}

static void stop_waits_for_a_run_in_progress(void **state)
{
    (void)state;
    struct runs r;
    struct ticker t;
    runs_init(&r);
    r.sleep_ms = 150;
    memset(&t, 0, sizeof t);
    assert_int_equal(ticker_start(&t, 60000, record, &r), 0);
    assert_int_equal(wait_runs(&r, 1, 2000), 1);
    int64_t before = time_monotonic_ms();
    ticker_stop(&t); /* the run began at most a few ms ago and sleeps 150 ms */
    int64_t took = time_monotonic_ms() - before;
    assert_true(took >= 100);
    assert_true(took < 1000);
    assert_int_equal(runs_count(&r), 1);
    pthread_mutex_destroy(&r.mu);
}

static void stop_without_start_and_twice(void **state)
{
    (void)state;
    struct ticker never;
    memset(&never, 0, sizeof never);
    ticker_stop(&never); /* no-op: nothing to join, nothing to destroy */
    ticker_stop(&never);
    assert_false(never.started);

    struct runs r;
    struct ticker t;
    runs_init(&r);
    memset(&t, 0, sizeof t);
    assert_int_equal(ticker_start(&t, 60000, record, &r), 0);
    assert_int_equal(wait_runs(&r, 1, 2000), 1);
    ticker_stop(&t);
    ticker_stop(&t); /* stopped already: no-op */
    assert_false(t.started);

    /* started again after a stop: runs at once again, and stops again */
    assert_int_equal(ticker_start(&t, 60000, record, &r), 0);
    assert_int_equal(wait_runs(&r, 2, 2000), 2);
    int64_t before = time_monotonic_ms();
    ticker_stop(&t);
    assert_true(time_monotonic_ms() - before < 500);
    ticker_stop(&t);
    assert_int_equal(runs_count(&r), 2);
    pthread_mutex_destroy(&r.mu);
}

int run_ticker_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(runs_at_once_then_every_interval),
        cmocka_unit_test(stop_is_prompt_with_a_long_interval),
        cmocka_unit_test(stop_waits_for_a_run_in_progress),
        cmocka_unit_test(stop_without_start_and_twice),
    };
    return cmocka_run_group_tests_name("ticker", tests, NULL, NULL);
}
