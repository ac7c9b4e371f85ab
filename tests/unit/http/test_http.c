/* Tests of the HTTP server (common/http.c): an in-process server on a free port, driven by a
 * tiny HTTP/1.1 client over plain sockets. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/http.h"
#include "common/jspec.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/timefmt.h"
#include "common/xalloc.h"

#define MAX_BODY 1024

static struct http_server *server;
static struct metrics *registry;
static int port;
static atomic_int ready_flag;
static atomic_int post_calls;
static int app_token = 42;

/* ---- handlers under test -------------------------------------------------------------------- */

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static void get_thing(struct http_request *req, struct http_response *res)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(route_param(&req->params, "id")));
    json_object_set_new(o, "trace_id", json_string(req->trace.trace_id));
    json_object_set_new(o, "parent_span", json_string(req->trace.span_id));
    json_object_set_new(o, "request_id", json_string(req->request_id));
    json_object_set_new(o, "log_request_id", json_string(req->log.request_id));
    json_object_set_new(o, "log_trace_id", json_string(req->log.trace_id));
    json_object_set_new(o, "pattern", json_string(req->pattern));
    json_object_set_new(o, "path", json_string(req->path));
    json_object_set_new(o, "q", str_or_null(http_query(req, "q")));
    json_object_set_new(o, "x_test", str_or_null(http_header(req, "X-Test")));
    json_object_set_new(o, "app", json_integer(req->app ? *(int *)req->app : -1));
    http_add_header(res, "X-Handler", "thing");
    http_reply_json(res, 200, o);
}

static void post_thing(struct http_request *req, struct http_response *res)
{
    json_t *body;
    atomic_fetch_add(&post_calls, 1);
    if (http_json_body(req, res, &body) != 0)
        return;
    http_reply_json(res, 201,
                    json_pack("{s:o,s:I}", "got", body, "len", (json_int_t)req->body_len));
}

static void delete_thing(struct http_request *req, struct http_response *res)
{
    (void)req;
    res->status = 204;
}

static void broken(struct http_request *req, struct http_response *res)
{
    (void)req;
    res->json = json_string("never sent"); /* and no status: a bug the server must catch */
}

static void raw_text(struct http_request *req, struct http_response *res)
{
    (void)req;
    res->status = 200;
    res->raw = xstrdup("hello\n");
    res->raw_len = 6;
    res->content_type = "text/plain; charset=utf-8";
}

static void many_headers(struct http_request *req, struct http_response *res)
{
    (void)req;
    char name[16];
    for (int i = 0; i < HTTP_MAX_HEADERS + 3; i++) {
        snprintf(name, sizeof name, "X-H%d", i);
        http_add_header(res, name, "v");
    }
    http_reply_error(res, API_CONFLICT, "already there", "thing_id");
}

static void counted(struct http_request *req, struct http_response *res)
{
    (void)req;
    http_reply_json(res, 200, json_object());
}

static void client_of(struct http_request *req, struct http_response *res)
{
    char addr[64];
    http_client_address(req, addr, sizeof addr);
    http_reply_json(res, 200, json_pack("{s:s}", "client", addr));
}

static const struct http_route routes[] = {
    {{"GET", "/v1/things/{id}"}, get_thing, 0}, {{"DELETE", "/v1/things/{id}"}, delete_thing, 0},
    {{"POST", "/v1/things"}, post_thing, 0},    {{"GET", "/v1/broken"}, broken, 0},
    {{"GET", "/v1/raw"}, raw_text, 0},          {{"GET", "/v1/headers"}, many_headers, 0},
    {{"GET", "/v1/counted"}, counted, 0},       {{"GET", "/v1/client"}, client_of, 0},
};

static bool ready_cb(void *ud, json_t *detail)
{
    assert_ptr_equal(ud, &app_token);
    bool ok = atomic_load(&ready_flag) != 0;
    json_object_set_new(detail, "postgres", json_string(ok ? "ok" : "down"));
    return ok;
}

/* ---- a tiny client -------------------------------------------------------------------------- */

struct resp {
    int status;
    char *raw;        /* the whole response */
    const char *body; /* into raw */
    size_t body_len;
    json_t *json; /* the body parsed, when it is JSON */
};

/* A connection to port p on 127.0.0.1 from the loopback address from (all of 127/8 is local). */
static int connect_from(const char *from, int p)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {.tv_sec = 10};
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    struct sockaddr_in src = {.sin_family = AF_INET};
    assert_int_equal(inet_pton(AF_INET, from, &src.sin_addr), 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof src), 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int connect_local(int p)
{
    return connect_from("127.0.0.1", p);
}

static void send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n <= 0)
            return; /* the server may close early (413); the response tells */
        data += n;
        len -= (size_t)n;
    }
}

static char *recv_all(int fd, size_t *ret_len)
{
    struct buf b = {0};
    char chunk[4096];
    for (;;) {
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        buf_append(&b, chunk, (size_t)n);
    }
    *ret_len = b.len;
    return buf_steal(&b);
}

/* Sends raw bytes on a new connection from the address from and reads until the server closes. */
static void exchange_from(const char *from, const char *data, size_t len, struct resp *r)
{
    memset(r, 0, sizeof *r);
    int fd = connect_from(from, port);
    assert_true(fd >= 0);
    send_all(fd, data, len);
    size_t n;
    r->raw = recv_all(fd, &n);
    close(fd);
    if (sscanf(r->raw, "HTTP/1.1 %d ", &r->status) != 1)
        fail_msg("no status line in: %s", r->raw);
    const char *end = strstr(r->raw, "\r\n\r\n");
    assert_non_null(end);
    r->body = end + 4;
    r->body_len = n - (size_t)(r->body - r->raw);
    r->json = json_loadb(r->body, r->body_len, 0, NULL);
}

