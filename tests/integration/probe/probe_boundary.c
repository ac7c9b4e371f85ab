/* probe-svc's boundary routes (probe_boundary.h): thin handlers over boundary_run and
 * boundary_read, one small body per statement group. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "common/boundary.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/http.h"
#include "probe_boundary.h"

#define NAME_MAX_LEN   64
#define MARKER_MAX_LEN 64

/* A non-empty string member of at most NAME_MAX_LEN bytes, or NULL after replying 400. */
static const char *name_of(json_t *body, struct http_response *res)
{
    const char *name = json_string_value(json_object_get(body, "name"));
    if (name == NULL || *name == '\0' || strlen(name) > NAME_MAX_LEN) {
        http_reply_error(res, API_INVALID_VALUE, "name must be a string of 1..64 bytes", "name");
        return NULL;
    }
    return name;
}

/* ---- POST /v1/probe/items ---- */

struct item {
    const char *name;
    char qty[96];
};

static int item_insert(PGconn *c, void *ud, struct http_response *res)
{
    (void)res;
    const struct item *it = ud;
    const char *params[] = {it->name, it->qty};
    return db_exec(c, "INSERT INTO probe.items (name, qty) VALUES ($1, $2)", 2, params, NULL, NULL,
                   0);
}

/* qty as text: an integer formatted, a string as it is (for Postgres to reject). */
static int qty_text(json_t *qty, char *ret, size_t len)
{
    if (json_is_integer(qty))
        snprintf(ret, len, "%" JSON_INTEGER_FORMAT, json_integer_value(qty));
    else if (json_is_string(qty) && json_string_length(qty) < len)
        snprintf(ret, len, "%s", json_string_value(qty));
    else
        return -1;
    return 0;
}

void probe_item_create(struct http_request *req, struct http_response *res)
{
    json_t *body;
    struct item it;
    if (http_json_body(req, res, &body) != 0)
        return;
    it.name = name_of(body, res);
    if (it.name == NULL)
        goto out;
    if (qty_text(json_object_get(body, "qty"), it.qty, sizeof it.qty) != 0) {
        http_reply_error(res, API_INVALID_TYPE,
                         "qty must be an integer or a string of at most 95 bytes", "qty");
        goto out;
    }
    if (boundary_run(req, res, "probe.items.create", item_insert, &it))
        http_reply_json(res, 201, json_pack("{s:s}", "name", it.name));
out:
    json_decref(body);
}

/* ---- GET /v1/probe/items/{name} ---- */

struct item_row {
    const char *name;
    json_int_t qty; /* out */
};

static int item_select(PGconn *c, void *ud, struct http_response *res)
{
    (void)res;
    struct item_row *row = ud;
    const char *params[] = {row->name};
    PGresult *r;
    int rc = db_exec(c, "SELECT qty FROM probe.items WHERE name = $1", 1, params, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    if (PQntuples(r) == 1)
        row->qty = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    else
        rc = OF_ENOTFOUND;
    PQclear(r);
    return rc;
}

void probe_item_get(struct http_request *req, struct http_response *res)
{
    struct item_row row = {route_param(&req->params, "name"), 0};
    if (boundary_read(req, res, "probe.items.get", item_select, &row))
        http_reply_json(res, 200, json_pack("{s:s, s:I}", "name", row.name, "qty", row.qty));
}

/* ---- POST /v1/probe/replies ---- */

struct reply_req {
    const char *name;
    bool commit;
};

/* Answers by itself; a deferred unique key can still fail the COMMIT it asks for. */
static int reply_insert(PGconn *c, void *ud, struct http_response *res)
{
    const struct reply_req *rq = ud;
    const char *params[] = {rq->name};
    int rc = db_exec(c, "INSERT INTO probe.deferred (name) VALUES ($1)", 1, params, NULL, NULL, 0);
    if (rc != OF_OK)
        return rc;
    http_add_header(res, "X-Probe-Reply", "body");
    http_reply_json(res, 202, json_pack("{s:s, s:b}", "replied", "body", "commit", rq->commit));
    return rq->commit ? BOUNDARY_REPLIED_COMMIT : BOUNDARY_REPLIED;
}

void probe_reply(struct http_request *req, struct http_response *res)
{
    json_t *body;
    struct reply_req rq;
    if (http_json_body(req, res, &body) != 0)
        return;
    rq.name = name_of(body, res);
    rq.commit = json_is_true(json_object_get(body, "commit"));
    if (rq.name != NULL && boundary_run(req, res, "probe.replies", reply_insert, &rq))
        http_reply_error(res, API_INTERNAL, "the body's answer was lost", NULL); /* not reached */
    json_decref(body);
}

/* ---- GET /v1/probe/db/terminate and /v1/probe/db/foreign ---- */

static int run_statement(PGconn *c, void *ud, struct http_response *res)
{
    (void)res;
    return db_exec(c, ud, 0, NULL, NULL, NULL, 0);
}

void probe_db_terminate(struct http_request *req, struct http_response *res)
{
    static char sql[] = "SELECT pg_terminate_backend(pg_backend_pid())";
    if (boundary_run(req, res, "probe.db.terminate", run_statement, sql))
        http_reply_json(res, 200, json_pack("{s:b}", "terminated", 0));
}

void probe_db_foreign(struct http_request *req, struct http_response *res)
{
    static char sql[] = "SELECT count(*) FROM customer.accounts";
    if (boundary_read(req, res, "probe.db.foreign", run_statement, sql))
        http_reply_json(res, 200, json_pack("{s:b}", "readable", 1));
}

/* ---- GET /v1/probe/backend ---- */

struct backend {
    const char *marker;
    char seen[MARKER_MAX_LEN + 1]; /* out: the marker the session holds after the sleep */
    json_int_t pid;                /* out */
};

/* Three statements, so that a second user of the same connection would run between them. */
static int backend_check(PGconn *c, void *ud, struct http_response *res)
{
    (void)res;
    struct backend *b = ud;
    const char *params[] = {b->marker};
    PGresult *r;
    int rc = db_exec(c, "SELECT set_config('probe.marker', $1, false)", 1, params, NULL, NULL, 0);
    if (rc == OF_OK)
        rc = db_exec(c, "SELECT pg_sleep(0.005)", 0, NULL, NULL, NULL, 0);
    if (rc == OF_OK)
        rc = db_exec(c, "SELECT current_setting('probe.marker'), pg_backend_pid()", 0, NULL, &r,
                     NULL, 0);
    if (rc != OF_OK)
        return rc;
    snprintf(b->seen, sizeof b->seen, "%s", PQgetvalue(r, 0, 0));
    b->pid = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    return OF_OK;
}

void probe_backend(struct http_request *req, struct http_response *res)
{
    struct backend b = {http_query(req, "marker"), "", 0};
    if (b.marker == NULL || *b.marker == '\0' || strlen(b.marker) > MARKER_MAX_LEN) {
        http_reply_error(res, API_INVALID_VALUE, "marker must be 1..64 bytes", "marker");
        return;
    }
    if (boundary_read(req, res, "probe.backend", backend_check, &b))
        http_reply_json(res, 200, json_pack("{s:s, s:I}", "marker", b.seen, "pid", b.pid));
}
