/* order_state_step() against transitions.tsv: every state x every input, each exactly once, and
 * each row what the code answers; and the wire names of order.h and order_state.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/errors.h"
#include "order.h"
#include "order_state.h"
#include "order_state_tests.h"

#define TSV "transitions.tsv"

static enum order_disposition disposition_parse(const char *s, int line)
{
    for (int d = ORDER_APPLIED; d < ORDER_DISP_COUNT; d++) {
        if (strcmp(order_state_disposition_name((enum order_disposition)d), s) == 0)
            return (enum order_disposition)d;
    }
    fail_msg(TSV ":%d: unknown disposition %s", line, s);
    return ORDER_DISP_NONE;
}

/* A comma-separated list of names ("-" for none) as bits, name(1u << i) for i < n. */
static unsigned bits_parse(char *s, const char *(*name)(unsigned), int n, int line)
{
    unsigned bits = 0;
    if (strcmp(s, "-") == 0)
        return 0;
    char *save = NULL;
    for (char *w = strtok_r(s, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        int i = 0;
        while (i < n && strcmp(name(1u << i), w) != 0)
            i++;
        if (i == n)
            fail_msg(TSV ":%d: unknown name %s", line, w);
        if (bits & (1u << i))
            fail_msg(TSV ":%d: %s listed twice", line, w);
        bits |= 1u << i;
    }
    return bits;
}

/* What the timeline gets, written down here apart from the code. */
static enum order_timeline timeline_of(enum order_disposition d)
{
    if (d == ORDER_APPLIED)
        return ORDER_TL_CHANGE;
    return d == ORDER_EARLY || d == ORDER_REFUSED ? ORDER_TL_NONE : ORDER_TL_NOTE;
}

/* Splits a tab-separated line into exactly n fields (the newline dropped); false otherwise. */
static bool split(char *line, char **f, int n)
{
    line[strcspn(line, "\r\n")] = '\0';
    int k = 0;
    char *save = NULL;
    for (char *w = strtok_r(line, "\t", &save); w; w = strtok_r(NULL, "\t", &save)) {
        if (k == n)
            return false;
        f[k++] = w;
    }
    return k == n;
}

/* Checks one row of the file against the code and marks its pair seen. */
static void check_row(char *line, int lineno, int seen[ORDER_STATE_COUNT][ORDER_EV_COUNT])
{
    char *f[7];
    if (!split(line, f, 7))
        fail_msg(TSV ":%d: not 7 tab-separated fields", lineno);
    enum order_state from, to;
    enum order_event_type ev;
    enum order_cancel_reason why = ORDER_REASON_NONE;
    if (order_state_from_name(f[0], &from) != OF_OK || order_state_from_name(f[2], &to) != OF_OK)
        fail_msg(TSV ":%d: unknown state", lineno);
    if (order_event_from_name(f[1], &ev) != OF_OK)
        fail_msg(TSV ":%d: unknown input %s", lineno, f[1]);
    if (strcmp(f[5], "-") != 0 && order_reason_from_name(f[5], &why) != OF_OK)
        fail_msg(TSV ":%d: unknown reason %s", lineno, f[5]);
    if (seen[from][ev]++)
        fail_msg(TSV ":%d: %s x %s listed twice", lineno, f[0], f[1]);
    enum order_disposition disp = disposition_parse(f[3], lineno);
    unsigned cmds = bits_parse(f[4], order_state_command_name, ORDER_EMIT_COUNT, lineno);
    unsigned owed = bits_parse(f[6], order_state_owed_name, ORDER_OWE_COUNT, lineno);

    struct order_step st;
    assert_int_equal(order_state_step(from, ev, &st), OF_OK);
    if (st.to != to || st.disposition != disp || st.commands != cmds || st.reason != why ||
        st.owed != owed)
        fail_msg(TSV ":%d: %s x %s: the code says to %s, %s, commands %#x, reason %s, owed %#x",
                 lineno, order_state_name(from), order_event_name(ev), order_state_name(st.to),
                 order_state_disposition_name(st.disposition), st.commands,
                 order_reason_name(st.reason) ? order_reason_name(st.reason) : "-", st.owed);
    assert_int_equal(st.stage, from);
    assert_int_equal(st.timeline, timeline_of(disp));
}

static void table_from_file(void **state)
{
    (void)state;
    FILE *f = fopen(TSV, "r");
    assert_non_null(f);
    int seen[ORDER_STATE_COUNT][ORDER_EV_COUNT] = {{0}};
    char line[512];
    int lineno = 0, rows = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        check_row(line, lineno, seen);
        rows++;
    }
    assert_int_equal(fclose(f), 0);
    for (int s = 0; s < ORDER_STATE_COUNT; s++) {
        for (int e = 0; e < ORDER_EV_COUNT; e++) {
            if (!seen[s][e])
                fail_msg("%s x %s missing from " TSV, order_state_name((enum order_state)s),
                         order_event_name((enum order_event_type)e));
        }
    }
    assert_int_equal(rows, ORDER_STATE_COUNT * ORDER_EV_COUNT);
}

