/* The migrations runner: applies migrations/<service>/NNNN_name.sql in order, once. */
#ifndef COMMON_MIGRATE_H
#define COMMON_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

/* Applies every NNNN_*.sql file in dir whose version is not yet in <schema>.schema_migrations,
 * in version order, each file and its schema_migrations row in one transaction, all under a
 * session advisory lock keyed on the schema (so concurrent instances apply each file once).
 * The first migration creates schema_migrations itself. Every {{schema}} and {{role}} in a file
 * is replaced by schema and role (plain identifiers), so services can share a template file
 * (migrations/_service/, linked from each service's folder). Returns OF_OK with *ret_applied set to
 * the number applied, or an error code with a message naming the file in err. */
int migrate_run(PGconn *c, const char *schema, const char *role, const char *dir, int *ret_applied,
                char *err, size_t errlen);
/* OF_OK when every file in dir is recorded as applied; OF_ENOTFOUND when one is missing;
 * another code when the database cannot be asked. */
int migrate_check(PGconn *c, const char *schema, const char *dir);

#endif
