/* Tests of the HTTP <-> database boundary (common/io/boundary.c) over the fake libpq: what the
 * body returns decides commit or rollback and the answer, and a failure is logged once, with the
 * request id and SQLSTATE and without row data. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/boundary.h"
#include "common/daemon.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/http.h"
#include "db_tests.h"
#include "fake_pq.h"

#define UNIQUE "duplicate key value violates unique constraint \"items_pkey\""
#define WHAT   "probe.items.create"

static struct daemon d;
static struct http_request req;
static struct http_response res;

static int setup(void **state)
{
    (void)state;
    fake_reset();
    db_error_clear();
    d = (struct daemon){.pool = db_pool_new("fake", "test", 2)};
    req = (struct http_request){.app = &d};
    snprintf(req.request_id, sizeof req.request_id, "req-boundary-1");
    req.log = (struct log_fields){.trace_id = "trace-boundary-1", .request_id = req.request_id};
    res = (struct http_response){0};
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    http_response_rewind(&res, 0);
    db_pool_free(d.pool);
    return fake_live() == 0 ? 0 : -1; /* every borrowed connection came back */
}

/* ---- stderr capture: log lines are written there with write(2) ---- */

static char logged[8192];
static int saved_stderr = -1;
static FILE *capture;

static void capture_start(void)
{
    capture = tmpfile();
    assert_non_null(capture);
    saved_stderr = dup(STDERR_FILENO);
    assert_true(saved_stderr >= 0);
    assert_true(dup2(fileno(capture), STDERR_FILENO) >= 0);
}

