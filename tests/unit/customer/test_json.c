/* Tests of customer-svc's serialisers: the exact members and JSON types of an account, an
 * address and a feed outlet, null for unset text, every role name, distance rounding, NULL (and
 * no leak) for text that is not UTF-8 in any member, and the address members the
 * customer.address.updated.v1 builder derives its data from. */
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
#include "customer.h"
#include "customer_json.h"
#include "customer_tests.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define ID1 "0190a5d2-8c3b-7def-8123-456789abcdef"
#define ID2 "0190a5d2-8c3b-7def-8123-000000000002"

/* One expected member: its name and JSON type. */
struct member {
    const char *name;
    json_type type;
};

/* o is an object with exactly the members m[0..n-1], each of its type. */
static void expect_members(const char *what, const json_t *o, const struct member *m, size_t n)
{
    if (!json_is_object(o))
        fail_msg("%s: not an object", what);
    if (json_object_size(o) != n)
        fail_msg("%s: %zu members, expected %zu", what, json_object_size(o), n);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(o, m[i].name);
        if (!v)
            fail_msg("%s: no member %s", what, m[i].name);
        if (json_typeof(v) != m[i].type)
            fail_msg("%s: %s has type %d, expected %d", what, m[i].name, json_typeof(v), m[i].type);
    }
}

static void member_is_string(const json_t *o, const char *name, const char *value)
{
    assert_string_equal(json_string_value(json_object_get(o, name)), value);
}

static void member_is_real(const json_t *o, const char *name, double value)
{
    const json_t *v = json_object_get(o, name);
    assert_true(json_is_real(v));
    if (json_real_value(v) != value)
        fail_msg("%s is %.17g, expected %.17g", name, json_real_value(v), value);
}

/* Byte strings that are not UTF-8. */
static const char *const not_utf8[] = {
    "\xff",
    "Ada\xff",
    "\xc0\xaf" /* overlong */,
    "\x80" /* stray continuation */,
    "\xe2\x82" /* truncated */,
    "\xed\xa0\x80" /* surrogate */,
    "\xf4\x90\x80\x80" /* above U+10FFFF */,
};

/* ------------------------------------------------------------------------------------------ */
/* Accounts */

static struct customer_account account(void)
{
    struct customer_account a = {.id = ID1,
                                 .phone = "+447700900123",
                                 .role = AUTH_CUSTOMER,
                                 .name = "Ada Lovelace \xe2\x80\x94 \xf0\x9f\x98\x80",
                                 .email = "ada@example.com"};
    return a;
}

static void account_members(void **state)
{
    (void)state;
    static const struct member full[] = {
        {"id", JSON_STRING},   {"phone", JSON_STRING}, {"role", JSON_STRING},
        {"name", JSON_STRING}, {"email", JSON_STRING},
    };
    struct customer_account a = account();
    json_t *o = customer_json_account(&a);

    expect_members("account", o, full, N(full));
    member_is_string(o, "id", ID1);
    member_is_string(o, "phone", "+447700900123");
    member_is_string(o, "role", "customer");
    member_is_string(o, "name", a.name);
    member_is_string(o, "email", "ada@example.com");
    json_decref(o);
}

static void account_unset_text_is_null(void **state)
{
    (void)state;
    static const struct {
        bool name, email; /* set? */
    } cases[] = {{false, true}, {true, false}, {false, false}};

    for (size_t i = 0; i < N(cases); i++) {
        struct customer_account a = account();
        if (!cases[i].name)
            a.name[0] = '\0';
        if (!cases[i].email)
            a.email[0] = '\0';
        const struct member m[] = {
            {"id", JSON_STRING},
            {"phone", JSON_STRING},
            {"role", JSON_STRING},
            {"name", cases[i].name ? JSON_STRING : JSON_NULL},
            {"email", cases[i].email ? JSON_STRING : JSON_NULL},
        };
        json_t *o = customer_json_account(&a);
        expect_members("account with unset text", o, m, N(m));
        json_decref(o);
    }
}

