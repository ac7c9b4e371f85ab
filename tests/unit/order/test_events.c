/* Tests of order-svc's event-data rules: the data of every consumed event type (valid data, a
 * missing order_id, a bad priced line named by its path, refused types, *ret untouched), the
 * priced-lines check against the order (any order, wrong qty, wrong line total, wrong sum,
 * overflow), reason codes, and the address and outlet read-model events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/errors.h"
#include "common/outlet_event.h"
#include "order_rules.h"
#include "order_tests.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define U_ORDER   "0189f1a2-0000-7000-8000-0000000000a1"
#define U_RES     "0189f1a2-0000-7000-8000-0000000000a2"
#define U_PAY     "0189f1a2-0000-7000-8000-0000000000a3"
#define U_ITEM1   "0189f1a2-0000-7000-8000-000000000001"
#define U_ITEM2   "0189f1a2-0000-7000-8000-000000000002"
#define U_ACCOUNT "0189f1a2-0000-7000-8000-0000000000c1"
#define U_ADDRESS "0189f1a2-0000-7000-8000-0000000000c2"
#define U_OUTLET  "0189f1a2-0000-7000-8000-0000000000d1"
#define U_BIZ     "0189f1a2-0000-7000-8000-0000000000d2"
#define U_OWNER   "0189f1a2-0000-7000-8000-0000000000d3"

#define ORDER_ID "'order_id':'" U_ORDER "'"
#define LINE1                                                                                      \
    "{'item_id':'" U_ITEM1 "','sku':'SKU-1','name':'Masala dosa','qty':2,"                         \
    "'unit_price_minor':12000,'line_total_minor':24000}"
#define LINE2                                                                                      \
    "{'item_id':'" U_ITEM2 "','sku':'SKU-2','name':'Filter coffee','qty':1,"                       \
    "'unit_price_minor':4000,'line_total_minor':4000}"
#define VALIDATED_WITH(lines)                                                                      \
    "{" ORDER_ID ",'reservation_id':'" U_RES "','lines':[" lines "],'total_minor':28000,"          \
    "'currency':'INR'}"

/* Runs order_rules_event; a failure must give a reason starting with reason_prefix and leave
 * *ret untouched. */
static void check_event_fails(const char *what, const char *json, enum order_event_type ev,
                              const char *reason_prefix)
{
    json_t *data = order_test_load(json);
    struct order_event_data *out = malloc(sizeof *out), *sentinel = malloc(sizeof *sentinel);
    char err[256] = "";
    assert_non_null(out);
    assert_non_null(sentinel);
    memset(sentinel, 0x5a, sizeof *sentinel);
    memcpy(out, sentinel, sizeof *out);
    if (order_rules_event(data, ev, out, err, sizeof err) != OF_EPERMANENT)
        fail_msg("%s: accepted", what);
    if (strncmp(err, reason_prefix, strlen(reason_prefix)) != 0)
        fail_msg("%s: reason '%s' does not start with '%s'", what, err, reason_prefix);
    if (memcmp(out, sentinel, sizeof *out) != 0)
        fail_msg("%s: output changed on failure", what);
    free(out);
    free(sentinel);
    json_decref(data);
}

static struct order_event_data *parse_event(const char *json, enum order_event_type ev)
{
    json_t *data = order_test_load(json);
    struct order_event_data *out = malloc(sizeof *out);
    char err[256] = "";
    assert_non_null(out);
    memset(out, 0x5a, sizeof *out);
    if (order_rules_event(data, ev, out, err, sizeof err) != OF_OK)
        fail_msg("%s (%s): refused: %s", json, order_event_name(ev), err);
    json_decref(data);
    return out;
}

