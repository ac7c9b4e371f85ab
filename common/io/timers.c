/* Durable timers (timers.h): arming and cancelling in the caller's transaction, and the thread
 * that fires what is due.
 *
 * One round of the thread: BEGIN; claim up to `batch` due rows, earliest first, FOR UPDATE SKIP
 * LOCKED (another instance's claimed rows are skipped, not waited for); for each, under a
 * savepoint, run the kind's handler and delete the row; COMMIT. A handler's OF_ERETRY rolls back
 * to the savepoint and moves the row's due_at by a backoff that grows with its attempts, so a
 * failing timer never spins; OF_EUNAVAIL (or any failure of the round's own statements) rolls
 * the whole round back and the thread backs off; any other code parks the row (due_at infinity,
 * last_error) so an operator can see it. Between rounds the thread sleeps until the earliest
 * armed timer, at most poll_ms, and is woken by a NOTIFY from timers_arm(). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/backoff.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/metrics.h"
#include "common/timefmt.h"
#include "common/timers.h"
#include "common/trace.h"
#include "common/xalloc.h"

#define REASON_MAX 256
/* The shortest sleep after a round that claimed nothing although a timer is due: another
 * instance holds it (SKIP LOCKED), and it will be gone or moved when that one commits. */
#define BUSY_WAIT_MS 50

/* ---- arming and cancelling ---- */

static bool name_valid(const char *s, size_t max)
{
    if (!s || !*s || strlen(s) > max)
        return false;
    for (const char *p = s; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
            return false;
    }
    return true;
}

int timers_arm(PGconn *c, const char *schema, const char *kind, const char *key, int64_t due_at_ms,
               const json_t *payload)
{
    if (!db_ident_valid(schema) || !name_valid(kind, 63) || !key || !*key || strlen(key) > 200)
        return OF_EPERMANENT;
    char *text = payload ? json_dumps(payload, JSON_COMPACT) : xstrdup("{}");
    if (!text)
        return OF_EPERMANENT;
    char due[32], sql[512];
    snprintf(due, sizeof due, "%.3f", (double)due_at_ms / 1000.0);
    /* The NOTIFY goes out when the caller's transaction commits; several in one transaction
     * fold into one. */
    snprintf(sql, sizeof sql,
             "WITH armed AS (INSERT INTO %s.timers (kind, key, due_at, payload) "
             "VALUES ($1, $2, to_timestamp($3::double precision), $4::jsonb) "
             "ON CONFLICT (kind, key) DO UPDATE SET due_at = EXCLUDED.due_at, "
             "payload = EXCLUDED.payload, attempts = 0, last_error = NULL RETURNING 1) "
             "SELECT pg_notify('%s_timers', '') FROM armed",
             schema, schema);
    const char *params[] = {kind, key, due, text};
    int rc = db_exec(c, sql, 4, params, NULL, NULL, 0);
    free(text);
    return rc;
}

int timers_cancel(PGconn *c, const char *schema, const char *kind, const char *key)
{
    if (!db_ident_valid(schema) || !kind || !key)
        return OF_EPERMANENT;
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM %s.timers WHERE kind = $1 AND key = $2", schema);
    const char *params[] = {kind, key};
    return db_exec(c, sql, 2, params, NULL, NULL, 0);
}

static int set_reason(struct timer_ctx *ctx, int rc, const char *fmt, va_list ap)
{
    if (ctx->error && ctx->error_len > 0)
        of_reason_vformat(ctx->error, ctx->error_len, fmt, ap);
    return rc;
}

int timer_fail(struct timer_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = set_reason(ctx, OF_EPERMANENT, fmt, ap);
    va_end(ap);
    return rc;
}

int timer_retry(struct timer_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = set_reason(ctx, OF_ERETRY, fmt, ap);
    va_end(ap);
    return rc;
}

