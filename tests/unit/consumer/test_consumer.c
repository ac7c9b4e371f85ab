/* Unit tests of common/consumer.c's pure helpers and of the kafka, outbox, dbconn and consumer
 * entry points that can be exercised without a broker or a database. */
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/backoff.h"
#include "common/consumer.h"
#include "common/db.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/outbox.h"
#include "common/timefmt.h"

#define NOWHERE           "127.0.0.1:1" /* nothing listens there: connections are refused at once */
#define RD_OFFSET_INVALID -1001         /* librdkafka's RD_KAFKA_OFFSET_INVALID: position unknown */

/* ---- consumer_sort_keys ---- */

static void test_sort_keys_empty_and_one(void **state)
{
    (void)state;
    int64_t k[1] = {42};
    assert_int_equal(consumer_sort_keys(k, 0), 0);
    assert_int_equal(consumer_sort_keys(k, 1), 1);
    assert_int_equal(k[0], 42);
}

static void test_sort_keys_sorts_and_dedupes(void **state)
{
    (void)state;
    int64_t k[] = {5, -3, 5, INT64_MAX, 0, INT64_MIN, -3, 7, 5, INT64_MAX};
    int64_t want[] = {INT64_MIN, -3, 0, 5, 7, INT64_MAX};
    size_t n = consumer_sort_keys(k, sizeof k / sizeof k[0]);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++)
        assert_true(k[i] == want[i]);
}

static void test_sort_keys_all_equal(void **state)
{
    (void)state;
    int64_t k[] = {9, 9, 9, 9};
    assert_int_equal(consumer_sort_keys(k, 4), 1);
    assert_true(k[0] == 9);
}

static void test_sort_keys_reverse(void **state)
{
    (void)state;
    int64_t k[64];
    for (int i = 0; i < 64; i++)
        k[i] = 63 - i;
    assert_int_equal(consumer_sort_keys(k, 64), 64);
    for (int i = 0; i < 64; i++)
        assert_true(k[i] == i);
}

/* ---- offsets to store and seek positions ---- */

/* A batch as librdkafka may hand it out: partitions interleaved, offsets rising per partition. */
static const struct consumer_pos batch[] = {
    {"order.placed.v1", 0, 10},  {"order.placed.v1", 1, 3}, {"order.placed.v1", 0, 11},
    {"payment.failed.v1", 0, 7}, {"order.placed.v1", 1, 4}, {"order.placed.v1", 0, 12},
    {"payment.failed.v1", 0, 8},
};
#define BATCH_N (sizeof batch / sizeof batch[0])

static void assert_pos(const struct consumer_pos *p, const char *topic, int32_t part, int64_t off)
{
    assert_string_equal(p->topic, topic);
    assert_int_equal(p->partition, part);
    assert_true(p->offset == off);
}

static void test_next_offsets_whole_batch(void **state)
{
    (void)state;
    struct consumer_pos out[BATCH_N];
    size_t n = consumer_next_offsets(batch, BATCH_N, out);
    assert_int_equal(n, 3);
    assert_pos(&out[0], "order.placed.v1", 0, 13);
    assert_pos(&out[1], "order.placed.v1", 1, 5);
    assert_pos(&out[2], "payment.failed.v1", 0, 9);
}

static void test_next_offsets_prefix(void **state)
{
    (void)state;
    struct consumer_pos out[BATCH_N];
    /* stopped at index 3: payment.failed.v1 has nothing to store yet */
    size_t n = consumer_next_offsets(batch, 3, out);
    assert_int_equal(n, 2);
    assert_pos(&out[0], "order.placed.v1", 0, 12);
    assert_pos(&out[1], "order.placed.v1", 1, 4);
    assert_int_equal(consumer_next_offsets(batch, 0, out), 0);
}

static void test_next_offsets_same_partition_number_other_topic(void **state)
{
    (void)state;
    /* partition 0 of two topics must not be merged */
    struct consumer_pos out[BATCH_N];
    size_t n = consumer_next_offsets(batch + 2, 2, out);
    assert_int_equal(n, 2);
    assert_pos(&out[0], "order.placed.v1", 0, 12);
    assert_pos(&out[1], "payment.failed.v1", 0, 8);
}

static void test_next_offsets_takes_highest(void **state)
{
    (void)state;
    /* the same partition redelivered after a rebalance inside one batch */
    struct consumer_pos in[] = {{"t.v1", 2, 50}, {"t.v1", 2, 51}, {"t.v1", 2, 49}};
    struct consumer_pos out[3];
    assert_int_equal(consumer_next_offsets(in, 3, out), 1);
    assert_pos(&out[0], "t.v1", 2, 52);
}

static void test_seek_offsets_from_middle(void **state)
{
    (void)state;
    struct consumer_pos out[BATCH_N];
    /* a retry at index 2 (order.placed.v1/0 offset 11): everything from there comes again */
    size_t n = consumer_seek_offsets(batch, BATCH_N, 2, out);
    assert_int_equal(n, 3);
    assert_pos(&out[0], "order.placed.v1", 0, 11);
    assert_pos(&out[1], "payment.failed.v1", 0, 7);
    assert_pos(&out[2], "order.placed.v1", 1, 4);
}

static void test_seek_offsets_whole_batch_and_none(void **state)
{
    (void)state;
    struct consumer_pos out[BATCH_N];
    size_t n = consumer_seek_offsets(batch, BATCH_N, 0, out);
    assert_int_equal(n, 3);
    assert_pos(&out[0], "order.placed.v1", 0, 10);
    assert_pos(&out[1], "order.placed.v1", 1, 3);
    assert_pos(&out[2], "payment.failed.v1", 0, 7);
    assert_int_equal(consumer_seek_offsets(batch, BATCH_N, BATCH_N, out), 0);
}

static void test_seek_offsets_takes_lowest(void **state)
{
    (void)state;
    struct consumer_pos in[] = {{"t.v1", 2, 50}, {"t.v1", 2, 51}, {"t.v1", 2, 49}};
    struct consumer_pos out[3];
    assert_int_equal(consumer_seek_offsets(in, 3, 1, out), 1);
    assert_pos(&out[0], "t.v1", 2, 49);
}

