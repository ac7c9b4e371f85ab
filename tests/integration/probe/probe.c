/* probe-svc: a test-only daemon built on the same lifecycle as the seven services. It writes
 * probe.event.v1 events to its outbox on request and records each one it consumes in
 * probe.effects, so the integration tests can watch outbox -> Kafka -> inbox end to end; its
 * routes of probe_boundary.c drive the HTTP <-> database boundary. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/daemon.h"
#include "common/db.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/outbox.h"
#include "common/timefmt.h"
#include "common/timers.h"
#include "probe_boundary.h"

#define MAX_EMIT 10000

struct emit_req {
    const char *key;
    json_int_t count;
    const struct http_request *req;
};

/* The transaction body: count events for one key. Safe to run again (db_transact retries). */
static int emit_events(PGconn *c, void *ud)
{
    const struct emit_req *e = ud;
    int rc = OF_OK;
    for (json_int_t i = 1; rc == OF_OK && i <= e->count; i++) {
        struct envelope ev = {0};
        json_t *data = json_pack("{s:s, s:I}", "key", e->key, "seq", i);
        rc = envelope_init(&ev, "probe.event", 1, "probe-svc", e->req->trace.trace_id, e->key,
                           e->req->request_id, data);
        if (rc == OF_OK)
            rc = outbox_append(c, "probe", e->key, &ev);
        envelope_clear(&ev);
    }
    return rc;
}

/* POST /v1/probe/emit {"key": "k1", "count": 100}: count events with seq 1..count, one
 * transaction. */
static void emit(struct http_request *req, struct http_response *res)
{
    struct daemon *d = req->app;
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct emit_req e = {json_string_value(json_object_get(body, "key")),
                         json_integer_value(json_object_get(body, "count")), req};
    if (!e.key || !*e.key) {
        http_reply_error(res, API_INVALID_VALUE, "key must be a non-empty string", "key");
        goto out;
    }
    if (e.count < 1 || e.count > MAX_EMIT) {
        http_reply_error(res, API_OUT_OF_RANGE, "count must be 1..10000", "count");
        goto out;
    }
    PGconn *c = db_pool_get(d->pool, 1000);
    if (!c) {
        http_reply_error(res, API_DATABASE_UNAVAILABLE, NULL, NULL);
        goto out;
    }
    int rc = db_transact(c, emit_events, &e, 3);
    db_pool_put(d->pool, c);
    if (rc != OF_OK)
        http_reply_error(res, API_DATABASE_UNAVAILABLE, of_result_name(rc), NULL);
    else
        http_reply_json(res, 202, json_pack("{s:I}", "emitted", e.count));
out:
    json_decref(body);
}

/* Records the event. A short lock_timeout turns a table lock held by a test into a retryable
 * failure (SQLSTATE 55P03), which is how the tests exercise the consumer's backoff. An event
 * whose data has "reject" is refused for good with a reason, which the tests find in the dead
 * letter's dlq.error (a field named, never its value). */
static int on_probe_event(struct consumer_ctx *ctx, const struct envelope *ev)
{
    const char *key = json_string_value(json_object_get(ev->data, "key"));
    json_t *seq = json_object_get(ev->data, "seq");
    if (!key || !json_is_integer(seq))
        return consumer_fail(ctx, "data.key, data.seq: a string and an integer are required");
    if (json_object_get(ev->data, "reject"))
        return consumer_fail(ctx, "data.reject: asked to");
    char seq_text[32];
    snprintf(seq_text, sizeof seq_text, "%" JSON_INTEGER_FORMAT, json_integer_value(seq));
    int rc = db_exec(ctx->db, "SET LOCAL lock_timeout = '300ms'", 0, NULL, NULL, NULL, 0);
    if (rc != OF_OK)
        return rc;
    const char *params[] = {ev->event_id, key, seq_text};
    return db_exec(ctx->db, "INSERT INTO probe.effects (event_id, key, seq) VALUES ($1, $2, $3)", 3,
                   params, NULL, NULL, 0);
}

/* One advisory lock per key, taken by the loop in ascending order for the batch. It is the key's
 * outbox lock (outbox_lock_key): the handler appends nothing, but were it to append for its key,
 * this one key would already cover that append, as consumer.h's lock_keys rule asks. */
static size_t probe_lock_keys(const struct envelope *ev, int64_t *ret_keys, size_t max)
{
    const char *key = json_string_value(json_object_get(ev->data, "key"));
    if (!key || max < 1)
        return 0;
    ret_keys[0] = outbox_lock_key(key);
    return 1;
}

/* GET /v1/probe/whoami (customers and admins): the caller as the token says. */
static void whoami(struct http_request *req, struct http_response *res)
{
    http_reply_json(res, 200,
                    json_pack("{s:s, s:s}", "sub", req->principal.sub, "role",
                              auth_role_name(req->principal.role)));
}

