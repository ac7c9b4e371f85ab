/* Classification of Postgres SQLSTATE codes into retryable and permanent failures. */
#ifndef COMMON_SQLSTATE_H
#define COMMON_SQLSTATE_H

/* Returns OF_OK for NULL/"00000"; OF_ERETRY for contention that a retry resolves (40001
 * serialization failure, 40P01 deadlock, 55P03 lock not available, 57014 query cancelled);
 * OF_EUNAVAIL when the database or its deployment is unusable whatever the statement (class 08
 * connection exceptions, class 53 insufficient resources, 57P01-57P03 shutdown/starting up,
 * 25006 read-only transaction, 42501 missing privilege, 42P01/42703/42883 missing table, column
 * or function); OF_ECONFLICT for 23505 unique violation; OF_EPERMANENT for everything else. */
int sqlstate_classify(const char *sqlstate);

#endif
