/* The consumer loop: Kafka batches handled in one Postgres transaction, a savepoint per record,
 * the inbox (processed_events) for exactly-once effects, retries with backoff and dead letters.
 *
 * Delivery guarantees. Kafka delivers at least once; the effects are applied once:
 * - A record's effects, its processed_events row and any outbox rows its handler writes commit
 *   in one transaction; an event id already in processed_events is skipped, so redelivery and
 *   the relay's duplicates change nothing.
 * - Offsets are stored (and auto-committed from the store) only after COMMIT succeeded, so a
 *   crash at any instant leads to redelivery, never to a lost record. At shutdown,
 *   rd_kafka_consumer_close() commits the stored offsets of the partitions it revokes
 *   (enable.auto.commit) and waits for that commit before leaving the group.
 * - Nothing after a record that must come again is consumed in its partition: every partition
 *   with unhandled records is sought back to its first unhandled offset and then waits for
 *   exactly that record; until it arrives, the partition's other records are dropped without
 *   being handled or their offsets stored (see consumer_gate). A failed seek is retried with
 *   backoff. The batch's other partitions go on: a record retried because it came early (an
 *   event whose cause travels on another topic) does not keep its cause from being consumed.
 * - Failure classes. Only a handler's OF_ERETRY counts against the record's retry budget: the
 *   records before it commit and it comes again after a backoff; it is tried at most
 *   retry_budget times. A handler's OF_EPERMANENT (or any other code), an envelope that does not
 *   decode and a topic without a handler dead-letter the record at once: it goes to
 *   "<topic>.dlq" (produced and acknowledged before the transaction commits) with its
 *   processed_events row, and its dlq.error header says why: the handler's own reason when it
 *   gave one (consumer_fail, consumer_retry), never payload content. A dead letter that cannot
 *   be produced is retried as such, without calling the handler again, and each failure counts
 *   as a try for the backoff (consumer_backoff_attempt), so it is not retried at full speed.
 * - A dead letter always fits: one that would be larger than the producer's limit (which the
 *   topics' max.message.bytes sets, kafka.h) is produced with its value cut, and the cut recorded
 *   in dlq.truncated (consumer_dlq_fit); one its topic refuses as too large anyway is cut to
 *   CONSUMER_DLQ_FALLBACK_LIMIT. So a record of any size that reached its topic moves on.
 * - Infrastructure is never the record's fault: a handler's OF_EUNAVAIL, any failure of the
 *   loop's own statements (BEGIN, advisory locks, SAVEPOINT, inbox insert, RELEASE, ROLLBACK TO)
 *   and a failed COMMIT roll the whole batch back; every partition of it is sought back to its
 *   first offset and it comes again after a backoff that counts against no record.
 * - Advisory locks for the whole batch are taken in ascending key order before any record is
 *   handled, so two instances never lock the same rows in opposite orders. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "common/consumer.h"
#include "common/db.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/kafka.h"
#include "common/metrics.h"
#include "common/outbox.h"
#include "common/timefmt.h"
#include "common/topics.h"
#include "common/xalloc.h"

#define LOCK_KEYS_PER_RECORD 16
#define MAX_RETRY_ENTRIES    64
#define SEEK_TIMEOUT_MS      5000
#define LAG_EVERY_MS         1000
#define FATAL_IDLE_MS        1000
#define STOP_FLUSH_MS        1000 /* dead letters are acknowledged one by one: nothing is left */
#define ERROR_MAX            256

/* A partition's first unhandled record (pos; its topic points into the handler table) and when it
 * was first held up. */
struct held_record {
    struct consumer_pos pos;
    int64_t since_ms;
};

/* What is remembered of a record that must come again, identified by (topic, partition,
 * offset), across the batches that redeliver it. */
struct retry_entry {
    char topic[TOPIC_NAME_MAX];
    int32_t partition;
    int64_t offset;
    unsigned attempts;     /* handler attempts so far */
    unsigned dlq_failures; /* its dead letters that could not be produced */
    bool dead_due;         /* dead-lettering it failed: dead-letter it again, without the handler */
    char error[ERROR_MAX]; /* why it is dead-lettered, when dead_due */
};

struct consumer {
    char *conninfo;
    char *schema;
    char *service;
    char *app_name;
    const struct event_handler *handlers; /* the caller's table, which outlives the consumer */
    size_t n_handlers;
    unsigned batch_max;
    struct backoff_policy backoff;
    unsigned retry_budget; /* at least 1 */
    int max_message_bytes;
    size_t record_limit; /* the dead-letter producer's message.max.bytes */
    struct metrics *metrics;
    void *app;
    char *sql_inbox;
    rd_kafka_t *rk;
    struct kafka_producer *dlq;
    char *brokers;
    int message_timeout_ms;
    int session_timeout_ms;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu; /* with cv: sleeps that wake on stop */
    pthread_cond_t cv;
    atomic_bool stop;
    atomic_bool running; /* joined the group */
    atomic_bool fatal;   /* the handle raised a fatal error: never consumes again */
    /* Owned by the thread from start to join (and by consumer_stop after it). */
    PGconn *db;
    struct retry_entry retries[MAX_RETRY_ENTRIES];
    size_t n_retries;
    unsigned outages; /* consecutive batches rolled back, for backoff */
    int64_t next_lag_ms;
    /* Partitions sought back and waiting for their restart record (see consumer_gate). The
     * topic names point into the handler table. */
    struct consumer_pos *waits;
    size_t n_waits;
    size_t cap_waits;
    bool seek_due;    /* a waiting partition needs (another) seek */
    bool release_due; /* the batch's last record is done with savepoint r: the next one's
                       * round trip releases it (COMMIT releases every savepoint anyway) */
    unsigned reseeks; /* seeks since a waiting partition last restarted, for backoff */
    int64_t next_seek_ms;
    rd_kafka_resp_err_t last_err; /* the consumer error logged last, to log each once */
    /* The first unhandled record of each partition that has one, and since when, for
     * consumer_lag and consumer_oldest_wait_seconds. Unlike a wait, it lasts until the record is
     * done (an offset past it is stored) or the partition is revoked or assigned afresh. */
    struct held_record *held;
    size_t n_held;
    size_t cap_held;
};

enum rec_state { REC_PENDING, REC_HANDLED, REC_DUPLICATE, REC_DEAD };
/* REC_PENDING after the transaction: not handled (its partition comes again from its first
 * pending record); retry marks the one whose handler asked for it (or whose dead letter failed). */

/* One polled record and what became of it. */
struct record {
    rd_kafka_message_t *msg;
    const char *topic;
    const struct event_handler *handler; /* NULL when the record cannot be handled */
    struct envelope ev;
    bool decoded;
    char error[ERROR_MAX]; /* why it is retried or dead-lettered; never payload content */
    enum rec_state state;
    unsigned attempts;     /* handler attempts, this one included */
    unsigned dlq_failures; /* its dead letters that could not be produced, this one included */
    bool dead_due;         /* its dead letter could not be produced: retried as a dead letter */
    bool retry;            /* it must come again (OUT_RETRY), after a backoff */
};

/* How handling one record ended, and so what happens to the batch. */
enum outcome {
    OUT_NEXT,  /* handled, skipped or dead-lettered: go on */
    OUT_RETRY, /* retry this record later: its partition stops here, the others go on */
    OUT_ABORT, /* infrastructure failed: commit nothing, redeliver the whole batch */
};

/* ---- pure helpers ---- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

size_t consumer_sort_keys(int64_t *keys, size_t n)
{
    if (n == 0)
        return 0;
    qsort(keys, n, sizeof *keys, cmp_i64);
    size_t out = 1;
    for (size_t i = 1; i < n; i++) {
        if (keys[i] != keys[out - 1])
            keys[out++] = keys[i];
    }
    return out;
}

/* The index of p's (topic, partition) in list[0..n-1], or n. */
static size_t pos_index(const struct consumer_pos *list, size_t n, const struct consumer_pos *p)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i].partition == p->partition && strcmp(list[i].topic, p->topic) == 0)
            return i;
    }
    return n;
}

