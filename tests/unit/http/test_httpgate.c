/* Tests of the request gate's pure decisions (common/httpgate.c): a table of requests, each a
 * line and a header list with the answer the gate must give, and the client-address rules. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/httpgate.h"

#define MAX_H 6

/* One case: the request and what the gate answers: 0 passes, 400 malformed_request, 415. */
struct gate_case {
    const char *name;
    const char *method, *version, *target;
    size_t wire_len;
    const char *headers[MAX_H][2];
    int want;
};

#define HOST                                                                                       \
    {                                                                                              \
        "Host", "api.example"                                                                      \
    }
#define JSON                                                                                       \
    {                                                                                              \
        "Content-Type", "application/json"                                                         \
    }

static const struct gate_case cases[] = {
    {"plain GET", "GET", "HTTP/1.1", "/v1/me", 6, {HOST}, 0},
    {"GET with a query", "GET", "HTTP/1.1", "/v1/feed?a=1&b=%20", 18, {HOST}, 0},
    {"wire length unknown", "GET", "HTTP/1.1", "/v1/me", 0, {HOST}, 0},
    {"HTTP/1.0 without Host", "GET", "HTTP/1.0", "/healthz", 8, {{NULL, NULL}}, 0},
    {"Host with a port", "GET", "HTTP/1.1", "/", 1, {{"Host", "127.0.0.1:8085"}}, 0},
    {"IPv6 Host", "GET", "HTTP/1.1", "/", 1, {{"Host", "[::1]:8085"}}, 0},
    {"empty Host", "GET", "HTTP/1.1", "/", 1, {{"Host", ""}}, 0},
    {"JSON body", "POST", "HTTP/1.1", "/v1/x", 5, {HOST, JSON, {"Content-Length", "12"}}, 0},
    {"JSON with charset",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"content-type", "Application/JSON; charset=UTF-8"}, {"Content-Length", "2"}},
     0},
    {"quoted charset",
     "PUT",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"Content-Type", "application/json;charset=\"utf-8\""}, {"Content-Length", "2"}},
     0},
    {"+json subtype",
     "PATCH",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"Content-Type", "application/merge-patch+json"}, {"Content-Length", "2"}},
     0},
    {"chunked JSON",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Transfer-Encoding", "chunked"}},
     0},
    {"Chunked in capitals",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Transfer-Encoding", "CHUNKED"}},
     0},
    {"no body, no type", "POST", "HTTP/1.1", "/v1/x", 5, {HOST, {"Content-Length", "0"}}, 0},
    {"zero body with text type",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"Content-Type", "text/plain"}, {"Content-Length", "000"}},
     0},
    {"leading zeros", "POST", "HTTP/1.1", "/v1/x", 5, {HOST, JSON, {"Content-Length", "007"}}, 0},
    {"one Authorization",
     "GET",
     "HTTP/1.1",
     "/v1/me",
     6,
     {HOST, {"Authorization", "Bearer a.b.c"}},
     0},
    {"HTTP/1.2 is 1.1", "GET", "HTTP/1.2", "/", 1, {HOST}, 0},

    {"NUL in the target", "GET", "HTTP/1.1", "/healthz", 14, {HOST}, 400},
    {"NUL before a suffix", "GET", "HTTP/1.1", "/v1/me", 16, {HOST}, 400},
    {"space in the target", "GET", "HTTP/1.1", "/a b", 4, {HOST}, 400},
    {"tab in the target", "GET", "HTTP/1.1", "/a\tb", 4, {HOST}, 400},
    {"control byte in the target", "GET", "HTTP/1.1", "/a\x01", 3, {HOST}, 400},
    {"DEL in the target", "GET", "HTTP/1.1", "/a\x7f", 3, {HOST}, 400},
    {"raw UTF-8 in the target", "GET", "HTTP/1.1", "/caf\xc3\xa9", 6, {HOST}, 400},
    {"method not a token", "G(T", "HTTP/1.1", "/", 1, {HOST}, 400},
    {"empty method", "", "HTTP/1.1", "/", 1, {HOST}, 400},
    {"missing Host", "GET", "HTTP/1.1", "/", 1, {{"Accept", "*/*"}}, 400},
    {"two Host", "GET", "HTTP/1.1", "/", 1, {HOST, {"host", "evil.example"}}, 400},
    {"two Host in HTTP/1.0", "GET", "HTTP/1.0", "/", 1, {HOST, HOST}, 400},
    {"Host with a slash", "GET", "HTTP/1.1", "/", 1, {{"Host", "a/b"}}, 400},
    {"Host with a space", "GET", "HTTP/1.1", "/", 1, {{"Host", "a b"}}, 400},
    {"Host with userinfo", "GET", "HTTP/1.1", "/", 1, {{"Host", "user@a"}}, 400},
    {"two Content-Length",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Content-Length", "2"}, {"Content-Length", "5"}},
     400},
    {"two equal Content-Length",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Content-Length", "5"}, {"content-length", "5"}},
     400},
    {"Content-Length -1",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Content-Length", "-1"}},
     400},
    {"Content-Length abc",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Content-Length", "abc"}},
     400},
    {"Content-Length +5",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Content-Length", "+5"}},
     400},
    {"Content-Length list",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Content-Length", "5, 5"}},
     400},
    {"empty Content-Length",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Content-Length", ""}},
     400},
    {"gzip, chunked",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Transfer-Encoding", "gzip, chunked"}},
     400},
    {"identity",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Transfer-Encoding", "identity"}},
     400},
    {"chunked, chunked",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Transfer-Encoding", "chunked, chunked"}},
     400},
    {"two Transfer-Encoding",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}},
     400},
    {"Content-Length and chunked",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, {"Content-Length", "3"}, {"Transfer-Encoding", "chunked"}},
     400},
    {"chunked in HTTP/1.0",
     "POST",
     "HTTP/1.0",
     "/v1/x",
     5,
     {JSON, {"Transfer-Encoding", "chunked"}},
     400},
    {"two Authorization",
     "GET",
     "HTTP/1.1",
     "/v1/me",
     6,
     {HOST, {"Authorization", "Bearer a"}, {"authorization", "Bearer b"}},
     400},
    {"two Content-Type",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, JSON, JSON, {"Content-Length", "2"}},
     400},
    {"space before the colon", "GET", "HTTP/1.1", "/", 1, {HOST, {"X-Y ", "z"}}, 400},
    {"space in a header name", "GET", "HTTP/1.1", "/", 1, {HOST, {"X Y", "z"}}, 400},
    {"empty header name", "GET", "HTTP/1.1", "/", 1, {HOST, {"", "z"}}, 400},
    {"control byte in a value", "GET", "HTTP/1.1", "/", 1, {HOST, {"X-A", "a\x01z"}}, 400},
    {"DEL in a value", "GET", "HTTP/1.1", "/", 1, {HOST, {"X-A", "a\x7fz"}}, 400},

    {"text/plain body",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"Content-Type", "text/plain"}, {"Content-Length", "2"}},
     415},
    {"body without a type", "POST", "HTTP/1.1", "/v1/x", 5, {HOST, {"Content-Length", "2"}}, 415},
    {"chunked without a type",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"Transfer-Encoding", "chunked"}},
     415},
    {"latin-1 JSON",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"Content-Type", "application/json; charset=iso-8859-1"}, {"Content-Length", "2"}},
     415},
    {"application/jsonx",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"Content-Type", "application/jsonx"}, {"Content-Length", "2"}},
     415},
    {"bare +json",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"Content-Type", "application/+json"}, {"Content-Length", "2"}},
     415},
    {"text/json",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"Content-Type", "text/json"}, {"Content-Length", "2"}},
     415},
    {"type without subtype",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"Content-Type", "application"}, {"Content-Length", "2"}},
     415},
    {"junk after the type",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"Content-Type", "application/json x"}, {"Content-Length", "2"}},
     415},
    {"parameter without value",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"Content-Type", "application/json; charset"}, {"Content-Length", "2"}},
     415},
    {"unterminated quote",
     "POST",
     "HTTP/1.1",
     "/v1/x",
     5,
     {HOST, {"Content-Type", "application/json; charset=\"utf-8"}, {"Content-Length", "2"}},
     415},
};