static void exchange(const char *data, size_t len, struct resp *r)
{
    exchange_from("127.0.0.1", data, len, r);
}

/* A request with Host, Connection: close and Content-Length; a body is sent as JSON unless the
 * headers name a Content-Type. */
static void do_request(const char *method, const char *target, const char *headers,
                       const char *body, struct resp *r)
{
    bool typed = headers && strcasestr(headers, "Content-Type:");
    char *req = xasprintf("%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s%s"
                          "Content-Length: %zu\r\n\r\n%s",
                          method, target, headers ? headers : "",
                          body && !typed ? "Content-Type: application/json\r\n" : "",
                          body ? strlen(body) : 0, body ? body : "");
    exchange(req, strlen(req), r);
    free(req);
}

static void resp_free(struct resp *r)
{
    json_decref(r->json);
    free(r->raw);
}

/* The value of a response header (the first), copied into out; NULL when absent. */
static const char *header_of(const struct resp *r, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name);
    for (const char *p = strstr(r->raw, "\r\n"); p && p < r->body - 2; p = strstr(p, "\r\n")) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            v += strspn(v, " ");
            snprintf(out, len, "%.*s", (int)strcspn(v, "\r"), v);
            return out;
        }
    }
    return NULL;
}

static const char *json_str(json_t *o, const char *path1, const char *path2)
{
    json_t *v = json_object_get(o, path1);
    if (path2)
        v = json_object_get(v, path2);
    return json_string_value(v);
}

static bool is_hex32(const char *s)
{
    if (!s || strlen(s) != 32)
        return false;
    for (int i = 0; i < 32; i++) {
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return false;
    }
    return true;
}

static void expect_error(const struct resp *r, int status, const char *code)
{
    char ct[64];
    if (r->status != status)
        fail_msg("status %d, wanted %d: %s", r->status, status, r->raw);
    assert_non_null(r->json);
    assert_string_equal(json_str(r->json, "error", "code"), code);
    assert_non_null(json_str(r->json, "error", "message"));
    assert_string_equal(header_of(r, "Content-Type", ct, sizeof ct), "application/json");
}

/* ---- set-up --------------------------------------------------------------------------------- */

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof sa;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        abort();
    close(fd);
    return ntohs(sa.sin_port);
}

static struct http_server *start_on(int p, char *err, size_t errlen)
{
    const struct http_server_config cfg = {.addr = "127.0.0.1",
                                           .port = p,
                                           .threads = 2,
                                           .max_body = MAX_BODY,
                                           .service = "test",
                                           .trusted_proxies = "127.0.0.3"};
    return http_server_start(&cfg, routes, sizeof routes / sizeof routes[0], &app_token, registry,
                             ready_cb, &app_token, err, errlen);
}

