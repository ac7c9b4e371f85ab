/* The migrations runner: applies NNNN_name.sql files in version order, each once, under a lock. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/file.h"
#include "common/migrate.h"
#include "common/xalloc.h"

#define LOCK_KEY_SQL  "hashtext('orderflow.migrate.' || $1)"
#define LOCK_NAME     "hashtext('orderflow.migrate.%s')"
#define MIGRATION_MAX (16u << 20) /* no migration file is larger */
#define LOCK_WAIT     "30s"

/* One migration file found in the directory. */
struct mig_file {
    int version;
    char *name;  /* the part between the underscore and ".sql" */
    char *fname; /* the file's name, for messages */
    char *path;
};

struct mig_list {
    struct mig_file *v;
    size_t n;
};

/* What schema_migrations holds: sorted versions. */
struct applied {
    int *v;
    size_t n;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- the directory ---- */

/* Splits "NNNN_name.sql" (4 or more digits, a non-empty name). Returns 0, or -1 when the name
 * does not have that shape or the version does not fit an integer. */
static int parse_fname(const char *fname, int *ret_version, char **ret_name)
{
    size_t digits = strspn(fname, "0123456789");
    size_t len = strlen(fname);
    long v = 0;

    if (digits < 4 || fname[digits] != '_' || len < digits + 1 + 1 + 4 ||
        strcmp(fname + len - 4, ".sql") != 0)
        return -1;
    for (size_t i = 0; i < digits; i++) {
        v = v * 10 + (fname[i] - '0');
        if (v > INT_MAX)
            return -1;
    }
    *ret_version = (int)v;
    *ret_name = xstrndup(fname + digits + 1, len - digits - 1 - 4);
    return 0;
}

static void list_free(struct mig_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].fname);
        free(l->v[i].path);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int cmp_file(const void *a, const void *b)
{
    const struct mig_file *x = a, *y = b;

    return (x->version > y->version) - (x->version < y->version);
}

/* Adds one directory entry to l when it is a migration; -1 for a misnamed .sql file. */
static int add_entry(struct mig_list *l, size_t *cap, const char *dir, const char *fname)
{
    struct mig_file f;
    size_t len = strlen(fname);

    if (fname[0] == '.' || len < 4 || strcmp(fname + len - 4, ".sql") != 0)
        return 0; /* not a migration at all */
    if (parse_fname(fname, &f.version, &f.name) != 0)
        return -1;
    f.fname = xstrdup(fname);
    f.path = xasprintf("%s/%s", dir, fname);
    if (l->n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        l->v = xrealloc(l->v, *cap * sizeof(*l->v));
    }
    l->v[l->n++] = f;
    return 0;
}

/* Lists dir's migrations sorted by version. Misnamed .sql files and duplicate versions are
 * errors, so a typo cannot silently skip a migration. */
static int list_files(const char *dir, struct mig_list *ret, char *err, size_t errlen)
{
    struct mig_list l = {0};
    size_t cap = 0;
    struct dirent *de;
    DIR *d = opendir(dir);

    if (d == NULL) {
        set_err(err, errlen, "migrations directory %s: %s", dir, strerror(errno));
        return OF_EPERMANENT;
    }
    while ((de = readdir(d)) != NULL) {
        if (add_entry(&l, &cap, dir, de->d_name) != 0) {
            set_err(err, errlen, "migration %s: name is not NNNN_name.sql", de->d_name);
            goto fail;
        }
    }
    closedir(d);
    d = NULL;
    if (l.n > 0)
        qsort(l.v, l.n, sizeof(*l.v), cmp_file);
    for (size_t i = 1; i < l.n; i++) {
        if (l.v[i].version == l.v[i - 1].version) {
            set_err(err, errlen, "migrations %s and %s have the same version", l.v[i - 1].fname,
                    l.v[i].fname);
            goto fail;
        }
    }
    *ret = l;
    return OF_OK;
fail:
    if (d != NULL)
        closedir(d);
    list_free(&l);
    return OF_EPERMANENT;
}

/* Reads a whole migration file; NULL (with err set) when unreadable or it holds a NUL. */
static char *read_file(const struct mig_file *f, char *err, size_t errlen)
{
    char *text = NULL;
    char msg[512];
    if (file_read_text(f->path, MIGRATION_MAX, &text, NULL, msg, sizeof msg) != 0) {
        set_err(err, errlen, "migration %s", msg);
        return NULL;
    }
    return text;
}

/* Replaces every {{schema}} and {{role}} in text with the service's names (both checked plain
 * identifiers), so one template serves every service. Returns a new string. */
