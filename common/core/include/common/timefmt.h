/* Wall-clock and monotonic time, and RFC 3339 UTC timestamps with milliseconds. */
#ifndef COMMON_TIMEFMT_H
#define COMMON_TIMEFMT_H

#include <stdint.h>
#include <time.h>

#define TIMESTAMP_LEN 25 /* "2026-11-21T10:00:00.123Z" and the NUL */

int64_t time_now_ms(void);       /* Unix epoch milliseconds (CLOCK_REALTIME) */
int64_t time_monotonic_ms(void); /* CLOCK_MONOTONIC milliseconds */
double time_monotonic_s(void);   /* CLOCK_MONOTONIC seconds, with fraction */
/* CLOCK_MONOTONIC now + ms, for pthread_cond_timedwait on a condvar set to that clock. */
struct timespec time_monotonic_deadline(uint32_t ms);
/* Formats unix_ms as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void timestamp_format(int64_t unix_ms, char ret[TIMESTAMP_LEN]);
/* Parses RFC 3339 with a Z or +hh:mm offset and optional fraction; returns 0 or -1. */
int timestamp_parse(const char *s, int64_t *ret_unix_ms);

#endif