unsigned timers_wait_ms(double next_due_in_s, unsigned poll_ms)
{
    if (isnan(next_due_in_s) || next_due_in_s >= (double)poll_ms / 1000.0)
        return poll_ms;
    if (next_due_in_s <= 0)
        return 0;
    return (unsigned)ceil(next_due_in_s * 1000.0);
}

/* ---- the thread: state ---- */

struct timers_sql {
    char *claim;  /* $1 batch */
    char *remove; /* $1 kind, $2 key */
    char *defer;  /* $1 kind, $2 key, $3 delay ms, $4 reason */
    char *park;   /* $1 kind, $2 key, $3 reason */
    char *next;   /* seconds until the earliest armed timer, NULL when none */
    char *stats;  /* due now, parked */
    char *listen;
};

struct timers {
    char *conninfo;
    char *schema;
    char *service;
    char *app_name;
    const struct timer_kind *kinds;
    size_t n_kinds;
    unsigned batch;
    unsigned poll_ms;
    struct backoff_policy retry;
    struct metrics *metrics;
    void *app;
    struct timers_sql sql;
    pthread_t thread;
    bool started;
    int wake[2]; /* self-pipe: timers_stop() writes, the thread polls */
    atomic_bool stop;
    /* Owned by the thread. */
    PGconn *db;
    bool listening;
    unsigned failures; /* consecutive failed rounds */
};

/* What a round did, and so what comes next. */
enum round_result {
    ROUND_NONE,   /* nothing claimed: sleep until the next one (another instance may hold it) */
    ROUND_IDLE,   /* fewer than a batch were due: sleep until the next one */
    ROUND_FULL,   /* a full batch: go again at once */
    ROUND_FAILED, /* Postgres failed or a handler said it is down: back off */
};

static bool stopping(struct timers *t)
{
    return atomic_load(&t->stop);
}

static const struct timer_kind *find_kind(const struct timers *t, const char *kind)
{
    for (size_t i = 0; i < t->n_kinds; i++) {
        if (strcmp(t->kinds[i].kind, kind) == 0)
            return &t->kinds[i];
    }
    return NULL;
}

/* ---- the thread: waiting ---- */

static void drop_connection(struct timers *t)
{
    PQfinish(t->db);
    t->db = NULL;
    t->listening = false;
}

static void drain_notifies(struct timers *t)
{
    if (!t->db)
        return;
    if (!PQconsumeInput(t->db)) {
        log_warn(NULL, "timers: connection lost: %s", PQerrorMessage(t->db));
        drop_connection(t);
        return;
    }
    PGnotify *n;
    while ((n = PQnotifies(t->db)))
        PQfreemem(n);
}

/* Waits up to ms for a stop request or a NOTIFY (a timer armed). */
static void timers_wait(struct timers *t, unsigned ms)
{
    struct pollfd fds[2] = {{.fd = t->wake[0], .events = POLLIN}, {.fd = -1, .events = POLLIN}};
    if (t->db && t->listening)
        fds[1].fd = PQsocket(t->db);
    if (poll(fds, 2, ms > INT32_MAX ? INT32_MAX : (int)ms) <= 0)
        return;
    if (fds[0].revents) {
        char b[64];
        while (read(t->wake[0], b, sizeof b) > 0) {
        }
    }
    if (fds[1].revents)
        drain_notifies(t);
}

static int ensure_connection(struct timers *t)
{
    char err[256];
    int rc = db_conn_ensure(&t->db, t->conninfo, t->app_name, err, sizeof err);
    if (rc == DB_CONN_KEPT && t->listening)
        return OF_OK;
    if (rc != DB_CONN_KEPT && rc != DB_CONN_NEW) {
        t->listening = false;
        log_error(NULL, "timers: %s", err);
        return OF_ERETRY;
    }
    if (db_exec(t->db, t->sql.listen, 0, NULL, NULL, err, sizeof err) != OF_OK) {
        log_error(NULL, "timers: listen: %s", err);
        drop_connection(t);
        return OF_ERETRY;
    }
    t->listening = true;
    return OF_OK;
}

/* ---- the thread: one timer ---- */

