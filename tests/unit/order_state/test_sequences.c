/* Sequences through order_state_step(): the happy path to DELIVERED, duplicates of each event,
 * out-of-order arrivals (every arrival order of the happy path's events, EARLY ones redelivered
 * as the consumer does), late events on each terminal state with the compensation they owe, the
 * cancel request per state, and the graph of APPLIED steps ending every order in exactly one
 * terminal state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "common/errors.h"
#include "order.h"
#include "order_state.h"
#include "order_state_tests.h"

static const enum order_event_type happy[] = {
    ORDER_EV_INVENTORY_VALIDATED, ORDER_EV_PAYMENT_COMPLETED, ORDER_EV_APPROVED,
    ORDER_EV_AGENT_ASSIGNED,      ORDER_EV_PICKED_UP,         ORDER_EV_DELIVERED,
};
#define N_HAPPY (sizeof happy / sizeof happy[0])

static struct order_step step(enum order_state from, enum order_event_type ev)
{
    struct order_step st;
    assert_int_equal(order_state_step(from, ev, &st), OF_OK);
    return st;
}

static void happy_path(void **state)
{
    (void)state;
    static const enum order_state states[N_HAPPY] = {
        ORDER_AWAITING_PAYMENT, ORDER_PLACED,           ORDER_APPROVED,
        ORDER_ASSIGNED,         ORDER_OUT_FOR_DELIVERY, ORDER_DELIVERED,
    };
    static const unsigned emits[N_HAPPY] = {
        ORDER_EMIT_PAYMENT_REQUESTED, ORDER_EMIT_ORDER_PLACED, 0, 0, 0, ORDER_EMIT_ORDER_DELIVERED,
    };
    struct order_step st;
    order_state_created(&st);
    unsigned all = st.commands;
    for (size_t k = 0; k < N_HAPPY; k++) {
        enum order_state from = st.to;
        st = step(from, happy[k]);
        assert_int_equal(st.disposition, ORDER_APPLIED);
        assert_int_equal(st.timeline, ORDER_TL_CHANGE);
        assert_int_equal(st.to, states[k]);
        assert_int_equal(st.commands, emits[k]);
        assert_int_equal(st.commands & all, 0); /* each command once */
        assert_int_equal(order_state_result(&st), OF_OK);
        all |= st.commands;
    }
    assert_int_equal(all, (1u << ORDER_EMIT_COUNT) - 1 - ORDER_EMIT_ORDER_CANCELLED);
}

/* Each event of the happy path delivered again in every later state: a DUPLICATE (LATE once
 * DELIVERED, delivery.delivered's own a DUPLICATE) that emits nothing and moves nothing, but is
 * recorded. */
static void duplicates_on_the_happy_path(void **state)
{
    (void)state;
    enum order_state at[N_HAPPY + 1] = {ORDER_CREATED};
    for (size_t k = 0; k < N_HAPPY; k++)
        at[k + 1] = step(at[k], happy[k]).to;
    for (size_t k = 0; k < N_HAPPY; k++) {
        for (size_t j = k + 1; j <= N_HAPPY; j++) {
            struct order_step st = step(at[j], happy[k]);
            assert_int_equal(st.to, at[j]);
            assert_int_equal(st.commands, 0);
            assert_int_equal(st.timeline, ORDER_TL_NOTE);
            assert_int_equal(order_state_result(&st), OF_OK);
            if (at[j] != ORDER_DELIVERED || happy[k] == ORDER_EV_DELIVERED)
                assert_int_equal(st.disposition, ORDER_DUPLICATE);
            else
                assert_int_equal(st.disposition, ORDER_LATE);
        }
    }
}

/* Every APPLIED pair, the same input again at once: nothing moves and nothing is emitted (a
 * second cancel request is a 409). */
