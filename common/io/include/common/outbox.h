/* The transactional outbox: appending events inside a transaction, and the relay thread that
 * publishes them to Kafka (DESIGN.md section 5). */
#ifndef COMMON_OUTBOX_H
#define COMMON_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

struct envelope;
struct metrics;

/* Inserts one row into <schema>.outbox in the caller's open transaction: topic from the envelope's
 * (event_type, version), key as given (the order or entity id), payload the encoded envelope,
 * headers event_type, event_id and a traceparent carrying the envelope's trace id. The table's
 * trigger NOTIFYs the relay at commit.
 * Per-key order: row ids come from a sequence at INSERT time but transactions commit in any
 * order, and the relay publishes in id order, so two transactions appending for one key could
 * see their events published out of order. The insert therefore first takes a transaction
 * advisory lock on the key in the schema, pg_advisory_xact_lock(outbox_lock_scoped(schema,
 * outbox_lock_key(key))) (the one-bigint form),
 * held until the caller's transaction ends: writers of one key are serialized, and the second
 * one's row gets its id only after the first committed. Two transactions appending for several
 * keys in different orders can deadlock (40P01, OF_ERETRY), so a transaction that appends for
 * more than one key takes their locks first, in ascending order; a consumer handler does that by
 * returning outbox_lock_key() of each key from its lock_keys (common/consumer.h), and the
 * append's own lock is then a re-entrant no-op (advisory locks stack within a session).
 * Returns OF_OK or a classified database error; OF_EPERMANENT when the event type is not in the
 * topic table or the schema is not a plain identifier. */
int outbox_append(PGconn *c, const char *schema, const char *key, const struct envelope *ev)
    __attribute__((warn_unused_result));
/* Where an event comes from: the producing service and schema, the trace it belongs to, and its
 * causation (the request id, or the event id of the event that caused it). */
struct outbox_origin {
    const char *producer; /* "order-svc" */
    const char *schema;   /* "orders" */
    const char *trace_id;
    const char *causation_id;
};
/* Wraps data (stolen; NULL, a serialiser that failed, is OF_EPERMANENT) in a version-1 envelope
 * of type ("order.placed") from o, keyed and correlated by key, and appends it with
 * outbox_append(). Returns what envelope_init() or outbox_append() returned. */
int outbox_emit(PGconn *c, const struct outbox_origin *o, const char *type, const char *key,
                json_t *data) __attribute__((warn_unused_result));
/* The advisory-lock key outbox_append() takes for key (NULL counts as ""), computed client-side
 * (pure). Stable across builds, versions and machines, as every instance of a service must lock
 * the same key: FNV-1a 64-bit of the key's bytes, folded to 48 bits (h ^ h >> 48, low 48 bits),
 * under the class tag 0x6f62 ("ob") in the top 16 bits. So the keys of this class lie in
 * [0x6f62 << 48, 0x6f63 << 48), positive and apart from the hashtext() (int4) keys of the relay
 * and migration locks. A service's other lock keys stay out of that range, unless they mean to
 * take the outbox lock of a key (as a handler's lock_keys do). */
int64_t outbox_lock_key(const char *key);

/* The lock a service actually takes for key (an outbox_lock_key() or any other lock key of the
 * service) in its schema: every service shares the database, and advisory locks are per database,
 * so unscoped, order-svc's batch for an order would wait for inventory-svc's batch for the same
 * order, which it has no reason to. Pure and stable like outbox_lock_key(): FNV-1a 64-bit over
 * the schema's bytes, a 0 byte and key's 8 bytes (most significant first), folded to 48 bits
 * under the class tag 0x6f73 ("os"), so again positive and apart from the hashtext() keys. The
 * consumer scopes its handlers' lock_keys with its schema; outbox_append() scopes its own; any
 * other transaction that takes a service's lock scopes it the same way. */
int64_t outbox_lock_scoped(const char *schema, int64_t key);

/* A consumer's lock_keys (common/consumer.h) for a handler that appends under the order it is
 * about: the outbox lock of data.order_id, or of the correlation id when data has no string
 * order_id (such data is dead-lettered by the handler anyway). */
size_t outbox_order_lock_keys(const struct envelope *ev, int64_t *ret_keys, size_t max);

struct outbox_relay_config {
    const char *conninfo; /* the service's own role */
    const char *schema;   /* "orders" */
    const char *brokers;
    const char *client_id; /* service name */
    unsigned batch;        /* rows per batch */
    unsigned poll_ms;      /* fallback poll when no NOTIFY comes */
    int message_timeout_ms;
    int max_message_bytes;   /* the topics' max.message.bytes (kafka.h); 0: the default */
    struct metrics *metrics; /* may be NULL */
};

struct outbox_relay;

/* Starts the relay thread. It takes a session advisory lock on the schema so that only one relay
 * per service is active; a standby keeps trying. Each round: read up to batch unpublished rows in
 * id order, produce them all, wait for the delivery reports, then mark the rows delivered (up to
 * the first failure, to keep per-key order) published in one UPDATE. Survives Postgres and
 * Kafka outages by retrying with backoff. Returns OF_OK and the relay, or an error with err. */
int outbox_relay_start(const struct outbox_relay_config *cfg, struct outbox_relay **ret_relay,
                       char *err, size_t errlen);
/* True once the relay has connected to Postgres and learnt whether it holds the lock: active, or
 * a standby while another instance relays (so a second instance of a service is ready too). */
bool outbox_relay_running(struct outbox_relay *r);
/* Asks the thread to stop after the batch in hand, joins it, flushes the producer and frees.
 * NULL is a no-op. */
void outbox_relay_stop(struct outbox_relay *r);

#endif
