/* Tests of customer-svc input rules: a bad-input matrix per request body (missing, wrong type,
 * out of range, overlong, unknown and server-owned members), E.164 and e-mail edge cases, text
 * rules (UTF-8, control characters, length in characters), feed query parameters, and cursors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "common/auth.h"
#include "common/errors.h"
#include "common/geo.h"
#include "common/jspec.h"
#include "customer_rules.h"
#include "customer_tests.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------------ */
/* Harness: a case is a body (JSON with ' for ") and the expected error code and field, or no
 * code for success. On failure the output must be untouched. */

struct body_case {
    const char *json;
    const char *code; /* NULL: must succeed */
    const char *field;
};

/* The wire name of an error's code. */
static const char *code_name(const struct jspec_error *e)
{
    return api_error_get(e->code)->code;
}

typedef int (*body_fn)(const json_t *body, void *ret, struct jspec_error *err);

/* Runs fn on body; checks the outcome against code/field; the output is left in out. */
static void check_body(const char *what, json_t *body, body_fn fn, void *out, size_t size,
                       const char *code, const char *field)
{
    unsigned char *sentinel = malloc(size);
    struct jspec_error err;
    int rc;

    memset(sentinel, 0x5a, size);
    memcpy(out, sentinel, size);
    memset(&err, 0, sizeof err);
    rc = fn(body, out, &err);
    if (!code && rc != 0)
        fail_msg("%s: expected success, got %s on '%s': %s", what, code_name(&err), err.field,
                 err.message);
    if (code) {
        if (rc != OF_EPERMANENT || strcmp(code_name(&err), code) != 0 ||
            strcmp(err.field, field) != 0)
            fail_msg("%s: expected %s on '%s', got rc %d %s on '%s'", what, code, field, rc,
                     code_name(&err), err.field);
        if (memcmp(out, sentinel, size) != 0)
            fail_msg("%s: output changed on failure", what);
        /* The message names the field (or the body) and is not empty beyond it. */
        if (strncmp(err.message, field[0] ? field : "body", strlen(field[0] ? field : "body")) ||
            strlen(err.message) < strlen(field) + 5)
            fail_msg("%s: message '%s' does not name '%s'", what, err.message, field);
    }
    free(sentinel);
}

static void run_cases(const struct body_case *cases, size_t n, body_fn fn, void *out, size_t size)
{
    for (size_t i = 0; i < n; i++) {
        json_t *body = customer_test_load(cases[i].json);
        check_body(cases[i].json, body, fn, out, size, cases[i].code, cases[i].field);
        json_decref(body);
    }
}

static int otp_request_fn(const json_t *b, void *r, struct jspec_error *e)
{
    return customer_rules_otp_request(b, r, e);
}

static int otp_verify_fn(const json_t *b, void *r, struct jspec_error *e)
{
    return customer_rules_otp_verify(b, r, e);
}

static int patch_fn(const json_t *b, void *r, struct jspec_error *e)
{
    return customer_rules_profile_patch(b, r, e);
}

static int address_fn(const json_t *b, void *r, struct jspec_error *e)
{
    return customer_rules_address(b, r, e);
}

/* The wire names of the codes (common/apierror.h), as a client sees them. */
#define UNKNOWN   "unknown_field"
#define READ_ONLY "read_only_field"
#define MISSING   "missing_field"
#define TYPE      "invalid_type"
#define VALUE     "invalid_value"
#define RANGE     "out_of_range"
#define TOO_LONG  "too_long"
#define NOT_OBJ   "body_not_object"

/* ------------------------------------------------------------------------------------------ */
/* Single values */

static void phone_e164(void **state)
{
    (void)state;
    static const char *const good[] = {
        "+12345678",        /* 8 digits, the fewest */
        "+123456789012345", /* 15 digits, the most */
        "+447700900123",    "+14155552671", "+819012345678", "+99999999",
    };
    static const char *const bad[] = {
        "",
        "+",
        "+1234567",          /* 7 digits */
        "+1234567890123456", /* 16 digits */
        "+0447700900123",    /* first digit 0 */
        "447700900123",      /* no '+' */
        "00447700900123",
        "++447700900123",
        "+44 7700 900123",
        "+44-7700-900123",
        "+(44)7700900123",
        "+44770090012a",
        " +447700900123",
        "+447700900123 ",
        "+447700900123\n",
        "+\xef\xbc\x94\xef\xbc\x94\xef\xbc\x97\xef\xbc\x97\xef\xbc\x90\xef\xbc\x90\xef\xbc\x99\xef"
        "\xbc\x90\xef\xbc\x90",                                              /* fullwidth digits */
        "+\xd9\xa4\xd9\xa4\xd9\xa7\xd9\xa7\xd9\xa0\xd9\xa0\xd9\xa9\xd9\xa0", /* Arabic-Indic */
    };
    for (size_t i = 0; i < N(good); i++)
        if (!customer_rules_phone_valid(good[i]))
            fail_msg("rejected %s", good[i]);
    for (size_t i = 0; i < N(bad); i++)
        if (customer_rules_phone_valid(bad[i]))
            fail_msg("accepted bad phone #%zu", i);
    assert_false(customer_rules_phone_valid(NULL));
}

