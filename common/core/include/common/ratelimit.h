/* Rate-limit arithmetic (pure): turns a fixed-window counter's state into a decision and the
 * RateLimit-* header values. The atomic counting itself is a Redis script (redis.h). */
#ifndef COMMON_RATELIMIT_H
#define COMMON_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ratelimit_rule {
    uint32_t limit;     /* requests allowed per window */
    uint32_t window_ms; /* window length */
};

struct ratelimit_decision {
    bool allowed;
    uint32_t limit;       /* RateLimit-Limit */
    uint32_t remaining;   /* RateLimit-Remaining */
    uint32_t reset_s;     /* RateLimit-Reset: seconds until the window ends, rounded up, >= 1 */
    uint32_t retry_after; /* Retry-After in seconds when !allowed, else 0 */
};

/* count is the window's count including this request; ttl_ms the window's time left (a negative
 * or zero ttl counts as a full window). */
void ratelimit_decide(const struct ratelimit_rule *rule, int64_t count, int64_t ttl_ms,
                      struct ratelimit_decision *ret);
/* One request counted against several rules (say per client address and per phone) gets one set
 * of RateLimit-* values, those of the policy closest to exhaustion, as
 * draft-ietf-httpapi-ratelimit-headers-06 asks of a server with several quota policies: a refused
 * decision before an allowed one, then the fewest remaining, then the longest time to reset (the
 * first of equals). *ret is that decision, except that allowed is true only when every decision
 * allowed the request, and a refusal's retry_after is the longest reset_s of every exhausted
 * (remaining 0) decision, since a retry before then meets one of them. n must be at least 1. */
void ratelimit_combine(const struct ratelimit_decision *d, size_t n,
                       struct ratelimit_decision *ret);
/* Parses "N/Ws", "N/Wm" or "N/Wh" (e.g. "3/10m") into a rule; returns 0 or -1. */
int ratelimit_rule_parse(const char *s, struct ratelimit_rule *ret);

#endif
