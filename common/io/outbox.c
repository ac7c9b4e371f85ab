/* The transactional outbox: outbox_append() inside the caller's transaction, and the relay thread
 * that publishes unpublished rows to Kafka.
 *
 * Delivery guarantees. A row is written in the same transaction as the change it announces, so
 * an event exists exactly when its change committed. The relay produces a batch, waits for every
 * delivery report (acks=all, idempotent producer) and only then marks rows published, and only
 * the rows delivered before the first failure, in id order. A crash (even SIGKILL) between
 * producing and marking therefore leads to redelivery, never to loss; consumers drop the
 * duplicates through their inbox (processed_events). Rows after a failure are produced again in
 * the next round, so one key's events never overtake each other; and outbox_append() serializes
 * the writers of one key, so their rows' ids follow commit order. Only the instance holding the
 * session advisory lock relays, so several instances of a service still publish in id order. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "common/backoff.h"
#include "common/db.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/outbox.h"
#include "common/timefmt.h"
#include "common/topics.h"
#include "common/trace.h"
#include "common/xalloc.h"

#define STATS_EVERY_MS   1000  /* backlog gauges at most once a second */
#define CLEANUP_EVERY_MS 60000 /* deleting old published rows */
#define STOP_FLUSH_MS    5000

/* ---- appending ---- */

/* {"event_type":..,"event_id":..,"traceparent":"00-<trace>-<new span>-01"}, or NULL. */
static char *headers_json(const struct envelope *ev)
{
    struct trace_ctx parent = {.flags = 1}, child;
    if (trace_id_valid(ev->trace_id)) {
        memcpy(parent.trace_id, ev->trace_id, TRACE_ID_LEN);
        trace_child(&parent, &child);
    } else {
        trace_new(&child); /* W3C: an invalid parent starts a new trace */
    }
    child.flags = 1;
    char tp[TRACEPARENT_LEN];
    trace_format(&child, tp);
    json_t *h = json_pack("{s:s, s:s, s:s}", "event_type", ev->event_type, "event_id", ev->event_id,
                          "traceparent", tp);
    if (!h)
        return NULL;
    char *s = json_dumps(h, JSON_COMPACT);
    json_decref(h);
    return s;
}

/* FNV-1a, 64 bits (offset basis and prime of the reference), folded to 48 bits under a 16-bit
 * class tag. The fold keeps every bit of the hash in play; the tag keeps the keys positive and
 * far above the int4 range of the hashtext() keys of the relay and migration locks. */
#define FNV64_OFFSET      14695981039346656037ULL
#define FNV64_PRIME       1099511628211ULL
#define LOCK_CLASS        0x6f62ULL /* "ob" */
#define LOCK_CLASS_BITS   48
#define LOCK_SCOPED_CLASS 0x6f73ULL /* "os" */

int64_t outbox_lock_key(const char *key)
{
    uint64_t h = FNV64_OFFSET;
    for (const unsigned char *p = (const unsigned char *)(key ? key : ""); *p; p++)
        h = (h ^ *p) * FNV64_PRIME;
    uint64_t low = (h ^ (h >> LOCK_CLASS_BITS)) & ((1ULL << LOCK_CLASS_BITS) - 1);
    return (int64_t)(LOCK_CLASS << LOCK_CLASS_BITS | low);
}

int64_t outbox_lock_scoped(const char *schema, int64_t key)
{
    uint64_t h = FNV64_OFFSET;
    for (const unsigned char *p = (const unsigned char *)(schema ? schema : ""); *p; p++)
        h = (h ^ *p) * FNV64_PRIME;
    h = (h ^ 0) * FNV64_PRIME; /* the schema's end: "ab" + key never equals "a" + "b"... */
    for (int shift = 56; shift >= 0; shift -= 8)
        h = (h ^ (((uint64_t)key >> shift) & 0xff)) * FNV64_PRIME;
    uint64_t low = (h ^ (h >> LOCK_CLASS_BITS)) & ((1ULL << LOCK_CLASS_BITS) - 1);
    return (int64_t)(LOCK_SCOPED_CLASS << LOCK_CLASS_BITS | low);
}

