/* One order's whole saga, every interleaving: order-svc driven by order_state_step(), and models
 * of the other services reacting to its events as DESIGN.md section 2 says, each making every
 * choice it may (validate or not, pay or fail, approve or reject, assign, give back, pick up,
 * deliver, the reservation's TTL, the customer's cancel at any moment), with the events of
 * different topics arriving in any order, EARLY ones redelivered, and one event handed to
 * order-svc twice. The models keep no memory of a cancellation that came before the thing it
 * cancels (the worst case: a consumer that does keep one only makes things easier), so only the
 * order.cancelled.v1 re-emitted by a LATE step can compensate then.
 *
 * Every run that can go no further must end with the order terminal, nothing left in flight,
 * each command emitted as often as it should be, the money, the stock and the partner settled,
 * and the reason true. The search also shows that every EARLY row of the table happens, that the
 * only STALE event a real run sees is the documented lapsed reservation of an order out for
 * delivery, that every compensating re-emit is needed, and, with the re-emits taken out, that
 * the checks fail. The visited worlds are memoised, so each is explored once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/errors.h"
#include "common/xalloc.h"
#include "order.h"
#include "order_state.h"
#include "order_state_tests.h"

enum inv {
    INV_NONE,
    INV_RESERVED,
    INV_CONFIRMED,
    INV_RELEASED,
    INV_EXPIRED,
    INV_INVALID,
    INV_SOLD,
    INV_SOLD_LAPSED /* sold at order.delivered after the TTL released it */
};
enum pay { PAY_NONE, PAY_CAPTURED, PAY_FAILED, PAY_REFUNDED };
enum biz { BIZ_NONE, BIZ_APPROVED, BIZ_REJECTED };
enum pt { PT_NONE, PT_ASSIGNED, PT_PICKED, PT_DONE, PT_FAILED, PT_FREED };

/* order-svc's events waiting at each consumer, per topic (Kafka orders nothing across topics). */
enum { INV_Q_VALIDATE, INV_Q_PLACED, INV_Q_CANCELLED, INV_Q_DELIVERED, INV_Q_N };
enum { PAY_Q_REQUESTED, PAY_Q_CANCELLED, PAY_Q_N };
enum { BIZ_Q_PLACED, BIZ_Q_CANCELLED, BIZ_Q_N };
enum { PT_Q_APPROVED, PT_Q_CANCELLED, PT_Q_N };

/* Everything about one order at one moment; bytes only, so it is compared and hashed whole. */
struct world {
    uint8_t order;  /* enum order_state */
    uint8_t reason; /* stored at the cancellation */
    uint8_t emitted[ORDER_EMIT_COUNT];
    uint8_t to_order[ORDER_EV_CANCEL_REQUESTED]; /* events in flight to order-svc */
    uint8_t to_inv[INV_Q_N], to_pay[PAY_Q_N], to_biz[BIZ_Q_N], to_pt[PT_Q_N];
    uint8_t inv, pay, biz, pt;
    uint8_t cancel_tried;
    uint8_t dups; /* how many more events order-svc may be handed twice */
};

enum check { CK_SETTLED, CK_COMMANDS, CK_MONEY, CK_STOCK, CK_PARTNER, CK_REASON, CK_N };

struct search {
    bool reemit; /* false: LATE steps' re-emits dropped (the mutant) */
    bool ttl;    /* inventory's TTL may fire */
    bool strict; /* a failed check fails the test; otherwise it is counted */
    struct world *set;
    uint8_t *used;
    size_t cap, n;
    long leaves[ORDER_STATE_COUNT], reasons[ORDER_REASON_COUNT], failed[CK_N], lapsed;
    bool early[ORDER_STATE_COUNT][ORDER_EV_COUNT], stale[ORDER_STATE_COUNT][ORDER_EV_COUNT];
    bool owed[ORDER_EV_COUNT];
};

static uint64_t hash(const struct world *w)
{
    const unsigned char *p = (const unsigned char *)w;
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < sizeof *w; i++)
        h = (h ^ p[i]) * 1099511628211u;
    return h;
}

static void put(struct world *set, uint8_t *used, size_t cap, const struct world *w)
{
    size_t i = hash(w) & (cap - 1);
    while (used[i])
        i = (i + 1) & (cap - 1);
    used[i] = 1;
    set[i] = *w;
}

