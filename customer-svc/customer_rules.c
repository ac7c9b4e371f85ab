/* customer-svc input rules: single-value checks, table-driven JSON body parsing, the feed query
 * and its cursor (see customer_rules.h). */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/auth.h"
#include "common/codec.h"
#include "common/errors.h"
#include "common/geo.h"
#include "common/uuid.h"
#include "customer_rules.h"

/* ------------------------------------------------------------------------------------------ */
/* Single values */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
    return is_digit(c) || is_alpha(c);
}

/* ---- Phones ----
 * The numbering plans whose national numbers are dialled with a trunk prefix 0 that is dropped
 * after the country code, and whose national significant numbers (NSN) never begin with 0
 * followed by 1-9: {country code, shortest NSN, longest NSN}. Taken from the metadata of
 * Google's libphonenumber (PhoneNumberMetadata.xml, release 9.0: nationalPrefix="0" for every
 * region of the code, no generalDesc nationalNumberPattern that matches a prefix 0[1-9], the
 * possibleLengths of its regions), which follows ITU-T E.164 and the national plans each
 * administration notifies in the ITU Operational Bulletin. Not here, so a 0 after the code is
 * kept: Italy, San Marino and the Vatican (39, 378, 379: the 0 of a fixed line is part of the
 * number, +39 06 ... is Rome), the codes without a trunk prefix (Spain 34, Norway 47, Denmark
 * 45, Greece 30, Portugal 351, Poland 48, Czechia 420, Singapore 65, Mexico 52 ...), those
 * whose trunk prefix is not 0 (NANP 1, Russia and Kazakhstan 7 (8), Hungary 36 (06), Belarus
 * 375 (8)), those whose numbers begin with 0 (Côte d'Ivoire 225, Congo 242, Rwanda 250 ...). */
static const struct trunk_zero_plan {
    uint16_t cc;
    uint8_t nsn_min, nsn_max;
} trunk_zero[] = {
    {20, 8, 10},  {27, 5, 10},  {31, 5, 11},  {32, 8, 9},   {33, 9, 9},   {40, 6, 9},
    {41, 9, 12},  {43, 4, 13},  {44, 7, 10},  {46, 6, 12},  {49, 4, 15},  {51, 8, 9},
    {53, 6, 10},  {54, 10, 11}, {55, 8, 11},  {57, 8, 11},  {58, 10, 10}, {60, 8, 10},
    {61, 5, 12},  {62, 7, 17},  {63, 6, 13},  {64, 5, 10},  {66, 8, 13},  {81, 8, 17},
    {82, 5, 14},  {84, 7, 10},  {86, 7, 12},  {90, 7, 13},  {91, 8, 13},  {92, 8, 12},
    {93, 9, 9},   {94, 9, 9},   {95, 6, 10},  {98, 4, 10},  {211, 9, 9},  {212, 9, 9},
    {213, 8, 9},  {218, 9, 9},  {231, 7, 9},  {232, 8, 8},  {233, 8, 9},  {234, 10, 14},
    {243, 7, 10}, {249, 9, 9},  {251, 9, 9},  {252, 6, 9},  {254, 7, 10}, {255, 9, 9},
    {256, 9, 9},  {260, 9, 9},  {261, 9, 9},  {262, 9, 9},  {263, 7, 10}, {264, 8, 9},
    {265, 7, 9},  {291, 7, 7},  {353, 7, 10}, {355, 6, 9},  {358, 5, 12}, {359, 6, 12},
    {370, 8, 8},  {373, 8, 8},  {374, 8, 8},  {377, 8, 9},  {380, 9, 10}, {381, 6, 12},
    {382, 8, 9},  {383, 8, 12}, {385, 7, 9},  {386, 5, 8},  {387, 8, 9},  {389, 8, 8},
    {421, 6, 9},  {423, 7, 9},  {508, 6, 9},  {590, 9, 9},  {591, 8, 9},  {593, 8, 11},
    {594, 9, 9},  {595, 6, 11}, {596, 9, 9},  {598, 4, 13}, {686, 5, 8},  {850, 8, 10},
    {855, 8, 10}, {856, 8, 10}, {880, 6, 10}, {886, 7, 11}, {961, 7, 8},  {962, 8, 9},
    {963, 8, 9},  {964, 8, 10}, {966, 9, 10}, {967, 7, 9},  {970, 8, 10}, {971, 5, 12},
    {972, 7, 12}, {976, 8, 10}, {977, 8, 11}, {994, 9, 9},  {995, 9, 9},  {996, 9, 10},
};

