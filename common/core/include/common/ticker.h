/* A thread that runs a function every interval and stops at once when asked: for gauges counted
 * from the database (business_queue_pending, orders_by_state). */
#ifndef COMMON_TICKER_H
#define COMMON_TICKER_H

#include <pthread.h>
#include <stdbool.h>

struct ticker {
    void (*fn)(void *arg);
    void *arg;
    unsigned interval_ms;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool started;
    bool stop;
};

/* Starts t's thread: fn(arg) at once, then every interval_ms until ticker_stop. Returns 0, or -1
 * (nothing started, t may be passed to ticker_stop all the same). */
int ticker_start(struct ticker *t, unsigned interval_ms, void (*fn)(void *arg), void *arg)
    __attribute__((warn_unused_result));
/* Wakes and joins the thread (a run in progress finishes first). A ticker never started: no-op. */
void ticker_stop(struct ticker *t);

#endif