static const char *capture_stop(void)
{
    assert_true(dup2(saved_stderr, STDERR_FILENO) >= 0);
    close(saved_stderr);
    rewind(capture);
    size_t n = fread(logged, 1, sizeof logged - 1, capture);
    logged[n] = '\0';
    fclose(capture);
    return logged;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* ---- a configurable body ---- */

struct body {
    int calls;
    const char *sql; /* run first; its failure is returned; NULL: none */
    int result;      /* returned after the statement succeeded */
    bool reply;      /* queue a 202 and an X-Body header before anything else */
};

static int body(PGconn *c, void *ud, struct http_response *r)
{
    struct body *b = ud;
    b->calls++;
    if (b->reply) {
        http_add_header(r, "X-Body", "1");
        http_reply_json(r, 202, json_pack("{s:s}", "by", "body"));
    }
    if (b->sql != NULL) {
        int rc = db_exec(c, b->sql, 0, NULL, NULL, NULL, 0);
        if (rc != OF_OK)
            return rc;
    }
    return b->result;
}

static int headers_named(const char *name)
{
    int n = 0;
    for (size_t i = 0; i < res.n_headers; i++)
        n += strcmp(res.headers[i].name, name) == 0;
    return n;
}

static const char *header(const char *name)
{
    for (size_t i = 0; i < res.n_headers; i++) {
        if (strcmp(res.headers[i].name, name) == 0)
            return res.headers[i].value;
    }
    return NULL;
}

static const char *error_field(const char *name)
{
    return json_string_value(json_object_get(json_object_get(res.json, "error"), name));
}

/* ---- commit and the body's own replies ---- */

static void committed_body_leaves_the_reply_to_the_caller(void **state)
{
    (void)state;
    struct body b = {0, "INSERT x", OF_OK, false};
    capture_start();
    bool ok = boundary_run(&req, &res, WHAT, body, &b);
    assert_int_equal(count_lines(capture_stop()), 0);
    assert_true(ok);
    assert_int_equal(res.status, 0);
    assert_null(res.json);
    assert_string_equal(fake_statements(), "BEGIN;INSERT x;COMMIT;");
}

static void replied_body_is_rolled_back_and_its_answer_sent(void **state)
{
    (void)state;
    struct body b = {0, "INSERT x", BOUNDARY_REPLIED, true};
    capture_start();
    bool ok = boundary_run(&req, &res, WHAT, body, &b);
    assert_int_equal(count_lines(capture_stop()), 0);
    assert_false(ok);
    assert_int_equal(res.status, 202);
    assert_string_equal(json_string_value(json_object_get(res.json, "by")), "body");
    assert_int_equal(headers_named("X-Body"), 1);
    assert_string_equal(fake_statements(), "BEGIN;INSERT x;ROLLBACK;");
}

static void replied_commit_body_is_committed(void **state)
{
    (void)state;
    struct body b = {0, "INSERT x", BOUNDARY_REPLIED_COMMIT, true};
    assert_false(boundary_run(&req, &res, WHAT, body, &b));
    assert_int_equal(res.status, 202);
    assert_string_equal(fake_statements(), "BEGIN;INSERT x;COMMIT;");
}

/* A deferred constraint fails the COMMIT: the body's answer is replaced, the handler's own
 * headers stay. */
static void failed_commit_overrules_the_body_answer(void **state)
{
    (void)state;
    struct body b = {0, "INSERT x", BOUNDARY_REPLIED_COMMIT, true};
    http_add_header(&res, "RateLimit-Limit", "3");
    fake_fail_next("COMMIT", "23505", UNIQUE, false);
    capture_start();
    bool ok = boundary_run(&req, &res, WHAT, body, &b);
    const char *log = capture_stop();
    assert_false(ok);
    assert_int_equal(res.status, 409);
    assert_string_equal(error_field("code"), "conflict");
    assert_int_equal(headers_named("X-Body"), 0);
    assert_string_equal(header("RateLimit-Limit"), "3");
    assert_int_equal(count_lines(log), 1);
    assert_non_null(strstr(log, "23505"));
}

/* A serialization failure reruns the body; its first reply is taken back. */
static void rerun_takes_back_the_first_reply(void **state)
{
    (void)state;
    struct body b = {0, "UPDATE y", BOUNDARY_REPLIED_COMMIT, true};
    fake_fail_next("UPDATE", "40001", "could not serialize access", false);
    assert_false(boundary_run(&req, &res, WHAT, body, &b));
    assert_int_equal(b.calls, 2);
    assert_int_equal(res.status, 202);
    assert_int_equal(headers_named("X-Body"), 1);
}

/* ---- mapped failures ---- */

struct mapping {
    const char *sqlstate;
    const char *primary;
    bool lost;
    int times; /* consecutive failures queued */
    int status;
    const char *code;
    bool retry_after;
};

static const struct mapping mappings[] = {
    {"23505", UNIQUE, false, 1, 409, "conflict", false},
    {"23514", "new row for relation \"items\" violates check constraint \"items_qty_check\"", false,
     1, 500, "internal", false},
    {"23503", "insert or update on table \"a\" violates foreign key constraint \"a_b_fkey\"", false,
     1, 500, "internal", false},
    {"57P01", "terminating connection due to administrator command", true, 1, 503,
     "database_unavailable", true},
    {"42501", "permission denied for schema customer", false, 1, 503, "database_unavailable", true},
    {"40001", "could not serialize access", false, BOUNDARY_ATTEMPTS, 500, "internal", false},
};

static void check_mapping(const struct mapping *m, bool read_only)
{
    struct body b = {0, "INSERT x", OF_OK, true};
    for (int i = 0; i < m->times; i++)
        fake_fail_next("INSERT", m->sqlstate, m->primary, m->lost);
    capture_start();
    bool ok = read_only ? boundary_read(&req, &res, WHAT, body, &b)
                        : boundary_run(&req, &res, WHAT, body, &b);
    const char *log = capture_stop();
    assert_false(ok);
    if (res.status != m->status)
        fail_msg("%s: status %d, want %d", m->sqlstate, res.status, m->status);
    assert_string_equal(error_field("code"), m->code);
    assert_null(error_field("field"));
    if (m->status == 500)
        assert_string_equal(error_field("message"), "internal error");
    assert_int_equal(headers_named("X-Body"), 0);
    assert_int_equal(headers_named("Retry-After"), m->retry_after ? 1 : 0);
    assert_int_equal(b.calls, read_only ? 1 : m->times);
    if (count_lines(log) != 1)
        fail_msg("%s: %d log lines, want 1:\n%s", m->sqlstate, count_lines(log), log);
    assert_non_null(strstr(log, "\"request_id\":\"req-boundary-1\""));
    assert_non_null(strstr(log, "\"trace_id\":\"trace-boundary-1\""));
    assert_non_null(strstr(log, WHAT));
    assert_non_null(strstr(log, m->sqlstate));
    assert_null(strstr(log, FAKE_DETAIL_SECRET));
    assert_null(strstr(fake_statements(), "COMMIT"));
    http_response_rewind(&res, 0);
    fake_statements_clear();
}

static void failures_are_mapped_and_logged_once(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof mappings / sizeof mappings[0]; i++)
        check_mapping(&mappings[i], false);
}