/* data/phones.txt: each number as typed and its normalised form, or "-" for a refusal. The
 * output buffer is untouched on refusal, and the normalised form is itself valid and a fixed
 * point. */
static void phone_normalize_data(void **state)
{
    (void)state;
    FILE *f = fopen("data/phones.txt", "r");
    char line[256];
    int cases = 0, wrong = 0;
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        *sp = '\0';
        const char *in = line, *want = sp + 1;
        char out[CUSTOMER_PHONE_SIZE] = "untouched";
        int rc = customer_rules_phone_normalize(in, out);
        cases++;
        if (strcmp(want, "-") == 0) {
            if (rc != OF_EPERMANENT || strcmp(out, "untouched") != 0) {
                print_error("%s: accepted as %s\n", in, out);
                wrong++;
            }
        } else if (rc != OF_OK || strcmp(out, want) != 0) {
            print_error("%s: %s, expected %s\n", in, rc == OF_OK ? out : "refused", want);
            wrong++;
        } else if (!customer_rules_phone_valid(out) ||
                   customer_rules_phone_valid(in) != (strcmp(in, out) == 0)) {
            print_error("%s: customer_rules_phone_valid disagrees\n", in);
            wrong++;
        }
    }
    fclose(f);
    assert_true(cases >= 40);
    assert_int_equal(wrong, 0);
    char out[CUSTOMER_PHONE_SIZE] = "untouched";
    assert_int_equal(customer_rules_phone_normalize(NULL, out), OF_EPERMANENT);
}

static void roles(void **state)
{
    (void)state;
    unsigned role = 12345;
    assert_int_equal(customer_rules_role_parse("customer", &role), 0);
    assert_int_equal(role, AUTH_CUSTOMER);
    assert_int_equal(customer_rules_role_parse("business", &role), 0);
    assert_int_equal(role, AUTH_BUSINESS);
    assert_int_equal(customer_rules_role_parse("partner", &role), 0);
    assert_int_equal(role, AUTH_PARTNER);
    static const char *const bad[] = {"admin", "Admin", "ADMIN",      "Customer", "customer ",
                                      "",      "root",  "customer\n", "partners"};
    for (size_t i = 0; i < N(bad); i++) {
        role = 12345;
        assert_int_equal(customer_rules_role_parse(bad[i], &role), OF_EPERMANENT);
        assert_int_equal(role, 12345);
    }
    assert_int_equal(customer_rules_role_parse(NULL, &role), OF_EPERMANENT);
}

