/* Tests of customer_rules_outlet_event, the check of business.outlet.* event data
 * (docs/events/business.outlet.created.v1.schema.json): every field missing or of every wrong
 * type, bad UUIDs, coordinates at and beyond their range, the name's rules (blank, control
 * characters, 200 characters counted as characters in any UTF-8 width), extra members ignored,
 * data that is not an object; on failure ret untouched and an error that starts with the field
 * and never holds the rejected value. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/errors.h"
#include "customer.h"
#include "customer_rules.h"
#include "customer_tests.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define OUTLET_ID   "0190a5d2-8c3b-7def-8123-456789abcdef"
#define BUSINESS_ID "0190a5d2-8c3b-7def-8123-000000000001"
#define GOOD                                                                                       \
    "{'outlet_id':'" OUTLET_ID "','business_id':'" BUSINESS_ID "','name':'Pizzeria Napoli',"       \
    "'lat':51.5,'lng':-0.125,'is_open':true}"

#define ERR_SIZE 128 /* what the event handler gives */

/* GOOD with member field set to value (JSON text, NULL: removed). */
static json_t *good_with(const char *field, const char *value)
{
    json_t *data = customer_test_load(GOOD);
    if (!value)
        assert_int_equal(json_object_del(data, field), 0);
    else
        assert_int_equal(json_object_set_new(data, field, customer_test_load(value)), 0);
    return data;
}

/* Expects data to be accepted; the result is left in *ret. */
static void expect_accepted(const char *what, const json_t *data, struct customer_outlet *ret)
{
    char err[ERR_SIZE] = "";
    if (customer_rules_outlet_event(data, ret, err, sizeof err) != OF_OK)
        fail_msg("%s: rejected: %s", what, err);
}

/* Does err hold text (when it is long enough to be told from the message's own words)? */
static bool echoes(const char *err, const char *text)
{
    return text && strlen(text) >= 3 && strstr(err, text) != NULL;
}

/* Expects data to be refused: OF_EPERMANENT, ret untouched, an error "data.<field>: ..." that
 * holds no member's value, the rejected one's or another's, neither as text nor as JSON. */
static void expect_rejected(const char *what, const json_t *data, const char *field)
{
    struct customer_outlet ret, sentinel;
    char err[ERR_SIZE] = "", prefix[64];
    const char *key;
    const json_t *v;

    memset(&sentinel, 0x5a, sizeof sentinel);
    ret = sentinel;
    if (customer_rules_outlet_event(data, &ret, err, sizeof err) != OF_EPERMANENT)
        fail_msg("%s: accepted", what);
    if (memcmp(&ret, &sentinel, sizeof ret) != 0)
        fail_msg("%s: ret written on failure", what);
    snprintf(prefix, sizeof prefix, "data.%s:", field);
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        fail_msg("%s: error '%s' does not start with '%s'", what, err, prefix);
    if (strlen(err) <= strlen(prefix) + 1)
        fail_msg("%s: error '%s' says nothing", what, err);
    json_object_foreach((json_t *)data, key, v)
    {
        char *dump = json_dumps(v, JSON_ENCODE_ANY);
        if (echoes(err, json_string_value(v)) || echoes(err, dump))
            fail_msg("%s: error '%s' holds the value of %s", what, err, key);
        free(dump);
    }
}

/* ------------------------------------------------------------------------------------------ */

static void good_data(void **state)
{
    (void)state;
    struct customer_outlet o;
    json_t *data = customer_test_load(GOOD);

    memset(&o, 0x5a, sizeof o);
    expect_accepted("good", data, &o);
    assert_string_equal(o.id, OUTLET_ID);
    assert_string_equal(o.business_id, BUSINESS_ID);
    assert_string_equal(o.name, "Pizzeria Napoli");
    assert_true(o.lat == 51.5);
    assert_true(o.lng == -0.125);
    assert_true(o.is_open);
    json_decref(data);

    data = good_with("is_open", "false");
    expect_accepted("closed", data, &o);
    assert_false(o.is_open);
    json_decref(data);

    /* The error text is optional. */
    data = good_with("lat", "91");
    memset(&o, 0, sizeof o);
    assert_int_equal(customer_rules_outlet_event(data, &o, NULL, 0), OF_EPERMANENT);
    assert_int_equal(customer_rules_outlet_event(data, &o, NULL, ERR_SIZE), OF_EPERMANENT);
    char err[8];
    memset(err, 'x', sizeof err);
    assert_int_equal(customer_rules_outlet_event(data, &o, err, 0), OF_EPERMANENT);
    assert_int_equal(err[0], 'x'); /* no room: nothing written */
    assert_int_equal(customer_rules_outlet_event(data, &o, err, 5), OF_EPERMANENT);
    assert_string_equal(err, "data"); /* cut to fit, terminated */
    assert_int_equal(err[5], 'x');
    json_decref(data);
}