/* The store and seek positions of a stopped batch meet: what is stored is where it resumes. */
static void test_store_and_seek_agree(void **state)
{
    (void)state;
    struct consumer_pos stored[BATCH_N], seek[BATCH_N];
    for (size_t stop = 1; stop < BATCH_N; stop++) {
        size_t ns = consumer_next_offsets(batch, stop, stored);
        size_t nk = consumer_seek_offsets(batch, BATCH_N, stop, seek);
        for (size_t i = 0; i < ns; i++) {
            for (size_t j = 0; j < nk; j++) {
                if (stored[i].partition == seek[j].partition &&
                    strcmp(stored[i].topic, seek[j].topic) == 0)
                    assert_true(stored[i].offset == seek[j].offset);
            }
        }
    }
}

/* A retry holds only its partition: order.placed.v1/0 offset 11 (index 2) must come again, so
 * offset 12 (index 5) of that partition is pending too, while order.placed.v1/1 and
 * payment.failed.v1/0 are handled whole. Stored: /0 up to 11 (10 was done), /1 at 5,
 * payment.failed/0 at 9; sought back: /0 to 11 alone. */
static void test_split_done_holds_only_the_retrys_partition(void **state)
{
    (void)state;
    const bool done[BATCH_N] = {true, true, false, true, true, false, true};
    struct consumer_pos d[BATCH_N], p[BATCH_N], stored[BATCH_N], seek[BATCH_N];
    size_t nd = consumer_split_done(batch, done, BATCH_N, d, p);
    assert_int_equal(nd, 5);
    size_t ns = consumer_next_offsets(d, nd, stored);
    assert_int_equal(ns, 3);
    assert_pos(&stored[0], "order.placed.v1", 0, 11);
    assert_pos(&stored[1], "order.placed.v1", 1, 5);
    assert_pos(&stored[2], "payment.failed.v1", 0, 9);
    size_t nk = consumer_seek_offsets(p, BATCH_N - nd, 0, seek);
    assert_int_equal(nk, 1);
    assert_pos(&seek[0], "order.placed.v1", 0, 11);
    /* nothing done: everything comes again; everything done: nothing pending */
    const bool none[BATCH_N] = {false}, all[BATCH_N] = {true, true, true, true, true, true, true};
    assert_int_equal(consumer_split_done(batch, none, BATCH_N, d, p), 0);
    assert_int_equal(consumer_seek_offsets(p, BATCH_N, 0, seek), 3);
    assert_int_equal(consumer_split_done(batch, all, BATCH_N, d, p), BATCH_N);
}

/* ---- the restart gate ---- */

static const struct consumer_pos waits[] = {
    {"order.placed.v1", 0, 11}, {"payment.failed.v1", 0, 7}, {"order.placed.v1", 1, 4}};
#define WAITS_N (sizeof waits / sizeof waits[0])

static enum consumer_gate gate(const char *topic, int32_t part, int64_t off, size_t *ret_index)
{
    struct consumer_pos p = {topic, part, off};
    return consumer_gate(waits, WAITS_N, &p, ret_index);
}

static void test_gate_other_partitions_pass(void **state)
{
    (void)state;
    size_t k = 99;
    assert_int_equal(gate("order.placed.v1", 2, 11, &k), CONSUMER_TAKE);
    assert_int_equal(gate("payment.failed.v1", 1, 7, &k), CONSUMER_TAKE);
    assert_int_equal(gate("other.v1", 0, 11, &k), CONSUMER_TAKE);
    assert_int_equal(k, 99); /* untouched when nothing waits */
    struct consumer_pos p = {"order.placed.v1", 0, 11};
    assert_int_equal(consumer_gate(NULL, 0, &p, &k), CONSUMER_TAKE);
}

static void test_gate_restart_and_drops(void **state)
{
    (void)state;
    size_t k = 99;
    assert_int_equal(gate("order.placed.v1", 0, 11, &k), CONSUMER_RESTART);
    assert_int_equal(k, 0);
    /* partition 0 of the other topic is its own wait */
    assert_int_equal(gate("payment.failed.v1", 0, 7, &k), CONSUMER_RESTART);
    assert_int_equal(k, 1);
    assert_int_equal(gate("order.placed.v1", 1, 5, &k), CONSUMER_DROP_AHEAD);
    assert_int_equal(k, 2);
    assert_int_equal(gate("order.placed.v1", 0, 12, &k), CONSUMER_DROP_AHEAD);
    assert_int_equal(gate("order.placed.v1", 0, INT64_MAX, &k), CONSUMER_DROP_AHEAD);
    assert_int_equal(gate("order.placed.v1", 0, 10, &k), CONSUMER_DROP_BEHIND);
    assert_int_equal(gate("order.placed.v1", 0, 0, &k), CONSUMER_DROP_BEHIND);
    assert_int_equal(k, 0);
}

/* A batch stopped at a record: the seek positions become the waits, and the first record the
 * gate lets through on each waiting partition is the one the stored offset points to. */
static void test_gate_follows_seek_positions(void **state)
{
    (void)state;
    struct consumer_pos seek[BATCH_N], stored[BATCH_N];
    size_t ns = consumer_seek_offsets(batch, BATCH_N, 2, seek);
    size_t nc = consumer_next_offsets(batch, 2, stored);
    for (size_t i = 0; i < nc; i++) {
        size_t k = 99;
        assert_int_equal(consumer_gate(seek, ns, &stored[i], &k), CONSUMER_RESTART);
    }
    /* the records after the stop are all held back until their partition restarts */
    for (size_t i = 3; i < BATCH_N; i++) {
        size_t k = 99;
        enum consumer_gate g = consumer_gate(seek, ns, &batch[i], &k);
        assert_true(g == CONSUMER_DROP_AHEAD || g == CONSUMER_RESTART);
    }
}

/* ---- what a handler's result means ---- */

static void test_handler_action_classes(void **state)
{
    (void)state;
    assert_int_equal(consumer_handler_action(OF_OK, 1, 3), CONSUMER_KEEP);
    assert_int_equal(consumer_handler_action(OF_OK, 3, 3), CONSUMER_KEEP);
    /* infrastructure: never counted, never dead-lettered, whatever the attempt */
    assert_int_equal(consumer_handler_action(OF_EUNAVAIL, 1, 3), CONSUMER_ABORT);
    assert_int_equal(consumer_handler_action(OF_EUNAVAIL, 1000, 3), CONSUMER_ABORT);
    /* anything else is the record's: dead-lettered at once */
    assert_int_equal(consumer_handler_action(OF_EPERMANENT, 1, 3), CONSUMER_DEAD);
    assert_int_equal(consumer_handler_action(OF_ENOTFOUND, 1, 3), CONSUMER_DEAD);
    assert_int_equal(consumer_handler_action(OF_ECONFLICT, 1, 3), CONSUMER_DEAD);
    assert_int_equal(consumer_handler_action(-99, 1, 3), CONSUMER_DEAD);
    assert_int_equal(consumer_handler_action(7, 1, 3), CONSUMER_DEAD);
}