static void emails(void **state)
{
    (void)state;
    char longest[300], local65[80];
    /* 64 + 1 + (63 + 1 + 63 + 1 + 61) = 254 */
    snprintf(longest, sizeof longest, "%.*s@%.*s.%.*s.%.*s", 64,
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 63,
             "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 63,
             "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", 61,
             "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
    assert_int_equal(strlen(longest), 254);
    assert_true(customer_rules_email_valid(longest));
    strcat(longest, "d");
    assert_false(customer_rules_email_valid(longest)); /* 255 */
    snprintf(local65, sizeof local65, "%065d@example.com", 0);
    assert_false(customer_rules_email_valid(local65));

    static const char *const good[] = {
        "ada@example.com",  "a.b+tag@sub.example.co.uk", "x@ex-ample.io",
        "A_B@EXAMPLE.ORG",  "o'neil@example.ie",         "1@2.de",
        "{}~|@example.com",
    };
    static const char *const bad[] = {
        "",
        "ada",
        "@example.com",
        "ada@",
        "ada@example",
        "ada@@example.com",
        "a@b@example.com",
        ".ada@example.com",
        "ada.@example.com",
        "a..da@example.com",
        "ada@-example.com",
        "ada@example-.com",
        "ada@example..com",
        "ada@.example.com",
        "ada@example.com.",
        "ada@example.c",
        "ada@example.c0m",
        "ada lovelace@example.com",
        "ada@exa mple.com",
        "ada@exam_ple.com",
        "ada\n@example.com",
        "ad\"a@example.com",
        "ad(a)@example.com",
        "ad\xc3\xa9@example.com",
        "ada@ex\xc3\xa4mple.com",
    };
    for (size_t i = 0; i < N(good); i++)
        if (!customer_rules_email_valid(good[i]))
            fail_msg("rejected %s", good[i]);
    for (size_t i = 0; i < N(bad); i++)
        if (customer_rules_email_valid(bad[i]))
            fail_msg("accepted bad e-mail #%zu (%s)", i, bad[i]);
    assert_false(customer_rules_email_valid(NULL));
}

static void codes(void **state)
{
    (void)state;
    assert_true(customer_rules_code_valid("000000") && customer_rules_code_valid("123456"));
    static const char *const bad[] = {"",
                                      "12345",
                                      "1234567",
                                      "12345a",
                                      " 12345",
                                      "123456 ",
                                      "-12345",
                                      "12 456",
                                      "+12345",
                                      "\xef\xbc\x91"
                                      "23456"};
    for (size_t i = 0; i < N(bad); i++)
        if (customer_rules_code_valid(bad[i]))
            fail_msg("accepted bad code #%zu", i);
    assert_false(customer_rules_code_valid(NULL));
}

/* ------------------------------------------------------------------------------------------ */
/* Bodies */

static void otp_request_matrix(void **state)
{
    (void)state;
    static const struct body_case cases[] = {
        {"{'phone':'+447700900123'}", NULL, NULL},
        {"{'phone':'+447700900123','role':'partner'}", NULL, NULL},
        {"[]", NOT_OBJ, ""},
        {"'+447700900123'", NOT_OBJ, ""},
        {"null", NOT_OBJ, ""},
        {"{}", MISSING, "phone"},
        {"{'role':'customer'}", MISSING, "phone"},
        {"{'phone':447700900123}", TYPE, "phone"},
        {"{'phone':null}", TYPE, "phone"},
        {"{'phone':['+447700900123']}", TYPE, "phone"},
        {"{'phone':'447700900123'}", VALUE, "phone"},
        {"{'phone':'+44 7700 900123'}", VALUE, "phone"},
        {"{'phone':'+1234567890123456'}", VALUE, "phone"},
        {"{'phone':'+44077009001234'}", VALUE, "phone"}, /* 11 digits for the UK without its 0 */
        {"{'phone':'+4407700900123'}", NULL, NULL},
        {"{'phone':'+44770090\\u0000123'}", VALUE, "phone"},
        {"{'phone':'+447700900123','role':'admin'}", VALUE, "role"},
        {"{'phone':'+447700900123','role':'Customer'}", VALUE, "role"},
        {"{'phone':'+447700900123','role':''}", VALUE, "role"},
        {"{'phone':'+447700900123','role':1}", TYPE, "role"},
        {"{'phone':'+447700900123','role':null}", TYPE, "role"},
        {"{'phone':'+447700900123','role':['admin']}", TYPE, "role"},
        {"{'phone':'+447700900123','code':'123456'}", UNKNOWN, "code"},
        {"{'phone':'+447700900123','id':'x'}", READ_ONLY, "id"},
        {"{'phone':'+447700900123','account_id':'x'}", READ_ONLY, "account_id"},
        {"{'phone':'+447700900123','created_at':'x'}", READ_ONLY, "created_at"},
        /* Members are checked before fields: an unknown one wins over a missing phone. */
        {"{'phon':'+447700900123'}", UNKNOWN, "phon"},
        {"{'':1,'phone':'+447700900123'}", UNKNOWN, ""},
    };
    struct customer_otp_request r;
    run_cases(cases, N(cases), otp_request_fn, &r, sizeof r);

    json_t *b = customer_test_load("{'phone':'+447700900123'}");
    check_body("default role", b, otp_request_fn, &r, sizeof r, NULL, NULL);
    assert_string_equal(r.phone, "+447700900123");
    assert_int_equal(r.role, AUTH_CUSTOMER);
    json_decref(b);
    b = customer_test_load("{'role':'business','phone':'+14155552671'}");
    check_body("business", b, otp_request_fn, &r, sizeof r, NULL, NULL);
    assert_string_equal(r.phone, "+14155552671");
    assert_int_equal(r.role, AUTH_BUSINESS);
    json_decref(b);
    /* The phone comes out normalised: the trunk 0 is gone before any limit, hash or row. */
    b = customer_test_load("{'phone':'+4407700900123'}");
    check_body("trunk 0", b, otp_request_fn, &r, sizeof r, NULL, NULL);
    assert_string_equal(r.phone, "+447700900123");
    json_decref(b);
    b = customer_test_load("{'phone':'+4407700900'}");
    check_body("too short for the UK", b, otp_request_fn, &r, sizeof r, NULL, NULL);
    assert_string_equal(r.phone, "+447700900");
    json_decref(b);
}

static void otp_verify_matrix(void **state)
{
    (void)state;
    static const struct body_case cases[] = {
        {"{'phone':'+447700900123','code':'012345'}", NULL, NULL},
        {"{'code':'012345'}", MISSING, "phone"},
        {"{'phone':'+447700900123'}", MISSING, "code"},
        {"{'phone':'+447700900123','code':12345}", TYPE, "code"},
        {"{'phone':'+447700900123','code':null}", TYPE, "code"},
        {"{'phone':'+447700900123','code':'12345'}", VALUE, "code"},
        {"{'phone':'+447700900123','code':'1234567'}", VALUE, "code"},
        {"{'phone':'+447700900123','code':'12345x'}", VALUE, "code"},
        {"{'phone':'+447700900123','code':''}", VALUE, "code"},
        {"{'phone':'0447700900123','code':'123456'}", VALUE, "phone"},
        {"{'phone':'+447700900123','code':'123456','role':'partner'}", NULL, NULL},
        {"{'phone':'+447700900123','code':'123456','role':'admin'}", VALUE, "role"},
        {"{'phone':'+447700900123','code':'123456','role':7}", TYPE, "role"},
        {"{'phone':'+447700900123','code':'123456','token':'x'}", UNKNOWN, "token"},
        {"{'phone':'+447700900123','code':'123456','status':'ok'}", READ_ONLY, "status"},
    };
    struct customer_otp_verify r;
    run_cases(cases, N(cases), otp_verify_fn, &r, sizeof r);

    json_t *b = customer_test_load(cases[0].json);
    check_body("verify", b, otp_verify_fn, &r, sizeof r, NULL, NULL);
    assert_string_equal(r.phone, "+447700900123");
    assert_string_equal(r.code, "012345");
    json_decref(b);
}

/* {"name": n copies of ch} */
static json_t *name_body(const char *ch, size_t n)
{
    size_t len = strlen(ch);
    char *s = malloc(len * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * len, ch, len);
    s[len * n] = '\0';
    json_t *b = json_pack("{s:s}", "name", s);
    free(s);
    return b;
}

static void profile_patch_matrix(void **state)
{
    (void)state;
    static const struct body_case cases[] = {
        {"{}", NULL, NULL},
        {"{'name':'Ada Lovelace'}", NULL, NULL},
        {"{'email':null}", NULL, NULL},
        {"{'name':'Zo\\u00eb','email':'zoe@example.com'}", NULL, NULL},
        {"{'name':'\\u5f20\\u4f1f \\ud83d\\ude00'}", NULL, NULL},
        {"{'name':null}", TYPE, "name"},
        {"{'name':42}", TYPE, "name"},
        {"{'name':{}}", TYPE, "name"},
        {"{'name':''}", VALUE, "name"},
        {"{'name':'   '}", VALUE, "name"},
        {"{'name':'Ada\\tLovelace'}", VALUE, "name"},
        {"{'name':'Ada\\nLovelace'}", VALUE, "name"},
        {"{'name':'Ada\\u007f'}", VALUE, "name"},
        {"{'name':'Ada\\u0085'}", VALUE, "name"},
        {"{'name':'Ada\\u0000Lovelace'}", VALUE, "name"},
        {"{'email':''}", VALUE, "email"},
        {"{'email':'not-an-email'}", VALUE, "email"},
        {"{'email':5}", TYPE, "email"},
        {"{'email':true}", TYPE, "email"},
        {"{'name':'Ada','phone':'+447700900123'}", READ_ONLY, "phone"},
        {"{'role':'admin'}", READ_ONLY, "role"},
        {"{'id':'0190a0a0-0000-7000-8000-000000000000'}", READ_ONLY, "id"},
        {"{'created_at':'2024-01-01T00:00:00Z'}", READ_ONLY, "created_at"},
        {"{'owner':'me'}", READ_ONLY, "owner"},
        {"{'nickname':'ada'}", UNKNOWN, "nickname"},
        {"{'Name':'Ada'}", UNKNOWN, "Name"},
        {"[{'name':'Ada'}]", NOT_OBJ, ""},
    };
    struct customer_profile_patch r;
    run_cases(cases, N(cases), patch_fn, &r, sizeof r);

    json_t *b = customer_test_load("{}");
    check_body("empty patch", b, patch_fn, &r, sizeof r, NULL, NULL);
    assert_false(r.set_name || r.set_email);
    json_decref(b);
    b = customer_test_load("{'email':null}");
    check_body("clear email", b, patch_fn, &r, sizeof r, NULL, NULL);
    assert_true(!r.set_name && r.set_email && r.email[0] == '\0');
    json_decref(b);
    b = customer_test_load("{'name':'Ada','email':'ada@example.com'}");
    check_body("both", b, patch_fn, &r, sizeof r, NULL, NULL);
    assert_true(r.set_name && r.set_email);
    assert_string_equal(r.name, "Ada");
    assert_string_equal(r.email, "ada@example.com");
    json_decref(b);

    /* Length counts characters: 100 of them fit whatever their UTF-8 size, 101 do not. */
    static const char *const chars[] = {"a", "\xc3\xa9", "\xe5\xbc\xa0", "\xf0\x9f\x98\x80"};
    for (size_t i = 0; i < N(chars); i++) {
        b = name_body(chars[i], CUSTOMER_NAME_MAX);
        check_body("100 characters", b, patch_fn, &r, sizeof r, NULL, NULL);
        assert_int_equal(strlen(r.name), CUSTOMER_NAME_MAX * strlen(chars[i]));
        json_decref(b);
        b = name_body(chars[i], CUSTOMER_NAME_MAX + 1);
        check_body("101 characters", b, patch_fn, &r, sizeof r, TOO_LONG, "name");
        json_decref(b);
    }
    b = name_body("a", 100000);
    check_body("huge name", b, patch_fn, &r, sizeof r, TOO_LONG, "name");
    json_decref(b);
}

/* Strings jansson's parser would never produce, built with the unchecked constructor: the rules
 * must not trust their input to be UTF-8. */
static void invalid_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\xc0\x80",         /* overlong NUL */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong '/' */
        "\xed\xa0\x80",     /* surrogate */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xf5\x80\x80\x80",
        "\xe2\x82", /* truncated */
        "a\x80",    /* stray continuation */
        "\xff",
    };
    struct customer_profile_patch r;
    for (size_t i = 0; i < N(bad); i++) {
        json_t *b = json_object();
        json_object_set_new_nocheck(b, "name", json_stringn_nocheck(bad[i], strlen(bad[i])));
        check_body("invalid UTF-8", b, patch_fn, &r, sizeof r, VALUE, "name");
        json_decref(b);
    }
}

