/* The consumer loop: Kafka batches handled in one Postgres transaction with a savepoint per
 * record, an inbox table for exactly-once effects, retries with backoff and a dead-letter topic. */
#ifndef COMMON_CONSUMER_H
#define COMMON_CONSUMER_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/backoff.h"
#include "common/log.h"

struct envelope;
struct metrics;

/* What a handler is given. db is inside the batch transaction, under a savepoint that is rolled
 * back if the handler fails; the handler writes its effects (and outbox rows) through it and
 * must not commit. */
struct consumer_ctx {
    PGconn *db;
    const char *schema;
    const char *service;
    const char *topic;
    int32_t partition;
    int64_t offset;
    struct log_fields
        *log;  /* trace_id, event_id, topic and, where the handler knows it, order_id */
    void *app; /* the service's own context */
};

/* Returns OF_OK when done; OF_ERETRY (or OF_EUNAVAIL) to retry this record later with backoff
 * (dead-lettered once the retry budget is spent); OF_EPERMANENT to dead-letter it now. */
typedef int (*event_handler_fn)(struct consumer_ctx *ctx, const struct envelope *ev);
/* Optional: the advisory-lock keys a record will need. The loop takes every key of a batch in
 * ascending order before handling it, so two batches never lock the same rows in opposite orders.
 * Writes at most max keys into ret_keys and returns how many. */
typedef size_t (*event_lock_keys_fn)(const struct envelope *ev, int64_t *ret_keys, size_t max);

struct event_handler {
    const char *topic;
    event_handler_fn handle;
    event_lock_keys_fn lock_keys; /* may be NULL */
};

struct consumer_config {
    const char *conninfo;
    const char *schema;
    const char *service; /* also the consumer group id and the dead-letter "consumer" field */
    const char *brokers;
    const struct event_handler *handlers;
    size_t n_handlers;
    unsigned batch_max;
    struct backoff_policy backoff;
    unsigned retry_budget; /* handler retries before a record is dead-lettered */
    int message_timeout_ms;
    int session_timeout_ms;  /* how soon the group notices a dead member (session.timeout.ms) */
    struct metrics *metrics; /* may be NULL */
    void *app;
};

struct consumer;

/* Subscribes to every handler's topic and starts the thread. With no handlers no consumer is made
 * and the returned object does nothing. Returns OF_OK, or an error with err. */
int consumer_start(const struct consumer_config *cfg, struct consumer **ret_consumer, char *err,
                   size_t errlen);
/* True once the thread has joined the group (or has nothing to consume). */
int consumer_running(struct consumer *c);
/* Finishes the batch in hand, commits it and its offsets, leaves the group, frees. NULL: no-op. */
void consumer_stop(struct consumer *c);

/* Sorts keys ascending and drops duplicates in place; returns the new count (pure; exported for
 * tests). */
size_t consumer_sort_keys(int64_t *keys, size_t n);

/* A record's place in its partition, for the offset bookkeeping below. */
struct consumer_pos {
    const char *topic;
    int32_t partition;
    int64_t offset;
};

/* The offsets to store once recs[0..n-1] are committed: one entry per (topic, partition), its
 * highest offset + 1, in order of first appearance. ret holds at least n entries; returns how
 * many were written (pure; exported for tests). */
size_t consumer_next_offsets(const struct consumer_pos *recs, size_t n, struct consumer_pos *ret);
/* Where to seek so that recs[from..n-1] are delivered again: one entry per (topic, partition)
 * among them, its lowest offset there, in order of first appearance. ret holds at least
 * n - from entries; returns how many were written (pure; exported for tests). */
size_t consumer_seek_offsets(const struct consumer_pos *recs, size_t n, size_t from,
                             struct consumer_pos *ret);

#endif
