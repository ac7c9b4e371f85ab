/* Tests of the per-thread failure record (db_last_error) and of db_transact keeping the body's
 * failure, over the fake libpq. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "common/db.h"
#include "common/errors.h"
#include "db_tests.h"
#include "fake_pq.h"

#define UNIQUE "duplicate key value violates unique constraint \"items_pkey\""

static PGconn *conn;

static int setup(void **state)
{
    (void)state;
    fake_reset();
    db_error_clear();
    conn = db_connect("fake", "test", NULL, 0);
    return conn != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    PQfinish(conn);
    return 0;
}

static void failure_is_recorded_without_detail(void **state)
{
    (void)state;
    char err[128];
    fake_fail_next(NULL, "23505", UNIQUE, false);
    assert_int_equal(db_exec(conn, "INSERT x", 0, NULL, NULL, err, sizeof err), OF_ECONFLICT);
    const struct db_error *e = db_last_error();
    assert_int_equal(e->rc, OF_ECONFLICT);
    assert_string_equal(e->sqlstate, "23505");
    assert_string_equal(e->message, "23505: " UNIQUE);
    assert_string_equal(err, e->message);
    assert_null(strstr(e->message, FAKE_DETAIL_SECRET));
}

static void success_leaves_the_record_alone(void **state)
{
    (void)state;
    fake_fail_next(NULL, "23514", "new row violates check constraint \"qty\"", false);
    assert_int_equal(db_exec(conn, "INSERT x", 0, NULL, NULL, NULL, 0), OF_EPERMANENT);
    assert_int_equal(db_exec(conn, "SELECT 1", 0, NULL, NULL, NULL, 0), OF_OK);
    assert_string_equal(db_last_error()->sqlstate, "23514");
    db_error_clear();
    assert_int_equal(db_last_error()->rc, OF_OK);
    assert_string_equal(db_last_error()->message, "");
}

/* A data exception's primary message quotes the rejected input: only the text before it. */
static void data_exception_message_is_cut(void **state)
{
    (void)state;
    fake_fail_next(NULL, "22P02",
                   "invalid input syntax for type integer: \"" FAKE_DETAIL_SECRET "\"", false);
    assert_int_equal(db_exec(conn, "INSERT x", 0, NULL, NULL, NULL, 0), OF_EPERMANENT);
    assert_string_equal(db_last_error()->message, "22P02: invalid input syntax for type integer");
}

/* The server's SQLSTATE when it sent one; 08006 for what libpq reports without (a dead socket). */
static void lost_connection_is_08006_without_server_sqlstate(void **state)
{
    (void)state;
    fake_fail_next(NULL, "57P01", "terminating connection due to administrator command", true);
    assert_int_equal(db_exec(conn, "SELECT 1", 0, NULL, NULL, NULL, 0), OF_EUNAVAIL);
    assert_string_equal(db_last_error()->sqlstate, "57P01");
    assert_int_equal(db_exec(conn, "SELECT 1", 0, NULL, NULL, NULL, 0), OF_EUNAVAIL);
    assert_string_equal(db_last_error()->sqlstate, "08006");
    assert_string_equal(db_last_error()->message,
                        "08006: server closed the connection unexpectedly");
}

struct other {
    int rc_seen;
    int rc_exec; /* the failing statement's own result */
    char sqlstate_after[6];
};

static void *fail_on_own_connection(void *arg)
{
    struct other *o = arg;
    o->rc_seen = db_last_error()->rc;
    PGconn *c = db_connect("fake", "test", NULL, 0);
    fake_fail_next(NULL, "40001", "could not serialize access", false);
    o->rc_exec = db_exec(c, "UPDATE y", 0, NULL, NULL, NULL, 0);
    memcpy(o->sqlstate_after, db_last_error()->sqlstate, sizeof o->sqlstate_after);
    PQfinish(c);
    return NULL;
}

static void record_is_per_thread(void **state)
{
    (void)state;
    fake_fail_next(NULL, "23505", UNIQUE, false);
    assert_int_equal(db_exec(conn, "INSERT x", 0, NULL, NULL, NULL, 0), OF_ECONFLICT);
    struct other o = {0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fail_on_own_connection, &o), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(o.rc_seen, OF_OK);
    assert_int_equal(o.rc_exec, OF_ERETRY);
    assert_string_equal(o.sqlstate_after, "40001");
    assert_string_equal(db_last_error()->sqlstate, "23505");
}

struct body {
    int calls;
    const char *sql;
    int (*after)(int rc); /* what the body returns given its statement's result */
};

