/* HTTP over libmicrohttpd: a route table, JSON bodies with a size limit, one error shape,
 * request ids, trace context, the built-in /healthz, /readyz and /metrics, and a hardened edge:
 * connection limits, a deadline for slow requests, the request gate (common/httpgate.h). */
#ifndef COMMON_HTTP_H
#define COMMON_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/apierror.h"
#include "common/auth.h"
#include "common/log.h"
#include "common/ratelimit.h"
#include "common/route.h"
#include "common/trace.h"
#include "common/xalloc.h"

struct metrics;
struct jspec_error;

#define HTTP_REQUEST_ID_MAX 65
#define HTTP_MAX_HEADERS    8

struct http_request {
    const char *method;
    const char *path;    /* without the query string */
    const char *pattern; /* the matched route's pattern (the metrics label) */
    struct route_params params;
    const char *body; /* NUL-terminated; "" when there is none */
    size_t body_len;
    char request_id[HTTP_REQUEST_ID_MAX]; /* X-Request-Id as received (if sane) or generated */
    struct trace_ctx trace;               /* from traceparent, or a new trace */
    struct log_fields log;                /* trace_id and request_id filled in */
    struct auth_principal principal;      /* the caller, on routes that declare roles */
    void *conn;                           /* struct MHD_Connection */
    void *app;                            /* the server's app pointer */
};

struct http_header_kv {
    char *name;
    char *value;
};

struct http_response {
    int status;
    json_t *json; /* owned; sent as application/json */
    char *raw;    /* owned; sent as is when json is NULL */
    size_t raw_len;
    const char *content_type; /* for raw; static string */
    struct http_header_kv headers[HTTP_MAX_HEADERS];
    size_t n_headers;
};

typedef void (*http_handler_fn)(struct http_request *req, struct http_response *res);

struct http_route {
    struct route_key key; /* must stay first: route_lookup() walks the table through it */
    http_handler_fn handler;
    unsigned roles; /* enum auth_role bits allowed; 0: public. Others need a valid bearer token
                     * (401 with WWW-Authenticate otherwise) of one of these roles (else 403). */
};

/* Sets status and a JSON body (stolen). */
void http_reply_json(struct http_response *res, int status, json_t *body);
/* Sets the status of e (common/apierror.h) and {"error":{"code","message","field"}}: message
 * NULL takes the table's default, field is omitted when NULL. */
void http_reply_error(struct http_response *res, enum api_error e, const char *message,
                      const char *field);
/* Replies status with body (stolen); a NULL body (a serialiser failed) becomes a 500
 * (API_INTERNAL) and an error log line naming the request's method and route pattern. */
void http_reply_body(struct http_request *req, struct http_response *res, int status, json_t *body);
/* The reply to a body or query that the rules (common/jspec.h) refused with err: its code's
 * status (400 for most), its message, and its field when it names one. */
void http_reply_jspec(struct http_response *res, const struct jspec_error *err);
/* Adds a response header (copied). Beyond HTTP_MAX_HEADERS headers are dropped. */
void http_add_header(struct http_response *res, const char *name, const char *value);
/* Takes back a reply: frees the body, sets status 0 and drops every header after the first
 * n_headers (those set before, e.g. RateLimit-*, stay). For a reply that a retried transaction
 * body had queued, or one that a failed COMMIT overrules. */
void http_response_rewind(struct http_response *res, size_t n_headers);
/* A request header or query argument, or NULL. */
const char *http_header(struct http_request *req, const char *name);
const char *http_query(struct http_request *req, const char *name);
/* Writes the client's numeric address (IPv4 or IPv6 text) into ret, or "unknown" when it cannot
 * be told; ret has room for len bytes (INET6_ADDRSTRLEN is enough). The client is the TCP peer,
 * except when the peer is one of the server's trusted proxies: then it is the last hop of the
 * last X-Forwarded-For header, if that is a valid address (httpgate_client()). */
void http_client_address(struct http_request *req, char *ret, size_t len);
/* Sets RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset from d, and Retry-After when the
 * request was refused. */
void http_ratelimit_headers(struct http_response *res, const struct ratelimit_decision *d);
/* Parses the body as a JSON object with jspec_load() (common/jspec.h: duplicate members, deep
 * nesting, invalid UTF-8 and out-of-range numbers refused). On failure replies 400
 * (API_INVALID_JSON or API_BODY_NOT_OBJECT) and returns -1; on success returns 0 and the object
 * (caller owns). */
int http_json_body(struct http_request *req, struct http_response *res, json_t **ret_obj)
    __attribute__((warn_unused_result));

/* Readiness probe: returns true when ready; adds one member per dependency to detail
 * (e.g. "postgres": "ok"). */
typedef bool (*http_ready_fn)(void *ud, json_t *detail);

struct http_server_config {
    const char *addr; /* "0.0.0.0" */
    int port;
    unsigned threads;
    size_t max_body; /* 413 above this */
    const char *service;
    const struct auth_verifier *verifier; /* checks tokens on routes with roles; NULL: none pass */
    /* Open connections at most (0: 1024); at the limit new ones wait in the listen backlog. The
     * soft RLIMIT_NOFILE is raised to fit (at most to the hard limit, else the limit is lowered).
     */
    unsigned max_connections;
    unsigned max_per_client; /* per client address, trusted proxies exempt (0: no limit) */
    /* A request's line, headers and body must all arrive within this many seconds of the
     * connection opening (its first request) or of its request line (later ones), however slowly
     * they dribble in; then the connection is cut (0: 10). */
    unsigned request_timeout_s;
    /* A connection without any traffic for this long is closed; also the longest a kept-alive
     * connection waits for its next request (0: 30). */
    unsigned idle_timeout_s;
    /* Comma-separated IPs whose X-Forwarded-For is believed (httpgate_proxies_parse); NULL or
     * "": none. */
    const char *trusted_proxies;
};

struct http_server;

/* Starts serving routes (plus /healthz, /readyz, /metrics) on the configured address. routes
 * must outlive the server. Counts requests and latency per route and status, and connections
 * closed early or refused, in metrics; logs one summary line per 10 s of early closes instead of
 * libmicrohttpd's line for each. Every request passes httpgate_check() first (400 or 415 with the
 * JSON error shape). Returns NULL with err filled when the port cannot be bound, the trusted
 * proxies do not parse, or libmicrohttpd lacks epoll. */
struct http_server *http_server_start(const struct http_server_config *cfg,
                                      const struct http_route *routes, size_t n_routes, void *app,
                                      struct metrics *metrics, http_ready_fn ready, void *ready_ud,
                                      char *err, size_t errlen);
/* Stops accepting new connections; requests in progress finish. */
void http_server_quiesce(struct http_server *s);
/* Stops the server (waiting for in-flight requests) and frees it. NULL is a no-op. */
void http_server_stop(struct http_server *s);

#endif
