/* Postgres over libpq: connections, classified results, transactions and a small pool. */
#ifndef COMMON_DB_H
#define COMMON_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

/* Opens a connection (conninfo is a libpq keyword string or URI) and sets application_name.
 * Unless conninfo sets them, connect_timeout is 5 s and TCP keepalives are on (idle 30 s,
 * interval 10 s, 3 probes), so a long-lived connection notices a dead server within about a
 * minute. Returns the connection, or NULL with a message in err. */
PGconn *db_connect(const char *conninfo, const char *app_name, char *err, size_t errlen);

/* Classifies a result: OF_OK for COMMAND_OK/TUPLES_OK, otherwise sqlstate_classify() of its
 * SQLSTATE, and OF_EUNAVAIL when the connection itself is gone (CONNECTION_BAD, no result, or
 * no SQLSTATE). */
int db_classify(PGconn *c, const PGresult *r);

/* Describes a failed result in err without data: "<SQLSTATE>: <primary message>", never the
 * DETAIL/CONTEXT lines (which can hold whole rows or key values). Without a SQLSTATE (a client
 * side error, or r NULL) the first line of the result's or the connection's message. */
void db_error_message(PGconn *c, const PGresult *r, char *err, size_t errlen);

/* Runs a parameterized statement (text parameters, text results). On success returns OF_OK and,
 * if ret_res is not NULL, the result (the caller PQclear()s it); on failure returns the
 * classified code, clears the result and, if err is not NULL, writes db_error_message(). */
int db_exec(PGconn *c, const char *sql, int nparams, const char *const *params, PGresult **ret_res,
            char *err, size_t errlen);
/* Shorthands for BEGIN / COMMIT / ROLLBACK; return the classified code. */
int db_begin(PGconn *c);
/* Returns OF_OK only if the transaction committed. Postgres answers COMMIT of a transaction
 * left failed by an earlier error with success and the command status "ROLLBACK": that is
 * OF_ERETRY, as nothing was committed. */
int db_commit(PGconn *c);
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
 * Returns OF_OK once committed, else the last code (the transaction rolled back). */
int db_transact(PGconn *c, db_tx_fn fn, void *ud, unsigned attempts);

/* A fixed-size pool for HTTP handlers. Connections are made lazily and re-made when found bad,
 * so a Postgres restart heals without a daemon restart. */
struct db_pool;

struct db_pool *db_pool_new(const char *conninfo, const char *app_name, unsigned size);
/* Borrows a connection, waiting up to timeout_ms for one to come free. Returns NULL when none
 * can be had (all busy, or Postgres unreachable). */
PGconn *db_pool_get(struct db_pool *p, int timeout_ms);
/* Returns a borrowed connection. One left inside a transaction is rolled back; a bad one is
 * closed and re-made on the next get. */
void db_pool_put(struct db_pool *p, PGconn *c);
/* Closes every connection; all must have been returned. NULL is a no-op. */
void db_pool_free(struct db_pool *p);

#endif