/* True when w had not been seen yet (and now has). */
static bool visit(struct search *s, const struct world *w)
{
    for (size_t i = hash(w) & (s->cap - 1); s->used[i]; i = (i + 1) & (s->cap - 1)) {
        if (memcmp(&s->set[i], w, sizeof *w) == 0)
            return false;
    }
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = 2 * s->cap;
        struct world *set = xcalloc(cap, sizeof *set);
        uint8_t *used = xcalloc(cap, 1);
        for (size_t i = 0; i < s->cap; i++) {
            if (s->used[i])
                put(set, used, cap, &s->set[i]);
        }
        free(s->set);
        free(s->used);
        s->set = set;
        s->used = used;
        s->cap = cap;
    }
    put(s->set, s->used, s->cap, w);
    s->n++;
    return true;
}

/* order-svc appends cmds to its outbox: they reach their consumers. */
static void emit(struct world *w, unsigned cmds)
{
    for (int i = 0; i < ORDER_EMIT_COUNT; i++) {
        if (cmds & (1u << i))
            w->emitted[i]++;
    }
    if (cmds & ORDER_EMIT_VALIDATION_REQUESTED)
        w->to_inv[INV_Q_VALIDATE]++;
    if (cmds & ORDER_EMIT_PAYMENT_REQUESTED)
        w->to_pay[PAY_Q_REQUESTED]++;
    if (cmds & ORDER_EMIT_ORDER_PLACED) {
        w->to_inv[INV_Q_PLACED]++;
        w->to_biz[BIZ_Q_PLACED]++;
    }
    if (cmds & ORDER_EMIT_ORDER_CANCELLED) {
        w->to_inv[INV_Q_CANCELLED]++;
        w->to_pay[PAY_Q_CANCELLED]++;
        w->to_biz[BIZ_Q_CANCELLED]++;
        w->to_pt[PT_Q_CANCELLED]++;
    }
    if (cmds & ORDER_EMIT_ORDER_DELIVERED)
        w->to_inv[INV_Q_DELIVERED]++;
}

/* order-svc takes input ev: what its handler does with the step. */
static void apply(struct search *s, struct world *w, enum order_event_type ev)
{
    struct order_step st;
    assert_int_equal(order_state_step((enum order_state)w->order, ev, &st), OF_OK);
    assert_int_not_equal(st.disposition, ORDER_EARLY);
    if (st.disposition == ORDER_STALE)
        s->stale[w->order][ev] = true;
    if (st.owed)
        s->owed[ev] = true;
    if (st.disposition == ORDER_APPLIED && st.to == ORDER_CANCELLED)
        w->reason = (uint8_t)st.reason;
    emit(w, st.disposition == ORDER_LATE && !s->reemit ? 0 : st.commands);
    w->order = (uint8_t)st.to;
}

static void explore(struct search *s, const struct world *w);

/* A service emits ev to order-svc. */
static void to_order(struct world *w, enum order_event_type ev)
{
    w->to_order[ev]++;
}

/* order-svc's consumer: any topic's next event; an EARLY one stays for a later redelivery. Once,
 * an event is handed over and stays in flight (a producer that sent it again). */
static int order_moves(struct search *s, const struct world *w)
{
    int moves = 0;
    for (int e = 0; e < ORDER_EV_CANCEL_REQUESTED; e++) {
        if (!w->to_order[e])
            continue;
        struct order_step st;
        assert_int_equal(
            order_state_step((enum order_state)w->order, (enum order_event_type)e, &st), OF_OK);
        if (st.disposition == ORDER_EARLY) {
            s->early[w->order][e] = true;
            continue;
        }
        struct world n = *w;
        n.to_order[e]--;
        apply(s, &n, (enum order_event_type)e);
        explore(s, &n);
        moves++;
        if (w->dups) {
            n = *w;
            n.dups--;
            apply(s, &n, (enum order_event_type)e);
            explore(s, &n);
        }
    }
    if (!w->cancel_tried) { /* the customer's POST .../cancel, at any moment */
        struct world n = *w;
        n.cancel_tried = 1;
        struct order_step st;
        assert_int_equal(
            order_state_step((enum order_state)w->order, ORDER_EV_CANCEL_REQUESTED, &st), OF_OK);
        if (st.disposition != ORDER_REFUSED)
            apply(s, &n, ORDER_EV_CANCEL_REQUESTED);
        explore(s, &n);
        moves++;
    }
    return moves;
}