static int run_case(const struct gate_case *c, struct httpgate_refusal *ret)
{
    struct httpgate_header h[MAX_H];
    size_t n = 0;
    while (n < MAX_H && c->headers[n][0]) {
        h[n].name = c->headers[n][0];
        h[n].value = c->headers[n][1];
        n++;
    }
    const struct httpgate_request r = {c->method, c->version, c->target, c->wire_len, h, n};
    return httpgate_check(&r, ret);
}

static void gate_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct gate_case *c = &cases[i];
        struct httpgate_refusal why = {API_INTERNAL, "untouched"};
        int rc = run_case(c, &why);
        int got = rc == 0 ? 0 : api_error_get(why.code)->status;
        if (got != c->want)
            fail_msg("%s: got %d, wanted %d (%s)", c->name, got, c->want,
                     rc == 0 ? "passed" : api_error_get(why.code)->code);
        if (rc == 0) {
            assert_string_equal(why.message, "untouched"); /* untouched when it passes */
            continue;
        }
        enum api_error want = c->want == 415 ? API_UNSUPPORTED_MEDIA_TYPE : API_MALFORMED_REQUEST;
        assert_int_equal(why.code, want);
        assert_true(c->want == 415 || (why.message && strlen(why.message) > 5));
    }
}

static const struct gate_case *case_named(const char *name)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    fail_msg("no case %s", name);
    return NULL;
}

