/* Tests of the serialisers (the public and the owner's item, the adjustment, the data of every
 * produced event as docs/events/ describes it), the adjustment decision, the wire names and the
 * outlet lock key (stable, in its own class). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/auth.h"
#include "common/errors.h"
#include "inventory.h"
#include "inventory_json.h"
#include "inventory_rules.h"
#include "inventory_tests.h"

#define ORDER  "0190a5d2-8c3b-7def-8123-0000000000aa"
#define OUTLET "0190a5d2-8c3b-7def-8123-0000000000bb"
#define RESV   "0190a5d2-8c3b-7def-8123-0000000000cc"
#define ITEM   "0190a5d2-8c3b-7def-8123-000000000001"

static const struct inventory_item pizza = {
    .id = ITEM,
    .outlet_id = OUTLET,
    .sku = "PIZ-1",
    .name = "Margherita \xe2\x80\x94 large",
    .price_minor = 29900,
    .currency = "INR",
    .active = true,
    .stock = {.on_hand = 10, .reserved = 3, .confirmed = 2, .sold = 7},
};

static const struct inventory_priced_line line = {
    .item_id = ITEM,
    .sku = "PIZ-1",
    .name = "Margherita",
    .qty = 2,
    .unit_price_minor = 29900,
    .line_total_minor = 59800,
};

static const struct inventory_reservation resv = {
    .id = RESV,
    .order_id = ORDER,
    .outlet_id = OUTLET,
    .status = INVENTORY_RESERVED,
    .total_minor = 59800,
    .currency = "INR",
    .expires_ms = 1795255200123, /* 2026-11-21T10:00:00.123Z */
    .reason = "PAYMENT_FAILED",
};

/* Compares j with the test JSON want (' for ") and frees j. */
static void expect_json(json_t *j, const char *want)
{
    json_t *w = inventory_test_load(want);
    assert_non_null(j);
    if (!json_equal(j, w)) {
        char *got = json_dumps(j, JSON_SORT_KEYS);
        fail_msg("got %s", got);
    }
    json_decref(w);
    json_decref(j);
}

static void items(void **state)
{
    (void)state;
    expect_json(inventory_json_item_public(&pizza),
                "{'id':'" ITEM "','outlet_id':'" OUTLET "','sku':'PIZ-1','name':'Margherita "
                "\\u2014 large','price_minor':29900,'currency':'INR','active':true,"
                "'available':5}");
    expect_json(inventory_json_item(&pizza),
                "{'id':'" ITEM "','outlet_id':'" OUTLET "','sku':'PIZ-1','name':'Margherita "
                "\\u2014 large','price_minor':29900,'currency':'INR','active':true,"
                "'available':5,'on_hand':10,'reserved':3,'confirmed':2,'sold':7}");
    struct inventory_item bad = pizza;
    memcpy(bad.name, "\xff", 2); /* not UTF-8: no answer rather than a wrong one */
    assert_null(inventory_json_item_public(&bad));
    assert_null(inventory_json_item(&bad));
}

static void adjustment(void **state)
{
    (void)state;
    struct inventory_adjustment a = {.id = 42,
                                     .item_id = ITEM,
                                     .actor_id = ORDER,
                                     .actor_role = AUTH_BUSINESS,
                                     .delta = -3,
                                     .reason = "dropped a tray",
                                     .on_hand_before = 10,
                                     .on_hand_after = 7,
                                     .available_before = 5,
                                     .available_after = 2,
                                     .created_at = "2026-11-21T10:00:00.123Z"};
    expect_json(
        inventory_json_adjustment(&a),
        "{'id':42,'item_id':'" ITEM "','actor_id':'" ORDER "','actor_role':'business',"
        "'delta':-3,'reason':'dropped a tray','on_hand_before':10,'on_hand_after':7,"
        "'available_before':5,'available_after':2,'created_at':'2026-11-21T10:00:00.123Z'}");
    a.actor_role = AUTH_ADMIN | AUTH_BUSINESS;
    assert_null(inventory_json_adjustment(&a));
}

static void events(void **state)
{
    (void)state;
    expect_json(inventory_json_validated(&resv, &line, 1),
                "{'order_id':'" ORDER "','outlet_id':'" OUTLET "','reservation_id':'" RESV "',"
                "'lines':[{'item_id':'" ITEM "','sku':'PIZ-1','name':'Margherita','qty':2,"
                "'unit_price_minor':29900,'line_total_minor':59800}],'total_minor':59800,"
                "'currency':'INR','expires_at':'2026-11-21T10:00:00.123Z'}");
    expect_json(inventory_json_released(&resv, &line, 1),
                "{'order_id':'" ORDER "','reservation_id':'" RESV "','lines':[{'item_id':'" ITEM
                "','qty':2}],'reason':'PAYMENT_FAILED'}");
    expect_json(inventory_json_released(&resv, NULL, 0),
                "{'order_id':'" ORDER "','reservation_id':'" RESV
                "','lines':[],'reason':'PAYMENT_FAILED'}");
    expect_json(inventory_json_committed(&resv, &line, 1),
                "{'order_id':'" ORDER "','reservation_id':'" RESV "','lines':[{'item_id':'" ITEM
                "','qty':2}]}");
    expect_json(inventory_json_expired(&resv, 1795256100000),
                "{'order_id':'" ORDER "','reservation_id':'" RESV
                "','expired_at':'2026-11-21T10:15:00.000Z'}");

    struct inventory_failed_line failed[2] = {
        {ITEM, INVENTORY_OUT_OF_STOCK, 6, 5},
        {ORDER, INVENTORY_UNKNOWN_ITEM, 1, 0},
    };
    struct inventory_decision d = {
        .reason = INVENTORY_UNKNOWN_ITEM, .failed = failed, .n_failed = 2};
    expect_json(inventory_json_invalidated(ORDER, OUTLET, &d),
                "{'order_id':'" ORDER "','outlet_id':'" OUTLET "','reason':'UNKNOWN_ITEM',"
                "'lines':[{'item_id':'" ITEM "','reason':'OUT_OF_STOCK','requested':6,"
                "'available':5},{'item_id':'" ORDER "','reason':'UNKNOWN_ITEM','requested':1,"
                "'available':0}]}");
    d.reason = INVENTORY_OK; /* no refusal to report */
    assert_null(inventory_json_invalidated(ORDER, OUTLET, &d));
}