/* Locks the key, then inserts: the id comes from the sequence only once the lock is held, so
 * one key's rows get ids in commit order. The lock subquery is not flattened (its target list
 * is volatile), so it runs before the row is formed. $5 is the key's lock in the schema,
 * outbox_lock_scoped(schema, outbox_lock_key($2)). */
#define APPEND_SQL                                                                                 \
    "INSERT INTO %s.outbox (topic, key, payload, headers) "                                        \
    "SELECT $1::text, $2::text, $3::json, $4::jsonb "                                              \
    "FROM (SELECT pg_advisory_xact_lock($5::bigint)) AS l"

int outbox_append(PGconn *c, const char *schema, const char *key, const struct envelope *ev)
{
    const struct topic_def *t = topics_find(ev->event_type, ev->event_version);
    if (!db_ident_valid(schema) || !key || !t)
        return OF_EPERMANENT;
    char *payload = envelope_encode(ev);
    char *headers = headers_json(ev);
    int rc = OF_EPERMANENT;
    if (payload && headers) {
        char sql[sizeof APPEND_SQL + 64]; /* the schema is at most 63 bytes */
        snprintf(sql, sizeof sql, APPEND_SQL, schema);
        char lock[24];
        snprintf(lock, sizeof lock, "%lld",
                 (long long)outbox_lock_scoped(schema, outbox_lock_key(key)));
        const char *params[] = {t->name, key, payload, headers, lock};
        rc = db_exec(c, sql, 5, params, NULL, NULL, 0);
    }
    free(payload);
    free(headers);
    return rc;
}

/* ---- the relay: state ---- */

struct relay_sql {
    char *select; /* $1 batch size */
    char *mark;   /* $1 bigint[] of ids */
    char *stats;
    char *cleanup;
    char *listen;
};

struct outbox_relay {
    char *conninfo;
    char *schema;
    char *app_name;
    unsigned batch;
    unsigned poll_ms;
    struct metrics *metrics;
    struct relay_sql sql;
    pthread_t thread;
    int wake[2]; /* self-pipe: outbox_relay_stop() writes, the thread polls */
    atomic_bool stop;
    atomic_bool running;
    /* Owned by the thread from start to join. */
    PGconn *db;
    bool locked; /* holds the session advisory lock on db */
    struct kafka_producer *producer;
    char *brokers;
    char *client_id;
    int message_timeout_ms;
    int max_message_bytes;
    unsigned failures; /* consecutive failed rounds, for backoff */
    int64_t next_stats_ms;
    int64_t next_cleanup_ms;
};

/* What one pass of the loop did, and so how long to wait before the next. */
enum round_result {
    ROUND_IDLE,    /* fewer rows than a batch: wait for a NOTIFY or poll_ms */
    ROUND_FULL,    /* a full batch went out: go again at once */
    ROUND_STANDBY, /* another instance holds the lock: try again after poll_ms */
    ROUND_FAILED,  /* Postgres or Kafka failed: back off */
};

static bool stopping(struct outbox_relay *r)
{
    return atomic_load(&r->stop);
}

/* ---- the relay: waiting ---- */

static void drain_pipe(struct outbox_relay *r)
{
    char b[64];
    while (read(r->wake[0], b, sizeof b) > 0) {
    }
}

static void drop_connection(struct outbox_relay *r)
{
    PQfinish(r->db); /* ends the session, so the advisory lock goes too */
    r->db = NULL;
    r->locked = false;
}

/* Reads what the server sent and discards the notifications; true if there was any (or the
 * connection broke, so the caller should go round again). */
static bool drain_notifies(struct outbox_relay *r)
{
    if (!r->db)
        return false;
    if (!PQconsumeInput(r->db)) {
        log_warn(NULL, "outbox relay: connection lost: %s", PQerrorMessage(r->db));
        drop_connection(r);
        return true;
    }
    bool any = false;
    PGnotify *n;
    while ((n = PQnotifies(r->db))) {
        PQfreemem(n);
        any = true;
    }
    return any;
}