static void event_validated(void **state)
{
    (void)state;
    struct order_event_data *d =
        parse_event(VALIDATED_WITH(LINE1 "," LINE2), ORDER_EV_INVENTORY_VALIDATED);
    assert_string_equal(d->order_id, U_ORDER);
    assert_string_equal(d->reservation_id, U_RES);
    assert_int_equal(d->total_minor, 28000);
    assert_string_equal(d->currency, "INR");
    assert_int_equal(d->n_lines, 2);
    assert_true(d->lines[0].priced);
    assert_string_equal(d->lines[0].item_id, U_ITEM1);
    assert_string_equal(d->lines[0].sku, "SKU-1");
    assert_string_equal(d->lines[0].name, "Masala dosa");
    assert_int_equal(d->lines[0].qty, 2);
    assert_int_equal(d->lines[0].unit_price_minor, 12000);
    assert_int_equal(d->lines[0].line_total_minor, 24000);
    assert_true(d->lines[1].priced);
    assert_string_equal(d->lines[1].name, "Filter coffee");
    assert_string_equal(d->reason, "");
    assert_string_equal(d->payment_id, "");
    free(d);

    /* bad lines are named by their path */
    check_event_fails("qty 0 on line 1",
                      VALIDATED_WITH(LINE1 ",{'item_id':'" U_ITEM2 "','sku':'S','name':'n','qty':0,"
                                           "'unit_price_minor':1,'line_total_minor':0}"),
                      ORDER_EV_INVENTORY_VALIDATED, "data.lines[1].qty: ");
    check_event_fails("qty '1' on line 1",
                      VALIDATED_WITH(LINE1 ",{'item_id':'" U_ITEM2
                                           "','sku':'S','name':'n','qty':'1',"
                                           "'unit_price_minor':1,'line_total_minor':1}"),
                      ORDER_EV_INVENTORY_VALIDATED, "data.lines[1].qty: ");
    check_event_fails("line 0 without a sku",
                      VALIDATED_WITH("{'item_id':'" U_ITEM1 "','name':'n','qty':1,"
                                     "'unit_price_minor':1,'line_total_minor':1}"),
                      ORDER_EV_INVENTORY_VALIDATED, "data.lines[0].sku: ");
    check_event_fails("negative price",
                      VALIDATED_WITH("{'item_id':'" U_ITEM1 "','sku':'S','name':'n','qty':1,"
                                     "'unit_price_minor':-1,'line_total_minor':1}"),
                      ORDER_EV_INVENTORY_VALIDATED, "data.lines[0].unit_price_minor: ");
    check_event_fails("a line that is no object", VALIDATED_WITH(LINE1 ",7"),
                      ORDER_EV_INVENTORY_VALIDATED, "data.lines[1]: ");
    check_event_fails("no lines", VALIDATED_WITH(""), ORDER_EV_INVENTORY_VALIDATED, "data.lines: ");
    check_event_fails("no reservation",
                      "{" ORDER_ID ",'lines':[" LINE1 "],'total_minor':1,'currency':'INR'}",
                      ORDER_EV_INVENTORY_VALIDATED, "data.reservation_id: ");
    check_event_fails("lower-case currency",
                      "{" ORDER_ID ",'reservation_id':'" U_RES "','lines':[" LINE1
                      "],'total_minor':1,'currency':'inr'}",
                      ORDER_EV_INVENTORY_VALIDATED, "data.currency: ");
    check_event_fails("negative total",
                      "{" ORDER_ID ",'reservation_id':'" U_RES "','lines':[" LINE1
                      "],'total_minor':-5,'currency':'INR'}",
                      ORDER_EV_INVENTORY_VALIDATED, "data.total_minor: ");
}