/* Every field missing, and of every JSON type it must not have. */
static void missing_and_wrong_types(void **state)
{
    (void)state;
    enum { STR = 1, NUM = 2, BOOL = 4 };
    static const struct {
        const char *name;
        unsigned type;
    } fields[] = {
        {"outlet_id", STR}, {"business_id", STR}, {"name", STR},
        {"lat", NUM},       {"lng", NUM},         {"is_open", BOOL},
    };
    static const struct {
        const char *json;
        unsigned type;
    } values[] = {
        {"null", 0},
        {"true", BOOL},
        {"false", BOOL},
        {"0", NUM},
        {"1", NUM},
        {"51.5", NUM},
        {"'51.5'", STR},
        {"'true'", STR},
        {"'Wrong Type Value'", STR},
        {"[]", 0},
        {"['" OUTLET_ID "']", 0},
        {"{}", 0},
        {"{'id':'" OUTLET_ID "'}", 0},
    };
    char what[128];

    for (size_t f = 0; f < N(fields); f++) {
        json_t *data = good_with(fields[f].name, NULL);
        snprintf(what, sizeof what, "%s missing", fields[f].name);
        expect_rejected(what, data, fields[f].name);
        json_decref(data);
        for (size_t v = 0; v < N(values); v++) {
            if (values[v].type == fields[f].type)
                continue;
            data = good_with(fields[f].name, values[v].json);
            snprintf(what, sizeof what, "%s = %s", fields[f].name, values[v].json);
            expect_rejected(what, data, fields[f].name);
            json_decref(data);
        }
    }
    /* With every field missing, the first is named. */
    json_t *empty = json_object();
    expect_rejected("{}", empty, "outlet_id");
    json_decref(empty);
}

/* One member's value and whether it passes. */
struct value_case {
    const char *field;
    const char *json;
    bool ok;
};

static void run_value_cases(const struct value_case *cases, size_t n)
{
    char what[256];
    struct customer_outlet o;

    for (size_t i = 0; i < n; i++) {
        json_t *data = good_with(cases[i].field, cases[i].json);
        snprintf(what, sizeof what, "%s = %s", cases[i].field, cases[i].json);
        if (cases[i].ok)
            expect_accepted(what, data, &o);
        else
            expect_rejected(what, data, cases[i].field);
        json_decref(data);
    }
}

static void values(void **state)
{
    (void)state;
    static const struct value_case cases[] = {
        {"outlet_id", "'0190A5D2-8C3B-7DEF-8123-456789ABCDEF'",
         false}, /* only the canonical lowercase */
        {"outlet_id", "'00000000-0000-0000-0000-000000000000'", true},
        {"outlet_id", "''", false},
        {"outlet_id", "'not-a-uuid-at-all'", false},
        {"outlet_id", "'0190a5d2-8c3b-7def-8123-456789abcde'", false},   /* 35 */
        {"outlet_id", "'0190a5d2-8c3b-7def-8123-456789abcdef0'", false}, /* 37 */
        {"outlet_id", "'0190a5d28c3b7def8123456789abcdef'", false},      /* no dashes */
        {"outlet_id", "'{0190a5d2-8c3b-7def-8123-456789abcdef}'", false},
        {"outlet_id", "'urn:uuid:0190a5d2-8c3b-7def-8123-456789abcdef'", false},
        {"outlet_id", "'0190a5d2-8c3b-7def-8123-456789abcdeg'", false},
        {"outlet_id", "'0190a5d2-8c3b7-def-8123-456789abcdef'", false}, /* dash moved */
        {"outlet_id", "' 0190a5d2-8c3b-7def-8123-456789abcdef'", false},
        {"outlet_id", "'0190a5d2-8c3b-7def-8123-456789abcdef\\n'", false},
        {"business_id", "'also-not-a-uuid'", false},
        {"business_id", "'0190a5d2-8c3b-7def-8123-456789abcdeZ'", false},
        {"lat", "90", true},
        {"lat", "-90", true},
        {"lat", "90.0", true},
        {"lat", "0", true},
        {"lat", "1e-300", true},
        {"lat", "90.0000001", false},
        {"lat", "-90.0000001", false},
        {"lat", "91.25", false},
        {"lat", "1e308", false},
        {"lat", "-1e308", false},
        {"lng", "180", true},
        {"lng", "-180", true},
        {"lng", "-0.0", true},
        {"lng", "180.0000001", false},
        {"lng", "-180.0000001", false},
        {"lng", "360.5", false},
        {"name", "'a'", true},
        {"name", "' a '", true},
        {"name", "'Caf\\u00e9 \\u6771\\u4eac \\ud83d\\ude00'", true},
        {"name", "'\\u00e9'", true},
        {"name", "''", false},
        {"name", "' '", false},
        {"name", "'      '", false},
        {"name", "'\\t'", false},
        {"name", "' \\t '", false},
        {"name", "'Tab\\tInside'", false},
        {"name", "'New\\nLine'", false},
        {"name", "'Carriage\\rReturn'", false},
        {"name", "'Start\\u0001Of Heading'", false},
        {"name", "'Unit\\u001fSeparator'", false},
        {"name", "'Escape\\u001b[31mRed'", false},
        {"name", "'Delete\\u007fHere'", false},
        {"name", "'Nul\\u0000Inside'", false},
        {"name", "'\\u0000'", false},
    };
    run_value_cases(cases, N(cases));
}