static void every_applied_input_twice(void **state)
{
    (void)state;
    for (int s = 0; s < ORDER_STATE_COUNT; s++) {
        for (int e = 0; e < ORDER_EV_COUNT; e++) {
            struct order_step a = step((enum order_state)s, (enum order_event_type)e);
            if (a.disposition != ORDER_APPLIED)
                continue;
            struct order_step b = step(a.to, (enum order_event_type)e);
            assert_int_equal(b.to, a.to);
            assert_int_equal(b.commands, 0);
            assert_int_equal(b.owed, 0);
            if (e == ORDER_EV_CANCEL_REQUESTED)
                assert_int_equal(b.disposition, ORDER_REFUSED);
            else
                assert_true(b.disposition == ORDER_DUPLICATE || b.disposition == ORDER_LATE);
        }
    }
}

/* The rules for arrivals out of order, case by case. */
static void out_of_order_cases(void **state)
{
    (void)state;
    /* payment.completed before inventory.validated cannot happen (payment.requested is written
     * on entering AWAITING_PAYMENT): recorded, ignored. */
    struct order_step st = step(ORDER_CREATED, ORDER_EV_PAYMENT_COMPLETED);
    assert_int_equal(st.disposition, ORDER_STALE);
    assert_int_equal(st.timeline, ORDER_TL_NOTE);
    assert_int_equal(st.to, ORDER_CREATED);
    assert_int_equal(order_state_result(&st), OF_OK);
    /* The reservation's expiry can overtake its validation (two topics): retried, not recorded,
     * and once the validation is in it cancels from AWAITING_PAYMENT. */
    st = step(ORDER_CREATED, ORDER_EV_RESERVATION_EXPIRED);
    assert_int_equal(st.disposition, ORDER_EARLY);
    assert_int_equal(st.timeline, ORDER_TL_NONE);
    assert_int_equal(order_state_result(&st), OF_ERETRY);
    st = step(step(ORDER_CREATED, ORDER_EV_INVENTORY_VALIDATED).to, ORDER_EV_RESERVATION_EXPIRED);
    assert_int_equal(st.to, ORDER_CANCELLED);
    assert_int_equal(st.reason, ORDER_REASON_RESERVATION_EXPIRED);
    assert_int_equal(st.stage, ORDER_AWAITING_PAYMENT);
    /* partner-svc is ahead of order-svc: its events wait for order.approved. */
    for (int e = ORDER_EV_AGENT_ASSIGNED; e <= ORDER_EV_DELIVERED; e++) {
        st = step(ORDER_PLACED, (enum order_event_type)e);
        assert_int_equal(st.disposition, ORDER_EARLY);
        assert_int_equal(order_state_result(&st), OF_ERETRY);
    }
    st = step(step(ORDER_PLACED, ORDER_EV_APPROVED).to, ORDER_EV_ASSIGNMENT_FAILED);
    assert_int_equal(st.to, ORDER_CANCELLED);
    assert_int_equal(st.reason, ORDER_REASON_ASSIGNMENT_FAILED);
    /* An expiry that overtook order.placed cancels a paid order (and its refund follows from
     * order.cancelled.v1), but not one whose food is on its way. */
    st = step(ORDER_APPROVED, ORDER_EV_RESERVATION_EXPIRED);
    assert_int_equal(st.to, ORDER_CANCELLED);
    assert_int_equal(st.stage, ORDER_APPROVED);
    st = step(ORDER_OUT_FOR_DELIVERY, ORDER_EV_RESERVATION_EXPIRED);
    assert_int_equal(st.disposition, ORDER_STALE);
    assert_int_equal(st.to, ORDER_OUT_FOR_DELIVERY);
}

/* Runs one arrival order: each event is offered in turn, an EARLY one stays pending and is
 * offered again after every later step (the consumer's redelivery). Returns 1 when the run
 * reaches DELIVERED with each command once, 0 when an event is STALE (an order no real run
 * produces: it needs something order-svc had not caused yet). */