size_t consumer_next_offsets(const struct consumer_pos *recs, size_t n, struct consumer_pos *ret)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = pos_index(ret, out, &recs[i]);
        if (k == out) {
            ret[out] = recs[i];
            ret[out++].offset = recs[i].offset + 1;
        } else if (recs[i].offset + 1 > ret[k].offset) {
            ret[k].offset = recs[i].offset + 1;
        }
    }
    return out;
}

size_t consumer_split_done(const struct consumer_pos *recs, const bool *done, size_t n,
                           struct consumer_pos *ret_done, struct consumer_pos *ret_pending)
{
    size_t nd = 0, np = 0;
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            ret_done[nd++] = recs[i];
        else
            ret_pending[np++] = recs[i];
    }
    return nd;
}

size_t consumer_seek_offsets(const struct consumer_pos *recs, size_t n, size_t from,
                             struct consumer_pos *ret)
{
    size_t out = 0;
    for (size_t i = from; i < n; i++) {
        size_t k = pos_index(ret, out, &recs[i]);
        if (k == out)
            ret[out++] = recs[i];
        else if (recs[i].offset < ret[k].offset)
            ret[k].offset = recs[i].offset;
    }
    return out;
}

enum consumer_gate consumer_gate(const struct consumer_pos *waits, size_t n,
                                 const struct consumer_pos *rec, size_t *ret_index)
{
    size_t k = pos_index(waits, n, rec);
    if (k == n)
        return CONSUMER_TAKE;
    *ret_index = k;
    if (rec->offset == waits[k].offset)
        return CONSUMER_RESTART;
    return rec->offset < waits[k].offset ? CONSUMER_DROP_BEHIND : CONSUMER_DROP_AHEAD;
}

enum consumer_action consumer_handler_action(int rc, unsigned attempts, unsigned retry_budget)
{
    switch (rc) {
    case OF_OK:
        return CONSUMER_KEEP;
    case OF_EUNAVAIL:
        return CONSUMER_ABORT;
    case OF_ERETRY:
        return attempts < retry_budget ? CONSUMER_RETRY : CONSUMER_DEAD;
    default:
        return CONSUMER_DEAD;
    }
}

unsigned consumer_backoff_attempt(unsigned handler_attempts, unsigned dlq_failures)
{
    unsigned tries =
        handler_attempts > UINT_MAX - dlq_failures ? UINT_MAX : handler_attempts + dlq_failures;
    return tries > 0 ? tries - 1 : 0;
}

bool consumer_dlq_fit(size_t limit, size_t key_len, size_t value_len, size_t headers_size,
                      size_t dlq_headers, struct consumer_dlq_fit *ret_fit)
{
    size_t fixed = KAFKA_RECORD_OVERHEAD + dlq_headers;
    size_t room = limit > fixed ? limit - fixed : 0;
    if (key_len <= room && headers_size <= room - key_len &&
        value_len <= room - key_len - headers_size) {
        *ret_fit = (struct consumer_dlq_fit){key_len, value_len, true};
        return false;
    }
    room = room > CONSUMER_DLQ_CUT_RESERVE ? room - CONSUMER_DLQ_CUT_RESERVE : 0;
    struct consumer_dlq_fit fit = {.key_len = key_len < room ? key_len : room};
    room -= fit.key_len;
    fit.headers = headers_size <= room;
    if (fit.headers)
        room -= headers_size;
    fit.value_len = value_len < room ? value_len : room;
    *ret_fit = fit;
    return true;
}

int64_t consumer_partition_lag(int64_t high, int64_t position, int64_t first_unhandled)
{
    int64_t from = position;
    if (first_unhandled >= 0 && (from < 0 || first_unhandled < from))
        from = first_unhandled;
    if (high < 0 || from < 0 || from > high)
        return 0;
    return high - from;
}

/* The handler's reason into its slot: one line, whole characters. */
static int set_reason(struct consumer_ctx *ctx, int rc, const char *fmt, va_list ap)
{
    if (ctx->error && ctx->error_len > 0)
        of_reason_vformat(ctx->error, ctx->error_len, fmt, ap);
    return rc;
}

int consumer_fail(struct consumer_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = set_reason(ctx, OF_EPERMANENT, fmt, ap);
    va_end(ap);
    return rc;
}

int consumer_retry(struct consumer_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = set_reason(ctx, OF_ERETRY, fmt, ap);
    va_end(ap);
    return rc;
}

void consumer_error_text(int rc, enum consumer_action action, const char *reason, char *ret_text,
                         size_t len)
{
    const char *spent = action == CONSUMER_DEAD && rc == OF_ERETRY ? "retry budget spent: " : "";
    if (reason && *reason)
        of_reason_format(ret_text, len, "%s%s", spent, reason);
    else
        of_reason_format(ret_text, len, "%shandler: %s", spent, of_result_name(rc));
}

/* ---- small utilities ---- */

static bool stopping(struct consumer *c)
{
    return atomic_load(&c->stop);
}

/* Sleeps up to ms; returns early when consumer_stop() is called. */
static void sleep_or_stop(struct consumer *c, uint32_t ms)
{
    struct timespec until = time_monotonic_deadline(ms);
    pthread_mutex_lock(&c->mu);
    while (!stopping(c)) {
        if (pthread_cond_timedwait(&c->cv, &c->mu, &until) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&c->mu);
}

static void update_lag(struct consumer *c);

/* A backoff: sleeps up to ms like sleep_or_stop(), keeping the lag gauges current meanwhile (a
 * partition that is held up shows while it waits, not only after). */
static void back_off(struct consumer *c, uint32_t ms)
{
    int64_t end = time_monotonic_ms() + ms;
    for (int64_t now = time_monotonic_ms(); !stopping(c) && now < end; now = time_monotonic_ms()) {
        sleep_or_stop(c, (uint32_t)(end - now < LAG_EVERY_MS ? end - now : LAG_EVERY_MS));
        update_lag(c);
    }
}

static void count(struct consumer *c, const char *name, const char *topic)
{
    if (!c->metrics)
        return;
    char labels[TOPIC_NAME_MAX + 16];
    metrics_labels(labels, sizeof labels, "topic", topic, NULL);
    metrics_inc(c->metrics, name, labels, 1);
}

static struct log_fields record_fields(const struct record *rec)
{
    struct log_fields f = {.topic = rec->topic};
    if (rec->decoded) {
        f.trace_id = rec->ev.trace_id;
        f.event_id = rec->ev.event_id;
        f.order_id = rec->ev.correlation_id;
    }
    return f;
}

static bool db_lost(struct consumer *c)
{
    return !c->db || PQstatus(c->db) != CONNECTION_OK;
}

/* The first handler of topic (the table may name a topic twice), or NULL. */
static const struct event_handler *find_handler(struct consumer *c, const char *topic)
{
    for (size_t i = 0; i < c->n_handlers; i++) {
        if (strcmp(c->handlers[i].topic, topic) == 0)
            return &c->handlers[i];
    }
    return NULL;
}

/* ---- retry bookkeeping ---- */

static struct retry_entry *retry_find(struct consumer *c, const struct record *rec)
{
    for (size_t i = 0; i < c->n_retries; i++) {
        struct retry_entry *e = &c->retries[i];
        if (e->offset == rec->msg->offset && e->partition == rec->msg->partition &&
            strcmp(e->topic, rec->topic) == 0)
            return e;
    }
    return NULL;
}

/* Remembers the record's attempts and whether it is due as a dead letter (the oldest entry
 * makes room when the table is full: that record then starts its budget afresh). */
static void retry_remember(struct consumer *c, const struct record *rec)
{
    struct retry_entry *e = retry_find(c, rec);
    if (!e) {
        if (c->n_retries == MAX_RETRY_ENTRIES) {
            memmove(&c->retries[0], &c->retries[1], (MAX_RETRY_ENTRIES - 1) * sizeof *e);
            c->n_retries--;
        }
        e = &c->retries[c->n_retries++];
        *e = (struct retry_entry){.partition = rec->msg->partition, .offset = rec->msg->offset};
        snprintf(e->topic, sizeof e->topic, "%s", rec->topic);
    }
    e->attempts = rec->attempts;
    e->dlq_failures = rec->dlq_failures;
    e->dead_due = rec->dead_due;
    snprintf(e->error, sizeof e->error, "%s", rec->error);
}

static void retry_forget(struct consumer *c, const struct record *rec)
{
    struct retry_entry *e = retry_find(c, rec);
    if (!e)
        return;
    size_t i = (size_t)(e - c->retries);
    memmove(e, e + 1, (c->n_retries - i - 1) * sizeof *e);
    c->n_retries--;
}

/* ---- Kafka errors and readiness ---- */

/* The handle raised a fatal error: it will never consume again, and the consumer reports not
 * running from now on. Logged once. */
static void mark_fatal(struct consumer *c, const char *why)
{
    if (!atomic_exchange(&c->fatal, true))
        log_error(NULL, "consumer: fatal Kafka error, no longer consuming: %s", why);
}

static bool check_fatal(struct consumer *c)
{
    if (atomic_load(&c->fatal))
        return true;
    char why[512];
    if (rd_kafka_fatal_error(c->rk, why, sizeof why) == RD_KAFKA_RESP_ERR_NO_ERROR)
        return false;
    mark_fatal(c, why);
    return true;
}

/* An error polled instead of a record. A fatal one stops the consumer for good; the others
 * (librdkafka retries by itself) are logged once each, not on every poll that repeats them. */
static void note_consumer_error(struct consumer *c, const rd_kafka_message_t *m)
{
    if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
        mark_fatal(c, rd_kafka_message_errstr(m));
        return;
    }
    if (m->err == c->last_err)
        return;
    c->last_err = m->err;
    struct log_fields f = {.topic = m->rkt ? rd_kafka_topic_name(m->rkt) : NULL};
    log_warn(&f, "consumer: %s", rd_kafka_message_errstr(m));
}