/* OF_RETRY_BUDGET = N: a record is tried at most N times. */
static void test_handler_action_budget(void **state)
{
    (void)state;
    assert_int_equal(consumer_handler_action(OF_ERETRY, 1, 3), CONSUMER_RETRY);
    assert_int_equal(consumer_handler_action(OF_ERETRY, 2, 3), CONSUMER_RETRY);
    assert_int_equal(consumer_handler_action(OF_ERETRY, 3, 3), CONSUMER_DEAD);
    assert_int_equal(consumer_handler_action(OF_ERETRY, 4, 3), CONSUMER_DEAD);
    assert_int_equal(consumer_handler_action(OF_ERETRY, 1, 1), CONSUMER_DEAD);
    unsigned tries = 0;
    for (unsigned a = 1; a <= 100; a++) {
        tries++;
        if (consumer_handler_action(OF_ERETRY, a, 8) != CONSUMER_RETRY)
            break;
    }
    assert_int_equal(tries, 8);
}

/* ---- attempt accounting: every failed try backs off further ---- */

static void test_backoff_attempt(void **state)
{
    (void)state;
    /* handler retries alone: as before, the first retry waits the base */
    assert_int_equal(consumer_backoff_attempt(0, 0), 0);
    assert_int_equal(consumer_backoff_attempt(1, 0), 0);
    assert_int_equal(consumer_backoff_attempt(2, 0), 1);
    assert_int_equal(consumer_backoff_attempt(8, 0), 7);
    /* a record that cannot even be handled (no envelope): 0 handler attempts, yet each failed
     * dead letter counts, so the backoff grows instead of staying at the base forever */
    assert_int_equal(consumer_backoff_attempt(0, 1), 0);
    assert_int_equal(consumer_backoff_attempt(0, 2), 1);
    assert_int_equal(consumer_backoff_attempt(0, 9), 8);
    /* a handler's dead-lettering after its budget, then failed dead letters */
    assert_int_equal(consumer_backoff_attempt(3, 1), 3);
    assert_int_equal(consumer_backoff_attempt(3, 4), 6);
    assert_int_equal(consumer_backoff_attempt(UINT_MAX, 5), UINT_MAX - 1); /* no overflow */
    assert_int_equal(consumer_backoff_attempt(5, UINT_MAX), UINT_MAX - 1);
}

/* The backoff that follows grows with the failed dead letters up to its ceiling (the defaults,
 * OF_RETRY_BASE_MS=100 and OF_RETRY_MAX_MS=10000): no more twice a second forever. */
static void test_backoff_grows_with_dead_letter_failures(void **state)
{
    (void)state;
    const struct backoff_policy p = {.base_ms = 100, .max_ms = 10000};
    assert_int_equal(backoff_ceiling_ms(&p, consumer_backoff_attempt(0, 1)), 100);
    assert_int_equal(backoff_ceiling_ms(&p, consumer_backoff_attempt(0, 2)), 200);
    assert_int_equal(backoff_ceiling_ms(&p, consumer_backoff_attempt(0, 4)), 800);
    assert_int_equal(backoff_ceiling_ms(&p, consumer_backoff_attempt(0, 10)), 10000);
    assert_int_equal(backoff_ceiling_ms(&p, consumer_backoff_attempt(0, 1000)), 10000);
    assert_int_equal(backoff_ceiling_ms(&p, consumer_backoff_attempt(8, 2)), 10000);
}

/* ---- record sizes ---- */

static void test_record_limits(void **state)
{
    (void)state;
    assert_true(kafka_max_message_bytes_valid(0));
    assert_true(kafka_max_message_bytes_valid(KAFKA_MAX_MESSAGE_BYTES_MIN));
    assert_true(kafka_max_message_bytes_valid(KAFKA_MAX_MESSAGE_BYTES_DEFAULT));
    assert_true(kafka_max_message_bytes_valid(KAFKA_MAX_MESSAGE_BYTES_MAX));
    assert_false(kafka_max_message_bytes_valid(KAFKA_MAX_MESSAGE_BYTES_MIN - 1));
    assert_false(kafka_max_message_bytes_valid(KAFKA_MAX_MESSAGE_BYTES_MAX + 1L));
    assert_false(kafka_max_message_bytes_valid(-1));
    /* the producers stay a batch's framing below the topics, and above librdkafka's default */
    assert_int_equal(kafka_record_limit(0), 1048576 - KAFKA_BATCH_FRAMING);
    assert_int_equal(kafka_record_limit(KAFKA_MAX_MESSAGE_BYTES_DEFAULT), 1047552);
    assert_true(kafka_record_limit(0) > 1000000);
    assert_int_equal(kafka_record_limit(4194304), 4194304 - KAFKA_BATCH_FRAMING);
    assert_true(KAFKA_BATCH_FRAMING >= 61); /* the v2 record batch header */
}

static void test_headers_size(void **state)
{
    (void)state;
    assert_int_equal(kafka_headers_size(NULL, 0), 0);
    const struct kafka_header h[] = {{"dlq.topic", "probe.event.v1"}, {"traceparent", NULL}};
    assert_int_equal(kafka_headers_size(h, 1), 9 + 14 + 10);
    assert_int_equal(kafka_headers_size(h, 2), 9 + 14 + 10 + 11 + 0 + 10);
}

#define LIMIT 1047552 /* kafka_record_limit(1048576) */

/* What fits is kept whole: the 1,040,000-byte record of the incident, over librdkafka's default
 * message.max.bytes (1,000,000) but within the topics' limit, is dead-lettered whole. */
