/* The consumer loop: Kafka batches handled in one Postgres transaction with a savepoint per
 * record, an inbox table for exactly-once effects, retries with backoff and a dead-letter topic. */
#ifndef COMMON_CONSUMER_H
#define COMMON_CONSUMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/backoff.h"
#include "common/log.h"

struct envelope;
struct metrics;

/* What a handler is given. db is inside the batch transaction, under a savepoint that is rolled
 * back if the handler fails; the handler writes its effects (and outbox rows) through it and
 * must not commit. error is where consumer_fail() and consumer_retry() put the handler's reason
 * (the loop owns the buffer; a handler never writes it directly); NULL or error_len 0 means
 * there is nowhere to put one, and the helpers then only return their code. */
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
    char *error;
    size_t error_len;
};

/* Returns OF_OK when done; OF_ERETRY (transient contention) to retry this record later with
 * backoff, dead-lettered once the retry budget is spent; OF_EUNAVAIL when infrastructure is down
 * (not this record's fault): the whole batch is rolled back and redelivered after a backoff,
 * never counted against the record, never dead-lettered; OF_EPERMANENT or any other code to
 * dead-letter it now. A handler says why through consumer_fail() or consumer_retry(). */
typedef int (*event_handler_fn)(struct consumer_ctx *ctx, const struct envelope *ev);
/* Optional: the advisory-lock keys a record will need. The loop takes every key of a batch in
 * ascending order before handling it, so two batches never lock the same rows in opposite orders.
 * Writes at most max keys into ret_keys and returns how many.
 * The rule: every lock the handler's work takes must be among them, and that includes the outbox:
 * a handler that calls outbox_append() for a key returns outbox_lock_key(key) (common/outbox.h)
 * for each such key. The append then finds its lock held already (a re-entrant no-op); without
 * it the append locks in handler order, outside the sorted pass, and two batches appending for
 * the same keys in different orders can deadlock (40P01: both batches roll back and retry). */
typedef size_t (*event_lock_keys_fn)(const struct envelope *ev, int64_t *ret_keys, size_t max);

/* Rejects the record for good, saying why: fills ctx's error slot from fmt (printf-style) and
 * returns OF_EPERMANENT, so a handler writes `return consumer_fail(ctx, "data.name: too long");`.
 * The reason becomes the dead letter's dlq.error header, exactly, and ends the consumer's log
 * line "consumer: dead-lettered to <topic>.dlq ...: <reason>". It names the field and what is
 * wrong with it, never the value or any other payload content: dead letters and logs are read
 * by people and tools that must not see the data. It is cut to fit the slot (255 bytes in the
 * loop) at a UTF-8 character boundary, and control characters become spaces. */
int consumer_fail(struct consumer_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), warn_unused_result));
/* The same for a transient failure: fills the slot and returns OF_ERETRY. The reason ends the
 * "retrying" log line and, when the retry budget is spent, the dead letter's dlq.error as
 * "retry budget spent: <reason>". Same rule: fields, never values. */
int consumer_retry(struct consumer_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), warn_unused_result));

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
    unsigned retry_budget; /* handler attempts before dead-lettering: a record is tried at most
                              this many times (0 counts as 1) */
    int message_timeout_ms;
    int session_timeout_ms;  /* how soon the group notices a dead member (session.timeout.ms) */
    int max_message_bytes;   /* the topics' max.message.bytes (kafka.h): what is fetched, and
                                what a dead letter is cut to fit; 0: the default */
    struct metrics *metrics; /* may be NULL */
    void *app;
};

struct consumer;

/* Subscribes to every handler's topic and starts the thread. With no handlers no consumer is made
 * and the returned object does nothing. Returns OF_OK, or an error with err. */
int consumer_start(const struct consumer_config *cfg, struct consumer **ret_consumer, char *err,
                   size_t errlen);
/* True once the thread has joined the group (or has nothing to consume), until the consumer
 * raises a fatal Kafka error: then false for good (it stops consuming; a restart heals it). */
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
/* A batch after its transaction: recs[i] is done (handled, a duplicate or dead-lettered) when
 * done[i], else it comes again (a retry, or a later record of a retry's partition). Copies the
 * positions into ret_done and ret_pending (each holds at least n), in order; returns how many are
 * done. The done ones' offsets are stored (consumer_next_offsets), the pending ones' partitions
 * sought back (consumer_seek_offsets) (pure; exported for tests). */
size_t consumer_split_done(const struct consumer_pos *recs, const bool *done, size_t n,
                           struct consumer_pos *ret_done, struct consumer_pos *ret_pending);
/* Where to seek so that recs[from..n-1] are delivered again: one entry per (topic, partition)
 * among them, its lowest offset there, in order of first appearance. ret holds at least
 * n - from entries; returns how many were written (pure; exported for tests). */
