/* Tests redis.c against a private redis-server: idempotency store, rate limiter, Redis down. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "common/errors.h"
#include "common/redis.h"

#define TIMEOUT_MS 200
#define SLOW_MS    1000 /* a call taking longer than this with a 200 ms timeout has hung */

static const char FP_A[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char FP_B[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* The private server: started by the group setup, killed by the teardown and at exit. */
static pid_t server_pid = -1;
static int server_port;
static char server_dir[] = "/tmp/of-redis-test-XXXXXX";
static bool dir_made;

/* ---- the server ---- */

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port = -1;

    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static void stop_server(void)
{
    if (server_pid <= 0)
        return;
    kill(server_pid, SIGKILL);
    while (waitpid(server_pid, NULL, 0) < 0 && errno == EINTR)
        ;
    server_pid = -1;
}

static void cleanup_at_exit(void)
{
    char path[sizeof(server_dir) + 32];

    stop_server();
    if (!dir_made)
        return;
    snprintf(path, sizeof(path), "%s/redis.log", server_dir);
    unlink(path);
    rmdir(server_dir);
    dir_made = false;
}

/* True once the server answers PING. */
static bool server_answers(void)
{
    struct timeval tv = {0, 200000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", server_port, tv);
    redisReply *r = NULL;
    bool ok = false;

    if (c != NULL && c->err == 0)
        r = redisCommand(c, "PING");
    ok = r != NULL && r->type == REDIS_REPLY_STATUS;
    if (r != NULL)
        freeReplyObject(r);
    if (c != NULL)
        redisFree(c);
    return ok;
}

static void exec_server(void)
{
    const char *bin =
        getenv("OF_REDIS_SERVER") ? getenv("OF_REDIS_SERVER") : "/usr/bin/redis-server";
    char port[16], log[sizeof(server_dir) + 32];

    prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with the test even if it crashes */
    snprintf(port, sizeof(port), "%d", server_port);
    snprintf(log, sizeof(log), "%s/redis.log", server_dir);
    execl(bin, bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
          "--dir", server_dir, "--logfile", log, "--daemonize", "no", (char *)NULL);
    _exit(127);
}

/* Starts redis-server on server_port and waits until it answers; 0 or -1. */
static int start_server(void)
{
    int64_t deadline = now_ms() + 10000;

    server_pid = fork();
    if (server_pid < 0)
        return -1;
    if (server_pid == 0)
        exec_server();
    while (now_ms() < deadline) {
        if (server_answers())
            return 0;
        if (waitpid(server_pid, NULL, WNOHANG) == server_pid) {
            server_pid = -1;
            return -1;
        }
        sleep_ms(20);
    }
    return -1;
}

static int group_setup(void **state)
{
    (void)state;
    if (atexit(cleanup_at_exit) != 0 || mkdtemp(server_dir) == NULL)
        return -1;
    dir_made = true;
    server_port = free_port();
    if (server_port <= 0 || start_server() != 0) {
        fprintf(stderr, "cannot start redis-server on port %d\n", server_port);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    cleanup_at_exit();
    return 0;
}

/* ---- direct access, to look behind the client ---- */

static redisReply *raw(const char *fmt, ...)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", server_port, tv);
    redisReply *r = NULL;
    va_list ap;

    assert_non_null(c);
    assert_int_equal(c->err, 0);
    va_start(ap, fmt);
    r = redisvCommand(c, fmt, ap);
    va_end(ap);
    redisFree(c);
    assert_non_null(r);
    return r;
}

static long long raw_int(const char *fmt, const char *key)
{
    redisReply *r = raw(fmt, key);
    long long v;

    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    v = r->integer;
    freeReplyObject(r);
    return v;
}

static bool raw_exists(const char *key)
{
    return raw_int("EXISTS %s", key) == 1;
}

static struct redis_client *client(void)
{
    struct redis_client *rc = redis_client_new("127.0.0.1", server_port, TIMEOUT_MS);

    assert_non_null(rc);
    return rc;
}

/* ---- idempotency ---- */

static enum idem_decision begin(struct redis_client *rc, const char *key, const char *fp,
                                int *status, char **body)
{
    enum idem_decision d = (enum idem_decision) - 1;

    assert_int_equal(redis_idem_begin(rc, key, fp, &d, status, body), OF_OK);
    return d;
}

static void test_idem_claim_and_replay(void **state)
{
    const char *key = "t:idem:flow";
    const char *body = "{\"id\": \"o-1\",\n  \"note\": \"two  spaces\"}\n\t end ";
    struct redis_client *rc = client();
    int status = -1;
    char *got = NULL;
    long long ttl;

    (void)state;
    assert_int_equal(begin(rc, key, FP_A, &status, &got), IDEM_PROCEED);
    assert_null(got);
    ttl = raw_int("TTL %s", key);
    assert_true(ttl > 86390 && ttl <= IDEM_TTL_S);
    assert_int_equal(begin(rc, key, FP_A, &status, &got), IDEM_IN_FLIGHT);
    assert_int_equal(begin(rc, key, FP_B, &status, &got), IDEM_MISMATCH);
    assert_null(got);

    assert_int_equal(redis_idem_finish(rc, key, FP_A, 201, body), OF_OK);
    ttl = raw_int("TTL %s", key);
    assert_true(ttl > 86390 && ttl <= IDEM_TTL_S); /* finish kept the TTL */
    assert_int_equal(begin(rc, key, FP_A, &status, &got), IDEM_REPLAY);
    assert_int_equal(status, 201);
    assert_non_null(got);
    assert_string_equal(got, body);
    free(got);
    got = NULL;
    assert_int_equal(begin(rc, key, FP_B, &status, &got), IDEM_MISMATCH);
    assert_null(got);
    redis_client_free(rc);
}

static void test_idem_empty_body_and_missing_claim(void **state)
{
    struct redis_client *rc = client();
    int status = -1;
    char *got = NULL;

    (void)state;
    assert_int_equal(begin(rc, "t:idem:empty", FP_B, &status, &got), IDEM_PROCEED);
    assert_int_equal(redis_idem_finish(rc, "t:idem:empty", FP_B, 204, ""), OF_OK);
    assert_int_equal(begin(rc, "t:idem:empty", FP_B, &status, &got), IDEM_REPLAY);
    assert_int_equal(status, 204);
    assert_string_equal(got, "");
    free(got);
    /* finishing a claim that does not exist stores nothing */
    assert_int_equal(redis_idem_finish(rc, "t:idem:nobody", FP_A, 200, "x"), OF_ENOTFOUND);
    assert_false(raw_exists("t:idem:nobody"));
    redis_client_free(rc);
}

static void test_idem_abandon_only_own_claim(void **state)
{
    const char *key = "t:idem:abandon";
    struct redis_client *rc = client();
    int status;
    char *got = NULL;

    (void)state;
    assert_int_equal(begin(rc, key, FP_A, &status, &got), IDEM_PROCEED);
    assert_int_equal(redis_idem_abandon(rc, key, FP_B), OF_OK);
    assert_true(raw_exists(key)); /* not B's claim */
    assert_int_equal(redis_idem_abandon(rc, key, FP_A), OF_OK);
    assert_false(raw_exists(key));
    assert_int_equal(begin(rc, key, FP_B, &status, &got), IDEM_PROCEED);
    assert_int_equal(redis_idem_finish(rc, key, FP_B, 200, "done"), OF_OK);
    assert_int_equal(redis_idem_abandon(rc, key, FP_B), OF_OK);
    assert_true(raw_exists(key)); /* a finished record is not a pending claim */
    assert_int_equal(begin(rc, key, FP_B, &status, &got), IDEM_REPLAY);
    assert_string_equal(got, "done");
    free(got);
    assert_int_equal(redis_idem_abandon(rc, "t:idem:none", FP_A), OF_OK);
    redis_client_free(rc);
}

static void test_idem_garbage_is_mismatch(void **state)
{
    struct redis_client *rc = client();
    int status;
    char *got = NULL;

    (void)state;
    freeReplyObject(raw("SET t:idem:junk %s", "not a record"));
    assert_int_equal(begin(rc, "t:idem:junk", FP_A, &status, &got), IDEM_MISMATCH);
    assert_null(got);
    freeReplyObject(raw("SET t:idem:junk2 %s", ""));
    assert_int_equal(begin(rc, "t:idem:junk2", FP_A, &status, &got), IDEM_MISMATCH);
    redis_client_free(rc);
}

/* ---- the rate limiter ---- */

static void hit(struct redis_client *rc, const char *key, const struct ratelimit_rule *rule,
                struct ratelimit_decision *d)
{
    memset(d, 0xAB, sizeof(*d));
    assert_int_equal(redis_ratelimit_hit(rc, key, rule, d), OF_OK);
}

static void test_ratelimit_limit(void **state)
{
    const struct ratelimit_rule rule = {.limit = 3, .window_ms = 10000};
    struct redis_client *rc = client();
    struct ratelimit_decision d;
    long long pttl;

    (void)state;
    for (uint32_t i = 1; i <= 3; i++) {
        hit(rc, "t:rl:limit", &rule, &d);
        assert_true(d.allowed);
        assert_int_equal(d.limit, 3);
        assert_int_equal(d.remaining, 3 - i);
        assert_int_equal(d.retry_after, 0);
        assert_true(d.reset_s >= 1 && d.reset_s <= 10);
    }
    pttl = raw_int("PTTL %s", "t:rl:limit");
    assert_true(pttl > 8000 && pttl <= 10000);
    hit(rc, "t:rl:limit", &rule, &d);
    assert_false(d.allowed);
    assert_int_equal(d.remaining, 0);
    assert_true(d.retry_after > 0 && d.retry_after <= 10);
    /* another key has its own counter */
    hit(rc, "t:rl:other", &rule, &d);
    assert_true(d.allowed);
    assert_int_equal(d.remaining, 2);
    redis_client_free(rc);
}

static void test_ratelimit_window_expires(void **state)
{
    const struct ratelimit_rule rule = {.limit = 2, .window_ms = 1000};
    struct redis_client *rc = client();
    struct ratelimit_decision d;

    (void)state;
    hit(rc, "t:rl:window", &rule, &d);
    assert_true(d.allowed);
    hit(rc, "t:rl:window", &rule, &d);
    assert_true(d.allowed);
    hit(rc, "t:rl:window", &rule, &d);
    assert_false(d.allowed);
    assert_int_equal(d.retry_after, 1);
    sleep_ms(1100);
    hit(rc, "t:rl:window", &rule, &d);
    assert_true(d.allowed);
    assert_int_equal(d.remaining, 1);
    redis_client_free(rc);
}

static void test_ratelimit_stray_key_gets_ttl(void **state)
{
    const struct ratelimit_rule rule = {.limit = 5, .window_ms = 5000};
    struct redis_client *rc = client();
    struct ratelimit_decision d;
    long long pttl;

    (void)state;
    freeReplyObject(raw("SET t:rl:stray %s", "7")); /* a counter that lost its TTL */
    hit(rc, "t:rl:stray", &rule, &d);
    assert_false(d.allowed);
    pttl = raw_int("PTTL %s", "t:rl:stray");
    assert_true(pttl > 0 && pttl <= 5000);
    redis_client_free(rc);
}

struct hitter {
    struct redis_client *rc;
    int allowed;
    int failed;
};

static void *hitter_main(void *arg)
{
    const struct ratelimit_rule rule = {.limit = 100, .window_ms = 60000};
    struct hitter *h = arg;
    struct ratelimit_decision d;

    for (int i = 0; i < 50; i++) {
        if (redis_ratelimit_hit(h->rc, "t:rl:threads", &rule, &d) != OF_OK)
            h->failed++;
        else if (d.allowed)
            h->allowed++;
    }
    return NULL;
}

static void test_ratelimit_concurrent(void **state)
{
    struct redis_client *rcs[2] = {client(), client()};
    struct hitter h[4];
    pthread_t t[4];
    redisReply *r;
    int allowed = 0;

    (void)state;
    for (int i = 0; i < 4; i++) {
        h[i] = (struct hitter){.rc = rcs[i % 2]}; /* two threads share each client */
        assert_int_equal(pthread_create(&t[i], NULL, hitter_main, &h[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(h[i].failed, 0);
        allowed += h[i].allowed;
    }
    assert_int_equal(allowed, 100);
    r = raw("GET %s", "t:rl:threads");
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_string_equal(r->str, "200");
    freeReplyObject(r);
    redis_client_free(rcs[0]);
    redis_client_free(rcs[1]);
}

/* ---- Redis unavailable ---- */

/* Runs every client call once; each must return OF_EUNAVAIL within max_ms. */
static void all_calls_unavailable(struct redis_client *rc, int max_ms)
{
    const struct ratelimit_rule rule = {.limit = 5, .window_ms = 1000};
    struct ratelimit_decision d;
    enum idem_decision dec;
    int status;
    char *body = NULL;
    int64_t t0;

    t0 = now_ms();
    assert_int_equal(redis_ping(rc), OF_EUNAVAIL);
    assert_in_range(now_ms() - t0, 0, max_ms);
    t0 = now_ms();
    assert_int_equal(redis_ratelimit_hit(rc, "t:down", &rule, &d), OF_EUNAVAIL);
    assert_in_range(now_ms() - t0, 0, max_ms);
    t0 = now_ms();
    assert_int_equal(redis_idem_begin(rc, "t:down", FP_A, &dec, &status, &body), OF_EUNAVAIL);
    assert_in_range(now_ms() - t0, 0, max_ms);
    assert_null(body);
    t0 = now_ms();
    assert_int_equal(redis_idem_finish(rc, "t:down", FP_A, 200, "x"), OF_EUNAVAIL);
    assert_in_range(now_ms() - t0, 0, max_ms);
    t0 = now_ms();
    assert_int_equal(redis_idem_abandon(rc, "t:down", FP_A), OF_EUNAVAIL);
    assert_in_range(now_ms() - t0, 0, max_ms);
}

/* After the fail-fast window the client reconnects by itself. */
static void assert_recovers(struct redis_client *rc)
{
    enum idem_decision dec;

    sleep_ms(1100);
    assert_int_equal(redis_ping(rc), OF_OK);
    assert_int_equal(redis_idem_begin(rc, "t:back", FP_A, &dec, NULL, NULL), OF_OK);
    assert_int_equal(dec, IDEM_PROCEED);
    assert_int_equal(redis_idem_abandon(rc, "t:back", FP_A), OF_OK);
}

static void test_hung_server_times_out(void **state)
{
    struct redis_client *rc = client();
    int64_t t0;

    (void)state;
    assert_int_equal(redis_ping(rc), OF_OK);
    assert_int_equal(kill(server_pid, SIGSTOP), 0);
    t0 = now_ms();
    assert_int_equal(redis_ping(rc), OF_EUNAVAIL);
    assert_in_range(now_ms() - t0, TIMEOUT_MS - 50, SLOW_MS);
    all_calls_unavailable(rc, 100); /* fail fast: no connection attempt, no waiting */
    assert_int_equal(kill(server_pid, SIGCONT), 0);
    assert_recovers(rc);
    redis_client_free(rc);
}

static void test_server_down_and_back(void **state)
{
    struct redis_client *rc = client();

    (void)state;
    assert_int_equal(redis_ping(rc), OF_OK); /* an open connection that is about to break */
    stop_server();
    all_calls_unavailable(rc, SLOW_MS); /* the broken connection, then the fail-fast window */
    sleep_ms(1100);
    all_calls_unavailable(rc, SLOW_MS); /* a real connection attempt, refused */
    assert_int_equal(start_server(), 0);
    assert_recovers(rc);
    redis_client_free(rc);
}

static void test_unreachable_from_start(void **state)
{
    struct redis_client *rc = redis_client_new("127.0.0.1", free_port(), TIMEOUT_MS);

    (void)state;
    all_calls_unavailable(rc, SLOW_MS);
    redis_client_free(rc);
    redis_client_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idem_claim_and_replay),
        cmocka_unit_test(test_idem_empty_body_and_missing_claim),
        cmocka_unit_test(test_idem_abandon_only_own_claim),
        cmocka_unit_test(test_idem_garbage_is_mismatch),
        cmocka_unit_test(test_ratelimit_limit),
        cmocka_unit_test(test_ratelimit_window_expires),
        cmocka_unit_test(test_ratelimit_stray_key_gets_ttl),
        cmocka_unit_test(test_ratelimit_concurrent),
        cmocka_unit_test(test_unreachable_from_start),
        cmocka_unit_test(test_hung_server_times_out),
        cmocka_unit_test(test_server_down_and_back),
    };

    /* The client relies on the process ignoring SIGPIPE, as the daemons do: a write to a Redis
     * that went away must fail with EPIPE, not kill the test. */
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
