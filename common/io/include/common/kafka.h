/* Kafka over librdkafka: an idempotent producer with batch delivery, topic creation, and the
 * record size limits they share. */
#ifndef COMMON_KAFKA_H
#define COMMON_KAFKA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kafka_producer;
struct rd_kafka_conf_s; /* librdkafka's rd_kafka_conf_t */

struct kafka_header {
    const char *name;
    const char *value; /* NUL-terminated */
};

struct kafka_msg {
    const char *topic;
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
    const struct kafka_header *headers;
    size_t n_headers;
    int status; /* out: OF_OK when delivered; OF_EPERMANENT when Kafka refused it as too large
                   (librdkafka's message.max.bytes or the topic's max.message.bytes), which
                   producing it again will not change; OF_ERETRY when not delivered otherwise
                   (with the reason logged) */
};

/* ---- record size limits ----
 * One setting bounds a record everywhere (OF_KAFKA_MAX_MESSAGE_BYTES, max_message_bytes below):
 * topics are created with it as their max.message.bytes, which the broker enforces on every record
 * batch; the producers' message.max.bytes, which librdkafka checks each record against when it is
 * produced, is kafka_record_limit() of it, so whatever a producer takes its topic accepts; the
 * consumer fetches records of that size in one go (max.partition.fetch.bytes). 0 stands for the
 * default wherever max_message_bytes is taken. */
#define KAFKA_MAX_MESSAGE_BYTES_DEFAULT 1048576
#define KAFKA_MAX_MESSAGE_BYTES_MIN     65536
#define KAFKA_MAX_MESSAGE_BYTES_MAX     16777216
/* What a record batch adds around its records (61 bytes of batch header in format v2), with room
 * to spare; librdkafka's message.max.bytes check leaves it out. */
#define KAFKA_BATCH_FRAMING 1024
/* The most a record adds to its key, value and headers, as librdkafka counts it for format v2
 * (length, attributes, timestamp and offset deltas, key and value lengths, header count). */
#define KAFKA_RECORD_OVERHEAD 36

/* Whether max_message_bytes is 0 or within [KAFKA_MAX_MESSAGE_BYTES_MIN, _MAX] (pure). */
bool kafka_max_message_bytes_valid(long max_message_bytes);
/* The producers' message.max.bytes for topics of max_message_bytes (0: the default): the largest
 * record they send, counted as KAFKA_RECORD_OVERHEAD + key + value + kafka_headers_size() (pure;
 * max_message_bytes must be valid). */
size_t kafka_record_limit(int max_message_bytes);
/* An upper bound of what headers[0..n-1] add to a record, as librdkafka counts them: each one's
 * name and value (a NULL value counts as "") and their two length varints (pure). */
size_t kafka_headers_size(const struct kafka_header *headers, size_t n);

/* Creates a producer with enable.idempotence=true, acks=all and message.max.bytes
 * kafka_record_limit(max_message_bytes) (0: the default). client_id names the service. Returns NULL
 * with a message in err (also for a timeout that is not positive or an invalid size). */
struct kafka_producer *kafka_producer_new(const char *brokers, const char *client_id,
                                          int message_timeout_ms, int max_message_bytes, char *err,
                                          size_t errlen);
/* Enqueues the messages in order, then waits for every delivery report (bounded by the message
 * timeout) and sets each msg->status. Enqueueing stops at the first message that cannot be
 * enqueued (a full queue is waited out): it gets OF_EPERMANENT when it is too large and
 * OF_ERETRY otherwise, every later one OF_ERETRY, none of them produced, so a key is never
 * reordered; callers keep every message from the first failure on.
 * Returns the number delivered. Never one round trip per message. */
size_t kafka_produce_batch(struct kafka_producer *p, struct kafka_msg *msgs, size_t n);
/* Serves the producer's queued events, then waits up to timeout_ms for the broker to answer a
 * metadata request: OF_OK or OF_ERETRY. */
int kafka_producer_ping(struct kafka_producer *p, int timeout_ms);
/* Asks the broker, through p, whether every topic of names[0..n-1] exists: OF_OK when all do,
 * OF_ENOTFOUND when one does not (or is in error), OF_ERETRY when the metadata request failed.
 * Lets a daemon that restarts skip creating topics that are there already. */
int kafka_producer_has_topics(struct kafka_producer *p, const char *const *names, size_t n,
                              int timeout_ms) __attribute__((warn_unused_result));
/* True once the idempotent producer has raised a fatal error: it will never deliver again, so the
 * owner frees it and makes a new one. */
bool kafka_producer_failed(struct kafka_producer *p);
/* Makes *p a producer that can deliver, for owners that keep one across failures: a working one
 * is kept; NULL, or one that raised a fatal error, is freed (without waiting) and replaced by
 * kafka_producer_new(brokers, client_id, message_timeout_ms, max_message_bytes). Logs nothing.
 * Returns OF_OK, or OF_ERETRY with the reason in err and *p NULL (try again later). */
int kafka_producer_renew(struct kafka_producer **p, const char *brokers, const char *client_id,
                         int message_timeout_ms, int max_message_bytes, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Flushes outstanding messages (up to timeout_ms) and destroys the producer. NULL is a no-op. */
void kafka_producer_free(struct kafka_producer *p, int timeout_ms);

/* Creates the named topics with the admin API, each with max.message.bytes max_message_bytes (0:
 * the default); topics that exist already are fine and left as they are (their max.message.bytes
 * is not changed: docs/operations.md says how). Returns OF_OK, or an error code with the first
 * failure in err (OF_EPERMANENT for an invalid size). */
int kafka_ensure_topics(const char *brokers, const char *const *names, size_t n, int partitions,
                        int replication, int max_message_bytes, int timeout_ms, char *err,
                        size_t errlen);

/* A librdkafka configuration with bootstrap.servers and client.id set, TCP_NODELAY on broker
 * sockets (socket.nagle.disable: small requests never wait for a delayed ACK), librdkafka's own log
 * lines and error events routed to log.h, and then the NULL-terminated key/value pairs kv (may be
 * NULL) applied. For the consumer loop, which makes its own handle. Returns the configuration (give
 * it to rd_kafka_new, which takes it on success, or rd_kafka_conf_destroy it), or NULL with err. */
struct rd_kafka_conf_s *kafka_conf_new(const char *brokers, const char *client_id,
                                       const char *const *kv, char *err, size_t errlen);

#endif