/* The smallest valid data of each event type, and the members the type requires. */
static const struct {
    enum order_event_type ev;
    const char *json;
    const char *required[4];
} minimal[] = {
    {ORDER_EV_INVENTORY_VALIDATED,
     VALIDATED_WITH(LINE1),
     {"order_id", "reservation_id", "lines", "total_minor"}},
    {ORDER_EV_INVENTORY_INVALIDATED,
     "{" ORDER_ID ",'reason':'OUT_OF_STOCK'}",
     {"order_id", "reason"}},
    {ORDER_EV_PAYMENT_COMPLETED,
     "{" ORDER_ID ",'payment_id':'" U_PAY "','amount_minor':28000,'currency':'INR'}",
     {"order_id", "payment_id", "amount_minor", "currency"}},
    {ORDER_EV_PAYMENT_FAILED, "{" ORDER_ID ",'reason':'CARD_DECLINED'}", {"order_id", "reason"}},
    {ORDER_EV_RESERVATION_EXPIRED, "{" ORDER_ID "}", {"order_id"}},
    {ORDER_EV_APPROVED, "{" ORDER_ID "}", {"order_id"}},
    {ORDER_EV_REJECTED, "{" ORDER_ID ",'reason':'APPROVAL_TIMEOUT'}", {"order_id", "reason"}},
    {ORDER_EV_AGENT_ASSIGNED, "{" ORDER_ID "}", {"order_id"}},
    {ORDER_EV_ASSIGNMENT_FAILED, "{" ORDER_ID "}", {"order_id"}},
    {ORDER_EV_PICKED_UP, "{" ORDER_ID "}", {"order_id"}},
    {ORDER_EV_DELIVERED, "{" ORDER_ID "}", {"order_id"}},
};

static void event_each_type(void **state)
{
    (void)state;
    assert_int_equal(N(minimal), ORDER_EV_COUNT - 1); /* every type but the cancel request */
    for (size_t i = 0; i < N(minimal); i++) {
        const char *name = order_event_name(minimal[i].ev);
        struct order_event_data *d = parse_event(minimal[i].json, minimal[i].ev);
        assert_string_equal(d->order_id, U_ORDER);
        free(d);

        /* producers may add members (lenient) */
        json_t *data = order_test_load(minimal[i].json);
        assert_int_equal(json_object_set_new(data, "added_later", json_true()), 0);
        struct order_event_data out;
        char err[256];
        if (order_rules_event(data, minimal[i].ev, &out, err, sizeof err) != OF_OK)
            fail_msg("%s with an extra member: refused: %s", name, err);

        /* each required member, removed */
        for (size_t r = 0; r < N(minimal[i].required) && minimal[i].required[r]; r++) {
            json_t *less = json_deep_copy(data);
            char prefix[64], *text;
            assert_int_equal(json_object_del(less, minimal[i].required[r]), 0);
            snprintf(prefix, sizeof prefix, "data.%s: ", minimal[i].required[r]);
            text = json_dumps(less, 0);
            for (char *p = text; *p; p++)
                if (*p == '"')
                    *p = '\'';
            check_event_fails(name, text, minimal[i].ev, prefix);
            free(text);
            json_decref(less);
        }

        /* a bad order_id, and data that is no object */
        assert_int_equal(json_object_set_new(data, "order_id", json_string("ord-1")), 0);
        assert_int_equal(order_rules_event(data, minimal[i].ev, &out, err, sizeof err),
                         OF_EPERMANENT);
        assert_int_equal(strncmp(err, "data.order_id: ", 15), 0);
        assert_null(strstr(err, "ord-1")); /* names the field, never the value */
        check_event_fails(name, "[]", minimal[i].ev, "data: ");
        json_decref(data);
    }
}