static void account_roles(void **state)
{
    (void)state;
    static const struct {
        unsigned role;
        const char *name; /* NULL: no account can be serialised */
    } cases[] = {
        {AUTH_CUSTOMER, "customer"},
        {AUTH_BUSINESS, "business"},
        {AUTH_PARTNER, "partner"},
        {AUTH_ADMIN, "admin"},
        {0, NULL},
        {AUTH_CUSTOMER | AUTH_BUSINESS, NULL}, /* exactly one bit, or no role */
        {1u << 30, NULL},
    };

    for (size_t i = 0; i < N(cases); i++) {
        struct customer_account a = account();
        a.role = cases[i].role;
        json_t *o = customer_json_account(&a);
        if (!cases[i].name) {
            if (o)
                fail_msg("role %#x serialised", cases[i].role);
            continue;
        }
        assert_non_null(o);
        member_is_string(o, "role", cases[i].name);
        json_decref(o);
    }
}

static void account_refuses_bad_utf8(void **state)
{
    (void)state;
    static const size_t members[] = {
        offsetof(struct customer_account, id),
        offsetof(struct customer_account, phone),
        offsetof(struct customer_account, name),
        offsetof(struct customer_account, email),
    };

    for (size_t m = 0; m < N(members); m++) {
        for (size_t i = 0; i < N(not_utf8); i++) {
            struct customer_account a = account();
            strcpy((char *)&a + members[m], not_utf8[i]);
            json_t *o = customer_json_account(&a);
            if (o)
                fail_msg("member at %zu, bad string #%zu: serialised", members[m], i);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Addresses */

static const struct member address_members[] = {
    {"id", JSON_STRING},   {"label", JSON_STRING},    {"line1", JSON_STRING},
    {"city", JSON_STRING}, {"postcode", JSON_STRING}, {"lat", JSON_REAL},
    {"lng", JSON_REAL},
};

static struct customer_address address(void)
{
    struct customer_address a = {.id = ID2,
                                 .label = "Home \xf0\x9f\x8f\xa0",
                                 .line1 = "1 High St",
                                 .city = "K\xc3\xb8"
                                         "benhavn",
                                 .postcode = "SW1A 1AA",
                                 .lat = 51.501364,
                                 .lng = -0.14189};
    return a;
}

static void address_members_and_values(void **state)
{
    (void)state;
    struct customer_address a = address();
    json_t *o = customer_json_address(&a);

    expect_members("address", o, address_members, N(address_members));
    member_is_string(o, "id", ID2);
    member_is_string(o, "label", a.label);
    member_is_string(o, "line1", "1 High St");
    member_is_string(o, "city", a.city);
    member_is_string(o, "postcode", "SW1A 1AA");
    member_is_real(o, "lat", 51.501364);
    member_is_real(o, "lng", -0.14189);
    json_decref(o);

    /* Whole-degree coordinates stay JSON reals, and the extremes pass unchanged. */
    static const double coords[][2] = {{0, 0}, {90, 180}, {-90, -180}, {1e-9, -1e-9}};
    for (size_t i = 0; i < N(coords); i++) {
        a.lat = coords[i][0];
        a.lng = coords[i][1];
        o = customer_json_address(&a);
        expect_members("address", o, address_members, N(address_members));
        member_is_real(o, "lat", coords[i][0]);
        member_is_real(o, "lng", coords[i][1]);
        json_decref(o);
    }
}

static void address_refuses_bad_utf8(void **state)
{
    (void)state;
    static const size_t members[] = {
        offsetof(struct customer_address, id),       offsetof(struct customer_address, label),
        offsetof(struct customer_address, line1),    offsetof(struct customer_address, city),
        offsetof(struct customer_address, postcode),
    };

    for (size_t m = 0; m < N(members); m++) {
        for (size_t i = 0; i < N(not_utf8); i++) {
            struct customer_address a = address();
            strcpy((char *)&a + members[m], not_utf8[i]);
            json_t *o = customer_json_address(&a);
            if (o)
                fail_msg("member at %zu, bad string #%zu: serialised", members[m], i);
        }
    }
}

/* customer.address.updated.v1's data is customer_json_address's object with id renamed
 * address_id, plus account_id and deleted (customer_events.c address_event_data): the members
 * the serialiser gives, so derived, must be exactly those customer_events.h documents. */
static void address_event_members_derive_from_the_serialiser(void **state)
{
    (void)state;
    static const char *const documented[] = {"address_id", "account_id", "label", "line1",  "city",
                                             "postcode",   "lat",        "lng",   "deleted"};
    static const char *const added[] = {"address_id", "account_id", "deleted"};
    struct customer_address a = address();
    json_t *o = customer_json_address(&a);
    const char *key;
    json_t *v;
    size_t derived = 0;

    assert_non_null(json_object_get(o, "id"));
    json_object_foreach(o, key, v)
    {
        bool found = strcmp(key, "id") == 0;
        for (size_t i = 0; !found && i < N(documented); i++)
            found = strcmp(key, documented[i]) == 0;
        if (!found)
            fail_msg("the serialiser's %s is not in the event", key);
        derived += strcmp(key, "id") != 0;
    }
    for (size_t i = 0; i < N(added); i++)
        assert_null(json_object_get(o, added[i])); /* the builder's own, not the serialiser's */
    assert_int_equal(derived + N(added), N(documented));
    json_decref(o);
}

/* ------------------------------------------------------------------------------------------ */
/* Feed outlets */

static const struct member feed_outlet_members[] = {
    {"id", JSON_STRING}, {"business_id", JSON_STRING}, {"name", JSON_STRING},
    {"lat", JSON_REAL},  {"lng", JSON_REAL},           {"distance_m", JSON_REAL},
};

static struct customer_outlet outlet(void)
{
    struct customer_outlet o = {.id = ID1,
                                .business_id = ID2,
                                .name = "Caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac",
                                .lat = 51.5,
                                .lng = -0.125,
                                .is_open = true};
    return o;
}

static void feed_outlet_members_and_values(void **state)
{
    (void)state;
    struct customer_outlet out = outlet();
    json_t *o = customer_json_feed_outlet(&out, 1234.56);

    expect_members("feed outlet", o, feed_outlet_members, N(feed_outlet_members));
    member_is_string(o, "id", ID1);
    member_is_string(o, "business_id", ID2);
    member_is_string(o, "name", out.name);
    member_is_real(o, "lat", 51.5);
    member_is_real(o, "lng", -0.125);
    member_is_real(o, "distance_m", 1234.6);
    json_decref(o);
}

static void feed_outlet_distance_rounding(void **state)
{
    (void)state;
    static const struct {
        double in, out;
    } cases[] = {
        {0.0, 0.0},
        {0.04, 0.0},
        {0.06, 0.1},
        {0.1, 0.1},
        {12.25, 12.3}, /* exactly half: away from zero */
        {12.34999, 12.3},
        {1234.54, 1234.5},
        {1234.56, 1234.6},
        {999.97, 1000.0},
        {4999.999, 5000.0},
        {50000.0, 50000.0},
        {20015086.796, 20015086.8}, /* half the Earth's circumference */
    };
    struct customer_outlet out = outlet();

    for (size_t i = 0; i < N(cases); i++) {
        json_t *o = customer_json_feed_outlet(&out, cases[i].in);
        assert_non_null(o);
        member_is_real(o, "distance_m", cases[i].out);
        json_decref(o);
    }
}

static void feed_outlet_refuses_bad_utf8(void **state)
{
    (void)state;
    static const size_t members[] = {
        offsetof(struct customer_outlet, id),
        offsetof(struct customer_outlet, business_id),
        offsetof(struct customer_outlet, name),
    };

    for (size_t m = 0; m < N(members); m++) {
        for (size_t i = 0; i < N(not_utf8); i++) {
            struct customer_outlet out = outlet();
            strcpy((char *)&out + members[m], not_utf8[i]);
            json_t *o = customer_json_feed_outlet(&out, 10.0);
            if (o)
                fail_msg("member at %zu, bad string #%zu: serialised", members[m], i);
        }
    }
}

int run_json_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(account_members),
        cmocka_unit_test(account_unset_text_is_null),
        cmocka_unit_test(account_roles),
        cmocka_unit_test(account_refuses_bad_utf8),
        cmocka_unit_test(address_members_and_values),
        cmocka_unit_test(address_refuses_bad_utf8),
        cmocka_unit_test(address_event_members_derive_from_the_serialiser),
        cmocka_unit_test(feed_outlet_members_and_values),
        cmocka_unit_test(feed_outlet_distance_rounding),
        cmocka_unit_test(feed_outlet_refuses_bad_utf8),
    };
    return cmocka_run_group_tests_name("customer_json", tests, NULL, NULL);
}