static int arrive(const enum order_event_type *order, size_t n)
{
    enum order_state s = ORDER_CREATED;
    unsigned emitted = 0;
    enum order_event_type pending[N_HAPPY];
    size_t np = 0;
    for (size_t k = 0; k < n; k++) {
        pending[np++] = order[k];
        for (size_t p = 0; p < np;) {
            struct order_step st = step(s, pending[p]);
            if (st.disposition == ORDER_EARLY) {
                p++;
                continue;
            }
            if (st.disposition == ORDER_STALE)
                return 0;
            assert_int_equal(st.disposition, ORDER_APPLIED);
            assert_int_equal(st.commands & emitted, 0);
            emitted |= st.commands;
            s = st.to;
            memmove(&pending[p], &pending[p + 1], (np - p - 1) * sizeof pending[0]);
            np--;
            p = 0; /* the new state may unblock an earlier pending event */
        }
    }
    assert_int_equal(np, 0);
    assert_int_equal(s, ORDER_DELIVERED);
    assert_int_equal(emitted, ORDER_EMIT_PAYMENT_REQUESTED | ORDER_EMIT_ORDER_PLACED |
                                  ORDER_EMIT_ORDER_DELIVERED);
    return 1;
}

static void permute(enum order_event_type *a, size_t k, size_t n, int *delivered, int *total)
{
    if (k == n) {
        *delivered += arrive(a, n);
        (*total)++;
        return;
    }
    for (size_t i = k; i < n; i++) {
        enum order_event_type t = a[k];
        a[k] = a[i];
        a[i] = t;
        permute(a, k + 1, n, delivered, total);
        a[i] = a[k];
        a[k] = t;
    }
}

/* All 720 arrival orders of the happy path's events. A real run has validated before completed
 * (order-svc writes payment.requested on handling validated) and completed before the other four
 * (they follow order.placed), which arrive on four topics in any of their 24 orders: exactly
 * those 24 deliver, each command once, and every other order has a STALE event. */
static void every_arrival_order(void **state)
{
    (void)state;
    enum order_event_type a[N_HAPPY];
    memcpy(a, happy, sizeof a);
    int delivered = 0, total = 0;
    permute(a, 0, N_HAPPY, &delivered, &total);
    assert_int_equal(total, 720);
    assert_int_equal(delivered, 24);
}

/* What each late input owes on CANCELLED (written down here apart from the table). */
static unsigned owed_on_cancelled(enum order_event_type e)
{
    switch (e) {
    case ORDER_EV_INVENTORY_VALIDATED:
        return ORDER_OWE_RELEASE_STOCK;
    case ORDER_EV_PAYMENT_COMPLETED:
        return ORDER_OWE_REFUND;
    case ORDER_EV_APPROVED:
    case ORDER_EV_AGENT_ASSIGNED:
    case ORDER_EV_PICKED_UP:
        return ORDER_OWE_FREE_PARTNER;
    default:
        return 0;
    }
}

/* Late events on each terminal state: recorded, the state stays; on CANCELLED the ones that owe
 * compensation re-emit order.cancelled.v1 (with the stored reason: none in the step); on
 * DELIVERED and REJECTED nothing is owed. */
static void late_events(void **state)
{
    (void)state;
    for (int t = ORDER_DELIVERED; t <= ORDER_CANCELLED; t++) {
        for (int e = 0; e < ORDER_EV_CANCEL_REQUESTED; e++) {
            struct order_step st = step((enum order_state)t, (enum order_event_type)e);
            assert_int_equal(st.to, t);
            assert_int_equal(st.timeline, ORDER_TL_NOTE);
            assert_int_equal(order_state_result(&st), OF_OK);
            assert_int_equal(st.reason, ORDER_REASON_NONE);
            unsigned owed = t == ORDER_CANCELLED ? owed_on_cancelled((enum order_event_type)e) : 0;
            assert_int_equal(st.owed, owed);
            assert_int_equal(st.commands, owed ? ORDER_EMIT_ORDER_CANCELLED : 0);
            int own = (t == ORDER_DELIVERED && e == ORDER_EV_DELIVERED) ||
                      (t == ORDER_REJECTED && e == ORDER_EV_INVENTORY_INVALIDATED);
            assert_int_equal(st.disposition, own ? ORDER_DUPLICATE : ORDER_LATE);
        }
    }
    /* The two races DESIGN.md names: a refund and a release are owed. */
    assert_int_equal(step(ORDER_CANCELLED, ORDER_EV_PAYMENT_COMPLETED).owed, ORDER_OWE_REFUND);
    assert_int_equal(step(ORDER_CANCELLED, ORDER_EV_INVENTORY_VALIDATED).owed,
                     ORDER_OWE_RELEASE_STOCK);
}