static int setup(void **state)
{
    (void)state;
    char err[256] = "";
    registry = metrics_new();
    for (int attempt = 0; attempt < 5 && !server; attempt++) {
        port = free_port();
        server = start_on(port, err, sizeof err);
    }
    if (!server)
        fprintf(stderr, "cannot start: %s\n", err);
    return server ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    http_server_quiesce(server);
    http_server_stop(server);
    server = NULL;
    metrics_free(registry);
    return 0;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void healthz(void **state)
{
    (void)state;
    struct resp r;
    char v[128];
    do_request("GET", "/healthz", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_str(r.json, "status", NULL), "ok");
    assert_string_equal(header_of(&r, "Content-Type", v, sizeof v), "application/json");
    assert_true(is_hex32(header_of(&r, "X-Request-Id", v, sizeof v)));
    resp_free(&r);
}

static void head_is_get_without_body(void **state)
{
    (void)state;
    struct resp r;
    char v[64];
    do_request("HEAD", "/healthz", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(header_of(&r, "Content-Length", v, sizeof v), "15"); /* {"status":"ok"} */
    resp_free(&r);
    do_request("HEAD", "/v1/things/7", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(header_of(&r, "X-Handler", v, sizeof v), "thing");
    resp_free(&r);
}

static void not_found(void **state)
{
    (void)state;
    static const char *const paths[] = {"/nope", "/v1/things/", "/v1/things/a/b",
                                        "/",     "/healthz/",   "/v1/things//"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct resp r;
        char v[128];
        do_request("GET", paths[i], NULL, NULL, &r);
        expect_error(&r, 404, "not_found");
        assert_null(json_object_get(json_object_get(r.json, "error"), "field"));
        assert_null(header_of(&r, "Allow", v, sizeof v));
        assert_true(is_hex32(header_of(&r, "X-Request-Id", v, sizeof v)));
        resp_free(&r);
    }
}

static void method_not_allowed(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"PUT", "/v1/things", "POST"},
        {"GET", "/v1/things", "POST"},
        {"PATCH", "/v1/things/1", "GET, DELETE"},
        {"POST", "/healthz", "GET"},
        {"DELETE", "/metrics", "GET"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct resp r;
        char v[64];
        do_request(cases[i][0], cases[i][1], NULL, NULL, &r);
        expect_error(&r, 405, "method_not_allowed");
        assert_non_null(header_of(&r, "Allow", v, sizeof v));
        assert_string_equal(v, cases[i][2]);
        resp_free(&r);
    }
}

static void capture_query_and_headers(void **state)
{
    (void)state;
    struct resp r;
    char v[64];
    do_request("GET", "/v1/things/abc%2Fdef?q=hello%20world&z=1", "X-Test: yes\r\n", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_str(r.json, "id", NULL), "abc%2Fdef"); /* kept as sent */
    assert_string_equal(json_str(r.json, "path", NULL), "/v1/things/abc%2Fdef");
    assert_string_equal(json_str(r.json, "pattern", NULL), "/v1/things/{id}");
    assert_string_equal(json_str(r.json, "q", NULL), "hello world");
    assert_string_equal(json_str(r.json, "x_test", NULL), "yes");
    assert_int_equal(json_integer_value(json_object_get(r.json, "app")), 42);
    assert_string_equal(header_of(&r, "X-Handler", v, sizeof v), "thing");
    resp_free(&r);
    do_request("GET", "/v1/things/9", NULL, NULL, &r);
    assert_true(json_is_null(json_object_get(r.json, "q")));
    assert_true(json_is_null(json_object_get(r.json, "x_test")));
    resp_free(&r);
}

static void request_id_echoed(void **state)
{
    (void)state;
    static const char *const sane[] = {"my-req.1_A", "x",
                                       "0123456789012345678901234567890123456789012345678901234567"
                                       "890123"};
    for (size_t i = 0; i < sizeof sane / sizeof sane[0]; i++) {
        struct resp r;
        char hdr[128], v[128];
        snprintf(hdr, sizeof hdr, "X-Request-Id: %s\r\n", sane[i]);
        do_request("GET", "/v1/things/1", hdr, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(header_of(&r, "X-Request-Id", v, sizeof v), sane[i]);
        assert_string_equal(json_str(r.json, "request_id", NULL), sane[i]);
        assert_string_equal(json_str(r.json, "log_request_id", NULL), sane[i]);
        resp_free(&r);
    }
    /* also on errors the server produces itself */
    struct resp r;
    char v[64];
    do_request("GET", "/nope", "X-Request-Id: err-1\r\n", NULL, &r);
    assert_string_equal(header_of(&r, "X-Request-Id", v, sizeof v), "err-1");
    resp_free(&r);
}

static void request_id_generated(void **state)
{
    (void)state;
    static const char *const insane[] = {
        "X-Request-Id: has space\r\n",
        "X-Request-Id: semi;colon\r\n",
        "X-Request-Id: \r\n",
        "X-Request-Id: 01234567890123456789012345678901234567890123456789012345678901234\r\n",
        "X-Request-Id: caf\xc3\xa9\r\n",
        "X-Request-Id: a/b\r\n",
        "",
    };
    char prev[128] = "";
    for (size_t i = 0; i < sizeof insane / sizeof insane[0]; i++) {
        struct resp r;
        char v[128];
        do_request("GET", "/v1/things/1", insane[i], NULL, &r);
        assert_int_equal(r.status, 200);
        assert_true(is_hex32(header_of(&r, "X-Request-Id", v, sizeof v)));
        assert_string_equal(json_str(r.json, "request_id", NULL), v);
        assert_string_not_equal(v, prev);
        snprintf(prev, sizeof prev, "%s", v);
        resp_free(&r);
    }
}

static void traceparent_kept(void **state)
{
    (void)state;
    struct resp r;
    do_request("GET", "/v1/things/1",
               "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n", NULL,
               &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_str(r.json, "trace_id", NULL), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_equal(json_str(r.json, "log_trace_id", NULL), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_equal(json_str(r.json, "parent_span", NULL), "00f067aa0ba902b7");
    resp_free(&r);

    /* malformed or absent: a fresh trace each time */
    do_request("GET", "/v1/things/1",
               "traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01\r\n", NULL,
               &r);
    const char *t1 = json_str(r.json, "trace_id", NULL);
    assert_true(is_hex32(t1));
    assert_string_not_equal(t1, "00000000000000000000000000000000");
    char first[40];
    snprintf(first, sizeof first, "%s", t1);
    resp_free(&r);
    do_request("GET", "/v1/things/1", NULL, NULL, &r);
    assert_true(is_hex32(json_str(r.json, "trace_id", NULL)));
    assert_string_not_equal(json_str(r.json, "trace_id", NULL), first);
    resp_free(&r);
}

static void json_bodies(void **state)
{
    (void)state;
    struct resp r;
    do_request("POST", "/v1/things", "Content-Type: application/json\r\n", "{\"name\":\"x\"}", &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(json_str(r.json, "got", "name"), "x");
    assert_int_equal(json_integer_value(json_object_get(r.json, "len")), 12);
    resp_free(&r);
    do_request("POST", "/v1/things", NULL, "{\"name\":", &r);
    expect_error(&r, 400, "invalid_json");
    resp_free(&r);
    do_request("POST", "/v1/things", NULL, "[1,2]", &r);
    expect_error(&r, 400, "body_not_object");
    resp_free(&r);
    do_request("POST", "/v1/things", NULL, NULL, &r);
    expect_error(&r, 400, "invalid_json");
    resp_free(&r);
    do_request("POST", "/v1/things", NULL, "{\"a\":1,\"a\":2}", &r);
    expect_error(&r, 400, "invalid_json");
    resp_free(&r);
}

/* A JSON object of exactly n bytes. */
static char *json_of_size(size_t n)
{
    char *s = xmalloc(n + 1);
    memcpy(s, "{\"a\":\"", 6);
    memset(s + 6, 'x', n - 8);
    memcpy(s + n - 2, "\"}", 3);
    return s;
}

static void body_limit_content_length(void **state)
{
    (void)state;
    struct resp r;
    char *at = json_of_size(MAX_BODY), *over = json_of_size(MAX_BODY + 1);
    do_request("POST", "/v1/things", NULL, at, &r);
    assert_int_equal(r.status, 201);
    assert_int_equal(json_integer_value(json_object_get(r.json, "len")), MAX_BODY);
    resp_free(&r);
    int calls = atomic_load(&post_calls);
    do_request("POST", "/v1/things", NULL, over, &r);
    expect_error(&r, 413, "body_too_large");
    resp_free(&r);
    /* a huge declared length is refused before any of the body is sent */
    const char *req = "POST /v1/things HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      "Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n";
    exchange(req, strlen(req), &r);
    expect_error(&r, 413, "body_too_large");
    resp_free(&r);
    /* also on an unknown path: the limit is checked first */
    do_request("POST", "/nope", NULL, over, &r);
    expect_error(&r, 413, "body_too_large");
    resp_free(&r);
    assert_int_equal(atomic_load(&post_calls), calls); /* the handler never ran */
    free(at);
    free(over);
}

static char *chunked_request(size_t body_len)
{
    char *body = json_of_size(body_len);
    struct buf b = {0};
    buf_puts(&b, "POST /v1/things HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                 "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (size_t off = 0; off < body_len; off += 300) {
        size_t n = body_len - off < 300 ? body_len - off : 300;
        buf_printf(&b, "%zx\r\n", n);
        buf_append(&b, body + off, n);
        buf_puts(&b, "\r\n");
    }
    buf_puts(&b, "0\r\n\r\n");
    free(body);
    return buf_steal(&b);
}

static void body_limit_chunked(void **state)
{
    (void)state;
    struct resp r;
    char *ok = chunked_request(MAX_BODY), *big = chunked_request(MAX_BODY + 1);
    exchange(ok, strlen(ok), &r);
    assert_int_equal(r.status, 201);
    assert_int_equal(json_integer_value(json_object_get(r.json, "len")), MAX_BODY);
    resp_free(&r);
    int calls = atomic_load(&post_calls);
    exchange(big, strlen(big), &r);
    expect_error(&r, 413, "body_too_large");
    resp_free(&r);
    assert_int_equal(atomic_load(&post_calls), calls);
    free(ok);
    free(big);
}

/* A body far over the limit is read and dropped only up to a margin; then the server hangs up or
 * answers 413. Either way it is never buffered, and the server stays healthy. */
static void body_limit_huge_upload(void **state)
{
    (void)state;
    const size_t chunk = 64 * 1024, total = 3 * 1024 * 1024;
    char *data = xmalloc(chunk);
    memset(data, 'x', chunk);
    int fd = connect_local(port);
    assert_true(fd >= 0);
    const char *head = "POST /v1/things HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                       "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    send_all(fd, head, strlen(head));
    char size_line[32];
    snprintf(size_line, sizeof size_line, "%zx\r\n", chunk);
    for (size_t sent = 0; sent < total; sent += chunk) {
        send_all(fd, size_line, strlen(size_line));
        send_all(fd, data, chunk);
        send_all(fd, "\r\n", 2);
    }
    send_all(fd, "0\r\n\r\n", 5);
    size_t n;
    char *raw = recv_all(fd, &n);
    close(fd);
    int status = 0;
    if (n > 0 && sscanf(raw, "HTTP/1.1 %d ", &status) == 1)
        assert_int_equal(status, 413);
    free(raw);
    free(data);
    struct resp r;
    do_request("GET", "/healthz", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

static void missing_status_is_500(void **state)
{
    (void)state;
    struct resp r;
    do_request("GET", "/v1/broken", NULL, NULL, &r);
    expect_error(&r, 500, "internal");
    resp_free(&r);
}

static void raw_empty_and_headers(void **state)
{
    (void)state;
    struct resp r;
    char v[64];
    do_request("GET", "/v1/raw", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header_of(&r, "Content-Type", v, sizeof v), "text/plain; charset=utf-8");
    assert_int_equal(r.body_len, 6);
    assert_memory_equal(r.body, "hello\n", 6);
    resp_free(&r);
    do_request("DELETE", "/v1/things/3", NULL, NULL, &r);
    assert_int_equal(r.status, 204);
    assert_int_equal(r.body_len, 0);
    assert_null(header_of(&r, "Content-Type", v, sizeof v));
    assert_non_null(header_of(&r, "X-Request-Id", v, sizeof v));
    resp_free(&r);
    do_request("GET", "/v1/headers", NULL, NULL, &r);
    expect_error(&r, 409, "conflict");
    assert_string_equal(json_str(r.json, "error", "field"), "thing_id");
    assert_non_null(header_of(&r, "X-H0", v, sizeof v));
    assert_non_null(header_of(&r, "X-H7", v, sizeof v));
    assert_null(header_of(&r, "X-H8", v, sizeof v));
    resp_free(&r);
}

static void readyz(void **state)
{
    (void)state;
    struct resp r;
    atomic_store(&ready_flag, 0);
    do_request("GET", "/readyz", NULL, NULL, &r);
    assert_int_equal(r.status, 503);
    assert_string_equal(json_str(r.json, "status", NULL), "not_ready");
    assert_string_equal(json_str(r.json, "postgres", NULL), "down");
    resp_free(&r);
    atomic_store(&ready_flag, 1);
    do_request("GET", "/readyz", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_str(r.json, "status", NULL), "ready");
    assert_string_equal(json_str(r.json, "postgres", NULL), "ok");
    resp_free(&r);
}

static void keep_alive_pipelined(void **state)
{
    (void)state;
    const char *two = "GET /v1/things/a HTTP/1.1\r\nHost: x\r\nX-Request-Id: first\r\n\r\n"
                      "GET /v1/things/b HTTP/1.1\r\nHost: x\r\nX-Request-Id: second\r\n"
                      "Connection: close\r\n\r\n";
    struct resp r;
    exchange(two, strlen(two), &r);
    assert_int_equal(r.status, 200);
    const char *second = strstr(r.body, "HTTP/1.1 200");
    assert_non_null(second);
    assert_non_null(strstr(r.raw, "X-Request-Id: first\r\n"));
    assert_non_null(strstr(second, "X-Request-Id: second\r\n"));
    assert_non_null(strstr(second, "\"id\":\"b\""));
    resp_free(&r);
}

/* The sample line "name{labels} " and its value, or -1 when absent. */
static double sample(const char *text, const char *series)
{
    char *key = xasprintf("\n%s ", series);
    const char *p = strstr(text, key);
    double v = p ? strtod(p + strlen(key), NULL) : -1;
    free(key);
    return v;
}

static void metrics_counted(void **state)
{
    (void)state;
    struct resp r;
    char v[64];
    for (int i = 0; i < 3; i++) {
        do_request("GET", "/v1/counted", NULL, NULL, &r);
        resp_free(&r);
    }
    do_request("BREW", "/v1/counted", NULL, NULL, &r);
    assert_int_equal(r.status, 405);
    resp_free(&r);
    do_request("GET", "/metrics", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header_of(&r, "Content-Type", v, sizeof v),
                        "text/plain; version=0.0.4; charset=utf-8");
    char *text = xasprintf("\n%.*s", (int)r.body_len, r.body);
    assert_non_null(strstr(text, "\n# TYPE http_requests_total counter\n"));
    assert_non_null(strstr(text, "\n# TYPE http_request_duration_seconds histogram\n"));
    assert_true(
        sample(text, "http_requests_total{route=\"/v1/counted\",method=\"GET\",status=\"200\"}") ==
        3);
    assert_true(sample(text, "http_request_duration_seconds_bucket{route=\"/v1/counted\","
                             "method=\"GET\",le=\"+Inf\"}") == 3);
    assert_true(sample(text, "http_request_duration_seconds_count{route=\"/v1/counted\","
                             "method=\"GET\"}") == 3);
    /* a 405 matched no route; an odd method is bucketed as "other" */
    assert_true(sample(text, "http_requests_total{route=\"unmatched\",method=\"other\","
                             "status=\"405\"}") == 1);
    /* earlier tests: 404s on unknown paths, 413s, 500 */
    assert_true(sample(text, "http_requests_total{route=\"unmatched\",method=\"GET\","
                             "status=\"404\"}") >= 6);
    assert_true(sample(text, "http_requests_total{route=\"/v1/broken\",method=\"GET\","
                             "status=\"500\"}") == 1);
    assert_true(sample(text, "http_requests_total{route=\"/v1/things\",method=\"POST\","
                             "status=\"413\"}") >= 3);
    assert_true(sample(text, "http_requests_total{route=\"/healthz\",method=\"HEAD\","
                             "status=\"200\"}") == 1);
    /* no raw paths as labels */
    assert_null(strstr(text, "route=\"/nope\""));
    assert_null(strstr(text, "route=\"/v1/things/1\""));
    free(text);
    resp_free(&r);
}

static void start_failures_and_quiesce(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(start_on(port, err, sizeof err)); /* the port is taken by the main server */
    assert_true(strlen(err) > 0);
    err[0] = '\0';
    const struct http_server_config bad = {
        .addr = "not-an-ip", .port = 0, .threads = 1, .max_body = 10};
    assert_null(http_server_start(&bad, routes, 1, NULL, NULL, NULL, NULL, err, sizeof err));
    assert_non_null(strstr(err, "not-an-ip"));

    /* a server without metrics or readiness callback still answers its built-ins */
    int p2 = free_port();
    const struct http_server_config cfg = {
        .addr = "127.0.0.1", .port = p2, .threads = 1, .max_body = 10};
    struct http_server *s =
        http_server_start(&cfg, NULL, 0, NULL, NULL, NULL, NULL, err, sizeof err);
    assert_non_null(s);
    int saved = port;
    port = p2;
    struct resp r;
    do_request("GET", "/readyz", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    do_request("GET", "/metrics", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    resp_free(&r);
    port = saved;
    http_server_quiesce(s);
    http_server_quiesce(s); /* twice is harmless */
    http_server_stop(s);
    http_server_stop(NULL);
    /* the port is free again */
    s = http_server_start(&cfg, NULL, 0, NULL, NULL, NULL, NULL, err, sizeof err);
    assert_non_null(s);
    http_server_stop(s);
}

static void reply_helpers(void **state)
{
    (void)state;
    struct http_response res = {0};
    http_reply_error(&res, API_IDEMPOTENCY_MISMATCH, "bad \xff text",
                     NULL); /* invalid UTF-8 never crashes */
    assert_int_equal(res.status, 422);
    assert_string_equal(json_str(res.json, "error", "code"), "idempotency_mismatch");
    assert_non_null(json_str(res.json, "error", "message"));
    http_reply_json(&res, 200, json_true()); /* replaces the previous body */
    assert_true(json_is_true(res.json));
    json_decref(res.json);
    struct http_request req = {.method = "GET", .pattern = "/v1/things/{id}"};
    assert_null(http_header(&req, "X"));
    assert_null(http_query(&req, "x"));

    /* http_reply_body: the body with its status; none (a serialiser failed) is a 500. */
    http_reply_body(&req, &res, 201, json_pack("{s:i}", "n", 1));
    assert_int_equal(res.status, 201);
    assert_int_equal(json_integer_value(json_object_get(res.json, "n")), 1);
    json_decref(res.json);
    res.json = NULL;
    http_reply_body(&req, &res, 200, NULL);
    assert_int_equal(res.status, 500);
    assert_string_equal(json_str(res.json, "error", "code"), "internal");
    json_decref(res.json);
    res.json = NULL;

    /* http_reply_jspec: the rules' code, message and field; no field member for the whole body. */
    struct jspec_error e = {
        .code = API_INVALID_VALUE, .field = "qty", .message = "qty must be >= 1"};
    http_reply_jspec(&res, &e);
    assert_int_equal(res.status, 400);
    assert_string_equal(json_str(res.json, "error", "field"), "qty");
    assert_string_equal(json_str(res.json, "error", "message"), "qty must be >= 1");
    json_decref(res.json);
    res.json = NULL;
    e = (struct jspec_error){.code = API_INVALID_TYPE, .message = "body must be an object"};
    http_reply_jspec(&res, &e);
    assert_null(json_object_get(json_object_get(res.json, "error"), "field"));
    json_decref(res.json);
}

/* ---- the edge: the request gate, X-Forwarded-For, connection limits and deadlines ----------- */

#define RAW(s) s, sizeof s - 1

/* Malformed requests the gate refuses itself: the JSON error shape, X-Request-Id, and the
 * connection closed after the answer. */
static void gate_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *raw;
        size_t len;
        int status;
        const char *code;
    } cases[] = {
        {"NUL in the path", RAW("GET /healthz\0/../x HTTP/1.1\r\nHost: a\r\n\r\n"), 400,
         "malformed_request"},
        {"NUL in a route", RAW("GET /v1/things/1\0/x HTTP/1.1\r\nHost: a\r\n\r\n"), 400,
         "malformed_request"},
        {"two Content-Length",
         RAW("POST /v1/things HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
             "Content-Length: 2\r\nContent-Length: 8\r\n\r\n{}{\"a\":1}"),
         400, "malformed_request"},
        {"a bad second Content-Length",
         RAW("POST /v1/things HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
             "Content-Length: 2\r\nContent-Length: abc\r\n\r\n{}"),
         400, "malformed_request"},
        {"Content-Length and chunked",
         RAW("POST /v1/things HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
             "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
         400, "malformed_request"},
        {"gzip, chunked",
         RAW("POST /v1/things HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
             "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
         400, "malformed_request"},
        {"identity",
         RAW("POST /v1/things HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
             "Transfer-Encoding: identity\r\n\r\n{}"),
         400, "malformed_request"},
        {"two Authorization",
         RAW("GET /v1/things/1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer a\r\n"
             "Authorization: Bearer b\r\n\r\n"),
         400, "malformed_request"},
        {"missing Host", RAW("GET /healthz HTTP/1.1\r\nAccept: */*\r\n\r\n"), 400,
         "malformed_request"},
        {"two Host", RAW("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400,
         "malformed_request"},
        {"space in the target", RAW("GET /healthz x HTTP/1.1\r\nHost: a\r\n\r\n"), 400,
         "malformed_request"},
        {"space before a colon", RAW("GET /healthz HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n"), 400,
         "malformed_request"},
        {"text/plain body",
         RAW("POST /v1/things HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\n"
             "Content-Length: 2\r\n\r\n{}"),
         415, "unsupported_media_type"},
        {"body without a type",
         RAW("POST /v1/things HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"), 415,
         "unsupported_media_type"},
    };
    int calls = atomic_load(&post_calls);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct resp r;
        char v[64];
        exchange(cases[i].raw, cases[i].len, &r);
        if (r.status != cases[i].status)
            fail_msg("%s: status %d, wanted %d", cases[i].name, r.status, cases[i].status);
        expect_error(&r, cases[i].status, cases[i].code);
        assert_true(is_hex32(header_of(&r, "X-Request-Id", v, sizeof v)));
        assert_string_equal(header_of(&r, "Connection", v, sizeof v), "close");
        if (r.body_len != strtoul(header_of(&r, "Content-Length", v, sizeof v), NULL, 10))
            fail_msg("%s: more after the answer: %s", cases[i].name, r.raw); /* one answer */
        resp_free(&r);
    }
    assert_int_equal(atomic_load(&post_calls), calls); /* no handler ran */
    struct resp r;
    do_request("GET", "/healthz", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

/* What libmicrohttpd 0.9.75 answers itself, before the gate sees the request (HTML, no
 * X-Request-Id): pinned so that a library upgrade that changes it is noticed. */
static void library_answers(void **state)
{
    (void)state;
    static const struct {
        const char *raw;
        int status;
    } cases[] = {
        {"POST /v1/things HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", 400},
        {"POST /v1/things HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
        {"POST /v1/things HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\n",
         413},
        {"GET /healthz HTTP/2.0\r\nHost: a\r\n\r\n", 505},
        {"GET /healthz HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct resp r;
        char v[64];
        exchange(cases[i].raw, strlen(cases[i].raw), &r);
        assert_int_equal(r.status, cases[i].status);
        assert_null(header_of(&r, "X-Request-Id", v, sizeof v));
        resp_free(&r);
    }
}

static const char *client_seen(const char *from, const char *xff, char *out, size_t len)
{
    char *req = xasprintf("GET /v1/client HTTP/1.1\r\nHost: a\r\nConnection: close\r\n%s%s%s\r\n",
                          xff ? "X-Forwarded-For: " : "", xff ? xff : "", xff ? "\r\n" : "");
    struct resp r;
    exchange_from(from, req, strlen(req), &r);
    free(req);
    assert_int_equal(r.status, 200);
    snprintf(out, len, "%s", json_str(r.json, "client", NULL));
    resp_free(&r);
    return out;
}

/* The server trusts 127.0.0.3 only (start_on). */
static void forwarded_for(void **state)
{
    (void)state;
    char v[64];
    assert_string_equal(client_seen("127.0.0.3", "203.0.113.7", v, sizeof v), "203.0.113.7");
    assert_string_equal(client_seen("127.0.0.3", "198.51.100.1, 203.0.113.9", v, sizeof v),
                        "203.0.113.9");
    assert_string_equal(client_seen("127.0.0.3", "2001:db8::5", v, sizeof v), "2001:db8::5");
    assert_string_equal(client_seen("127.0.0.3", "not-an-address", v, sizeof v), "127.0.0.3");
    assert_string_equal(client_seen("127.0.0.3", NULL, v, sizeof v), "127.0.0.3");
    assert_string_equal(client_seen("127.0.0.1", "203.0.113.7", v, sizeof v), "127.0.0.1");
    assert_string_equal(client_seen("127.0.0.7", "203.0.113.7", v, sizeof v), "127.0.0.7");
    /* of two headers, the last hop of the last one (the proxy's) counts */
    const char *two = "GET /v1/client HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
                      "X-Forwarded-For: 192.0.2.1\r\nX-Forwarded-For: 192.0.2.2\r\n\r\n";
    struct resp r;
    exchange_from("127.0.0.3", two, strlen(two), &r);
    assert_string_equal(json_str(r.json, "client", NULL), "192.0.2.2");
    resp_free(&r);
}

/* Seconds until the server closes fd (EOF or reset), or -1 if it is still open after limit. */
static double closed_within(int fd, double limit)
{
    double t0 = time_monotonic_s();
    for (;;) {
        double left = limit - (time_monotonic_s() - t0);
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, (int)(left * 1000) + 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            continue;
        char buf[512];
        ssize_t got = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
            return time_monotonic_s() - t0;
    }
}

/* A second server with its own limits; stopped by the caller. */
static struct http_server *start_edge(struct http_server_config *cfg, int *ret_port)
{
    char err[256] = "";
    struct http_server *s = NULL;
    cfg->addr = "127.0.0.1";
    cfg->max_body = MAX_BODY;
    cfg->threads = 2;
    for (int attempt = 0; attempt < 5 && !s; attempt++) {
        cfg->port = free_port();
        s = http_server_start(cfg, routes, sizeof routes / sizeof routes[0], &app_token, NULL, NULL,
                              NULL, err, sizeof err);
    }
    if (!s)
        fail_msg("cannot start: %s", err);
    *ret_port = cfg->port;
    return s;
}

static int hold(const char *from, int p, int *fds, int n)
{
    for (int i = 0; i < n; i++) {
        fds[i] = connect_from(from, p);
        assert_true(fds[i] >= 0);
    }
    return n;
}

static void close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

/* Over max_per_client a client's next connection is refused at once; other clients and the
 * trusted proxy are not held back. */
static void per_client_limit(void **state)
{
    (void)state;
    struct http_server_config cfg = {.max_per_client = 3, .trusted_proxies = "127.0.0.3"};
    int p, held[3], proxy[6];
    struct http_server *s = start_edge(&cfg, &p);
    int saved = port;
    port = p;
    hold("127.0.0.5", p, held, 3);
    for (int i = 0; i < 3; i++) { /* an answer on each: the server has accepted them all */
        const char *get = "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n";
        char buf[512];
        send_all(held[i], get, strlen(get));
        assert_true(recv(held[i], buf, sizeof buf, 0) > 12);
    }
    int extra = connect_from("127.0.0.5", p);
    assert_true(extra >= 0); /* the kernel accepts; the server then hangs up */
    assert_true(closed_within(extra, 2) >= 0);
    close(extra);
    struct resp r;
    do_request("GET", "/healthz", NULL, NULL, &r); /* 127.0.0.1 is another client */
    assert_int_equal(r.status, 200);
    resp_free(&r);
    hold("127.0.0.3", p, proxy, 6); /* the gateway is exempt */
    exchange_from("127.0.0.3", RAW("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
                  &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    close_all(proxy, 6);
    close_all(held, 3);
    /* the count goes down as the connections close */
    bool served = false;
    for (int i = 0; i < 50 && !served; i++) {
        int fd = connect_from("127.0.0.5", p);
        const char *req = "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
        send_all(fd, req, strlen(req));
        size_t n;
        char *raw = recv_all(fd, &n);
        served = n > 0 && strncmp(raw, "HTTP/1.1 200", 12) == 0;
        free(raw);
        close(fd);
        if (!served)
            usleep(20000);
    }
    assert_true(served);
    port = saved;
    http_server_stop(s);
}

/* A request must be complete within the request timeout however it dribbles in; a kept-alive
 * connection between requests is not cut by it. */
static void request_deadline(void **state)
{
    (void)state;
    struct metrics *m = metrics_new();
    struct http_server_config cfg = {.request_timeout_s = 2, .idle_timeout_s = 30};
    int p;
    char err[256];
    cfg.addr = "127.0.0.1";
    cfg.max_body = MAX_BODY;
    cfg.threads = 2;
    struct http_server *s = NULL;
    for (int attempt = 0; attempt < 5 && !s; attempt++) {
        p = cfg.port = free_port();
        s = http_server_start(&cfg, routes, sizeof routes / sizeof routes[0], &app_token, m, NULL,
                              NULL, err, sizeof err);
    }
    assert_non_null(s);
    /* silent after connecting */
    int idle = connect_from("127.0.0.8", p);
    double t = closed_within(idle, 5);
    assert_true(t >= 1.5 && t < 3.5);
    close(idle);
    /* a header line every 0.4 s: each resets an idle timer, not the deadline */
    int slow = connect_from("127.0.0.8", p);
    const char *line = "GET /healthz HTTP/1.1\r\nHost: a\r\n";
    send_all(slow, line, strlen(line));
    double t0 = time_monotonic_s();
    bool cut = false;
    while (!cut && time_monotonic_s() - t0 < 5) {
        if (send(slow, "X-Drip: 1\r\n", 11, MSG_NOSIGNAL) < 0)
            break;
        cut = closed_within(slow, 0.4) >= 0;
    }
    double lived = time_monotonic_s() - t0;
    assert_true(lived >= 1.5 && lived < 3.5);
    close(slow);
    /* kept alive: a second request 3 s after the first answer is still served */
    int ka = connect_from("127.0.0.8", p);
    const char *get = "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n";
    char buf[1024];
    send_all(ka, get, strlen(get));
    assert_true(recv(ka, buf, sizeof buf, 0) > 12);
    assert_true(closed_within(ka, 3) < 0);
    send_all(ka, get, strlen(get));
    ssize_t n = recv(ka, buf, sizeof buf - 1, 0);
    assert_true(n > 12);
    assert_memory_equal(buf, "HTTP/1.1 200", 12);
    close(ka);
    http_server_stop(s);
    struct buf text = {0};
    metrics_render(m, &text);
    char *full = xasprintf("\n%s", text.data);
    assert_true(sample(full, "http_connections_closed_early_total{reason=\"timeout\"}") >= 2);
    free(full);
    buf_free(&text);
    metrics_free(m);
}

/* At max_connections new connections wait; the deadline frees the slots that idle ones hold. */
static void connection_limit(void **state)
{
    (void)state;
    struct http_server_config cfg = {.max_connections = 64, .request_timeout_s = 2};
    int p, held[64];
    struct http_server *s = start_edge(&cfg, &p);
    hold("127.0.0.9", p, held, 64);
    usleep(200000);
    int saved = port;
    port = p;
    double t0 = time_monotonic_s();
    struct resp r;
    do_request("GET", "/healthz", NULL, NULL, &r);
    double waited = time_monotonic_s() - t0;
    assert_int_equal(r.status, 200);
    assert_true(waited >= 1.0 && waited < 5);
    resp_free(&r);
    port = saved;
    close_all(held, 64);
    http_server_stop(s);
}

/* A soft open-file limit too low for max_connections is raised, up to the hard limit. */
static void open_file_limit(void **state)
{
    (void)state;
    struct rlimit was, low, now;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
    if (was.rlim_max != RLIM_INFINITY && was.rlim_max < 2000)
        skip();
    low = was;
    low.rlim_cur = 300;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    struct http_server_config cfg = {.max_connections = 1000};
    int p;
    struct http_server *s = start_edge(&cfg, &p);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
    assert_true(now.rlim_cur >= 1000 + 256);
    http_server_stop(s);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
}

static void bad_trusted_proxies(void **state)
{
    (void)state;
    char err[256] = "";
    const struct http_server_config cfg = {
        .addr = "127.0.0.1", .port = 0, .max_body = 10, .trusted_proxies = "127.0.0.1,gw"};
    assert_null(http_server_start(&cfg, routes, 1, NULL, NULL, NULL, NULL, err, sizeof err));
    assert_non_null(strstr(err, "\"gw\" is not an IPv4 or IPv6 address"));
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    log_init("http-test", getenv("TEST_LOG_DEBUG") ? LOG_DEBUG : LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(healthz),
        cmocka_unit_test(head_is_get_without_body),
        cmocka_unit_test(not_found),
        cmocka_unit_test(method_not_allowed),
        cmocka_unit_test(capture_query_and_headers),
        cmocka_unit_test(request_id_echoed),
        cmocka_unit_test(request_id_generated),
        cmocka_unit_test(traceparent_kept),
        cmocka_unit_test(json_bodies),
        cmocka_unit_test(body_limit_content_length),
        cmocka_unit_test(body_limit_chunked),
        cmocka_unit_test(body_limit_huge_upload),
        cmocka_unit_test(missing_status_is_500),
        cmocka_unit_test(raw_empty_and_headers),
        cmocka_unit_test(readyz),
        cmocka_unit_test(keep_alive_pipelined),
        cmocka_unit_test(metrics_counted),
        cmocka_unit_test(start_failures_and_quiesce),
        cmocka_unit_test(reply_helpers),
        cmocka_unit_test(gate_refusals),
        cmocka_unit_test(library_answers),
        cmocka_unit_test(forwarded_for),
        cmocka_unit_test(per_client_limit),
        cmocka_unit_test(request_deadline),
        cmocka_unit_test(connection_limit),
        cmocka_unit_test(open_file_limit),
        cmocka_unit_test(bad_trusted_proxies),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
