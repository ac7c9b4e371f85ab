/* The HTTP <-> database boundary: an HTTP handler's database work borrows a pooled connection,
 * runs in a transaction that is retried on contention, and its result becomes the answer, with
 * one log line for a failure (the idea of Taler's TEH_DB_run_transaction).
 *
 * A handler is: parse -> rules -> boundary_run -> reply.
 *
 *     struct addr_tx t = {.account_id = req->principal.sub, .addr = parsed};
 *     if (!boundary_run(req, res, "address.create", addr_create_tx, &t))
 *         return;                          // res holds the answer (an error, or the body's own)
 *     http_reply_json(res, 201, address_json(&t.addr));
 *
 * with a body that only calls store functions and says what it found:
 *
 *     static int addr_create_tx(PGconn *c, void *ud, struct http_response *res)
 *     {
 *         struct addr_tx *t = ud;
 *         int rc = store_address_insert(c, t->account_id, &t->addr);
 *         if (rc == OF_ENOTFOUND) {        // a 404 of its own instead of the generic one
 *             http_reply_error(res, API_ACCOUNT_NOT_FOUND, NULL, NULL);
 *             return BOUNDARY_REPLIED;
 *         }
 *         if (rc == OF_OK)
 *             rc = customer_events_address(c, &t->origin, t->account_id, &t->addr, false);
 *         return rc;
 *     }
 *
 * What the body returns decides the transaction and the answer:
 *
 *   OF_OK                    commit; boundary_run() returns true and the handler replies.
 *   BOUNDARY_REPLIED         roll back; the body has queued the answer in res (a domain 404 or
 *                            409 with its own message): it is sent as it is, nothing is logged.
 *   BOUNDARY_REPLIED_COMMIT  commit; the body's answer in res is sent if, and only if, the
 *                            COMMIT succeeds (e.g. a wrong OTP code: the attempt counter is
 *                            written and the answer is 401). A failed COMMIT replaces it with
 *                            the mapped error below.
 *   a negative OF_E* code    roll back, then the answer is mapped from the code:
 *                              OF_ENOTFOUND  404 not_found
 *                              OF_ECONFLICT  409 conflict (e.g. SQLSTATE 23505 unique violation)
 *                              OF_EUNAVAIL   503 database_unavailable with Retry-After: 1 (the
 *                                            connection was lost, Postgres is shutting down, or
 *                                            the deployment is broken: a missing grant, table
 *                                            or column)
 *                              anything else 500 internal with the generic message (a CHECK,
 *                                            foreign-key or NOT NULL violation, bad input that
 *                                            the rules let through, OF_ERETRY after the last
 *                                            attempt): the client cannot fix what it cannot see
 *
 * OF_ERETRY from the body or the COMMIT (serialization failure, deadlock, lock timeout) reruns
 * the whole body in a new transaction, BOUNDARY_ATTEMPTS times in all. The body must therefore
 * be safe to run again: it writes its results to ud (overwriting, not appending) and, when it
 * replies, it may reply again; any reply or header it queued is taken back before each rerun
 * (headers the handler set before boundary_run, e.g. RateLimit-*, stay).
 *
 * Every mapped failure is logged once, here, with the request's trace and request ids, what,
 * the result's name, the answer and db_last_error(): SQLSTATE and primary message, never the
 * DETAIL or CONTEXT lines, which hold row data (not_found at info, conflict at warn, the rest at
 * error). Bodies and store functions do not log database failures themselves, and store
 * functions need no error buffer (db_exec(..., NULL, 0)): the thread's failure record carries
 * the message here. A body's own answer (BOUNDARY_REPLIED*) is not logged: it is no failure. */
#ifndef COMMON_BOUNDARY_H
#define COMMON_BOUNDARY_H

#include <stdbool.h>

#include <libpq-fe.h>

struct http_request;
struct http_response;

/* How long a request waits for a pooled connection before it is answered 503. */
#define BOUNDARY_POOL_WAIT_MS 2000
/* Runs of a transaction in all when it keeps failing with OF_ERETRY. */
#define BOUNDARY_ATTEMPTS 3

/* Positive results of a body: it has queued the answer in res itself (see above). */
enum boundary_reply {
    BOUNDARY_REPLIED = 1,        /* roll back; send the body's answer */
    BOUNDARY_REPLIED_COMMIT = 2, /* commit; send the body's answer once committed */
};

/* The database work of one request: runs its statements on c (which it must not BEGIN, COMMIT,
 * ROLLBACK or keep), reads its input from and writes its results to ud, and returns OF_OK, a
 * negative OF_E* code from errors.h, or an enum boundary_reply value after queuing an answer in
 * res with http_reply_error() or http_reply_json(). */
typedef int (*boundary_fn)(PGconn *c, void *ud, struct http_response *res);

/* Runs body inside a transaction on a connection borrowed from the daemon's pool (req->app is
 * the struct daemon *) for at most BOUNDARY_POOL_WAIT_MS, and returns it to the pool. what names
 * the work in the log line ("address.create"): a static string without request data.
 * Returns true when the body returned OF_OK and the transaction committed: res is untouched and
 * the caller replies. Returns false when res holds the answer: the body's own, or the mapped
 * error (503 database_unavailable with Retry-After when no connection could be had). */
bool boundary_run(struct http_request *req, struct http_response *res, const char *what,
                  boundary_fn body, void *ud) __attribute__((warn_unused_result));

/* As boundary_run() for work that only reads: body runs once on the borrowed connection without
 * BEGIN/COMMIT (each statement is its own transaction, so a single SELECT needs nothing more) and
 * is not rerun on OF_ERETRY. BOUNDARY_REPLIED and BOUNDARY_REPLIED_COMMIT both mean "send the
 * body's answer". The same borrowing, mapping and logging; the same result. */
bool boundary_read(struct http_request *req, struct http_response *res, const char *what,
                   boundary_fn body, void *ud) __attribute__((warn_unused_result));

#endif
