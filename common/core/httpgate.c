/* The HTTP request gate (see httpgate.h): what a request's line and headers may look like, and
 * whose word to take for the client's address. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/httpgate.h"
#include "common/xalloc.h"

#define ADDR_TEXT_MAX 46 /* INET6_ADDRSTRLEN */

static const char TCHAR_EXTRA[] = "!#$%&'*+-.^_`|~";
static const char HOST_EXTRA[] = "-._~!$&'()*+,;=:[]%"; /* reg-name, IP literal and port bytes */

/* ---- characters ----------------------------------------------------------------------------- */

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_tchar(unsigned char c)
{
    return is_alnum(c) || (c != '\0' && strchr(TCHAR_EXTRA, c) != NULL);
}

/* A non-empty RFC 9110 token. */
static bool is_token(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!is_tchar((unsigned char)*s))
            return false;
    return true;
}

/* A field value: visible ASCII, obs-text, space and HTAB; no other control character. */
static bool is_field_value(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

/* Visible ASCII only: no control character, space, DEL or raw non-ASCII byte. */
static bool is_target(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7f)
            return false;
    }
    return true;
}

static bool is_host(const char *s)
{
    for (; *s; s++)
        if (!is_alnum((unsigned char)*s) && !strchr(HOST_EXTRA, *s))
            return false;
    return true;
}

static bool is_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static const char *skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* ---- the media type ------------------------------------------------------------------------- */

/* Copies the token at *p (up to an end character) into out, lower-cased; advances *p. Returns
 * its length, 0 when there is none or it does not fit. */
static size_t read_token(const char **p, char *out, size_t len)
{
    size_t n = 0;
    while (is_tchar((unsigned char)(*p)[n]) && (*p)[n] != '/') {
        if (n + 1 >= len)
            return 0;
        out[n] = (char)((*p)[n] >= 'A' && (*p)[n] <= 'Z' ? (*p)[n] + 32 : (*p)[n]);
        n++;
    }
    out[n] = '\0';
    *p += n;
    return n;
}

/* Reads a parameter value (a token or a quoted string) into out; advances *p. Returns 0 or -1. */
static int read_param_value(const char **p, char *out, size_t len)
{
    if (**p != '"')
        return read_token(p, out, len) > 0 ? 0 : -1;
    size_t n = 0;
    for ((*p)++; **p && **p != '"'; (*p)++) {
        if (**p == '\\' && (*p)[1])
            (*p)++;
        if (n + 1 >= len)
            return -1;
        out[n++] = (char)(**p >= 'A' && **p <= 'Z' ? **p + 32 : **p);
    }
    out[n] = '\0';
    if (**p != '"')
        return -1;
    (*p)++;
    return 0;
}

/* The parameters after the subtype: *(OWS ";" OWS name=value); a charset must be utf-8. */
static bool params_ok(const char *p)
{
    char name[64], value[64];
    for (;;) {
        p = skip_ows(p);
        if (!*p)
            return true;
        if (*p != ';')
            return false;
        p = skip_ows(p + 1);
        if (!read_token(&p, name, sizeof name) || *p != '=')
            return false;
        p++;
        if (read_param_value(&p, value, sizeof value) != 0)
            return false;
        if (strcmp(name, "charset") == 0 && strcmp(value, "utf-8") != 0)
            return false;
    }
}

/* application/json or application/<x>+json, with optional parameters. */
static bool is_json_type(const char *v)
{
    char type[64], sub[128];
    const char *p = skip_ows(v);
    if (!read_token(&p, type, sizeof type) || *p != '/')
        return false;
    p++;
    size_t n = read_token(&p, sub, sizeof sub);
    if (strcmp(type, "application") != 0 || n == 0)
        return false;
    if (strcmp(sub, "json") != 0 && (n <= 5 || strcmp(sub + n - 5, "+json") != 0))
        return false;
    return params_ok(p);
}

/* ---- the request ---------------------------------------------------------------------------- */

/* Headers that must appear at most once, with the refusal for a second one. */
static const struct {
    const char *name;
    const char *twice;
} singletons[] = {
    {"Host", "two Host headers"},
    {"Content-Length", "two Content-Length headers"},
    {"Transfer-Encoding", "two Transfer-Encoding headers"},
    {"Authorization", "two Authorization headers"},
    {"Content-Type", "two Content-Type headers"},
};

