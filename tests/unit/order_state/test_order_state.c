/* order_state_step() against transitions.tsv (every state x every input, each once), plus
 * sequences: the happy path to DELIVERED, every input twice, early arrivals retried until they
 * apply, late events on each terminal state and the compensation they owe, the cancel request
 * per state, and every state reaching exactly one terminal state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/errors.h"
#include "order.h"
#include "order_state.h"

static enum order_disposition disposition_parse(const char *s)
{
    for (int d = 0; d < ORDER_DISPOSITION_COUNT; d++)
        if (strcmp(order_disposition_name((enum order_disposition)d), s) == 0)
            return (enum order_disposition)d;
    fail_msg("unknown disposition %s", s);
    return ORDER_DISPOSITION_COUNT;
}

static unsigned commands_parse(const char *s)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"payment.requested", ORDER_CMD_PAYMENT_REQUESTED},
                 {"order.placed", ORDER_CMD_PLACED},
                 {"order.cancelled", ORDER_CMD_CANCELLED},
                 {"order.delivered", ORDER_CMD_DELIVERED}};
    if (strcmp(s, "-") == 0)
        return 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].name, s) == 0)
            return names[i].bit;
    fail_msg("unknown command %s", s);
    return 0;
}

static void table_from_file(void **state)
{
    (void)state;
    FILE *f = fopen("transitions.tsv", "r");
    assert_non_null(f);
    int seen[ORDER_STATE_COUNT][ORDER_INPUT_COUNT] = {{0}};
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char from[64], in[64], to[64], disp[64], cmd[64], why[64];
        int comp;
        assert_int_equal(
            sscanf(line, "%63s %63s %63s %63s %63s %63s %d", from, in, to, disp, cmd, why, &comp),
            7);
        enum order_state s, t;
        enum order_input i;
        enum order_cancel_reason r = ORDER_REASON_NONE;
        assert_int_equal(order_state_parse(from, &s), 0);
        assert_int_equal(order_state_parse(to, &t), 0);
        if (strcmp(in, "cancel_request") == 0)
            i = ORDER_IN_CANCEL_REQUEST;
        else
            assert_int_equal(order_input_by_type(in, &i), 0);
        if (strcmp(why, "-") != 0)
            assert_int_equal(order_cancel_reason_parse(why, &r), 0);
        if (seen[s][i]++)
            fail_msg("%s x %s listed twice", from, in);
        struct order_step st;
        assert_int_equal(order_state_step(s, i, &st), 0);
        if (st.to != t || st.disposition != disposition_parse(disp) ||
            st.commands != commands_parse(cmd) || st.reason != r || st.compensation != comp)
            fail_msg("%s x %s: the table says %s/%s/%u/%d/%d", from, in, order_state_name(st.to),
                     order_disposition_name(st.disposition), st.commands, st.reason,
                     st.compensation);
        n++;
    }
    fclose(f);
    for (int s = 0; s < ORDER_STATE_COUNT; s++)
        for (int i = 0; i < ORDER_INPUT_COUNT; i++)
            if (!seen[s][i])
                fail_msg("%s x %s missing from transitions.tsv",
                         order_state_name((enum order_state)s),
                         order_input_name((enum order_input)i));
    assert_int_equal(n, ORDER_STATE_COUNT * ORDER_INPUT_COUNT);
}

/* Steps through inputs, collecting the commands; returns the final state. */
static enum order_state run(enum order_state s, const enum order_input *ins, size_t n,
                            unsigned *ret_commands)
{
    unsigned cmds = 0;
    for (size_t k = 0; k < n; k++) {
        struct order_step st;
        assert_int_equal(order_state_step(s, ins[k], &st), 0);
        cmds |= st.commands;
        s = st.to;
    }
    *ret_commands = cmds;
    return s;
}

static const enum order_input happy[] = {ORDER_IN_INVENTORY_VALIDATED, ORDER_IN_PAYMENT_COMPLETED,
                                         ORDER_IN_ORDER_APPROVED,      ORDER_IN_AGENT_ASSIGNED,
                                         ORDER_IN_PICKED_UP,           ORDER_IN_DELIVERED};

static void happy_path(void **state)
{
    (void)state;
    unsigned cmds;
    assert_int_equal(run(ORDER_CREATED, happy, 6, &cmds), ORDER_DELIVERED);
    assert_int_equal(cmds, ORDER_CMD_PAYMENT_REQUESTED | ORDER_CMD_PLACED | ORDER_CMD_DELIVERED);
}