static void test_dlq_fit_whole(void **state)
{
    (void)state;
    struct consumer_dlq_fit fit;
    assert_false(consumer_dlq_fit(LIMIT, 3, 1040000, 120, 300, &fit));
    assert_int_equal(fit.key_len, 3);
    assert_int_equal(fit.value_len, 1040000);
    assert_true(fit.headers);
    /* exactly at the limit is whole, one byte over is cut */
    size_t exact = LIMIT - KAFKA_RECORD_OVERHEAD - 300 - 120 - 3;
    assert_false(consumer_dlq_fit(LIMIT, 3, exact, 120, 300, &fit));
    assert_int_equal(fit.value_len, exact);
    assert_true(consumer_dlq_fit(LIMIT, 3, exact + 1, 120, 300, &fit));
    assert_false(consumer_dlq_fit(LIMIT, 0, 0, 0, 0, &fit));
    assert_int_equal(fit.value_len, 0);
}

/* A record that reached its topic but does not fit beside the dlq.* headers: the value is cut to
 * what fits, with room kept for the headers that say so. */
static void test_dlq_fit_cuts_the_value(void **state)
{
    (void)state;
    struct consumer_dlq_fit fit;
    size_t value = 1048576 - 200; /* what the topic took (a batch of at most 1 MiB) */
    assert_true(consumer_dlq_fit(LIMIT, 3, value, 120, 300, &fit));
    assert_int_equal(fit.key_len, 3);
    assert_true(fit.headers);
    assert_int_equal(fit.value_len,
                     LIMIT - KAFKA_RECORD_OVERHEAD - 300 - CONSUMER_DLQ_CUT_RESERVE - 3 - 120);
    assert_true(KAFKA_RECORD_OVERHEAD + 300 + CONSUMER_DLQ_CUT_RESERVE + 3 + 120 + fit.value_len <=
                LIMIT);
}

/* Headers too large to fit are dropped (the value then gets the room), and a key too large is
 * cut last: the dead letter always fits, whatever reached the topic. */
static void test_dlq_fit_drops_headers_then_cuts_the_key(void **state)
{
    (void)state;
    struct consumer_dlq_fit fit;
    size_t room = LIMIT - KAFKA_RECORD_OVERHEAD - 300 - CONSUMER_DLQ_CUT_RESERVE;
    assert_true(consumer_dlq_fit(LIMIT, 10, 5000, LIMIT, 300, &fit));
    assert_false(fit.headers);
    assert_int_equal(fit.key_len, 10);
    assert_int_equal(fit.value_len, 5000); /* the value fits once the headers are gone */
    assert_true(consumer_dlq_fit(LIMIT, 10, LIMIT, room - 10 + 1, 300, &fit));
    assert_false(fit.headers);
    assert_int_equal(fit.value_len, room - 10);
    /* headers that fit are kept ahead of the value */
    assert_true(consumer_dlq_fit(LIMIT, 10, LIMIT, room - 10, 300, &fit));
    assert_true(fit.headers);
    assert_int_equal(fit.value_len, 0);
    assert_true(consumer_dlq_fit(LIMIT, 2 * (size_t)LIMIT, 7, 50, 300, &fit));
    assert_int_equal(fit.key_len, room);
    assert_false(fit.headers);
    assert_int_equal(fit.value_len, 0);
    /* a limit below the dlq.* headers themselves: nothing of the record is left */
    assert_true(consumer_dlq_fit(200, 5, 5, 5, 300, &fit));
    assert_int_equal(fit.key_len + fit.value_len, 0);
    assert_false(fit.headers);
}

/* Whatever the sizes, a cut letter is within the limit with the reserve kept, and a kept whole
 * one within the limit: checked over a grid around the edges. */
static void test_dlq_fit_always_fits(void **state)
{
    (void)state;
    const size_t sizes[] = {0, 1, 100, 4000, LIMIT / 2, LIMIT - 500, LIMIT, 3 * (size_t)LIMIT};
    const size_t limits[] = {CONSUMER_DLQ_FALLBACK_LIMIT, 65536 - KAFKA_BATCH_FRAMING, LIMIT};
    const size_t n = sizeof sizes / sizeof sizes[0];
    for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++)
        for (size_t k = 0; k < n; k++)
            for (size_t v = 0; v < n; v++)
                for (size_t h = 0; h < n; h++) {
                    struct consumer_dlq_fit fit;
                    bool cut = consumer_dlq_fit(limits[l], sizes[k], sizes[v], sizes[h], 400, &fit);
                    size_t total = KAFKA_RECORD_OVERHEAD + 400 + fit.key_len + fit.value_len +
                                   (fit.headers ? sizes[h] : 0) +
                                   (cut ? CONSUMER_DLQ_CUT_RESERVE : 0);
                    assert_true(total <= limits[l]);
                    assert_true(fit.key_len <= sizes[k] && fit.value_len <= sizes[v]);
                    assert_true(cut || (fit.key_len == sizes[k] && fit.value_len == sizes[v] &&
                                        fit.headers));
                }
}

/* ---- lag: counted from the first unhandled record ---- */

static void test_partition_lag(void **state)
{
    (void)state;
    assert_int_equal(consumer_partition_lag(100, 100, -1), 0); /* all handled */
    assert_int_equal(consumer_partition_lag(100, 90, -1), 10);
    /* a record at 40 keeps failing: the records behind it were fetched (position at the high
     * watermark), none is handled, and the lag says so */
    assert_int_equal(consumer_partition_lag(100, 100, 40), 60);
    assert_int_equal(consumer_partition_lag(100, 41, 40), 60);
    assert_int_equal(consumer_partition_lag(100, 30, 40), 70); /* sought back below it */
    assert_int_equal(consumer_partition_lag(100, RD_OFFSET_INVALID, 40), 60);
    /* unknown watermark or position: nothing to say */
    assert_int_equal(consumer_partition_lag(-1, 10, -1), 0);
    assert_int_equal(consumer_partition_lag(-1, 10, 5), 0);
    assert_int_equal(consumer_partition_lag(100, RD_OFFSET_INVALID, -1), 0);
    assert_int_equal(consumer_partition_lag(10, 20, -1), 0); /* a stale watermark */
}

/* ---- a handler's reason ---- */

static void test_fail_fills_the_slot(void **state)
{
    (void)state;
    char slot[64] = "old";
    struct consumer_ctx ctx = {.error = slot, .error_len = sizeof slot};
    assert_int_equal(consumer_fail(&ctx, "data.%s: too long", "name"), OF_EPERMANENT);
    assert_string_equal(slot, "data.name: too long");
    assert_int_equal(consumer_retry(&ctx, "store: %d rows locked", 3), OF_ERETRY);
    assert_string_equal(slot, "store: 3 rows locked");
    /* one line: control characters become spaces */
    assert_int_equal(consumer_fail(&ctx, "a\nb\tc\r\x7f"
                                         "d"),
                     OF_EPERMANENT);
    assert_string_equal(slot, "a b c  d");
}

