/* Postgres over libpq: connections, classified results, transactions and a small pool. */
#ifndef COMMON_DB_H
#define COMMON_DB_H

#include <stddef.h>

#include <libpq-fe.h>

/* Opens a connection (conninfo is a libpq keyword string or URI) and sets application_name.
 * Returns the connection, or NULL with a message in err. */
PGconn *db_connect(const char *conninfo, const char *app_name, char *err, size_t errlen);

/* Classifies a result: OF_OK for COMMAND_OK/TUPLES_OK, otherwise sqlstate_classify() of its
 * SQLSTATE, and OF_ERETRY when the connection itself is gone (CONNECTION_BAD or no SQLSTATE). */
int db_classify(PGconn *c, const PGresult *r);

/* Runs a parameterized statement (text parameters, text results). On success returns OF_OK and,
 * if ret_res is not NULL, the result (the caller PQclear()s it); on failure returns the
 * classified code, clears the result and, if err is not NULL, copies the server's message. */
int db_exec(PGconn *c, const char *sql, int nparams, const char *const *params, PGresult **ret_res,
            char *err, size_t errlen);
/* Shorthands for BEGIN / COMMIT / ROLLBACK; return the classified code. */
int db_begin(PGconn *c);
int db_commit(PGconn *c);
int db_rollback(PGconn *c);

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
