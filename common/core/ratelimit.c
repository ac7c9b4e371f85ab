/* Fixed-window rate-limit arithmetic and "N/W<unit>" rule parsing (pure). */
#include <stdbool.h>
#include <stddef.h>

#include "common/ratelimit.h"

/* Seconds in ms, rounded up, at least 1 and at most UINT32_MAX. */
static uint32_t ceil_seconds(int64_t ms)
{
    int64_t s = ms / 1000 + (ms % 1000 != 0);
    if (s < 1)
        return 1;
    return s > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

void ratelimit_decide(const struct ratelimit_rule *rule, int64_t count, int64_t ttl_ms,
                      struct ratelimit_decision *ret)
{
    struct ratelimit_decision d;
    int64_t left = ttl_ms;
    if (left <= 0 || left > (int64_t)rule->window_ms)
        left = rule->window_ms; /* no expiry yet (or a bogus one): a whole window remains */
    d.limit = rule->limit;
    d.allowed = count <= (int64_t)rule->limit;
    if (count <= 0)
        d.remaining = rule->limit;
    else if (count >= (int64_t)rule->limit)
        d.remaining = 0;
    else
        d.remaining = (uint32_t)((int64_t)rule->limit - count);
    d.reset_s = ceil_seconds(left);
    d.retry_after = d.allowed ? 0 : d.reset_s;
    *ret = d;
}

/* True when a is closer to exhaustion than b. */
static bool more_restrictive(const struct ratelimit_decision *a, const struct ratelimit_decision *b)
{
    if (a->allowed != b->allowed)
        return !a->allowed;
    if (a->remaining != b->remaining)
        return a->remaining < b->remaining;
    return a->reset_s > b->reset_s;
}

void ratelimit_combine(const struct ratelimit_decision *d, size_t n, struct ratelimit_decision *ret)
{
    size_t pick = 0;
    bool allowed = true;
    uint32_t retry = 0;
    for (size_t i = 0; i < n; i++) {
        if (more_restrictive(&d[i], &d[pick]))
            pick = i;
        allowed = allowed && d[i].allowed;
        if (d[i].remaining == 0 && d[i].reset_s > retry)
            retry = d[i].reset_s;
    }
    struct ratelimit_decision c = d[pick];
    c.allowed = allowed;
    c.retry_after = allowed ? 0 : retry;
    *ret = c;
}

/* Parses a run of decimal digits as a positive uint32; advances *s. Returns 0 or -1. */
static int parse_u32(const char **s, uint32_t *ret)
{
    const char *p = *s;
    uint64_t v = 0;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX)
            return -1;
    }
    if (v == 0)
        return -1;
    *s = p;
    *ret = (uint32_t)v;
    return 0;
}

static uint64_t unit_ms(char unit)
{
    switch (unit) {
    case 's':
        return 1000;
    case 'm':
        return 60 * 1000;
    case 'h':
        return 60 * 60 * 1000;
    default:
        return 0;
    }
}

int ratelimit_rule_parse(const char *s, struct ratelimit_rule *ret)
{
    uint32_t limit, window;
    if (!s || parse_u32(&s, &limit) != 0 || *s++ != '/' || parse_u32(&s, &window) != 0)
        return -1;
    uint64_t mult = unit_ms(*s);
    if (mult == 0 || s[1] != '\0')
        return -1;
    uint64_t ms = (uint64_t)window * mult;
    if (ms > UINT32_MAX)
        return -1;
    ret->limit = limit;
    ret->window_ms = (uint32_t)ms;
    return 0;
}
