/* Tests of order-svc's serialisers, compared as JSON values: the order (priced and not, with and
 * without its timeline, nulls for what is unset), the summary, the accepted answer, and the data
 * of each event order-svc produces (NULL where a member it needs is missing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "order_json.h"
#include "order_tests.h"

#define U_ORDER    "0189f1a2-0000-7000-8000-0000000000a1"
#define U_CUSTOMER "0189f1a2-0000-7000-8000-0000000000a4"
#define U_OUTLET   "0189f1a2-0000-7000-8000-0000000000d1"
#define U_RES      "0189f1a2-0000-7000-8000-0000000000a2"
#define U_PAY      "0189f1a2-0000-7000-8000-0000000000a3"
#define U_ITEM1    "0189f1a2-0000-7000-8000-000000000001"
#define U_ITEM2    "0189f1a2-0000-7000-8000-000000000002"
#define U_EVENT    "0189f1a2-0000-7000-8000-0000000000e1"

#define T_CREATED "2023-11-14T22:13:20.000Z" /* 1700000000000 */
#define T_UPDATED "2023-11-14T22:13:25.250Z" /* 1700000005250 */
#define T_PLACED  "2023-11-14T22:13:23.001Z" /* 1700000003001 */

#define DROP_OFF       "{'lat':12.5,'lng':77.25,'line1':'12 MG Road','city':'Bengaluru'}"
#define LINES_UNPRICED "[{'item_id':'" U_ITEM1 "','qty':2},{'item_id':'" U_ITEM2 "','qty':1}]"
#define LINES_PRICED                                                                               \
    "[{'item_id':'" U_ITEM1 "','qty':2,'sku':'SKU-1','name':'Masala dosa',"                        \
    "'unit_price_minor':12000,'line_total_minor':24000},"                                          \
    "{'item_id':'" U_ITEM2 "','qty':1,'sku':'SKU-2','name':'Filter coffee',"                       \
    "'unit_price_minor':4000,'line_total_minor':4000}]"

/* A new order just accepted: nothing priced, no payment, no reason. */
static struct order *new_order(void)
{
    struct order *o = calloc(1, sizeof *o);
    assert_non_null(o);
    strcpy(o->id, U_ORDER);
    strcpy(o->customer_id, U_CUSTOMER);
    strcpy(o->outlet_id, U_OUTLET);
    o->state = ORDER_CREATED;
    o->method = ORDER_CARD;
    strcpy(o->token, "tok_visa");
    o->drop_off = (struct order_drop_off){.lat = 12.5, .lng = 77.25};
    strcpy(o->drop_off.line1, "12 MG Road");
    strcpy(o->drop_off.city, "Bengaluru");
    o->created_ms = 1700000000000;
    o->updated_ms = 1700000000000;
    o->lines[0] = (struct order_line){.item_id = U_ITEM1, .qty = 2};
    o->lines[1] = (struct order_line){.item_id = U_ITEM2, .qty = 1};
    o->n_lines = 2;
    return o;
}

/* The same order once inventory priced it and payment completed. */
static struct order *priced_order(void)
{
    struct order *o = new_order();
    o->state = ORDER_PLACED;
    strcpy(o->lines[0].sku, "SKU-1");
    strcpy(o->lines[0].name, "Masala dosa");
    o->lines[0].unit_price_minor = 12000;
    o->lines[0].line_total_minor = 24000;
    o->lines[0].priced = true;
    strcpy(o->lines[1].sku, "SKU-2");
    strcpy(o->lines[1].name, "Filter coffee");
    o->lines[1].unit_price_minor = 4000;
    o->lines[1].line_total_minor = 4000;
    o->lines[1].priced = true;
    o->has_total = true;
    o->total_minor = 28000;
    strcpy(o->currency, "INR");
    strcpy(o->payment_id, U_PAY);
    strcpy(o->reservation_id, U_RES);
    o->updated_ms = 1700000005250;
    o->placed_ms = 1700000003001;
    return o;
}

static void order_unset_members_are_null(void **state)
{
    (void)state;
    struct order *o = new_order();
    order_test_json_equal(
        "new order", order_json_order(o, NULL, 0),
        order_test_load("{'id':'" U_ORDER "','customer_id':'" U_CUSTOMER "','outlet_id':'" U_OUTLET
                        "','status':'CREATED','lines':" LINES_UNPRICED ",'total_minor':null,"
                        "'currency':null,'payment':{'method':'CARD','payment_id':null},"
                        "'reservation_id':null,'reason':null,'stage':null,'drop_off':" DROP_OFF
                        ",'created_at':'" T_CREATED "','updated_at':'" T_CREATED "'}"));
    /* the token is never shown */
    json_t *j = order_json_order(o, NULL, 0);
    char *text = json_dumps(j, 0);
    assert_null(strstr(text, "tok_visa"));
    assert_null(json_object_get(j, "timeline"));
    free(text);
    json_decref(j);
    free(o);
}