static void event_fields_by_type(void **state)
{
    (void)state;
    struct order_event_data *d =
        parse_event("{" ORDER_ID ",'payment_id':'" U_PAY "','amount_minor':28000,'currency':'INR'}",
                    ORDER_EV_PAYMENT_COMPLETED);
    assert_string_equal(d->payment_id, U_PAY);
    assert_int_equal(d->amount_minor, 28000);
    assert_string_equal(d->currency, "INR");
    assert_int_equal(d->n_lines, 0);
    free(d);
    check_event_fails("payment.completed without payment_id",
                      "{" ORDER_ID ",'amount_minor':28000,'currency':'INR'}",
                      ORDER_EV_PAYMENT_COMPLETED, "data.payment_id: ");

    d = parse_event("{" ORDER_ID ",'reason':'REJECTED_BY_BUSINESS'}", ORDER_EV_REJECTED);
    assert_string_equal(d->reason, "REJECTED_BY_BUSINESS");
    free(d);
    check_event_fails("a reason that is no code", "{" ORDER_ID ",'reason':'out of stock'}",
                      ORDER_EV_INVENTORY_INVALIDATED, "data.reason: ");
    check_event_fails("an empty reason", "{" ORDER_ID ",'reason':''}", ORDER_EV_PAYMENT_FAILED,
                      "data.reason: ");

    /* the others keep a reason when there is one, and check it */
    d = parse_event("{" ORDER_ID ",'reason':'NO_AGENT'}", ORDER_EV_ASSIGNMENT_FAILED);
    assert_string_equal(d->reason, "NO_AGENT");
    free(d);
    d = parse_event("{" ORDER_ID "}", ORDER_EV_ASSIGNMENT_FAILED);
    assert_string_equal(d->reason, "");
    free(d);
    check_event_fails("assignment.failed, bad reason", "{" ORDER_ID ",'reason':'no agent'}",
                      ORDER_EV_ASSIGNMENT_FAILED, "data.reason: ");
}

static void event_refused_types(void **state)
{
    (void)state;
    check_event_fails("cancel.requested", "{" ORDER_ID "}", ORDER_EV_CANCEL_REQUESTED, "data: ");
    check_event_fails("ORDER_EV_COUNT", "{" ORDER_ID "}", ORDER_EV_COUNT, "data: ");
    check_event_fails("-1", "{" ORDER_ID "}", (enum order_event_type) - 1, "data: ");
    /* no room for a reason: still refused, nothing written */
    json_t *data = order_test_load("{" ORDER_ID "}");
    struct order_event_data out;
    char err[4] = "xyz";
    assert_int_equal(order_rules_event(data, ORDER_EV_CANCEL_REQUESTED, &out, err, 0),
                     OF_EPERMANENT);
    assert_string_equal(err, "xyz");
    json_decref(data);
}

static void order_ref(void **state)
{
    (void)state;
    json_t *data = order_test_load("{" ORDER_ID ",'reservation_id':'" U_RES "'}");
    char id[UUID_STR_LEN] = "", err[128];
    assert_int_equal(order_rules_order_ref(data, id, err, sizeof err), OF_OK);
    assert_string_equal(id, U_ORDER);
    json_decref(data);
    data = order_test_load("{'reservation_id':'" U_RES "'}");
    assert_int_equal(order_rules_order_ref(data, id, err, sizeof err), OF_EPERMANENT);
    assert_int_equal(strncmp(err, "data.order_id: ", 15), 0);
    json_decref(data);
}

/* ---- The priced lines against the order ---- */

static const struct order_line want[] = {
    {.item_id = U_ITEM1, .qty = 2},
    {.item_id = U_ITEM2, .qty = 1},
};

static struct order_event_data *priced(int64_t unit1, int64_t total1, int64_t unit2, int64_t total2,
                                       int64_t total)
{
    struct order_event_data *d = calloc(1, sizeof *d);
    assert_non_null(d);
    /* inventory's order, not the customer's */
    d->lines[0] = (struct order_line){.item_id = U_ITEM2,
                                      .qty = 1,
                                      .priced = true,
                                      .unit_price_minor = unit2,
                                      .line_total_minor = total2};
    d->lines[1] = (struct order_line){.item_id = U_ITEM1,
                                      .qty = 2,
                                      .priced = true,
                                      .unit_price_minor = unit1,
                                      .line_total_minor = total1};
    d->n_lines = 2;
    d->total_minor = total;
    return d;
}

static void check_match_fails(const char *what, const struct order_line *w, size_t n,
                              const struct order_event_data *d, const char *reason_prefix)
{
    char err[256] = "";
    if (order_rules_priced_match(w, n, d, err, sizeof err) != OF_EPERMANENT)
        fail_msg("%s: accepted", what);
    if (strncmp(err, reason_prefix, strlen(reason_prefix)) != 0)
        fail_msg("%s: reason '%s' does not start with '%s'", what, err, reason_prefix);
}

