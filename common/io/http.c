/* HTTP server over libmicrohttpd: route table dispatch, bounded JSON bodies, one error shape,
 * request ids and trace context, request metrics, the built-in health and metrics routes, and
 * the edge: connection limits, request deadlines (http_guard.c) and the request gate. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/http.h"
#include "common/httpgate.h"
#include "common/jsonout.h"
#include "common/jspec.h"
#include "common/metrics.h"
#include "common/timefmt.h"
#include "common/uuid.h"

#include "http_guard.h"

#define REQUESTS_METRIC           "http_requests_total"
#define DURATION_METRIC           "http_request_duration_seconds"
#define UNMATCHED_ROUTE           "unmatched"
#define ALLOW_MAX                 128
#define DEFAULT_MAX_CONNECTIONS   1024
#define DEFAULT_REQUEST_TIMEOUT_S 10
#define DEFAULT_IDLE_TIMEOUT_S    30
#define MIN_CONNECTIONS           64
#define FD_HEADROOM               256 /* descriptors beside the connections: Postgres, Kafka... */
#define HEADER_ROOM               (32 * 1024) /* pool memory for the request line and headers */
#define DISCARD_MAX               (1024 * 1024) /* oversized body bytes read and dropped before hanging up */
#define PROMETHEUS_TYPE           "text/plain; version=0.0.4; charset=utf-8"

struct http_server;
typedef void (*builtin_fn)(struct http_server *s, struct http_request *req,
                           struct http_response *res);

struct builtin_route {
    struct route_key key; /* first, so route_lookup() can walk the table */
    builtin_fn fn;
};

struct http_server {
    struct MHD_Daemon *daemon;
    MHD_socket quiesced_fd; /* the listen socket handed back by MHD_quiesce_daemon */
    const struct http_route *routes;
    size_t n_routes;
    size_t max_body;
    void *app;
    struct metrics *metrics;
    http_ready_fn ready;
    void *ready_ud;
    const struct auth_verifier *verifier;
    struct httpgate_proxies *proxies;
    struct http_guard *guard;
    unsigned max_connections; /* after fitting the open-file limit */
};

/* Per-request state, created when MHD sees the request line and freed when it completes. */
struct req_ctx {
    struct http_server *srv;
    struct http_request req;
    struct http_guard_conn *conn; /* the connection's guard record; NULL if unknown */
    char *target;                 /* raw request target as sent: path and query */
    char *path;                   /* raw path as sent (percent-encoding kept), without the query */
    struct buf body;
    size_t received;
    double started;
    int started_handler; /* the first access-handler call has happened */
    int too_large;
    enum route_outcome outcome;
    const struct builtin_route *builtin; /* when a built-in route matched */
    const struct http_route *route;      /* when an application route matched */
    char allow[ALLOW_MAX];
};

/* ---- responses ------------------------------------------------------------------------------ */

static void response_clear_body(struct http_response *res)
{
    json_decref(res->json);
    res->json = NULL;
    free(res->raw);
    res->raw = NULL;
    res->raw_len = 0;
    res->content_type = NULL;
}

void http_response_rewind(struct http_response *res, size_t n_headers)
{
    response_clear_body(res);
    res->status = 0;
    while (res->n_headers > n_headers) {
        res->n_headers--;
        free(res->headers[res->n_headers].name);
        free(res->headers[res->n_headers].value);
    }
}

static void response_free(struct http_response *res)
{
    http_response_rewind(res, 0);
}

void http_reply_json(struct http_response *res, int status, json_t *body)
{
    response_clear_body(res);
    res->status = status;
    res->json = body;
}

/* A JSON string for s; falls back to a fixed text when s is not valid UTF-8. */
static json_t *safe_string(const char *s)
{
    json_t *j = json_string(s ? s : "");
    return j ? j : json_string("(invalid text)");
}

void http_reply_error(struct http_response *res, enum api_error e, const char *message,
                      const char *field)
{
    const struct api_error_def *def = api_error_get(e);
    json_t *err = json_object();
    json_t *body = json_object();
    if (!err || !body || json_object_set_new(err, "code", json_string(def->code)) != 0 ||
        json_object_set_new(err, "message", safe_string(message ? message : def->message)) != 0 ||
        (field && json_object_set_new(err, "field", safe_string(field)) != 0) ||
        json_object_set_new(body, "error", err) != 0)
        abort(); /* jansson fails here only when out of memory */
    http_reply_json(res, def->status, body);
}

