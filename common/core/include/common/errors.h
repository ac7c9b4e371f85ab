/* Result codes shared by every module: 0 is success, negative is failure (systemd style).
 * "Retry later" and "never works" are different codes (Taler's soft and hard errors). */
#ifndef COMMON_ERRORS_H
#define COMMON_ERRORS_H

#include <stdarg.h>
#include <stddef.h>

enum of_result {
    OF_OK = 0,
    OF_ERETRY = -1,     /* transient: database/broker/Redis unavailable, serialization, deadlock */
    OF_EPERMANENT = -2, /* permanent: bad input, schema violation, constraint; never retried */
    OF_ENOTFOUND = -3,  /* the thing asked for does not exist */
    OF_ECONFLICT = -4,  /* a uniqueness or state conflict */
    OF_EUNAVAIL = -5,   /* a dependency is down and the caller must decide (e.g. Redis) */
};

/* A short constant name for a code, for logs. */
const char *of_result_name(int rc);

/* A handler's reason for a failure (consumer_fail, timer_fail and their retry twins), formatted
 * from fmt into buf (nothing when buf is NULL or len 0): one line (control characters become
 * spaces), cut at a whole UTF-8 character when it does not fit. Reasons name fields, never values.
 */
void of_reason_vformat(char *buf, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
void of_reason_format(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
