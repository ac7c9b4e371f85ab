/* Postgres over libpq: connecting, classifying results, parameterized statements, a small pool. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "common/backoff.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/sqlstate.h"
#include "common/timefmt.h"
#include "common/uuid.h"
#include "common/xalloc.h"

#define DB_CONNECT_TIMEOUT_S 5

/* ---- the last failure of this thread ---- */

static _Thread_local struct db_error last_error;

const struct db_error *db_last_error(void)
{
    return &last_error;
}

void db_error_clear(void)
{
    last_error = (struct db_error){0};
}

/* Records a failure whose message is already in last_error.message. */
static void record_failure(int rc, const char *sqlstate)
{
    last_error.rc = rc;
    snprintf(last_error.sqlstate, sizeof last_error.sqlstate, "%s", sqlstate ? sqlstate : "");
}

/* ---- connections and results ---- */

/* Copies msg into err, cut at its first line break. */
static void copy_first_line(char *err, size_t errlen, const char *msg)
{
    if (err == NULL || errlen == 0)
        return;
    if (msg == NULL || *msg == '\0')
        msg = "unknown error";
    snprintf(err, errlen, "%.*s", (int)strcspn(msg, "\r\n"), msg);
}

/* The SQLSTATE of a failure: the server's, else 08006 (connection_failure) when the connection
 * is gone (libpq reports a dead socket without one), else NULL. */
static const char *failure_sqlstate(PGconn *c, const PGresult *r)
{
    const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

    if (state == NULL && PQstatus(c) == CONNECTION_BAD)
        state = DB_SQLSTATE_CONNECTION_FAILURE;
    return state;
}

void db_error_message(PGconn *c, const PGresult *r, char *err, size_t errlen)
{
    const char *state = failure_sqlstate(c, r);
    const char *text = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *stop = "\r\n";

    if (err == NULL || errlen == 0)
        return;
    if (text != NULL && state != NULL && strncmp(state, "22", 2) == 0)
        stop = ":\r\n"; /* a data exception quotes the rejected input after a colon */
    if (text == NULL && r != NULL && *PQresultErrorMessage(r) != '\0')
        text = PQresultErrorMessage(r); /* libpq's own error: no primary message */
    if (text == NULL && c != NULL)
        text = PQerrorMessage(c);
    if (text == NULL || *text == '\0')
        text = "unknown error";
    if (state != NULL)
        snprintf(err, errlen, "%s: %.*s", state, (int)strcspn(text, stop), text);
    else
        snprintf(err, errlen, "%.*s", (int)strcspn(text, stop), text);
}

void db_cell_text(const PGresult *r, int row, int col, char *dst, size_t len)
{
    snprintf(dst, len, "%s", PQgetvalue(r, row, col));
}