void http_reply_body(struct http_request *req, struct http_response *res, int status, json_t *body)
{
    if (!body) {
        log_error(&req->log, "%s %s: the answer could not be serialised", req->method,
                  req->pattern);
        http_reply_error(res, API_INTERNAL, NULL, NULL);
        return;
    }
    http_reply_json(res, status, body);
}

void http_reply_jspec(struct http_response *res, const struct jspec_error *err)
{
    http_reply_error(res, err->code, err->message, err->field[0] ? err->field : NULL);
}

void http_add_header(struct http_response *res, const char *name, const char *value)
{
    if (res->n_headers >= HTTP_MAX_HEADERS)
        return;
    res->headers[res->n_headers].name = xstrdup(name);
    res->headers[res->n_headers].value = xstrdup(value ? value : "");
    res->n_headers++;
}

void http_ratelimit_headers(struct http_response *res, const struct ratelimit_decision *d)
{
    char v[16];
    snprintf(v, sizeof v, "%u", d->limit);
    http_add_header(res, "RateLimit-Limit", v);
    snprintf(v, sizeof v, "%u", d->remaining);
    http_add_header(res, "RateLimit-Remaining", v);
    snprintf(v, sizeof v, "%u", d->reset_s);
    http_add_header(res, "RateLimit-Reset", v);
    if (!d->allowed) {
        snprintf(v, sizeof v, "%u", d->retry_after);
        http_add_header(res, "Retry-After", v);
    }
}

/* ---- request accessors ---------------------------------------------------------------------- */

const char *http_header(struct http_request *req, const char *name)
{
    if (!req->conn)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(struct http_request *req, const char *name)
{
    if (!req->conn)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* The guard's record of a connection, kept as libmicrohttpd's socket context; or NULL. */
static struct http_guard_conn *guard_conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    return ci ? ci->socket_context : NULL;
}

struct last_header {
    const char *name;
    const char *value;
};

static enum MHD_Result keep_last(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    struct last_header *h = cls;
    if (key && value && strcasecmp(key, h->name) == 0)
        h->value = value;
    return MHD_YES;
}

void http_client_address(struct http_request *req, char *ret, size_t len)
{
    snprintf(ret, len, "unknown");
    const union MHD_ConnectionInfo *ci =
        req->conn ? MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    struct httpgate_addr peer, client;
    if (!ci || httpgate_addr_from_sockaddr(ci->client_addr, &peer) != 0)
        return;
    struct http_guard_conn *c = guard_conn_of(req->conn);
    struct last_header xff = {"X-Forwarded-For", NULL};
    if (MHD_get_connection_values(req->conn, MHD_HEADER_KIND, keep_last, &xff) < 0)
        xff.value = NULL;
    httpgate_client(c ? http_guard_conn_proxies(c) : NULL, &peer, xff.value, &client);
    httpgate_addr_format(&client, ret, len);
}

int http_json_body(struct http_request *req, struct http_response *res, json_t **ret_obj)
{
    struct jspec_error err;
    if (jspec_load(req->body, req->body_len, ret_obj, &err) != 0) {
        http_reply_error(res, err.code, err.message, NULL);
        return -1;
    }
    return 0;
}

/* ---- built-in routes ------------------------------------------------------------------------ */

static void builtin_healthz(struct http_server *s, struct http_request *req,
                            struct http_response *res)
{
    (void)s;
    (void)req;
    http_reply_json(res, 200, json_pack("{s:s}", "status", "ok"));
}

static void builtin_readyz(struct http_server *s, struct http_request *req,
                           struct http_response *res)
{
    (void)req;
    json_t *detail = json_object();
    bool ok = s->ready ? s->ready(s->ready_ud, detail) : true;
    json_t *body = json_pack("{s:s}", "status", ok ? "ready" : "not_ready");
    if (!detail || !body || json_object_update_missing(body, detail) != 0)
        abort(); /* out of memory */
    json_decref(detail);
    http_reply_json(res, ok ? 200 : 503, body);
}

static void builtin_metrics(struct http_server *s, struct http_request *req,
                            struct http_response *res)
{
    (void)req;
    struct buf b = {0};
    if (s->metrics)
        metrics_render(s->metrics, &b);
    response_clear_body(res);
    res->status = 200;
    res->raw_len = b.len;
    res->raw = buf_steal(&b);
    res->content_type = PROMETHEUS_TYPE;
}

static const struct builtin_route builtins[] = {
    {{"GET", "/healthz"}, builtin_healthz},
    {{"GET", "/readyz"}, builtin_readyz},
    {{"GET", "/metrics"}, builtin_metrics},
};

/* ---- request set-up ------------------------------------------------------------------------- */

/* 1..64 characters of [A-Za-z0-9._-]. */
static bool request_id_sane(const char *s)
{
    if (!s)
        return false;
    size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
    return n >= 1 && n <= HTTP_REQUEST_ID_MAX - 1 && s[n] == '\0';
}

/* The metrics label for a method: the standard ones as they are, anything else "other". */
static const char *method_label(const char *m)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(m, known[i]) == 0)
            return known[i];
    }
    return "other";
}