static char *expand_names(const char *text, const char *schema, const char *role)
{
    static const char *const names[] = {"{{schema}}", "{{role}}"};
    const char *values[] = {schema, role};
    struct buf b = {0};
    const char *p = text;
    while (*p) {
        size_t i = 0;
        for (; i < 2; i++)
            if (strncmp(p, names[i], strlen(names[i])) == 0)
                break;
        if (i < 2) {
            buf_puts(&b, values[i]);
            p += strlen(names[i]);
        } else {
            buf_append(&b, p++, 1);
        }
    }
    return buf_steal(&b);
}

/* ---- the database ---- */

/* Takes the session advisory lock, waiting at most LOCK_WAIT for another instance to finish:
 * SET LOCAL bounds this transaction only, and the session lock outlives it. */
static int lock_migrations(PGconn *c, const char *schema, char *err, size_t errlen)
{
    char msg[512] = "";
    const char *params[] = {schema};
    int rc = db_begin(c);

    if (rc == OF_OK)
        rc =
            db_exec(c, "SET LOCAL lock_timeout = '" LOCK_WAIT "'", 0, NULL, NULL, msg, sizeof(msg));
    if (rc == OF_OK)
        rc = db_exec(c, "SELECT pg_advisory_lock(" LOCK_KEY_SQL ")", 1, params, NULL, msg,
                     sizeof(msg));
    if (rc == OF_OK)
        rc = db_commit(c);
    if (rc == OF_OK)
        return OF_OK;
    if (PQtransactionStatus(c) != PQTRANS_IDLE)
        db_rollback(c);
    /* A lock_timeout is 55P03 "canceling statement due to lock timeout" (OF_ERETRY). */
    set_err(err, errlen,
            "migrations of %s: could not take the advisory lock " LOCK_NAME
            " (waited at most " LOCK_WAIT "): %s",
            schema, schema, msg);
    return rc;
}

static void unlock_migrations(PGconn *c, const char *schema)
{
    const char *params[] = {schema};

    /* A failure leaves nothing to do: a dead connection has dropped the lock already. */
    if (db_exec(c, "SELECT pg_advisory_unlock(" LOCK_KEY_SQL ")", 1, params, NULL, NULL, 0) !=
        OF_OK)
        return;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return (x > y) - (x < y);
}

/* Reads <schema>.schema_migrations, or nothing when the table does not exist yet. */
static int load_applied(PGconn *c, const char *schema, const char *qschema, struct applied *ret,
                        char *err, size_t errlen)
{
    char msg[512] = "";
    char *table = xasprintf("%s.schema_migrations", qschema);
    char *sql = xasprintf("SELECT version FROM %s", table);
    const char *params[] = {table};
    PGresult *r = NULL;
    int rc;

    rc = db_exec(c, "SELECT to_regclass($1) IS NOT NULL", 1, params, &r, msg, sizeof(msg));
    if (rc != OF_OK)
        goto out;
    if (strcmp(PQgetvalue(r, 0, 0), "t") != 0)
        goto out; /* nothing applied yet */
    PQclear(r);
    r = NULL;
    rc = db_exec(c, sql, 0, NULL, &r, msg, sizeof(msg));
    if (rc != OF_OK)
        goto out;
    ret->n = (size_t)PQntuples(r);
    ret->v = xcalloc(ret->n + 1, sizeof(int));
    for (size_t i = 0; i < ret->n; i++)
        ret->v[i] = atoi(PQgetvalue(r, (int)i, 0));
    qsort(ret->v, ret->n, sizeof(int), cmp_int);
out:
    if (rc != OF_OK)
        set_err(err, errlen, "migrations of %s: reading schema_migrations: %s", schema, msg);
    PQclear(r);
    free(sql);
    free(table);
    return rc;
}

static bool is_applied(const struct applied *a, int version)
{
    return a->n > 0 && bsearch(&version, a->v, a->n, sizeof(int), cmp_int) != NULL;
}

/* Runs a file's text with PQexec (several statements allowed). */
static int exec_script(PGconn *c, const char *text, char *msg, size_t msglen)
{
    PGresult *r = PQexec(c, text);
    int rc;

    if (r != NULL && PQresultStatus(r) == PGRES_EMPTY_QUERY)
        rc = OF_OK; /* a file of comments only */
    else
        rc = db_classify(c, r);
    if (rc != OF_OK)
        db_error_message(c, r, msg, msglen);
    PQclear(r);
    return rc;
}

