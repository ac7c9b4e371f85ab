/* Classification of Postgres SQLSTATE codes into retryable and permanent failures. */
#ifndef COMMON_SQLSTATE_H
#define COMMON_SQLSTATE_H

/* Returns OF_OK for NULL/"00000", OF_ERETRY for failures worth retrying (class 08 connection
 * exceptions, 40001 serialization failure, 40P01 deadlock, 55P03 lock not available, 57P01-57P03
 * shutdown/cannot connect now, 53xxx insufficient resources, 57014 query cancelled), OF_ECONFLICT
 * for 23505 unique violation, and OF_EPERMANENT for everything else. */
int sqlstate_classify(const char *sqlstate);

#endif