static void order_priced_and_cancelled(void **state)
{
    (void)state;
    struct order *o = priced_order();
    order_test_json_equal(
        "priced order", order_json_order(o, NULL, 0),
        order_test_load("{'id':'" U_ORDER "','customer_id':'" U_CUSTOMER "','outlet_id':'" U_OUTLET
                        "','status':'PLACED','lines':" LINES_PRICED ",'total_minor':28000,"
                        "'currency':'INR','payment':{'method':'CARD','payment_id':'" U_PAY "'},"
                        "'reservation_id':'" U_RES "','reason':null,'stage':null,"
                        "'drop_off':" DROP_OFF ",'created_at':'" T_CREATED
                        "','updated_at':'" T_UPDATED "'}"));
    o->state = ORDER_CANCELLED;
    o->method = ORDER_UPI;
    strcpy(o->reason, "CUSTOMER_CANCELLED");
    strcpy(o->stage, "PLACED");
    json_t *j = order_json_order(o, NULL, 0);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "CANCELLED");
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "CUSTOMER_CANCELLED");
    assert_string_equal(json_string_value(json_object_get(j, "stage")), "PLACED");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "payment"), "method")),
                        "UPI");
    json_decref(j);

    /* a priced total of 0 is 0, not null */
    o->total_minor = 0;
    j = order_json_order(o, NULL, 0);
    assert_true(json_is_integer(json_object_get(j, "total_minor")));
    assert_int_equal(json_integer_value(json_object_get(j, "total_minor")), 0);
    json_decref(j);

    /* states and methods out of range cannot be shown */
    o->state = ORDER_STATE_COUNT;
    assert_null(order_json_order(o, NULL, 0));
    o->state = ORDER_PLACED;
    o->method = ORDER_METHOD_COUNT;
    assert_null(order_json_order(o, NULL, 0));
    free(o);
}

static void order_with_timeline(void **state)
{
    (void)state;
    struct order *o = priced_order();
    const struct order_timeline_entry t[] = {
        {.event = "order.created",
         .to = "CREATED",
         .disposition = "applied",
         .at_ms = 1700000000000},
        {.event = "payment.failed",
         .event_id = U_EVENT,
         .from = "AWAITING_PAYMENT",
         .to = "CANCELLED",
         .disposition = "applied",
         .reason = "CARD_DECLINED",
         .at_ms = 1700000005250},
    };
    json_t *j = order_json_order(o, t, 2);
    assert_non_null(j);
    order_test_json_equal(
        "timeline", json_incref(json_object_get(j, "timeline")),
        order_test_load("[{'at':'" T_CREATED "','event':'order.created','event_id':null,"
                        "'from':null,'to':'CREATED','disposition':'applied','reason':null},"
                        "{'at':'" T_UPDATED "','event':'payment.failed','event_id':'" U_EVENT "',"
                        "'from':'AWAITING_PAYMENT','to':'CANCELLED','disposition':'applied',"
                        "'reason':'CARD_DECLINED'}]"));
    /* the rest is the order without its timeline */
    assert_int_equal(json_object_del(j, "timeline"), 0);
    order_test_json_equal("order with timeline", j, order_json_order(o, NULL, 0));

    /* an empty timeline is [], not absent */
    j = order_json_order(o, t, 0);
    assert_true(json_is_array(json_object_get(j, "timeline")));
    assert_int_equal(json_array_size(json_object_get(j, "timeline")), 0);
    json_decref(j);
    free(o);
}

static void summary_and_accepted(void **state)
{
    (void)state;
    struct order_summary s = {.id = U_ORDER,
                              .customer_id = U_CUSTOMER,
                              .outlet_id = U_OUTLET,
                              .state = ORDER_AWAITING_PAYMENT,
                              .created_ms = 1700000000000,
                              .updated_ms = 1700000005250};
    order_test_json_equal(
        "summary, unpriced", order_json_summary(&s),
        order_test_load("{'id':'" U_ORDER "','customer_id':'" U_CUSTOMER "','outlet_id':'" U_OUTLET
                        "','status':'AWAITING_PAYMENT','total_minor':null,'currency':null,"
                        "'created_at':'" T_CREATED "','updated_at':'" T_UPDATED "'}"));
    s.state = ORDER_DELIVERED;
    s.has_total = true;
    s.total_minor = 28000;
    strcpy(s.currency, "INR");
    order_test_json_equal(
        "summary, priced", order_json_summary(&s),
        order_test_load("{'id':'" U_ORDER "','customer_id':'" U_CUSTOMER "','outlet_id':'" U_OUTLET
                        "','status':'DELIVERED','total_minor':28000,'currency':'INR',"
                        "'created_at':'" T_CREATED "','updated_at':'" T_UPDATED "'}"));
    s.state = ORDER_STATE_COUNT;
    assert_null(order_json_summary(&s));

    order_test_json_equal("accepted", order_json_accepted(U_ORDER),
                          order_test_load("{'order_id':'" U_ORDER "','status':'CREATED'}"));
}

