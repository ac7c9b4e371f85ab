/* Postgres over libpq: connections, classified results, transactions and a small pool. */
#ifndef COMMON_DB_H
#define COMMON_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

/* Opens a connection (conninfo is a libpq keyword string or URI) and sets application_name.
 * Unless conninfo sets them, connect_timeout is 5 s and TCP keepalives are on (idle 30 s,
 * interval 10 s, 3 probes), so a long-lived connection notices a dead server within about a
 * minute. Returns the connection, or NULL with a message in err. */
PGconn *db_connect(const char *conninfo, const char *app_name, char *err, size_t errlen);

/* What db_conn_ensure() did besides failing. */
enum db_conn_result {
    DB_CONN_KEPT = 0, /* OF_OK: *c was connected and is kept */
    DB_CONN_NEW = 1,  /* *c is a new session: whatever the lost one held (session advisory locks,
                         LISTEN, SET) is gone */
};

/* Makes *c a live connection for a thread that keeps one across outages (the outbox relay, the
 * consumer loop): one whose status is CONNECTION_OK is kept; otherwise a lost one is closed and
 * db_connect(conninfo, app_name) makes a new one. *c NULL (not connected yet) is fine. Logs
 * nothing. Returns DB_CONN_KEPT (OF_OK) or DB_CONN_NEW, or OF_EUNAVAIL with the reason in err and
 * *c NULL (Postgres unreachable: try again later). */