static void count(struct timers *t, const char *metric, const char *kind)
{
    char labels[128];
    metrics_labels(labels, sizeof labels, "kind", kind, NULL);
    metrics_inc(t->metrics, metric, labels, 1);
}

/* Runs one claimed row (kind, key, payload, attempts, lateness in s) under a savepoint. Returns
 * OF_OK when the round may go on (fired, deferred or parked), else the code that ends it. */
static int fire_one(struct timers *t, PGresult *res, int row)
{
    const char *kind = PQgetvalue(res, row, 0), *key = PQgetvalue(res, row, 1);
    int attempts = atoi(PQgetvalue(res, row, 3));
    char reason[REASON_MAX] = "";
    struct trace_ctx trace;
    trace_new(&trace);
    struct log_fields lf = {.trace_id = trace.trace_id};
    struct timer_ctx ctx = {t->db,          t->schema, t->service, kind,   key,          attempts,
                            trace.trace_id, &lf,       t->app,     reason, sizeof reason};
    const struct timer_kind *k = find_kind(t, kind);
    json_t *payload = json_loads(PQgetvalue(res, row, 2), 0, NULL);
    int rc = db_exec(t->db, "SAVEPOINT timer", 0, NULL, NULL, NULL, 0);
    if (rc != OF_OK)
        goto out;
    int hrc = !k         ? timer_fail(&ctx, "no handler for this kind")
              : !payload ? timer_fail(&ctx, "payload: not JSON")
                         : k->fire(&ctx, payload);
    const char *p2[] = {kind, key, PQgetvalue(res, row, 5)};
    if (hrc == OF_OK && (rc = db_exec(t->db, t->sql.remove, 3, p2, NULL, NULL, 0)) == OF_OK) {
        rc = db_exec(t->db, "RELEASE SAVEPOINT timer", 0, NULL, NULL, NULL, 0);
        if (rc == OF_OK) {
            count(t, "timers_fired_total", kind);
            metrics_set(t->metrics, "timers_lag_seconds", "",
                        strtod(PQgetvalue(res, row, 4), NULL));
        }
        goto out;
    }
    if (hrc == OF_OK) /* the DELETE failed: the round's own statement */
        goto out;
    rc = db_exec(t->db, "ROLLBACK TO SAVEPOINT timer", 0, NULL, NULL, NULL, 0);
    if (rc != OF_OK || hrc == OF_EUNAVAIL) {
        rc = rc != OF_OK ? rc : OF_EUNAVAIL;
        goto out;
    }
    count(t, "timers_failed_total", kind);
    if (hrc == OF_ERETRY) {
        char delay[16];
        snprintf(delay, sizeof delay, "%u", backoff_next_ms(&t->retry, (unsigned)attempts));
        const char *p4[] = {kind, key, delay, reason};
        log_warn(&lf, "timers: %s %s: retrying in %s ms: %s", kind, key, delay, reason);
        rc = db_exec(t->db, t->sql.defer, 4, p4, NULL, NULL, 0);
    } else {
        const char *p3[] = {kind, key, reason};
        log_error(&lf, "timers: %s %s: parked: %s", kind, key,
                  reason[0] ? reason : of_result_name(hrc));
        rc = db_exec(t->db, t->sql.park, 3, p3, NULL, NULL, 0);
    }
out:
    json_decref(payload);
    return rc;
}

/* ---- the thread: rounds ---- */

static enum round_result round_once(struct timers *t)
{
    if (ensure_connection(t) != OF_OK)
        return ROUND_FAILED;
    char batch[16];
    snprintf(batch, sizeof batch, "%u", t->batch);
    const char *p1[] = {batch};
    PGresult *res = NULL;
    int rc = db_begin(t->db);
    if (rc == OF_OK)
        rc = db_exec(t->db, t->sql.claim, 1, p1, &res, NULL, 0);
    int n = rc == OF_OK ? PQntuples(res) : 0;
    for (int i = 0; rc == OF_OK && i < n && !stopping(t); i++)
        rc = fire_one(t, res, i);
    PQclear(res);
    if (rc == OF_OK)
        rc = db_commit(t->db);
    if (rc != OF_OK) {
        (void)db_rollback(t->db);
        const struct db_error *e = db_last_error();
        log_warn(NULL, "timers: round rolled back (%s): %s", of_result_name(rc), e->message);
        if (PQstatus(t->db) != CONNECTION_OK)
            drop_connection(t);
        return ROUND_FAILED;
    }
    return n == 0 ? ROUND_NONE : (unsigned)n >= t->batch ? ROUND_FULL : ROUND_IDLE;
}