/* ---- waiting partitions: seeking back, and the gate that makes it hold ---- */

static rd_kafka_topic_partition_list_t *to_partition_list(const struct consumer_pos *p, size_t n)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(l, p[i].topic, p[i].partition)->offset = p[i].offset;
    return l;
}

/* ---- held records: each partition's first unhandled record, for the lag gauges ---- */

static size_t held_index(const struct consumer *c, const char *topic, int32_t partition)
{
    for (size_t i = 0; i < c->n_held; i++) {
        if (c->held[i].pos.partition == partition && strcmp(c->held[i].pos.topic, topic) == 0)
            return i;
    }
    return c->n_held;
}

/* Notes that p's partition cannot move on before p's offset (p->topic points into the handler
 * table). The time is kept when that very record was held up already. */
static void hold(struct consumer *c, const struct consumer_pos *p)
{
    size_t i = held_index(c, p->topic, p->partition);
    if (i < c->n_held && c->held[i].pos.offset == p->offset)
        return;
    if (i == c->n_held) {
        if (c->n_held == c->cap_held) {
            c->cap_held = c->cap_held ? 2 * c->cap_held : 8;
            c->held = xrealloc(c->held, c->cap_held * sizeof *c->held);
        }
        c->n_held++;
    }
    c->held[i] = (struct held_record){*p, time_monotonic_ms()};
}

static void held_end(struct consumer *c, size_t i)
{
    c->held[i] = c->held[--c->n_held];
}

/* Forgets the held records that next[0..n-1] (offsets stored) have moved past. */
static void held_release(struct consumer *c, const struct consumer_pos *next, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        size_t i = held_index(c, next[j].topic, next[j].partition);
        if (i < c->n_held && c->held[i].pos.offset < next[j].offset)
            held_end(c, i);
    }
}

/* Makes p's partition wait for p's offset (replacing an older wait) and due for a seek; its
 * first unhandled record is held from now, if it was not already. */
static void wait_for(struct consumer *c, const struct consumer_pos *p)
{
    const struct event_handler *h = find_handler(c, p->topic);
    if (!h)
        return; /* not subscribed: never polled */
    struct consumer_pos w = {h->topic, p->partition, p->offset};
    hold(c, &w);
    size_t k = pos_index(c->waits, c->n_waits, &w);
    if (k == c->n_waits) {
        if (c->n_waits == c->cap_waits) {
            c->cap_waits = c->cap_waits ? 2 * c->cap_waits : 8;
            c->waits = xrealloc(c->waits, c->cap_waits * sizeof *c->waits);
        }
        c->n_waits++;
    }
    c->waits[k] = w;
    c->seek_due = true;
}

static void wait_end(struct consumer *c, size_t i)
{
    c->waits[i] = c->waits[--c->n_waits];
    if (c->n_waits == 0) {
        c->seek_due = false;
        c->reseeks = 0;
    }
}

/* Ends the waits, and forgets the held records, of the partitions in parts, or of those not in
 * parts when outside is set. A partition that is revoked, or assigned afresh, starts at its
 * committed offset, which is never past its wait (offsets are stored only up to it). */
static void waits_filter(struct consumer *c, const rd_kafka_topic_partition_list_t *parts,
                         bool outside)
{
    for (size_t i = c->n_waits; i-- > 0;) {
        bool in = rd_kafka_topic_partition_list_find(parts, c->waits[i].topic,
                                                     c->waits[i].partition) != NULL;
        if (in != outside)
            wait_end(c, i);
    }
    for (size_t i = c->n_held; i-- > 0;) {
        bool in = rd_kafka_topic_partition_list_find(parts, c->held[i].pos.topic,
                                                     c->held[i].pos.partition) != NULL;
        if (in != outside)
            held_end(c, i);
    }
}

/* Seeks every waiting partition still assigned to its wait. On failure the seek is due again
 * after a backoff; the gate keeps the partition from moving on meanwhile. */