static void priced_match(void **state)
{
    (void)state;
    char err[256];
    struct order_event_data *d = priced(12000, 24000, 4000, 4000, 28000);
    assert_int_equal(order_rules_priced_match(want, N(want), d, err, sizeof err), OF_OK);

    d->lines[1].qty = 3; /* the customer asked for 2 */
    d->lines[1].line_total_minor = 36000;
    d->total_minor = 40000;
    check_match_fails("a wrong qty", want, N(want), d, "data.lines[1]: ");
    free(d);

    d = priced(12000, 24000, 4000, 4000, 28000);
    memcpy(d->lines[0].item_id, "0189f1a2-0000-7000-8000-000000000009", UUID_STR_LEN);
    check_match_fails("an item not ordered", want, N(want), d, "data.lines[0]: ");
    free(d);

    d = priced(12000, 24000, 4000, 4000, 28000);
    d->n_lines = 1;
    check_match_fails("a line missing", want, N(want), d, "data.lines: ");
    check_match_fails("a line too many", want, 0, d, "data.lines: ");
    free(d);

    d = priced(12000, 24001, 4000, 4000, 28001);
    check_match_fails("a line total not qty*unit", want, N(want), d,
                      "data.lines[1].line_total_minor: ");
    free(d);

    d = priced(12000, 24000, 4000, 4000, 27999);
    check_match_fails("a total not the sum", want, N(want), d, "data.total_minor: ");
    d->total_minor = 28001;
    check_match_fails("a total not the sum", want, N(want), d, "data.total_minor: ");
    free(d);

    /* free lines are fine */
    d = priced(0, 0, 0, 0, 0);
    assert_int_equal(order_rules_priced_match(want, N(want), d, err, sizeof err), OF_OK);
    free(d);
}

static void priced_match_overflow(void **state)
{
    (void)state;
    char err[256];
    /* qty 2 * unit overflows: refused before multiplying (UBSan would trap otherwise) */
    int64_t half = INT64_MAX / 2 + 1;
    struct order_event_data *d = priced(half, 0, 1, 1, 1); /* no line total can be right */
    check_match_fails("qty * unit beyond INT64_MAX", want, N(want), d,
                      "data.lines[1].line_total_minor: ");
    free(d);

    /* the largest unit price qty 2 can carry */
    d = priced(INT64_MAX / 2, INT64_MAX / 2 * 2, 0, 0, INT64_MAX / 2 * 2);
    assert_int_equal(order_rules_priced_match(want, N(want), d, err, sizeof err), OF_OK);
    free(d);

    /* two lines each in range whose sum is not */
    d = priced(INT64_MAX / 4, INT64_MAX / 4 * 2, INT64_MAX / 2, INT64_MAX / 2, INT64_MAX);
    int64_t sum = INT64_MAX / 4 * 2 + INT64_MAX / 2;
    d->total_minor = sum; /* fits: accepted */
    assert_int_equal(order_rules_priced_match(want, N(want), d, err, sizeof err), OF_OK);
    d->lines[0].unit_price_minor = INT64_MAX - INT64_MAX / 4 * 2 + 1; /* sum: INT64_MAX + 1 */
    d->lines[0].line_total_minor = d->lines[0].unit_price_minor;
    d->total_minor = INT64_MAX;
    check_match_fails("a sum beyond INT64_MAX", want, N(want), d, "data.total_minor: ");
    d->lines[0].unit_price_minor = INT64_MAX;
    d->lines[0].line_total_minor = INT64_MAX;
    check_match_fails("a sum beyond INT64_MAX", want, N(want), d, "data.total_minor: ");
    free(d);
}

/* ---- Reason codes ---- */