/* The refusal names what is wrong. */
static void gate_messages(void **state)
{
    (void)state;
    static const char *const said[][2] = {
        {"NUL in the target", "NUL"},
        {"missing Host", "Host"},
        {"two Content-Length", "Content-Length"},
        {"identity", "Transfer-Encoding"},
        {"Content-Length and chunked", "together"},
        {"two Authorization", "Authorization"},
        {"space before the colon", "header name"},
    };
    for (size_t i = 0; i < sizeof said / sizeof said[0]; i++) {
        struct httpgate_refusal why;
        assert_int_equal(run_case(case_named(said[i][0]), &why), -1);
        if (!strstr(why.message, said[i][1]))
            fail_msg("%s: \"%s\" does not say %s", said[i][0], why.message, said[i][1]);
    }
}

static void addr_round_trip(void **state)
{
    (void)state;
    static const char *const good[][2] = {
        {"192.0.2.7", "192.0.2.7"},
        {"::1", "::1"},
        {"2001:DB8::1", "2001:db8::1"},
        {"::ffff:192.0.2.9", "192.0.2.9"}, /* a mapped IPv4 address is the IPv4 one */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct httpgate_addr a;
        char text[64];
        assert_int_equal(httpgate_addr_parse(good[i][0], &a), 0);
        httpgate_addr_format(&a, text, sizeof text);
        assert_string_equal(text, good[i][1]);
    }
    static const char *const bad[] = {"",         "1.2.3",        "1.2.3.4:80",
                                      "[::1]",    "fe80::1%eth0", " 1.2.3.4",
                                      "01.2.3.4", "example.org",  "1.2.3.256"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct httpgate_addr a = {{7}};
        if (httpgate_addr_parse(bad[i], &a) == 0)
            fail_msg("\"%s\" parsed as an address", bad[i]);
        assert_int_equal(a.b[0], 7); /* untouched */
    }
    struct sockaddr_in in4 = {.sin_family = AF_INET};
    struct sockaddr_un_like {
        sa_family_t family;
    } other = {AF_UNIX};
    inet_pton(AF_INET, "198.51.100.3", &in4.sin_addr);
    struct httpgate_addr a, b;
    assert_int_equal(httpgate_addr_from_sockaddr((struct sockaddr *)&in4, &a), 0);
    assert_int_equal(httpgate_addr_parse("198.51.100.3", &b), 0);
    assert_memory_equal(a.b, b.b, 16);
    assert_int_equal(httpgate_addr_from_sockaddr((struct sockaddr *)(void *)&other, &a), -1);
    assert_int_equal(httpgate_addr_from_sockaddr(NULL, &a), -1);
}

