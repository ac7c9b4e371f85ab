/* Tests of the reservation transition table (inventory_state_transition) against
 * data/transitions.txt: every (status, trigger) pair listed exactly once and decided as listed;
 * the reasons of the entries that do nothing say why without naming a value; the invariants any
 * such table must keep (only NONE decides or tombstones, APPLY changes status, RESERVED is the
 * only status with a timer to cancel); out-of-range arguments are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "inventory.h"
#include "inventory_state.h"
#include "inventory_tests.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const statuses[] = {"NONE",     "RESERVED",  "CONFIRMED",
                                       "RELEASED", "COMMITTED", "EXPIRED"};
static const char *const triggers[] = {"REQUESTED", "PLACED", "CANCELLED", "DELIVERED", "TTL"};
static const char *const verdicts[] = {"APPLY",  "DECIDE", "TOMBSTONE", "ANSWER",
                                       "IGNORE", "RETRY",  "REFUSE"};
static const char *const moves[] = {
    "NONE", "RESERVE", "CONFIRM", "RELEASE_RESERVED", "RELEASE_CONFIRMED", "COMMIT"};
static const char *const emits[] = {"NONE",     "DECISION",  "VALIDATED",
                                    "RELEASED", "COMMITTED", "EXPIRED"};

_Static_assert(N(statuses) == INVENTORY_STATUS_COUNT, "status names");
_Static_assert(N(triggers) == INVENTORY_TRIGGER_COUNT, "trigger names");
_Static_assert(N(moves) == INVENTORY_MOVE_COUNT, "move names");

static int index_of(const char *const *names, size_t n, const char *s, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    fail_msg("transitions.txt: no %s %s", what, s);
    return -1;
}

static void table_matches_data(void **state)
{
    (void)state;
    char *text = inventory_test_read_file("data/transitions.txt");
    bool seen[INVENTORY_STATUS_COUNT][INVENTORY_TRIGGER_COUNT] = {{false}};
    size_t rows = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char f[7][32];
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (sscanf(line, "%31s %31s %31s %31s %31s %31s %31s", f[0], f[1], f[2], f[3], f[4], f[5],
                   f[6]) != 7)
            fail_msg("transitions.txt: bad line '%s'", line);
        int from = index_of(statuses, N(statuses), f[0], "status");
        int trig = index_of(triggers, N(triggers), f[1], "trigger");
        if (seen[from][trig])
            fail_msg("transitions.txt: %s %s twice", f[0], f[1]);
        seen[from][trig] = true;
        rows++;
        const struct inventory_transition *t = inventory_state_transition(from, trig);
        if ((int)t->verdict != index_of(verdicts, N(verdicts), f[2], "verdict") ||
            (int)t->to != index_of(statuses, N(statuses), f[3], "status") ||
            (int)t->move != index_of(moves, N(moves), f[4], "move") ||
            (int)t->emit != index_of(emits, N(emits), f[5], "emit") ||
            t->cancel_timer != (strcmp(f[6], "yes") == 0))
            fail_msg("%s %s: the code says %s %s %s %s %s", f[0], f[1], verdicts[t->verdict],
                     statuses[t->to], moves[t->move], emits[t->emit],
                     t->cancel_timer ? "yes" : "no");
    }
    free(text);
    assert_int_equal(rows, INVENTORY_STATUS_COUNT * INVENTORY_TRIGGER_COUNT);
}

static void table_invariants(void **state)
{
    (void)state;
    for (int s = 0; s < INVENTORY_STATUS_COUNT; s++) {
        for (int g = 0; g < INVENTORY_TRIGGER_COUNT; g++) {
            const struct inventory_transition *t = inventory_state_transition(s, g);
            bool nothing = t->verdict == INVENTORY_IGNORE || t->verdict == INVENTORY_RETRY ||
                           t->verdict == INVENTORY_REFUSE;
            if ((t->verdict == INVENTORY_DECIDE || t->verdict == INVENTORY_TOMBSTONE) &&
                s != INVENTORY_NONE)
                fail_msg("%s %s decides over an existing reservation", statuses[s], triggers[g]);
            if (t->verdict == INVENTORY_APPLY && (s == INVENTORY_NONE || (int)t->to == s))
                fail_msg("%s %s applies without a change", statuses[s], triggers[g]);
            if (t->cancel_timer && s != INVENTORY_RESERVED)
                fail_msg("%s %s cancels a timer that cannot be armed", statuses[s], triggers[g]);
            if (nothing && (!t->why || !t->why[0] || t->move || t->emit))
                fail_msg("%s %s does nothing without saying why", statuses[s], triggers[g]);
            if (!nothing && t->why)
                fail_msg("%s %s has a reason but acts", statuses[s], triggers[g]);
            /* Stock moves only where it is held: confirming and committing need it confirmed. */
            if (t->move == INVENTORY_MOVE_COMMIT || t->move == INVENTORY_MOVE_RELEASE_CONFIRMED)
                assert_int_equal(s, INVENTORY_CONFIRMED);
            if (t->move == INVENTORY_MOVE_CONFIRM || t->move == INVENTORY_MOVE_RELEASE_RESERVED)
                assert_int_equal(s, INVENTORY_RESERVED);
        }
    }
    /* A reservation that is done never comes back to life. */
    for (int g = 0; g < INVENTORY_TRIGGER_COUNT; g++) {
        assert_int_not_equal(inventory_state_transition(INVENTORY_RELEASED, g)->verdict,
                             INVENTORY_APPLY);
        assert_int_not_equal(inventory_state_transition(INVENTORY_COMMITTED, g)->verdict,
                             INVENTORY_APPLY);
        assert_int_not_equal(inventory_state_transition(INVENTORY_EXPIRED, g)->verdict,
                             INVENTORY_APPLY);
    }
}

static void out_of_range(void **state)
{
    (void)state;
    const struct inventory_transition *t =
        inventory_state_transition(INVENTORY_STATUS_COUNT, INVENTORY_PLACED);
    assert_int_equal(t->verdict, INVENTORY_REFUSE);
    assert_non_null(t->why);
    t = inventory_state_transition(INVENTORY_RESERVED, INVENTORY_TRIGGER_COUNT);
    assert_int_equal(t->verdict, INVENTORY_REFUSE);
    t = inventory_state_transition((enum inventory_status) - 1, INVENTORY_PLACED);
    assert_int_equal(t->verdict, INVENTORY_REFUSE);
}

int run_transitions_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_matches_data),
        cmocka_unit_test(table_invariants),
        cmocka_unit_test(out_of_range),
    };
    return cmocka_run_group_tests_name("transitions", tests, NULL, NULL);
}