static void long_unknown_field_name_is_cut_at_a_character(void **state)
{
    (void)state;
    char key[1 + 2 * 100 + 1] = "a";
    for (int i = 0; i < 100; i++)
        memcpy(key + 1 + 2 * i, "\xc3\xa9", 3);
    json_t *b = json_object();
    json_object_set_new(b, key, json_true());
    struct customer_profile_patch r;
    struct jspec_error err;
    assert_int_equal(customer_rules_profile_patch(b, &r, &err), OF_EPERMANENT);
    assert_string_equal(code_name(&err), UNKNOWN);
    assert_int_equal(strlen(err.field), 63); /* 'a' and 31 two-byte characters */
    assert_memory_equal(err.field, key, 63);
    json_decref(b);

    /* A member name with a NUL inside is not the field it starts like. */
    b = json_object();
    json_object_setn_new(b, "name\0x", 6, json_string("Ada"));
    assert_int_equal(customer_rules_profile_patch(b, &r, &err), OF_EPERMANENT);
    assert_string_equal(code_name(&err), UNKNOWN);
    json_decref(b);
}

#define ADDR_OK "'label':'Home','line1':'1 High St','city':'London','postcode':'SW1A 1AA'"

static void address_matrix(void **state)
{
    (void)state;
    static const struct body_case cases[] = {
        {"{" ADDR_OK ",'lat':51.5,'lng':-0.12}", NULL, NULL},
        {"{" ADDR_OK ",'lat':90,'lng':180}", NULL, NULL},
        {"{" ADDR_OK ",'lat':-90,'lng':-180}", NULL, NULL},
        {"{" ADDR_OK ",'lat':0,'lng':0}", NULL, NULL},
        {"{" ADDR_OK ",'lat':51.5}", MISSING, "lng"},
        {"{" ADDR_OK ",'lng':51.5}", MISSING, "lat"},
        {"{'line1':'1 High St','city':'London','postcode':'N1','lat':1,'lng':1}", MISSING, "label"},
        {"{'label':'Home','city':'London','postcode':'N1','lat':1,'lng':1}", MISSING, "line1"},
        {"{'label':'Home','line1':'1 High St','postcode':'N1','lat':1,'lng':1}", MISSING, "city"},
        {"{'label':'Home','line1':'1 High St','city':'London','lat':1,'lng':1}", MISSING,
         "postcode"},
        {"{" ADDR_OK ",'lat':'51.5','lng':-0.12}", TYPE, "lat"},
        {"{" ADDR_OK ",'lat':51.5,'lng':'-0.12'}", TYPE, "lng"},
        {"{" ADDR_OK ",'lat':null,'lng':0}", TYPE, "lat"},
        {"{" ADDR_OK ",'lat':true,'lng':0}", TYPE, "lat"},
        {"{" ADDR_OK ",'lat':[51.5],'lng':0}", TYPE, "lat"},
        {"{" ADDR_OK ",'lat':90.000001,'lng':0}", RANGE, "lat"},
        {"{" ADDR_OK ",'lat':-91,'lng':0}", RANGE, "lat"},
        {"{" ADDR_OK ",'lat':1e300,'lng':0}", RANGE, "lat"},
        {"{" ADDR_OK ",'lat':0,'lng':180.5}", RANGE, "lng"},
        {"{" ADDR_OK ",'lat':0,'lng':-180.000001}", RANGE, "lng"},
        {"{" ADDR_OK ",'lat':0,'lng':360}", RANGE, "lng"},
        {"{'label':5,'line1':'x','city':'y','postcode':'N1','lat':1,'lng':1}", TYPE, "label"},
        {"{'label':'','line1':'x','city':'y','postcode':'N1','lat':1,'lng':1}", VALUE, "label"},
        {"{'label':'Home','line1':'x\\u0001','city':'y','postcode':'N1','lat':1,'lng':1}", VALUE,
         "line1"},
        {"{'label':'Home','line1':'x','city':' ','postcode':'N1','lat':1,'lng':1}", VALUE, "city"},
        {"{'label':'Home','line1':'x','city':'y','postcode':'','lat':1,'lng':1}", VALUE,
         "postcode"},
        {"{'label':'Home','line1':'x','city':'y','postcode':'SW1A_1AA','lat':1,'lng':1}", VALUE,
         "postcode"},
        {"{'label':'Home','line1':'x','city':'y','postcode':'---','lat':1,'lng':1}", VALUE,
         "postcode"},
        {"{'label':'Home','line1':'x','city':'y','postcode':'75\\u00e9','lat':1,'lng':1}", VALUE,
         "postcode"},
        {"{'label':'Home','line1':'x','city':'y','postcode':12345,'lat':1,'lng':1}", TYPE,
         "postcode"},
        {"{'label':'Home','line1':'x','city':'y','postcode':'123456789012345678901','lat':1,"
         "'lng':1}",
         TOO_LONG, "postcode"},
        {"{" ADDR_OK ",'lat':1,'lng':1,'id':'0190a0a0-0000-7000-8000-000000000000'}", READ_ONLY,
         "id"},
        {"{" ADDR_OK ",'lat':1,'lng':1,'account_id':'x'}", READ_ONLY, "account_id"},
        {"{" ADDR_OK ",'lat':1,'lng':1,'owner':'x'}", READ_ONLY, "owner"},
        {"{" ADDR_OK ",'lat':1,'lng':1,'customer_id':'x'}", READ_ONLY, "customer_id"},
        {"{" ADDR_OK ",'lat':1,'lng':1,'created_at':'x'}", READ_ONLY, "created_at"},
        {"{" ADDR_OK ",'lat':1,'lng':1,'deleted':true}", READ_ONLY, "deleted"},
        {"{" ADDR_OK ",'lat':1,'lng':1,'line2':'Flat 2'}", UNKNOWN, "line2"},
        {"{" ADDR_OK ",'lat':1,'lng':1,'latitude':1}", UNKNOWN, "latitude"},
        {"'Home'", NOT_OBJ, ""},
    };
    struct customer_address r;
    run_cases(cases, N(cases), address_fn, &r, sizeof r);

    json_t *b = customer_test_load("{" ADDR_OK ",'lat':51,'lng':-0.1275}");
    check_body("address", b, address_fn, &r, sizeof r, NULL, NULL);
    assert_string_equal(r.id, "");
    assert_string_equal(r.label, "Home");
    assert_string_equal(r.line1, "1 High St");
    assert_string_equal(r.city, "London");
    assert_string_equal(r.postcode, "SW1A 1AA");
    assert_true(r.lat == 51.0 && r.lng == -0.1275); /* a JSON integer is a number too */
    json_decref(b);
}