static void not_found_without_sql_failure(void **state)
{
    (void)state;
    struct body b = {0, "SELECT x", OF_ENOTFOUND, false};
    capture_start();
    bool ok = boundary_run(&req, &res, WHAT, body, &b);
    const char *log = capture_stop();
    assert_false(ok);
    assert_int_equal(res.status, 404);
    assert_string_equal(error_field("code"), "not_found");
    assert_int_equal(count_lines(log), 1);
    assert_non_null(strstr(log, "no database error recorded"));
}

static void unknown_body_result_is_internal(void **state)
{
    (void)state;
    struct body b = {0, NULL, 7, false};
    assert_false(boundary_run(&req, &res, WHAT, body, &b));
    assert_int_equal(res.status, 500);
    assert_string_equal(fake_statements(), "BEGIN;ROLLBACK;");
}

static void no_connection_is_503_with_retry_after(void **state)
{
    (void)state;
    struct body b = {0, "INSERT x", OF_OK, false};
    fake_connect_fails("connection to server at \"127.0.0.1\", port 1 failed: refused");
    capture_start();
    bool ok = boundary_run(&req, &res, WHAT, body, &b);
    const char *log = capture_stop();
    assert_false(ok);
    assert_int_equal(b.calls, 0);
    assert_int_equal(res.status, 503);
    assert_string_equal(error_field("code"), "database_unavailable");
    assert_string_equal(header("Retry-After"), "1");
    assert_int_equal(count_lines(log), 1);
    assert_non_null(strstr(log, "port 1 failed: refused"));
}

/* ---- the read-only variant ---- */

static void read_runs_without_a_transaction(void **state)
{
    (void)state;
    struct body b = {0, "SELECT x", OF_OK, false};
    assert_true(boundary_read(&req, &res, WHAT, body, &b));
    assert_string_equal(fake_statements(), "SELECT x;");
    b = (struct body){0, "SELECT x", BOUNDARY_REPLIED_COMMIT, true};
    assert_false(boundary_read(&req, &res, WHAT, body, &b));
    assert_int_equal(res.status, 202);
}

static void read_failures_are_mapped_and_not_rerun(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof mappings / sizeof mappings[0]; i++) {
        struct mapping m = mappings[i];
        m.times = 1; /* a read runs once: 40001 is answered 500 at once */
        check_mapping(&m, true);
    }
}

int run_boundary_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(committed_body_leaves_the_reply_to_the_caller, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(replied_body_is_rolled_back_and_its_answer_sent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(replied_commit_body_is_committed, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_commit_overrules_the_body_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(rerun_takes_back_the_first_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(failures_are_mapped_and_logged_once, setup, teardown),
        cmocka_unit_test_setup_teardown(not_found_without_sql_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_body_result_is_internal, setup, teardown),
        cmocka_unit_test_setup_teardown(no_connection_is_503_with_retry_after, setup, teardown),
        cmocka_unit_test_setup_teardown(read_runs_without_a_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(read_failures_are_mapped_and_not_rerun, setup, teardown),
    };
    return cmocka_run_group_tests_name("boundary", tests, NULL, NULL);
}
