/* Tests of the topic table: every event of DESIGN.md sections 1-2, lookups and DLQ names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/topics.h"
#include "core_tests.h"

/* Written out again from DESIGN.md, independently of the table under test. */
static const struct {
    const char *topic;
    const char *producer;
} expected[] = {
    {"order.created.v1", "order-svc"},
    {"inventory.validation.requested.v1", "order-svc"},
    {"payment.requested.v1", "order-svc"},
    {"order.placed.v1", "order-svc"},
    {"order.cancelled.v1", "order-svc"},
    {"order.delivered.v1", "order-svc"},
    {"inventory.validated.v1", "inventory-svc"},
    {"inventory.invalidated.v1", "inventory-svc"},
    {"inventory.released.v1", "inventory-svc"},
    {"inventory.committed.v1", "inventory-svc"},
    {"inventory.reservation.expired.v1", "inventory-svc"},
    {"payment.completed.v1", "payment-svc"},
    {"payment.failed.v1", "payment-svc"},
    {"payment.refunded.v1", "payment-svc"},
    {"order.approved.v1", "business-svc"},
    {"order.rejected.v1", "business-svc"},
    {"business.outlet.created.v1", "business-svc"},
    {"business.outlet.updated.v1", "business-svc"},
    {"delivery.agent.assigned.v1", "partner-svc"},
    {"delivery.assignment.failed.v1", "partner-svc"},
    {"delivery.picked_up.v1", "partner-svc"},
    {"delivery.delivered.v1", "partner-svc"},
    {"customer.registered.v1", "customer-svc"},
    {"customer.address.updated.v1", "customer-svc"},
    {"notification.sent.v1", "notification-svc"},
    {"probe.event.v1", "probe-svc"},
};

#define N_EXPECTED (sizeof expected / sizeof expected[0])

static void table_matches_design(void **state)
{
    (void)state;
    size_t n = 0;
    const struct topic_def *all = topics_all(&n);
    assert_non_null(all);
    assert_int_equal(n, N_EXPECTED);
    for (size_t i = 0; i < N_EXPECTED; i++) {
        const struct topic_def *t = topics_by_name(expected[i].topic);
        if (!t)
            fail_msg("topic %s is missing", expected[i].topic);
        assert_string_equal(t->producer, expected[i].producer);
    }
}

static void names_are_type_dot_version(void **state)
{
    (void)state;
    size_t n = 0;
    const struct topic_def *all = topics_all(&n);
    for (size_t i = 0; i < n; i++) {
        char want[TOPIC_NAME_MAX];
        snprintf(want, sizeof want, "%s.v%d", all[i].event_type, all[i].version);
        assert_string_equal(all[i].name, want);
        assert_true(all[i].version >= 1);
        assert_true(strlen(all[i].name) + strlen(TOPIC_DLQ_SUFFIX) < TOPIC_NAME_MAX);
        assert_true(strlen(all[i].event_type) < 64); /* fits struct envelope.event_type */
        assert_true(strlen(all[i].producer) < 32);   /* fits struct envelope.producer */
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(all[i].name, all[j].name);
        assert_ptr_equal(topics_find(all[i].event_type, all[i].version), &all[i]);
        assert_ptr_equal(topics_by_name(all[i].name), &all[i]);
    }
}

static void lookups_reject_unknown(void **state)
{
    (void)state;
    assert_non_null(topics_find("order.placed", 1));
    assert_string_equal(topics_find("order.placed", 1)->name, "order.placed.v1");
    assert_null(topics_find("order.placed", 2));
    assert_null(topics_find("order.placed", 0));
    assert_null(topics_find("order.placed", -1));
    assert_null(topics_find("order.placed.v1", 1));
    assert_null(topics_find("Order.Placed", 1));
    assert_null(topics_find("order", 1));
    assert_null(topics_find("", 1));
    assert_null(topics_find(NULL, 1));
    assert_null(topics_by_name("order.placed"));
    assert_null(topics_by_name("order.placed.v2"));
    assert_null(topics_by_name("order.placed.v1.dlq"));
    assert_null(topics_by_name(""));
    assert_null(topics_by_name(NULL));
    size_t n = 0;
    assert_non_null(topics_all(NULL)); /* the count is optional */
    topics_all(&n);
    assert_true(n > 0);
}

static void dlq_names(void **state)
{
    (void)state;
    char buf[TOPIC_NAME_MAX];
    assert_int_equal(topics_dlq_name("order.placed.v1", buf, sizeof buf), 0);
    assert_string_equal(buf, "order.placed.v1.dlq");
    char exact[sizeof "ab.v1.dlq"];
    assert_int_equal(topics_dlq_name("ab.v1", exact, sizeof exact), 0);
    assert_string_equal(exact, "ab.v1.dlq");
    char small[sizeof "ab.v1.dlq" - 1];
    memcpy(small, "untouched", sizeof small);
    assert_int_equal(topics_dlq_name("ab.v1", small, sizeof small), -1);
    assert_memory_equal(small, "untouched", sizeof small);
    assert_int_equal(topics_dlq_name("ab.v1", buf, 0), -1);
    assert_int_equal(topics_dlq_name(NULL, buf, sizeof buf), -1);
}

/* docs/events/README.md lists exactly the topics of the table, each with its producer. The test
 * runs in its source folder, so the catalogue is three levels up. */
static void catalogue_matches_table(void **state)
{
    (void)state;
    FILE *f = fopen("../../../docs/events/README.md", "r");
    assert_non_null(f);
    size_t n;
    const struct topic_def *all = topics_all(&n);
    int seen[64] = {0};
    assert_true(n <= sizeof seen / sizeof seen[0]);
    char line[512];
    size_t rows = 0;
    while (fgets(line, sizeof line, f)) {
        char name[TOPIC_NAME_MAX], producer[64];
        if (sscanf(line, "| `%127[^`]` | %63[a-z-]", name, producer) != 2)
            continue;
        rows++;
        const struct topic_def *t = topics_by_name(name);
        if (!t)
            fail_msg("docs/events lists %s, which is not in the topic table", name);
        if (strcmp(t->producer, producer) != 0)
            fail_msg("docs/events: %s produced by %s, the table says %s", name, producer,
                     t->producer);
        seen[t - all]++;
    }
    fclose(f);
    for (size_t i = 0; i < n; i++)
        if (seen[i] != 1)
            fail_msg("docs/events lists %s %d times", all[i].name, seen[i]);
    assert_int_equal(rows, n);
}

int run_topics_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_matches_design),    cmocka_unit_test(names_are_type_dot_version),
        cmocka_unit_test(lookups_reject_unknown),  cmocka_unit_test(dlq_names),
        cmocka_unit_test(catalogue_matches_table),
    };
    return cmocka_run_group_tests_name("topics", tests, NULL, NULL);
}