/* Waits up to ms for a stop request and, when listen is set, for a NOTIFY. */
static void relay_wait(struct outbox_relay *r, unsigned ms, bool listen)
{
    if (listen && drain_notifies(r))
        return; /* arrived while we were busy */
    struct pollfd fds[2] = {{.fd = r->wake[0], .events = POLLIN}, {.fd = -1, .events = POLLIN}};
    if (listen && r->db)
        fds[1].fd = PQsocket(r->db);
    if (poll(fds, 2, ms > INT_MAX ? INT_MAX : (int)ms) <= 0)
        return; /* timeout, or EINTR: the loop checks again */
    if (fds[0].revents)
        drain_pipe(r);
    if (fds[1].revents)
        drain_notifies(r);
}

static void relay_backoff(struct outbox_relay *r)
{
    relay_wait(r, backoff_next_ms(&BACKOFF_RELAY, r->failures++), false);
}

/* ---- the relay: connection, lock and producer ---- */

static int ensure_connection(struct outbox_relay *r)
{
    char err[256];
    int rc = db_conn_ensure(&r->db, r->conninfo, r->app_name, err, sizeof err);
    if (rc == DB_CONN_KEPT)
        return OF_OK;
    r->locked = false; /* a new session, or none: it holds no lock */
    if (rc != DB_CONN_NEW) {
        log_error(NULL, "outbox relay: %s", err);
        return OF_ERETRY;
    }
    log_info(NULL, "outbox relay: connected to Postgres");
    return OF_OK;
}

/* OF_OK when this instance holds the relay lock (and listens), 1 when another one does. */
static int ensure_lock(struct outbox_relay *r)
{
    if (r->locked)
        return OF_OK;
    const char *params[] = {r->schema};
    PGresult *res = NULL;
    char err[256];
    int rc = db_exec(r->db, "SELECT pg_try_advisory_lock(hashtext('orderflow.relay.' || $1::text))",
                     1, params, &res, err, sizeof err);
    if (rc != OF_OK) {
        log_error(NULL, "outbox relay: lock: %s", err);
        return rc;
    }
    bool got = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    atomic_store(&r->running, true); /* active or standby: either way working as it should */
    if (!got)
        return 1;
    rc = db_exec(r->db, r->sql.listen, 0, NULL, NULL, err, sizeof err);
    if (rc != OF_OK) {
        log_error(NULL, "outbox relay: listen: %s", err);
        drop_connection(r);
        return rc;
    }
    r->locked = true;
    log_info(NULL, "outbox relay: active for schema %s", r->schema);
    return OF_OK;
}

/* A producer that raised a fatal error never delivers again: replace it. */
static int ensure_producer(struct outbox_relay *r)
{
    char err[256];
    int rc = kafka_producer_renew(&r->producer, r->brokers, r->client_id, r->message_timeout_ms,
                                  r->max_message_bytes, err, sizeof err);
    if (rc != OF_OK)
        log_error(NULL, "outbox relay: %s", err);
    return rc;
}

/* ---- the relay: one batch ---- */

/* The rows of one SELECT as Kafka messages. Every string points into res or into the parsed
 * headers, so both live until the batch is done. */
struct relay_batch {
    PGresult *res;
    size_t n;
    struct kafka_msg *msgs;
    struct kafka_header **headers; /* per row */
    json_t **header_json;          /* per row */
};

/* Headers of one row: every string member of the JSON object, in its order. */
static void row_headers(struct relay_batch *b, size_t i, const char *text)
{
    json_t *h = json_loads(text, 0, NULL);
    if (!json_is_object(h)) {
        json_decref(h);
        return;
    }
    b->header_json[i] = h;
    b->headers[i] = xcalloc(json_object_size(h) + 1, sizeof **b->headers);
    size_t k = 0;
    const char *name;
    json_t *v;
    json_object_foreach(h, name, v)
    {
        if (json_is_string(v))
            b->headers[i][k++] = (struct kafka_header){.name = name, .value = json_string_value(v)};
    }
    b->msgs[i].headers = b->headers[i];
    b->msgs[i].n_headers = k;
}

