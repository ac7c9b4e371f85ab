/* The HTTP <-> database boundary (boundary.h): borrow a connection, run the body in a retried
 * transaction, turn its result into the answer, and log a failure once. */
#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "common/apierror.h"
#include "common/boundary.h"
#include "common/daemon.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/http.h"
#include "common/log.h"

/* How a failure is answered and logged; the first row is the default. */
struct answer {
    int rc;
    enum api_error error;
    bool retry_after;
    enum log_level level;
};

static const struct answer answers[] = {
    {OF_EPERMANENT, API_INTERNAL, false, LOG_ERROR}, /* and every code not listed */
    {OF_ENOTFOUND, API_NOT_FOUND, false, LOG_INFO},
    {OF_ECONFLICT, API_CONFLICT, false, LOG_WARN},
    {OF_EUNAVAIL, API_DATABASE_UNAVAILABLE, true, LOG_ERROR},
};

/* One request's run through the boundary. */
struct run {
    struct http_request *req;
    struct http_response *res;
    const char *what;
    size_t n_headers; /* headers the handler set before: they survive a take-back */
    boundary_fn body;
    void *ud;
    int replied; /* 0, or the enum boundary_reply the body's last run returned */
};

static const struct answer *answer_for(int rc)
{
    for (size_t i = 1; i < sizeof answers / sizeof answers[0]; i++) {
        if (answers[i].rc == rc)
            return &answers[i];
    }
    return &answers[0];
}

/* One run of the body as a db_tx_fn: takes back what an earlier run queued, and turns
 * BOUNDARY_REPLIED_COMMIT into a commit (BOUNDARY_REPLIED, being no OF_OK, rolls back). */
static int attempt(PGconn *c, void *ud)
{
    struct run *r = ud;
    int rc;

    http_response_rewind(r->res, r->n_headers);
    r->replied = 0;
    rc = r->body(c, r->ud, r->res);
    if (rc == BOUNDARY_REPLIED || rc == BOUNDARY_REPLIED_COMMIT)
        r->replied = rc;
    return rc == BOUNDARY_REPLIED_COMMIT ? OF_OK : rc;
}

/* Replaces whatever res holds with the answer to rc and logs it with this thread's last
 * database failure. */
static void fail(struct run *r, int rc)
{
    const struct answer *a = answer_for(rc);
    const struct api_error_def *def = api_error_get(a->error);
    const struct db_error *err = db_last_error();

    http_response_rewind(r->res, r->n_headers);
    http_reply_error(r->res, a->error, NULL, NULL);
    if (a->retry_after)
        http_add_header(r->res, "Retry-After", "1");
    LOG_AT(a->level, &r->req->log, "%s failed: %s (%d); answered %d %s; %s", r->what,
           of_result_name(rc), rc, def->status, def->code,
           err->rc != OF_OK ? err->message : "no database error recorded");
}

/* The end of a run: true when the caller replies, false when res holds the answer. */
static bool settle(struct run *r, int rc)
{
    if (rc == OF_OK)
        return r->replied == 0;
    if (rc == BOUNDARY_REPLIED || rc == BOUNDARY_REPLIED_COMMIT)
        return false;
    fail(r, rc);
    return false;
}

/* Borrows a connection and runs body on it: in a retried transaction (in_tx), or once as it
 * is; then maps the result. */
static bool run_on_pool(struct http_request *req, struct http_response *res, const char *what,
                        boundary_fn body, void *ud, bool in_tx)
{
    struct daemon *d = req->app;
    struct run r = {req, res, what, res->n_headers, body, ud, 0};
    PGconn *c = db_pool_get(d->pool, BOUNDARY_POOL_WAIT_MS);
    int rc;

    if (c == NULL)
        return settle(&r, OF_EUNAVAIL); /* the pool recorded why */
    if (in_tx) {
        rc = db_transact(c, attempt, &r, BOUNDARY_ATTEMPTS);
    } else {
        db_error_clear();
        rc = body(c, ud, res);
    }
    db_pool_put(d->pool, c); /* keeps the failure record for settle() */
    return settle(&r, rc);
}

bool boundary_run(struct http_request *req, struct http_response *res, const char *what,
                  boundary_fn body, void *ud)
{
    return run_on_pool(req, res, what, body, ud, true);
}

bool boundary_read(struct http_request *req, struct http_response *res, const char *what,
                   boundary_fn body, void *ud)
{
    return run_on_pool(req, res, what, body, ud, false);
}