int db_query_one(PGconn *c, const char *sql, int n, const char *const *p, db_row_fn from_row,
                 void *ret)
{
    PGresult *r;
    int rc = db_exec(c, sql, n, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    if (PQntuples(r) == 1)
        from_row(r, 0, ret);
    else
        rc = OF_ENOTFOUND;
    PQclear(r);
    return rc;
}

struct db_num db_num_i64(int64_t v)
{
    struct db_num n;
    snprintf(n.s, sizeof n.s, "%" PRId64, v);
    return n;
}

struct db_num db_num_f64(double v)
{
    struct db_num n;
    snprintf(n.s, sizeof n.s, "%.17g", v);
    return n;
}

const char *db_text_or_null(const char *s)
{
    return s && s[0] ? s : NULL;
}

int64_t db_cell_i64(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool db_cell_bool(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col)[0] == 't';
}

double db_cell_f64(const PGresult *r, int row, int col)
{
    return strtod(PQgetvalue(r, row, col), NULL);
}

bool db_ident_valid(const char *s)
{
    size_t n;

    if (s == NULL || !((*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (n = 0; s[n] != '\0'; n++) {
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
            return false;
    }
    return n <= 63;
}

/* Server NOTICEs (e.g. "relation already exists, skipping") would reach stderr as plain text
 * and break the JSON-lines log; library code does not log, so they are dropped. */
static void drop_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* The defaults go before dbname (which carries the conninfo) so a conninfo may override them;
 * application_name goes after it so the caller's name wins. */
static PGconn *connect_with_timeout(const char *conninfo, const char *app_name, int timeout_s,
                                    char *err, size_t errlen)
{
    char timeout[16];
    const char *keys[] = {
        "connect_timeout",  "keepalives", "keepalives_idle",  "keepalives_interval",
        "keepalives_count", "dbname",     "application_name", NULL};
    const char *vals[] = {timeout,  "1", "30", "10", "3", conninfo != NULL ? conninfo : "",
                          app_name, NULL};
    PGconn *c;

    snprintf(timeout, sizeof(timeout), "%d", timeout_s);
    if (app_name == NULL)
        keys[6] = NULL;
    c = PQconnectdbParams(keys, vals, 1);
    if (c == NULL) {
        copy_first_line(err, errlen, "out of memory allocating a Postgres connection");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        copy_first_line(err, errlen, PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, drop_notice, NULL);
    return c;
}

PGconn *db_connect(const char *conninfo, const char *app_name, char *err, size_t errlen)
{
    return connect_with_timeout(conninfo, app_name, DB_CONNECT_TIMEOUT_S, err, errlen);
}

int db_conn_ensure(PGconn **c, const char *conninfo, const char *app_name, char *err, size_t errlen)
{
    if (*c && PQstatus(*c) == CONNECTION_OK)
        return DB_CONN_KEPT;
    PQfinish(*c); /* NULL is a no-op */
    *c = db_connect(conninfo, app_name, err, errlen);
    return *c ? DB_CONN_NEW : OF_EUNAVAIL;
}

int db_classify(PGconn *c, const PGresult *r)
{
    const char *state;
    int rc;

    if (r != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
            return OF_OK;
    }
    if (c == NULL || r == NULL || PQstatus(c) == CONNECTION_BAD)
        return OF_EUNAVAIL;
    state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (state == NULL)
        return OF_EUNAVAIL;
    rc = sqlstate_classify(state);
    /* A failed result whose SQLSTATE claims success is still a failure. */
    return rc == OF_OK ? OF_EPERMANENT : rc;
}

/* ---- prepared statements ---- */

/* Every statement with parameters runs prepared: parsed and planned once per connection, not on
 * every call (bench/saga found Postgres spending most of its CPU there). One registry of the
 * statements' texts (their names are "of_<index>") and, per connection, which of them it has
 * prepared. A connection is known by its address and its backend's pid, so a new connection at a
 * freed one's address starts with none; should one still name a statement its session lacks
 * (SQLSTATE 26000), its entry is dropped and the statement's transaction retried (OF_ERETRY).
 * Past the registry's or the table's size statements simply run unprepared. */
#define PREP_STMTS 512
#define PREP_CONNS 128

struct prep_conn {
    const PGconn *conn; /* NULL: a free entry */
    int pid;
    uint64_t done[PREP_STMTS / 64];
};

static pthread_mutex_t prep_mu = PTHREAD_MUTEX_INITIALIZER;
static char *prep_sql[PREP_STMTS];
static uint64_t prep_hash[PREP_STMTS];
static size_t prep_n;
static struct prep_conn prep_conns[PREP_CONNS];

static uint64_t sql_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* The registry index of sql, registered on first sight; -1 when the registry is full (mutex
 * held). */
static int prep_index(const char *sql)
{
    uint64_t h = sql_hash(sql);
    for (size_t i = 0; i < prep_n; i++)
        if (prep_hash[i] == h && strcmp(prep_sql[i], sql) == 0)
            return (int)i;
    if (prep_n == PREP_STMTS)
        return -1;
    prep_sql[prep_n] = xstrdup(sql);
    prep_hash[prep_n] = h;
    return (int)prep_n++;
}

/* c's entry, made (or taken over from a closed connection at the same address) when needed;
 * NULL when the table is full (mutex held). */
static struct prep_conn *prep_conn_of(const PGconn *c, int pid)
{
    struct prep_conn *free_slot = NULL;
    for (size_t i = 0; i < PREP_CONNS; i++) {
        struct prep_conn *e = &prep_conns[i];
        if (e->conn == c) {
            if (e->pid != pid)
                *e = (struct prep_conn){.conn = c, .pid = pid};
            return e;
        }
        if (!e->conn && !free_slot)
            free_slot = e;
    }
    if (free_slot)
        *free_slot = (struct prep_conn){.conn = c, .pid = pid};
    return free_slot;
}

/* Forgets what c has prepared (its session lost a statement). */
static void prep_forget(const PGconn *c)
{
    pthread_mutex_lock(&prep_mu);
    for (size_t i = 0; i < PREP_CONNS; i++)
        if (prep_conns[i].conn == c)
            prep_conns[i] = (struct prep_conn){0};
    pthread_mutex_unlock(&prep_mu);
}

/* Whether c has statement i prepared: 1 yes, 0 no, -1 when c has no entry and none can be made
 * (then it never prepares, so that a statement is never prepared twice in one session). With mark
 * set, records it as prepared. */
static int prep_state(const PGconn *c, int pid, int i, bool mark)
{
    int state = -1;
    pthread_mutex_lock(&prep_mu);
    struct prep_conn *e = prep_conn_of(c, pid);
    if (e) {
        state = (int)((e->done[i / 64] >> (i % 64)) & 1u);
        if (mark)
            e->done[i / 64] |= UINT64_C(1) << (i % 64);
    }
    pthread_mutex_unlock(&prep_mu);
    return state;
}

/* Runs sql prepared when it has parameters and there is room, else as PQexecParams does. A
 * failed PREPARE is returned as the statement's result. */
static PGresult *exec_statement(PGconn *c, const char *sql, int nparams, const char *const *params)
{
    int i = -1, pid = PQbackendPID(c);
    char name[16];
    if (nparams > 0 && pid > 0) {
        pthread_mutex_lock(&prep_mu);
        i = prep_index(sql);
        pthread_mutex_unlock(&prep_mu);
    }
    if (i < 0)
        return PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    int state = prep_state(c, pid, i, false);
    if (state < 0) /* no room to remember what this connection prepared */
        return PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    snprintf(name, sizeof name, "of_%d", i);
    if (state == 0) {
        PGresult *r = PQprepare(c, name, sql, nparams, NULL);
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
            return r;
        PQclear(r);
        (void)prep_state(c, pid, i, true); /* its entry exists: made by the call above */
    }
    return PQexecPrepared(c, name, nparams, params, NULL, NULL, 0);
}

int db_exec(PGconn *c, const char *sql, int nparams, const char *const *params, PGresult **ret_res,
            char *err, size_t errlen)
{
    PGresult *r;
    int rc;

    r = exec_statement(c, sql, nparams, params);
    rc = db_classify(c, r);
    if (rc != OF_OK) {
        const char *state = failure_sqlstate(c, r);
        if (state && strcmp(state, "26000") == 0) { /* invalid_sql_statement_name */
            prep_forget(c);
            rc = OF_ERETRY;
        }
        db_error_message(c, r, last_error.message, sizeof last_error.message);
        record_failure(rc, state);
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s", last_error.message);
        PQclear(r);
        return rc;
    }
    if (ret_res != NULL)
        *ret_res = r;
    else
        PQclear(r);
    return OF_OK;
}

/* Records the failure of r (or of the connection, r NULL) as db_exec() does. */
static int fail_with(PGconn *c, PGresult *r, int rc, char *err, size_t errlen)
{
    db_error_message(c, r, last_error.message, sizeof last_error.message);
    record_failure(rc, failure_sqlstate(c, r));
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", last_error.message);
    return rc;
}

/* Reads a pipeline's results up to its sync: rc is the first failure (which *fail records),
 * *ret_last the last statement's result when all n succeeded. Each statement's results end with
 * a NULL; the sync's own result ends the pipeline. A broken connection returns NULL forever:
 * it ends the loop too. */
static int read_pipeline(PGconn *c, size_t n, PGresult **ret_last, char *err, size_t errlen)
{
    int rc = OF_OK;
    size_t done = 0;
    PGresult *last = NULL;
    for (;;) {
        PGresult *r = PQgetResult(c);
        if (!r) {
            if (PQstatus(c) == CONNECTION_BAD || ++done > n + 1)
                break;
            continue;
        }
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        int src = st == PGRES_PIPELINE_ABORTED ? OF_OK : db_classify(c, r);
        if (src != OF_OK && rc == OF_OK) {
            rc = fail_with(c, r, src, err, errlen);
        } else if (rc == OF_OK && st != PGRES_PIPELINE_ABORTED && done == n - 1) {
            PQclear(last);
            last = r;
            continue;
        }
        PQclear(r);
    }
    if (rc == OF_OK && (done < n || !last || PQstatus(c) == CONNECTION_BAD))
        rc = fail_with(c, NULL, OF_EUNAVAIL, err, errlen);
    if (rc == OF_OK && ret_last)
        *ret_last = last;
    else
        PQclear(last);
    return rc;
}

int db_exec_batch(PGconn *c, const struct db_stmt *stmts, size_t n, PGresult **ret_res, char *err,
                  size_t errlen)
{
    if (n == 0 || PQenterPipelineMode(c) != 1)
        return fail_with(c, NULL, n == 0 ? OF_EPERMANENT : OF_EUNAVAIL, err, errlen);
    size_t sent = 0;
    while (sent < n && PQsendQueryParams(c, stmts[sent].sql, stmts[sent].nparams, NULL,
                                         stmts[sent].params, NULL, NULL, 0) == 1)
        sent++;
    int rc;
    if (PQpipelineSync(c) != 1)
        rc = fail_with(c, NULL, OF_EUNAVAIL, err, errlen);
    else
        rc = read_pipeline(c, sent, ret_res, err, errlen);
    if (rc == OF_OK && sent < n)
        rc = fail_with(c, NULL, OF_EUNAVAIL, err, errlen);
    if (PQexitPipelineMode(c) != 1 && rc == OF_OK) { /* results left: the connection is unusable */
        if (ret_res) {
            PQclear(*ret_res);
            *ret_res = NULL;
        }
        rc = fail_with(c, NULL, OF_EUNAVAIL, err, errlen);
    }
    return rc;
}

int db_exec_count(PGconn *c, const char *sql, int nparams, const char *const *params, size_t *ret_n)
{
    PGresult *r;
    int rc = db_exec(c, sql, nparams, params, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    *ret_n = (size_t)strtoul(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return OF_OK;
}

int db_exec_one(PGconn *c, const char *sql, int nparams, const char *const *params)
{
    PGresult *r;
    int rc = db_exec(c, sql, nparams, params, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    rc = strcmp(PQcmdTuples(r), "1") == 0 ? OF_OK : OF_ENOTFOUND;
    PQclear(r);
    return rc;
}

int db_begin(PGconn *c)
{
    return db_exec(c, "BEGIN", 0, NULL, NULL, NULL, 0);
}

int db_commit(PGconn *c)
{
    PGresult *r = NULL;
    int rc = db_exec(c, "COMMIT", 0, NULL, &r, NULL, 0);

    if (rc != OF_OK)
        return rc;
    if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        rc = OF_ERETRY; /* "ROLLBACK": the transaction had failed and was rolled back */
        if (last_error.rc == OF_OK) {
            snprintf(last_error.message, sizeof last_error.message,
                     "COMMIT rolled back: an earlier statement of the transaction had failed");
            record_failure(rc, NULL);
        }
    }
    PQclear(r);
    return rc;
}

int db_rollback(PGconn *c)
{
    return db_exec(c, "ROLLBACK", 0, NULL, NULL, NULL, 0);
}

/* Rolls back after a failed body, keeping the body's failure record over the ROLLBACK's. */
static void rollback_keeping_error(PGconn *c)
{
    struct db_error kept = last_error;

    if (PQtransactionStatus(c) != PQTRANS_IDLE)
        (void)db_rollback(c);
    last_error = kept;
}

int db_transact(PGconn *c, db_tx_fn fn, void *ud, unsigned attempts)
{
    int rc = OF_ERETRY;
    for (unsigned i = 0; i < (attempts ? attempts : 1) && rc == OF_ERETRY; i++) {
        if (i > 0)
            backoff_sleep(&BACKOFF_DB_TX, i - 1);
        db_error_clear();
        rc = db_begin(c);
        if (rc != OF_OK)
            break;
        rc = fn(c, ud);
        if (rc == OF_OK)
            rc = db_commit(c);
        else
            rollback_keeping_error(c);
    }
    return rc;
}

/* ---- the pool ----
 * Each slot owns at most one connection. A borrowed slot is marked busy and its connection
 * belongs to the borrower until db_pool_put(). The mutex guards the slot table; connecting,
 * rolling back and closing happen outside it.
 *
 * Invariant: a slot's conn is NULL or a live connection, never one already PQfinish()ed, and it
 * is read and written only under the mutex. A connection is detached from its slot (conn set to
 * NULL, the slot staying busy) before anyone may close it. Live connections have distinct
 * addresses, so db_pool_put() finds the borrower's slot by pointer without ambiguity: a freed
 * address that malloc hands to a new connection can never still sit in another slot. */

struct db_slot {
    PGconn *conn; /* NULL until first used, while being checked or re-made, or after closing */
    bool busy;
};

struct db_pool {
    pthread_mutex_t mu;
    pthread_cond_t freed; /* signalled whenever a slot comes free */
    char *conninfo;
    char *app_name;
    unsigned size;
    struct db_slot *slots;
};

struct db_pool *db_pool_new(const char *conninfo, const char *app_name, unsigned size)
{
    struct db_pool *p = xcalloc(1, sizeof(*p));
    pthread_condattr_t attr;

    if (size == 0)
        size = 1;
    p->conninfo = xstrdup(conninfo != NULL ? conninfo : "");
    p->app_name = app_name != NULL ? xstrdup(app_name) : NULL;
    p->size = size;
    p->slots = xcalloc(size, sizeof(*p->slots));
    if (pthread_mutex_init(&p->mu, NULL) != 0 || pthread_condattr_init(&attr) != 0)
        goto fail;
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&p->freed, &attr) != 0) {
        pthread_condattr_destroy(&attr);
        pthread_mutex_destroy(&p->mu);
        goto fail;
    }
    pthread_condattr_destroy(&attr);
    return p;
fail:
    free(p->slots);
    free(p->app_name);
    free(p->conninfo);
    free(p);
    return NULL;
}

/* Milliseconds left until deadline, never negative. */
static long ms_left(const struct timespec *deadline)
{
    struct timespec now;
    long ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long)(deadline->tv_sec - now.tv_sec) * 1000L +
         (deadline->tv_nsec - now.tv_nsec) / 1000000L;
    return ms > 0 ? ms : 0;
}

/* Waits (mutex held) for a free slot and marks it busy; NULL when the deadline passes. */
static struct db_slot *take_slot(struct db_pool *p, int timeout_ms)
{
    struct timespec deadline = time_monotonic_deadline(timeout_ms > 0 ? (uint32_t)timeout_ms : 0);

    for (;;) {
        for (unsigned i = 0; i < p->size; i++) {
            if (!p->slots[i].busy) {
                p->slots[i].busy = true;
                return &p->slots[i];
            }
        }
        if (timeout_ms <= 0)
            return NULL;
        if (pthread_cond_timedwait(&p->freed, &p->mu, &deadline) == ETIMEDOUT)
            return NULL;
    }
}

/* Marks a slot free again (mutex held) with conn as its connection. */
static void release_slot(struct db_pool *p, struct db_slot *s, PGconn *conn)
{
    s->conn = conn;
    s->busy = false;
    pthread_cond_signal(&p->freed);
}

/* The busy slot whose connection is c (mutex held), or NULL. Unambiguous by the invariant. */
static struct db_slot *find_borrowed(struct db_pool *p, const PGconn *c)
{
    for (unsigned i = 0; i < p->size; i++) {
        if (p->slots[i].busy && p->slots[i].conn == c)
            return &p->slots[i];
    }
    return NULL;
}

/* A connection for a slot that has none: made within what is left of the deadline. */
static PGconn *pool_connect(struct db_pool *p, const struct timespec *deadline)
{
    /* libpq's connect_timeout is in whole seconds and at least 2. */
    long left = ms_left(deadline);
    char why[DB_ERROR_MAX - 8];
    PGconn *c = connect_with_timeout(p->conninfo, p->app_name,
                                     left > 2000 ? (int)((left + 999) / 1000) : 2, why, sizeof why);

    if (c == NULL) {
        snprintf(last_error.message, sizeof last_error.message, "%s: %s",
                 DB_SQLSTATE_CANNOT_CONNECT, why);
        record_failure(OF_EUNAVAIL, DB_SQLSTATE_CANNOT_CONNECT);
    }
    return c;
}

PGconn *db_pool_get(struct db_pool *p, int timeout_ms)
{
    struct timespec deadline = time_monotonic_deadline(timeout_ms > 0 ? (uint32_t)timeout_ms : 0);
    struct db_slot *s;
    PGconn *c = NULL;

    pthread_mutex_lock(&p->mu);
    s = take_slot(p, timeout_ms);
    if (s != NULL) {
        c = s->conn;
        s->conn = NULL; /* detached while we check it: it may be closed below */
    }
    pthread_mutex_unlock(&p->mu);
    if (s == NULL) {
        snprintf(last_error.message, sizeof last_error.message,
                 "all %u pooled connections stayed busy for %d ms", p->size, timeout_ms);
        record_failure(OF_EUNAVAIL, NULL);
        return NULL;
    }
    if (c != NULL && PQstatus(c) == CONNECTION_BAD) {
        PQfinish(c);
        c = NULL;
    }
    if (c == NULL)
        c = pool_connect(p, &deadline);
    pthread_mutex_lock(&p->mu);
    if (c == NULL)
        release_slot(p, s, NULL);
    else
        s->conn = c;
    pthread_mutex_unlock(&p->mu);
    return c;
}

/* Makes a returned connection fit for the next borrower; NULL when it had to be closed. */
static PGconn *tidy(PGconn *c)
{
    PGTransactionStatusType ts;

    if (PQstatus(c) == CONNECTION_BAD)
        goto close;
    ts = PQtransactionStatus(c);
    if (ts == PQTRANS_IDLE)
        return c;
    if (ts != PQTRANS_INTRANS && ts != PQTRANS_INERROR)
        goto close; /* a query still running or an unknown state: start afresh */
    if (db_rollback(c) == OF_OK && PQtransactionStatus(c) == PQTRANS_IDLE)
        return c;
close:
    PQfinish(c);
    return NULL;
}

void db_pool_put(struct db_pool *p, PGconn *c)
{
    struct db_error saved = last_error;
    struct db_slot *s;
    PGconn *kept;

    if (p == NULL || c == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    s = find_borrowed(p, c);
    if (s != NULL)
        s->conn = NULL; /* detached: tidy() may close it */
    pthread_mutex_unlock(&p->mu);
    if (s == NULL) {
        PQfinish(c); /* not one of ours: do not leak it */
        return;
    }
    kept = tidy(c);
    last_error = saved; /* a failed ROLLBACK in tidy() is not the borrower's failure */
    pthread_mutex_lock(&p->mu);
    release_slot(p, s, kept);
    pthread_mutex_unlock(&p->mu);
}

void db_pool_free(struct db_pool *p)
{
    if (p == NULL)
        return;
    for (unsigned i = 0; i < p->size; i++)
        PQfinish(p->slots[i].conn);
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->mu);
    free(p->slots);
    free(p->app_name);
    free(p->conninfo);
    free(p);
}
