/* Tests of the serialisers: the outlet events keep customer-svc's contract and add the new
 * members, order.approved.v1 carries pickup and drop-off, order.rejected.v1 its note only when
 * there is one, and a queue entry shows null for what is not known yet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "business_json.h"
#include "business_tests.h"

/* The object's member names, sorted and comma-separated, in a static buffer. */
static const char *keys(const json_t *o)
{
    static char out[512];
    json_t *names = json_array();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) json_array_append_new(names, json_string(k));
    size_t n = json_array_size(names);
    const char **sorted = calloc(n ? n : 1, sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_string_value(json_array_get(names, i));
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
            const char *t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(out, i ? "," : "");
        strcat(out, sorted[i]);
    }
    free(sorted);
    json_decref(names);
    return out;
}

static struct business_outlet outlet(void)
{
    struct business_outlet o = {.lat = 12.9352,
                                .lng = 77.6245,
                                .is_open = true,
                                .auto_approve = false,
                                .approval_sla_s = 300,
                                .version = 3,
                                .created_ms = 1795255200000,
                                .updated_ms = 1795255260000};
    strcpy(o.id, "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f42");
    strcpy(o.business_id, "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f45");
    strcpy(o.owner_id, "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f46");
    strcpy(o.name, "Dosa Point");
    strcpy(o.address, "80 Feet Rd, Koramangala");
    return o;
}

static void outlet_json(void **state)
{
    (void)state;
    struct business_outlet o = outlet();
    json_t *ev = business_json_outlet_event(&o);
    assert_non_null(ev);
    /* customer-svc's contract (outlet_id, business_id, name, lat, lng, is_open, version) and the
     * saga's additions. */
    assert_string_equal(keys(ev), "address,approval_sla_s,auto_approve,business_id,is_open,lat,"
                                  "lng,name,outlet_id,owner_id,version");
    assert_string_equal(json_string_value(json_object_get(ev, "owner_id")), o.owner_id);
    assert_int_equal(json_integer_value(json_object_get(ev, "version")), 3);
    assert_true(json_is_true(json_object_get(ev, "is_open")));
    json_decref(ev);
    json_t *h = business_json_outlet(&o);
    assert_string_equal(keys(h), "address,approval_sla_s,auto_approve,business_id,created_at,id,"
                                 "lat,lng,name,open,updated_at,version");
    assert_string_equal(json_string_value(json_object_get(h, "updated_at")),
                        "2026-11-21T10:01:00.000Z");
    json_decref(h);
}

static struct business_queue_entry entry(void)
{
    struct business_queue_entry e = {.status = BUSINESS_PENDING,
                                     .total_minor = 24000,
                                     .placed_ms = 1795255200123,
                                     .due_ms = 1795255500123,
                                     .drop_off = {.lat = 12.97, .lng = 77.59}};
    strcpy(e.order_id, "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40");
    strcpy(e.customer_id, "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f41");
    strcpy(e.outlet_id, "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f42");
    strcpy(e.currency, "INR");
    e.lines = business_test_load("[{'item_id':'x','name':'Dosa','qty':2}]");
    return e;
}

static void approved_json(void **state)
{
    (void)state;
    struct business_outlet o = outlet();
    struct business_queue_entry e = entry();
    e.status = BUSINESS_APPROVED;
    e.approved = true;
    e.auto_approved = true;
    e.prep_time_min = 15;
    e.decided_ms = 1795255230000;
    json_t *d = business_json_approved(&e, &o);
    assert_non_null(d);
    assert_string_equal(keys(d), "approved_at,auto,business_id,customer_id,drop_off,order_id,"
                                 "outlet_id,pickup,prep_time_min");
    assert_string_equal(keys(json_object_get(d, "pickup")), "address,lat,lng,outlet_name");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(d, "pickup"), "outlet_name")),
        "Dosa Point");
    assert_string_equal(keys(json_object_get(d, "drop_off")), "lat,lng");
    assert_string_equal(json_string_value(json_object_get(d, "approved_at")),
                        "2026-11-21T10:00:30.000Z");
    assert_true(json_is_true(json_object_get(d, "auto")));
    json_decref(d);
    strcpy(e.drop_off.line1, "1 MG Road");
    strcpy(e.drop_off.city, "Bengaluru");
    d = business_json_approved(&e, &o);
    assert_string_equal(keys(json_object_get(d, "drop_off")), "city,lat,line1,lng");
    json_decref(d);
    business_queue_entry_clear(&e);
}

static void rejected_json(void **state)
{
    (void)state;
    struct business_queue_entry e = entry();
    e.status = BUSINESS_REJECTED;
    e.decided_ms = 1795255230000;
    e.reason = BUSINESS_REASON_TIMEOUT;
    json_t *d = business_json_rejected(&e);
    assert_string_equal(keys(d), "customer_id,order_id,outlet_id,reason,rejected_at");
    assert_string_equal(json_string_value(json_object_get(d, "reason")), "APPROVAL_TIMEOUT");
    json_decref(d);
    e.reason = BUSINESS_REASON_BY_BUSINESS;
    strcpy(e.note, "out of basil");
    d = business_json_rejected(&e);
    assert_string_equal(keys(d), "customer_id,note,order_id,outlet_id,reason,rejected_at");
    assert_string_equal(json_string_value(json_object_get(d, "reason")), "REJECTED_BY_BUSINESS");
    json_decref(d);
    e.reason = BUSINESS_REASON_NONE;
    assert_null(business_json_rejected(&e));
    business_queue_entry_clear(&e);
}

static void queue_entry_json(void **state)
{
    (void)state;
    struct business_queue_entry e = entry();
    json_t *j = business_json_queue_entry(&e);
    assert_string_equal(keys(j), "approve_by,auto,cancelled_at,currency,decided_at,lines,note,"
                                 "order_id,outlet_id,placed_at,prep_time_min,reject_reason,"
                                 "status,total_minor");
    assert_string_equal(json_string_value(json_object_get(j, "status")), "PENDING");
    assert_string_equal(json_string_value(json_object_get(j, "approve_by")),
                        "2026-11-21T10:05:00.123Z");
    const char *nulls[] = {"decided_at",    "auto", "prep_time_min",
                           "reject_reason", "note", "cancelled_at"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        assert_true(json_is_null(json_object_get(j, nulls[i])));
    assert_null(json_object_get(j, "customer_id")); /* the kitchen does not need it */
    json_decref(j);
    e.status = BUSINESS_CANCELLED;
    e.decided_ms = 1795255230000;
    e.approved = true;
    e.prep_time_min = 20;
    e.cancelled_ms = 1795255240000;
    j = business_json_queue_entry(&e);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "CANCELLED");
    assert_int_equal(json_integer_value(json_object_get(j, "prep_time_min")), 20);
    assert_true(json_is_false(json_object_get(j, "auto")));
    assert_true(json_is_null(json_object_get(j, "reject_reason")));
    assert_string_equal(json_string_value(json_object_get(j, "cancelled_at")),
                        "2026-11-21T10:00:40.000Z");
    json_decref(j);
    business_queue_entry_clear(&e);
}

int run_json_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outlet_json),
        cmocka_unit_test(approved_json),
        cmocka_unit_test(rejected_json),
        cmocka_unit_test(queue_entry_json),
    };
    return cmocka_run_group_tests_name("business json", tests, NULL, NULL);
}
