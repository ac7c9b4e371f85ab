/* The fake libpq of the db unit tests (see fake_pq.h): just enough of connections, results and
 * transaction status for common/io/db.c. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_pq.h"

#define MAX_CONNS    32
#define MAX_FAILURES 16
#define LOG_MAX      4096

struct pg_result {
    ExecStatusType status;
    char sqlstate[6];
    char primary[128];
    char message[256]; /* the full error text, DETAIL line included */
    char cmd[16];
};

struct failure {
    char prefix[64];
    bool any;
    char sqlstate[6];
    char primary[128];
    bool lost;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static struct pg_conn conns[MAX_CONNS];
static unsigned free_stack[MAX_CONNS]; /* indexes; the top is the last freed */
static unsigned n_free;
static unsigned connects;
static struct failure failures[MAX_FAILURES];
static unsigned n_failures;
static char connect_error[128];
static enum { GATE_OFF, GATE_ARMED, GATE_CLOSED, GATE_OPEN } gate;
static char statements[LOG_MAX];
static unsigned misuses;

void fake_reset(void)
{
    pthread_mutex_lock(&mu);
    memset(conns, 0, sizeof conns);
    for (unsigned i = 0; i < MAX_CONNS; i++)
        free_stack[i] = MAX_CONNS - 1 - i; /* conns[0] is handed out first */
    n_free = MAX_CONNS;
    connects = 0;
    n_failures = 0;
    connect_error[0] = '\0';
    gate = GATE_OFF;
    statements[0] = '\0';
    misuses = 0;
    pthread_mutex_unlock(&mu);
}

void fake_fail_next(const char *sql_prefix, const char *sqlstate, const char *primary, bool lost)
{
    pthread_mutex_lock(&mu);
    if (n_failures < MAX_FAILURES) {
        struct failure *f = &failures[n_failures++];
        f->any = sql_prefix == NULL;
        snprintf(f->prefix, sizeof f->prefix, "%s", sql_prefix ? sql_prefix : "");
        snprintf(f->sqlstate, sizeof f->sqlstate, "%s", sqlstate);
        snprintf(f->primary, sizeof f->primary, "%s", primary);
        f->lost = lost;
    }
    pthread_mutex_unlock(&mu);
}

void fake_connect_fails(const char *msg)
{
    pthread_mutex_lock(&mu);
    snprintf(connect_error, sizeof connect_error, "%s", msg ? msg : "");
    pthread_mutex_unlock(&mu);
}

void fake_gate_arm(void)
{
    pthread_mutex_lock(&mu);
    gate = GATE_ARMED;
    pthread_mutex_unlock(&mu);
}

void fake_gate_wait_closed(void)
{
    pthread_mutex_lock(&mu);
    while (gate != GATE_CLOSED)
        pthread_cond_wait(&gate_cv, &mu);
    pthread_mutex_unlock(&mu);
}

void fake_gate_open(void)
{
    pthread_mutex_lock(&mu);
    gate = GATE_OPEN;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&mu);
}

unsigned fake_connects(void)
{
    pthread_mutex_lock(&mu);
    unsigned n = connects;
    pthread_mutex_unlock(&mu);
    return n;
}

unsigned fake_live(void)
{
    pthread_mutex_lock(&mu);
    unsigned n = MAX_CONNS - n_free;
    pthread_mutex_unlock(&mu);
    return n;
}

unsigned fake_misuses(void)
{
    pthread_mutex_lock(&mu);
    unsigned n = misuses;
    pthread_mutex_unlock(&mu);
    return n;
}

const char *fake_statements(void)
{
    return statements;
}

void fake_statements_clear(void)
{
    pthread_mutex_lock(&mu);
    statements[0] = '\0';
    pthread_mutex_unlock(&mu);
}

/* ---- connections ---- */

/* Blocks the first connect after fake_gate_arm() until fake_gate_open() (mutex held). */
static void pass_gate(void)
{
    if (gate != GATE_ARMED)
        return;
    gate = GATE_CLOSED;
    pthread_cond_broadcast(&gate_cv);
    while (gate == GATE_CLOSED)
        pthread_cond_wait(&gate_cv, &mu);
}

PGconn *PQconnectdbParams(const char *const *keywords, const char *const *values, int expand_dbname)
{
    (void)keywords;
    (void)values;
    (void)expand_dbname;
    pthread_mutex_lock(&mu);
    pass_gate();
    if (n_free == 0)
        abort(); /* a test leaks connections */
    PGconn *c = &conns[free_stack[--n_free]];
    *c = (struct pg_conn){.live = true, .ts = PQTRANS_IDLE};
    connects++;
    if (connect_error[0] != '\0') {
        c->bad = true;
        snprintf(c->errmsg, sizeof c->errmsg, "%s\n", connect_error);
    }
    pthread_mutex_unlock(&mu);
    return c;
}

void PQfinish(PGconn *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&mu);
    if (c->live) {
        c->live = false;
        free_stack[n_free++] = (unsigned)(c - conns);
    } else {
        misuses++; /* closed twice */
    }
    pthread_mutex_unlock(&mu);
    sched_yield(); /* invites another thread's connect to take the address right now */
}

ConnStatusType PQstatus(const PGconn *c)
{
    return c == NULL || c->bad ? CONNECTION_BAD : CONNECTION_OK;
}

PGTransactionStatusType PQtransactionStatus(const PGconn *c)
{
    return c == NULL || c->bad ? PQTRANS_UNKNOWN : c->ts;
}

char *PQerrorMessage(const PGconn *c)
{
    static char none[] = "";
    return c != NULL ? (char *)c->errmsg : none;
}