/* inventory-svc: reserve all or nothing, confirm at order.placed, release at order.cancelled,
 * sell at order.delivered, release unpaid stock at its TTL. */
static int inventory_moves(struct search *s, const struct world *w)
{
    int moves = 0;
    struct world n;
    if (w->to_inv[INV_Q_VALIDATE]) {
        n = *w;
        n.to_inv[INV_Q_VALIDATE]--;
        if (w->inv == INV_NONE) {
            struct world bad = n;
            bad.inv = INV_INVALID;
            to_order(&bad, ORDER_EV_INVENTORY_INVALIDATED);
            explore(s, &bad);
            n.inv = INV_RESERVED;
            to_order(&n, ORDER_EV_INVENTORY_VALIDATED);
        }
        explore(s, &n);
        moves++;
    }
    if (s->ttl && w->inv == INV_RESERVED) {
        n = *w;
        n.inv = INV_EXPIRED;
        to_order(&n, ORDER_EV_RESERVATION_EXPIRED);
        explore(s, &n);
        moves++;
    }
    if (w->to_inv[INV_Q_PLACED]) {
        n = *w;
        n.to_inv[INV_Q_PLACED]--;
        if (w->inv == INV_RESERVED)
            n.inv = INV_CONFIRMED;
        explore(s, &n);
        moves++;
    }
    if (w->to_inv[INV_Q_CANCELLED]) {
        n = *w;
        n.to_inv[INV_Q_CANCELLED]--;
        if (w->inv == INV_RESERVED || w->inv == INV_CONFIRMED)
            n.inv = INV_RELEASED;
        explore(s, &n);
        moves++;
    }
    if (w->to_inv[INV_Q_DELIVERED]) {
        n = *w;
        n.to_inv[INV_Q_DELIVERED]--;
        if (w->inv == INV_RESERVED || w->inv == INV_CONFIRMED)
            n.inv = INV_SOLD;
        else if (w->inv == INV_EXPIRED)
            n.inv = INV_SOLD_LAPSED;
        else
            fail_msg("order.delivered with the stock %d", w->inv);
        explore(s, &n);
        moves++;
    }
    return moves;
}

/* payment-svc: one payment per order, refunded at order.cancelled once captured. */
static int payment_moves(struct search *s, const struct world *w)
{
    int moves = 0;
    struct world n;
    if (w->to_pay[PAY_Q_REQUESTED]) {
        n = *w;
        n.to_pay[PAY_Q_REQUESTED]--;
        if (w->pay == PAY_NONE) {
            struct world bad = n;
            bad.pay = PAY_FAILED;
            to_order(&bad, ORDER_EV_PAYMENT_FAILED);
            explore(s, &bad);
            n.pay = PAY_CAPTURED;
            to_order(&n, ORDER_EV_PAYMENT_COMPLETED);
        }
        explore(s, &n);
        moves++;
    }
    if (w->to_pay[PAY_Q_CANCELLED]) {
        n = *w;
        n.to_pay[PAY_Q_CANCELLED]--;
        if (w->pay == PAY_CAPTURED)
            n.pay = PAY_REFUNDED;
        explore(s, &n);
        moves++;
    }
    return moves;
}

/* business-svc: one decision per placed order (the approval SLA's timeout is a rejection). */
static int business_moves(struct search *s, const struct world *w)
{
    int moves = 0;
    struct world n;
    if (w->to_biz[BIZ_Q_PLACED]) {
        n = *w;
        n.to_biz[BIZ_Q_PLACED]--;
        if (w->biz == BIZ_NONE) {
            struct world no = n;
            no.biz = BIZ_REJECTED;
            to_order(&no, ORDER_EV_REJECTED);
            explore(s, &no);
            n.biz = BIZ_APPROVED;
            to_order(&n, ORDER_EV_APPROVED);
            n.to_pt[PT_Q_APPROVED]++; /* partner-svc reads order.approved.v1 too */
        }
        explore(s, &n);
        moves++;
    }
    if (w->to_biz[BIZ_Q_CANCELLED]) {
        n = *w;
        n.to_biz[BIZ_Q_CANCELLED]--;
        explore(s, &n);
        moves++;
    }
    return moves;
}

