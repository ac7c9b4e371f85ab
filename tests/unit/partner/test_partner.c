/* Tests of partner_core: every (state, input) pair of the delivery state machine against
 * data/transitions.txt; the request bodies and the order.approved.v1 data, good and bad, naming
 * the field; candidate ranking and the ETA; the delivery.* event data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/errors.h"
#include "partner_json.h"
#include "partner_rules.h"
#include "partner_state.h"

static const char *const inputs[DELIVERY_INPUT_COUNT] = {"OFFER",   "ACCEPT", "DECLINE", "PICKUP",
                                                         "DELIVER", "CANCEL", "FAIL"};

static void table_from_file(void **state)
{
    (void)state;
    FILE *f = fopen("data/transitions.txt", "r");
    assert_non_null(f);
    int seen[DELIVERY_STATUS_COUNT][DELIVERY_INPUT_COUNT] = {{0}};
    char line[128], s[32], in[32], next[32];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        assert_int_equal(sscanf(line, "%31s %31s %31s", s, in, next), 3);
        enum delivery_status from, to = DELIVERY_STATUS_COUNT;
        assert_int_equal(partner_state_parse(s, &from), OF_OK);
        int i = -1;
        for (int k = 0; k < DELIVERY_INPUT_COUNT; k++)
            if (strcmp(inputs[k], in) == 0)
                i = k;
        assert_true(i >= 0);
        if (strcmp(next, "-") != 0)
            assert_int_equal(partner_state_parse(next, &to), OF_OK);
        if (partner_state_next(from, (enum delivery_input)i) != to)
            fail_msg("%s + %s: expected %s, got %s", s, in, next,
                     partner_state_name(partner_state_next(from, (enum delivery_input)i)));
        seen[from][i]++;
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, DELIVERY_STATUS_COUNT * DELIVERY_INPUT_COUNT);
    for (int a = 0; a < DELIVERY_STATUS_COUNT; a++)
        for (int b = 0; b < DELIVERY_INPUT_COUNT; b++)
            assert_int_equal(seen[a][b], 1);
    /* Out of range: nothing applies. */
    assert_int_equal(partner_state_next(DELIVERY_STATUS_COUNT, DELIVERY_IN_OFFER),
                     DELIVERY_STATUS_COUNT);
    assert_int_equal(partner_state_next(DELIVERY_OFFERED, DELIVERY_INPUT_COUNT),
                     DELIVERY_STATUS_COUNT);
}

static void active_and_names(void **state)
{
    (void)state;
    assert_true(partner_state_active(DELIVERY_OFFERED));
    assert_true(partner_state_active(DELIVERY_PICKED_UP));
    assert_false(partner_state_active(DELIVERY_SEARCHING));
    assert_false(partner_state_active(DELIVERY_DELIVERED));
    assert_true(partner_state_terminal(DELIVERY_FAILED));
    assert_false(partner_state_terminal(DELIVERY_ASSIGNED));
    enum delivery_status s;
    assert_int_equal(partner_state_parse("offered", &s), OF_EPERMANENT);
    assert_string_equal(partner_state_name(DELIVERY_STATUS_COUNT), "?");
    enum partner_vehicle v;
    assert_int_equal(partner_vehicle_parse("SCOOTER", &v), OF_OK);
    assert_int_equal(v, PARTNER_SCOOTER);
    assert_int_equal(partner_vehicle_parse("JET", &v), OF_EPERMANENT);
}

/* Parses text as JSON (the test's own input: it must be valid). */
static json_t *js(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    return j;
}

static void expect_register(const char *body, int rc, const char *field)
{
    json_t *j = js(body);
    struct partner_register_input in;
    struct jspec_error e;
    int got = partner_rules_register(j, &in, &e);
    json_decref(j);
    if (got != rc)
        fail_msg("%s: rc %d, expected %d", body, got, rc);
    if (field)
        assert_string_equal(e.field, field);
}