/* How long until the earliest armed timer, as timers_wait_ms() wants it; also the gauges. */
static double next_due_in_s(struct timers *t)
{
    PGresult *res = NULL;
    double next = NAN;
    if (!t->db || db_exec(t->db, t->sql.next, 0, NULL, &res, NULL, 0) != OF_OK)
        return next;
    if (PQntuples(res) == 1) {
        if (!PQgetisnull(res, 0, 0))
            next = strtod(PQgetvalue(res, 0, 0), NULL);
        metrics_set(t->metrics, "timers_due", "", strtod(PQgetvalue(res, 0, 1), NULL));
        metrics_set(t->metrics, "timers_parked", "", strtod(PQgetvalue(res, 0, 2), NULL));
    }
    PQclear(res);
    return next;
}

static void *timers_main(void *arg)
{
    struct timers *t = arg;
    while (!stopping(t)) {
        enum round_result rr = round_once(t);
        if (stopping(t))
            break;
        if (rr == ROUND_FAILED) {
            timers_wait(t, backoff_next_ms(&BACKOFF_RELAY, t->failures++));
            continue;
        }
        t->failures = 0;
        if (rr != ROUND_FULL) {
            drain_notifies(t); /* what came in during the round is seen by the query below */
            unsigned ms = timers_wait_ms(next_due_in_s(t), t->poll_ms);
            if (rr == ROUND_NONE && ms < BUSY_WAIT_MS)
                ms = BUSY_WAIT_MS < t->poll_ms ? BUSY_WAIT_MS : t->poll_ms;
            timers_wait(t, ms);
        }
    }
    return NULL;
}

/* ---- start and stop ---- */

static void build_sql(struct timers_sql *q, const char *s)
{
    q->claim =
        xasprintf("SELECT kind, key, payload::text, attempts, "
                  "EXTRACT(EPOCH FROM clock_timestamp() - due_at), xmin::text FROM %s.timers "
                  "WHERE due_at <= now() ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED",
                  s);
    /* Only the row version as claimed: a handler that re-armed its own timer (kind, key) wrote a
     * new version (xmin: this transaction), and that timer stays, even when due at the same
     * millisecond. */
    q->remove =
        xasprintf("DELETE FROM %s.timers WHERE kind = $1 AND key = $2 AND xmin = $3::xid", s);
    q->defer = xasprintf("UPDATE %s.timers SET attempts = attempts + 1, last_error = $4, "
                         "due_at = clock_timestamp() + $3::int * interval '1 millisecond' "
                         "WHERE kind = $1 AND key = $2",
                         s);
    q->park = xasprintf("UPDATE %s.timers SET attempts = attempts + 1, last_error = $3, "
                        "due_at = 'infinity' WHERE kind = $1 AND key = $2",
                        s);
    q->next = xasprintf("SELECT EXTRACT(EPOCH FROM min(due_at) FILTER (WHERE due_at < 'infinity') "
                        "- clock_timestamp()), count(*) FILTER (WHERE due_at <= now()), "
                        "count(*) FILTER (WHERE due_at = 'infinity') FROM %s.timers",
                        s);
    q->listen = xasprintf("LISTEN \"%s_timers\"", s);
}

static void free_sql(struct timers_sql *q)
{
    free(q->claim);
    free(q->remove);
    free(q->defer);
    free(q->park);
    free(q->next);
    free(q->listen);
}