static void seek_waits(struct consumer *c)
{
    rd_kafka_topic_partition_list_t *assigned = NULL;
    if (rd_kafka_assignment(c->rk, &assigned) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        waits_filter(c, assigned, true);
        rd_kafka_topic_partition_list_destroy(assigned);
    }
    if (c->n_waits == 0)
        return;
    rd_kafka_topic_partition_list_t *l = to_partition_list(c->waits, c->n_waits);
    rd_kafka_error_t *e = rd_kafka_seek_partitions(c->rk, l, SEEK_TIMEOUT_MS);
    bool ok = e == NULL;
    if (e) {
        log_warn(NULL, "consumer: seek: %s (retried)", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    }
    for (int i = 0; i < l->cnt; i++) {
        struct log_fields f = {.topic = l->elems[i].topic};
        if (l->elems[i].err) {
            ok = false;
            log_warn(&f, "consumer: seek partition %d: %s (retried)", (int)l->elems[i].partition,
                     rd_kafka_err2str(l->elems[i].err));
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
    c->seek_due = !ok;
    c->next_seek_ms = time_monotonic_ms() + backoff_next_ms(&c->backoff, c->reseeks++);
}

/* The gate for one polled record: true to handle it, false to drop it unhandled. */
static bool take_record(struct consumer *c, const rd_kafka_message_t *m)
{
    struct consumer_pos p = {rd_kafka_topic_name(m->rkt), m->partition, m->offset};
    size_t k = 0;
    switch (consumer_gate(c->waits, c->n_waits, &p, &k)) {
    case CONSUMER_TAKE:
        return true;
    case CONSUMER_RESTART:
        wait_end(c, k);
        return true;
    case CONSUMER_DROP_AHEAD:
        if (!c->seek_due) {
            struct log_fields f = {.topic = p.topic};
            log_warn(&f, "consumer: partition %d is past offset %lld, seeking back again",
                     (int)p.partition, (long long)c->waits[k].offset);
            c->seek_due = true;
        }
        return false;
    case CONSUMER_DROP_BEHIND:
    default:
        return false;
    }
}

/* ---- collecting and preparing a batch ---- */

/* Waits up to 200 ms for a first record, then takes what is already there, up to batch_max.
 * Records of waiting partitions that are not their restart record are dropped here. */
static size_t collect_batch(struct consumer *c, struct record *recs)
{
    size_t n = 0;
    int timeout = 200;
    for (size_t polls = 0; n < c->batch_max && polls < 2 * (size_t)c->batch_max; polls++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, timeout);
        if (!m)
            break;
        timeout = 0;
        if (m->err) {
            note_consumer_error(c, m);
        } else if (take_record(c, m)) {
            c->last_err = RD_KAFKA_RESP_ERR_NO_ERROR;
            recs[n++] = (struct record){.msg = m};
            continue;
        }
        rd_kafka_message_destroy(m);
    }
    return n;
}

/* Finds the handler and decodes the envelope; a record that fails either is dead-lettered. */
static void prepare_record(struct consumer *c, struct record *rec)
{
    rec->topic = rd_kafka_topic_name(rec->msg->rkt);
    const struct event_handler *h = find_handler(c, rec->topic);
    if (!h) {
        snprintf(rec->error, sizeof rec->error, "no handler for this topic");
        return;
    }
    struct envelope_error e = {0};
    if (!rec->msg->payload || rec->msg->len == 0) {
        snprintf(rec->error, sizeof rec->error, "envelope: value: empty record");
        return;
    }
    if (envelope_decode(rec->msg->payload, rec->msg->len, &rec->ev, &e) != OF_OK) {
        char *quote = strstr(e.message, " near '"); /* jansson quotes the input: not in logs */
        if (quote)
            *quote = '\0';
        snprintf(rec->error, sizeof rec->error, "envelope: %s: %s", e.field, e.message);
        return;
    }
    rec->decoded = true;
    const struct topic_def *t = topics_find(rec->ev.event_type, rec->ev.event_version);
    if (!t || strcmp(t->name, rec->topic) != 0) {
        snprintf(rec->error, sizeof rec->error,
                 "envelope: event_type: %s v%d is not carried by this topic", rec->ev.event_type,
                 rec->ev.event_version);
        return;
    }
    rec->handler = h;
}

static void release_records(struct record *recs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (recs[i].decoded)
            envelope_clear(&recs[i].ev);
        rd_kafka_message_destroy(recs[i].msg);
        recs[i] = (struct record){0};
    }
}

/* ---- Postgres ---- */

static int ensure_db(struct consumer *c)
{
    char err[256];
    int rc = db_conn_ensure(&c->db, c->conninfo, c->app_name, err, sizeof err);
    if (rc == DB_CONN_NEW)
        log_info(NULL, "consumer: connected to Postgres");
    else if (rc != DB_CONN_KEPT)
        log_error(NULL, "consumer: %s", err);
    return rc == DB_CONN_NEW ? OF_OK : rc;
}

/* Runs one of the loop's own statements (BEGIN, SAVEPOINT and friends). Its failure is never
 * the record's fault: the caller aborts the batch. */
static bool run_sql(struct consumer *c, const char *sql)
{
    char err[256];
    int rc = db_exec(c->db, sql, 0, NULL, NULL, err, sizeof err);
    if (rc == OF_OK)
        return true;
    log_error(NULL, "consumer: %s failed (%s): %s", sql, of_result_name(rc), err);
    return false;
}

/* Rolls back to savepoint r after a failure; false when the transaction is gone. */
static bool rollback_record(struct consumer *c)
{
    return !db_lost(c) && run_sql(c, "ROLLBACK TO SAVEPOINT r");
}

/* Takes every advisory lock the batch's handlers ask for, in ascending order, in one statement:
 * a volatile function in the select list is evaluated after ORDER BY (Postgres 9.6 and later),
 * and the array is sorted already. */
static int lock_batch(struct consumer *c, const struct record *recs, size_t n)
{
    int64_t *keys = xmalloc(n * LOCK_KEYS_PER_RECORD * sizeof *keys);
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        const struct event_handler *h = recs[i].handler;
        if (h && h->lock_keys) {
            size_t got = h->lock_keys(&recs[i].ev, keys + nk, LOCK_KEYS_PER_RECORD);
            nk += got < LOCK_KEYS_PER_RECORD ? got : LOCK_KEYS_PER_RECORD;
        }
    }
    for (size_t i = 0; i < nk; i++)
        keys[i] = outbox_lock_scoped(c->schema, keys[i]);
    nk = consumer_sort_keys(keys, nk);
    int rc = OF_OK;
    if (nk > 0) {
        struct buf arr = {0};
        buf_puts(&arr, "{");
        for (size_t i = 0; i < nk; i++)
            buf_printf(&arr, "%s%lld", i ? "," : "", (long long)keys[i]);
        buf_puts(&arr, "}");
        const char *params[] = {arr.data};
        char err[256];
        rc = db_exec(c->db,
                     "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k ORDER BY k", 1,
                     params, NULL, err, sizeof err);
        if (rc != OF_OK)
            log_error(NULL, "consumer: taking %zu advisory locks (%s): %s", nk, of_result_name(rc),
                      err);
        buf_free(&arr);
    }
    free(keys);
    return rc;
}

/* Done with the record in savepoint r: the next record's begin_record() releases it. */
static void release_record(struct consumer *c)
{
    c->release_due = true;
}

/* Inserts the inbox row: OF_OK when new, 1 when the event was handled before, or an error
 * (logged), which is never the record's fault: its event id is a valid UUID. With savepoint, it
 * first opens savepoint r for the record (releasing the previous record's when that is due), all
 * in one round trip. */
static int insert_inbox_in(struct consumer *c, const struct record *rec, bool savepoint)
{
    const char *params[] = {rec->ev.event_id, rec->topic};
    const struct db_stmt stmts[] = {
        {"RELEASE SAVEPOINT r", 0, NULL},
        {"SAVEPOINT r", 0, NULL},
        {c->sql_inbox, 2, params},
    };
    size_t first = !savepoint ? 2 : c->release_due ? 0 : 1;
    PGresult *res = NULL;
    char err[256];
    int rc = db_exec_batch(c->db, stmts + first, 3 - first, &res, err, sizeof err);
    if (savepoint)
        c->release_due = false;
    if (rc != OF_OK) {
        struct log_fields f = record_fields(rec);
        log_error(&f, "consumer: %s failed (%s): %s",
                  savepoint ? "savepoint and inbox insert" : "inbox insert", of_result_name(rc),
                  err);
        return rc;
    }
    bool inserted = strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);
    return inserted ? OF_OK : 1;
}

static int insert_inbox(struct consumer *c, const struct record *rec)
{
    return insert_inbox_in(c, rec, false);
}

/* ---- dead letters ---- */

/* The dead letter's headers: the original ones, then the dlq.* ones. Owns every string. */
struct dlq_headers {
    struct kafka_header *list;
    char **strings;
    size_t n;
    size_t cap;
};