static void test_fail_without_a_slot(void **state)
{
    (void)state;
    struct consumer_ctx none = {0};
    assert_int_equal(consumer_fail(&none, "data.x: bad"), OF_EPERMANENT);
    assert_int_equal(consumer_retry(&none, "data.x: busy"), OF_ERETRY);
    char slot[4] = "abc";
    struct consumer_ctx empty = {.error = slot, .error_len = 0};
    assert_int_equal(consumer_fail(&empty, "data.x: bad"), OF_EPERMANENT);
    assert_string_equal(slot, "abc"); /* a zero-length slot is never written */
}

/* A long reason is cut to the slot at a character boundary, never inside a UTF-8 sequence. */
static void test_fail_cuts_at_a_character(void **state)
{
    (void)state;
    char slot[8];
    struct consumer_ctx ctx = {.error = slot, .error_len = sizeof slot};
    assert_int_equal(consumer_fail(&ctx, "data.name: too long"), OF_EPERMANENT);
    assert_string_equal(slot, "data.na");
    /* "ab" then three 2-byte characters: 7 bytes fit, the third character would be split */
    assert_int_equal(consumer_fail(&ctx, "ab\xc3\xa9\xc3\xa9\xc3\xa9"), OF_EPERMANENT);
    assert_string_equal(slot, "ab\xc3\xa9\xc3\xa9");
    assert_int_equal(consumer_fail(&ctx, "abcd\xe2\x82\xac!"), OF_EPERMANENT); /* euro sign */
    assert_string_equal(slot, "abcd\xe2\x82\xac");
    assert_int_equal(consumer_fail(&ctx, "abcde\xe2\x82\xac"), OF_EPERMANENT);
    assert_string_equal(slot, "abcde");
    assert_int_equal(consumer_fail(&ctx, "abc\xf0\x9f\x8d\x95"), OF_EPERMANENT); /* 4 bytes fit */
    assert_string_equal(slot, "abc\xf0\x9f\x8d\x95");
    assert_int_equal(consumer_fail(&ctx, "abcd\xf0\x9f\x8d\x95"), OF_EPERMANENT);
    assert_string_equal(slot, "abcd");
}

static void test_error_text(void **state)
{
    (void)state;
    char t[256];
    consumer_error_text(OF_EPERMANENT, CONSUMER_DEAD, "data.reject: asked to", t, sizeof t);
    assert_string_equal(t, "data.reject: asked to"); /* exactly the handler's reason */
    consumer_error_text(OF_EPERMANENT, CONSUMER_DEAD, NULL, t, sizeof t);
    assert_string_equal(t, "handler: permanent");
    consumer_error_text(OF_ECONFLICT, CONSUMER_DEAD, "", t, sizeof t);
    assert_string_equal(t, "handler: conflict");
    consumer_error_text(OF_ERETRY, CONSUMER_RETRY, "store: busy", t, sizeof t);
    assert_string_equal(t, "store: busy");
    consumer_error_text(OF_ERETRY, CONSUMER_RETRY, NULL, t, sizeof t);
    assert_string_equal(t, "handler: retryable");
    consumer_error_text(OF_ERETRY, CONSUMER_DEAD, "store: busy", t, sizeof t);
    assert_string_equal(t, "retry budget spent: store: busy");
    consumer_error_text(OF_ERETRY, CONSUMER_DEAD, NULL, t, sizeof t);
    assert_string_equal(t, "retry budget spent: handler: retryable");
    consumer_error_text(OF_EUNAVAIL, CONSUMER_ABORT, NULL, t, sizeof t);
    assert_string_equal(t, "handler: unavailable");
    /* the prefix can push a reason that fitted its slot past the end: cut, whole characters */
    char small[24];
    consumer_error_text(OF_ERETRY, CONSUMER_DEAD, "\xc3\xa9\xc3\xa9", small, sizeof small);
    assert_string_equal(small, "retry budget spent: \xc3\xa9");
}

/* ---- entry points without servers ---- */

static int noop_handler(struct consumer_ctx *ctx, const struct envelope *ev)
{
    (void)ctx;
    (void)ev;
    return OF_OK;
}

static struct consumer_config base_config(const struct event_handler *h, size_t n)
{
    return (struct consumer_config){.conninfo = "dbname=none",
                                    .schema = "orders",
                                    .service = "test-svc",
                                    .brokers = NOWHERE,
                                    .handlers = h,
                                    .n_handlers = n,
                                    .batch_max = 10,
                                    .backoff = {.base_ms = 10, .max_ms = 100},
                                    .retry_budget = 3,
                                    .message_timeout_ms = 500};
}

static void test_consumer_without_handlers(void **state)
{
    (void)state;
    struct consumer_config cfg = base_config(NULL, 0);
    struct consumer *c = NULL;
    char err[256] = "";
    assert_int_equal(consumer_start(&cfg, &c, err, sizeof err), OF_OK);
    assert_non_null(c);
    assert_true(consumer_running(c));
    consumer_stop(c);
    consumer_stop(NULL);
    assert_false(consumer_running(NULL));
}

static void test_consumer_rejects_bad_config(void **state)
{
    (void)state;
    const struct event_handler h[] = {{"order.placed.v1", noop_handler, NULL}};
    const char *bad_schemas[] = {"Orders", "orders; DROP TABLE x", "", "1orders", "or-ders", NULL};
    for (size_t i = 0; i < sizeof bad_schemas / sizeof bad_schemas[0]; i++) {
        struct consumer_config cfg = base_config(h, 1);
        cfg.schema = bad_schemas[i];
        struct consumer *c = (struct consumer *)0x1;
        char err[256] = "";
        assert_int_equal(consumer_start(&cfg, &c, err, sizeof err), OF_EPERMANENT);
        assert_ptr_equal(c, (struct consumer *)0x1);
        assert_non_null(strstr(err, "schema"));
    }
    struct consumer_config cfg = base_config(h, 1);
    cfg.batch_max = 0;
    struct consumer *c = NULL;
    char err[256] = "";
    assert_int_equal(consumer_start(&cfg, &c, err, sizeof err), OF_EPERMANENT);
    assert_null(c);
    cfg = base_config(h, 1);
    cfg.max_message_bytes = 1000;
    assert_int_equal(consumer_start(&cfg, &c, err, sizeof err), OF_EPERMANENT);
    assert_null(c);
    assert_non_null(strstr(err, "max_message_bytes"));
    const struct event_handler no_fn[] = {{"order.placed.v1", NULL, NULL}};
    cfg = base_config(no_fn, 1);
    assert_int_equal(consumer_start(&cfg, &c, err, sizeof err), OF_EPERMANENT);
    assert_null(c);
}