static void proxies_parse(void **state)
{
    (void)state;
    struct httpgate_proxies *p = NULL;
    char err[128] = "";
    assert_int_equal(httpgate_proxies_parse(" 127.0.0.3 ,::1,10.0.0.1", &p, err, sizeof err), 0);
    struct httpgate_addr a;
    assert_int_equal(httpgate_addr_parse("10.0.0.1", &a), 0);
    assert_true(httpgate_proxies_contains(p, &a));
    assert_int_equal(httpgate_addr_parse("::1", &a), 0);
    assert_true(httpgate_proxies_contains(p, &a));
    assert_int_equal(httpgate_addr_parse("127.0.0.1", &a), 0);
    assert_false(httpgate_proxies_contains(p, &a));
    assert_false(httpgate_proxies_contains(NULL, &a));
    httpgate_proxies_free(p);
    httpgate_proxies_free(NULL);

    assert_int_equal(httpgate_proxies_parse("", &p, err, sizeof err), 0);
    assert_false(httpgate_proxies_contains(p, &a));
    httpgate_proxies_free(p);
    assert_int_equal(httpgate_proxies_parse(NULL, &p, err, sizeof err), 0);
    httpgate_proxies_free(p);

    static const char *const bad[] = {"127.0.0.1,gateway", "10.0.0.0/8", "1.2.3.4,,5.6.7.8",
                                      "1.2.3.4:80",
                                      "0123456789012345678901234567890123456789012345"
                                      "6789"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct httpgate_proxies *untouched = (struct httpgate_proxies *)err;
        err[0] = '\0';
        if (httpgate_proxies_parse(bad[i], &untouched, err, sizeof err) == 0)
            fail_msg("\"%s\" parsed as a proxy list", bad[i]);
        assert_ptr_equal(untouched, (struct httpgate_proxies *)err);
        assert_non_null(strstr(err, "not an IPv4 or IPv6 address"));
    }
}

/* X-Forwarded-For counts only from a trusted peer, only its last hop, only a valid one. */
static void forwarded_client(void **state)
{
    (void)state;
    struct httpgate_proxies *p;
    char err[64];
    assert_int_equal(httpgate_proxies_parse("127.0.0.3", &p, err, sizeof err), 0);
    struct httpgate_addr gateway, other;
    assert_int_equal(httpgate_addr_parse("127.0.0.3", &gateway), 0);
    assert_int_equal(httpgate_addr_parse("127.0.0.1", &other), 0);
    static const struct {
        bool trusted;
        const char *xff, *want;
    } cases_xff[] = {
        {true, "203.0.113.7", "203.0.113.7"},
        {true, "198.51.100.1, 203.0.113.9", "203.0.113.9"}, /* the hop the gateway added */
        {true, "1.1.1.1,2001:db8::5 ", "2001:db8::5"},
        {true, NULL, "127.0.0.3"},
        {true, "", "127.0.0.3"},
        {true, "203.0.113.7,", "127.0.0.3"},
        {true, "unknown", "127.0.0.3"},
        {true, "203.0.113.7:5555", "127.0.0.3"},
        {true, "[2001:db8::5]", "127.0.0.3"},
        {true, "203.0.113.7 junk", "127.0.0.3"},
        {false, "203.0.113.7", "127.0.0.1"}, /* a spoofed header from anyone else */
        {false, NULL, "127.0.0.1"},
    };
    for (size_t i = 0; i < sizeof cases_xff / sizeof cases_xff[0]; i++) {
        struct httpgate_addr got;
        char text[64];
        httpgate_client(p, cases_xff[i].trusted ? &gateway : &other, cases_xff[i].xff, &got);
        httpgate_addr_format(&got, text, sizeof text);
        if (strcmp(text, cases_xff[i].want) != 0)
            fail_msg("X-Forwarded-For \"%s\" from %s: %s, wanted %s",
                     cases_xff[i].xff ? cases_xff[i].xff : "(none)",
                     cases_xff[i].trusted ? "the gateway" : "another peer", text,
                     cases_xff[i].want);
    }
    struct httpgate_addr got;
    httpgate_client(NULL, &gateway, "203.0.113.7", &got); /* no proxies: nobody trusted */
    assert_memory_equal(got.b, gateway.b, 16);
    httpgate_proxies_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gate_table),       cmocka_unit_test(gate_messages),
        cmocka_unit_test(addr_round_trip),  cmocka_unit_test(proxies_parse),
        cmocka_unit_test(forwarded_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