static void dh_add(struct dlq_headers *d, char *name, char *value)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 16;
        d->list = xrealloc(d->list, d->cap * sizeof *d->list);
        d->strings = xrealloc(d->strings, 2 * d->cap * sizeof *d->strings);
    }
    d->list[d->n] = (struct kafka_header){.name = name, .value = value};
    d->strings[2 * d->n] = name;
    d->strings[2 * d->n + 1] = value;
    d->n++;
}

static void dh_free(struct dlq_headers *d)
{
    for (size_t i = 0; i < 2 * d->n; i++)
        free(d->strings[i]);
    free(d->strings);
    free(d->list);
}

static void copy_original_headers(struct dlq_headers *d, rd_kafka_message_t *m)
{
    rd_kafka_headers_t *hdrs = NULL;
    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return; /* none */
    const char *name;
    const void *value;
    size_t size;
    for (size_t i = 0;
         rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; i++)
        dh_add(d, xstrdup(name), value ? xstrndup(value, size) : xstrdup(""));
}

/* The dlq.* headers that every dead letter carries whole. */
static void build_dlq_headers(struct consumer *c, struct record *rec, struct dlq_headers *d)
{
    dh_add(d, xstrdup("dlq.topic"), xstrdup(rec->topic));
    dh_add(d, xstrdup("dlq.partition"), xasprintf("%d", (int)rec->msg->partition));
    dh_add(d, xstrdup("dlq.offset"), xasprintf("%lld", (long long)rec->msg->offset));
    dh_add(d, xstrdup("dlq.consumer"), xstrdup(c->service));
    dh_add(d, xstrdup("dlq.error"), xstrdup(rec->error));
    dh_add(d, xstrdup("dlq.attempts"), xasprintf("%u", rec->attempts)); /* handler attempts */
}

/* A producer that raised a fatal error never delivers again: replace it. */
static int ensure_dlq_producer(struct consumer *c)
{
    char err[256];
    int rc = kafka_producer_renew(&c->dlq, c->brokers, c->service, c->message_timeout_ms,
                                  c->max_message_bytes, err, sizeof err);
    if (rc != OF_OK)
        log_error(NULL, "consumer: dead-letter producer: %s", err);
    return rc;
}

/* The headers that say what fit left out of m's dead letter (orig_headers: how many it had). */
static void add_cut_headers(struct dlq_headers *d, const rd_kafka_message_t *m,
                            const struct consumer_dlq_fit *fit, size_t orig_headers)
{
    if (fit->value_len < m->len)
        dh_add(d, xstrdup("dlq.truncated"), xasprintf("%zu", m->len));
    if (!fit->headers && orig_headers > 0)
        dh_add(d, xstrdup("dlq.headers_dropped"), xasprintf("%zu", orig_headers));
    if (fit->key_len < m->key_len)
        dh_add(d, xstrdup("dlq.key_truncated"), xasprintf("%zu", m->key_len));
}

/* Produces rec's dead letter to topic, cut to fit limit (consumer_dlq_fit), and waits for the
 * broker's acknowledgement. Returns the message's status (kafka_msg) and what was kept in
 * ret_fit. */
static int produce_letter(struct consumer *c, struct record *rec, const char *topic, size_t limit,
                          struct consumer_dlq_fit *ret_fit)
{
    const rd_kafka_message_t *rm = rec->msg;
    struct dlq_headers orig = {0}, dlq = {0};
    copy_original_headers(&orig, rec->msg);
    build_dlq_headers(c, rec, &dlq);
    struct consumer_dlq_fit fit;
    consumer_dlq_fit(limit, rm->key_len, rm->len, kafka_headers_size(orig.list, orig.n),
                     kafka_headers_size(dlq.list, dlq.n), &fit);
    add_cut_headers(&dlq, rm, &fit, orig.n);
    struct kafka_header *list = xcalloc(orig.n + dlq.n + 1, sizeof *list);
    size_t n = 0;
    for (size_t i = 0; fit.headers && i < orig.n; i++)
        list[n++] = orig.list[i];
    for (size_t i = 0; i < dlq.n; i++)
        list[n++] = dlq.list[i];
    struct kafka_msg m = {.topic = topic,
                          .key = rm->key,
                          .key_len = fit.key_len,
                          .value = rm->payload,
                          .value_len = fit.value_len,
                          .headers = list,
                          .n_headers = n};
    kafka_produce_batch(c->dlq, &m, 1);
    free(list);
    dh_free(&orig);
    dh_free(&dlq);
    *ret_fit = fit;
    return m.status;
}

/* A failed dead letter counts as a try: the record backs off further each time. */
static int dead_letter_failed(struct consumer *c, struct record *rec)
{
    struct log_fields f = record_fields(rec);
    rec->dlq_failures++;
    count(c, "events_dead_letter_failed_total", rec->topic);
    log_warn(&f, "consumer: dead letter not delivered (%u time(s)), it is retried after a backoff",
             rec->dlq_failures);
    return OF_ERETRY;
}

/* Produces the record to "<topic>.dlq" and waits for the broker's acknowledgement; cut to fit
 * the producer's limit, and to CONSUMER_DLQ_FALLBACK_LIMIT when the topic refuses it as too
 * large all the same. */
static int dead_letter(struct consumer *c, struct record *rec)
{
    struct log_fields f = record_fields(rec);
    char topic[TOPIC_NAME_MAX + sizeof TOPIC_DLQ_SUFFIX];
    if (topics_dlq_name(rec->topic, topic, sizeof topic) != 0) {
        log_error(&f, "consumer: no dead-letter topic name for this topic");
        return dead_letter_failed(c, rec);
    }
    if (ensure_dlq_producer(c) != OF_OK)
        return dead_letter_failed(c, rec);
    struct consumer_dlq_fit fit;
    int rc = produce_letter(c, rec, topic, c->record_limit, &fit);
    if (rc == OF_EPERMANENT) {
        log_warn(&f, "consumer: %s refused the dead letter as too large, cutting it to %d bytes",
                 topic, CONSUMER_DLQ_FALLBACK_LIMIT);
        rc = produce_letter(c, rec, topic, CONSUMER_DLQ_FALLBACK_LIMIT, &fit);
    }
    if (rc != OF_OK)
        return dead_letter_failed(c, rec);
    char cut[96] = "";
    if (fit.value_len < rec->msg->len || fit.key_len < rec->msg->key_len || !fit.headers)
        snprintf(cut, sizeof cut, ", cut to fit (value %zu of %zu bytes)", fit.value_len,
                 rec->msg->len);
    log_error(&f, "consumer: dead-lettered to %s after %u handler attempt(s)%s: %s", topic,
              rec->attempts, cut, rec->error);
    return OF_OK;
}

/* ---- handling one record ---- */

/* A record that cannot be handled at all (no envelope, no handler): straight to the DLQ, with
 * no inbox row (it may have no event id). A dead letter that cannot be produced is retried. */
static enum outcome reject_record(struct consumer *c, struct record *rec)
{
    if (dead_letter(c, rec) != OF_OK) {
        rec->dead_due = true;
        return OUT_RETRY;
    }
    rec->state = REC_DEAD;
    return OUT_NEXT;
}

/* Inside savepoint r with the record's inbox row and nothing else: dead-letters the record and
 * keeps the row, so a redelivery is skipped. A dead letter that cannot be produced rolls the
 * row back and makes the record come again as a dead letter. */
static enum outcome dead_letter_and_release(struct consumer *c, struct record *rec)
{
    if (dead_letter(c, rec) != OF_OK) {
        rec->dead_due = true;
        return rollback_record(c) ? OUT_RETRY : OUT_ABORT;
    }
    release_record(c);
    rec->state = REC_DEAD;
    return OUT_NEXT;
}

