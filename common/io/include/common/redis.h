/* Redis over hiredis: a reconnecting client, the idempotency-key store and the rate limiter.
 * Every call is bounded by the client's timeout; when Redis is down calls return OF_EUNAVAIL
 * (and for a second after a failure they fail fast without trying), never hang or crash. */
#ifndef COMMON_REDIS_H
#define COMMON_REDIS_H

#include "common/idempotency.h"
#include "common/ratelimit.h"

struct redis_client;

/* Makes a client; the connection is opened lazily. Thread-safe: calls are serialized. The
 * process must ignore SIGPIPE (daemon_main does), or a write to a dropped connection kills it. */
struct redis_client *redis_client_new(const char *host, int port, int timeout_ms);
void redis_client_free(struct redis_client *rc);

/* OF_OK when Redis answers PING, else OF_EUNAVAIL. */
int redis_ping(struct redis_client *rc);

/* Counts one request against key under rule, atomically (one Lua script: INCR, PEXPIRE on the
 * first hit, PTTL). Returns OF_OK with the decision, or OF_EUNAVAIL. */
int redis_ratelimit_hit(struct redis_client *rc, const char *key, const struct ratelimit_rule *rule,
                        struct ratelimit_decision *ret);

/* Claims key for a request with fingerprint fp (SET NX with a 24 h TTL). Returns OF_OK with
 * *ret_decision: IDEM_PROCEED when claimed; IDEM_REPLAY with *ret_status and *ret_body (owned by
 * the caller) when a finished response is stored; IDEM_IN_FLIGHT or IDEM_MISMATCH otherwise.
 * OF_EUNAVAIL when Redis cannot be asked. */
int redis_idem_begin(struct redis_client *rc, const char *key, const char *fp,
                     enum idem_decision *ret_decision, int *ret_status, char **ret_body);
/* Stores the finished response for a claimed key, keeping the 24 h TTL. Returns OF_OK,
 * OF_ENOTFOUND when the claim is gone (expired, or lost by Redis), or OF_EUNAVAIL. */
int redis_idem_finish(struct redis_client *rc, const char *key, const char *fp, int status,
                      const char *body);
/* Releases a claim whose request failed before doing anything, so a retry may proceed; only
 * deletes the key if it still holds this fingerprint's pending record. Returns OF_OK (whether or
 * not there was such a claim) or OF_EUNAVAIL. */
int redis_idem_abandon(struct redis_client *rc, const char *key, const char *fp);

#define IDEM_TTL_S 86400

#endif
