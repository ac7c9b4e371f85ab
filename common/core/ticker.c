/* A periodic thread (see ticker.h). */
#include "common/ticker.h"

#include <time.h>

#include "common/timefmt.h"

static void *run(void *arg)
{
    struct ticker *t = arg;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        pthread_mutex_unlock(&t->mu);
        t->fn(t->arg);
        pthread_mutex_lock(&t->mu);
        struct timespec deadline = time_monotonic_deadline(t->interval_ms);
        while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &deadline) == 0)
            ;
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

int ticker_start(struct ticker *t, unsigned interval_ms, void (*fn)(void *arg), void *arg)
{
    pthread_condattr_t attr;
    t->fn = fn;
    t->arg = arg;
    t->interval_ms = interval_ms;
    t->stop = false;
    t->started = false;
    if (pthread_condattr_init(&attr) != 0)
        return -1;
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&t->cv, &attr) != 0) {
        pthread_condattr_destroy(&attr);
        return -1;
    }
    pthread_condattr_destroy(&attr);
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        pthread_cond_destroy(&t->cv);
        return -1;
    }
    if (pthread_create(&t->thread, NULL, run, t) != 0) {
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv);
        return -1;
    }
    t->started = true;
    return 0;
}

void ticker_stop(struct ticker *t)
{
    if (!t->started)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    t->started = false;
}