static void adjust_decision(void **state)
{
    (void)state;
    const struct inventory_stock s = {.on_hand = 10, .reserved = 3, .confirmed = 2, .sold = 4};
    struct inventory_stock after, untouched = {-1, -1, -1, -1};
    const char *why = NULL;
    assert_int_equal(inventory_rules_adjust(&s, 5, &after, &why), OF_OK);
    assert_int_equal(after.on_hand, 15);
    assert_int_equal(after.reserved, 3);
    assert_int_equal(after.confirmed, 2);
    assert_int_equal(after.sold, 4);
    assert_int_equal(inventory_rules_adjust(&s, -5, &after, &why), OF_OK); /* available to 0 */
    assert_int_equal(inventory_available(&after), 0);
    after = untouched;
    assert_int_equal(inventory_rules_adjust(&s, -6, &after, &why), OF_ECONFLICT);
    assert_string_equal(why, "the adjustment would take available stock below 0");
    assert_memory_equal(&after, &untouched, sizeof after);
    const struct inventory_stock full = {.on_hand = INVENTORY_STOCK_MAX};
    assert_int_equal(inventory_rules_adjust(&full, 1, &after, &why), OF_ECONFLICT);
    assert_int_equal(inventory_rules_adjust(&full, -INVENTORY_STOCK_MAX, &after, &why), OF_OK);
    assert_int_equal(after.on_hand, 0);
    assert_int_equal(inventory_rules_adjust(&s, INVENTORY_STOCK_MAX + 1, &after, &why),
                     OF_ECONFLICT);
}

static void names_and_values(void **state)
{
    (void)state;
    assert_string_equal(inventory_rules_reason_name(INVENTORY_CURRENCY_MISMATCH),
                        "CURRENCY_MISMATCH");
    assert_null(inventory_rules_reason_name(INVENTORY_OK));
    assert_null(inventory_rules_reason_name(INVENTORY_REASON_COUNT));
    for (int s = 1; s < INVENTORY_STATUS_COUNT; s++)
        assert_int_equal(inventory_state_status_parse(inventory_state_status_name(s)), s);
    assert_int_equal(inventory_state_status_parse("reserved"), INVENTORY_NONE);
    assert_int_equal(inventory_state_status_parse(NULL), INVENTORY_NONE);
    assert_null(inventory_state_status_name(INVENTORY_NONE));
    assert_true(jspec_currency_valid("INR"));
    assert_false(jspec_currency_valid("Inr"));
    assert_false(jspec_currency_valid("IN"));
    assert_false(jspec_currency_valid("INRS"));
    assert_false(jspec_currency_valid(NULL));
    assert_true(inventory_rules_sku_valid("A-1_b.2"));
    assert_false(inventory_rules_sku_valid(""));
    assert_false(inventory_rules_sku_valid("a b"));
    char sku[INVENTORY_SKU_MAX + 2];
    memset(sku, 'x', sizeof sku - 1);
    sku[INVENTORY_SKU_MAX] = '\0';
    assert_true(inventory_rules_sku_valid(sku));
    sku[INVENTORY_SKU_MAX] = 'x';
    sku[INVENTORY_SKU_MAX + 1] = '\0';
    assert_false(inventory_rules_sku_valid(sku));
}

static void lock_key(void **state)
{
    (void)state;
    /* Every instance, build and machine must take the same key: golden values (FNV-1a 64 of the
     * text, folded to 48 bits, under 0x6976). */
    assert_true(inventory_rules_outlet_lock_key(OUTLET) == (int64_t)0x69767cb2d773aaefLL);
    assert_true(inventory_rules_outlet_lock_key(NULL) == (int64_t)0x69769ce48422e8d7LL);
    assert_true(inventory_rules_outlet_lock_key("") == inventory_rules_outlet_lock_key(NULL));
    /* Its class: positive, apart from the outbox's [0x6f62 << 48, 0x6f63 << 48). */
    int64_t k = inventory_rules_outlet_lock_key(ORDER);
    assert_true(k >> 48 == 0x6976);
    assert_true(k != inventory_rules_outlet_lock_key(OUTLET));
}

int run_json_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(items),
        cmocka_unit_test(adjustment),
        cmocka_unit_test(events),
        cmocka_unit_test(adjust_decision),
        cmocka_unit_test(names_and_values),
        cmocka_unit_test(lock_key),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
