/* UUIDs: version 7 generation (time-ordered) and textual validation. */
#ifndef COMMON_UUID_H
#define COMMON_UUID_H

#include <stdbool.h>
#include <stdint.h>

#define UUID_STR_LEN 37 /* 36 characters and the NUL */

/* Writes a new UUIDv7 (48-bit Unix ms timestamp, random rest, from getrandom) as lowercase text.
 * Monotonic within a process: ids made in the same millisecond still sort in creation order. */
void uuid_v7(char ret[UUID_STR_LEN]);
/* Same, for a given time and random bytes (pure; for tests). */
void uuid_v7_from(uint64_t unix_ms, const uint8_t rand10[10], char ret[UUID_STR_LEN]);
/* True if s is a canonical 8-4-4-4-12 hex UUID (either case). */
bool uuid_valid(const char *s);
/* Fills buf with n cryptographically random bytes (getrandom); aborts if none can be had. */
void random_bytes(void *buf, unsigned long n);
/* Writes n random bytes as 2n lowercase hex characters plus NUL into ret. */
void random_hex(char *ret, unsigned long n);

#endif