#define N_SINGLETONS (sizeof singletons / sizeof singletons[0])

/* What the gate needs to know of the headers once they have been read. */
struct seen {
    const char *value[N_SINGLETONS]; /* indexed like singletons[] */
};

enum { H_HOST, H_CONTENT_LENGTH, H_TRANSFER_ENCODING, H_AUTHORIZATION, H_CONTENT_TYPE };

static int refuse(struct httpgate_refusal *ret, enum api_error code, const char *message)
{
    ret->code = code;
    ret->message = message;
    return -1;
}

/* HTTP/1.1 and the 1.x versions above it, which libmicrohttpd serves as 1.1. */
static bool is_http11(const char *v)
{
    return v && strncmp(v, "HTTP/1.", 7) == 0 && v[7] >= '1' && v[7] <= '9' && v[8] == '\0';
}

static int check_line(const struct httpgate_request *r, struct httpgate_refusal *ret)
{
    if (!is_token(r->method))
        return refuse(ret, API_MALFORMED_REQUEST, "the method is not a token");
    if (!r->target || !is_target(r->target))
        return refuse(ret, API_MALFORMED_REQUEST,
                      "the request target has a control character, space or raw non-ASCII byte");
    if (r->target_wire_len > strlen(r->target))
        return refuse(ret, API_MALFORMED_REQUEST, "the request target has a NUL byte");
    return 0;
}

/* Each header's name and value, and the singletons' values into *s. */
static int check_headers(const struct httpgate_request *r, struct seen *s,
                         struct httpgate_refusal *ret)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        const struct httpgate_header *h = &r->headers[i];
        if (!is_token(h->name))
            return refuse(ret, API_MALFORMED_REQUEST, "a header name is not a token");
        if (!h->value || !is_field_value(h->value))
            return refuse(ret, API_MALFORMED_REQUEST, "a header value has a control character");
        for (size_t k = 0; k < N_SINGLETONS; k++) {
            if (strcasecmp(h->name, singletons[k].name) != 0)
                continue;
            if (s->value[k])
                return refuse(ret, API_MALFORMED_REQUEST, singletons[k].twice);
            s->value[k] = h->value;
        }
    }
    return 0;
}

static int check_host(const struct httpgate_request *r, const struct seen *s,
                      struct httpgate_refusal *ret)
{
    const char *host = s->value[H_HOST];
    if (!host && is_http11(r->version))
        return refuse(ret, API_MALFORMED_REQUEST, "an HTTP/1.1 request needs a Host header");
    if (host && !is_host(host))
        return refuse(ret, API_MALFORMED_REQUEST, "the Host header is not a host name");
    return 0;
}

/* Content-Length and Transfer-Encoding: one way to tell where the body ends, never two. */
static int check_framing(const struct httpgate_request *r, const struct seen *s,
                         struct httpgate_refusal *ret)
{
    const char *cl = s->value[H_CONTENT_LENGTH], *te = s->value[H_TRANSFER_ENCODING];
    if (cl && !is_digits(cl))
        return refuse(ret, API_MALFORMED_REQUEST, "Content-Length is not a decimal number");
    if (!te)
        return 0;
    if (strcasecmp(te, "chunked") != 0)
        return refuse(ret, API_MALFORMED_REQUEST, "the only Transfer-Encoding served is chunked");
    if (cl)
        return refuse(ret, API_MALFORMED_REQUEST, "Content-Length and Transfer-Encoding together");
    if (r->version && strcmp(r->version, "HTTP/1.0") == 0)
        return refuse(ret, API_MALFORMED_REQUEST, "Transfer-Encoding in an HTTP/1.0 request");
    return 0;
}

/* A body (declared length above 0, or chunked) must be JSON. */
static int check_media_type(const struct seen *s, struct httpgate_refusal *ret)
{
    const char *cl = s->value[H_CONTENT_LENGTH];
    bool body = s->value[H_TRANSFER_ENCODING] || (cl && strspn(cl, "0") != strlen(cl));
    const char *type = s->value[H_CONTENT_TYPE];
    if (body && (!type || !is_json_type(type)))
        return refuse(ret, API_UNSUPPORTED_MEDIA_TYPE, NULL);
    return 0;
}