/* Out of range: OF_EPERMANENT and the output untouched. */
static void step_out_of_range(void **state)
{
    (void)state;
    struct order_step st = {.to = ORDER_REJECTED, .commands = 77};
    assert_int_equal(order_state_step(ORDER_STATE_COUNT, ORDER_EV_DELIVERED, &st), OF_EPERMANENT);
    assert_int_equal(order_state_step(ORDER_CREATED, ORDER_EV_COUNT, &st), OF_EPERMANENT);
    assert_int_equal(order_state_step((enum order_state) - 1, ORDER_EV_DELIVERED, &st),
                     OF_EPERMANENT);
    assert_int_equal(order_state_step(ORDER_CREATED, ORDER_EV_DELIVERED, NULL), OF_EPERMANENT);
    assert_int_equal(st.to, ORDER_REJECTED);
    assert_int_equal(st.commands, 77);
}

static void first_step(void **state)
{
    (void)state;
    struct order_step st;
    order_state_created(&st);
    assert_int_equal(st.to, ORDER_CREATED);
    assert_int_equal(st.disposition, ORDER_APPLIED);
    assert_int_equal(st.timeline, ORDER_TL_CHANGE);
    assert_int_equal(st.commands, ORDER_EMIT_ORDER_CREATED | ORDER_EMIT_VALIDATION_REQUESTED);
    assert_int_equal(st.owed, 0);
    assert_int_equal(order_state_result(&st), OF_OK);
}

static void state_names(void **state)
{
    (void)state;
    static const char *const names[] = {"CREATED",   "AWAITING_PAYMENT", "PLACED",
                                        "APPROVED",  "ASSIGNED",         "OUT_FOR_DELIVERY",
                                        "DELIVERED", "REJECTED",         "CANCELLED"};
    assert_int_equal(sizeof names / sizeof names[0], ORDER_STATE_COUNT);
    for (int s = 0; s < ORDER_STATE_COUNT; s++) {
        enum order_state back;
        assert_string_equal(order_state_name((enum order_state)s), names[s]);
        assert_int_equal(order_state_from_name(names[s], &back), OF_OK);
        assert_int_equal(back, s);
        assert_int_equal(order_state_is_terminal((enum order_state)s), s >= ORDER_DELIVERED);
    }
    enum order_state s = ORDER_PLACED;
    assert_int_equal(order_state_from_name("created", &s), OF_EPERMANENT);
    assert_int_equal(order_state_from_name("CREATED ", &s), OF_EPERMANENT);
    assert_int_equal(order_state_from_name("", &s), OF_EPERMANENT);
    assert_int_equal(order_state_from_name(NULL, &s), OF_EPERMANENT);
    assert_int_equal(s, ORDER_PLACED);
    assert_null(order_state_name(ORDER_STATE_COUNT));
    assert_false(order_state_is_terminal(ORDER_STATE_COUNT));
}

static void event_names(void **state)
{
    (void)state;
    static const char *const names[] = {"inventory.validated",
                                        "inventory.invalidated",
                                        "payment.completed",
                                        "payment.failed",
                                        "inventory.reservation.expired",
                                        "order.approved",
                                        "order.rejected",
                                        "delivery.agent.assigned",
                                        "delivery.assignment.failed",
                                        "delivery.picked_up",
                                        "delivery.delivered",
                                        "cancel.requested"};
    assert_int_equal(sizeof names / sizeof names[0], ORDER_EV_COUNT);
    for (int e = 0; e < ORDER_EV_COUNT; e++) {
        enum order_event_type back;
        assert_string_equal(order_event_name((enum order_event_type)e), names[e]);
        assert_int_equal(order_event_from_name(names[e], &back), OF_OK);
        assert_int_equal(back, e);
        if (e == ORDER_EV_CANCEL_REQUESTED) {
            assert_null(order_event_topic((enum order_event_type)e));
            continue;
        }
        char topic[128];
        snprintf(topic, sizeof topic, "%s.v1", names[e]);
        assert_string_equal(order_event_topic((enum order_event_type)e), topic);
        assert_int_equal(order_event_from_topic(topic, &back), OF_OK);
        assert_int_equal(back, e);
    }
    enum order_event_type ev = ORDER_EV_PICKED_UP;
    assert_int_equal(order_event_from_topic("cancel.requested.v1", &ev), OF_EPERMANENT);
    assert_int_equal(order_event_from_topic("payment.failed", &ev), OF_EPERMANENT);
    assert_int_equal(order_event_from_topic("payment.failed.v2", &ev), OF_EPERMANENT);
    assert_int_equal(order_event_from_topic("order.placed.v1", &ev), OF_EPERMANENT);
    assert_int_equal(order_event_from_topic("payment.failed.v1.dlq", &ev), OF_EPERMANENT);
    assert_int_equal(order_event_from_topic(NULL, &ev), OF_EPERMANENT);
    assert_int_equal(order_event_from_name("payment.failed.v1", &ev), OF_EPERMANENT);
    assert_int_equal(order_event_from_name(NULL, &ev), OF_EPERMANENT);
    assert_int_equal(ev, ORDER_EV_PICKED_UP);
    assert_null(order_event_name(ORDER_EV_COUNT));
    assert_null(order_event_topic(ORDER_EV_COUNT));
}

