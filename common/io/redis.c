/* Redis over hiredis: one reconnecting connection, the idempotency-key store and the rate limiter.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "common/errors.h"
#include "common/idempotency.h"
#include "common/ratelimit.h"
#include "common/redis.h"
#include "common/timefmt.h"
#include "common/xalloc.h"

#define DOWN_WINDOW_MS     1000 /* after a failure, fail fast for this long before reconnecting */
#define DEFAULT_TIMEOUT_MS 500

/* One counter per key: INCR, give it the window's TTL when it has none (the first hit, or a
 * stray key without one), and return {count, pttl}. */
static const char RATELIMIT_LUA[] = "local c = redis.call('INCR', KEYS[1])\n"
                                    "local t = redis.call('PTTL', KEYS[1])\n"
                                    "if t < 0 then\n"
                                    "  redis.call('PEXPIRE', KEYS[1], ARGV[1])\n"
                                    "  t = tonumber(ARGV[1])\n"
                                    "end\n"
                                    "return {c, t}\n";

/* Deletes KEYS[1] only while it still holds ARGV[1]. */
static const char COMPARE_DEL_LUA[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
                                      "  return redis.call('DEL', KEYS[1])\n"
                                      "end\n"
                                      "return 0\n";

/* The mutex guards everything below it: calls are serialized over one connection. The context
 * is owned by the client; it is freed on any I/O error and re-made by a later call. */
struct redis_client {
    pthread_mutex_t mu;
    char *host;
    int port;
    int timeout_ms;
    redisContext *ctx;     /* NULL while disconnected */
    int64_t down_until_ms; /* monotonic: no connection attempt before this */
};

/* Internal result of try_claim(): the key vanished between SET NX and GET. */
#define VANISHED 1

struct claim {
    enum idem_decision decision;
    int status;
    char *body;
};

/* ---- the connection ---- */

static struct timeval to_timeval(int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

    return tv;
}

/* Forgets the connection and fails fast for a while (mutex held). */
static void mark_down(struct redis_client *rc)
{
    if (rc->ctx != NULL)
        redisFree(rc->ctx);
    rc->ctx = NULL;
    rc->down_until_ms = time_monotonic_ms() + DOWN_WINDOW_MS;
}

/* Returns a live context, connecting when needed; NULL when Redis cannot be had (mutex held). */
static redisContext *ensure(struct redis_client *rc)
{
    struct timeval tv = to_timeval(rc->timeout_ms);

    if (rc->ctx != NULL)
        return rc->ctx;
    if (time_monotonic_ms() < rc->down_until_ms)
        return NULL;
    rc->ctx = redisConnectWithTimeout(rc->host, rc->port, tv);
    if (rc->ctx == NULL || rc->ctx->err != 0 || redisSetTimeout(rc->ctx, tv) != REDIS_OK) {
        mark_down(rc);
        return NULL;
    }
    return rc->ctx;
}

/* Sends one command (binary-safe arguments) and returns its reply, which may be an error reply;
 * NULL when Redis is unreachable or the connection broke (mutex held). hiredis writes with
 * write(2), so a peer that went away raises SIGPIPE: the process must ignore it (the daemons do,
 * process-wide). */
static redisReply *run(struct redis_client *rc, int argc, const char **argv, const size_t *lens)
{
    redisReply *r = NULL;

    if (ensure(rc) != NULL) {
        r = redisCommandArgv(rc->ctx, argc, argv, lens);
        if (r == NULL)
            mark_down(rc);
    }
    return r;
}

/* run() with NUL-terminated arguments. */
static redisReply *runv(struct redis_client *rc, int argc, const char **argv)
{
    size_t lens[8];

    if (argc > 8)
        return NULL;
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    return run(rc, argc, argv, lens);
}

struct redis_client *redis_client_new(const char *host, int port, int timeout_ms)
{
    struct redis_client *rc = xcalloc(1, sizeof(*rc));

    if (pthread_mutex_init(&rc->mu, NULL) != 0) {
        free(rc);
        return NULL;
    }
    rc->host = xstrdup(host != NULL ? host : "127.0.0.1");
    rc->port = port;
    rc->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
    return rc;
}

void redis_client_free(struct redis_client *rc)
{
    if (rc == NULL)
        return;
    if (rc->ctx != NULL)
        redisFree(rc->ctx);
    pthread_mutex_destroy(&rc->mu);
    free(rc->host);
    free(rc);
}

int redis_ping(struct redis_client *rc)
{
    const char *argv[] = {"PING"};
    redisReply *r;
    int ret;

    pthread_mutex_lock(&rc->mu);
    r = runv(rc, 1, argv);
    pthread_mutex_unlock(&rc->mu);
    ret = r != NULL && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0 ? OF_OK
                                                                                    : OF_EUNAVAIL;
    if (r != NULL)
        freeReplyObject(r);
    return ret;
}

/* ---- the rate limiter ---- */

static bool is_int(const redisReply *r)
{
    return r != NULL && r->type == REDIS_REPLY_INTEGER;
}

int redis_ratelimit_hit(struct redis_client *rc, const char *key, const struct ratelimit_rule *rule,
                        struct ratelimit_decision *ret)
{
    char window[16];
    const char *argv[] = {"EVAL", RATELIMIT_LUA, "1", key, window};
    redisReply *r;
    int rcode = OF_EUNAVAIL;

    snprintf(window, sizeof(window), "%u", rule->window_ms > 0 ? rule->window_ms : 1u);
    pthread_mutex_lock(&rc->mu);
    r = runv(rc, 5, argv);
    pthread_mutex_unlock(&rc->mu);
    if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && is_int(r->element[0]) &&
        is_int(r->element[1])) {
        ratelimit_decide(rule, r->element[0]->integer, r->element[1]->integer, ret);
        rcode = OF_OK;
    }
    if (r != NULL)
        freeReplyObject(r);
    return rcode;
}

