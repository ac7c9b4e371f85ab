/* notification-svc templates: every kind renders with full values, unknown placeholders and
 * missing values are refused, escapes, truncation, reasons and amounts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "notification_templates.h"
#include "notification_tests.h"

static const struct notification_vars full = {
    .order_short = "0193a5c2",
    .outlet = "Dosa Corner",
    .total = "12.50 INR",
    .reason = "the payment failed",
    .eta_min = "12",
    .prep_min = "15",
};

static void every_kind_renders(void **state)
{
    (void)state;
    static const char *const kinds[] = {
        "order.placed",    "order.approved",          "order.rejected",
        "order.cancelled", "delivery.agent.assigned", "delivery.picked_up",
        "order.delivered", "payment.failed",          "payment.refunded",
    };
    char out[NOTIFICATION_BODY_SIZE];
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const char *t = notification_templates_find(kinds[i]);
        assert_non_null(t);
        assert_int_equal(notification_templates_render(t, &full, out, sizeof out, NULL),
                         NOTIFICATION_RENDERED);
        assert_non_null(strstr(out, "0193a5c2"));
        assert_null(strchr(out, '{'));
    }
    assert_null(notification_templates_find("order.created"));
    assert_null(notification_templates_find(NULL));
}

static void renders_values(void **state)
{
    (void)state;
    char out[NOTIFICATION_BODY_SIZE];
    assert_int_equal(notification_templates_render(notification_templates_find("order.placed"),
                                                   &full, out, sizeof out, NULL),
                     NOTIFICATION_RENDERED);
    assert_string_equal(
        out, "Order 0193a5c2 is placed: 12.50 INR. We will tell you when the outlet accepts it.");
    assert_int_equal(
        notification_templates_render("{{literal}} {outlet}}}", &full, out, sizeof out, NULL),
        NOTIFICATION_RENDERED);
    assert_string_equal(out, "{literal} Dosa Corner}");
}

static void unknown_placeholder(void **state)
{
    (void)state;
    char out[64] = "x", name[32] = "";
    assert_int_equal(notification_templates_render("Hi {phone}!", &full, out, sizeof out, name),
                     NOTIFICATION_UNKNOWN_PLACEHOLDER);
    assert_string_equal(out, "");
    assert_string_equal(name, "phone");
    assert_int_equal(notification_templates_render("Hi {outlet", &full, out, sizeof out, name),
                     NOTIFICATION_UNKNOWN_PLACEHOLDER);
    assert_string_equal(name, "outlet");
}

static void missing_value(void **state)
{
    (void)state;
    struct notification_vars v = full;
    char out[64], name[32];
    v.outlet = NULL;
    assert_int_equal(notification_templates_render("{outlet} ok", &v, out, sizeof out, name),
                     NOTIFICATION_MISSING_VALUE);
    assert_string_equal(name, "outlet");
    v.outlet = "";
    assert_int_equal(notification_templates_render("{outlet} ok", &v, out, sizeof out, name),
                     NOTIFICATION_MISSING_VALUE);
    assert_string_equal(out, "");
}

static void too_long(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(notification_templates_render("{outlet}", &full, out, sizeof out, NULL),
                     NOTIFICATION_TOO_LONG);
    assert_string_equal(out, "");
    assert_int_equal(notification_templates_render("1234567", &full, out, sizeof out, NULL),
                     NOTIFICATION_RENDERED);
    assert_int_equal(notification_templates_render("12345678", &full, out, sizeof out, NULL),
                     NOTIFICATION_TOO_LONG);
}

static void reasons_and_amounts(void **state)
{
    (void)state;
    char out[32];
    assert_string_equal(notification_templates_reason("CARD_DECLINED"), "the card was declined");
    assert_string_equal(notification_templates_reason("NOPE"), "unknown reason");
    assert_string_equal(notification_templates_reason(NULL), "unknown reason");
    notification_templates_amount(1250, "INR", out, sizeof out);
    assert_string_equal(out, "12.50 INR");
    notification_templates_amount(5, "EUR", out, sizeof out);
    assert_string_equal(out, "0.05 EUR");
    notification_templates_amount(-101, "USD", out, sizeof out);
    assert_string_equal(out, "-1.01 USD");
}

int run_templates_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_kind_renders),
        cmocka_unit_test(renders_values),
        cmocka_unit_test(unknown_placeholder),
        cmocka_unit_test(missing_value),
        cmocka_unit_test(too_long),
        cmocka_unit_test(reasons_and_amounts),
    };
    return cmocka_run_group_tests_name("templates", tests, NULL, NULL);
}
