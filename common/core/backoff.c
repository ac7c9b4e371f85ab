/* Exponential backoff: ceilings and full-jitter delays (pure), drawing one (random_bytes) and
 * sleeping it. */
#include <errno.h>
#include <time.h>

#include "common/backoff.h"
#include "common/uuid.h"

uint32_t backoff_ceiling_ms(const struct backoff_policy *p, unsigned attempt)
{
    uint64_t ceiling = p->base_ms;
    /* Doubling stops once the cap is reached (at most 32 rounds), so the 64-bit value never
     * overflows and a huge attempt number costs nothing; a zero base stays zero. */
    for (unsigned i = 0; i < attempt && ceiling != 0 && ceiling < p->max_ms; i++)
        ceiling *= 2;
    return ceiling < p->max_ms ? (uint32_t)ceiling : p->max_ms;
}

uint32_t backoff_delay_ms(const struct backoff_policy *p, unsigned attempt, uint32_t rand32)
{
    uint32_t ceiling = backoff_ceiling_ms(p, attempt);
    uint32_t half = ceiling / 2;
    uint64_t span = (uint64_t)(ceiling - half) + 1; /* values in [half, ceiling] */
    return half + (uint32_t)(rand32 % span);
}

uint32_t backoff_next_ms(const struct backoff_policy *p, unsigned attempt)
{
    uint32_t rand32;
    random_bytes(&rand32, sizeof rand32);
    return backoff_delay_ms(p, attempt, rand32);
}

void backoff_sleep(const struct backoff_policy *p, unsigned attempt)
{
    uint32_t ms = backoff_next_ms(p, attempt);
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}