int db_conn_ensure(PGconn **c, const char *conninfo, const char *app_name, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Classifies a result: OF_OK for COMMAND_OK/TUPLES_OK, otherwise sqlstate_classify() of its
 * SQLSTATE, and OF_EUNAVAIL when the connection itself is gone (CONNECTION_BAD, no result, or
 * no SQLSTATE). */
int db_classify(PGconn *c, const PGresult *r);

/* The SQLSTATEs of failures that libpq reports without one (as JDBC does): the connection was
 * lost (the server gone, or the backend terminated), or could not be made. */
#define DB_SQLSTATE_CONNECTION_FAILURE "08006"
#define DB_SQLSTATE_CANNOT_CONNECT     "08001"

/* Describes a failed result in err without data: "<SQLSTATE>: <primary message>", never the
 * DETAIL/CONTEXT lines (which can hold whole rows or key values). For a data exception (SQLSTATE
 * class 22), whose primary message quotes the rejected input after a colon ('invalid input
 * syntax for type integer: "..."'), only the text before that colon. Without a primary message
 * (libpq's own error, or r NULL) the first line of the result's or the connection's message,
 * after DB_SQLSTATE_CONNECTION_FAILURE when the connection is gone. */
void db_error_message(PGconn *c, const PGresult *r, char *err, size_t errlen);

/* ---- the last failure of this thread ----
 * Every failing db_exec() (and so db_begin, db_commit, db_rollback), db_transact() and
 * db_pool_get() records what failed in storage of the calling thread, so that the one place
 * that logs (the HTTP or event boundary) can say which statement failed and why without an error
 * buffer threaded through every store function. Being thread-local, the record of one HTTP
 * thread never shows another thread's failure. Successful calls leave it alone. */

#define DB_ERROR_MAX 256

struct db_error {
    int rc;                     /* the classified code of the failure; OF_OK: nothing recorded */
    char sqlstate[6];           /* "23505"; DB_SQLSTATE_* for a lost or failed connection; "" for a
                                 * failure without one (a client-side error, the pool all busy) */
    char message[DB_ERROR_MAX]; /* as db_error_message(): SQLSTATE and primary message only */
};

/* This thread's last recorded failure. Never NULL; points to thread-local storage that the next
 * failing db_* call on this thread overwrites (copy it to keep it). */
const struct db_error *db_last_error(void);
/* Forgets this thread's last failure (rc becomes OF_OK). */
void db_error_clear(void);

/* Runs a parameterized statement (text parameters, text results). On success returns OF_OK and,
 * if ret_res is not NULL, the result (the caller PQclear()s it); on failure returns the
 * classified code, clears the result, records the failure (db_last_error()) and, if err is not
 * NULL, writes db_error_message() there too. */
int db_exec(PGconn *c, const char *sql, int nparams, const char *const *params, PGresult **ret_res,
            char *err, size_t errlen) __attribute__((warn_unused_result));
/* Runs a statement like db_exec() and stores the number of rows it changed (PQcmdTuples) in
 * *ret_n; on failure *ret_n is left alone. */
int db_exec_count(PGconn *c, const char *sql, int nparams, const char *const *params, size_t *ret_n)
    __attribute__((warn_unused_result));
/* Runs a statement like db_exec() that should change exactly one row: OF_ENOTFOUND when it
 * changed none (or more than one). */
int db_exec_one(PGconn *c, const char *sql, int nparams, const char *const *params)
    __attribute__((warn_unused_result));

/* One statement of db_exec_batch(). */
struct db_stmt {
    const char *sql;
    int nparams;
    const char *const *params;
};
/* Runs stmts[0..n-1] in order in one round trip (libpq's pipeline mode, each statement sent as
 * PQexecParams would, unprepared), for a few short statements whose results are not needed in
 * between, such as a savepoint and the insert after it. OF_OK when every one succeeded, with the
 * last one's result in *ret_res if ret_res is not NULL (the caller PQclear()s it). Otherwise the
 * first failure, classified and recorded as db_exec() records it (and in err when not NULL); the
 * statements after it were skipped by the server. Inside a transaction block the pipeline's sync
 * ends nothing; outside one the statements run as one implicit transaction. Not for COPY or for
 * several statements in one string. */
int db_exec_batch(PGconn *c, const struct db_stmt *stmts, size_t n, PGresult **ret_res, char *err,
                  size_t errlen) __attribute__((warn_unused_result));

/* ---- result cells ----
 * Readers of one cell (row, col) of a text-format result, for columns the statement guarantees
 * are present and not NULL (use coalesce() in the SQL: a NULL cell reads as ""). */

/* Copies the cell into dst of len bytes (len > 0), cut if it does not fit (the schema keeps it
 * so). */
void db_cell_text(const PGresult *r, int row, int col, char *dst, size_t len);
/* The cell as a base-10 integer (strtoll: 0 for "", no error reported). */
int64_t db_cell_i64(const PGresult *r, int row, int col);
/* The cell as a boolean: true only for Postgres's text "t". */
bool db_cell_bool(const PGresult *r, int row, int col);
/* The cell as a double (strtod: 0 for ""). */
double db_cell_f64(const PGresult *r, int row, int col);

/* Runs sql (n text parameters p) expected to return at most one row: OF_OK with that row handed
 * to from_row(r, 0, ret), OF_ENOTFOUND for none (or more than one), else db_exec()'s code. */
typedef void (*db_row_fn)(const PGresult *r, int row, void *ret);
int db_query_one(PGconn *c, const char *sql, int n, const char *const *p, db_row_fn from_row,
                 void *ret) __attribute__((warn_unused_result));

/* ---- parameters ----
 * Text parameters of numbers, by value: db_num_i64(v).s lives as long as the struct does. */
struct db_num {
    char s[32];
};
struct db_num db_num_i64(int64_t v);
struct db_num db_num_f64(double v); /* %.17g: the double back exactly */
/* NULL (SQL NULL) for NULL or "", else s: an optional text column. */
const char *db_text_or_null(const char *s);

/* Shorthands for BEGIN / COMMIT / ROLLBACK; return the classified code. */
int db_begin(PGconn *c) __attribute__((warn_unused_result));
/* Returns OF_OK only if the transaction committed. Postgres answers COMMIT of a transaction
 * left failed by an earlier error with success and the command status "ROLLBACK": that is
 * OF_ERETRY, as nothing was committed; the failure recorded then is the earlier statement's when
 * one is recorded (it is what failed the transaction), else a note that COMMIT rolled back. */
int db_commit(PGconn *c) __attribute__((warn_unused_result));
int db_rollback(PGconn *c);

/* True for a plain lowercase SQL identifier, [a-z_][a-z0-9_]* of at most 63 bytes: the only
 * kind of name (e.g. a schema) that may be pasted into SQL text unquoted. */
bool db_ident_valid(const char *s);

/* The body of a transaction: runs its statements on c and returns OF_OK to commit, or an error
 * code to roll back. It must not BEGIN, COMMIT or ROLLBACK itself. */
typedef int (*db_tx_fn)(PGconn *c, void *ud);

/* Runs fn inside BEGIN ... COMMIT on c. When fn or the COMMIT fails with OF_ERETRY
 * (serialization failure, deadlock, lock timeout) the whole transaction runs again, at most
 * attempts times in all, after a short jittered backoff; so fn must be safe to run again.
 * Returns OF_OK once committed, else the last code (the transaction rolled back). The thread's
 * failure record is cleared at each BEGIN, so on failure db_last_error() describes the last
 * attempt: the statement of fn (or the BEGIN or COMMIT) that failed, never the ROLLBACK that
 * followed it. */
int db_transact(PGconn *c, db_tx_fn fn, void *ud, unsigned attempts)
    __attribute__((warn_unused_result));

/* A fixed-size pool for HTTP handlers, safe to share between threads. Connections are made
 * lazily and re-made when found bad, so a Postgres restart heals without a daemon restart. A
 * borrowed connection belongs to its borrower alone until it is put back. */
struct db_pool;

struct db_pool *db_pool_new(const char *conninfo, const char *app_name, unsigned size);
/* Borrows a connection, waiting up to timeout_ms for one to come free. Returns NULL when none
 * can be had (all busy, or Postgres unreachable), with the reason recorded (db_last_error(),
 * OF_EUNAVAIL). */
PGconn *db_pool_get(struct db_pool *p, int timeout_ms);
/* Returns a borrowed connection. One left inside a transaction is rolled back; a bad one is
 * closed and re-made on the next get; one that was not borrowed from p is closed. Leaves the
 * thread's failure record as it was. */
void db_pool_put(struct db_pool *p, PGconn *c);
/* Closes every connection; all must have been returned. NULL is a no-op. */
void db_pool_free(struct db_pool *p);

#endif