/* Every input of the happy path delivered twice in a row: the second is a DUPLICATE with no
 * command, and the path ends where it would. */
static void duplicates(void **state)
{
    (void)state;
    enum order_state s = ORDER_CREATED;
    for (size_t k = 0; k < 6; k++) {
        struct order_step a, b;
        assert_int_equal(order_state_step(s, happy[k], &a), 0);
        assert_int_equal(a.disposition, ORDER_APPLIED);
        assert_int_equal(order_state_step(a.to, happy[k], &b), 0);
        assert_int_equal(b.disposition, ORDER_DUPLICATE);
        assert_int_equal(b.commands, 0);
        assert_int_equal(b.to, a.to);
        s = a.to;
    }
    assert_int_equal(s, ORDER_DELIVERED);
}

/* All orders of arrival of the happy path's inputs, an EARLY answer redelivered later (as the
 * consumer does): each permutation either ends DELIVERED with each command once, or is one no
 * real run can produce (a STALE input: something order-svc itself had not yet caused). */
static void permute(enum order_input *a, size_t k, size_t n, int *delivered, int *impossible)
{
    if (k == n) {
        enum order_state s = ORDER_CREATED;
        unsigned counts[4] = {0};
        enum order_input pending[6];
        size_t np = 0;
        for (size_t idx = 0; idx < n; idx++) {
            pending[np++] = a[idx];
            /* Try everything pending until nothing applies any more. */
            for (int progress = 1; progress;) {
                progress = 0;
                for (size_t p = 0; p < np; p++) {
                    struct order_step st;
                    assert_int_equal(order_state_step(s, pending[p], &st), 0);
                    if (st.disposition == ORDER_EARLY)
                        continue;
                    if (st.disposition == ORDER_STALE) {
                        (*impossible)++;
                        return;
                    }
                    for (int b = 0; b < 4; b++)
                        counts[b] += (st.commands >> b) & 1;
                    s = st.to;
                    pending[p] = pending[--np];
                    progress = 1;
                    break;
                }
            }
        }
        assert_int_equal(np, 0);
        assert_int_equal(s, ORDER_DELIVERED);
        assert_int_equal(counts[0], 1);
        assert_int_equal(counts[1], 1);
        assert_int_equal(counts[2], 0);
        assert_int_equal(counts[3], 1);
        (*delivered)++;
        return;
    }
    for (size_t i = k; i < n; i++) {
        enum order_input t = a[k];
        a[k] = a[i];
        a[i] = t;
        permute(a, k + 1, n, delivered, impossible);
        a[i] = a[k];
        a[k] = t;
    }
}

static void out_of_order(void **state)
{
    (void)state;
    enum order_input a[6];
    memcpy(a, happy, sizeof a);
    int delivered = 0, impossible = 0;
    permute(a, 0, 6, &delivered, &impossible);
    assert_int_equal(delivered + impossible, 720);
    /* A real run: validated, then completed (caused by payment.requested, which order-svc writes
     * on handling validated); the approval and the three delivery events all follow order.placed
     * (written on handling completed), but travel on four topics: any of their 4! orders. */
    assert_int_equal(delivered, 24);
}

/* Late events on CANCELLED owe compensation exactly where DESIGN.md says; on DELIVERED and
 * REJECTED nothing is owed. */
static void late_events(void **state)
{
    (void)state;
    for (int i = 0; i < ORDER_INPUT_COUNT; i++) {
        struct order_step st;
        for (int s = ORDER_DELIVERED; s <= ORDER_CANCELLED; s++) {
            assert_int_equal(order_state_step((enum order_state)s, (enum order_input)i, &st), 0);
            assert_int_equal(st.to, s);
            assert_true(st.disposition == ORDER_LATE || st.disposition == ORDER_DUPLICATE ||
                        st.disposition == ORDER_REFUSED);
            if (s != ORDER_CANCELLED)
                assert_int_equal(st.commands, 0);
        }
    }
    struct order_step st;
    assert_int_equal(order_state_step(ORDER_CANCELLED, ORDER_IN_PAYMENT_COMPLETED, &st), 0);
    assert_true(st.compensation && st.commands == ORDER_CMD_CANCELLED); /* a refund is owed */
    assert_int_equal(order_state_step(ORDER_CANCELLED, ORDER_IN_INVENTORY_VALIDATED, &st), 0);
    assert_true(st.compensation && st.commands == ORDER_CMD_CANCELLED); /* a release is owed */
    assert_int_equal(order_state_result(&st), OF_OK);
    assert_int_equal(order_state_step(ORDER_CANCELLED, ORDER_IN_PAYMENT_FAILED, &st), 0);
    assert_false(st.compensation);
}