/* An address body whose member `field` is n copies of 'x'. */
static json_t *address_with(const char *field, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, 'x', n);
    s[n] = '\0';
    json_t *b = customer_test_load("{" ADDR_OK ",'lat':1,'lng':2}");
    json_object_set_new(b, field, json_string(s));
    free(s);
    return b;
}

static void address_lengths(void **state)
{
    (void)state;
    static const struct {
        const char *field;
        size_t max;
    } limits[] = {
        {"label", CUSTOMER_LABEL_MAX},
        {"line1", CUSTOMER_LINE1_MAX},
        {"city", CUSTOMER_CITY_MAX},
        {"postcode", CUSTOMER_POSTCODE_MAX},
    };
    struct customer_address r;
    for (size_t i = 0; i < N(limits); i++) {
        json_t *b = address_with(limits[i].field, limits[i].max);
        check_body(limits[i].field, b, address_fn, &r, sizeof r, NULL, NULL);
        json_decref(b);
        b = address_with(limits[i].field, limits[i].max + 1);
        check_body(limits[i].field, b, address_fn, &r, sizeof r, TOO_LONG, limits[i].field);
        json_decref(b);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Feed */

#define ADDRESS_ID "0190a0a0-1234-7abc-8def-0123456789ab"
#define OUTLET_ID  "0190a0a0-5678-7abc-8def-ba9876543210"

struct feed_case {
    const char *address_id, *radius_km, *limit, *cursor;
    const char *code; /* NULL: must succeed */
    const char *field;
};

static void feed_query_matrix(void **state)
{
    (void)state;
    static const struct feed_case cases[] = {
        {ADDRESS_ID, NULL, NULL, NULL, NULL, NULL},
        {ADDRESS_ID, "50", "100", NULL, NULL, NULL},
        {ADDRESS_ID, "0.001", "1", NULL, NULL, NULL},
        {NULL, NULL, NULL, NULL, MISSING, "address_id"},
        {"", NULL, NULL, NULL, VALUE, "address_id"},
        {"42", NULL, NULL, NULL, VALUE, "address_id"},
        {ADDRESS_ID "0", NULL, NULL, NULL, VALUE, "address_id"},
        {ADDRESS_ID, "0", NULL, NULL, RANGE, "radius_km"},
        {ADDRESS_ID, "0.0", NULL, NULL, RANGE, "radius_km"},
        {ADDRESS_ID, "50.001", NULL, NULL, RANGE, "radius_km"},
        {ADDRESS_ID, "51", NULL, NULL, RANGE, "radius_km"},
        {ADDRESS_ID, "999999999", NULL, NULL, RANGE, "radius_km"},
        {ADDRESS_ID, "-1", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, "", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, "abc", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, "1e1", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, "5.", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, ".5", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, " 5", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, "5 ", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, "+5", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, "nan", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, "inf", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, "0x10", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, "1,5", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, "99999999999999999999", NULL, NULL, VALUE, "radius_km"},
        {ADDRESS_ID, NULL, "0", NULL, RANGE, "limit"},
        {ADDRESS_ID, NULL, "101", NULL, RANGE, "limit"},
        {ADDRESS_ID, NULL, "99999999999999999999999", NULL, RANGE, "limit"},
        {ADDRESS_ID, NULL, "-1", NULL, VALUE, "limit"},
        {ADDRESS_ID, NULL, "", NULL, VALUE, "limit"},
        {ADDRESS_ID, NULL, "1.5", NULL, VALUE, "limit"},
        {ADDRESS_ID, NULL, "ten", NULL, VALUE, "limit"},
        {ADDRESS_ID, NULL, " 10", NULL, VALUE, "limit"},
        {ADDRESS_ID, NULL, NULL, "", VALUE, "cursor"},
        {ADDRESS_ID, NULL, NULL, "not a cursor", VALUE, "cursor"},
        /* The first bad parameter is reported. */
        {"bad", "0", "0", "bad", VALUE, "address_id"},
        {ADDRESS_ID, "0", "0", "bad", RANGE, "radius_km"},
        {ADDRESS_ID, "5", "0", "bad", RANGE, "limit"},
    };
    struct customer_feed_query q, sentinel;
    struct jspec_error err;
    memset(&sentinel, 0x5a, sizeof sentinel);
    for (size_t i = 0; i < N(cases); i++) {
        const struct feed_case *c = &cases[i];
        q = sentinel;
        int rc =
            customer_rules_feed_query(c->address_id, c->radius_km, c->limit, c->cursor, &q, &err);
        if (!c->code && rc != 0)
            fail_msg("feed case %zu: %s on %s", i, code_name(&err), err.field);
        if (c->code && (rc != OF_EPERMANENT || strcmp(code_name(&err), c->code) != 0 ||
                        strcmp(err.field, c->field) != 0 || memcmp(&q, &sentinel, sizeof q)))
            fail_msg("feed case %zu: expected %s on %s, got rc %d %s on %s", i, c->code, c->field,
                     rc, rc ? code_name(&err) : "-", rc ? err.field : "-");
    }
}

static void feed_query_values(void **state)
{
    (void)state;
    struct customer_feed_query q;
    struct jspec_error err;
    char cursor[CUSTOMER_CURSOR_SIZE];
    struct customer_feed_cursor c = {.distance_m = 1234.5, .outlet_id = OUTLET_ID};

    assert_int_equal(customer_rules_feed_query(ADDRESS_ID, NULL, NULL, NULL, &q, &err), 0);
    assert_string_equal(q.address_id, ADDRESS_ID);
    assert_true(q.radius_m == 5000.0);
    assert_int_equal(q.limit, 20);
    assert_false(q.has_cursor);

    assert_int_equal(customer_rules_cursor_encode(&c, cursor), 0);
    assert_int_equal(customer_rules_feed_query(ADDRESS_ID, "2.5", "007", cursor, &q, &err), 0);
    assert_true(q.radius_m == 2500.0);
    assert_int_equal(q.limit, 7);
    assert_true(q.has_cursor && q.cursor.distance_m == 1234.5);
    assert_string_equal(q.cursor.outlet_id, OUTLET_ID);

    assert_int_equal(customer_rules_feed_query(ADDRESS_ID, "50", "100", NULL, &q, &err), 0);
    assert_true(q.radius_m == 50000.0);
    assert_int_equal(q.limit, 100);
}

/* Independent base64url (OpenSSL's base64, then the URL alphabet, no padding). */
static void b64url(const char *text, size_t n, char *out)
{
    int len = EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)text, (int)n);
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (char *p = out; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
}

static void expect_cursor_rejected(const char *what, const char *s)
{
    struct customer_feed_cursor c, sentinel;
    memset(&sentinel, 0x5a, sizeof sentinel);
    c = sentinel;
    if (customer_rules_cursor_decode(s, &c) != OF_EPERMANENT)
        fail_msg("cursor accepted: %s", what);
    assert_memory_equal(&c, &sentinel, sizeof c);
}

static void cursor_round_trip(void **state)
{
    (void)state;
    const double distances[] = {0.0,       -0.0,      0.1,
                                1.0 / 3.0, 1234.5678, 49999.999999999993,
                                5e-324,    1e-300,    M_PI * GEO_EARTH_RADIUS_M};
    char s[CUSTOMER_CURSOR_SIZE], text[100], expect[CUSTOMER_CURSOR_SIZE];
    struct customer_feed_cursor in = {.outlet_id = OUTLET_ID}, out;

    for (size_t i = 0; i < N(distances) + 2000; i++) {
        in.distance_m = i < N(distances) ? distances[i] : (double)rand() / RAND_MAX * 2.0e7;
        assert_int_equal(customer_rules_cursor_encode(&in, s), 0);
        assert_true(strlen(s) >= CUSTOMER_CURSOR_MIN_LEN && strlen(s) <= CUSTOMER_CURSOR_MAX_LEN);
        assert_non_null(strchr("MNO", s[0])); /* the OpenAPI pattern ^[MNO][A-Za-z0-9_-]{50,79} */
        assert_int_equal(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                                   "-_"),
                         strlen(s));
        assert_int_equal(customer_rules_cursor_decode(s, &out), 0);
        if (memcmp(&out.distance_m, &in.distance_m, sizeof(double)) != 0 && in.distance_m != 0)
            fail_msg("%.17g came back as %.17g", in.distance_m, out.distance_m);
        assert_true(out.distance_m == in.distance_m && !signbit(out.distance_m));
        assert_string_equal(out.outlet_id, OUTLET_ID);
    }
    /* The bounds are reached: distance 0 is the shortest, the smallest denormal the longest. */
    in.distance_m = 0.0;
    assert_int_equal(customer_rules_cursor_encode(&in, s), 0);
    assert_int_equal(strlen(s), CUSTOMER_CURSOR_MIN_LEN);
    in.distance_m = 5e-324;
    assert_int_equal(customer_rules_cursor_encode(&in, s), 0);
    assert_int_equal(strlen(s), CUSTOMER_CURSOR_MAX_LEN);
    /* The format is the documented one. */
    in.distance_m = 1234.5;
    snprintf(text, sizeof text, "1234.5:%s", OUTLET_ID);
    b64url(text, strlen(text), expect);
    assert_int_equal(customer_rules_cursor_encode(&in, s), 0);
    assert_string_equal(s, expect);
}

