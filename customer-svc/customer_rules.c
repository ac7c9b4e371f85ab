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
/* Errors */

/* Copies name into field, cut at a character boundary if too long. */
static void set_field(char field[CUSTOMER_ERROR_FIELD_SIZE], const char *name)
{
    size_t n = strlen(name);

    if (n >= CUSTOMER_ERROR_FIELD_SIZE) {
        n = CUSTOMER_ERROR_FIELD_SIZE - 1;
        while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(field, name, n);
    field[n] = '\0';
}

/* Fills err ("<field> <message>") and returns OF_EPERMANENT. */
static int __attribute__((format(printf, 4, 5)))
fail(struct customer_error *err, const char *code, const char *field, const char *fmt, ...)
{
    va_list ap;
    size_t off;

    err->code = code;
    set_field(err->field, field);
    off =
        (size_t)snprintf(err->message, sizeof err->message, "%s ", field[0] ? err->field : "body");
    if (off >= sizeof err->message)
        off = sizeof err->message - 1;
    va_start(ap, fmt);
    vsnprintf(err->message + off, sizeof err->message - off, fmt, ap);
    va_end(ap);
    return OF_EPERMANENT;
}

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

bool customer_rules_phone_valid(const char *s)
{
    size_t n = 0;

    if (!s || s[0] != '+' || s[1] == '0')
        return false;
    for (s++; is_digit(*s); s++)
        n++;
    return *s == '\0' && n >= CUSTOMER_PHONE_MIN_DIGITS && n <= CUSTOMER_PHONE_MAX_DIGITS;
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
    size_t n = strlen(phone), i = 0;
    for (; i < n && i + 1 < len; i++)
        ret[i] = (i < 3 || i + 4 >= n) ? phone[i] : '*';
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

/* Decodes one UTF-8 sequence from s (n > 0 bytes left) into *cp; returns its length, or 0 if it
 * is malformed, overlong, a surrogate or beyond U+10FFFF. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t min;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2, min = 0x80, *cp = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3, min = 0x800, *cp = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4, min = 0x10000, *cp = s[0] & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return len;
}

/* Unicode general category Cc: C0 controls, DEL and C1 controls. */
static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Checks free text of len bytes against the text rules; max is in characters. */
static int check_text(const char *s, size_t len, size_t max, const char *field,
                      struct customer_error *err)
{
    size_t chars = 0, step;
    bool blank = true;
    uint32_t cp;

    if (len == 0)
        return fail(err, CUSTOMER_ERR_INVALID_VALUE, field, "must not be empty");
    for (size_t i = 0; i < len; i += step, chars++) {
        step = utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (step == 0)
            return fail(err, CUSTOMER_ERR_INVALID_VALUE, field, "must be valid UTF-8");
        if (is_control(cp))
            return fail(err, CUSTOMER_ERR_INVALID_VALUE, field,
                        "must not contain control characters");
        blank = blank && cp == ' ';
    }
    if (chars > max)
        return fail(err, CUSTOMER_ERR_TOO_LONG, field, "must be at most %zu characters", max);
    if (blank)
        return fail(err, CUSTOMER_ERR_INVALID_VALUE, field, "must not be blank");
    return OF_OK;
}

static int check_postcode(const char *s, size_t len, const char *field, struct customer_error *err)
{
    bool any_alnum = false;

    if (len == 0)
        return fail(err, CUSTOMER_ERR_INVALID_VALUE, field, "must not be empty");
    if (len > CUSTOMER_POSTCODE_MAX)
        return fail(err, CUSTOMER_ERR_TOO_LONG, field, "must be at most %d characters",
                    CUSTOMER_POSTCODE_MAX);
    for (size_t i = 0; i < len; i++) {
        if (!is_alnum(s[i]) && s[i] != ' ' && s[i] != '-')
            return fail(err, CUSTOMER_ERR_INVALID_VALUE, field,
                        "may contain only letters, digits, spaces and '-'");
        any_alnum = any_alnum || is_alnum(s[i]);
    }
    if (!any_alnum)
        return fail(err, CUSTOMER_ERR_INVALID_VALUE, field, "must contain a letter or digit");
    return OF_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* JSON members: one parser per kind of field, driven by per-request tables */

struct field;
/* Checks v (present, not null unless the field is nullable) and stores it at dst. */
typedef int (*field_parse_fn)(const json_t *v, const struct field *f, void *dst,
                              struct customer_error *err);

struct field {
    const char *name;
    field_parse_fn parse;
    bool required;
    bool nullable; /* JSON null is accepted and stored as "" */
    size_t max;    /* text: characters */
    size_t offset; /* of the destination within the output struct */
};

struct request_spec {
    const struct field *fields;
    size_t n_fields;
    const char *const *read_only; /* server-owned here besides the common list; NULL-ended */
};

/* Members no request may set. */
static const char *const server_owned[] = {
    "id",         "account_id", "customer_id", "owner",   "owner_id", "created_at",
    "updated_at", "deleted",    "deleted_at",  "version", "status",   NULL,
};

static bool in_list(const char *const *list, const char *s)
{
    for (; list && *list; list++) {
        if (strcmp(*list, s) == 0)
            return true;
    }
    return false;
}

/* A JSON string without NUL bytes inside, or an error (then ret_s is "", never left unset). */
static int get_string(const json_t *v, const struct field *f, const char **ret_s, size_t *ret_len,
                      struct customer_error *err)
{
    *ret_s = "";
    *ret_len = 0;
    if (!json_is_string(v))
        return fail(err, CUSTOMER_ERR_INVALID_TYPE, f->name, "must be a string");
    *ret_s = json_string_value(v);
    *ret_len = json_string_length(v);
    if (strlen(*ret_s) != *ret_len)
        return fail(err, CUSTOMER_ERR_INVALID_VALUE, f->name, "must not contain NUL characters");
    return OF_OK;
}

static int parse_text(const json_t *v, const struct field *f, void *dst, struct customer_error *err)
{
    const char *s;
    size_t len;

    if (get_string(v, f, &s, &len, err) < 0 || check_text(s, len, f->max, f->name, err) < 0)
        return OF_EPERMANENT;
    memcpy(dst, s, len + 1); /* at most 4 * max bytes: fits CUSTOMER_TEXT_SIZE(max) */
    return OF_OK;
}

static int parse_phone(const json_t *v, const struct field *f, void *dst,
                       struct customer_error *err)
{
    const char *s;
    size_t len;

    if (get_string(v, f, &s, &len, err) < 0)
        return OF_EPERMANENT;
    if (!customer_rules_phone_valid(s))
        return fail(err, CUSTOMER_ERR_INVALID_VALUE, f->name,
                    "must be an E.164 number: '+' and 8 to 15 digits, e.g. +447700900123");
    memcpy(dst, s, len + 1);
    return OF_OK;
}

static int parse_role(const json_t *v, const struct field *f, void *dst, struct customer_error *err)
{
    const char *s;
    size_t len;

    if (get_string(v, f, &s, &len, err) < 0)
        return OF_EPERMANENT;
    if (customer_rules_role_parse(s, dst) < 0)
        return fail(err, CUSTOMER_ERR_INVALID_VALUE, f->name,
                    "must be one of customer, business, partner");
    return OF_OK;
}

static int parse_email(const json_t *v, const struct field *f, void *dst,
                       struct customer_error *err)
{
    const char *s;
    size_t len;

    if (get_string(v, f, &s, &len, err) < 0)
        return OF_EPERMANENT;
    if (len > CUSTOMER_EMAIL_MAX)
        return fail(err, CUSTOMER_ERR_TOO_LONG, f->name, "must be at most %d characters",
                    CUSTOMER_EMAIL_MAX);
    if (!customer_rules_email_valid(s))
        return fail(err, CUSTOMER_ERR_INVALID_VALUE, f->name, "must be an e-mail address");
    memcpy(dst, s, len + 1);
    return OF_OK;
}

static int parse_code(const json_t *v, const struct field *f, void *dst, struct customer_error *err)
{
    const char *s;
    size_t len;

    if (get_string(v, f, &s, &len, err) < 0)
        return OF_EPERMANENT;
    if (!customer_rules_code_valid(s))
        return fail(err, CUSTOMER_ERR_INVALID_VALUE, f->name, "must be %d digits",
                    CUSTOMER_OTP_CODE_DIGITS);
    memcpy(dst, s, len + 1);
    return OF_OK;
}

static int parse_postcode(const json_t *v, const struct field *f, void *dst,
                          struct customer_error *err)
{
    const char *s;
    size_t len;

    if (get_string(v, f, &s, &len, err) < 0 || check_postcode(s, len, f->name, err) < 0)
        return OF_EPERMANENT;
    memcpy(dst, s, len + 1);
    return OF_OK;
}

static int parse_coordinate(const json_t *v, const struct field *f, void *dst, bool is_lat,
                            struct customer_error *err)
{
    double x;

    if (!json_is_number(v))
        return fail(err, CUSTOMER_ERR_INVALID_TYPE, f->name, "must be a number");
    x = json_number_value(v);
    if (is_lat && !geo_lat_valid(x))
        return fail(err, CUSTOMER_ERR_OUT_OF_RANGE, f->name, "must be between -90 and 90");
    if (!is_lat && !geo_lng_valid(x))
        return fail(err, CUSTOMER_ERR_OUT_OF_RANGE, f->name, "must be between -180 and 180");
    *(double *)dst = x;
    return OF_OK;
}

static int parse_lat(const json_t *v, const struct field *f, void *dst, struct customer_error *err)
{
    return parse_coordinate(v, f, dst, true, err);
}

static int parse_lng(const json_t *v, const struct field *f, void *dst, struct customer_error *err)
{
    return parse_coordinate(v, f, dst, false, err);
}

static const struct field *find_field(const struct request_spec *spec, const char *name)
{
    for (size_t i = 0; i < spec->n_fields; i++) {
        if (strcmp(spec->fields[i].name, name) == 0)
            return &spec->fields[i];
    }
    return NULL;
}

/* Every member must be a field of the request; server-owned ones are named as such. */
static int check_members(const json_t *body, const struct request_spec *spec,
                         struct customer_error *err)
{
    const char *key;
    size_t key_len;
    json_t *v;

    json_object_keylen_foreach((json_t *)body, key, key_len, v)
    {
        bool plain = strlen(key) == key_len; /* no NUL inside the name */
        if (plain && find_field(spec, key))
            continue;
        if (plain && (in_list(server_owned, key) || in_list(spec->read_only, key)))
            return fail(err, CUSTOMER_ERR_READ_ONLY_FIELD, key, "is set by the server");
        return fail(err, CUSTOMER_ERR_UNKNOWN_FIELD, key, "is not a field of this request");
    }
    return OF_OK;
}

/* Checks body against spec, filling the struct at out (whose defaults the caller has set). */
static int parse_body(const json_t *body, const struct request_spec *spec, void *out,
                      struct customer_error *err)
{
    if (!json_is_object(body))
        return fail(err, CUSTOMER_ERR_BODY_NOT_OBJECT, "", "must be a JSON object");
    if (check_members(body, spec, err) < 0)
        return OF_EPERMANENT;
    for (size_t i = 0; i < spec->n_fields; i++) {
        const struct field *f = &spec->fields[i];
        const json_t *v = json_object_get(body, f->name);
        char *dst = (char *)out + f->offset;

        if (!v && f->required)
            return fail(err, CUSTOMER_ERR_MISSING_FIELD, f->name, "is required");
        if (!v)
            continue;
        if (json_is_null(v) && f->nullable) {
            dst[0] = '\0';
            continue;
        }
        if (f->parse(v, f, dst, err) < 0)
            return OF_EPERMANENT;
    }
    return OF_OK;
}

#define FIELD(type, member, fn, req, null, mx)                                                     \
    {                                                                                              \
        .name = #member, .parse = fn, .required = req, .nullable = null, .max = mx,                \
        .offset = offsetof(type, member)                                                           \
    }

int customer_rules_otp_request(const json_t *body, struct customer_otp_request *ret,
                               struct customer_error *err)
{
    static const struct field fields[] = {
        FIELD(struct customer_otp_request, phone, parse_phone, true, false, 0),
        FIELD(struct customer_otp_request, role, parse_role, false, false, 0),
    };
    static const struct request_spec spec = {fields, sizeof fields / sizeof fields[0], NULL};
    struct customer_otp_request out = {.role = AUTH_CUSTOMER};

    if (parse_body(body, &spec, &out, err) < 0)
        return OF_EPERMANENT;
    *ret = out;
    return OF_OK;
}

int customer_rules_otp_verify(const json_t *body, struct customer_otp_verify *ret,
                              struct customer_error *err)
{
    static const struct field fields[] = {
        FIELD(struct customer_otp_verify, phone, parse_phone, true, false, 0),
        FIELD(struct customer_otp_verify, code, parse_code, true, false, 0),
    };
    static const char *const read_only[] = {"role", NULL};
    static const struct request_spec spec = {fields, sizeof fields / sizeof fields[0], read_only};
    struct customer_otp_verify out = {0};

    if (parse_body(body, &spec, &out, err) < 0)
        return OF_EPERMANENT;
    *ret = out;
    return OF_OK;
}

int customer_rules_profile_patch(const json_t *body, struct customer_profile_patch *ret,
                                 struct customer_error *err)
{
    static const struct field fields[] = {
        FIELD(struct customer_profile_patch, name, parse_text, false, false, CUSTOMER_NAME_MAX),
        FIELD(struct customer_profile_patch, email, parse_email, false, true, 0),
    };
    static const char *const read_only[] = {"phone", "role", NULL};
    static const struct request_spec spec = {fields, sizeof fields / sizeof fields[0], read_only};
    struct customer_profile_patch out = {0};

    if (parse_body(body, &spec, &out, err) < 0)
        return OF_EPERMANENT;
    out.set_name = json_object_get(body, "name") != NULL;
    out.set_email = json_object_get(body, "email") != NULL;
    *ret = out;
    return OF_OK;
}

int customer_rules_address(const json_t *body, struct customer_address *ret,
                           struct customer_error *err)
{
    static const struct field fields[] = {
        FIELD(struct customer_address, label, parse_text, true, false, CUSTOMER_LABEL_MAX),
        FIELD(struct customer_address, line1, parse_text, true, false, CUSTOMER_LINE1_MAX),
        FIELD(struct customer_address, city, parse_text, true, false, CUSTOMER_CITY_MAX),
        FIELD(struct customer_address, postcode, parse_postcode, true, false, 0),
        FIELD(struct customer_address, lat, parse_lat, true, false, 0),
        FIELD(struct customer_address, lng, parse_lng, true, false, 0),
    };
    static const struct request_spec spec = {fields, sizeof fields / sizeof fields[0], NULL};
    struct customer_address out = {0};

    if (parse_body(body, &spec, &out, err) < 0)
        return OF_EPERMANENT;
    *ret = out;
    return OF_OK;
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

static int feed_radius(const char *s, double *ret_m, struct customer_error *err)
{
    double km = CUSTOMER_FEED_RADIUS_KM_DEFAULT;

    if (s && !parse_decimal(s, &km))
        return fail(err, CUSTOMER_ERR_INVALID_VALUE, "radius_km",
                    "must be a number of kilometres, e.g. 2.5");
    if (!(km > 0.0 && km <= CUSTOMER_FEED_RADIUS_KM_MAX))
        return fail(err, CUSTOMER_ERR_OUT_OF_RANGE, "radius_km", "must be above 0 and at most %g",
                    CUSTOMER_FEED_RADIUS_KM_MAX);
    *ret_m = km * 1000.0;
    return OF_OK;
}

static int feed_limit(const char *s, int *ret, struct customer_error *err)
{
    size_t digits;
    long v = CUSTOMER_FEED_LIMIT_DEFAULT;

    if (s) {
        digits = strspn(s, "0123456789");
        if (digits == 0 || s[digits] != '\0')
            return fail(err, CUSTOMER_ERR_INVALID_VALUE, "limit", "must be a whole number");
        v = digits > 6 ? LONG_MAX : strtol(s, NULL, 10);
    }
    if (v < 1 || v > CUSTOMER_FEED_LIMIT_MAX)
        return fail(err, CUSTOMER_ERR_OUT_OF_RANGE, "limit", "must be between 1 and %d",
                    CUSTOMER_FEED_LIMIT_MAX);
    *ret = (int)v;
    return OF_OK;
}

int customer_rules_feed_query(const char *address_id, const char *radius_km, const char *limit,
                              const char *cursor, struct customer_feed_query *ret,
                              struct customer_error *err)
{
    struct customer_feed_query q = {0};

    if (!address_id)
        return fail(err, CUSTOMER_ERR_MISSING_FIELD, "address_id", "is required");
    if (!uuid_valid(address_id))
        return fail(err, CUSTOMER_ERR_INVALID_VALUE, "address_id", "must be a UUID");
    memcpy(q.address_id, address_id, UUID_STR_LEN);
    if (feed_radius(radius_km, &q.radius_m, err) < 0 || feed_limit(limit, &q.limit, err) < 0)
        return OF_EPERMANENT;
    if (cursor && customer_rules_cursor_decode(cursor, &q.cursor) < 0)
        return fail(err, CUSTOMER_ERR_INVALID_VALUE, "cursor", "is not a cursor from this feed");
    q.has_cursor = cursor != NULL;
    *ret = q;
    return OF_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Outlet event data */

static int bad(char *err, size_t errlen, const char *field, const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "data.%s: %s", field, why);
    return OF_EPERMANENT;
}

static int uuid_member(const json_t *data, const char *field, char ret[UUID_STR_LEN], char *err,
                       size_t errlen)
{
    const json_t *v = json_object_get(data, field);
    if (!v)
        return bad(err, errlen, field, "missing");
    if (!json_is_string(v) || !uuid_valid(json_string_value(v)))
        return bad(err, errlen, field, "must be a UUID string");
    snprintf(ret, UUID_STR_LEN, "%s", json_string_value(v));
    return OF_OK;
}

/* Characters of valid UTF-8 s (jansson strings are), or -1 on a control character. */
static long text_chars(const char *s)
{
    long n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            return -1;
        if ((*p & 0xC0) != 0x80)
            n++;
    }
    return n;
}

static bool blank_text(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

static int name_member(const json_t *data, char *ret, size_t len, char *err, size_t errlen)
{
    const json_t *v = json_object_get(data, "name");
    if (!v)
        return bad(err, errlen, "name", "missing");
    if (!json_is_string(v))
        return bad(err, errlen, "name", "must be a string");
    const char *s = json_string_value(v);
    long chars = strlen(s) == json_string_length(v) ? text_chars(s) : -1;
    if (chars < 0 || blank_text(s))
        return bad(err, errlen, "name", "must be text without control characters, not blank");
    if (chars > CUSTOMER_OUTLET_NAME_MAX || strlen(s) >= len)
        return bad(err, errlen, "name", "too long");
    snprintf(ret, len, "%s", s);
    return OF_OK;
}

static int coord_member(const json_t *data, const char *field, bool (*valid)(double), double *ret,
                        char *err, size_t errlen)
{
    const json_t *v = json_object_get(data, field);
    if (!v)
        return bad(err, errlen, field, "missing");
    if (!json_is_number(v))
        return bad(err, errlen, field, "must be a number");
    if (!valid(json_number_value(v)))
        return bad(err, errlen, field, "out of range");
    *ret = json_number_value(v);
    return OF_OK;
}

int customer_rules_outlet_event(const json_t *data, struct customer_outlet *ret, char *err,
                                size_t errlen)
{
    struct customer_outlet o = {0};
    if (!json_is_object(data))
        return bad(err, errlen, "", "must be an object");
    if (uuid_member(data, "outlet_id", o.id, err, errlen) != OF_OK ||
        uuid_member(data, "business_id", o.business_id, err, errlen) != OF_OK ||
        name_member(data, o.name, sizeof o.name, err, errlen) != OF_OK ||
        coord_member(data, "lat", geo_lat_valid, &o.lat, err, errlen) != OF_OK ||
        coord_member(data, "lng", geo_lng_valid, &o.lng, err, errlen) != OF_OK)
        return OF_EPERMANENT;
    const json_t *open = json_object_get(data, "is_open");
    if (!open)
        return bad(err, errlen, "is_open", "missing");
    if (!json_is_boolean(open))
        return bad(err, errlen, "is_open", "must be a boolean");
    o.is_open = json_is_true(open);
    *ret = o;
    return OF_OK;
}
