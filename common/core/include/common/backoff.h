/* Exponential backoff with full jitter (AWS architecture blog's "full jitter"). */
#ifndef COMMON_BACKOFF_H
#define COMMON_BACKOFF_H

#include <stdint.h>

struct backoff_policy {
    uint32_t base_ms; /* first ceiling */
    uint32_t max_ms;  /* ceiling never exceeds this */
};

/* The ceiling for a 0-based attempt: min(max_ms, base_ms * 2^attempt), without overflow. */
uint32_t backoff_ceiling_ms(const struct backoff_policy *p, unsigned attempt);
/* A delay in [ceiling/2, ceiling] chosen by rand32 (so a retry never comes back at once).
 * Pure: the caller passes the random number. */
uint32_t backoff_delay_ms(const struct backoff_policy *p, unsigned attempt, uint32_t rand32);

#endif
