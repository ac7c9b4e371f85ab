/* Tests of the queue state machine: every (status, input) pair against data/transitions.txt,
 * what business_state_apply records, duplicates and late inputs, and the names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "business_state.h"
#include "business_tests.h"
#include "common/errors.h"

static const char *const inputs[BUSINESS_IN_COUNT] = {"APPROVE", "REJECT", "TIMEOUT", "CANCEL"};
static const char *const effects[] = {"APPLY", "IGNORE", "DECIDED", "CANCELLED"};

static int lookup(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    fail_msg("transitions.txt: unknown word %s", s);
    return -1;
}

/* The table is the test's input: every pair once, each answered as the file says. */
static void table_from_file(void **state)
{
    (void)state;
    FILE *f = fopen("data/transitions.txt", "r");
    assert_non_null(f);
    int seen[BUSINESS_STATUS_COUNT][BUSINESS_IN_COUNT] = {{0}};
    char line[256], s[32], in[32], eff[32], next[32];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        assert_int_equal(sscanf(line, "%31s %31s %31s %31s", s, in, eff, next), 4);
        enum business_queue_status st, nx;
        assert_int_equal(business_state_status_parse(s, &st), OF_OK);
        assert_int_equal(business_state_status_parse(next, &nx), OF_OK);
        int i = lookup(inputs, BUSINESS_IN_COUNT, in), e = lookup(effects, 4, eff);
        struct business_transition t = business_state_next(st, (enum business_queue_input)i);
        if ((int)t.effect != e || t.next != nx)
            fail_msg("%s + %s: got %s -> %s, the table says %s -> %s", s, in, effects[t.effect],
                     business_state_status_name(t.next), eff, next);
        seen[st][i]++;
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, BUSINESS_STATUS_COUNT * BUSINESS_IN_COUNT);
    for (int st = 0; st < BUSINESS_STATUS_COUNT; st++)
        for (int i = 0; i < BUSINESS_IN_COUNT; i++)
            if (seen[st][i] != 1)
                fail_msg("%s + %s listed %d times", business_state_status_name(st), inputs[i],
                         seen[st][i]);
}

static void out_of_range_is_ignored(void **state)
{
    (void)state;
    struct business_transition t = business_state_next(BUSINESS_STATUS_COUNT, BUSINESS_IN_APPROVE);
    assert_int_equal(t.effect, BUSINESS_IGNORE);
    t = business_state_next(BUSINESS_PENDING, BUSINESS_IN_COUNT);
    assert_int_equal(t.effect, BUSINESS_IGNORE);
    assert_int_equal(t.next, BUSINESS_PENDING);
}

static void approve_records(void **state)
{
    (void)state;
    struct business_queue_entry e = {.status = BUSINESS_PENDING};
    const struct business_decision d = {.auto_approved = true, .prep_time_min = 12, .now_ms = 42};
    assert_int_equal(business_state_apply(&e, BUSINESS_IN_APPROVE, &d), BUSINESS_APPLY);
    assert_int_equal(e.status, BUSINESS_APPROVED);
    assert_true(e.approved && e.auto_approved);
    assert_int_equal(e.prep_time_min, 12);
    assert_int_equal(e.decided_ms, 42);
    assert_int_equal(e.reason, BUSINESS_REASON_NONE);
    /* A second decision is refused and changes nothing. */
    struct business_queue_entry before = e;
    const struct business_decision again = {.note = "no", .now_ms = 99};
    assert_int_equal(business_state_apply(&e, BUSINESS_IN_REJECT, &again), BUSINESS_DECIDED);
    assert_memory_equal(&e, &before, sizeof e);
    /* The timer that fires late does nothing; a cancellation closes it, the decision stays. */
    assert_int_equal(business_state_apply(&e, BUSINESS_IN_TIMEOUT, &again), BUSINESS_IGNORE);
    assert_int_equal(business_state_apply(&e, BUSINESS_IN_CANCEL, &again), BUSINESS_APPLY);
    assert_int_equal(e.status, BUSINESS_CANCELLED);
    assert_int_equal(e.cancelled_ms, 99);
    assert_int_equal(e.decided_ms, 42);
    assert_true(e.approved);
    assert_int_equal(business_state_apply(&e, BUSINESS_IN_CANCEL, &again), BUSINESS_IGNORE);
    assert_int_equal(business_state_apply(&e, BUSINESS_IN_APPROVE, &d), BUSINESS_WAS_CANCELLED);
}

static void reject_and_timeout_record(void **state)
{
    (void)state;
    struct business_queue_entry e = {.status = BUSINESS_PENDING};
    const struct business_decision d = {.note = "out of basil", .now_ms = 7};
    assert_int_equal(business_state_apply(&e, BUSINESS_IN_REJECT, &d), BUSINESS_APPLY);
    assert_int_equal(e.status, BUSINESS_REJECTED);
    assert_false(e.approved);
    assert_int_equal(e.reason, BUSINESS_REASON_BY_BUSINESS);
    assert_string_equal(e.note, "out of basil");
    assert_int_equal(business_state_apply(&e, BUSINESS_IN_CANCEL, &d), BUSINESS_IGNORE);
    assert_int_equal(e.status, BUSINESS_REJECTED);

    struct business_queue_entry t = {.status = BUSINESS_PENDING};
    const struct business_decision td = {.note = "ignored", .now_ms = 8};
    assert_int_equal(business_state_apply(&t, BUSINESS_IN_TIMEOUT, &td), BUSINESS_APPLY);
    assert_int_equal(t.reason, BUSINESS_REASON_TIMEOUT);
    assert_string_equal(t.note, ""); /* a timeout has no owner's note */
    assert_int_equal(t.decided_ms, 8);

    struct business_queue_entry c = {.status = BUSINESS_PENDING};
    assert_int_equal(business_state_apply(&c, BUSINESS_IN_CANCEL, NULL), BUSINESS_APPLY);
    assert_int_equal(c.status, BUSINESS_CANCELLED);
    assert_int_equal(c.decided_ms, 0);
}

static void names(void **state)
{
    (void)state;
    enum business_queue_status s = BUSINESS_APPROVED;
    enum business_reject_reason r = BUSINESS_REASON_NONE;
    for (int i = 0; i < BUSINESS_STATUS_COUNT; i++) {
        assert_int_equal(business_state_status_parse(business_state_status_name(i), &s), OF_OK);
        assert_int_equal(s, i);
    }
    assert_int_equal(business_state_status_parse("pending", &s), OF_EPERMANENT);
    assert_int_equal(business_state_status_parse(NULL, &s), OF_EPERMANENT);
    assert_null(business_state_status_name(BUSINESS_STATUS_COUNT));
    assert_string_equal(business_state_reason_name(BUSINESS_REASON_TIMEOUT), "APPROVAL_TIMEOUT");
    assert_string_equal(business_state_reason_name(BUSINESS_REASON_BY_BUSINESS),
                        "REJECTED_BY_BUSINESS");
    assert_null(business_state_reason_name(BUSINESS_REASON_NONE));
    assert_int_equal(business_state_reason_parse("APPROVAL_TIMEOUT", &r), OF_OK);
    assert_int_equal(r, BUSINESS_REASON_TIMEOUT);
    assert_int_equal(business_state_reason_parse("", &r), OF_EPERMANENT);
}

int run_state_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_from_file), cmocka_unit_test(out_of_range_is_ignored),
        cmocka_unit_test(approve_records), cmocka_unit_test(reject_and_timeout_record),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests_name("business state", tests, NULL, NULL);
}