static void reason_names(void **state)
{
    (void)state;
    static const char *const names[] = {NULL,
                                        "PAYMENT_FAILED",
                                        "RESERVATION_EXPIRED",
                                        "REJECTED_BY_BUSINESS",
                                        "APPROVAL_TIMEOUT",
                                        "ASSIGNMENT_FAILED",
                                        "CUSTOMER_CANCELLED"};
    assert_int_equal(sizeof names / sizeof names[0], ORDER_REASON_COUNT);
    assert_null(order_reason_name(ORDER_REASON_NONE));
    for (int r = 1; r < ORDER_REASON_COUNT; r++) {
        enum order_cancel_reason back;
        assert_string_equal(order_reason_name((enum order_cancel_reason)r), names[r]);
        assert_int_equal(order_reason_from_name(names[r], &back), OF_OK);
        assert_int_equal(back, r);
    }
    enum order_cancel_reason r = ORDER_REASON_NONE;
    assert_int_equal(order_reason_of_rejection("APPROVAL_TIMEOUT", &r), OF_OK);
    assert_int_equal(r, ORDER_REASON_APPROVAL_TIMEOUT);
    assert_int_equal(order_reason_of_rejection("REJECTED_BY_BUSINESS", &r), OF_OK);
    assert_int_equal(r, ORDER_REASON_REJECTED_BY_BUSINESS);
    assert_int_equal(order_reason_of_rejection("PAYMENT_FAILED", &r), OF_EPERMANENT);
    assert_int_equal(order_reason_of_rejection("approval_timeout", &r), OF_EPERMANENT);
    assert_int_equal(order_reason_of_rejection(NULL, &r), OF_EPERMANENT);
    assert_int_equal(r, ORDER_REASON_REJECTED_BY_BUSINESS);
    assert_int_equal(order_reason_from_name("", &r), OF_EPERMANENT);
    assert_null(order_reason_name(ORDER_REASON_COUNT));
}

static void step_names(void **state)
{
    (void)state;
    static const char *const topics[ORDER_EMIT_COUNT] = {
        "order.created.v1",     "inventory.validation.requested.v1",
        "payment.requested.v1", "order.placed.v1",
        "order.cancelled.v1",   "order.delivered.v1"};
    for (int i = 0; i < ORDER_EMIT_COUNT; i++) {
        assert_non_null(order_state_command_name(1u << i));
        assert_string_equal(order_state_command_topic(1u << i), topics[i]);
    }
    assert_string_equal(order_state_command_name(ORDER_EMIT_PAYMENT_REQUESTED),
                        "PAYMENT_REQUESTED");
    assert_null(order_state_command_name(0));
    assert_null(order_state_command_name(ORDER_EMIT_ORDER_PLACED | ORDER_EMIT_ORDER_CANCELLED));
    assert_null(order_state_command_name(1u << ORDER_EMIT_COUNT));
    assert_null(order_state_command_topic(3));
    assert_string_equal(order_state_owed_name(ORDER_OWE_REFUND), "REFUND");
    assert_string_equal(order_state_owed_name(ORDER_OWE_RELEASE_STOCK), "RELEASE_STOCK");
    assert_string_equal(order_state_owed_name(ORDER_OWE_FREE_PARTNER), "FREE_PARTNER");
    assert_null(order_state_owed_name(0));
    assert_null(order_state_owed_name(ORDER_OWE_REFUND | ORDER_OWE_FREE_PARTNER));
    assert_null(order_state_owed_name(1u << ORDER_OWE_COUNT));
    assert_string_equal(order_state_disposition_name(ORDER_EARLY), "EARLY");
    assert_null(order_state_disposition_name(ORDER_DISP_NONE));
    assert_null(order_state_disposition_name(ORDER_DISP_COUNT));
}

int run_table_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_from_file), cmocka_unit_test(step_out_of_range),
        cmocka_unit_test(first_step),      cmocka_unit_test(state_names),
        cmocka_unit_test(event_names),     cmocka_unit_test(reason_names),
        cmocka_unit_test(step_names),
    };
    return cmocka_run_group_tests_name("order_state table", tests, NULL, NULL);
}