/* ---- idempotency keys ---- */

/* Decides from a stored record's text; a malformed one counts as a mismatch. */
static void decide_existing(const char *text, const char *fp, struct claim *out)
{
    struct idem_record rec;

    if (idem_record_parse(text, &rec) != 0) {
        out->decision = IDEM_MISMATCH;
        return;
    }
    out->decision = idem_decide(&rec, fp);
    if (out->decision == IDEM_REPLAY) {
        out->status = rec.status;
        out->body = xstrdup(rec.body != NULL ? rec.body : "");
    }
}

/* Reads what key holds (mutex held): OF_OK with out filled, VANISHED, or OF_EUNAVAIL. */
static int read_existing(struct redis_client *rc, const char *key, const char *fp,
                         struct claim *out)
{
    const char *argv[] = {"GET", key};
    redisReply *r = runv(rc, 2, argv);
    int ret = OF_EUNAVAIL;

    if (r != NULL && r->type == REDIS_REPLY_NIL) {
        ret = VANISHED;
    } else if (r != NULL && r->type == REDIS_REPLY_STRING) {
        decide_existing(r->str, fp, out);
        ret = OF_OK;
    }
    if (r != NULL)
        freeReplyObject(r);
    return ret;
}

/* SET NX, and when the key is taken, read it (mutex held). */
static int try_claim(struct redis_client *rc, const char *key, const char *pending, const char *fp,
                     struct claim *out)
{
    char ttl[16];
    const char *argv[] = {"SET", key, pending, "NX", "EX", ttl};
    redisReply *r;
    int type;

    snprintf(ttl, sizeof(ttl), "%d", IDEM_TTL_S);
    r = runv(rc, 6, argv);
    if (r == NULL)
        return OF_EUNAVAIL;
    type = r->type;
    freeReplyObject(r);
    if (type == REDIS_REPLY_STATUS) {
        out->decision = IDEM_PROCEED;
        return OF_OK;
    }
    if (type != REDIS_REPLY_NIL)
        return OF_EUNAVAIL;
    return read_existing(rc, key, fp, out);
}

int redis_idem_begin(struct redis_client *rc, const char *key, const char *fp,
                     enum idem_decision *ret_decision, int *ret_status, char **ret_body)
{
    char *pending = idem_record_pending(fp);
    struct claim c = {.decision = IDEM_PROCEED, .status = 0, .body = NULL};
    int ret;

    pthread_mutex_lock(&rc->mu);
    ret = try_claim(rc, key, pending, fp, &c);
    if (ret == VANISHED) /* it expired or was abandoned between SET and GET: once more */
        ret = try_claim(rc, key, pending, fp, &c);
    pthread_mutex_unlock(&rc->mu);
    free(pending);
    if (ret != OF_OK) {
        free(c.body);
        return OF_EUNAVAIL;
    }
    *ret_decision = c.decision;
    if (ret_status != NULL)
        *ret_status = c.status;
    if (ret_body != NULL)
        *ret_body = c.body;
    else
        free(c.body);
    return OF_OK;
}

int redis_idem_finish(struct redis_client *rc, const char *key, const char *fp, int status,
                      const char *body)
{
    char *done = idem_record_done(fp, status, body != NULL ? body : "");
    const char *argv[] = {"SET", key, done, "XX", "KEEPTTL"};
    redisReply *r;
    int ret = OF_EUNAVAIL;

    pthread_mutex_lock(&rc->mu);
    r = runv(rc, 5, argv);
    pthread_mutex_unlock(&rc->mu);
    if (r != NULL && r->type == REDIS_REPLY_STATUS)
        ret = OF_OK;
    else if (r != NULL && r->type == REDIS_REPLY_NIL)
        ret = OF_ENOTFOUND; /* the claim is gone (expired, or Redis lost it) */
    if (r != NULL)
        freeReplyObject(r);
    free(done);
    return ret;
}

int redis_idem_abandon(struct redis_client *rc, const char *key, const char *fp)
{
    char *pending = idem_record_pending(fp);
    const char *argv[] = {"EVAL", COMPARE_DEL_LUA, "1", key, pending};
    redisReply *r;
    int ret;

    pthread_mutex_lock(&rc->mu);
    r = runv(rc, 5, argv);
    pthread_mutex_unlock(&rc->mu);
    ret = is_int(r) ? OF_OK : OF_EUNAVAIL;
    if (r != NULL)
        freeReplyObject(r);
    free(pending);
    return ret;
}