/* Applies one file and records it, in one transaction. */
static int apply_one(PGconn *c, const char *qschema, const char *const names[2],
                     const struct mig_file *f, char *err, size_t errlen)
{
    char msg[1024] = "";
    char version[16];
    const char *params[] = {version, f->name};
    char *sql =
        xasprintf("INSERT INTO %s.schema_migrations(version, name) VALUES ($1, $2)", qschema);
    char *raw = read_file(f, err, errlen);
    char *text = NULL;
    int rc = OF_EPERMANENT;

    if (raw == NULL)
        goto out;
    text = expand_names(raw, names[0], names[1]);
    snprintf(version, sizeof(version), "%d", f->version);
    rc = db_exec(c, "BEGIN", 0, NULL, NULL, msg, sizeof(msg));
    if (rc == OF_OK)
        rc = exec_script(c, text, msg, sizeof(msg));
    if (rc == OF_OK)
        rc = db_exec(c, sql, 2, params, NULL, msg, sizeof(msg));
    if (rc == OF_OK && (rc = db_commit(c)) != OF_OK)
        snprintf(msg, sizeof(msg), "COMMIT failed (%s)", of_result_name(rc));
    if (rc != OF_OK) {
        set_err(err, errlen, "migration %s: %s", f->fname, msg);
        if (PQtransactionStatus(c) != PQTRANS_IDLE)
            db_rollback(c);
        /* Worth another try later: contention, or the database being unusable right now. */
        if (rc != OF_ERETRY && rc != OF_EUNAVAIL)
            rc = OF_EPERMANENT;
    }
out:
    free(raw);
    free(text);
    free(sql);
    return rc;
}

/* Applies every file of l not in a, in order; counts what it applied. */
static int apply_all(PGconn *c, const char *qschema, const char *const names[2],
                     const struct mig_list *l, const struct applied *a, int *count, char *err,
                     size_t errlen)
{
    int rc;

    for (size_t i = 0; i < l->n; i++) {
        if (is_applied(a, l->v[i].version))
            continue;
        rc = apply_one(c, qschema, names, &l->v[i], err, errlen);
        if (rc != OF_OK)
            return rc;
        (*count)++;
    }
    return OF_OK;
}

static char *quote_schema(PGconn *c, const char *schema, char *err, size_t errlen)
{
    char *q = PQescapeIdentifier(c, schema, strlen(schema));
    char *ret;

    if (q == NULL) {
        set_err(err, errlen, "migrations of %s: %s", schema, PQerrorMessage(c));
        return NULL;
    }
    ret = xstrdup(q);
    PQfreemem(q);
    return ret;
}

int migrate_run(PGconn *c, const char *schema, const char *role, const char *dir, int *ret_applied,
                char *err, size_t errlen)
{
    struct mig_list l = {0};
    struct applied a = {0};
    char *qschema = NULL;
    int count = 0;
    int rc;

    if (!db_ident_valid(schema) || !db_ident_valid(role)) {
        set_err(err, errlen, "migrations: schema or role name is not a plain identifier");
        return OF_EPERMANENT;
    }
    const char *const names[2] = {schema, role};
    rc = list_files(dir, &l, err, errlen);
    if (rc != OF_OK)
        return rc;
    qschema = quote_schema(c, schema, err, errlen);
    if (qschema == NULL) {
        rc = OF_ERETRY;
        goto out;
    }
    rc = lock_migrations(c, schema, err, errlen);
    if (rc != OF_OK)
        goto out;
    rc = load_applied(c, schema, qschema, &a, err, errlen);
    if (rc == OF_OK)
        rc = apply_all(c, qschema, names, &l, &a, &count, err, errlen);
    /* The lock is the session's: release it whatever happened (a dead connection drops it). */
    unlock_migrations(c, schema);
    if (rc == OF_OK && ret_applied != NULL)
        *ret_applied = count;
out:
    free(a.v);
    free(qschema);
    list_free(&l);
    return rc;
}

int migrate_check(PGconn *c, const char *schema, const char *dir)
{
    struct mig_list l = {0};
    struct applied a = {0};
    char *qschema = NULL;
    int rc;

    if (!db_ident_valid(schema))
        return OF_EPERMANENT;
    rc = list_files(dir, &l, NULL, 0);
    if (rc != OF_OK)
        return rc;
    qschema = quote_schema(c, schema, NULL, 0);
    if (qschema == NULL) {
        rc = OF_ERETRY;
        goto out;
    }
    rc = load_applied(c, schema, qschema, &a, NULL, 0);
    for (size_t i = 0; rc == OF_OK && i < l.n; i++) {
        if (!is_applied(&a, l.v[i].version))
            rc = OF_ENOTFOUND;
    }
out:
    free(a.v);
    free(qschema);
    list_free(&l);
    return rc;
}