/* POST /v1/probe/limited: 3 requests per 10 s per X-Probe-Key, counted in Redis. */
static void limited(struct http_request *req, struct http_response *res)
{
    static const struct ratelimit_rule rule = {3, 10000};
    const char *who = http_header(req, "X-Probe-Key");
    char key[128];
    snprintf(key, sizeof key, "probe:limited:%s", who ? who : "-");
    if (daemon_rate_limit(req->app, res, key, &rule))
        http_reply_json(res, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- timers: POST /v1/probe/timers {"key", "due_in_ms", "mode"} arms (or re-arms) a "probe"
 * timer; POST /v1/probe/timers/cancel {"key"} cancels it. When it fires, the handler records the
 * firing in probe.timer_fired and writes a probe.event for the key to the outbox, in the claiming
 * transaction. mode "retry" fails transiently on the first two tries, "fail" for good. */

struct timer_req {
    const char *key, *mode;
    json_int_t due_in_ms;
    bool cancel;
};

static int timer_tx(PGconn *c, void *ud)
{
    const struct timer_req *r = ud;
    if (r->cancel)
        return timers_cancel(c, "probe", "probe", r->key);
    json_t *payload = json_pack("{s:s}", "mode", r->mode);
    int rc = timers_arm(c, "probe", "probe", r->key, time_now_ms() + r->due_in_ms, payload);
    json_decref(payload);
    return rc;
}

static void timer_route(struct http_request *req, struct http_response *res, bool cancel)
{
    struct daemon *d = req->app;
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct timer_req r = {json_string_value(json_object_get(body, "key")),
                          json_string_value(json_object_get(body, "mode")),
                          json_integer_value(json_object_get(body, "due_in_ms")), cancel};
    if (!r.mode)
        r.mode = "ok";
    PGconn *c = NULL;
    if (!r.key || !*r.key)
        http_reply_error(res, API_INVALID_VALUE, "key must be a non-empty string", "key");
    else if (!(c = db_pool_get(d->pool, 1000)))
        http_reply_error(res, API_DATABASE_UNAVAILABLE, NULL, NULL);
    else if (db_transact(c, timer_tx, &r, 3) != OF_OK)
        http_reply_error(res, API_DATABASE_UNAVAILABLE, NULL, NULL);
    else
        http_reply_json(res, 202, json_pack("{s:s}", "key", r.key));
    if (c)
        db_pool_put(d->pool, c);
    json_decref(body);
}

static void timer_arm(struct http_request *req, struct http_response *res)
{
    timer_route(req, res, false);
}

static void timer_cancel(struct http_request *req, struct http_response *res)
{
    timer_route(req, res, true);
}

static int on_probe_timer(struct timer_ctx *ctx, const json_t *payload)
{
    const char *mode = json_string_value(json_object_get(payload, "mode"));
    if (mode && strcmp(mode, "fail") == 0)
        return timer_fail(ctx, "payload.mode: asked to fail");
    if (mode && strcmp(mode, "retry") == 0 && ctx->attempts < 2)
        return timer_retry(ctx, "payload.mode: asked to retry (try %d)", ctx->attempts + 1);
    char attempts[16], instance[32];
    snprintf(attempts, sizeof attempts, "%d", ctx->attempts);
    snprintf(instance, sizeof instance, "%ld", (long)getpid());
    const char *params[] = {ctx->key, attempts, instance};
    int rc = db_exec(ctx->db,
                     "INSERT INTO probe.timer_fired (key, attempts, instance) VALUES ($1, $2, $3)",
                     3, params, NULL, NULL, 0);
    if (rc != OF_OK)
        return rc;
    struct envelope ev = {0};
    json_t *data = json_pack("{s:s, s:I, s:b}", "key", ctx->key, "seq", (json_int_t)1, "timer", 1);
    rc = envelope_init(&ev, "probe.event", 1, "probe-svc", ctx->trace_id, ctx->key, NULL, data);
    if (rc == OF_OK)
        rc = outbox_append(ctx->db, "probe", ctx->key, &ev);
    envelope_clear(&ev);
    return rc;
}

static const struct timer_kind timer_kinds[] = {
    {"probe", on_probe_timer},
};

static const struct http_route routes[] = {
    {{"POST", "/v1/probe/timers"}, timer_arm, 0},
    {{"POST", "/v1/probe/timers/cancel"}, timer_cancel, 0},
    {{"POST", "/v1/probe/emit"}, emit, 0},
    {{"GET", "/v1/probe/whoami"}, whoami, AUTH_CUSTOMER | AUTH_ADMIN},
    {{"POST", "/v1/probe/limited"}, limited, 0},
    {{"POST", "/v1/probe/items"}, probe_item_create, 0},
    {{"GET", "/v1/probe/items/{name}"}, probe_item_get, 0},
    {{"POST", "/v1/probe/replies"}, probe_reply, 0},
    {{"GET", "/v1/probe/db/terminate"}, probe_db_terminate, 0},
    {{"GET", "/v1/probe/db/foreign"}, probe_db_foreign, 0},
    {{"GET", "/v1/probe/backend"}, probe_backend, 0},
};

static const struct event_handler handlers[] = {
    {"probe.event.v1", on_probe_event, probe_lock_keys},
};

static const struct service_def service = {
    .name = "probe-svc",
    .schema = "probe",
    .migrations = "probe",
    .db_role = "probe_svc",
    .default_port = 8089,
    .routes = routes,
    .n_routes = sizeof routes / sizeof routes[0],
    .handlers = handlers,
    .n_handlers = sizeof handlers / sizeof handlers[0],
    .timers = timer_kinds,
    .n_timers = sizeof timer_kinds / sizeof timer_kinds[0],
};

int main(int argc, char **argv)
{
    return daemon_main(argc, argv, &service);
}
