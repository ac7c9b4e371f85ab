/* The HTTP request gate: pure decisions on what a request's line and header list may look like
 * (framing headers, Host, Authorization, the body's media type, the target's bytes), and whose
 * word to take for the client's address (X-Forwarded-For only from a trusted proxy). No I/O:
 * common/io/http.c feeds it what libmicrohttpd shows and sends the answer. */
#ifndef COMMON_HTTPGATE_H
#define COMMON_HTTPGATE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/apierror.h"

struct sockaddr;

/* One header line as received, in order; duplicates are separate entries. */
struct httpgate_header {
    const char *name;
    const char *value;
};

struct httpgate_request {
    const char *method;
    const char *version; /* "HTTP/1.1" */
    const char *target;  /* the request target as a C string (the path and the query) */
    /* The bytes the target took on the wire, when the server can tell (0 when it cannot). More
     * than strlen(target) means a NUL byte cut the target short: what follows it is hidden. */
    size_t target_wire_len;
    const struct httpgate_header *headers;
    size_t n_headers;
};

struct httpgate_refusal {
    enum api_error code; /* API_MALFORMED_REQUEST or API_UNSUPPORTED_MEDIA_TYPE */
    const char *message; /* static text naming what is wrong, never echoing the request */
};

/* Decides whether the request may be served. Refuses (400 malformed_request) a method or header
 * name that is not an RFC 9110 token, a control character in a header value, a target with a
 * control character, space, DEL, non-ASCII byte or a hidden part after a NUL, an HTTP/1.1
 * request without exactly one Host or with an invalid Host, two Host, Content-Length,
 * Transfer-Encoding, Authorization or Content-Type headers, a Content-Length that is not plain
 * digits, a Transfer-Encoding other than "chunked" (any case), Transfer-Encoding together with
 * Content-Length or in HTTP/1.0; and (415 unsupported_media_type) a body (Content-Length above 0
 * or chunked) whose Content-Type is not application/json or application/<x>+json, optionally
 * with parameters, a charset only utf-8. Returns 0 when it passes, or -1 with *ret set. */
int httpgate_check(const struct httpgate_request *r, struct httpgate_refusal *ret)
    __attribute__((warn_unused_result));

/* An IPv4 or IPv6 address as 16 bytes, IPv4 mapped into ::ffff:0:0/96. */
struct httpgate_addr {
    unsigned char b[16];
};

/* Reads an IPv4 or IPv6 literal (no brackets, no port, no zone). Returns 0, or -1 when text is
 * anything else (ret untouched). */
int httpgate_addr_parse(const char *text, struct httpgate_addr *ret);
/* The address of an AF_INET or AF_INET6 socket address. Returns 0, or -1 for other families. */
int httpgate_addr_from_sockaddr(const struct sockaddr *sa, struct httpgate_addr *ret);
/* Writes the address as text (dotted IPv4 for a mapped one) into ret, len bytes (46 suffice). */
void httpgate_addr_format(const struct httpgate_addr *a, char *ret, size_t len);

/* The set of trusted proxy addresses (OF_HTTP_TRUSTED_PROXIES). */
struct httpgate_proxies;

/* Parses a comma-separated list of IPv4/IPv6 literals (blanks around items allowed; NULL or ""
 * is the empty set). Returns 0 and a new set (caller frees with httpgate_proxies_free), or -1
 * with a message naming the bad item in err. */
int httpgate_proxies_parse(const char *list, struct httpgate_proxies **ret, char *err,
                           size_t errlen) __attribute__((warn_unused_result));
void httpgate_proxies_free(struct httpgate_proxies *p);
/* Whether a is one of the set's addresses; false for a NULL set. */
bool httpgate_proxies_contains(const struct httpgate_proxies *p, const struct httpgate_addr *a);

/* The client's address: the last hop of the last X-Forwarded-For header (xff, may be NULL)
 * when the peer is a trusted proxy and that hop is a valid address literal; the peer itself
 * otherwise (no header, an untrusted peer, or a malformed hop). */
void httpgate_client(const struct httpgate_proxies *p, const struct httpgate_addr *peer,
                     const char *xff, struct httpgate_addr *ret);

#endif