static void created_and_validation_requested_events(void **state)
{
    (void)state;
    /* lines are what the customer asked for, even once priced */
    struct order *o = priced_order();
    order_test_json_equal("order.created", order_json_created_event(o),
                          order_test_load("{'order_id':'" U_ORDER "','customer_id':'" U_CUSTOMER
                                          "','outlet_id':'" U_OUTLET "','lines':" LINES_UNPRICED
                                          ",'created_at':'" T_CREATED "'}"));
    order_test_json_equal(
        "inventory.validation.requested", order_json_validation_requested_event(o),
        order_test_load("{'order_id':'" U_ORDER "','outlet_id':'" U_OUTLET
                        "','customer_id':'" U_CUSTOMER "','lines':" LINES_UNPRICED "}"));
    free(o);
}

static void payment_requested_event(void **state)
{
    (void)state;
    struct order *o = priced_order();
    order_test_json_equal("payment.requested", order_json_payment_requested_event(o),
                          order_test_load("{'order_id':'" U_ORDER "','customer_id':'" U_CUSTOMER
                                          "','amount_minor':28000,'currency':'INR',"
                                          "'method':'CARD','token':'tok_visa'}"));
    o->token[0] = '\0';
    assert_null(order_json_payment_requested_event(o));
    free(o);
    o = priced_order();
    o->has_total = false;
    assert_null(order_json_payment_requested_event(o));
    o->has_total = true;
    o->method = ORDER_METHOD_COUNT;
    assert_null(order_json_payment_requested_event(o));
    free(o);
}

static void placed_event(void **state)
{
    (void)state;
    struct order *o = priced_order();
    order_test_json_equal("order.placed", order_json_placed_event(o),
                          order_test_load("{'order_id':'" U_ORDER "','customer_id':'" U_CUSTOMER
                                          "','outlet_id':'" U_OUTLET "','lines':" LINES_PRICED
                                          ",'total_minor':28000,'currency':'INR',"
                                          "'reservation_id':'" U_RES "','drop_off':" DROP_OFF
                                          ",'placed_at':'" T_PLACED "'}"));
    json_t *j = order_json_placed_event(o);
    char *text = json_dumps(j, 0);
    assert_null(strstr(text, "tok_visa")); /* never the token */
    free(text);
    json_decref(j);
    o->has_total = false;
    assert_null(order_json_placed_event(o));
    free(o);
}

static void cancelled_and_delivered_events(void **state)
{
    (void)state;
    struct order *o = priced_order();
    o->state = ORDER_CANCELLED;
    strcpy(o->reason, "PAYMENT_FAILED");
    strcpy(o->stage, "AWAITING_PAYMENT");
    order_test_json_equal("order.cancelled", order_json_cancelled_event(o),
                          order_test_load("{'order_id':'" U_ORDER "','customer_id':'" U_CUSTOMER
                                          "','outlet_id':'" U_OUTLET "','reason':'PAYMENT_FAILED',"
                                          "'stage':'AWAITING_PAYMENT','reservation_id':'" U_RES
                                          "','cancelled_at':'" T_UPDATED "'}"));
    o->reservation_id[0] = '\0'; /* cancelled before inventory reserved anything */
    json_t *j = order_json_cancelled_event(o);
    assert_non_null(j);
    assert_true(json_is_null(json_object_get(j, "reservation_id")));
    json_decref(j);
    o->reason[0] = '\0';
    assert_null(order_json_cancelled_event(o));
    strcpy(o->reason, "PAYMENT_FAILED");
    o->stage[0] = '\0';
    assert_null(order_json_cancelled_event(o));

    o->state = ORDER_DELIVERED;
    order_test_json_equal("order.delivered", order_json_delivered_event(o),
                          order_test_load("{'order_id':'" U_ORDER "','customer_id':'" U_CUSTOMER
                                          "','outlet_id':'" U_OUTLET "','delivered_at':'" T_UPDATED
                                          "'}"));
    free(o);
}

int run_json_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_unset_members_are_null),
        cmocka_unit_test(order_priced_and_cancelled),
        cmocka_unit_test(order_with_timeline),
        cmocka_unit_test(summary_and_accepted),
        cmocka_unit_test(created_and_validation_requested_events),
        cmocka_unit_test(payment_requested_event),
        cmocka_unit_test(placed_event),
        cmocka_unit_test(cancelled_and_delivered_events),
    };
    return cmocka_run_group_tests_name("order json", tests, NULL, NULL);
}