static void register_body(void **state)
{
    (void)state;
    expect_register("{\"name\":\"Asha\",\"vehicle\":\"BIKE\"}", OF_OK, NULL);
    expect_register("{\"vehicle\":\"BIKE\"}", OF_EPERMANENT, "name");
    expect_register("{\"name\":\"Asha\"}", OF_EPERMANENT, "vehicle");
    expect_register("{\"name\":\"Asha\",\"vehicle\":\"bike\"}", OF_EPERMANENT, "vehicle");
    expect_register("{\"name\":\"Asha\",\"vehicle\":7}", OF_EPERMANENT, "vehicle");
    expect_register("{\"name\":\"\",\"vehicle\":\"CAR\"}", OF_EPERMANENT, "name");
    expect_register("{\"name\":\"A\",\"vehicle\":\"CAR\",\"status\":\"x\"}", OF_EPERMANENT,
                    "status");
    expect_register("{\"name\":\"A\",\"vehicle\":\"CAR\",\"wheels\":2}", OF_EPERMANENT, "wheels");
    expect_register("[]", OF_EPERMANENT, NULL);
}

static void expect_status(const char *body, int rc, const char *field)
{
    json_t *j = js(body);
    struct partner_status_input in;
    struct jspec_error e;
    int got = partner_rules_status(j, &in, &e);
    json_decref(j);
    if (got != rc)
        fail_msg("%s: rc %d, expected %d", body, got, rc);
    if (field)
        assert_string_equal(e.field, field);
}

static void status_body(void **state)
{
    (void)state;
    expect_status("{\"available\":true,\"lat\":28.6,\"lng\":77.2}", OF_OK, NULL);
    expect_status("{\"available\":false}", OF_OK, NULL);
    expect_status("{\"available\":true}", OF_EPERMANENT, "lat");
    expect_status("{\"available\":false,\"lat\":1}", OF_EPERMANENT, "lng");
    expect_status("{\"available\":true,\"lat\":91,\"lng\":0}", OF_EPERMANENT, "lat");
    expect_status("{\"available\":true,\"lat\":0,\"lng\":-181}", OF_EPERMANENT, "lng");
    expect_status("{\"available\":1}", OF_EPERMANENT, "available");
    expect_status("{}", OF_EPERMANENT, "available");
}

static void list_query(void **state)
{
    (void)state;
    struct partner_list_query q;
    struct jspec_error e;
    assert_int_equal(partner_rules_list_query(NULL, NULL, NULL, &q, &e), OF_OK);
    assert_int_equal(q.limit, PARTNER_LIST_LIMIT_DEFAULT);
    assert_int_equal(partner_rules_list_query("PICKED_UP", "100", NULL, &q, &e), OF_OK);
    assert_true(q.has_status);
    assert_int_equal(q.status, DELIVERY_PICKED_UP);
    assert_int_equal(partner_rules_list_query("LOST", NULL, NULL, &q, &e), OF_EPERMANENT);
    assert_string_equal(e.field, "status");
    assert_int_equal(partner_rules_list_query(NULL, "101", NULL, &q, &e), OF_EPERMANENT);
    assert_string_equal(e.field, "limit");
    assert_int_equal(partner_rules_list_query(NULL, NULL, "zz", &q, &e), OF_EPERMANENT);
    assert_string_equal(e.field, "cursor");
}

#define APPROVED_OK                                                                                \
    "{\"order_id\":\"01a23b0f-15e7-71f6-a5db-b00fdb834de9\","                                      \
    "\"outlet_id\":\"01a23b0f-15e7-71f6-a5db-b00fdb834de8\","                                      \
    "\"customer_id\":\"01a23b0f-15e7-71f6-a5db-b00fdb834de7\",\"prep_time_min\":15,"               \
    "\"pickup\":{\"lat\":28.6139,\"lng\":77.209,\"address\":\"1 Janpath\","                        \
    "\"outlet_name\":\"Delhi\"},\"drop_off\":{\"lat\":28.62,\"lng\":77.21,\"city\":\"Delhi\"},"    \
    "\"extra\":1}"