static void cancel_request(void **state)
{
    (void)state;
    for (int s = 0; s < ORDER_STATE_COUNT; s++) {
        struct order_step st = step((enum order_state)s, ORDER_EV_CANCEL_REQUESTED);
        if (s == ORDER_CREATED || s == ORDER_AWAITING_PAYMENT || s == ORDER_PLACED) {
            assert_int_equal(st.disposition, ORDER_APPLIED);
            assert_int_equal(st.to, ORDER_CANCELLED);
            assert_int_equal(st.commands, ORDER_EMIT_ORDER_CANCELLED);
            assert_int_equal(st.reason, ORDER_REASON_CUSTOMER_CANCELLED);
            assert_int_equal(st.stage, s);
            assert_int_equal(order_state_result(&st), OF_OK);
        } else {
            assert_int_equal(st.disposition, ORDER_REFUSED);
            assert_int_equal(st.to, s);
            assert_int_equal(st.commands, 0);
            assert_int_equal(st.timeline, ORDER_TL_NONE);
            assert_int_equal(order_state_result(&st), OF_ECONFLICT);
        }
    }
}

/* The APPLIED steps form a graph in which every state is reachable from CREATED, there is no
 * cycle, a state has no way out exactly when it is terminal, and nothing but APPLIED moves an
 * order: every order ends in exactly one terminal state and stays there. Cancelling steps say
 * why; only they emit order.cancelled.v1 (apart from LATE re-emits); EARLY never meets a
 * terminal state (it would wait for ever). */
static void one_terminal_each(void **state)
{
    (void)state;
    int reached[ORDER_STATE_COUNT] = {[ORDER_CREATED] = 1};
    int rank[ORDER_STATE_COUNT] = {0}; /* longest path from CREATED, to find cycles */
    for (int round = 0; round < 2 * ORDER_STATE_COUNT; round++) {
        for (int s = 0; s < ORDER_STATE_COUNT; s++) {
            int exits = 0;
            for (int e = 0; e < ORDER_EV_COUNT; e++) {
                struct order_step st = step((enum order_state)s, (enum order_event_type)e);
                if (st.disposition != ORDER_APPLIED) {
                    assert_int_equal(st.to, s);
                    assert_false(st.disposition == ORDER_EARLY &&
                                 order_state_is_terminal((enum order_state)s));
                    continue;
                }
                exits++;
                assert_int_not_equal(st.to, s);
                assert_int_equal(st.to == ORDER_CANCELLED, st.reason != ORDER_REASON_NONE);
                assert_int_equal(st.to == ORDER_CANCELLED,
                                 (st.commands & ORDER_EMIT_ORDER_CANCELLED) != 0);
                if (reached[s]) {
                    reached[st.to] = 1;
                    if (rank[st.to] < rank[s] + 1)
                        rank[st.to] = rank[s] + 1;
                }
            }
            assert_int_equal(exits == 0, order_state_is_terminal((enum order_state)s));
        }
    }
    for (int s = 0; s < ORDER_STATE_COUNT; s++) {
        assert_true(reached[s]);
        /* In a graph without cycles no path is longer than the number of states. */
        assert_true(rank[s] < ORDER_STATE_COUNT);
    }
}

int run_sequence_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(happy_path),
        cmocka_unit_test(duplicates_on_the_happy_path),
        cmocka_unit_test(every_applied_input_twice),
        cmocka_unit_test(out_of_order_cases),
        cmocka_unit_test(every_arrival_order),
        cmocka_unit_test(late_events),
        cmocka_unit_test(cancel_request),
        cmocka_unit_test(one_terminal_each),
    };
    return cmocka_run_group_tests_name("order_state sequences", tests, NULL, NULL);
}