/* partner-svc: assign at order.approved or fail; an assigned partner picks up or gives the order
 * back (and nobody else takes it); a picked-up order is delivered; order.cancelled frees a
 * partner still holding the order. */
static int partner_moves(struct search *s, const struct world *w)
{
    int moves = 0;
    struct world n;
    if (w->to_pt[PT_Q_APPROVED]) {
        n = *w;
        n.to_pt[PT_Q_APPROVED]--;
        if (w->pt == PT_NONE) {
            struct world no = n;
            no.pt = PT_FAILED;
            to_order(&no, ORDER_EV_ASSIGNMENT_FAILED);
            explore(s, &no);
            n.pt = PT_ASSIGNED;
            to_order(&n, ORDER_EV_AGENT_ASSIGNED);
        }
        explore(s, &n);
        moves++;
    }
    if (w->pt == PT_ASSIGNED) {
        n = *w;
        n.pt = PT_FAILED;
        to_order(&n, ORDER_EV_ASSIGNMENT_FAILED);
        explore(s, &n);
        n = *w;
        n.pt = PT_PICKED;
        to_order(&n, ORDER_EV_PICKED_UP);
        explore(s, &n);
        moves++;
    }
    if (w->pt == PT_PICKED) {
        n = *w;
        n.pt = PT_DONE;
        to_order(&n, ORDER_EV_DELIVERED);
        explore(s, &n);
        moves++;
    }
    if (w->to_pt[PT_Q_CANCELLED]) {
        n = *w;
        n.to_pt[PT_Q_CANCELLED]--;
        if (w->pt == PT_ASSIGNED || w->pt == PT_PICKED)
            n.pt = PT_FREED;
        explore(s, &n);
        moves++;
    }
    return moves;
}

/* The emitted count of one command. */
static int sent(const struct world *w, unsigned cmd)
{
    for (int i = 0; i < ORDER_EMIT_COUNT; i++) {
        if (cmd == 1u << i)
            return w->emitted[i];
    }
    return -1;
}

static void check(struct search *s, const struct world *w, enum check c, bool ok, const char *what)
{
    static const char *const inv[] = {"none",    "reserved", "confirmed", "released",
                                      "expired", "invalid",  "sold",      "sold after the TTL"};
    static const char *const pay[] = {"none", "captured", "failed", "refunded"};
    static const char *const biz[] = {"none", "approved", "rejected"};
    static const char *const pt[] = {"none",      "assigned", "picked up",
                                     "delivered", "failed",   "freed"};
    if (ok)
        return;
    if (s->strict)
        fail_msg("%s: order %s (%s), stock %s, payment %s, business %s, partner %s, "
                 "order.cancelled sent %d times",
                 what, order_state_name((enum order_state)w->order),
                 w->reason ? order_reason_name((enum order_cancel_reason)w->reason) : "-",
                 inv[w->inv], pay[w->pay], biz[w->biz], pt[w->pt],
                 sent(w, ORDER_EMIT_ORDER_CANCELLED));
    s->failed[c]++;
}

static bool nothing_in_flight(const struct world *w)
{
    for (int e = 0; e < ORDER_EV_CANCEL_REQUESTED; e++) {
        if (w->to_order[e])
            return false;
    }
    return true;
}

/* Whether the stored reason is what happened. */
static bool reason_true(const struct world *w)
{
    switch (w->reason) {
    case ORDER_REASON_PAYMENT_FAILED:
        return w->pay == PAY_FAILED;
    case ORDER_REASON_RESERVATION_EXPIRED:
        return w->inv == INV_EXPIRED;
    case ORDER_REASON_REJECTED_BY_BUSINESS:
        return w->biz == BIZ_REJECTED;
    case ORDER_REASON_ASSIGNMENT_FAILED:
        return w->pt == PT_FAILED;
    case ORDER_REASON_CUSTOMER_CANCELLED:
        return w->cancel_tried;
    default:
        return w->order != ORDER_CANCELLED;
    }
}

