/* The HTTP server's connection guard (internal to common_io, used by http.c only): every open
 * connection with its client and its request deadline, the per-client connection count, a
 * sweeper thread that cuts connections past their deadline, and the counts behind one summary
 * log line per interval instead of a line for each connection closed early. Knows nothing of
 * libmicrohttpd: http.c calls it from its callbacks. */
#ifndef COMMON_HTTP_GUARD_H
#define COMMON_HTTP_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "common/httpgate.h"

struct metrics;
struct sockaddr;

struct http_guard_config {
    unsigned max_per_client; /* 0: no limit */
    double request_timeout_s;
    double idle_timeout_s;
    const struct httpgate_proxies *proxies; /* exempt from max_per_client; borrowed */
    struct metrics *metrics;                /* may be NULL; borrowed */
};

/* How a request ended early, from libmicrohttpd's termination code. */
enum http_guard_end {
    GUARD_END_OK,      /* answered (or the server is stopping) */
    GUARD_END_TIMEOUT, /* idle too long */
    GUARD_END_RESET,   /* the client went away mid-request */
    GUARD_END_ERROR,   /* closed after an error: a library error page, a failed send */
};

struct http_guard;
struct http_guard_conn;

/* Starts a guard and its sweeper thread. Returns NULL with err filled when the thread cannot
 * start. Free with http_guard_free(), after the server has closed every connection. */
struct http_guard *http_guard_new(const struct http_guard_config *cfg, char *err, size_t errlen);
/* Stops the sweeper (logging a last summary if there is anything to say) and frees the guard.
 * NULL is a no-op. */
void http_guard_free(struct http_guard *g);

/* Accept policy: false when the client already holds max_per_client connections (counted as
 * refused). Trusted proxies always pass. */
bool http_guard_admit(struct http_guard *g, const struct sockaddr *sa);
/* A connection opened: fd is its socket (negative: unknown, it can then not be cut), sa its
 * peer. Its first request must be complete within the request timeout. Returns its record,
 * which http_guard_close() frees. */
struct http_guard_conn *http_guard_open(struct http_guard *g, int fd, const struct sockaddr *sa);
/* The connection closed: forgets it (counting it if the sweeper cut it) and frees c. */
void http_guard_close(struct http_guard *g, struct http_guard_conn *c);
/* A request line arrived: a later request on a kept-alive connection gets its own deadline. */
void http_guard_request_line(struct http_guard *g, struct http_guard_conn *c);
/* The whole request is in and about to be handled: no deadline until it is answered. */
void http_guard_serving(struct http_guard *g, struct http_guard_conn *c);
/* The request ended as end says; the connection, if kept, waits for its next request line at
 * most the idle timeout plus the request timeout. */
void http_guard_request_done(struct http_guard *g, struct http_guard_conn *c,
                             enum http_guard_end end);
/* A libmicrohttpd message that repeats what the counts already say: not logged, counted. */
void http_guard_suppressed(struct http_guard *g);
/* Whether another libmicrohttpd message may be logged in this interval; false (and the message
 * counted as suppressed) past a small burst. */
bool http_guard_may_log(struct http_guard *g);
/* The connection's peer address. */
const struct httpgate_addr *http_guard_peer(const struct http_guard_conn *c);
/* The trusted proxies of the guard that opened c (may be NULL). */
const struct httpgate_proxies *http_guard_conn_proxies(const struct http_guard_conn *c);

#endif