/* Calls the record's handler; reason gets what it says through consumer_fail/consumer_retry. */
static int call_handler(struct consumer *c, struct record *rec, char *reason, size_t reason_len)
{
    struct log_fields f = record_fields(rec);
    struct consumer_ctx ctx = {.db = c->db,
                               .schema = c->schema,
                               .service = c->service,
                               .topic = rec->topic,
                               .partition = rec->msg->partition,
                               .offset = rec->msg->offset,
                               .log = &f,
                               .app = c->app,
                               .error = reason,
                               .error_len = reason_len};
    return rec->handler->handle(&ctx, &rec->ev);
}

/* The handler returned rc, with its reason (maybe ""), inside savepoint r: keep its effects,
 * abort the batch, retry the record, or dead-letter it (consumer_handler_action). */
static enum outcome finish_record(struct consumer *c, struct record *rec, int rc,
                                  const char *reason)
{
    struct log_fields f = record_fields(rec);
    enum consumer_action action = consumer_handler_action(rc, rec->attempts, c->retry_budget);
    consumer_error_text(rc, action, reason, rec->error, sizeof rec->error);
    switch (action) {
    case CONSUMER_KEEP:
        /* Should the handler have returned OF_OK over a failed statement, the release (or the
         * COMMIT, which then answers ROLLBACK) fails and the batch comes again. */
        release_record(c);
        rec->state = REC_HANDLED;
        return OUT_NEXT;
    case CONSUMER_ABORT:
        log_warn(&f, "consumer: a dependency is unavailable, the batch comes again: %s",
                 rec->error);
        return OUT_ABORT;
    case CONSUMER_RETRY:
        return rollback_record(c) ? OUT_RETRY : OUT_ABORT;
    case CONSUMER_DEAD:
    default:
        if (!rollback_record(c) || insert_inbox(c, rec) < 0)
            return OUT_ABORT;
        return dead_letter_and_release(c, rec);
    }
}

/* One record inside savepoint r: skipped when its inbox row exists, dead-lettered again when
 * that is due, otherwise given to its handler. */
static enum outcome handle_record(struct consumer *c, struct record *rec)
{
    const struct retry_entry *e = retry_find(c, rec);
    rec->attempts = e ? e->attempts : 0;
    rec->dlq_failures = e ? e->dlq_failures : 0;
    if (!rec->handler)
        return reject_record(c, rec);
    int rc = insert_inbox_in(c, rec, true);
    if (rc < 0)
        return OUT_ABORT;
    if (rc == 1) {
        release_record(c);
        rec->state = REC_DUPLICATE;
        return OUT_NEXT;
    }
    if (e && e->dead_due) {
        snprintf(rec->error, sizeof rec->error, "%s", e->error);
        return dead_letter_and_release(c, rec);
    }
    rec->attempts++;
    char reason[ERROR_MAX] = "";
    int hrc = call_handler(c, rec, reason, sizeof reason);
    return finish_record(c, rec, hrc, reason);
}

/* ---- the batch transaction ---- */

/* Ends the batch transaction with nothing committed (a lost connection has none to end). */
static enum outcome abort_transaction(struct consumer *c)
{
    if (!db_lost(c) && PQtransactionStatus(c->db) != PQTRANS_IDLE)
        db_rollback(c->db);
    return OUT_ABORT;
}

static struct consumer_pos pos_of(const struct record *rec)
{
    return (struct consumer_pos){rec->topic, rec->msg->partition, rec->msg->offset};
}

/* Handles records in order inside one transaction and commits. A record to retry (rec->retry)
 * holds its partition: that partition's later records stay REC_PENDING, the other partitions'
 * are handled. OUT_RETRY when some record must come again; OUT_ABORT: nothing was committed. */
static enum outcome run_transaction(struct consumer *c, struct record *recs, size_t n)
{
    c->release_due = false;
    if (ensure_db(c) != OF_OK || !run_sql(c, "BEGIN"))
        return abort_transaction(c);
    if (lock_batch(c, recs, n) != OF_OK)
        return abort_transaction(c);
    struct consumer_pos *held = xcalloc(n ? n : 1, sizeof *held);
    size_t nheld = 0;
    enum outcome out = OUT_NEXT;
    for (size_t i = 0; i < n; i++) {
        struct consumer_pos p = pos_of(&recs[i]);
        if (pos_index(held, nheld, &p) < nheld)
            continue; /* an earlier record of its partition comes again first */
        enum outcome o = handle_record(c, &recs[i]);
        if (o == OUT_ABORT) {
            out = OUT_ABORT;
            break;
        }
        if (o == OUT_RETRY) {
            recs[i].retry = true;
            held[nheld++] = p;
            out = OUT_RETRY;
        }
    }
    free(held);
    if (out == OUT_ABORT)
        return abort_transaction(c);
    int rc = db_commit(c->db);
    if (rc != OF_OK) {
        log_error(NULL, "consumer: COMMIT failed (%s): nothing of the batch was committed",
                  of_result_name(rc));
        return abort_transaction(c);
    }
    return out;
}

/* Stores offset + 1 of the done records' (done[0..n-1]) for the next (auto) commit. */
static void store_offsets(struct consumer *c, const struct consumer_pos *done, size_t n)
{
    if (n == 0)
        return;
    struct consumer_pos *next = xcalloc(n, sizeof *next);
    size_t k = consumer_next_offsets(done, n, next);
    rd_kafka_topic_partition_list_t *l = to_partition_list(next, k);
    rd_kafka_resp_err_t e = rd_kafka_offsets_store(c->rk, l);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) /* e.g. partitions revoked meanwhile: redelivered */
        log_warn(NULL, "consumer: storing offsets: %s", rd_kafka_err2str(e));
    held_release(c, next, k); /* committed: those records are done either way */
    rd_kafka_topic_partition_list_destroy(l);
    free(next);
}

/* Makes every partition with records in pending[0..n-1] wait for its first one there, and seeks
 * it back (retried later if that fails). */
static void seek_back(struct consumer *c, const struct consumer_pos *pending, size_t n)
{
    if (n == 0)
        return;
    struct consumer_pos *seek = xcalloc(n, sizeof *seek);
    size_t k = consumer_seek_offsets(pending, n, 0, seek);
    for (size_t i = 0; i < k; i++)
        wait_for(c, &seek[i]);
    free(seek);
    seek_waits(c);
}

/* After COMMIT: metrics and retry bookkeeping of the records that are done. */
static void account_done(struct consumer *c, const struct record *recs, size_t n)
{
    static const char *const metric[] = {
        [REC_HANDLED] = "events_consumed_total",
        [REC_DUPLICATE] = "events_duplicate_total",
        [REC_DEAD] = "events_dead_lettered_total",
    };
    for (size_t i = 0; i < n; i++) {
        if (recs[i].state == REC_PENDING)
            continue; /* comes again: a retry keeps its attempts */
        retry_forget(c, &recs[i]);
        count(c, metric[recs[i].state], recs[i].topic);
    }
}

/* A record that must come again: remember it and say so. Returns its backoff attempt. */
static unsigned schedule_retry(struct consumer *c, const struct record *rec)
{
    struct log_fields f = record_fields(rec);
    retry_remember(c, rec);
    if (!rec->dead_due) {
        count(c, "events_retried_total", rec->topic);
        log_warn(&f, "consumer: retrying (attempt %u of %u failed): %s", rec->attempts,
                 c->retry_budget, rec->error);
    }
    return consumer_backoff_attempt(rec->attempts, rec->dlq_failures);
}

/* Nothing was committed: redeliver the whole batch after a backoff outside the retry budget. */
static void redeliver_batch(struct consumer *c, const struct record *recs, size_t n)
{
    log_warn(NULL, "consumer: batch of %zu records rolled back, redelivering it", n);
    if (c->db && db_lost(c)) {
        PQfinish(c->db);
        c->db = NULL;
    }
    struct consumer_pos *all = xcalloc(n ? n : 1, sizeof *all);
    for (size_t i = 0; i < n; i++)
        all[i] = pos_of(&recs[i]);
    seek_back(c, all, n);
    free(all);
    back_off(c, backoff_next_ms(&c->backoff, c->outages++));
}