static void declare_metrics(struct metrics *m)
{
    if (!m)
        return;
    metrics_declare(m, "timers_fired_total", METRIC_COUNTER, "Timers fired, by kind", NULL, 0);
    metrics_declare(m, "timers_failed_total", METRIC_COUNTER,
                    "Timer handler failures (retried or parked), by kind", NULL, 0);
    metrics_declare(m, "timers_lag_seconds", METRIC_GAUGE,
                    "How late the last fired timer ran after its due time", NULL, 0);
    metrics_declare(m, "timers_due", METRIC_GAUGE, "Timers due and not yet fired", NULL, 0);
    metrics_declare(m, "timers_parked", METRIC_GAUGE,
                    "Timers parked after a permanent failure (due_at infinity)", NULL, 0);
}

static void timers_free(struct timers *t)
{
    PQfinish(t->db);
    if (t->wake[0] >= 0)
        close(t->wake[0]);
    if (t->wake[1] >= 0)
        close(t->wake[1]);
    free_sql(&t->sql);
    free(t->conninfo);
    free(t->schema);
    free(t->service);
    free(t->app_name);
    free(t);
}

static int check_config(const struct timers_config *cfg, char *err, size_t errlen)
{
    if (!cfg->conninfo || !cfg->service)
        snprintf(err, errlen, "timers: conninfo and service are required");
    else if (!db_ident_valid(cfg->schema))
        snprintf(err, errlen, "timers: schema must be a plain lowercase identifier");
    else if (cfg->batch == 0 || cfg->poll_ms == 0)
        snprintf(err, errlen, "timers: batch and poll_ms must be positive");
    else {
        for (size_t i = 0; i < cfg->n_kinds; i++) {
            if (!name_valid(cfg->kinds[i].kind, 63) || !cfg->kinds[i].fire) {
                snprintf(err, errlen, "timers: kind %zu needs a name of [a-z0-9_.] and a handler",
                         i);
                return OF_EPERMANENT;
            }
        }
        return OF_OK;
    }
    return OF_EPERMANENT;
}

int timers_start(const struct timers_config *cfg, struct timers **ret_timers, char *err,
                 size_t errlen)
{
    int rc = check_config(cfg, err, errlen);
    if (rc != OF_OK)
        return rc;
    struct timers *t = xcalloc(1, sizeof *t);
    t->wake[0] = t->wake[1] = -1;
    t->conninfo = xstrdup(cfg->conninfo);
    t->schema = xstrdup(cfg->schema);
    t->service = xstrdup(cfg->service);
    t->app_name = xasprintf("%s-timers", cfg->service);
    t->kinds = cfg->kinds;
    t->n_kinds = cfg->n_kinds;
    t->batch = cfg->batch;
    t->poll_ms = cfg->poll_ms;
    t->retry = (struct backoff_policy){cfg->retry_base_ms, cfg->retry_max_ms};
    t->metrics = cfg->metrics;
    t->app = cfg->app;
    build_sql(&t->sql, t->schema);
    atomic_init(&t->stop, false);
    if (t->n_kinds == 0) {
        *ret_timers = t;
        return OF_OK;
    }
    if (pipe2(t->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "timers: pipe: %s", strerror(errno));
        timers_free(t);
        return OF_ERETRY;
    }
    declare_metrics(t->metrics);
    int e = pthread_create(&t->thread, NULL, timers_main, t);
    if (e != 0) {
        snprintf(err, errlen, "timers: thread: %s", strerror(e));
        timers_free(t);
        return OF_ERETRY;
    }
    t->started = true;
    *ret_timers = t;
    return OF_OK;
}

void timers_stop(struct timers *t)
{
    if (!t)
        return;
    if (t->started) {
        atomic_store(&t->stop, true);
        if (write(t->wake[1], "x", 1) < 0 && errno != EAGAIN)
            log_warn(NULL, "timers: waking the thread: %s", strerror(errno));
        pthread_join(t->thread, NULL);
    }
    timers_free(t);
}
