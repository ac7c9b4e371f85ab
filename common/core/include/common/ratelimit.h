/* Rate-limit arithmetic (pure): turns a fixed-window counter's state into a decision and the
 * RateLimit-* header values. The atomic counting itself is a Redis script (redis.h). */
#ifndef COMMON_RATELIMIT_H
#define COMMON_RATELIMIT_H

#include <stdbool.h>
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
/* Parses "N/Ws", "N/Wm" or "N/Wh" (e.g. "3/10m") into a rule; returns 0 or -1. */
int ratelimit_rule_parse(const char *s, struct ratelimit_rule *ret);

#endif