/* The plan of the country code at the start of digits, or NULL. Country codes are a prefix code
 * (ITU-T E.164), so at most one of the 1- to 3-digit prefixes can be one. */
static const struct trunk_zero_plan *trunk_zero_plan(const char *digits, size_t *ret_cc_len)
{
    unsigned cc = 0;
    for (size_t len = 1; len <= 3; len++) {
        cc = cc * 10 + (unsigned)(digits[len - 1] - '0');
        for (size_t i = 0; i < sizeof trunk_zero / sizeof trunk_zero[0]; i++) {
            if (trunk_zero[i].cc == cc) {
                *ret_cc_len = len;
                return &trunk_zero[i];
            }
        }
    }
    return NULL;
}

/* The normalisation of customer_rules_phone_normalize; a static reason on failure. */
static const char *phone_normalize(const char *s, char ret[CUSTOMER_PHONE_SIZE])
{
    static const char *const format = "must be an E.164 number: '+' and 8 to 15 digits, e.g. "
                                      "+447700900123";
    size_t n = 0, cc_len = 0;
    if (!s || s[0] != '+' || s[1] == '0')
        return format;
    const char *digits = s + 1;
    while (is_digit(digits[n]))
        n++;
    if (digits[n] != '\0' || n < 3 || n > CUSTOMER_PHONE_MAX_DIGITS + 1)
        return format;
    char out[CUSTOMER_PHONE_SIZE + 1] = "+";
    const struct trunk_zero_plan *plan = trunk_zero_plan(digits, &cc_len);
    memcpy(out + 1, digits, cc_len);
    size_t skip =
        plan && digits[cc_len] == '0' && is_digit(digits[cc_len + 1]) && digits[cc_len + 1] != '0'
            ? 1
            : 0;
    memcpy(out + 1 + cc_len, digits + cc_len + skip, n - cc_len - skip + 1);
    size_t total = n - skip, nsn = total - cc_len;
    if (total < CUSTOMER_PHONE_MIN_DIGITS || total > CUSTOMER_PHONE_MAX_DIGITS)
        return format;
    if (plan && (nsn < plan->nsn_min || nsn > plan->nsn_max))
        return "has too few or too many digits for its country code";
    memcpy(ret, out, total + 2);
    return NULL;
}

int customer_rules_phone_normalize(const char *s, char ret[CUSTOMER_PHONE_SIZE])
{
    return phone_normalize(s, ret) ? OF_EPERMANENT : OF_OK;
}

bool customer_rules_phone_valid(const char *s)
{
    char norm[CUSTOMER_PHONE_SIZE];
    return customer_rules_phone_normalize(s, norm) == OF_OK && strcmp(norm, s) == 0;
}

int customer_rules_role_parse(const char *s, unsigned *ret_role)
{
    static const struct {
        const char *name;
        unsigned role;
    } roles[] = {
        {"customer", AUTH_CUSTOMER},
        {"business", AUTH_BUSINESS},
        {"partner", AUTH_PARTNER},
    };

    for (size_t i = 0; s && i < sizeof roles / sizeof roles[0]; i++) {
        if (strcmp(s, roles[i].name) == 0) {
            *ret_role = roles[i].role;
            return OF_OK;
        }
    }
    return OF_EPERMANENT;
}

static bool email_local_char(char c)
{
    return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~.-", c) != NULL);
}

static bool email_local_valid(const char *s, size_t n)
{
    if (n == 0 || n > CUSTOMER_EMAIL_LOCAL_MAX || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!email_local_char(s[i]) || (s[i] == '.' && s[i + 1] == '.'))
            return false;
    }
    return true;
}

/* One DNS label of n bytes; *all_alpha tells whether it is letters only. */
static bool email_label_valid(const char *s, size_t n, bool *all_alpha)
{
    *all_alpha = true;
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_alnum(s[i]) && s[i] != '-')
            return false;
        *all_alpha = *all_alpha && is_alpha(s[i]);
    }
    return true;
}