/* Starts against a broker that is not there, never joins, and still stops cleanly. */
static void test_consumer_start_stop_without_broker(void **state)
{
    (void)state;
    const struct event_handler h[] = {{"order.placed.v1", noop_handler, NULL},
                                      {"order.placed.v1", noop_handler, NULL}};
    struct consumer_config cfg = base_config(h, 2);
    struct consumer *c = NULL;
    char err[256] = "";
    assert_int_equal(consumer_start(&cfg, &c, err, sizeof err), OF_OK);
    assert_false(consumer_running(c));
    int64_t t0 = time_monotonic_ms();
    consumer_stop(c);
    assert_true(time_monotonic_ms() - t0 < 10000);
}

static void test_producer_config_errors(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(kafka_producer_new(NOWHERE, "t", 0, 0, err, sizeof err));
    assert_non_null(strstr(err, "timeout"));
    err[0] = '\0';
    assert_null(
        kafka_producer_new(NOWHERE, "t", 500, KAFKA_MAX_MESSAGE_BYTES_MIN - 1, err, sizeof err));
    assert_non_null(strstr(err, "largest message"));
    assert_null(kafka_producer_new(NOWHERE, "t", 500, -5, err, sizeof err));
    assert_null(
        kafka_producer_new(NOWHERE, "t", 500, KAFKA_MAX_MESSAGE_BYTES_MAX + 1, err, sizeof err));
    const char *const kv[] = {"no.such.property", "1", NULL};
    err[0] = '\0';
    assert_null(kafka_conf_new(NOWHERE, "t", kv, err, sizeof err));
    assert_non_null(strstr(err, "no.such.property"));
    kafka_producer_free(NULL, 0);
}

/* Without a broker every message times out: each gets OF_ERETRY, and the batch returns only
 * after every delivery report came (bounded by message.timeout.ms). */
static void test_produce_batch_without_broker(void **state)
{
    (void)state;
    char err[256] = "";
    struct kafka_producer *p = kafka_producer_new(NOWHERE, "test", 500, 0, err, sizeof err);
    assert_non_null(p);
    const struct kafka_header h[] = {{"event_type", "order.placed"}, {"traceparent", NULL}};
    struct kafka_msg m[3] = {
        {.topic = "order.placed.v1",
         .key = "k1",
         .key_len = 2,
         .value = "{}",
         .value_len = 2,
         .headers = h,
         .n_headers = 2,
         .status = 12345},
        {.topic = "order.placed.v1", .key = NULL, .value = "{}", .value_len = 2, .status = 12345},
        {.topic = "other.v1", .key = "k3", .key_len = 2, .value = NULL, .status = OF_OK},
    };
    int64_t t0 = time_monotonic_ms();
    assert_int_equal(kafka_produce_batch(p, m, 3), 0);
    int64_t took = time_monotonic_ms() - t0;
    assert_true(took >= 400 && took < 10000);
    for (int i = 0; i < 3; i++)
        assert_int_equal(m[i].status, OF_ERETRY);
    assert_int_equal(kafka_produce_batch(p, m, 0), 0);
    assert_false(kafka_producer_failed(p));
    assert_int_equal(kafka_producer_ping(p, 200), OF_ERETRY);
    kafka_producer_free(p, 100);
}

/* A message that cannot be enqueued (too large) stops the batch there: the messages after it are
 * not produced, so the call does not wait for their (timed-out) delivery reports. It is told
 * apart as OF_EPERMANENT (producing it again will not help); the ones after it are OF_ERETRY. */
static void test_produce_batch_stops_at_enqueue_failure(void **state)
{
    (void)state;
    char err[256] = "";
    struct kafka_producer *p = kafka_producer_new(NOWHERE, "test", 2000, 0, err, sizeof err);
    assert_non_null(p);
    size_t big_len = 2 * 1000 * 1000; /* above message.max.bytes (kafka_record_limit(0)) */
    char *big = calloc(1, big_len);
    assert_non_null(big);
    struct kafka_msg m[3] = {
        {.topic = "order.placed.v1", .key = "k", .key_len = 1, .value = big, .value_len = big_len},
        {.topic = "order.placed.v1", .key = "k", .key_len = 1, .value = "{}", .value_len = 2},
        {.topic = "order.placed.v1",
         .key = "k",
         .key_len = 1,
         .value = "{}",
         .value_len = 2,
         .status = OF_OK},
    };
    int64_t t0 = time_monotonic_ms();
    assert_int_equal(kafka_produce_batch(p, m, 3), 0);
    assert_true(time_monotonic_ms() - t0 < 1500); /* no delivery report was waited for */
    assert_int_equal(m[0].status, OF_EPERMANENT);
    for (int i = 1; i < 3; i++)
        assert_int_equal(m[i].status, OF_ERETRY);
    free(big);
    assert_int_equal(kafka_producer_ping(p, 100), OF_ERETRY);
    kafka_producer_free(p, 100);
}

/* Produces one message of len bytes with a producer for topics of max_message_bytes; returns its
 * status and whether it was refused at once (without waiting for a delivery report). */
static int produce_one(int max_message_bytes, size_t len, bool *ret_at_once)
{
    char err[256] = "";
    struct kafka_producer *p =
        kafka_producer_new(NOWHERE, "test", 500, max_message_bytes, err, sizeof err);
    assert_non_null(p);
    char *value = calloc(1, len);
    assert_non_null(value);
    struct kafka_msg m = {
        .topic = "probe.event.v1", .key = "k", .key_len = 1, .value = value, .value_len = len};
    int64_t t0 = time_monotonic_ms();
    kafka_produce_batch(p, &m, 1);
    *ret_at_once = time_monotonic_ms() - t0 < 300; /* the message timeout is 500 ms */
    free(value);
    kafka_producer_free(p, 0);
    return m.status;
}