PQnoticeProcessor PQsetNoticeProcessor(PGconn *c, PQnoticeProcessor proc, void *arg)
{
    (void)c;
    (void)proc;
    (void)arg;
    return NULL;
}

/* ---- statements ---- */

static PGresult *result_new(ExecStatusType status, const char *cmd)
{
    PGresult *r = calloc(1, sizeof *r);
    if (r == NULL)
        abort();
    r->status = status;
    snprintf(r->cmd, sizeof r->cmd, "%s", cmd);
    return r;
}

/* The first queued failure for sql, removed from the queue; false when none (mutex held). */
static bool take_failure(const char *sql, struct failure *ret)
{
    for (unsigned i = 0; i < n_failures; i++) {
        if (failures[i].any || strncmp(sql, failures[i].prefix, strlen(failures[i].prefix)) == 0) {
            *ret = failures[i];
            memmove(&failures[i], &failures[i + 1], (n_failures - i - 1) * sizeof failures[0]);
            n_failures--;
            return true;
        }
    }
    return false;
}

static PGresult *failed(PGconn *c, const char *sql, const struct failure *f)
{
    PGresult *r = result_new(PGRES_FATAL_ERROR, "");
    snprintf(r->sqlstate, sizeof r->sqlstate, "%s", f->sqlstate);
    snprintf(r->primary, sizeof r->primary, "%s", f->primary);
    snprintf(r->message, sizeof r->message, "ERROR:  %s\nDETAIL:  Key (name)=(%s) is bad.\n",
             f->primary, FAKE_DETAIL_SECRET);
    if (f->lost) {
        c->bad = true;
        snprintf(c->errmsg, sizeof c->errmsg, "server closed the connection unexpectedly\n");
    } else if (strcmp(sql, "COMMIT") == 0 || strcmp(sql, "ROLLBACK") == 0) {
        c->ts = PQTRANS_IDLE; /* a failed COMMIT still ends the transaction */
    } else if (c->ts == PQTRANS_INTRANS) {
        c->ts = PQTRANS_INERROR;
    }
    return r;
}

/* A statement on a healthy connection that no failure was queued for. */
static PGresult *succeeded(PGconn *c, const char *sql)
{
    if (strcmp(sql, "BEGIN") == 0) {
        c->ts = PQTRANS_INTRANS;
        return result_new(PGRES_COMMAND_OK, "BEGIN");
    }
    if (strcmp(sql, "COMMIT") == 0) {
        bool rolled_back = c->ts == PQTRANS_INERROR;
        c->ts = PQTRANS_IDLE;
        return result_new(PGRES_COMMAND_OK, rolled_back ? "ROLLBACK" : "COMMIT");
    }
    if (strcmp(sql, "ROLLBACK") == 0) {
        c->ts = PQTRANS_IDLE;
        return result_new(PGRES_COMMAND_OK, "ROLLBACK");
    }
    return result_new(PGRES_TUPLES_OK, "SELECT 1");
}

static void log_statement(const char *sql)
{
    size_t n = strlen(statements);
    snprintf(statements + n, sizeof statements - n, "%s;", sql);
}

PGresult *PQexecParams(PGconn *c, const char *sql, int nparams, const Oid *types,
                       const char *const *values, const int *lengths, const int *formats,
                       int result_format)
{
    (void)nparams;
    (void)types;
    (void)values;
    (void)lengths;
    (void)formats;
    (void)result_format;
    struct failure f;
    PGresult *r;

    pthread_mutex_lock(&mu);
    log_statement(sql);
    if (!c->live) {
        misuses++; /* used after PQfinish */
        r = result_new(PGRES_FATAL_ERROR, "");
    } else if (c->bad) {
        /* what libpq gives on a dead socket: an error without SQLSTATE */
        r = result_new(PGRES_FATAL_ERROR, "");
        snprintf(r->message, sizeof r->message, "%s", c->errmsg);
    } else if (take_failure(sql, &f)) {
        r = failed(c, sql, &f);
    } else {
        r = succeeded(c, sql);
    }
    pthread_mutex_unlock(&mu);
    return r;
}

ExecStatusType PQresultStatus(const PGresult *r)
{
    return r != NULL ? r->status : PGRES_FATAL_ERROR;
}

char *PQresultErrorField(const PGresult *r, int code)
{
    if (r == NULL)
        return NULL;
    if (code == PG_DIAG_SQLSTATE)
        return r->sqlstate[0] ? (char *)r->sqlstate : NULL;
    if (code == PG_DIAG_MESSAGE_PRIMARY)
        return r->primary[0] ? (char *)r->primary : NULL;
    return NULL;
}

char *PQresultErrorMessage(const PGresult *r)
{
    static char none[] = "";
    return r != NULL ? (char *)r->message : none;
}

char *PQcmdStatus(PGresult *r)
{
    return r->cmd;
}

void PQclear(PGresult *r)
{
    free(r);
}

/* ---- prepared statements: the fake has no backend, so db.c runs every statement as text ---- */

int PQbackendPID(const PGconn *c)
{
    (void)c;
    return 0; /* no backend: db_exec never prepares on a fake connection */
}

PGresult *PQprepare(PGconn *c, const char *name, const char *sql, int nparams, const Oid *types)
{
    (void)c;
    (void)name;
    (void)sql;
    (void)nparams;
    (void)types;
    abort(); /* db_exec prepares only with a backend pid */
}

PGresult *PQexecPrepared(PGconn *c, const char *name, int nparams, const char *const *values,
                         const int *lengths, const int *formats, int result_format)
{
    (void)c;
    (void)name;
    (void)nparams;
    (void)values;
    (void)lengths;
    (void)formats;
    (void)result_format;
    abort();
}