size_t consumer_seek_offsets(const struct consumer_pos *recs, size_t n, size_t from,
                             struct consumer_pos *ret);

/* A partition sought back waits for its restart offset: until a record at exactly that offset is
 * polled, the partition's other records are dropped (neither handled nor their offsets stored),
 * so nothing after a record that must be redelivered is consumed, even when the seek failed. */
enum consumer_gate {
    CONSUMER_TAKE,        /* the record's partition does not wait: handle it */
    CONSUMER_RESTART,     /* the awaited record: handle it; the partition stops waiting */
    CONSUMER_DROP_BEHIND, /* before the awaited offset (committed already): drop it */
    CONSUMER_DROP_AHEAD,  /* past the awaited offset (the seek did not take): drop it, seek again */
};
/* Decides for a record at rec, given the waiting partitions waits[0..n-1] (offset: the awaited
 * one); *ret_index is the matching entry unless CONSUMER_TAKE (pure; exported for tests). */
enum consumer_gate consumer_gate(const struct consumer_pos *waits, size_t n,
                                 const struct consumer_pos *rec, size_t *ret_index);

/* What becomes of a record after its handler returned rc on attempt number attempts (1 for the
 * first) with the given retry budget. */
enum consumer_action {
    CONSUMER_KEEP,  /* OF_OK: keep its effects */
    CONSUMER_ABORT, /* OF_EUNAVAIL: roll the batch back, redeliver it, count nothing */
    CONSUMER_RETRY, /* OF_ERETRY within the budget: retry it later */
    CONSUMER_DEAD,  /* OF_ERETRY on the budget's last attempt, or any other code: dead-letter */
};
/* Pure; exported for tests. */
enum consumer_action consumer_handler_action(int rc, unsigned attempts, unsigned retry_budget);
/* The attempt number for backoff_next_ms() (0: the first retry's) before a record that must come
 * again is tried again, after handler_attempts handler attempts and dlq_failures dead letters that
 * could not be produced: every failed try counts, so a dead letter that keeps failing backs off as
 * a failing handler does (pure; exported for tests). */
unsigned consumer_backoff_attempt(unsigned handler_attempts, unsigned dlq_failures);
/* Why a record whose handler returned rc is retried, dead-lettered or its batch aborted (action,
 * from consumer_handler_action), as the log line and dlq.error say it: the handler's reason
 * (consumer_fail, consumer_retry; NULL or "" when it gave none) or else "handler: <code name>",
 * after "retry budget spent: " when an OF_ERETRY spent the budget. Written into ret_text (len
 * bytes, at least 1), cut at a UTF-8 character boundary (pure; exported for tests). */
void consumer_error_text(int rc, enum consumer_action action, const char *reason, char *ret_text,
                         size_t len);

/* Room a cut dead letter keeps for the headers that say what was cut (dlq.truncated,
 * dlq.headers_dropped, dlq.key_truncated, each with a length of up to 20 digits). */
#define CONSUMER_DLQ_CUT_RESERVE 192
/* What a dead letter that failed as too large anyway (its topic takes less than the configured
 * limit) is cut to fit on its second try. */
#define CONSUMER_DLQ_FALLBACK_LIMIT 4096

/* What of a record its dead letter carries. */
struct consumer_dlq_fit {
    size_t key_len;   /* bytes of the key kept */
    size_t value_len; /* bytes of the value kept */
    bool headers;     /* the record's own headers are kept */
};
/* Fits a dead letter under limit, the dead-letter producer's message.max.bytes
 * (kafka_record_limit), counted as librdkafka counts a record: KAFKA_RECORD_OVERHEAD + key +
 * value + headers (kafka_headers_size). The dlq.* headers (dlq_headers bytes) are always whole.
 * When the record (key_len, value_len, and its own headers of headers_size bytes) fits beside
 * them, all of it is kept and false returned. Otherwise CONSUMER_DLQ_CUT_RESERVE is kept free,
 * the value is cut first, the record's headers are dropped only when they alone do not fit, and
 * the key is cut last, each only as far as needed; returns true (pure; exported for tests). */
bool consumer_dlq_fit(size_t limit, size_t key_len, size_t value_len, size_t headers_size,
                      size_t dlq_headers, struct consumer_dlq_fit *ret_fit);

/* Records behind in one partition, for consumer_lag: from its first unhandled record
 * (first_unhandled: one that must come again, or negative when there is none) or else from its
 * position (the next offset to fetch), whichever is lower, to the high watermark high; 0 when
 * either is unknown (negative) or the start is past high (pure; exported for tests). */
int64_t consumer_partition_lag(int64_t high, int64_t position, int64_t first_unhandled);

#endif