/* A C1 control character (U+0080..U+009F, Unicode category Cc like C0 and DEL) is refused in an
 * outlet name, as in request bodies: one text rule (jspec_text_check) for HTTP and Kafka. */
static void c1_controls_in_name(void **state)
{
    (void)state;
    static const struct value_case cases[] = {
        {"name", "'Next\\u0085Line'", false},
        {"name", "'Pad\\u0080Char'", false},
        {"name", "'App\\u009fCommand'", false},
        {"name", "'\\u0085'", false},
    };
    run_value_cases(cases, N(cases));
}

/* A name of only Unicode spaces (U+00A0 no-break space, U+3000 ideographic space, U+2003 em
 * space) is blank, as the schema's name pattern (which needs a \S) says. */
static void unicode_blank_name(void **state)
{
    (void)state;
    static const struct value_case cases[] = {
        {"name", "'\\u00a0'", false},
        {"name", "'\\u3000\\u3000'", false},
        {"name", "' \\u2003 '", false},
    };
    run_value_cases(cases, N(cases));
}

/* An id with a NUL inside ("<uuid>", NUL, anything) is refused, not read as the UUID before the
 * NUL (which would name another outlet than the one the event carried). */
static void nul_inside_id(void **state)
{
    (void)state;
    static const struct value_case cases[] = {
        {"outlet_id", "'" OUTLET_ID "\\u0000trailing'", false},
        {"business_id", "'" BUSINESS_ID "\\u0000'", false},
    };
    run_value_cases(cases, N(cases));
}

/* A name of count copies of the UTF-8 character ch. */
static json_t *name_of(const char *ch, size_t count)
{
    size_t w = strlen(ch);
    char *s = malloc(w * count + 1);
    json_t *data;

    for (size_t i = 0; i < count; i++)
        memcpy(s + i * w, ch, w);
    s[w * count] = '\0';
    data = customer_test_load(GOOD);
    assert_int_equal(json_object_set_new(data, "name", json_string(s)), 0);
    free(s);
    return data;
}