/* The producer's message.max.bytes follows the setting: a record is taken (and then times out,
 * there being no broker) up to kafka_record_limit(), and refused at once for good above it. The
 * incident's 1,040,000 bytes, which librdkafka's own default refuses, are taken by default. */
static void test_producer_takes_records_up_to_its_limit(void **state)
{
    (void)state;
    bool at_once = false;
    assert_int_equal(produce_one(0, 1040000, &at_once), OF_ERETRY);
    assert_false(at_once);
    assert_int_equal(produce_one(0, kafka_record_limit(0) - KAFKA_RECORD_OVERHEAD - 1, &at_once),
                     OF_ERETRY);
    assert_false(at_once);
    assert_int_equal(produce_one(0, kafka_record_limit(0), &at_once), OF_EPERMANENT);
    assert_true(at_once);
    assert_int_equal(produce_one(KAFKA_MAX_MESSAGE_BYTES_MIN, 100000, &at_once), OF_EPERMANENT);
    assert_true(at_once);
    assert_int_equal(produce_one(4194304, 2000000, &at_once), OF_ERETRY);
    assert_false(at_once);
}

static void test_ensure_topics_without_broker(void **state)
{
    (void)state;
    char err[256] = "";
    assert_int_equal(kafka_ensure_topics(NOWHERE, NULL, 0, 6, 1, 0, 500, err, sizeof err), OF_OK);
    const char *names[] = {"order.placed.v1"};
    assert_int_equal(kafka_ensure_topics(NOWHERE, names, 1, 6, 1, 0, 500, err, sizeof err),
                     OF_ERETRY);
    assert_true(err[0] != '\0');
    err[0] = '\0';
    assert_int_equal(kafka_ensure_topics(NOWHERE, names, 1, -5, 1, 0, 500, err, sizeof err),
                     OF_EPERMANENT);
    assert_non_null(strstr(err, "order.placed.v1"));
    err[0] = '\0';
    assert_int_equal(kafka_ensure_topics(NOWHERE, names, 1, 6, 1, 1000, 500, err, sizeof err),
                     OF_EPERMANENT); /* refused before any request */
    assert_non_null(strstr(err, "largest message"));
}

static void test_outbox_append_rejects_before_sql(void **state)
{
    (void)state;
    struct envelope ev = {.event_type = "no.such.event", .event_version = 1};
    /* no connection is needed: both are refused before any SQL */
    assert_int_equal(outbox_append(NULL, "orders", "k", &ev), OF_EPERMANENT);
    struct envelope ok = {.event_type = "order.placed", .event_version = 1};
    assert_int_equal(outbox_append(NULL, "orders\"; DROP", "k", &ok), OF_EPERMANENT);
    assert_int_equal(outbox_append(NULL, "orders", NULL, &ok), OF_EPERMANENT);
}

/* Fixed vectors: outbox_lock_key must never change, as every instance (and every version) of a
 * service must lock the same key. Each is FNV-1a 64 of the key (the reference values for "", "a"
 * and "foobar"), folded (h ^ h >> 48, low 48 bits) under the class 0x6f62. */
static void test_outbox_lock_key_is_stable(void **state)
{
    (void)state;
    /* FNV-1a 64 "" = 0xcbf29ce484222325 */
    assert_true(outbox_lock_key("") == INT64_C(0x6f629ce48422e8d7));
    assert_true(outbox_lock_key(NULL) == outbox_lock_key(""));
    /* "a" = 0xaf63dc4c8601ec8c, "foobar" = 0x85944171f73967e8 */
    assert_true(outbox_lock_key("a") == INT64_C(0x6f62dc4c860143ef));
    assert_true(outbox_lock_key("foobar") == INT64_C(0x6f624171f739e27c));
    assert_true(outbox_lock_key("order-a") == INT64_C(0x6f62309f34bebe99));
    assert_true(outbox_lock_key("\xc3\xa9") == INT64_C(0x6f621707b71814c3)); /* bytes, not chars */
}

/* The lock a service takes: stable vectors (computed apart from this code), different per schema
 * for one key, and in its own class 0x6f73, away from the unscoped class and hashtext() keys. */
static void test_outbox_lock_scoped(void **state)
{
    (void)state;
    int64_t order_a = outbox_lock_key("order-a");
    assert_true(outbox_lock_scoped("orders", order_a) == INT64_C(0x6f735ebb11497f16));
    assert_true(outbox_lock_scoped("inventory", order_a) == INT64_C(0x6f73a03f4fc2dfba));
    assert_true(outbox_lock_scoped("", 0) == INT64_C(0x6f73823a2490cfbb));
    assert_true(outbox_lock_scoped(NULL, 0) == outbox_lock_scoped("", 0));
    assert_true(outbox_lock_scoped("orders", -1) == INT64_C(0x6f7321300a231024));
    /* "order" + "s..." must not meet "orders" + "...": the schema ends with a 0 byte. */
    assert_true(outbox_lock_scoped("order", order_a) != outbox_lock_scoped("orders", order_a));
    for (int64_t k = 0; k < 1000; k++) {
        int64_t s = outbox_lock_scoped("payment", k);
        assert_true(s > 0);
        assert_true((uint64_t)s >> 48 == 0x6f73);
        assert_true(s != outbox_lock_scoped("business", k));
    }
}

/* Different keys lock differently (no collision among many similar ones), and every key is in
 * its class: positive, top 16 bits 0x6f62, so never a hashtext() (int4) key. */
static void test_outbox_lock_key_differs_per_key(void **state)
{
    (void)state;
    enum { N = 2000 };
    int64_t *keys = calloc(N, sizeof *keys);
    assert_non_null(keys);
    char key[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "order-%d", i);
        keys[i] = outbox_lock_key(key);
        assert_true(keys[i] > INT32_MAX);
        assert_true((uint64_t)keys[i] >> 48 == 0x6f62);
        assert_true(keys[i] == outbox_lock_key(key)); /* deterministic */
    }
    assert_int_equal(consumer_sort_keys(keys, N), N);
    assert_true(outbox_lock_key("order-1") != outbox_lock_key("order-1 "));
    assert_true(outbox_lock_key("ab") != outbox_lock_key("ba"));
    free(keys);
}