static bool email_domain_valid(const char *s)
{
    size_t labels = 0, n;
    bool alpha = false;

    for (;;) {
        n = strcspn(s, ".");
        if (!email_label_valid(s, n, &alpha))
            return false;
        labels++;
        if (s[n] == '\0')
            break;
        s += n + 1;
    }
    return labels >= 2 && alpha && n >= 2;
}

bool customer_rules_email_valid(const char *s)
{
    const char *at;

    if (!s || strlen(s) > CUSTOMER_EMAIL_MAX)
        return false;
    at = strchr(s, '@');
    if (!at || strchr(at + 1, '@'))
        return false;
    return email_local_valid(s, (size_t)(at - s)) && email_domain_valid(at + 1);
}

void customer_rules_phone_redact(const char *phone, char *ret, size_t len)
{
    size_t sign = phone[0] == '+', n = strlen(phone) - sign, i = 0;
    size_t visible = n / 2 < CUSTOMER_PHONE_VISIBLE ? n / 2 : CUSTOMER_PHONE_VISIBLE;
    size_t tail = visible / 2, head = sign + visible - tail; /* head counts the '+' */
    for (; i < sign + n && i + 1 < len; i++)
        ret[i] = (i < head || i >= sign + n - tail) ? phone[i] : '*';
    if (len)
        ret[i] = '\0';
}

bool customer_rules_code_valid(const char *s)
{
    size_t n = 0;

    if (!s)
        return false;
    while (is_digit(s[n]))
        n++;
    return s[n] == '\0' && n == CUSTOMER_OTP_CODE_DIGITS;
}

/* ------------------------------------------------------------------------------------------ */
/* JSON bodies: checkers for the domain rules, then one jspec table per request */

/* The phone, normalised (a JSPEC_T_CUSTOM parser: it writes char[CUSTOMER_PHONE_SIZE]). */
static int phone_parse(const json_t *v, const struct jspec_field *f, void *dst,
                       struct jspec_error *err)
{
    const char *s, *why;
    size_t len;
    char phone[CUSTOMER_PHONE_SIZE];
    if (jspec_string(v, f->name, &s, &len, err) < 0)
        return OF_EPERMANENT;
    why = phone_normalize(s, phone);
    if (why)
        return jspec_fail(err, API_INVALID_VALUE, f->name, "%s", why);
    memcpy(dst, phone, sizeof phone);
    return OF_OK;
}

/* The role name as an enum auth_role bit (a JSPEC_T_CUSTOM parser: it writes the unsigned). */
static int role_parse(const json_t *v, const struct jspec_field *f, void *dst,
                      struct jspec_error *err)
{
    const char *s;
    size_t len;
    unsigned role;
    if (jspec_string(v, f->name, &s, &len, err) < 0)
        return OF_EPERMANENT;
    if (customer_rules_role_parse(s, &role) < 0)
        return jspec_fail(err, API_INVALID_VALUE, f->name,
                          "must be one of customer, business, partner");
    memcpy(dst, &role, sizeof role);
    return OF_OK;
}

static int code_check(const json_t *v, const struct jspec_field *f, void *dst,
                      struct jspec_error *err)
{
    (void)dst;
    if (!customer_rules_code_valid(json_string_value(v)))
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must be %d digits",
                          CUSTOMER_OTP_CODE_DIGITS);
    return OF_OK;
}

static int email_check(const json_t *v, const struct jspec_field *f, void *dst,
                       struct jspec_error *err)
{
    (void)dst;
    if (!customer_rules_email_valid(json_string_value(v)))
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must be an e-mail address");
    return OF_OK;
}

/* 1 to CUSTOMER_POSTCODE_MAX of ASCII letters, digits, space and '-', with a letter or digit
 * (the length is the field's own bound). */
static int postcode_check(const json_t *v, const struct jspec_field *f, void *dst,
                          struct jspec_error *err)
{
    const char *s = json_string_value(v);
    bool any_alnum = false;
    (void)dst;
    if (!s[0])
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must not be empty");
    for (; *s; s++) {
        if (!is_alnum(*s) && *s != ' ' && *s != '-')
            return jspec_fail(err, API_INVALID_VALUE, f->name,
                              "may contain only letters, digits, spaces and '-'");
        any_alnum = any_alnum || is_alnum(*s);
    }
    if (!any_alnum)
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must contain a letter or digit");
    return OF_OK;
}