static int run_body(PGconn *c, void *ud)
{
    struct body *b = ud;
    b->calls++;
    int rc = db_exec(c, b->sql, 0, NULL, NULL, NULL, 0);
    return b->after ? b->after(rc) : rc;
}

static int swallow(int rc)
{
    (void)rc;
    return OF_OK;
}

/* The connection dies in the body; the ROLLBACK that follows fails too, without a SQLSTATE:
 * the record still names the body's statement. */
static void transact_keeps_the_body_failure(void **state)
{
    (void)state;
    struct body b = {0, "SELECT pg_terminate_backend(pg_backend_pid())", NULL};
    fake_fail_next("SELECT", "57P01", "terminating connection due to administrator command", true);
    assert_int_equal(db_transact(conn, run_body, &b, 3), OF_EUNAVAIL);
    assert_string_equal(fake_statements(),
                        "BEGIN;SELECT pg_terminate_backend(pg_backend_pid());ROLLBACK;");
    assert_string_equal(db_last_error()->sqlstate, "57P01");
    assert_string_equal(db_last_error()->message,
                        "57P01: terminating connection due to administrator command");
}

static void transact_retry_starts_a_fresh_record(void **state)
{
    (void)state;
    struct body b = {0, "UPDATE y", NULL};
    fake_fail_next("UPDATE", "40001", "could not serialize access", false);
    assert_int_equal(db_transact(conn, run_body, &b, 3), OF_OK);
    assert_int_equal(b.calls, 2);
    assert_int_equal(db_last_error()->rc, OF_OK);
}

static void transact_commit_failure_is_recorded(void **state)
{
    (void)state;
    struct body b = {0, "INSERT x", NULL};
    fake_fail_next("COMMIT", "23505", UNIQUE, false); /* a deferred constraint */
    assert_int_equal(db_transact(conn, run_body, &b, 3), OF_ECONFLICT);
    assert_int_equal(b.calls, 1);
    assert_string_equal(db_last_error()->sqlstate, "23505");
}

/* A body that ignores a failed statement: COMMIT answers ROLLBACK, which is retried, and the
 * record names the statement that failed the transaction. */
static void commit_that_rolled_back_keeps_the_statement(void **state)
{
    (void)state;
    struct body b = {0, "INSERT x", swallow};
    for (int i = 0; i < 3; i++)
        fake_fail_next("INSERT", "23514", "new row violates check constraint \"qty\"", false);
    assert_int_equal(db_transact(conn, run_body, &b, 3), OF_ERETRY);
    assert_int_equal(b.calls, 3);
    assert_string_equal(db_last_error()->sqlstate, "23514");
}

static void commit_that_rolled_back_says_so(void **state)
{
    (void)state;
    fake_fail_next("INSERT", "23514", "new row violates check constraint \"qty\"", false);
    assert_int_equal(db_begin(conn), OF_OK);
    assert_int_equal(db_exec(conn, "INSERT x", 0, NULL, NULL, NULL, 0), OF_EPERMANENT);
    db_error_clear();
    assert_int_equal(db_commit(conn), OF_ERETRY);
    assert_int_equal(db_last_error()->rc, OF_ERETRY);
    assert_non_null(strstr(db_last_error()->message, "COMMIT rolled back"));
}

/* db_pool_put's clean-up ROLLBACK does not overwrite the borrower's failure. */
static void pool_put_keeps_the_record(void **state)
{
    (void)state;
    struct db_pool *p = db_pool_new("fake", "test", 1);
    PGconn *c = db_pool_get(p, 0);
    assert_int_equal(db_begin(c), OF_OK);
    fake_fail_next("INSERT", "23505", UNIQUE, false);
    fake_fail_next("ROLLBACK", "XX000", "internal error in rollback", false);
    assert_int_equal(db_exec(c, "INSERT x", 0, NULL, NULL, NULL, 0), OF_ECONFLICT);
    db_pool_put(p, c);
    assert_string_equal(fake_statements(), "BEGIN;INSERT x;ROLLBACK;");
    assert_string_equal(db_last_error()->sqlstate, "23505");
    db_pool_free(p);
}

int run_error_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(failure_is_recorded_without_detail, setup, teardown),
        cmocka_unit_test_setup_teardown(success_leaves_the_record_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(data_exception_message_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_connection_is_08006_without_server_sqlstate, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(record_is_per_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(transact_keeps_the_body_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(transact_retry_starts_a_fresh_record, setup, teardown),
        cmocka_unit_test_setup_teardown(transact_commit_failure_is_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(commit_that_rolled_back_keeps_the_statement, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(commit_that_rolled_back_says_so, setup, teardown),
        cmocka_unit_test_setup_teardown(pool_put_keeps_the_record, setup, teardown),
    };
    return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
