/* Result codes shared by every module: 0 is success, negative is failure (systemd style).
 * "Retry later" and "never works" are different codes (Taler's soft and hard errors). */
#ifndef COMMON_ERRORS_H
#define COMMON_ERRORS_H

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

#endif
