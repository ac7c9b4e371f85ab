/* A fake libpq for the db unit tests: this program defines the PQ* functions that common/io/db.c
 * calls, so the pool, the failure record and the boundary run without a server. Connections
 * come from a fixed array handed out last-freed-first, as malloc does, so a closed connection's
 * address is the next one a connect returns: the reuse behind the pool race, made certain. */
#ifndef DB_FAKE_PQ_H
#define DB_FAKE_PQ_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

/* What a test can see of a fake connection. */
struct pg_conn {
    bool live; /* between PQconnectdbParams and PQfinish */
    bool bad;  /* PQstatus() says CONNECTION_BAD */
    PGTransactionStatusType ts;
    char errmsg[160];
    int users; /* borrowers holding it now: the tests' own bookkeeping */
};

/* Puts every connection back and forgets scripts, gates and the statement log. */
void fake_reset(void);

/* The next statement starting with sql_prefix (any statement when NULL; "COMMIT" and "ROLLBACK"
 * too) fails with sqlstate ("" for none) and primary; lost marks the connection bad. Failures
 * are matched first queued, first used; at most 16 pending. */
void fake_fail_next(const char *sql_prefix, const char *sqlstate, const char *primary, bool lost);
/* The DETAIL line every failure carries: the row data that must never reach a message. */
#define FAKE_DETAIL_SECRET "s3cr3t-row-value"

/* While msg is set, PQconnectdbParams fails with it (NULL: connects succeed again). */
void fake_connect_fails(const char *msg);
/* Arms a gate: the next connect blocks until fake_gate_open(). fake_gate_wait_closed() returns
 * once a connect is blocked in it. */
void fake_gate_arm(void);
void fake_gate_wait_closed(void);
void fake_gate_open(void);

/* Connections made and currently live. */
unsigned fake_connects(void);
unsigned fake_live(void);
/* Uses of a connection already closed: PQfinish twice, or a statement after PQfinish. */
unsigned fake_misuses(void);

/* The statements run so far, each as "<SQL>;" concatenated (cut at 4 KiB); e.g.
 * "BEGIN;INSERT ...;COMMIT;". Reading it is safe only while no other thread runs statements. */
const char *fake_statements(void);
/* Forgets the statement log. */
void fake_statements_clear(void);

#endif