/* MHD's URI log callback: runs first for every request with the raw URI, before MHD unescapes it,
 * so routes see the path exactly as sent. Its result becomes the request's context. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct req_ctx *ctx = xcalloc(1, sizeof *ctx);
    ctx->srv = cls;
    ctx->target = xstrdup(uri ? uri : "");
    ctx->path = xstrndup(ctx->target, strcspn(ctx->target, "?"));
    ctx->conn = guard_conn_of(conn);
    http_guard_request_line(ctx->srv->guard, ctx->conn);
    return ctx;
}

static enum http_guard_end guard_end(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return GUARD_END_TIMEOUT;
    case MHD_REQUEST_TERMINATED_READ_ERROR:
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return GUARD_END_RESET;
    case MHD_REQUEST_TERMINATED_WITH_ERROR:
        return GUARD_END_ERROR;
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        break;
    }
    return GUARD_END_OK;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    http_guard_request_done(s->guard, guard_conn_of(conn), guard_end(toe));
    struct req_ctx *ctx = *con_cls;
    if (!ctx)
        return;
    buf_free(&ctx->body);
    free(ctx->target);
    free(ctx->path);
    free(ctx);
    *con_cls = NULL;
}

/* Connections opening and closing, for the guard. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        http_guard_close(s->guard, *socket_context);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *peer =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    *socket_context =
        http_guard_open(s->guard, fd ? fd->connect_fd : -1, peer ? peer->client_addr : NULL);
}

/* Accept policy: the per-client connection limit. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addrlen;
    struct http_server *s = cls;
    return http_guard_admit(s->guard, addr) ? MHD_YES : MHD_NO;
}

/* Finds the route: built-ins first, then the application's table. */
static void resolve_route(struct req_ctx *ctx)
{
    struct http_server *s = ctx->srv;
    struct http_request *req = &ctx->req;
    size_t idx = 0;
    ctx->outcome =
        route_lookup(builtins, sizeof builtins / sizeof builtins[0], sizeof builtins[0],
                     req->method, req->path, &idx, &req->params, ctx->allow, sizeof ctx->allow);
    if (ctx->outcome == ROUTE_FOUND) {
        ctx->builtin = &builtins[idx];
        req->pattern = builtins[idx].key.pattern;
        return;
    }
    if (ctx->outcome == ROUTE_BAD_METHOD)
        return;
    ctx->outcome = route_lookup(s->routes, s->n_routes, sizeof s->routes[0], req->method, req->path,
                                &idx, &req->params, ctx->allow, sizeof ctx->allow);
    if (ctx->outcome == ROUTE_FOUND) {
        ctx->route = &s->routes[idx];
        req->pattern = s->routes[idx].key.pattern;
    }
}