/* The limit is 200 characters, whatever their width in bytes. */
static void name_length_in_characters(void **state)
{
    (void)state;
    static const char *const chars[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
    struct customer_outlet o;
    char what[64];

    for (size_t i = 0; i < N(chars); i++) {
        size_t w = strlen(chars[i]);
        json_t *data = name_of(chars[i], CUSTOMER_OUTLET_NAME_MAX);
        snprintf(what, sizeof what, "200 characters of %zu bytes", w);
        expect_accepted(what, data, &o);
        assert_int_equal(strlen(o.name), w * CUSTOMER_OUTLET_NAME_MAX);
        assert_string_equal(o.name, json_string_value(json_object_get(data, "name")));
        json_decref(data);

        data = name_of(chars[i], CUSTOMER_OUTLET_NAME_MAX + 1);
        snprintf(what, sizeof what, "201 characters of %zu bytes", w);
        expect_rejected(what, data, "name");
        json_decref(data);

        data = name_of(chars[i], 1);
        expect_accepted("one character", data, &o);
        json_decref(data);
    }
    /* Mixed widths: 199 four-byte characters and one ASCII is 200; one more is not. */
    json_t *data = name_of("\xf0\x9f\x98\x80", 199);
    char buf[CUSTOMER_TEXT_SIZE(CUSTOMER_OUTLET_NAME_MAX) + 8];
    snprintf(buf, sizeof buf, "%sx", json_string_value(json_object_get(data, "name")));
    json_object_set_new(data, "name", json_string(buf));
    expect_accepted("mixed, 200", data, &o);
    strcat(buf, "y");
    json_object_set_new(data, "name", json_string(buf));
    expect_rejected("mixed, 201", data, "name");
    json_decref(data);

    data = name_of("a", 100000);
    expect_rejected("100000 characters", data, "name");
    json_decref(data);
}

/* version: optional (0 when absent, the events of producers that predate it), else a JSON
 * integer of at least 1. */
static void version_member(void **state)
{
    (void)state;
    struct customer_outlet o;
    json_t *data = customer_test_load(GOOD);
    memset(&o, 0x5a, sizeof o);
    expect_accepted("no version", data, &o);
    assert_int_equal(o.version, 0);
    json_decref(data);
    static const struct {
        const char *json;
        int64_t want; /* 0: refused */
    } cases[] = {
        {"1", 1},    {"2", 2},   {"9223372036854775807", INT64_MAX},
        {"0", 0},    {"-1", 0},  {"1.0", 0},
        {"1.5", 0},  {"'3'", 0}, {"null", 0},
        {"true", 0}, {"[1]", 0}, {"{'v':1}", 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        data = good_with("version", cases[i].json);
        if (cases[i].want) {
            memset(&o, 0, sizeof o);
            expect_accepted(cases[i].json, data, &o);
            assert_int_equal(o.version, cases[i].want);
        } else {
            expect_rejected(cases[i].json, data, "version");
        }
        json_decref(data);
    }
}

/* Members the schema does not list are ignored. */
static void extra_members_ignored(void **state)
{
    (void)state;
    static const char *const extras[] = {
        "{'description':'Wood-fired','menu':[1,2,3],'nested':{'a':{'b':null}}}",
        "{'OUTLET_ID':'not a uuid','Name':'','lat ':'x','is_open2':7,'':''}",
        "{'revision':2,'opened_at':'2024-01-01T00:00:00Z','deleted':true}",
    };
    struct customer_outlet plain, o;
    json_t *base = customer_test_load(GOOD);

    expect_accepted("good", base, &plain);
    for (size_t i = 0; i < N(extras); i++) {
        json_t *data = customer_test_load(GOOD), *more = customer_test_load(extras[i]);
        assert_int_equal(json_object_update(data, more), 0);
        memset(&o, 0, sizeof o);
        expect_accepted(extras[i], data, &o);
        assert_memory_equal(&o, &plain, sizeof o);
        json_decref(more);
        json_decref(data);
    }
    json_decref(base);
}

/* Data that is not an object: refused with an error about data itself. */
static void not_an_object(void **state)
{
    (void)state;
    static const char *const docs[] = {"[]", "['" OUTLET_ID "']", "'data'", "null", "1", "true"};
    struct customer_outlet o, sentinel;
    char err[ERR_SIZE];

    memset(&sentinel, 0x5a, sizeof sentinel);
    for (size_t i = 0; i <= N(docs); i++) {
        json_t *data = i < N(docs) ? customer_test_load(docs[i]) : NULL; /* and no data at all */
        o = sentinel;
        err[0] = '\0';
        assert_int_equal(customer_rules_outlet_event(data, &o, err, sizeof err), OF_EPERMANENT);
        assert_memory_equal(&o, &sentinel, sizeof o);
        assert_int_equal(strncmp(err, "data", 4), 0);
        assert_non_null(strstr(err, "object"));
        json_decref(data);
    }
}

int run_outlet_event_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_data),
        cmocka_unit_test(missing_and_wrong_types),
        cmocka_unit_test(values),
        cmocka_unit_test(c1_controls_in_name),
        cmocka_unit_test(unicode_blank_name),
        cmocka_unit_test(nul_inside_id),
        cmocka_unit_test(name_length_in_characters),
        cmocka_unit_test(version_member),
        cmocka_unit_test(extra_members_ignored),
        cmocka_unit_test(not_an_object),
    };
    return cmocka_run_group_tests_name("customer_outlet_event", tests, NULL, NULL);
}
