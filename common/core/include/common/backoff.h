/* Exponential backoff with full jitter (AWS architecture blog's "full jitter"). */
#ifndef COMMON_BACKOFF_H
#define COMMON_BACKOFF_H

#include <stdint.h>

struct backoff_policy {
    uint32_t base_ms; /* first ceiling */
    uint32_t max_ms;  /* ceiling never exceeds this */
};

/* The fixed policies of common/, named once here (the consumer's own comes from its
 * configuration, OF_RETRY_BASE_MS and OF_RETRY_MAX_MS). Each is an lvalue: pass &BACKOFF_X. */
/* Between attempts of one db_transact(): a serialization failure or deadlock clears quickly. */
#define BACKOFF_DB_TX ((const struct backoff_policy){.base_ms = 5, .max_ms = 200})
/* Creating topics on a broker that has only just started. */
#define BACKOFF_BROKER_START ((const struct backoff_policy){.base_ms = 100, .max_ms = 2000})
/* The outbox relay after a failed round (Postgres or Kafka down). */
#define BACKOFF_RELAY ((const struct backoff_policy){.base_ms = 100, .max_ms = 5000})

/* The ceiling for a 0-based attempt: min(max_ms, base_ms * 2^attempt), without overflow. */
uint32_t backoff_ceiling_ms(const struct backoff_policy *p, unsigned attempt);
/* A delay in [ceiling/2, ceiling] chosen by rand32 (so a retry never comes back at once).
 * Pure: the caller passes the random number. */
uint32_t backoff_delay_ms(const struct backoff_policy *p, unsigned attempt, uint32_t rand32);
/* The delay before the 0-based attempt's retry: backoff_delay_ms() with a random number of its
 * own (random_bytes, common/uuid.h). Any attempt number is fine: past the cap it stays there.
 * This is the one way to draw a backoff; the caller sleeps (or waits on its stop signal). */
uint32_t backoff_next_ms(const struct backoff_policy *p, unsigned attempt);
/* Sleeps backoff_next_ms(p, attempt), through signals, for a caller with nothing to wake it
 * early (a thread that must stop promptly waits on its own stop signal instead). */
void backoff_sleep(const struct backoff_policy *p, unsigned attempt);

#endif
