/* Postgres SQLSTATE codes sorted into retryable, conflicting and permanent failures. */
#include <string.h>

#include "common/errors.h"
#include "common/sqlstate.h"

/* A code matches a row when it starts with the row's prefix: two characters name a whole class,
 * five one condition. The first matching row wins.
 *
 * OF_EUNAVAIL: the database (or its deployment) is unusable, whatever the statement: a consumer
 * waits for it without blaming, retry-counting or dead-lettering the record in hand.
 * OF_ERETRY: contention that a retry of the same work resolves. */
static const struct {
    const char *prefix;
    int result;
} rules[] = {
    {"23505", OF_ECONFLICT}, /* unique_violation */
    {"40001", OF_ERETRY},    /* serialization_failure */
    {"40P01", OF_ERETRY},    /* deadlock_detected */
    {"55P03", OF_ERETRY},    /* lock_not_available (lock_timeout) */
    {"57014", OF_ERETRY},    /* query_canceled (statement_timeout) */
    {"08", OF_EUNAVAIL},     /* connection exception */
    {"53", OF_EUNAVAIL},     /* insufficient resources (disk full, out of memory, connections) */
    {"57P01", OF_EUNAVAIL},  /* admin_shutdown */
    {"57P02", OF_EUNAVAIL},  /* crash_shutdown */
    {"57P03", OF_EUNAVAIL},  /* cannot_connect_now (starting up, recovering) */
    {"25006", OF_EUNAVAIL},  /* read_only_sql_transaction (a failover to a standby) */
    {"42501", OF_EUNAVAIL},  /* insufficient_privilege (a missing grant) */
    {"42P01", OF_EUNAVAIL},  /* undefined_table (a migration not applied) */
    {"42703", OF_EUNAVAIL},  /* undefined_column */
    {"42883", OF_EUNAVAIL},  /* undefined_function */
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