static void request_init(struct req_ctx *ctx, struct MHD_Connection *conn, const char *method)
{
    struct http_request *req = &ctx->req;
    ctx->started = time_monotonic_s();
    req->method = method;
    req->path = ctx->path;
    req->pattern = UNMATCHED_ROUTE;
    req->body = "";
    req->conn = conn;
    req->app = ctx->srv->app;
    const char *rid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    if (request_id_sane(rid))
        memcpy(req->request_id, rid, strlen(rid) + 1);
    else
        random_hex(req->request_id, 16);
    const char *tp = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "traceparent");
    if (trace_parse(tp, &req->trace) != 0)
        trace_new(&req->trace);
    req->log.trace_id = req->trace.trace_id;
    req->log.request_id = req->request_id;
    resolve_route(ctx);
}

/* ---- the request gate ----------------------------------------------------------------------- */

struct header_list {
    struct httpgate_header *items;
    size_t n, cap;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    struct header_list *l = cls;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n++] = (struct httpgate_header){key, value};
    return MHD_YES;
}

/* The bytes the request target took on the wire. libmicrohttpd 0.9.75 parses the request line
 * in place: the target starts at url and ends at the space before the version, which it
 * overwrites with a NUL (it also cuts the query off and unescapes in place, but never moves the
 * start). A NUL byte inside the target makes the C string end early; this tells how much is
 * hidden behind it. 0 when the layout is not that: no version, or the two pointers not within
 * one request head. */
static size_t target_wire_len(struct MHD_Connection *conn, const char *url, const char *version)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    uintptr_t u = (uintptr_t)url, v = (uintptr_t)version;
    if (!ci || !url || !version || !version[0] || v <= u || v - u > ci->header_size)
        return 0;
    return (size_t)(v - u - 1);
}

/* Runs httpgate_check() over what libmicrohttpd parsed. Returns 0, or -1 with *ret set. */
static int gate(struct req_ctx *ctx, struct MHD_Connection *conn, const char *url,
                const char *version, struct httpgate_refusal *ret)
{
    struct header_list l = {0};
    if (MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &l) < 0)
        l.n = 0; /* only for a NULL connection */
    const struct httpgate_request r = {
        .method = ctx->req.method,
        .version = version,
        .target = ctx->target,
        .target_wire_len = target_wire_len(conn, url, version),
        .headers = l.items,
        .n_headers = l.n,
    };
    int rc = httpgate_check(&r, ret);
    free(l.items);
    return rc;
}

/* True when the declared Content-Length is over the limit. */
static bool declared_too_large(struct MHD_Connection *conn, size_t max_body)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (!cl)
        return false;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(cl, &end, 10);
    if (end == cl)
        return false; /* MHD rejects malformed lengths itself */
    return errno == ERANGE || n > max_body;
}

/* ---- sending -------------------------------------------------------------------------------- */

/* Moves the response body out of res into a malloc'd buffer for MHD (which frees it). */
static int take_body(struct http_response *res, char **ret_data, size_t *ret_len,
                     const char **ret_type)
{
    if (res->json) {
        /* Reals in their shortest round-trip form (20.15309, not 20.153089999999999). */
        size_t len;
        char *text = jsonout_dumps(res->json, JSON_COMPACT, &len);
        if (!text)
            return -1;
        *ret_data = text;
        *ret_len = len;
        *ret_type = "application/json";
        return 0;
    }
    *ret_len = res->raw ? res->raw_len : 0;
    *ret_data = res->raw ? res->raw : xstrdup("");
    res->raw = NULL;
    /* an empty body needs no type; raw bytes without one are just bytes */
    *ret_type =
        res->content_type ? res->content_type : (*ret_len ? "application/octet-stream" : NULL);
    return 0;
}

static int add_headers(struct MHD_Response *r, const struct http_request *req,
                       const struct http_response *res, const char *type)
{
    if ((type && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES) ||
        MHD_add_response_header(r, "X-Request-Id", req->request_id) != MHD_YES)
        return -1;
    for (size_t i = 0; i < res->n_headers; i++) {
        if (MHD_add_response_header(r, res->headers[i].name, res->headers[i].value) != MHD_YES)
            log_error(&req->log, "dropped invalid response header %s", res->headers[i].name);
    }
    return 0;
}

