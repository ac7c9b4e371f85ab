/* Kafka over librdkafka: an idempotent producer with batch delivery, and topic creation. */
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
    int status; /* out: OF_OK when delivered, OF_ERETRY when not (with the reason logged) */
};

/* Creates a producer with enable.idempotence=true and acks=all. client_id names the service.
 * Returns NULL with a message in err. */
struct kafka_producer *kafka_producer_new(const char *brokers, const char *client_id,
                                          int message_timeout_ms, char *err, size_t errlen);
/* Enqueues the messages in order, then waits for every delivery report (bounded by the message
 * timeout) and sets each msg->status. Enqueueing stops at the first message that cannot be
 * enqueued (a full queue is waited out): it and every later one get OF_ERETRY without being
 * produced, so a key is never reordered; callers keep every message from the first failure on.
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
 * kafka_producer_new(brokers, client_id, message_timeout_ms). Logs nothing. Returns OF_OK, or
 * OF_ERETRY with the reason in err and *p NULL (try again later). */
int kafka_producer_renew(struct kafka_producer **p, const char *brokers, const char *client_id,
                         int message_timeout_ms, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Flushes outstanding messages (up to timeout_ms) and destroys the producer. NULL is a no-op. */
void kafka_producer_free(struct kafka_producer *p, int timeout_ms);

/* Creates the named topics with the admin API; topics that exist already are fine. Returns
 * OF_OK, or an error code with the first failure in err. */
int kafka_ensure_topics(const char *brokers, const char *const *names, size_t n, int partitions,
                        int replication, int timeout_ms, char *err, size_t errlen);

/* A librdkafka configuration with bootstrap.servers and client.id set, librdkafka's own log lines
 * and error events routed to log.h, and then the NULL-terminated key/value pairs kv (may be NULL)
 * applied. For the consumer loop, which makes its own handle. Returns the configuration (give it
 * to rd_kafka_new, which takes it on success, or rd_kafka_conf_destroy it), or NULL with err. */
struct rd_kafka_conf_s *kafka_conf_new(const char *brokers, const char *client_id,
                                       const char *const *kv, char *err, size_t errlen);

#endif
