/* Durable timers (DESIGN.md section 5): deadlines as rows of the service's <schema>.timers table,
 * armed and cancelled in the transactions of the state they belong to, fired by a thread that
 * claims due rows with FOR UPDATE SKIP LOCKED (safe with several instances) and runs the kind's
 * handler inside the claiming transaction, so its effects, its outbox rows and the row's removal
 * commit together. A timer that fell due while no instance ran fires when one is back. */
#ifndef COMMON_TIMERS_H
#define COMMON_TIMERS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "common/log.h"

struct metrics;

/* What a handler is given. db is inside the claiming transaction, under a savepoint that is
 * rolled back if the handler fails; the handler writes its effects (and outbox rows) through it
 * and must not commit. error is where timer_fail() and timer_retry() put the reason (the thread
 * owns the buffer). */
struct timer_ctx {
    PGconn *db;
    const char *schema;
    const char *service;
    const char *kind;
    const char *key;
    int attempts;         /* earlier failed tries of this timer: 0 the first time */
    const char *trace_id; /* a new trace for this firing, for the events it writes */
    struct log_fields *log;
    void *app; /* the service's own context (struct daemon * in a daemon) */
    char *error;
    size_t error_len;
};

/* Runs when the timer is due. Returns OF_OK: the row is deleted, committed with the effects
 * (unless the handler re-armed this same timer, kind and key: then it stays, due at its new time).
 * OF_ERETRY (contention) or OF_EUNAVAIL (infrastructure down): rolled back and tried again after
 * a backoff that grows with attempts. Any other code (OF_EPERMANENT): the timer can never fire,
 * so it is parked (due_at = infinity, the reason in last_error), logged, counted in
 * timers_parked and never run again; an operator may re-arm or delete it. */
typedef int (*timer_fire_fn)(struct timer_ctx *ctx, const json_t *payload);

struct timer_kind {
    const char *kind; /* "approval_sla": [a-z0-9_.]+, at most 63 bytes */
    timer_fire_fn fire;
};

/* Arms the timer (kind, key) to fire at due_at_ms (Unix epoch milliseconds) with payload (NULL:
 * {}), or re-arms it: a timer with the same kind and key is replaced, its attempts reset. Runs in
 * the caller's transaction on c, and wakes the timer threads when it commits. Returns OF_OK, a
 * db_exec() code, or OF_EPERMANENT for an invalid schema, kind or key. */
int timers_arm(PGconn *c, const char *schema, const char *kind, const char *key, int64_t due_at_ms,
               const json_t *payload) __attribute__((warn_unused_result));

/* Cancels the timer (kind, key) in the caller's transaction; one that does not exist (never
 * armed, fired already, cancelled already) is not an error. Returns OF_OK or a db_exec() code. */
int timers_cancel(PGconn *c, const char *schema, const char *kind, const char *key)
    __attribute__((warn_unused_result));

/* A handler's "this can never work": fills ctx's error slot from fmt and returns OF_EPERMANENT.
 * Like consumer_fail(): name fields, never values. */
int timer_fail(struct timer_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), warn_unused_result));
/* A handler's "not now": fills the slot and returns OF_ERETRY. */
int timer_retry(struct timer_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), warn_unused_result));

struct timers_config {
    const char *conninfo; /* the service's own role */
    const char *schema;
    const char *service; /* logs and the connection's application_name */
    const struct timer_kind *kinds;
    size_t n_kinds;
    unsigned batch;   /* timers claimed per transaction */
    unsigned poll_ms; /* longest sleep between looks at the table */
    uint32_t retry_base_ms, retry_max_ms;
    struct metrics *metrics; /* may be NULL */
    void *app;
};

struct timers;

/* Starts the timer thread. With no kinds nothing is started and the returned object does
 * nothing. Returns OF_OK, or an error with err. */
int timers_start(const struct timers_config *cfg, struct timers **ret_timers, char *err,
                 size_t errlen) __attribute__((warn_unused_result));
/* Finishes the transaction in hand, stops the thread and frees. NULL: no-op. */
void timers_stop(struct timers *t);

/* Pure, exported for tests: how long to sleep, in ms, given the seconds until the earliest
 * armed timer (negative: due already; NaN or infinite: none armed) and the poll interval. */
unsigned timers_wait_ms(double next_due_in_s, unsigned poll_ms);

#endif