int httpgate_check(const struct httpgate_request *r, struct httpgate_refusal *ret)
{
    struct seen s = {{0}};
    struct httpgate_refusal out;
    if (check_line(r, &out) != 0 || check_headers(r, &s, &out) != 0 ||
        check_host(r, &s, &out) != 0 || check_framing(r, &s, &out) != 0 ||
        check_media_type(&s, &out) != 0) {
        *ret = out;
        return -1;
    }
    return 0;
}

/* ---- addresses ------------------------------------------------------------------------------ */

static void map_v4(const void *in4, struct httpgate_addr *ret)
{
    memset(ret->b, 0, 10);
    ret->b[10] = 0xff;
    ret->b[11] = 0xff;
    memcpy(ret->b + 12, in4, 4);
}

int httpgate_addr_parse(const char *text, struct httpgate_addr *ret)
{
    unsigned char buf[16];
    if (!text)
        return -1;
    if (inet_pton(AF_INET, text, buf) == 1) {
        map_v4(buf, ret);
        return 0;
    }
    if (inet_pton(AF_INET6, text, buf) == 1) {
        memcpy(ret->b, buf, 16);
        return 0;
    }
    return -1;
}

int httpgate_addr_from_sockaddr(const struct sockaddr *sa, struct httpgate_addr *ret)
{
    if (sa && sa->sa_family == AF_INET) {
        map_v4(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, ret);
        return 0;
    }
    if (sa && sa->sa_family == AF_INET6) {
        memcpy(ret->b, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        return 0;
    }
    return -1;
}

void httpgate_addr_format(const struct httpgate_addr *a, char *ret, size_t len)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    bool v4 = memcmp(a->b, mapped, sizeof mapped) == 0;
    if (!inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? a->b + 12 : a->b, ret, (socklen_t)len))
        snprintf(ret, len, "unknown");
}

/* ---- trusted proxies ------------------------------------------------------------------------ */

struct httpgate_proxies {
    size_t n;
    struct httpgate_addr *addrs;
};

/* The next comma-separated item of *p, blanks trimmed, into out; advances *p past the comma.
 * Returns -1 when the item does not fit (out then holds as much of it as fits). */
static int next_item(const char **p, char *out, size_t len)
{
    const char *s = skip_ows(*p);
    size_t n = strcspn(s, ",");
    *p = s[n] == ',' ? s + n + 1 : s + n;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    size_t kept = n < len ? n : len - 1;
    memcpy(out, s, kept);
    out[kept] = '\0';
    return kept == n ? 0 : -1;
}

int httpgate_proxies_parse(const char *list, struct httpgate_proxies **ret, char *err,
                           size_t errlen)
{
    struct httpgate_proxies *p = xcalloc(1, sizeof *p);
    const char *cur = list ? list : "";
    char item[ADDR_TEXT_MAX];
    while (*skip_ows(cur)) {
        struct httpgate_addr a;
        if (next_item(&cur, item, sizeof item) != 0 || httpgate_addr_parse(item, &a) != 0) {
            snprintf(err, errlen, "\"%.*s\" is not an IPv4 or IPv6 address", 46, item);
            httpgate_proxies_free(p);
            return -1;
        }
        p->addrs = xrealloc(p->addrs, (p->n + 1) * sizeof *p->addrs);
        p->addrs[p->n++] = a;
    }
    *ret = p;
    return 0;
}

void httpgate_proxies_free(struct httpgate_proxies *p)
{
    if (!p)
        return;
    free(p->addrs);
    free(p);
}

bool httpgate_proxies_contains(const struct httpgate_proxies *p, const struct httpgate_addr *a)
{
    for (size_t i = 0; p && i < p->n; i++)
        if (memcmp(p->addrs[i].b, a->b, sizeof a->b) == 0)
            return true;
    return false;
}

void httpgate_client(const struct httpgate_proxies *p, const struct httpgate_addr *peer,
                     const char *xff, struct httpgate_addr *ret)
{
    *ret = *peer;
    if (!xff || !httpgate_proxies_contains(p, peer))
        return;
    const char *last = strrchr(xff, ',');
    const char *hop = last ? last + 1 : xff;
    char item[ADDR_TEXT_MAX];
    struct httpgate_addr a;
    if (next_item(&hop, item, sizeof item) == 0 && httpgate_addr_parse(item, &a) == 0)
        *ret = a;
}