static void record(struct req_ctx *ctx, int status)
{
    struct http_request *req = &ctx->req;
    double elapsed = time_monotonic_s() - ctx->started;
    if (ctx->srv->metrics) {
        char labels[256], st[16];
        snprintf(st, sizeof st, "%d", status);
        metrics_labels(labels, sizeof labels, "route", req->pattern, "method",
                       method_label(req->method), "status", st, NULL);
        metrics_inc(ctx->srv->metrics, REQUESTS_METRIC, labels, 1);
        metrics_labels(labels, sizeof labels, "route", req->pattern, "method",
                       method_label(req->method), NULL);
        metrics_observe(ctx->srv->metrics, DURATION_METRIC, labels, elapsed);
    }
    log_debug(&req->log, "%s %s %d %.3fms", req->method, req->path, status, elapsed * 1000.0);
}

/* Queues res on the connection and releases it. Returns MHD_NO when nothing could be sent (MHD
 * then closes the connection). */
static enum MHD_Result send_response(struct req_ctx *ctx, struct MHD_Connection *conn,
                                     struct http_response *res)
{
    struct http_request *req = &ctx->req;
    char *data = NULL;
    size_t len = 0;
    const char *type = NULL;
    enum MHD_Result rc = MHD_NO;
    if (take_body(res, &data, &len, &type) != 0) {
        log_error(&req->log, "cannot serialize the response of %s %s", req->method, req->pattern);
        goto out;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(data);
        log_error(&req->log, "cannot create a response for %s %s", req->method, req->pattern);
        goto out;
    }
    if (add_headers(r, req, res, type) != 0)
        log_error(&req->log, "cannot add response headers for %s %s", req->method, req->pattern);
    else if ((rc = MHD_queue_response(conn, (unsigned)res->status, r)) != MHD_YES)
        log_error(&req->log, "cannot queue the response for %s %s", req->method, req->pattern);
    MHD_destroy_response(r);
out:
    record(ctx, rc == MHD_YES ? res->status : 500);
    response_free(res);
    return rc;
}

static enum MHD_Result send_error(struct req_ctx *ctx, struct MHD_Connection *conn,
                                  enum api_error e, const char *message)
{
    struct http_response res = {0};
    http_reply_error(&res, e, message, NULL);
    if (e == API_METHOD_NOT_ALLOWED)
        http_add_header(&res, "Allow", ctx->allow);
    return send_response(ctx, conn, &res);
}

/* A request the gate refused: its framing cannot be trusted, so the connection ends with it. */
static enum MHD_Result send_refusal(struct req_ctx *ctx, struct MHD_Connection *conn,
                                    const struct httpgate_refusal *why)
{
    struct http_response res = {0};
    http_reply_error(&res, why->code, why->message, NULL);
    http_add_header(&res, MHD_HTTP_HEADER_CONNECTION, "close");
    log_debug(&ctx->req.log, "refused a %s request: %s", method_label(ctx->req.method),
              api_error_get(why->code)->code);
    return send_response(ctx, conn, &res);
}

static enum MHD_Result send_too_large(struct req_ctx *ctx, struct MHD_Connection *conn)
{
    char msg[96];
    snprintf(msg, sizeof msg, "request body is larger than %zu bytes", ctx->srv->max_body);
    return send_error(ctx, conn, API_BODY_TOO_LARGE, msg);
}

/* ---- dispatch ------------------------------------------------------------------------------- */

/* On a route that declares roles: the bearer token must verify (else 401 with a
 * WWW-Authenticate challenge, RFC 6750) and carry one of the roles (else 403). Returns true when
 * the handler may run; otherwise res holds the refusal. */