static void handle_batch(struct consumer *c, struct record *recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        prepare_record(c, &recs[i]);
    enum outcome out = run_transaction(c, recs, n);
    if (out == OUT_ABORT) {
        redeliver_batch(c, recs, n);
        return;
    }
    c->outages = 0;
    struct consumer_pos *all = xcalloc(n ? n : 1, sizeof *all);
    struct consumer_pos *done = xcalloc(n ? n : 1, sizeof *done);
    struct consumer_pos *pending = xcalloc(n ? n : 1, sizeof *pending);
    bool *is_done = xcalloc(n ? n : 1, sizeof *is_done);
    for (size_t i = 0; i < n; i++) {
        all[i] = pos_of(&recs[i]);
        is_done[i] = recs[i].state != REC_PENDING;
    }
    size_t nd = consumer_split_done(all, is_done, n, done, pending);
    store_offsets(c, done, nd);
    account_done(c, recs, n);
    if (out == OUT_RETRY) {
        seek_back(c, pending, n - nd);
        unsigned attempt = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned a = recs[i].retry ? schedule_retry(c, &recs[i]) : 0;
            attempt = a > attempt ? a : attempt;
        }
        back_off(c, backoff_next_ms(&c->backoff, attempt));
    }
    free(is_done);
    free(pending);
    free(done);
    free(all);
}

/* ---- lag ---- */

/* Adds partition e's lag and held time to lag[k] and wait[k] (k: its topic's first handler). The
 * position alone would hide a record that keeps failing: the partition's records after it are
 * fetched (and dropped) again and again, so its position is at the high watermark. */
static void partition_lag(struct consumer *c, const rd_kafka_topic_partition_t *e, int64_t now,
                          double *lag, double *wait)
{
    const struct event_handler *h = find_handler(c, e->topic);
    if (!h)
        return;
    size_t k = (size_t)(h - c->handlers), i = held_index(c, e->topic, e->partition);
    const struct held_record *held = i < c->n_held ? &c->held[i] : NULL;
    int64_t lo, hi;
    if (rd_kafka_get_watermark_offsets(c->rk, e->topic, e->partition, &lo, &hi) ==
        RD_KAFKA_RESP_ERR_NO_ERROR)
        lag[k] += (double)consumer_partition_lag(hi, e->offset, held ? held->pos.offset : -1);
    if (held && (double)(now - held->since_ms) / 1000.0 > wait[k])
        wait[k] = (double)(now - held->since_ms) / 1000.0;
}

/* consumer_lag{topic}: records behind the high watermark over the assigned partitions, each from
 * its first unhandled record (consumer_partition_lag); consumer_oldest_wait_seconds{topic}: how
 * long the oldest of them has been held up. From what librdkafka has cached (no network), at
 * most once a second. */
static void update_lag(struct consumer *c)
{
    int64_t now = time_monotonic_ms();
    if (!c->metrics || now < c->next_lag_ms)
        return;
    c->next_lag_ms = now + LAG_EVERY_MS;
    rd_kafka_topic_partition_list_t *a = NULL;
    if (rd_kafka_assignment(c->rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    rd_kafka_position(c->rk, a);
    double *lag = xcalloc(2 * c->n_handlers, sizeof *lag), *wait = lag + c->n_handlers;
    for (int i = 0; i < a->cnt; i++)
        partition_lag(c, &a->elems[i], now, lag, wait);
    char labels[TOPIC_NAME_MAX + 16];
    for (size_t i = 0; i < c->n_handlers; i++) {
        if (find_handler(c, c->handlers[i].topic) != &c->handlers[i])
            continue; /* a topic named twice is reported once */
        metrics_labels(labels, sizeof labels, "topic", c->handlers[i].topic, NULL);
        metrics_set(c->metrics, "consumer_lag", labels, lag[i]);
        metrics_set(c->metrics, "consumer_oldest_wait_seconds", labels, wait[i]);
    }
    free(lag);
    rd_kafka_topic_partition_list_destroy(a);
}

/* ---- the thread ---- */

static void *consumer_main(void *arg)
{
    struct consumer *c = arg;
    struct record *recs = xcalloc(c->batch_max, sizeof *recs);
    while (!stopping(c)) {
        if (check_fatal(c)) { /* not ready for good; the handle is left alone until stop */
            sleep_or_stop(c, FATAL_IDLE_MS);
            continue;
        }
        if (c->seek_due && time_monotonic_ms() >= c->next_seek_ms)
            seek_waits(c);
        size_t n = collect_batch(c, recs);
        if (n > 0)
            handle_batch(c, recs, n);
        release_records(recs, n);
        update_lag(c);
    }
    free(recs);
    return NULL;
}

/* Assigns or revokes (eager or cooperative). Runs on the consumer thread inside
 * rd_kafka_consumer_poll(), or in consumer_stop() once the thread is gone. The first assignment,
 * even an empty one, means the consumer has joined its group. Revoked or newly assigned
 * partitions stop waiting: they start at their committed offset. */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct consumer *c = opaque;
    bool coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    rd_kafka_error_t *e = NULL;
    rd_kafka_resp_err_t re = RD_KAFKA_RESP_ERR_NO_ERROR;
    waits_filter(c, parts, false);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (coop)
            e = rd_kafka_incremental_assign(rk, parts);
        else
            re = rd_kafka_assign(rk, parts);
        c->last_err = RD_KAFKA_RESP_ERR_NO_ERROR;
        atomic_store(&c->running, true);
        log_info(NULL, "consumer: assigned %d partitions", parts->cnt);
    } else {
        if (coop)
            e = rd_kafka_incremental_unassign(rk, parts);
        else
            re = rd_kafka_assign(rk, NULL);
        log_info(NULL, "consumer: %d partitions revoked", parts->cnt);
    }
    if (e) {
        log_error(NULL, "consumer: rebalance: %s", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    } else if (re != RD_KAFKA_RESP_ERR_NO_ERROR) {
        log_error(NULL, "consumer: rebalance: %s", rd_kafka_err2str(re));
    }
}

/* ---- start and stop ---- */

static int check_handlers(const struct consumer_config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->n_handlers; i++) {
        const struct event_handler *h = &cfg->handlers[i];
        if (!h->topic || !h->handle || strlen(h->topic) >= TOPIC_NAME_MAX) {
            snprintf(err, errlen, "consumer: handler %zu needs a topic and a function", i);
            return OF_EPERMANENT;
        }
    }
    return OF_OK;
}

static int check_config(const struct consumer_config *cfg, char *err, size_t errlen)
{
    if (!cfg->conninfo || !cfg->brokers || !cfg->service)
        snprintf(err, errlen, "consumer: conninfo, brokers and service are required");
    else if (!db_ident_valid(cfg->schema))
        snprintf(err, errlen, "consumer: schema must be a plain lowercase identifier");
    else if (cfg->batch_max == 0)
        snprintf(err, errlen, "consumer: batch_max must be positive");
    else if (!kafka_max_message_bytes_valid(cfg->max_message_bytes))
        snprintf(err, errlen, "consumer: max_message_bytes must be 0 or %d to %d",
                 KAFKA_MAX_MESSAGE_BYTES_MIN, KAFKA_MAX_MESSAGE_BYTES_MAX);
    else
        return check_handlers(cfg, err, errlen);
    return OF_EPERMANENT;
}