static void cursor_encode_rejects(void **state)
{
    (void)state;
    const double bad[] = {-1.0, -1e-300, NAN, INFINITY, -INFINITY, 2.1e7};
    char s[CUSTOMER_CURSOR_SIZE] = "untouched";
    struct customer_feed_cursor c = {.outlet_id = OUTLET_ID};
    for (size_t i = 0; i < N(bad); i++) {
        c.distance_m = bad[i];
        assert_int_equal(customer_rules_cursor_encode(&c, s), OF_EPERMANENT);
    }
    c.distance_m = 1;
    strcpy(c.outlet_id, "not-a-uuid");
    assert_int_equal(customer_rules_cursor_encode(&c, s), OF_EPERMANENT);
    assert_string_equal(s, "untouched");
}

static void cursor_decode_rejects(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "",
        ":" OUTLET_ID,
        "1234.5",
        "1234.5:",
        "1234.5:" OUTLET_ID ":",
        "1234.5:" OUTLET_ID "0",
        "1234.5:not-a-uuid",
        "1234.5;" OUTLET_ID,
        " 1234.5:" OUTLET_ID,
        "+1234.5:" OUTLET_ID,
        "-0:" OUTLET_ID,
        "-1:" OUTLET_ID,
        "0x10:" OUTLET_ID,
        "inf:" OUTLET_ID,
        "nan:" OUTLET_ID,
        "1e400:" OUTLET_ID,
        "1e+300:" OUTLET_ID,
        "1234.50:" OUTLET_ID, /* the same number, not as the encoder writes it */
        "01234.5:" OUTLET_ID,
        "1.2345e3:" OUTLET_ID,
        "1234.5e:" OUTLET_ID,
        "1234..5:" OUTLET_ID,
    };
    char s[300];
    for (size_t i = 0; i < N(texts); i++) {
        b64url(texts[i], strlen(texts[i]), s);
        expect_cursor_rejected(texts[i], s);
    }
    /* A NUL inside. */
    static const char nul[] = "1234.5:" OUTLET_ID "\0x";
    b64url(nul, sizeof nul - 1, s);
    expect_cursor_rejected("NUL inside", s);

    /* Spellings of a good cursor other than the canonical one. */
    char good[CUSTOMER_CURSOR_SIZE], text[100];
    snprintf(text, sizeof text, "1234.5:%s", OUTLET_ID);
    b64url(text, strlen(text), good);
    struct customer_feed_cursor c;
    assert_int_equal(customer_rules_cursor_decode(good, &c), 0);
    snprintf(s, sizeof s, "%s=", good);
    expect_cursor_rejected("padding", s);
    snprintf(s, sizeof s, "%s ", good);
    expect_cursor_rejected("trailing space", s);
    snprintf(s, sizeof s, " %s", good);
    expect_cursor_rejected("leading space", s);
    strcpy(s, good);
    s[strlen(s) - 1] ^= 1; /* other bits in the last character */
    expect_cursor_rejected("stray bits", s);
    strcpy(s, good);
    s[3] = '+';
    expect_cursor_rejected("standard alphabet", s);
    strcpy(s, good);
    s[strlen(s) - 1] = '\0'; /* one character short */
    expect_cursor_rejected("truncated", s);
    memset(s, 'A', 299);
    s[299] = '\0';
    expect_cursor_rejected("overlong", s);
    expect_cursor_rejected("NULL", NULL);
    /* base64url of a length that no byte string has (4k + 1 characters). */
    expect_cursor_rejected("bad length", "AAAAA");
}

int run_rules_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phone_e164),
        cmocka_unit_test(phone_normalize_data),
        cmocka_unit_test(roles),
        cmocka_unit_test(emails),
        cmocka_unit_test(codes),
        cmocka_unit_test(otp_request_matrix),
        cmocka_unit_test(otp_verify_matrix),
        cmocka_unit_test(profile_patch_matrix),
        cmocka_unit_test(invalid_utf8),
        cmocka_unit_test(long_unknown_field_name_is_cut_at_a_character),
        cmocka_unit_test(address_matrix),
        cmocka_unit_test(address_lengths),
        cmocka_unit_test(feed_query_matrix),
        cmocka_unit_test(feed_query_values),
        cmocka_unit_test(cursor_round_trip),
        cmocka_unit_test(cursor_encode_rejects),
        cmocka_unit_test(cursor_decode_rejects),
    };
    return cmocka_run_group_tests_name("customer_rules", tests, NULL, NULL);
}