static bool authorize(struct req_ctx *ctx, struct http_response *res)
{
    struct http_request *req = &ctx->req;
    const char *header = http_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
    char token[AUTH_TOKEN_MAX + 1];
    const char *reason = "no bearer token";
    if (!header || auth_bearer(header, token, sizeof token) != 0) {
        http_reply_error(res, API_UNAUTHORIZED, NULL, NULL);
        http_add_header(res, "WWW-Authenticate", "Bearer realm=\"orderflow\"");
        return false;
    }
    if (!ctx->srv->verifier || auth_verify(ctx->srv->verifier, token, time_now_ms() / 1000,
                                           &req->principal, &reason) != 0) {
        log_info(&req->log, "token refused on %s %s: %s", req->method, req->pattern, reason);
        http_reply_error(res, API_INVALID_TOKEN, NULL, NULL);
        http_add_header(res, "WWW-Authenticate",
                        "Bearer realm=\"orderflow\", error=\"invalid_token\"");
        return false;
    }
    if (!(req->principal.role & ctx->route->roles)) {
        http_reply_error(res, API_FORBIDDEN, NULL, NULL);
        return false;
    }
    return true;
}

static enum MHD_Result run_handler(struct req_ctx *ctx, struct MHD_Connection *conn)
{
    struct http_request *req = &ctx->req;
    struct http_response res = {0};
    http_guard_serving(ctx->srv->guard, ctx->conn);
    req->body = ctx->body.data ? ctx->body.data : "";
    req->body_len = ctx->body.len;
    if (ctx->builtin)
        ctx->builtin->fn(ctx->srv, req, &res);
    else if (!ctx->route->roles || authorize(ctx, &res))
        ctx->route->handler(req, &res);
    if (res.status < 100 || res.status > 599) {
        log_error(&req->log, "handler for %s %s set no valid status (%d)", req->method,
                  req->pattern, res.status);
        response_free(&res);
        return send_error(ctx, conn, API_INTERNAL, NULL);
    }
    return send_response(ctx, conn, &res);
}

static enum MHD_Result finish(struct req_ctx *ctx, struct MHD_Connection *conn)
{
    if (ctx->too_large)
        return send_too_large(ctx, conn);
    switch (ctx->outcome) {
    case ROUTE_NOT_FOUND:
        return send_error(ctx, conn, API_NOT_FOUND, NULL);
    case ROUTE_BAD_METHOD:
        return send_error(ctx, conn, API_METHOD_NOT_ALLOWED, NULL);
    case ROUTE_FOUND:
        break;
    }
    return run_handler(ctx, conn);
}

/* Keeps body bytes up to the limit; past it, drops them and remembers to answer 413. */
static enum MHD_Result take_upload(struct req_ctx *ctx, const char *data, size_t *size)
{
    size_t n = *size;
    *size = 0;
    ctx->received += n;
    if (!ctx->too_large && ctx->received > ctx->srv->max_body) {
        ctx->too_large = 1;
        buf_free(&ctx->body);
    }
    if (!ctx->too_large) {
        buf_append(&ctx->body, data, n);
        return MHD_YES;
    }
    /* Reading a body we will refuse only wastes time; past a margin, hang up instead. */
    if (ctx->received - ctx->srv->max_body <= DISCARD_MAX)
        return MHD_YES;
    record(ctx, 413);
    return MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct req_ctx *ctx = *con_cls;
    if (!ctx) /* no URI callback ran (should not happen): fall back to MHD's decoded URL */
        ctx = *con_cls = on_uri(cls, url, conn);
    if (!ctx->started_handler) {
        ctx->started_handler = 1;
        request_init(ctx, conn, method);
        struct httpgate_refusal why;
        if (gate(ctx, conn, url, version, &why) != 0)
            return send_refusal(ctx, conn, &why);
        if (declared_too_large(conn, ctx->srv->max_body))
            return send_too_large(ctx, conn);
        return MHD_YES;
    }
    if (*upload_data_size > 0)
        return take_upload(ctx, upload_data, upload_data_size);
    return finish(ctx, conn);
}

/* ---- server lifecycle ----------------------------------------------------------------------- */

/* libmicrohttpd messages that only repeat, one line per connection, what the guard counts in its
 * summary (closed early, refused, answered with a library error page): logged at debug only. */
static const char *const mhd_counted[] = {
    "Connection was closed by remote side with incomplete request",
    "Socket has been disconnected when reading request",
    "Connection socket is closed when reading request",
    "Connection rejected by application",
    "Error processing request (HTTP response code is",
    "Application reported internal error",
    "Received HTTP/1.1 request without `Host' header",
    "Failed to parse `Content-Length' header",
    "Too large value of 'Content-Length' header",
    "Failed to send",
};