static void batch_build(struct relay_batch *b, PGresult *res)
{
    b->res = res;
    b->n = (size_t)PQntuples(res);
    b->msgs = xcalloc(b->n, sizeof *b->msgs);
    b->headers = xcalloc(b->n, sizeof *b->headers);
    b->header_json = xcalloc(b->n, sizeof *b->header_json);
    for (size_t i = 0; i < b->n; i++) {
        int row = (int)i;
        struct kafka_msg *m = &b->msgs[i];
        m->topic = PQgetvalue(res, row, 1);
        m->key = PQgetvalue(res, row, 2);
        m->key_len = (size_t)PQgetlength(res, row, 2);
        m->value = PQgetvalue(res, row, 3);
        m->value_len = (size_t)PQgetlength(res, row, 3);
        if (!PQgetisnull(res, row, 4))
            row_headers(b, i, PQgetvalue(res, row, 4));
    }
}

static void batch_free(struct relay_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->headers[i]);
        json_decref(b->header_json[i]);
    }
    free(b->headers);
    free(b->header_json);
    free(b->msgs);
    PQclear(b->res);
}

/* Marks rows 0..n-1 of the batch published with one UPDATE. */
static int mark_published(struct outbox_relay *r, const struct relay_batch *b, size_t n)
{
    struct buf ids = {0};
    buf_puts(&ids, "{");
    for (size_t i = 0; i < n; i++)
        buf_printf(&ids, "%s%s", i ? "," : "", PQgetvalue(b->res, (int)i, 0));
    buf_puts(&ids, "}");
    const char *params[] = {ids.data};
    char err[256];
    int rc = db_exec(r->db, r->sql.mark, 1, params, NULL, err, sizeof err);
    if (rc != OF_OK) {
        struct log_fields f = {.topic = b->msgs[0].topic};
        log_error(&f, "outbox relay: marking %zu rows published: %s", n, err);
    }
    buf_free(&ids);
    return rc;
}

static void count_produced(struct outbox_relay *r, const struct relay_batch *b, size_t n)
{
    if (!r->metrics)
        return;
    char labels[TOPIC_NAME_MAX + 16];
    for (size_t i = 0; i < n; i++) {
        metrics_labels(labels, sizeof labels, "topic", b->msgs[i].topic, NULL);
        metrics_inc(r->metrics, "events_produced_total", labels, 1);
    }
}

/* Produces the batch and marks the delivered prefix published. */
static enum round_result publish(struct outbox_relay *r, struct relay_batch *b)
{
    kafka_produce_batch(r->producer, b->msgs, b->n);
    size_t ok = 0;
    while (ok < b->n && b->msgs[ok].status == OF_OK)
        ok++;
    if (ok > 0 && mark_published(r, b, ok) != OF_OK)
        return ROUND_FAILED; /* produced again next round; consumers drop the duplicates */
    count_produced(r, b, ok);
    if (ok < b->n) {
        struct log_fields f = {.topic = b->msgs[ok].topic};
        log_error(&f, "outbox relay: %zu of %zu rows not delivered, retrying", b->n - ok, b->n);
        return ROUND_FAILED;
    }
    return b->n == r->batch ? ROUND_FULL : ROUND_IDLE;
}

static enum round_result relay_round(struct outbox_relay *r)
{
    char limit[16];
    snprintf(limit, sizeof limit, "%u", r->batch);
    const char *params[] = {limit};
    PGresult *res = NULL;
    char err[256];
    if (db_exec(r->db, r->sql.select, 1, params, &res, err, sizeof err) != OF_OK) {
        log_error(NULL, "outbox relay: reading the outbox: %s", err);
        return ROUND_FAILED;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        return ROUND_IDLE;
    }
    struct relay_batch b = {0};
    batch_build(&b, res);
    enum round_result rr = publish(r, &b);
    batch_free(&b);
    return rr;
}

static enum round_result relay_step(struct outbox_relay *r)
{
    if (ensure_connection(r) != OF_OK)
        return ROUND_FAILED;
    int rc = ensure_lock(r);
    if (rc > 0)
        return ROUND_STANDBY;
    if (rc != OF_OK || ensure_producer(r) != OF_OK)
        return ROUND_FAILED;
    return relay_round(r);
}

/* ---- the relay: housekeeping ---- */

