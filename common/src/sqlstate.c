/* Postgres SQLSTATE codes sorted into retryable, conflicting and permanent failures. */
#include <string.h>

#include "common/errors.h"
#include "common/sqlstate.h"

/* A code matches a row when it starts with the row's prefix: two characters name a whole class,
 * five one condition. The first matching row wins. */
static const struct {
    const char *prefix;
    int result;
} rules[] = {
    {"23505", OF_ECONFLICT}, /* unique_violation */
    {"08", OF_ERETRY},       /* connection exception */
    {"40001", OF_ERETRY},    /* serialization_failure */
    {"40P01", OF_ERETRY},    /* deadlock_detected */
    {"53", OF_ERETRY},       /* insufficient resources (disk full, out of memory, connections) */
    {"55P03", OF_ERETRY},    /* lock_not_available */
    {"57014", OF_ERETRY},    /* query_canceled (statement timeout) */
    {"57P01", OF_ERETRY},    /* admin_shutdown */
    {"57P02", OF_ERETRY},    /* crash_shutdown */
    {"57P03", OF_ERETRY},    /* cannot_connect_now */
};

/* A SQLSTATE is exactly five digits or upper-case letters. */
static int well_formed(const char *s)
{
    for (int i = 0; i < 5; i++) {
        if (!(s[i] >= '0' && s[i] <= '9') && !(s[i] >= 'A' && s[i] <= 'Z'))
            return 0;
    }
    return s[5] == '\0';
}

int sqlstate_classify(const char *sqlstate)
{
    if (!sqlstate || strcmp(sqlstate, "00000") == 0)
        return OF_OK;
    if (!well_formed(sqlstate))
        return OF_EPERMANENT;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (strncmp(sqlstate, rules[i].prefix, strlen(rules[i].prefix)) == 0)
            return rules[i].result;
    }
    return OF_EPERMANENT;
}
