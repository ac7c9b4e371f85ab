/* notification-svc validation and codecs: event data per topic, the listing query, path ids,
 * the receipt's HTML escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/apierror.h"
#include "notification_json.h"
#include "notification_rules.h"
#include "notification_tests.h"

#define OID "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40"
#define CID "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f41"

static void event_assigned(void **state)
{
    (void)state;
    json_t *d = json_pack("{s:s, s:i}", "order_id", OID, "eta_min", 12);
    struct notification_event ev;
    char why[128];
    assert_int_equal(
        notification_rules_event("delivery.agent.assigned.v1", d, &ev, why, sizeof why), 0);
    assert_string_equal(ev.order_id, OID);
    assert_int_equal(ev.eta_min, 12);
    assert_true(notification_rules_topic("delivery.agent.assigned.v1")->needs_read_model);
    json_decref(d);
}

static void event_refused(void **state)
{
    (void)state;
    json_t *d = json_pack("{s:s, s:s}", "order_id", "nope", "customer_id", CID);
    struct notification_event ev;
    char why[128];
    assert_int_not_equal(notification_rules_event("order.rejected.v1", d, &ev, why, sizeof why), 0);
    assert_non_null(strstr(why, "data.order_id"));
    assert_null(strstr(why, "nope"));
    assert_int_not_equal(notification_rules_event("order.unknown.v1", d, &ev, why, sizeof why), 0);
    json_decref(d);
}

static void kind_of_a_cancel(void **state)
{
    (void)state;
    const struct notification_topic *cancelled = notification_rules_topic("order.cancelled.v1");
    const struct notification_topic *rejected = notification_rules_topic("order.rejected.v1");
    struct notification_event ev = {0};
    assert_string_equal(notification_rules_kind(rejected, &ev), "order.rejected");
    snprintf(ev.reason, sizeof ev.reason, "%s", "PAYMENT_FAILED");
    assert_string_equal(notification_rules_kind(cancelled, &ev), "order.cancelled");
    /* the outlet's rejection was told by order.rejected.v1: the cancel that follows is the same
     * kind, so the customer hears of it once */
    snprintf(ev.reason, sizeof ev.reason, "%s", "REJECTED_BY_BUSINESS");
    assert_string_equal(notification_rules_kind(cancelled, &ev), "order.rejected");
    snprintf(ev.reason, sizeof ev.reason, "%s", "APPROVAL_TIMEOUT");
    assert_string_equal(notification_rules_kind(cancelled, &ev), "order.rejected");
    snprintf(ev.reason, sizeof ev.reason, "%s", "NO_PARTNER_AVAILABLE");
    assert_string_equal(notification_rules_kind(cancelled, &ev), "order.cancelled");
    assert_null(notification_rules_kind(notification_rules_topic("order.created.v1"), &ev));
}

static void later_steps_of_a_delivery(void **state)
{
    (void)state;
    assert_string_equal(notification_rules_later_kinds("delivery.agent.assigned"),
                        "{delivery.picked_up,order.delivered}");
    assert_string_equal(notification_rules_later_kinds("delivery.picked_up"), "{order.delivered}");
    assert_null(notification_rules_later_kinds("order.delivered"));
    assert_null(notification_rules_later_kinds("order.placed"));
    assert_null(notification_rules_later_kinds(NULL));
}

static void query(void **state)
{
    (void)state;
    struct notification_query q;
    struct jspec_error err;
    assert_int_equal(notification_rules_query(NULL, NULL, &q, &err), 0);
    assert_int_equal(q.limit, NOTIFICATION_LIMIT_DEFAULT);
    assert_int_not_equal(notification_rules_query("0", NULL, &q, &err), 0);
    assert_string_equal(err.field, "limit");
    assert_int_not_equal(notification_rules_query("101", NULL, &q, &err), 0);
    assert_int_not_equal(notification_rules_query(NULL, "xyz", &q, &err), 0);
    assert_string_equal(err.field, "cursor");
    assert_int_equal(err.code, API_INVALID_VALUE);
    assert_int_equal(notification_rules_path_id(OID, "id", &err), 0);
    assert_int_not_equal(notification_rules_path_id("x", "id", &err), 0);
    assert_string_equal(err.field, "id");
}

static void receipt_escapes(void **state)
{
    (void)state;
    struct notification_order o = {
        .order_id = OID, .total_minor = 1250, .currency = "INR", .delivered_ms = 1700000000000};
    strcpy(o.outlet_name, "<b>Tom & \"Jerry's\"</b>");
    o.lines =
        json_pack("[{s:s, s:i, s:i}]", "name", "<script>", "qty", 2, "line_total_minor", 1250);
    char *html = notification_json_receipt(&o, true), *text = notification_json_receipt(&o, false);
    assert_null(strstr(html, "<script>"));
    assert_null(strstr(html, "<b>"));
    assert_non_null(strstr(html, "&lt;b&gt;Tom &amp; &quot;Jerry&#39;s&quot;&lt;/b&gt;"));
    assert_non_null(strstr(html, "12.50 INR"));
    assert_non_null(strstr(text, "2 x <script>: 12.50 INR"));
    free(html);
    free(text);
    char *e = notification_json_html_escape("a<b");
    assert_string_equal(e, "a&lt;b");
    free(e);
    notification_order_clear(&o);
}

static void sent_data(void **state)
{
    (void)state;
    struct notification n = {.id = OID,
                             .order_id = OID,
                             .customer_id = CID,
                             .event_type = "order.placed",
                             .channel = "file",
                             .sent_ms = 1700000000000};
    json_t *j = notification_json_sent(&n);
    assert_string_equal(json_string_value(json_object_get(j, "sent_at")),
                        "2023-11-14T22:13:20.000Z");
    assert_string_equal(json_string_value(json_object_get(j, "customer_id")), CID);
    json_decref(j);
    j = notification_json_message(&n);
    assert_null(json_object_get(j, "customer_id"));
    json_decref(j);
}

int run_rules_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(event_assigned),
        cmocka_unit_test(event_refused),
        cmocka_unit_test(kind_of_a_cancel),
        cmocka_unit_test(later_steps_of_a_delivery),
        cmocka_unit_test(query),
        cmocka_unit_test(receipt_escapes),
        cmocka_unit_test(sent_data),
    };
    return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