static void update_stats(struct outbox_relay *r)
{
    PGresult *res = NULL;
    char err[256];
    if (db_exec(r->db, r->sql.stats, 0, NULL, &res, err, sizeof err) != OF_OK) {
        log_warn(NULL, "outbox relay: backlog query: %s", err);
        return;
    }
    if (PQntuples(res) == 1) {
        metrics_set(r->metrics, "outbox_backlog", "", strtod(PQgetvalue(res, 0, 0), NULL));
        metrics_set(r->metrics, "outbox_oldest_age_seconds", "",
                    strtod(PQgetvalue(res, 0, 1), NULL));
    }
    PQclear(res);
}

static void cleanup_published(struct outbox_relay *r)
{
    PGresult *res = NULL;
    char err[256];
    if (db_exec(r->db, r->sql.cleanup, 0, NULL, &res, err, sizeof err) != OF_OK) {
        log_warn(NULL, "outbox relay: deleting published rows: %s", err);
        return;
    }
    const char *n = PQcmdTuples(res);
    if (*n && strcmp(n, "0") != 0)
        log_info(NULL, "outbox relay: deleted %s published rows older than 24 h", n);
    PQclear(res);
}

/* Gauges once a second (from any instance), old rows once a minute (from the active one). */
static void housekeeping(struct outbox_relay *r)
{
    if (!r->db || PQstatus(r->db) != CONNECTION_OK)
        return;
    int64_t now = time_monotonic_ms();
    if (r->metrics && now >= r->next_stats_ms) {
        r->next_stats_ms = now + STATS_EVERY_MS;
        update_stats(r);
    }
    if (r->locked && now >= r->next_cleanup_ms) {
        r->next_cleanup_ms = now + CLEANUP_EVERY_MS;
        cleanup_published(r);
    }
}

static void *relay_main(void *arg)
{
    struct outbox_relay *r = arg;
    while (!stopping(r)) {
        enum round_result rr = relay_step(r);
        housekeeping(r);
        if (rr != ROUND_FAILED)
            r->failures = 0;
        if (stopping(r))
            break;
        switch (rr) {
        case ROUND_FULL:
            break;
        case ROUND_IDLE:
            relay_wait(r, r->poll_ms, true);
            break;
        case ROUND_STANDBY:
            relay_wait(r, r->poll_ms, false);
            break;
        case ROUND_FAILED:
            relay_backoff(r);
            break;
        }
    }
    return NULL;
}

/* ---- the relay: start and stop ---- */

static void build_sql(struct relay_sql *q, const char *s)
{
    q->select = xasprintf("SELECT id, topic, key, payload::text, headers::text FROM %s.outbox "
                          "WHERE published_at IS NULL ORDER BY id LIMIT $1",
                          s);
    q->mark =
        xasprintf("UPDATE %s.outbox SET published_at = now() WHERE id = ANY($1::bigint[])", s);
    q->stats = xasprintf("SELECT count(*), "
                         "COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) "
                         "FROM %s.outbox WHERE published_at IS NULL",
                         s);
    q->cleanup = xasprintf("DELETE FROM %s.outbox WHERE id IN (SELECT id FROM %s.outbox "
                           "WHERE published_at < now() - interval '24 hours' LIMIT 10000)",
                           s, s);
    q->listen = xasprintf("LISTEN \"%s_outbox\"", s);
}

static void free_sql(struct relay_sql *q)
{
    free(q->select);
    free(q->mark);
    free(q->stats);
    free(q->cleanup);
    free(q->listen);
}

static void declare_metrics(struct metrics *m)
{
    if (!m)
        return;
    metrics_declare(m, "events_produced_total", METRIC_COUNTER,
                    "Events published from the outbox to Kafka", NULL, 0);
    metrics_declare(m, "outbox_backlog", METRIC_GAUGE, "Outbox rows not yet published", NULL, 0);
    metrics_declare(m, "outbox_oldest_age_seconds", METRIC_GAUGE,
                    "Age of the oldest unpublished outbox row", NULL, 0);
}