/* kafka_producer_renew keeps a working producer, makes a missing one, and reports a failure. */
static void test_producer_renew(void **state)
{
    (void)state;
    struct kafka_producer *p = NULL;
    char err[256] = "";
    assert_int_equal(kafka_producer_renew(&p, NOWHERE, "t", 500, 0, err, sizeof err), OF_OK);
    assert_non_null(p);
    struct kafka_producer *first = p;
    assert_int_equal(kafka_producer_renew(&p, NOWHERE, "t", 500, 0, err, sizeof err), OF_OK);
    assert_ptr_equal(p, first); /* kept, not remade */
    kafka_producer_free(p, 0);
    p = NULL;
    assert_int_equal(kafka_producer_renew(&p, NOWHERE, "t", 0, 0, err, sizeof err), OF_ERETRY);
    assert_null(p);
    assert_non_null(strstr(err, "timeout"));
}

/* db_conn_ensure with Postgres unreachable: OF_EUNAVAIL, the reason, and nothing left open. */
static void test_dbconn_unreachable(void **state)
{
    (void)state;
    PGconn *c = NULL;
    char err[256] = "";
    int rc = db_conn_ensure(&c, "host=127.0.0.1 port=1 dbname=none connect_timeout=2", "t", err,
                            sizeof err);
    assert_int_equal(rc, OF_EUNAVAIL);
    assert_null(c);
    assert_true(err[0] != '\0');
}

static void test_relay_rejects_bad_config(void **state)
{
    (void)state;
    struct outbox_relay_config cfg = {.conninfo = "dbname=none",
                                      .schema = "Orders",
                                      .brokers = NOWHERE,
                                      .client_id = "t",
                                      .batch = 10,
                                      .poll_ms = 100,
                                      .message_timeout_ms = 500};
    struct outbox_relay *r = NULL;
    char err[256] = "";
    assert_int_equal(outbox_relay_start(&cfg, &r, err, sizeof err), OF_EPERMANENT);
    assert_null(r);
    assert_non_null(strstr(err, "schema"));
    cfg.schema = "orders";
    cfg.batch = 0;
    assert_int_equal(outbox_relay_start(&cfg, &r, err, sizeof err), OF_EPERMANENT);
    assert_null(r);
    cfg.batch = 10;
    cfg.max_message_bytes = KAFKA_MAX_MESSAGE_BYTES_MAX + 1;
    assert_int_equal(outbox_relay_start(&cfg, &r, err, sizeof err), OF_EPERMANENT);
    assert_null(r);
    assert_non_null(strstr(err, "largest message"));
    assert_false(outbox_relay_running(NULL));
    outbox_relay_stop(NULL);
}

/* With Postgres unreachable the relay keeps retrying in the background and stops promptly. */
static void test_relay_start_stop_without_servers(void **state)
{
    (void)state;
    struct outbox_relay_config cfg = {.conninfo = "host=127.0.0.1 port=1 dbname=none",
                                      .schema = "orders",
                                      .brokers = NOWHERE,
                                      .client_id = "t",
                                      .batch = 10,
                                      .poll_ms = 100,
                                      .message_timeout_ms = 500};
    struct outbox_relay *r = NULL;
    char err[256] = "";
    assert_int_equal(outbox_relay_start(&cfg, &r, err, sizeof err), OF_OK);
    assert_non_null(r);
    assert_false(outbox_relay_running(r));
    int64_t t0 = time_monotonic_ms();
    outbox_relay_stop(r);
    assert_true(time_monotonic_ms() - t0 < 7000);
}

int main(void)
{
    log_init("test", LOG_ERROR); /* librdkafka complains loudly about the missing broker */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_keys_empty_and_one),
        cmocka_unit_test(test_sort_keys_sorts_and_dedupes),
        cmocka_unit_test(test_sort_keys_all_equal),
        cmocka_unit_test(test_sort_keys_reverse),
        cmocka_unit_test(test_next_offsets_whole_batch),
        cmocka_unit_test(test_next_offsets_prefix),
        cmocka_unit_test(test_next_offsets_same_partition_number_other_topic),
        cmocka_unit_test(test_next_offsets_takes_highest),
        cmocka_unit_test(test_seek_offsets_from_middle),
        cmocka_unit_test(test_seek_offsets_whole_batch_and_none),
        cmocka_unit_test(test_seek_offsets_takes_lowest),
        cmocka_unit_test(test_store_and_seek_agree),
        cmocka_unit_test(test_split_done_holds_only_the_retrys_partition),
        cmocka_unit_test(test_gate_other_partitions_pass),
        cmocka_unit_test(test_gate_restart_and_drops),
        cmocka_unit_test(test_gate_follows_seek_positions),
        cmocka_unit_test(test_handler_action_classes),
        cmocka_unit_test(test_handler_action_budget),
        cmocka_unit_test(test_backoff_attempt),
        cmocka_unit_test(test_backoff_grows_with_dead_letter_failures),
        cmocka_unit_test(test_record_limits),
        cmocka_unit_test(test_headers_size),
        cmocka_unit_test(test_dlq_fit_whole),
        cmocka_unit_test(test_dlq_fit_cuts_the_value),
        cmocka_unit_test(test_dlq_fit_drops_headers_then_cuts_the_key),
        cmocka_unit_test(test_dlq_fit_always_fits),
        cmocka_unit_test(test_partition_lag),
        cmocka_unit_test(test_fail_fills_the_slot),
        cmocka_unit_test(test_fail_without_a_slot),
        cmocka_unit_test(test_fail_cuts_at_a_character),
        cmocka_unit_test(test_error_text),
        cmocka_unit_test(test_consumer_without_handlers),
        cmocka_unit_test(test_consumer_rejects_bad_config),
        cmocka_unit_test(test_consumer_start_stop_without_broker),
        cmocka_unit_test(test_producer_config_errors),
        cmocka_unit_test(test_produce_batch_without_broker),
        cmocka_unit_test(test_produce_batch_stops_at_enqueue_failure),
        cmocka_unit_test(test_producer_takes_records_up_to_its_limit),
        cmocka_unit_test(test_ensure_topics_without_broker),
        cmocka_unit_test(test_outbox_append_rejects_before_sql),
        cmocka_unit_test(test_outbox_lock_key_is_stable),
        cmocka_unit_test(test_outbox_lock_key_differs_per_key),
        cmocka_unit_test(test_outbox_lock_scoped),
        cmocka_unit_test(test_producer_renew),
        cmocka_unit_test(test_dbconn_unreachable),
        cmocka_unit_test(test_relay_rejects_bad_config),
        cmocka_unit_test(test_relay_start_stop_without_servers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