static void declare_metrics(struct metrics *m)
{
    if (!m)
        return;
    metrics_declare(m, "events_consumed_total", METRIC_COUNTER, "Events handled", NULL, 0);
    metrics_declare(m, "events_duplicate_total", METRIC_COUNTER,
                    "Events skipped because they were handled before", NULL, 0);
    metrics_declare(m, "events_retried_total", METRIC_COUNTER,
                    "Event handling attempts that will be retried", NULL, 0);
    metrics_declare(m, "events_dead_lettered_total", METRIC_COUNTER,
                    "Events sent to a dead-letter topic", NULL, 0);
    metrics_declare(m, "events_dead_letter_failed_total", METRIC_COUNTER,
                    "Dead letters that could not be produced (retried after a backoff)", NULL, 0);
    metrics_declare(m, "consumer_lag", METRIC_GAUGE,
                    "Records behind the high watermark over assigned partitions, each from its "
                    "first unhandled record",
                    NULL, 0);
    metrics_declare(m, "consumer_oldest_wait_seconds", METRIC_GAUGE,
                    "Seconds the oldest record that must come again (a retry, a dead letter not "
                    "produced yet, a batch rolled back) has held up its partition; 0 when none",
                    NULL, 0);
}

static struct consumer *consumer_new(const struct consumer_config *cfg)
{
    struct consumer *c = xcalloc(1, sizeof *c);
    c->handlers = cfg->handlers;
    c->n_handlers = cfg->n_handlers;
    c->batch_max = cfg->batch_max;
    c->backoff = cfg->backoff;
    c->retry_budget = cfg->retry_budget > 0 ? cfg->retry_budget : 1;
    c->max_message_bytes = cfg->max_message_bytes;
    c->metrics = cfg->metrics;
    c->app = cfg->app;
    c->message_timeout_ms = cfg->message_timeout_ms;
    c->session_timeout_ms = cfg->session_timeout_ms > 0 ? cfg->session_timeout_ms : 45000;
    atomic_init(&c->stop, false);
    atomic_init(&c->running, cfg->n_handlers == 0);
    atomic_init(&c->fatal, false);
    if (cfg->n_handlers == 0)
        return c;
    c->conninfo = xstrdup(cfg->conninfo);
    c->schema = xstrdup(cfg->schema);
    c->service = xstrdup(cfg->service);
    c->brokers = xstrdup(cfg->brokers);
    c->record_limit = kafka_record_limit(cfg->max_message_bytes);
    c->app_name = xasprintf("%s-consumer", cfg->service);
    c->sql_inbox = xasprintf("INSERT INTO %s.processed_events (event_id, topic) VALUES ($1, $2) "
                             "ON CONFLICT DO NOTHING",
                             cfg->schema);
    return c;
}

static void consumer_free(struct consumer *c)
{
    kafka_producer_free(c->dlq, STOP_FLUSH_MS);
    PQfinish(c->db);
    free(c->conninfo);
    free(c->schema);
    free(c->service);
    free(c->brokers);
    free(c->app_name);
    free(c->sql_inbox);
    free(c->waits);
    free(c->held);
    free(c);
}

/* Subscribes to every handler topic (once each). */
static int subscribe(struct consumer *c, char *err, size_t errlen)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)c->n_handlers);
    for (size_t i = 0; i < c->n_handlers; i++) {
        if (!rd_kafka_topic_partition_list_find(l, c->handlers[i].topic, RD_KAFKA_PARTITION_UA))
            rd_kafka_topic_partition_list_add(l, c->handlers[i].topic, RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_resp_err_t e = rd_kafka_subscribe(c->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "consumer: subscribe: %s", rd_kafka_err2str(e));
        return OF_EPERMANENT;
    }
    return OF_OK;
}

static int make_kafka_consumer(struct consumer *c, char *err, size_t errlen)
{
    char session[16], fetch[16];
    snprintf(session, sizeof session, "%d", c->session_timeout_ms);
    /* A whole record of the largest size in one fetch (the broker would hand a larger one out
     * anyway, alone, so that a consumer always moves on). */
    snprintf(fetch, sizeof fetch, "%d",
             c->max_message_bytes ? c->max_message_bytes : KAFKA_MAX_MESSAGE_BYTES_DEFAULT);
    const char *const kv[] = {"session.timeout.ms", session, "max.partition.fetch.bytes", fetch,
                              "group.id", c->service, "enable.auto.offset.store", "false",
                              "enable.auto.commit", "true", "auto.commit.interval.ms", "1000",
                              "auto.offset.reset", "earliest", "enable.partition.eof", "false",
                              /* A subscribed topic the broker did not list yet (created just
                               * before by another daemon, not yet in the metadata it answered)
                               * is found at the next refresh: 10 s, not librdkafka's 5 min. */
                              "topic.metadata.refresh.interval.ms", "10000", NULL};
    rd_kafka_conf_t *conf = kafka_conf_new(c->brokers, c->service, kv, err, errlen);
    if (!conf)
        return OF_EPERMANENT;
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_opaque(conf, c);
    char why[512];
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    if (!c->rk) {
        snprintf(err, errlen, "consumer: %s", why);
        rd_kafka_conf_destroy(conf);
        return OF_EPERMANENT;
    }
    rd_kafka_poll_set_consumer(c->rk); /* errors and logs are served by consumer_poll */
    return subscribe(c, err, errlen);
}

static int init_sync(struct consumer *c, char *err, size_t errlen)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0 ||
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&c->cv, &attr) != 0) {
        snprintf(err, errlen, "consumer: condition variable");
        return OF_ERETRY;
    }
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&c->mu, NULL);
    return OF_OK;
}

/* Leaves the group and destroys the handle. rd_kafka_consumer_close() revokes the assignment
 * and, with enable.auto.commit, commits the stored offsets of the revoked partitions and waits
 * for that commit before leaving (librdkafka's assignment code, since 1.6): no commit of our own
 * is needed. It blocks for at most about session.timeout.ms. */
static void close_kafka_consumer(struct consumer *c)
{
    if (!c->rk)
        return;
    rd_kafka_resp_err_t e = rd_kafka_consumer_close(c->rk);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
        log_warn(NULL, "consumer: leaving the group: %s", rd_kafka_err2str(e));
    rd_kafka_destroy(c->rk);
    c->rk = NULL;
}

int consumer_start(const struct consumer_config *cfg, struct consumer **ret_consumer, char *err,
                   size_t errlen)
{
    if (cfg->n_handlers == 0) {
        *ret_consumer = consumer_new(cfg);
        return OF_OK;
    }
    int rc = check_config(cfg, err, errlen);
    if (rc != OF_OK)
        return rc;
    struct consumer *c = consumer_new(cfg);
    c->dlq = kafka_producer_new(c->brokers, c->service, c->message_timeout_ms, c->max_message_bytes,
                                err, errlen);
    if (!c->dlq) {
        rc = OF_EPERMANENT;
        goto fail;
    }
    if ((rc = make_kafka_consumer(c, err, errlen)) != OF_OK)
        goto fail;
    if ((rc = init_sync(c, err, errlen)) != OF_OK)
        goto fail;
    declare_metrics(c->metrics);
    int e = pthread_create(&c->thread, NULL, consumer_main, c);
    if (e != 0) {
        snprintf(err, errlen, "consumer: thread: %s", strerror(e));
        rc = OF_ERETRY;
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        goto fail;
    }
    c->started = true;
    *ret_consumer = c;
    return OF_OK;
fail:
    close_kafka_consumer(c);
    consumer_free(c);
    return rc;
}

int consumer_running(struct consumer *c)
{
    return c && atomic_load(&c->running) && !atomic_load(&c->fatal);
}

void consumer_stop(struct consumer *c)
{
    if (!c)
        return;
    if (c->started) {
        pthread_mutex_lock(&c->mu);
        atomic_store(&c->stop, true);
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
        pthread_join(c->thread, NULL);
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
    }
    close_kafka_consumer(c);
    consumer_free(c);
}