static void cancel_request(void **state)
{
    (void)state;
    for (int s = 0; s < ORDER_STATE_COUNT; s++) {
        struct order_step st;
        assert_int_equal(order_state_step((enum order_state)s, ORDER_IN_CANCEL_REQUEST, &st), 0);
        int allowed = s == ORDER_CREATED || s == ORDER_AWAITING_PAYMENT || s == ORDER_PLACED;
        if (allowed) {
            assert_int_equal(st.to, ORDER_CANCELLED);
            assert_int_equal(st.commands, ORDER_CMD_CANCELLED);
            assert_int_equal(st.reason, ORDER_REASON_CUSTOMER_CANCELLED);
            assert_int_equal(order_state_result(&st), OF_OK);
        } else {
            assert_int_equal(st.disposition, ORDER_REFUSED);
            assert_int_equal(st.to, s);
            assert_int_equal(order_state_result(&st), OF_ECONFLICT);
        }
    }
}

/* From every state, every input leads to a state from which a terminal one is reachable, and a
 * terminal state never moves: every order ends in exactly one. An APPLIED step that cancels
 * always says why. */
static void terminal_reachable(void **state)
{
    (void)state;
    int reach[ORDER_STATE_COUNT] = {0};
    for (int s = 0; s < ORDER_STATE_COUNT; s++)
        reach[s] = order_state_terminal((enum order_state)s);
    for (int round = 0; round < ORDER_STATE_COUNT; round++)
        for (int s = 0; s < ORDER_STATE_COUNT; s++)
            for (int i = 0; i < ORDER_INPUT_COUNT; i++) {
                struct order_step st;
                assert_int_equal(order_state_step((enum order_state)s, (enum order_input)i, &st),
                                 0);
                if (reach[st.to])
                    reach[s] = 1;
                if (order_state_terminal((enum order_state)s))
                    assert_int_equal(st.to, s);
                if (st.disposition == ORDER_APPLIED && st.to == ORDER_CANCELLED)
                    assert_int_not_equal(st.reason, ORDER_REASON_NONE);
                if (st.disposition == ORDER_EARLY)
                    assert_int_equal(order_state_result(&st), OF_ERETRY);
            }
    for (int s = 0; s < ORDER_STATE_COUNT; s++)
        assert_true(reach[s]);
}

static void names(void **state)
{
    (void)state;
    enum order_input i;
    enum order_state s;
    assert_int_equal(order_input_by_type("payment.failed.v1", &i), 0);
    assert_int_equal(i, ORDER_IN_PAYMENT_FAILED);
    assert_int_equal(order_input_by_type("inventory.reservation.expired", &i), 0);
    assert_int_equal(i, ORDER_IN_RESERVATION_EXPIRED);
    assert_int_equal(order_input_by_type("cancel_request", &i), -1);
    assert_int_equal(order_input_by_type("payment.failed.v2", &i), -1);
    assert_int_equal(order_input_by_type("order.placed.v1", &i), -1);
    assert_int_equal(order_input_by_type(NULL, &i), -1);
    assert_int_equal(order_state_parse("created", &s), -1);
    assert_int_equal(order_state_parse("OUT_FOR_DELIVERY", &s), 0);
    assert_string_equal(order_state_name(s), "OUT_FOR_DELIVERY");
    assert_null(order_state_name(ORDER_STATE_COUNT));
    assert_null(order_cancel_reason_name(ORDER_REASON_NONE));
    struct order_step st;
    assert_int_equal(order_state_step(ORDER_STATE_COUNT, ORDER_IN_DELIVERED, &st), -1);
    assert_int_equal(order_state_step(ORDER_CREATED, ORDER_INPUT_COUNT, &st), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_from_file),    cmocka_unit_test(happy_path),
        cmocka_unit_test(duplicates),         cmocka_unit_test(out_of_order),
        cmocka_unit_test(late_events),        cmocka_unit_test(cancel_request),
        cmocka_unit_test(terminal_reachable), cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