/* Members no customer-svc request may set. */
static const char *const server_owned[] = {
    "id",         "account_id", "customer_id", "owner",   "owner_id", "created_at",
    "updated_at", "deleted",    "deleted_at",  "version", "status",   NULL,
};

/* Parses body with spec into a copy of *ret (its defaults), then stores it. */
static int parse_into(const json_t *body, const struct jspec *spec, void *ret,
                      struct jspec_error *err)
{
    return jspec_parse(body, spec, ret, err) < 0 ? OF_EPERMANENT : OF_OK;
}

#define OTP_REQ struct customer_otp_request
static const struct jspec_field otp_request_fields[] = {
    JSPEC_CUSTOM(OTP_REQ, phone, phone_parse),
    JSPEC_CUSTOM(OTP_REQ, role, role_parse, .presence = JSPEC_OPTIONAL),
};
static const struct jspec otp_request_spec =
    JSPEC_SPEC(OTP_REQ, otp_request_fields, JSPEC_STRICT, .read_only = server_owned);

int customer_rules_otp_request(const json_t *body, struct customer_otp_request *ret,
                               struct jspec_error *err)
{
    OTP_REQ out = {.role = AUTH_CUSTOMER};
    int rc = parse_into(body, &otp_request_spec, &out, err);
    if (rc == OF_OK)
        *ret = out;
    return rc;
}

#define OTP_VER struct customer_otp_verify
static const struct jspec_field otp_verify_fields[] = {
    JSPEC_CUSTOM(OTP_VER, phone, phone_parse),
    JSPEC_STRING(OTP_VER, code, 0, .check = code_check),
    JSPEC_CUSTOM(OTP_VER, role, role_parse, .presence = JSPEC_OPTIONAL),
};
static const struct jspec otp_verify_spec =
    JSPEC_SPEC(OTP_VER, otp_verify_fields, JSPEC_STRICT, .read_only = server_owned);

int customer_rules_otp_verify(const json_t *body, struct customer_otp_verify *ret,
                              struct jspec_error *err)
{
    OTP_VER out = {.role = AUTH_CUSTOMER};
    int rc = parse_into(body, &otp_verify_spec, &out, err);
    if (rc == OF_OK)
        *ret = out;
    return rc;
}

#define PATCH struct customer_profile_patch
static const struct jspec_field profile_patch_fields[] = {
    JSPEC_TEXT(PATCH, name, CUSTOMER_NAME_MAX, .presence = JSPEC_OPTIONAL,
               JSPEC_PRESENT(PATCH, set_name)),
    JSPEC_STRING(PATCH, email, CUSTOMER_EMAIL_MAX, .presence = JSPEC_OPTIONAL, .nullable = true,
                 .check = email_check, JSPEC_PRESENT(PATCH, set_email)),
    JSPEC_READ_ONLY_FIELD("phone"),
    JSPEC_READ_ONLY_FIELD("role"),
};
static const struct jspec profile_patch_spec =
    JSPEC_SPEC(PATCH, profile_patch_fields, JSPEC_STRICT, .read_only = server_owned);

int customer_rules_profile_patch(const json_t *body, struct customer_profile_patch *ret,
                                 struct jspec_error *err)
{
    PATCH out = {0};
    int rc = parse_into(body, &profile_patch_spec, &out, err);
    if (rc == OF_OK)
        *ret = out;
    return rc;
}

#define ADDR struct customer_address
static const struct jspec_field address_fields[] = {
    JSPEC_TEXT(ADDR, label, CUSTOMER_LABEL_MAX),
    JSPEC_TEXT(ADDR, line1, CUSTOMER_LINE1_MAX),
    JSPEC_TEXT(ADDR, city, CUSTOMER_CITY_MAX),
    JSPEC_STRING(ADDR, postcode, CUSTOMER_POSTCODE_MAX, .check = postcode_check),
    JSPEC_NUMBER(ADDR, lat, -90, 90),
    JSPEC_NUMBER(ADDR, lng, -180, 180),
};
static const struct jspec address_spec =
    JSPEC_SPEC(ADDR, address_fields, JSPEC_STRICT, .read_only = server_owned);

