/* probe-svc's routes through the HTTP <-> database boundary (common/boundary.h), for
 * tests/integration/db_boundary.sh and pool_restart.sh: each provokes one kind of database
 * failure, or a body that answers by itself, or shows which connection served a request. */
#ifndef PROBE_BOUNDARY_H
#define PROBE_BOUNDARY_H

struct http_request;
struct http_response;

/* POST /v1/probe/items {"name": "n", "qty": 3}: inserts a row of probe.items; 201. qty may be a
 * string, passed to Postgres as it is, so that bad input fails there (22P02). A taken name is a
 * unique violation (409), a negative qty a CHECK violation (500). */
void probe_item_create(struct http_request *req, struct http_response *res);
/* GET /v1/probe/items/{name}: the row (read-only), or 404 not_found mapped from OF_ENOTFOUND. */
void probe_item_get(struct http_request *req, struct http_response *res);
/* POST /v1/probe/replies {"name": "n", "commit": true}: inserts into probe.deferred (unique,
 * checked at COMMIT), then the body answers 202 itself with X-Probe-Reply: body and asks for a
 * commit or a rollback. A taken name fails the COMMIT, which overrules the body's answer (409). */
void probe_reply(struct http_request *req, struct http_response *res);
/* GET /v1/probe/db/terminate: the transaction's backend terminates itself (57P01, 503). */
void probe_db_terminate(struct http_request *req, struct http_response *res);
/* GET /v1/probe/db/foreign: reads customer.accounts, which probe_svc may not (42501, 503). */
void probe_db_foreign(struct http_request *req, struct http_response *res);
/* GET /v1/probe/backend?marker=m: sets a session setting to m, sleeps 5 ms and reads it back
 * with pg_backend_pid(): {"marker": ..., "pid": ...}. A connection shared with another request
 * shows that request's marker. */
void probe_backend(struct http_request *req, struct http_response *res);

#endif