static bool mhd_message_counted(const char *msg)
{
    for (size_t i = 0; i < sizeof mhd_counted / sizeof mhd_counted[0]; i++)
        if (strncmp(msg, mhd_counted[i], strlen(mhd_counted[i])) == 0)
            return true;
    return false;
}

/* Other messages are warnings, a few per summary interval; the rest only counted. */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct http_server *s = cls;
    char *msg = xvasprintf(fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    if (mhd_message_counted(msg))
        log_debug(NULL, "libmicrohttpd: %s", msg);
    else if (!s->guard || http_guard_may_log(s->guard))
        log_warn(NULL, "libmicrohttpd: %s", msg);
    free(msg);
}

/* Fills ss from "addr" and port; returns 0, or -1 if addr is not an IPv4 or IPv6 literal. */
static int make_addr(const char *addr, int port, struct sockaddr_storage *ss, bool *ret_v6)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *ret_v6 = false;
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *ret_v6 = true;
        return 0;
    }
    return -1;
}

static void declare_metrics(struct metrics *m)
{
    if (!m)
        return;
    metrics_declare(m, REQUESTS_METRIC, METRIC_COUNTER,
                    "HTTP requests served, by route pattern, method and status.", NULL, 0);
    metrics_declare(m, DURATION_METRIC, METRIC_HISTOGRAM,
                    "Time from request headers to queued response, by route pattern and method.",
                    NULL, 0);
}

/* Raises the soft RLIMIT_NOFILE so that want connections fit beside the daemon's other
 * descriptors, at most to the hard limit. Returns the connections that fit: want, or fewer when
 * the hard limit is too low (logged). */
static unsigned fit_open_files(unsigned want)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)want + FD_HEADROOM;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_warn(NULL, "http: cannot read RLIMIT_NOFILE: %s", strerror(errno));
        return want;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            log_warn(NULL, "http: cannot raise RLIMIT_NOFILE: %s", strerror(errno));
            rl.rlim_cur = was;
        } else {
            log_info(NULL, "http: raised the open-file limit (RLIMIT_NOFILE) from %llu to %llu",
                     (unsigned long long)was, (unsigned long long)rl.rlim_cur);
        }
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return want;
    unsigned fit = rl.rlim_cur > FD_HEADROOM + MIN_CONNECTIONS
                       ? (unsigned)(rl.rlim_cur - FD_HEADROOM)
                       : MIN_CONNECTIONS;
    log_warn(NULL,
             "http: the open-file limit (RLIMIT_NOFILE, hard %llu) leaves room for %u connections, "
             "not the %u configured",
             (unsigned long long)rl.rlim_max, fit, want);
    return fit;
}