int customer_rules_address(const json_t *body, struct customer_address *ret,
                           struct jspec_error *err)
{
    ADDR out = {0};
    int rc = parse_into(body, &address_spec, &out, err);
    if (rc == OF_OK)
        *ret = out;
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Feed query and cursor */

#define CURSOR_TEXT_MAX 80 /* "%.17g" (at most 24 bytes), ':', a UUID (36) */
_Static_assert(CODEC_B64URL_SIZE(CURSOR_TEXT_MAX) <= CUSTOMER_CURSOR_SIZE, "cursor buffer");

static bool cursor_distance_valid(double d)
{
    return isfinite(d) && d >= 0.0 && d <= M_PI * GEO_EARTH_RADIUS_M * 1.0001;
}

int customer_rules_cursor_encode(const struct customer_feed_cursor *c,
                                 char ret[CUSTOMER_CURSOR_SIZE])
{
    char text[CURSOR_TEXT_MAX];
    int n;

    if (!cursor_distance_valid(c->distance_m) || !uuid_valid(c->outlet_id))
        return OF_EPERMANENT;
    /* + 0.0 turns -0.0 into 0.0, so the text never starts with '-'. */
    n = snprintf(text, sizeof text, "%.17g:%s", c->distance_m + 0.0, c->outlet_id);
    if (n < 0 || (size_t)n >= sizeof text)
        return OF_EPERMANENT;
    codec_b64url_encode(text, (size_t)n, ret);
    return OF_OK;
}

/* Parses "<number>:<uuid>" (NUL-terminated text) into *c. */
static int cursor_parse_text(const char *text, struct customer_feed_cursor *c)
{
    const char *colon = strchr(text, ':');
    char *end;

    if (!colon || colon == text || !is_digit(text[0]))
        return OF_EPERMANENT;
    if (strspn(text, "0123456789.eE+-") != (size_t)(colon - text))
        return OF_EPERMANENT;
    c->distance_m = strtod(text, &end);
    if (end != colon || !cursor_distance_valid(c->distance_m) || !uuid_valid(colon + 1))
        return OF_EPERMANENT;
    memcpy(c->outlet_id, colon + 1, UUID_STR_LEN);
    return OF_OK;
}

int customer_rules_cursor_decode(const char *s, struct customer_feed_cursor *ret)
{
    unsigned char text[CURSOR_TEXT_MAX];
    char again[CUSTOMER_CURSOR_SIZE];
    struct customer_feed_cursor c;
    long n;

    if (!s || strlen(s) >= CUSTOMER_CURSOR_SIZE)
        return OF_EPERMANENT;
    n = codec_b64url_decode(s, strlen(s), text, sizeof text - 1);
    if (n <= 0 || memchr(text, '\0', (size_t)n))
        return OF_EPERMANENT;
    text[n] = '\0';
    if (cursor_parse_text((const char *)text, &c) < 0)
        return OF_EPERMANENT;
    /* Only the one canonical spelling is a cursor. */
    if (customer_rules_cursor_encode(&c, again) < 0 || strcmp(again, s) != 0)
        return OF_EPERMANENT;
    *ret = c;
    return OF_OK;
}

/* Parses "digits[.digits]" into *ret; false for anything else. */
static bool parse_decimal(const char *s, double *ret)
{
    size_t int_digits = strspn(s, "0123456789"), frac_digits = 0;

    if (int_digits == 0 || int_digits > 9)
        return false;
    if (s[int_digits] == '.') {
        frac_digits = strspn(s + int_digits + 1, "0123456789");
        if (frac_digits == 0 || frac_digits > 9)
            return false;
    }
    if (s[int_digits + (frac_digits ? frac_digits + 1 : 0)] != '\0')
        return false;
    *ret = strtod(s, NULL);
    return true;
}

static int feed_radius(const char *s, double *ret_m, struct jspec_error *err)
{
    double km = CUSTOMER_FEED_RADIUS_KM_DEFAULT;

    if (s && !parse_decimal(s, &km))
        return jspec_fail(err, API_INVALID_VALUE, "radius_km",
                          "must be a number of kilometres, e.g. 2.5");
    if (!(km > 0.0 && km <= CUSTOMER_FEED_RADIUS_KM_MAX))
        return jspec_fail(err, API_OUT_OF_RANGE, "radius_km", "must be above 0 and at most %g",
                          CUSTOMER_FEED_RADIUS_KM_MAX);
    *ret_m = km * 1000.0;
    return OF_OK;
}

static int feed_limit(const char *s, int *ret, struct jspec_error *err)
{
    size_t digits;
    long v = CUSTOMER_FEED_LIMIT_DEFAULT;

    if (s) {
        digits = strspn(s, "0123456789");
        if (digits == 0 || s[digits] != '\0')
            return jspec_fail(err, API_INVALID_VALUE, "limit", "must be a whole number");
        v = digits > 6 ? LONG_MAX : strtol(s, NULL, 10);
    }
    if (v < 1 || v > CUSTOMER_FEED_LIMIT_MAX)
        return jspec_fail(err, API_OUT_OF_RANGE, "limit", "must be between 1 and %d",
                          CUSTOMER_FEED_LIMIT_MAX);
    *ret = (int)v;
    return OF_OK;
}

int customer_rules_feed_query(const char *address_id, const char *radius_km, const char *limit,
                              const char *cursor, struct customer_feed_query *ret,
                              struct jspec_error *err)
{
    struct customer_feed_query q = {0};