/* A run that can go no further. */
static void leaf(struct search *s, const struct world *w)
{
    enum order_state o = (enum order_state)w->order;
    s->leaves[o]++;
    s->reasons[w->reason]++;
    s->lapsed += w->inv == INV_SOLD_LAPSED;
    check(s, w, CK_SETTLED, order_state_is_terminal(o) && nothing_in_flight(w),
          "not terminal, or an event stuck in flight");
    check(s, w, CK_COMMANDS,
          sent(w, ORDER_EMIT_ORDER_CREATED) == 1 && sent(w, ORDER_EMIT_VALIDATION_REQUESTED) == 1 &&
              sent(w, ORDER_EMIT_PAYMENT_REQUESTED) <= 1 && sent(w, ORDER_EMIT_ORDER_PLACED) <= 1 &&
              sent(w, ORDER_EMIT_ORDER_DELIVERED) == (o == ORDER_DELIVERED) &&
              (sent(w, ORDER_EMIT_ORDER_CANCELLED) > 0) == (o == ORDER_CANCELLED),
          "a command emitted the wrong number of times");
    check(s, w, CK_MONEY,
          o == ORDER_DELIVERED   ? w->pay == PAY_CAPTURED
          : o == ORDER_CANCELLED ? w->pay != PAY_CAPTURED
                                 : w->pay == PAY_NONE,
          "money captured for an order not delivered, or not for a delivered one");
    check(s, w, CK_STOCK,
          o == ORDER_DELIVERED ? w->inv == INV_SOLD || w->inv == INV_SOLD_LAPSED
          : o == ORDER_CANCELLED
              ? w->inv == INV_RELEASED || w->inv == INV_EXPIRED || w->inv == INV_INVALID
              : w->inv == INV_INVALID,
          "stock held for an order that will not be delivered, or not sold for a delivered one");
    check(s, w, CK_PARTNER,
          w->pt != PT_ASSIGNED && w->pt != PT_PICKED && (o != ORDER_DELIVERED || w->pt == PT_DONE),
          "a partner still holds the order");
    check(s, w, CK_REASON, reason_true(w), "the cancel reason is not what happened");
}

/* In every world: a service that still holds something for a cancelled order (a captured
 * payment, reserved or confirmed stock, a partner on the way) has an order.cancelled.v1 coming,
 * or order-svc has the event that will re-emit one in flight. Neither the TTL nor the partner
 * finishing the trip counts: they are not compensation. */
static void told(struct search *s, const struct world *w)
{
    if (w->order != ORDER_CANCELLED)
        return;
    check(s, w, CK_MONEY,
          w->pay != PAY_CAPTURED || w->to_pay[PAY_Q_CANCELLED] ||
              w->to_order[ORDER_EV_PAYMENT_COMPLETED],
          "payment-svc holds a captured payment of a cancelled order, and nothing tells it");
    check(s, w, CK_STOCK,
          (w->inv != INV_RESERVED && w->inv != INV_CONFIRMED) || w->to_inv[INV_Q_CANCELLED] ||
              w->to_order[ORDER_EV_INVENTORY_VALIDATED],
          "inventory-svc holds stock of a cancelled order, and nothing tells it");
    check(s, w, CK_PARTNER,
          (w->pt != PT_ASSIGNED && w->pt != PT_PICKED) || w->to_pt[PT_Q_CANCELLED] ||
              w->to_order[ORDER_EV_AGENT_ASSIGNED] || w->to_order[ORDER_EV_PICKED_UP],
          "partner-svc has a partner on a cancelled order, and nothing tells it");
}

static void explore(struct search *s, const struct world *w)
{
    if (!visit(s, w))
        return;
    told(s, w);
    int moves = order_moves(s, w) + inventory_moves(s, w) + payment_moves(s, w) +
                business_moves(s, w) + partner_moves(s, w);
    if (moves == 0)
        leaf(s, w);
}

/* The search under way, freed by the teardown when a check fails deep in it. */
static struct search *current;