static struct MHD_Daemon *start_daemon(struct http_server *s, const struct http_server_config *cfg,
                                       struct sockaddr_storage *ss, bool v6)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    size_t mem = s->max_body + HEADER_ROOM;
    if (mem < 64 * 1024)
        mem = 64 * 1024;
    unsigned threads = cfg->threads ? cfg->threads : 1;
    unsigned idle = cfg->idle_timeout_s ? cfg->idle_timeout_s : DEFAULT_IDLE_TIMEOUT_S;
    MHD_LogCallback logger = on_mhd_log;
    void *(*uri_cb)(void *, const char *, struct MHD_Connection *) = on_uri;
    MHD_RequestCompletedCallback done_cb = on_completed;
    MHD_NotifyConnectionCallback conn_cb = on_connection;
    /* The logger comes first so MHD's complaints about later options reach our log. MHD warns
     * about a pool of one thread, so the pool option is only given for two or more. In 0.9.75
     * no STRICT_FOR_CLIENT level is the strictest: 1 refuses a missing Host (an HTML 400 with its
     * status line sent twice) and a space in the target (closing without an answer), -1 only
     * whitespace before a header's colon (HTML 400). The gate refuses all three with the JSON
     * error shape, so the library stays at its default, 0, said explicitly. */
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)logger, s},
        {MHD_OPTION_SOCK_ADDR, 0, ss},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)idle, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->max_connections, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)mem, NULL},
        {MHD_OPTION_STRICT_FOR_CLIENT, 0, NULL},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_cb, s},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)done_cb, s},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)conn_cb, s},
        {threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    return MHD_start_daemon(flags, (uint16_t)cfg->port, on_accept, s, on_request, s,
                            MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
}

/* The connection guard, with the configured or default limits. */
static struct http_guard *start_guard(struct http_server *s, const struct http_server_config *cfg,
                                      char *err, size_t errlen)
{
    const struct http_guard_config gc = {
        .max_per_client = cfg->max_per_client,
        .request_timeout_s =
            cfg->request_timeout_s ? cfg->request_timeout_s : DEFAULT_REQUEST_TIMEOUT_S,
        .idle_timeout_s = cfg->idle_timeout_s ? cfg->idle_timeout_s : DEFAULT_IDLE_TIMEOUT_S,
        .proxies = s->proxies,
        .metrics = s->metrics,
    };
    return http_guard_new(&gc, err, errlen);
}

static void server_free(struct http_server *s)
{
    http_guard_free(s->guard);
    httpgate_proxies_free(s->proxies);
    free(s);
}

/* What must hold before libmicrohttpd starts: epoll (select() would cap connections at
 * FD_SETSIZE), trusted proxies that parse, the guard, and descriptors for the connections. */
static int prepare(struct http_server *s, const struct http_server_config *cfg, char *err,
                   size_t errlen)
{
    char why[160];
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) != MHD_YES) {
        snprintf(err, errlen, "libmicrohttpd was built without epoll");
        return -1;
    }
    if (httpgate_proxies_parse(cfg->trusted_proxies, &s->proxies, why, sizeof why) != 0) {
        snprintf(err, errlen, "trusted proxies: %s", why);
        return -1;
    }
    s->guard = start_guard(s, cfg, err, errlen);
    if (!s->guard)
        return -1;
    s->max_connections =
        fit_open_files(cfg->max_connections ? cfg->max_connections : DEFAULT_MAX_CONNECTIONS);
    return 0;
}

struct http_server *http_server_start(const struct http_server_config *cfg,
                                      const struct http_route *routes, size_t n_routes, void *app,
                                      struct metrics *metrics, http_ready_fn ready, void *ready_ud,
                                      char *err, size_t errlen)
{
    const char *addr = cfg->addr ? cfg->addr : "0.0.0.0";
    struct sockaddr_storage ss;
    bool v6 = false;
    if (cfg->port < 0 || cfg->port > 65535 || make_addr(addr, cfg->port, &ss, &v6) != 0) {
        snprintf(err, errlen, "invalid listen address %s port %d", addr, cfg->port);
        return NULL;
    }
    struct http_server *s = xcalloc(1, sizeof *s);
    s->quiesced_fd = MHD_INVALID_SOCKET;
    s->routes = routes;
    s->n_routes = n_routes;
    s->max_body = cfg->max_body;
    s->app = app;
    s->metrics = metrics;
    s->ready = ready;
    s->ready_ud = ready_ud;
    s->verifier = cfg->verifier;
    declare_metrics(metrics);
    if (prepare(s, cfg, err, errlen) != 0) {
        server_free(s);
        return NULL;
    }
    errno = 0;
    s->daemon = start_daemon(s, cfg, &ss, v6);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s port %d: %s", addr, cfg->port,
                 errno ? strerror(errno) : "libmicrohttpd failed to start");
        server_free(s);
        return NULL;
    }
    return s;
}

void http_server_quiesce(struct http_server *s)
{
    if (!s || !s->daemon || s->quiesced_fd != MHD_INVALID_SOCKET)
        return;
    s->quiesced_fd = MHD_quiesce_daemon(s->daemon);
    if (s->quiesced_fd == MHD_INVALID_SOCKET)
        log_error(NULL, "libmicrohttpd could not stop accepting connections");
}

void http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon); /* closes every connection: the guard hears of each */
    /* MHD leaves a quiesced listen socket to us, to close once its threads are gone. */
    if (s->quiesced_fd != MHD_INVALID_SOCKET && close(s->quiesced_fd) != 0)
        log_error(NULL, "closing the quiesced listen socket failed: %s", strerror(errno));
    server_free(s);
}