static int check_config(const struct outbox_relay_config *cfg, char *err, size_t errlen)
{
    if (!cfg->conninfo || !cfg->brokers || !cfg->client_id)
        snprintf(err, errlen, "outbox relay: conninfo, brokers and client_id are required");
    else if (!db_ident_valid(cfg->schema))
        snprintf(err, errlen, "outbox relay: schema must be a plain lowercase identifier");
    else if (cfg->batch == 0 || cfg->poll_ms == 0)
        snprintf(err, errlen, "outbox relay: batch and poll_ms must be positive");
    else
        return OF_OK;
    return OF_EPERMANENT;
}

static void relay_free(struct outbox_relay *r)
{
    kafka_producer_free(r->producer, STOP_FLUSH_MS);
    PQfinish(r->db);
    if (r->wake[0] >= 0)
        close(r->wake[0]);
    if (r->wake[1] >= 0)
        close(r->wake[1]);
    free_sql(&r->sql);
    free(r->conninfo);
    free(r->schema);
    free(r->app_name);
    free(r->brokers);
    free(r->client_id);
    free(r);
}

static struct outbox_relay *relay_new(const struct outbox_relay_config *cfg)
{
    struct outbox_relay *r = xcalloc(1, sizeof *r);
    r->wake[0] = r->wake[1] = -1;
    r->conninfo = xstrdup(cfg->conninfo);
    r->schema = xstrdup(cfg->schema);
    r->app_name = xasprintf("%s-relay", cfg->client_id);
    r->brokers = xstrdup(cfg->brokers);
    r->client_id = xstrdup(cfg->client_id);
    r->batch = cfg->batch;
    r->poll_ms = cfg->poll_ms;
    r->message_timeout_ms = cfg->message_timeout_ms;
    r->max_message_bytes = cfg->max_message_bytes;
    r->metrics = cfg->metrics;
    build_sql(&r->sql, r->schema);
    atomic_init(&r->stop, false);
    atomic_init(&r->running, false);
    return r;
}

int outbox_relay_start(const struct outbox_relay_config *cfg, struct outbox_relay **ret_relay,
                       char *err, size_t errlen)
{
    int rc = check_config(cfg, err, errlen);
    if (rc != OF_OK)
        return rc;
    struct outbox_relay *r = relay_new(cfg);
    r->producer = kafka_producer_new(r->brokers, r->client_id, r->message_timeout_ms,
                                     r->max_message_bytes, err, errlen);
    if (!r->producer) {
        rc = OF_EPERMANENT;
        goto fail;
    }
    if (pipe2(r->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "outbox relay: pipe: %s", strerror(errno));
        rc = OF_ERETRY;
        goto fail;
    }
    declare_metrics(r->metrics);
    int e = pthread_create(&r->thread, NULL, relay_main, r);
    if (e != 0) {
        snprintf(err, errlen, "outbox relay: thread: %s", strerror(e));
        rc = OF_ERETRY;
        goto fail;
    }
    *ret_relay = r;
    return OF_OK;
fail:
    relay_free(r);
    return rc;
}

bool outbox_relay_running(struct outbox_relay *r)
{
    return r && atomic_load(&r->running);
}

void outbox_relay_stop(struct outbox_relay *r)
{
    if (!r)
        return;
    atomic_store(&r->stop, true);
    if (write(r->wake[1], "x", 1) < 0 && errno != EAGAIN)
        log_warn(NULL, "outbox relay: waking the thread: %s", strerror(errno));
    pthread_join(r->thread, NULL);
    relay_free(r);
}

int outbox_emit(PGconn *c, const struct outbox_origin *o, const char *type, const char *key,
                json_t *data)
{
    if (!data)
        return OF_EPERMANENT;
    struct envelope ev = {0};
    int rc = envelope_init(&ev, type, 1, o->producer, o->trace_id, key, o->causation_id, data);
    if (rc == OF_OK)
        rc = outbox_append(c, o->schema, key, &ev);
    envelope_clear(&ev);
    return rc;
}

size_t outbox_order_lock_keys(const struct envelope *ev, int64_t *ret_keys, size_t max)
{
    const char *order_id = json_string_value(json_object_get(ev->data, "order_id"));
    if (max < 1)
        return 0;
    ret_keys[0] = outbox_lock_key(order_id ? order_id : ev->correlation_id);
    return 1;
}