static void reason_codes(void **state)
{
    (void)state;
    static const char *const good[] = {"OUT_OF_STOCK", "A", "_", "E42",
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ABC"};
    for (size_t i = 0; i < N(good); i++)
        assert_ptr_equal(order_rules_code(good[i]), good[i]);
    static const char *const bad[] = {"",
                                      "out_of_stock",
                                      "OUT OF STOCK",
                                      "OUT-OF-STOCK",
                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ABCD",
                                      "\xc3\x89T",
                                      "A\n"};
    for (size_t i = 0; i < N(bad); i++)
        if (order_rules_code(bad[i]) != NULL)
            fail_msg("'%s' taken for a code", bad[i]);
    assert_null(order_rules_code(NULL));
}

/* ---- Read models ---- */

#define ADDRESS_DATA                                                                               \
    "'address_id':'" U_ADDRESS "','account_id':'" U_ACCOUNT "','line1':'12 MG Road',"              \
    "'city':'Bengaluru','lat':12.9716,'lng':77.5946"

static void address_event(void **state)
{
    (void)state;
    struct order_address a, sentinel;
    char err[256];
    json_t *data = order_test_load("{" ADDRESS_DATA ",'label':'home'}");
    memset(&a, 0x5a, sizeof a);
    assert_int_equal(order_rules_address_event(data, &a, err, sizeof err), OF_OK);
    assert_string_equal(a.id, U_ADDRESS);
    assert_string_equal(a.account_id, U_ACCOUNT);
    assert_string_equal(a.at.line1, "12 MG Road");
    assert_string_equal(a.at.city, "Bengaluru");
    assert_true(a.at.lat == 12.9716);
    assert_true(a.at.lng == 77.5946);
    assert_false(a.deleted);
    json_decref(data);
    data = order_test_load("{" ADDRESS_DATA ",'deleted':true}");
    assert_int_equal(order_rules_address_event(data, &a, err, sizeof err), OF_OK);
    assert_true(a.deleted);
    json_decref(data);

    static const struct {
        const char *json, *prefix;
    } bad[] = {
        {"{'account_id':'" U_ACCOUNT "','line1':'x','city':'y','lat':1,'lng':2}",
         "data.address_id: "},
        {"{'address_id':'" U_ADDRESS "','account_id':'nope','line1':'x','city':'y','lat':1,"
         "'lng':2}",
         "data.account_id: "},
        {"{'address_id':'" U_ADDRESS "','account_id':'" U_ACCOUNT "','line1':'  ','city':'y',"
         "'lat':1,'lng':2}",
         "data.line1: "},
        {"{'address_id':'" U_ADDRESS "','account_id':'" U_ACCOUNT "','line1':'x','lat':1,"
         "'lng':2}",
         "data.city: "},
        {"{'address_id':'" U_ADDRESS "','account_id':'" U_ACCOUNT "','line1':'x','city':'y',"
         "'lat':91,'lng':2}",
         "data.lat: "},
        {"{'address_id':'" U_ADDRESS "','account_id':'" U_ACCOUNT "','line1':'x','city':'y',"
         "'lat':1,'lng':-180.5}",
         "data.lng: "},
        {"{'address_id':'" U_ADDRESS "','account_id':'" U_ACCOUNT "','line1':'x','city':'y',"
         "'lat':'1','lng':2}",
         "data.lat: "},
        {"{" ADDRESS_DATA ",'deleted':'yes'}", "data.deleted: "},
        {"7", "data: "},
    };
    for (size_t i = 0; i < N(bad); i++) {
        data = order_test_load(bad[i].json);
        memset(&sentinel, 0x5a, sizeof sentinel);
        memcpy(&a, &sentinel, sizeof a);
        if (order_rules_address_event(data, &a, err, sizeof err) != OF_EPERMANENT)
            fail_msg("%s: accepted", bad[i].json);
        if (strncmp(err, bad[i].prefix, strlen(bad[i].prefix)) != 0)
            fail_msg("%s: reason '%s' does not start with '%s'", bad[i].json, err, bad[i].prefix);
        if (memcmp(&a, &sentinel, sizeof a) != 0)
            fail_msg("%s: output changed on failure", bad[i].json);
        json_decref(data);
    }
}

static void outlet_event(void **state)
{
    (void)state;
    struct outlet_ref o, sentinel;
    char err[256];
    json_t *data = order_test_load("{'outlet_id':'" U_OUTLET "','business_id':'" U_BIZ
                                   "','owner_id':'" U_OWNER "','is_open':true,'version':3,"
                                   "'name':'Dosa Corner'}");
    memset(&o, 0x5a, sizeof o);
    assert_int_equal(outlet_event_parse(data, &o, err, sizeof err), OF_OK);
    assert_string_equal(o.id, U_OUTLET);
    assert_string_equal(o.business_id, U_BIZ);
    assert_string_equal(o.owner_id, U_OWNER);
    assert_true(o.is_open);
    assert_int_equal(o.version, 3);
    json_decref(data);

    static const char *const no_owner[] = {
        "{'outlet_id':'" U_OUTLET "','business_id':'" U_BIZ "','owner_id':null,'is_open':false}",
        "{'outlet_id':'" U_OUTLET "','business_id':'" U_BIZ "','is_open':false}",
    };
    for (size_t i = 0; i < N(no_owner); i++) {
        data = order_test_load(no_owner[i]);
        memset(&o, 0x5a, sizeof o);
        assert_int_equal(outlet_event_parse(data, &o, err, sizeof err), OF_OK);
        assert_string_equal(o.owner_id, "");
        assert_false(o.is_open);
        assert_int_equal(o.version, 0);
        json_decref(data);
    }

    static const struct {
        const char *json, *prefix;
    } bad[] = {
        {"{'business_id':'" U_BIZ "','is_open':true}", "data.outlet_id: "},
        {"{'id':'" U_OUTLET "','business_id':'" U_BIZ "','is_open':true}", "data.outlet_id: "},
        {"{'outlet_id':'" U_OUTLET "','is_open':true}", "data.business_id: "},
        {"{'outlet_id':'" U_OUTLET "','business_id':'" U_BIZ "','owner_id':'x','is_open':true}",
         "data.owner_id: "},
        {"{'outlet_id':'" U_OUTLET "','business_id':'" U_BIZ "'}", "data.is_open: "},
        {"{'outlet_id':'" U_OUTLET "','business_id':'" U_BIZ "','is_open':'yes'}",
         "data.is_open: "},
        {"{'outlet_id':'" U_OUTLET "','business_id':'" U_BIZ "','is_open':true,'version':0}",
         "data.version: "},
        {"{'outlet_id':'" U_OUTLET "','business_id':'" U_BIZ "','is_open':true,'version':1.5}",
         "data.version: "},
        {"null", "data: "},
    };
    for (size_t i = 0; i < N(bad); i++) {
        data = order_test_load(bad[i].json);
        memset(&sentinel, 0x5a, sizeof sentinel);
        memcpy(&o, &sentinel, sizeof o);
        if (outlet_event_parse(data, &o, err, sizeof err) != OF_EPERMANENT)
            fail_msg("%s: accepted", bad[i].json);
        if (strncmp(err, bad[i].prefix, strlen(bad[i].prefix)) != 0)
            fail_msg("%s: reason '%s' does not start with '%s'", bad[i].json, err, bad[i].prefix);
        if (memcmp(&o, &sentinel, sizeof o) != 0)
            fail_msg("%s: output changed on failure", bad[i].json);
        json_decref(data);
    }
}

int run_events_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(event_validated),
        cmocka_unit_test(event_each_type),
        cmocka_unit_test(event_fields_by_type),
        cmocka_unit_test(event_refused_types),
        cmocka_unit_test(order_ref),
        cmocka_unit_test(priced_match),
        cmocka_unit_test(priced_match_overflow),
        cmocka_unit_test(reason_codes),
        cmocka_unit_test(address_event),
        cmocka_unit_test(outlet_event),
    };
    return cmocka_run_group_tests_name("order events", tests, NULL, NULL);
}