static struct search *search_run(bool reemit, bool ttl, bool strict)
{
    struct search *s = xcalloc(1, sizeof *s);
    current = s;
    s->reemit = reemit;
    s->ttl = ttl;
    s->strict = strict;
    s->cap = 1u << 16;
    s->set = xcalloc(s->cap, sizeof *s->set);
    s->used = xcalloc(s->cap, 1);
    struct world w;
    memset(&w, 0, sizeof w);
    struct order_step st;
    order_state_created(&st);
    emit(&w, st.commands);
    w.order = (uint8_t)st.to;
    w.dups = 1;
    explore(s, &w);
    return s;
}

static void search_free(struct search *s)
{
    if (!s)
        return;
    free(s->set);
    free(s->used);
    free(s);
    current = NULL;
}

static int teardown(void **state)
{
    (void)state;
    search_free(current);
    return 0;
}

static void every_interleaving_settles(void **state)
{
    (void)state;
    struct search *s = search_run(true, true, true);
    long leaves = 0;
    for (int o = 0; o < ORDER_STATE_COUNT; o++)
        leaves += s->leaves[o];
    print_message("saga: %zu worlds, %ld ends: %ld delivered, %ld rejected, %ld cancelled; %ld "
                  "sold after the TTL\n",
                  s->n, leaves, s->leaves[ORDER_DELIVERED], s->leaves[ORDER_REJECTED],
                  s->leaves[ORDER_CANCELLED], s->lapsed);
    assert_true(s->leaves[ORDER_DELIVERED] > 0 && s->leaves[ORDER_REJECTED] > 0 &&
                s->leaves[ORDER_CANCELLED] > 0);
    for (int r = 1; r < ORDER_REASON_COUNT; r++) {
        if (r != ORDER_REASON_APPROVAL_TIMEOUT) /* the model rejects with the table's reason */
            assert_true(s->reasons[r] > 0);
    }
    /* The lapsed reservation of an order out for delivery: the one STALE event a run sees. */
    assert_true(s->lapsed > 0);
    for (int o = 0; o < ORDER_STATE_COUNT; o++) {
        for (int e = 0; e < ORDER_EV_COUNT; e++) {
            struct order_step st;
            assert_int_equal(order_state_step((enum order_state)o, (enum order_event_type)e, &st),
                             OF_OK);
            bool documented = o == ORDER_OUT_FOR_DELIVERY && e == ORDER_EV_RESERVATION_EXPIRED;
            if (s->stale[o][e] != documented)
                fail_msg("%s x %s: STALE %s in some run", order_state_name((enum order_state)o),
                         order_event_name((enum order_event_type)e),
                         s->stale[o][e] ? "seen" : "never seen");
            if (st.disposition == ORDER_EARLY && !s->early[o][e])
                fail_msg("%s x %s: EARLY in the table, never early in a run",
                         order_state_name((enum order_state)o),
                         order_event_name((enum order_event_type)e));
            if (st.owed && !s->owed[e])
                fail_msg("%s owes compensation, never late in a run",
                         order_event_name((enum order_event_type)e));
        }
    }
    search_free(s);
}

/* Without the TTL, only the re-emits of order.cancelled.v1 release stock reserved after the
 * cancellation, and the checks still hold. */
static void reemits_release_without_ttl(void **state)
{
    (void)state;
    search_free(search_run(true, false, true));
}

/* The mutant: LATE steps emit nothing. Then nothing tells payment-svc of a payment captured
 * after the cancel, inventory-svc of stock reserved after it, partner-svc of a partner assigned
 * after it; without the TTL the stock is never released at all. The checks catch each. */
static void without_reemits_the_checks_fail(void **state)
{
    (void)state;
    for (int ttl = 0; ttl <= 1; ttl++) {
        struct search *s = search_run(false, ttl, false);
        assert_true(s->failed[CK_MONEY] > 0);
        assert_true(s->failed[CK_STOCK] > 0);
        assert_true(s->failed[CK_PARTNER] > 0);
        assert_int_equal(s->failed[CK_SETTLED], 0);
        assert_int_equal(s->failed[CK_REASON], 0);
        search_free(s);
    }
}

int run_saga_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(every_interleaving_settles, teardown),
        cmocka_unit_test_teardown(reemits_release_without_ttl, teardown),
        cmocka_unit_test_teardown(without_reemits_the_checks_fail, teardown),
    };
    return cmocka_run_group_tests_name("order_state saga", tests, NULL, NULL);
}