static void approved_data(void **state)
{
    (void)state;
    struct delivery d;
    char why[200];
    json_t *j = js(APPROVED_OK);
    assert_int_equal(partner_rules_order_approved(j, &d, why, sizeof why), OF_OK);
    assert_int_equal(d.status, DELIVERY_SEARCHING);
    assert_string_equal(d.outlet_name, "Delhi");
    assert_string_equal(d.drop_city, "Delhi");
    assert_string_equal(d.drop_line1, "");
    assert_int_equal(d.prep_time_min, 15);
    assert_true(d.distance_m < 0 && d.eta_min < 0);
    json_object_del(json_object_get(j, "pickup"), "lat");
    assert_int_equal(partner_rules_order_approved(j, &d, why, sizeof why), OF_EPERMANENT);
    assert_non_null(strstr(why, "data.pickup.lat"));
    json_decref(j);
    j = js(APPROVED_OK);
    json_object_set_new(j, "order_id", json_string("not-a-uuid"));
    assert_int_equal(partner_rules_order_approved(j, &d, why, sizeof why), OF_EPERMANENT);
    assert_non_null(strstr(why, "data.order_id"));
    assert_null(strstr(why, "not-a-uuid")); /* never the value */
    json_decref(j);
    char id[UUID_STR_LEN];
    j = js("{\"delivery_id\":\"01a23b0f-15e7-71f6-a5db-b00fdb834de9\"}");
    assert_int_equal(partner_rules_delivery_ref(j, id, why, sizeof why), OF_OK);
    assert_int_equal(partner_rules_order_ref(j, id, why, sizeof why), OF_EPERMANENT);
    json_decref(j);
}

static void rank_and_eta(void **state)
{
    (void)state;
    /* ~1.1 km, ~150 m, ~27 km and another ~150 m (same distance: by id) from the pickup. */
    struct partner_candidate c[] = {
        {"00000000-0000-7000-8000-000000000001", 28.6239, 77.2090, 0},
        {"00000000-0000-7000-8000-000000000003", 28.6150, 77.2100, 0},
        {"00000000-0000-7000-8000-000000000004", 28.8000, 77.4000, 0},
        {"00000000-0000-7000-8000-000000000002", 28.6150, 77.2100, 0},
    };
    size_t n = partner_rules_rank(c, 4, 28.6139, 77.2090, 3000);
    assert_int_equal(n, 3);
    assert_string_equal(c[0].id, "00000000-0000-7000-8000-000000000002");
    assert_string_equal(c[1].id, "00000000-0000-7000-8000-000000000003");
    assert_string_equal(c[2].id, "00000000-0000-7000-8000-000000000001");
    assert_true(c[0].distance_m > 100 && c[0].distance_m < 200);
    assert_true(c[2].distance_m > 1000 && c[2].distance_m < 1200);
    assert_int_equal(partner_rules_rank(c, 3, 28.6139, 77.2090, 10), 0);
    assert_int_equal(partner_rules_eta_min(0, 20), 0);
    assert_int_equal(partner_rules_eta_min(1000, 20), 3);     /* 3.0 min exactly */
    assert_int_equal(partner_rules_eta_min(1001, 20), 4);     /* rounded up */
    assert_int_equal(partner_rules_eta_min(5000, 0), 0);      /* no speed: no ETA */
    assert_int_equal(partner_rules_eta_min(1e12, 1), 100000); /* capped */
}

static void event_data(void **state)
{
    (void)state;
    struct delivery d = {.id = "01a23b0f-15e7-71f6-a5db-b00fdb834de1",
                         .order_id = "01a23b0f-15e7-71f6-a5db-b00fdb834de2",
                         .customer_id = "01a23b0f-15e7-71f6-a5db-b00fdb834de3",
                         .partner_id = "01a23b0f-15e7-71f6-a5db-b00fdb834de4",
                         .distance_m = 151.234567,
                         .eta_min = 4,
                         .radius_m = 10000,
                         .offers = 2,
                         .assigned_ms = 1764720000000,
                         .closed_ms = 1764720000123};
    json_t *a = partner_json_assigned(&d, "BIKE");
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "assigned_at")),
                        "2025-12-03T00:00:00.000Z");
    assert_true(json_real_value(json_object_get(a, "distance_m")) == 151.23);
    assert_int_equal(json_integer_value(json_object_get(a, "eta_min")), 4);
    json_decref(a);
    json_t *f = partner_json_failed(&d);
    assert_string_equal(json_string_value(json_object_get(f, "reason")), "NO_PARTNER_AVAILABLE");
    assert_int_equal(json_integer_value(json_object_get(f, "offers")), 2);
    assert_string_equal(json_string_value(json_object_get(f, "failed_at")),
                        "2025-12-03T00:00:00.123Z");
    json_decref(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_from_file), cmocka_unit_test(active_and_names),
        cmocka_unit_test(register_body),   cmocka_unit_test(status_body),
        cmocka_unit_test(list_query),      cmocka_unit_test(approved_data),
        cmocka_unit_test(rank_and_eta),    cmocka_unit_test(event_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