    if (!address_id)
        return jspec_fail(err, API_MISSING_FIELD, "address_id", "is required");
    if (!uuid_valid(address_id))
        return jspec_fail(err, API_INVALID_VALUE, "address_id", "must be a UUID");
    memcpy(q.address_id, address_id, UUID_STR_LEN);
    if (feed_radius(radius_km, &q.radius_m, err) < 0 || feed_limit(limit, &q.limit, err) < 0)
        return OF_EPERMANENT;
    if (cursor && customer_rules_cursor_decode(cursor, &q.cursor) < 0)
        return jspec_fail(err, API_INVALID_VALUE, "cursor", "is not a cursor from this feed");
    q.has_cursor = cursor != NULL;
    *ret = q;
    return OF_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Outlet event data */

/* The event's members by their wire names; customer_outlet calls outlet_id just id. */
struct outlet_event {
    char outlet_id[UUID_STR_LEN];
    char business_id[UUID_STR_LEN];
    char name[CUSTOMER_TEXT_SIZE(CUSTOMER_OUTLET_NAME_MAX)];
    double lat, lng;
    bool is_open;
    int64_t version;
};

#define OUTLET struct outlet_event
static const struct jspec_field outlet_fields[] = {
    JSPEC_UUID(OUTLET, outlet_id),
    JSPEC_UUID(OUTLET, business_id),
    JSPEC_TEXT(OUTLET, name, CUSTOMER_OUTLET_NAME_MAX),
    JSPEC_NUMBER(OUTLET, lat, -90, 90),
    JSPEC_NUMBER(OUTLET, lng, -180, 180),
    JSPEC_BOOLEAN(OUTLET, is_open),
    JSPEC_INTEGER(OUTLET, version, 1, INT64_MAX, .presence = JSPEC_OPTIONAL),
};
static const struct jspec outlet_spec = JSPEC_SPEC(OUTLET, outlet_fields, JSPEC_LENIENT);

int customer_rules_outlet_event(const json_t *data, struct customer_outlet *ret, char *err,
                                size_t errlen)
{
    struct jspec_error e;
    OUTLET in = {0};
    if (jspec_parse(data, &outlet_spec, &in, &e) == 0) {
        struct customer_outlet out = {
            .lat = in.lat, .lng = in.lng, .is_open = in.is_open, .version = in.version};
        memcpy(out.id, in.outlet_id, sizeof out.id);
        memcpy(out.business_id, in.business_id, sizeof out.business_id);
        memcpy(out.name, in.name, sizeof out.name);
        *ret = out;
        return OF_OK;
    }
    /* jspec's message is "<field> <why>" ("body <why>" for the whole object). */
    size_t skip = strlen(e.field[0] ? e.field : "body");
    const char *why =
        strncmp(e.message, e.field[0] ? e.field : "body", skip) == 0 && e.message[skip] == ' '
            ? e.message + skip + 1
            : e.message;
    if (err && errlen)
        snprintf(err, errlen, "data%s%s: %s", e.field[0] ? "." : "", e.field, why);
    return OF_EPERMANENT;
}
