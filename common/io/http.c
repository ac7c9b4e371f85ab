/* HTTP server over libmicrohttpd: route table dispatch, bounded JSON bodies, one error shape,
 * request ids and trace context, request metrics, and the built-in health and metrics routes. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/http.h"
#include "common/jsonout.h"
#include "common/jspec.h"
#include "common/metrics.h"
#include "common/timefmt.h"
#include "common/uuid.h"

#define REQUESTS_METRIC "http_requests_total"
#define DURATION_METRIC "http_request_duration_seconds"
#define UNMATCHED_ROUTE "unmatched"
#define ALLOW_MAX       128
#define CONN_TIMEOUT_S  30
#define HEADER_ROOM     (32 * 1024)   /* pool memory for the request line and headers */
#define DISCARD_MAX     (1024 * 1024) /* oversized body bytes read and dropped before hanging up */
#define PROMETHEUS_TYPE "text/plain; version=0.0.4; charset=utf-8"

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
};

/* Per-request state, created when MHD sees the request line and freed when it completes. */
struct req_ctx {
    struct http_server *srv;
    struct http_request req;
    char *path; /* raw path as sent (percent-encoding kept), without the query */
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

void http_client_address(struct http_request *req, char *ret, size_t len)
{
    snprintf(ret, len, "unknown");
    const union MHD_ConnectionInfo *ci =
        req->conn ? MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    const void *addr = NULL;
    if (sa->sa_family == AF_INET)
        addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (sa->sa_family == AF_INET6)
        addr = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (addr && !inet_ntop(sa->sa_family, addr, ret, (socklen_t)len))
        snprintf(ret, len, "unknown");
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
    (void)conn;
    struct req_ctx *ctx = xcalloc(1, sizeof *ctx);
    ctx->srv = cls;
    ctx->path = xstrndup(uri ? uri : "", uri ? strcspn(uri, "?") : 0);
    return ctx;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct req_ctx *ctx = *con_cls;
    if (!ctx)
        return;
    buf_free(&ctx->body);
    free(ctx->path);
    free(ctx);
    *con_cls = NULL;
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
    (void)version;
    struct req_ctx *ctx = *con_cls;
    if (!ctx) /* no URI callback ran (should not happen): fall back to MHD's decoded URL */
        ctx = *con_cls = on_uri(cls, url, conn);
    if (!ctx->started_handler) {
        ctx->started_handler = 1;
        request_init(ctx, conn, method);
        if (declared_too_large(conn, ctx->srv->max_body))
            return send_too_large(ctx, conn);
        return MHD_YES;
    }
    if (*upload_data_size > 0)
        return take_upload(ctx, upload_data, upload_data_size);
    return finish(ctx, conn);
}

/* ---- server lifecycle ----------------------------------------------------------------------- */

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char *msg = xvasprintf(fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
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

static struct MHD_Daemon *start_daemon(struct http_server *s, const struct http_server_config *cfg,
                                       struct sockaddr_storage *ss, bool v6)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    size_t mem = s->max_body + HEADER_ROOM;
    if (mem < 64 * 1024)
        mem = 64 * 1024;
    unsigned threads = cfg->threads ? cfg->threads : 1;
    MHD_LogCallback logger = on_mhd_log;
    void *(*uri_cb)(void *, const char *, struct MHD_Connection *) = on_uri;
    MHD_RequestCompletedCallback done_cb = on_completed;
    /* The logger comes first so MHD's complaints about later options reach our log. MHD warns
     * about a pool of one thread, so the pool option is only given for two or more. */
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)logger, NULL},
        {MHD_OPTION_SOCK_ADDR, 0, ss},
        {MHD_OPTION_CONNECTION_TIMEOUT, CONN_TIMEOUT_S, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)mem, NULL},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_cb, s},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)done_cb, s},
        {threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    return MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, s, MHD_OPTION_ARRAY,
                            opts, MHD_OPTION_END);
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
    errno = 0;
    s->daemon = start_daemon(s, cfg, &ss, v6);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s port %d: %s", addr, cfg->port,
                 errno ? strerror(errno) : "libmicrohttpd failed to start");
        free(s);
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
    MHD_stop_daemon(s->daemon);
    /* MHD leaves a quiesced listen socket to us, to close once its threads are gone. */
    if (s->quiesced_fd != MHD_INVALID_SOCKET && close(s->quiesced_fd) != 0)
        log_error(NULL, "closing the quiesced listen socket failed: %s", strerror(errno));
    free(s);
}
