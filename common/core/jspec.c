/* JSON-spec tables (see jspec.h): errors, the one text rule, the loader, and the table-driven
 * parser with one small validator and store function per JSON type. */
#include <inttypes.h>
#include <math.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/errors.h"
#include "common/jspec.h"
#include "common/uuid.h"
#include "common/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* Errors */

/* Copies into field the longest prefix of name (len bytes) that is valid UTF-8 without NUL and
 * fits, so a cut never splits a character and the field can go into JSON as it is. */
static void set_field(char field[JSPEC_FIELD_SIZE], const char *name, size_t len)
{
    size_t n = 0, step;
    uint32_t cp = 0;

    while (n < len) {
        step = jspec_utf8_next((const unsigned char *)name + n, len - n, &cp);
        if (step == 0 || cp == 0 || n + step >= JSPEC_FIELD_SIZE)
            break;
        n += step;
    }
    memcpy(field, name, n);
    field[n] = '\0';
}

static int __attribute__((format(printf, 5, 0)))
vfail(struct jspec_error *err, enum api_error code, const char *name, size_t len, const char *fmt,
      va_list ap)
{
    int off;

    if (!err)
        return OF_EPERMANENT;
    err->code = code;
    set_field(err->field, name, len);
    off = snprintf(err->message, sizeof err->message, "%s ", err->field[0] ? err->field : "body");
    if (off < 0 || (size_t)off >= sizeof err->message) {
        err->message[0] = '\0';
        return OF_EPERMANENT;
    }
    if (vsnprintf(err->message + off, sizeof err->message - (size_t)off, fmt, ap) < 0)
        err->message[off] = '\0';
    return OF_EPERMANENT;
}

int jspec_fail(struct jspec_error *ret_err, enum api_error code, const char *field, const char *fmt,
               ...)
{
    va_list ap;

    if (!field)
        field = "";
    va_start(ap, fmt);
    vfail(ret_err, code, field, strlen(field), fmt, ap);
    va_end(ap);
    return OF_EPERMANENT;
}

/* jspec_fail for a member name of len bytes, which may hold a NUL. */
static int __attribute__((format(printf, 5, 6)))
fail_member(struct jspec_error *err, enum api_error code, const char *name, size_t len,
            const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail(err, code, name, len, fmt, ap);
    va_end(ap);
    return OF_EPERMANENT;
}

/* ------------------------------------------------------------------------------------------ */
/* Text */

size_t jspec_utf8_next(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
    size_t len;
    uint32_t min, cp;

    if (!s || n == 0)
        return 0;
    if (s[0] < 0x80) {
        *ret_cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2, min = 0x80, cp = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3, min = 0x800, cp = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4, min = 0x10000, cp = s[0] & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    *ret_cp = cp;
    return len;
}

/* Unicode general category Cc: C0 controls, DEL and C1 controls. */
static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Unicode White_Space outside Cc (which is refused anyway), and U+FEFF, as ECMA-262 \s has them:
 * what a "blank" text is made of (so a schema pattern with \S agrees). */
static bool is_space(uint32_t cp)
{
    return cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 ||
           cp == 0xFEFF;
}

int jspec_text_check(const char *s, size_t len, size_t max_chars, const char *field,
                     struct jspec_error *ret_err)
{
    size_t chars = 0, step;
    bool blank = true;
    uint32_t cp = 0;

    if (!s || len == 0)
        return jspec_fail(ret_err, API_INVALID_VALUE, field, "must not be empty");
    for (size_t i = 0; i < len; i += step, chars++) {
        step = jspec_utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (step == 0)
            return jspec_fail(ret_err, API_INVALID_VALUE, field, "must be valid UTF-8");
        if (is_control(cp))
            return jspec_fail(ret_err, API_INVALID_VALUE, field,
                              "must not contain control characters");
        blank = blank && is_space(cp);
    }
    if (max_chars > 0 && chars > max_chars)
        return jspec_fail(ret_err, API_TOO_LONG, field, "must be at most %zu characters",
                          max_chars);
    if (blank)
        return jspec_fail(ret_err, API_INVALID_VALUE, field, "must not be blank");
    return OF_OK;
}

int jspec_string(const json_t *v, const char *field, const char **ret_s, size_t *ret_len,
                 struct jspec_error *ret_err)
{
    const char *s;

    if (!json_is_string(v))
        return jspec_fail(ret_err, API_INVALID_TYPE, field, "must be a string");
    s = json_string_value(v);
    if (memchr(s, '\0', json_string_length(v)) != NULL)
        return jspec_fail(ret_err, API_INVALID_VALUE, field, "must not contain NUL characters");
    *ret_s = s;
    *ret_len = json_string_length(v);
    return OF_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Loading */

/* True if s (len bytes) nests arrays and objects deeper than JSPEC_MAX_DEPTH, counting brackets
 * outside strings. Malformed input is left to jansson. */
static bool too_deep(const char *s, size_t len)
{
    size_t depth = 0;
    bool in_string = false;

    for (size_t i = 0; i < len; i++) {
        if (in_string && s[i] == '\\')
            i++;
        else if (s[i] == '"')
            in_string = !in_string;
        else if (!in_string && (s[i] == '[' || s[i] == '{') && ++depth > JSPEC_MAX_DEPTH)
            return true;
        else if (!in_string && (s[i] == ']' || s[i] == '}') && depth > 0)
            depth--;
    }
    return false;
}

/* What went wrong, in words that never quote the input (jansson's own texts do). */
static const char *load_problem(const json_error_t *jerr)
{
    static const struct {
        enum json_error_code code;
        const char *what;
    } problems[] = {
        {json_error_invalid_utf8, "is not valid UTF-8"},
        {json_error_null_character, "must not contain NUL characters"},
        {json_error_null_byte_in_key, "must not contain NUL characters"},
        {json_error_duplicate_key, "has a member name twice in one object"},
        {json_error_numeric_overflow, "has a number too large to read"},
        {json_error_stack_overflow, "nests too deeply"},
        {json_error_premature_end_of_input, "ends before its JSON value does"},
        {json_error_end_of_input_expected, "has data after its JSON value"},
    };

    for (size_t i = 0; i < sizeof problems / sizeof problems[0]; i++) {
        if (problems[i].code == json_error_code(jerr))
            return problems[i].what;
    }
    return "is not valid JSON";
}

int jspec_load(const char *text, size_t len, json_t **ret_obj, struct jspec_error *ret_err)
{
    json_error_t jerr;
    json_t *j;

    if (!text || len == 0)
        return jspec_fail(ret_err, API_INVALID_JSON, "", "must not be empty");
    if (too_deep(text, len))
        return jspec_fail(ret_err, API_INVALID_JSON, "", "must not nest deeper than %d levels",
                          JSPEC_MAX_DEPTH);
    j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!j)
        return jspec_fail(ret_err, API_INVALID_JSON, "", "%s (line %d, column %d)",
                          load_problem(&jerr), jerr.line, jerr.column);
    if (!json_is_object(j)) {
        json_decref(j);
        return jspec_fail(ret_err, API_BODY_NOT_OBJECT, "", "must be a JSON object");
    }
    *ret_obj = j;
    return OF_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* One validator and one store function per type */

static int validate_text(const json_t *v, const struct jspec_field *f, struct jspec_error *err)
{
    const char *s;
    size_t len;

    if (jspec_string(v, f->name, &s, &len, err) < 0)
        return OF_EPERMANENT;
    return jspec_text_check(s, len, f->max, f->name, err);
}

static int validate_ascii(const json_t *v, const struct jspec_field *f, struct jspec_error *err)
{
    const char *s;
    size_t len;

    if (jspec_string(v, f->name, &s, &len, err) < 0)
        return OF_EPERMANENT;
    if (f->max > 0 && len > f->max)
        return jspec_fail(err, API_TOO_LONG, f->name, "must be at most %zu characters", f->max);
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E)
            return jspec_fail(err, API_INVALID_VALUE, f->name,
                              "must contain only printable ASCII characters");
    }
    return OF_OK;
}

static int validate_uuid(const json_t *v, const struct jspec_field *f, struct jspec_error *err)
{
    const char *s;
    size_t len;

    if (jspec_string(v, f->name, &s, &len, err) < 0)
        return OF_EPERMANENT;
    if (!uuid_valid(s) || strpbrk(s, "ABCDEF") != NULL)
        return jspec_fail(err, API_INVALID_VALUE, f->name,
                          "must be a UUID: 8-4-4-4-12 lowercase hex digits");
    return OF_OK;
}

/* The range of a signed integer of size bytes; false for a size no C integer type has. */
static bool int_range(size_t size, int64_t *ret_lo, int64_t *ret_hi)
{
    switch (size) {
    case 1:
        *ret_lo = INT8_MIN, *ret_hi = INT8_MAX;
        return true;
    case 2:
        *ret_lo = INT16_MIN, *ret_hi = INT16_MAX;
        return true;
    case 4:
        *ret_lo = INT32_MIN, *ret_hi = INT32_MAX;
        return true;
    case 8:
        *ret_lo = INT64_MIN, *ret_hi = INT64_MAX;
        return true;
    default:
        return false;
    }
}

static int validate_integer(const json_t *v, const struct jspec_field *f, struct jspec_error *err)
{
    int64_t lo = 0, hi = 0, x;

    if (!json_is_integer(v))
        return jspec_fail(err, API_INVALID_TYPE, f->name, "must be an integer");
    if (!int_range(f->size, &lo, &hi))
        return jspec_fail(err, API_INTERNAL, f->name, "is not described correctly by the spec");
    lo = f->int_min > lo ? f->int_min : lo;
    hi = f->int_max < hi ? f->int_max : hi;
    x = (int64_t)json_integer_value(v);
    if (x < lo || x > hi)
        return jspec_fail(err, API_OUT_OF_RANGE, f->name,
                          "must be between %" PRId64 " and %" PRId64, lo, hi);
    return OF_OK;
}

static int validate_number(const json_t *v, const struct jspec_field *f, struct jspec_error *err)
{
    double x;

    if (!json_is_number(v))
        return jspec_fail(err, API_INVALID_TYPE, f->name, "must be a number");
    x = json_number_value(v);
    if (!(isfinite(x) && x >= f->num_min && x <= f->num_max))
        return jspec_fail(err, API_OUT_OF_RANGE, f->name, "must be between %.15g and %.15g",
                          f->num_min, f->num_max);
    return OF_OK;
}

static int validate_boolean(const json_t *v, const struct jspec_field *f, struct jspec_error *err)
{
    if (!json_is_boolean(v))
        return jspec_fail(err, API_INVALID_TYPE, f->name, "must be a boolean");
    return OF_OK;
}

static int validate_array(const json_t *v, const struct jspec_field *f, struct jspec_error *err)
{
    size_t n;

    if (!json_is_array(v))
        return jspec_fail(err, API_INVALID_TYPE, f->name, "must be an array");
    n = json_array_size(v);
    if (n < f->min)
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must have at least %zu item%s", f->min,
                          f->min == 1 ? "" : "s");
    if (f->max > 0 && n > f->max)
        return jspec_fail(err, API_TOO_LONG, f->name, "must have at most %zu items", f->max);
    return OF_OK;
}

static int validate_object(const json_t *v, const struct jspec_field *f, struct jspec_error *err)
{
    if (!json_is_object(v))
        return jspec_fail(err, API_INVALID_TYPE, f->name, "must be an object");
    return OF_OK;
}

/* A string into char[f->size] with its NUL; refused, never truncated. */
static int store_chars(const json_t *v, const struct jspec_field *f, void *dst,
                       struct jspec_error *err)
{
    size_t len = json_string_length(v);

    if (len >= f->size)
        return jspec_fail(err, API_TOO_LONG, f->name, "must be at most %zu bytes", f->size - 1);
    memcpy(dst, json_string_value(v), len + 1);
    return OF_OK;
}

static int store_integer(const json_t *v, const struct jspec_field *f, void *dst,
                         struct jspec_error *err)
{
    int64_t x = (int64_t)json_integer_value(v); /* within f->size's range: validated */
    int8_t x8 = (int8_t)x;
    int16_t x16 = (int16_t)x;
    int32_t x32 = (int32_t)x;

    (void)err;
    switch (f->size) {
    case 1:
        memcpy(dst, &x8, 1);
        break;
    case 2:
        memcpy(dst, &x16, 2);
        break;
    case 4:
        memcpy(dst, &x32, 4);
        break;
    default:
        memcpy(dst, &x, 8);
        break;
    }
    return OF_OK;
}

static int store_number(const json_t *v, const struct jspec_field *f, void *dst,
                        struct jspec_error *err)
{
    double x = json_number_value(v);

    (void)f;
    (void)err;
    memcpy(dst, &x, sizeof x);
    return OF_OK;
}

static int store_boolean(const json_t *v, const struct jspec_field *f, void *dst,
                         struct jspec_error *err)
{
    bool b = json_is_true(v);

    (void)f;
    (void)err;
    memcpy(dst, &b, sizeof b);
    return OF_OK;
}

static int store_json(const json_t *v, const struct jspec_field *f, void *dst,
                      struct jspec_error *err)
{
    (void)f;
    (void)err;
    memcpy(dst, &v, sizeof v);
    return OF_OK;
}

struct type_def {
    int (*validate)(const json_t *v, const struct jspec_field *f, struct jspec_error *err);
    int (*store)(const json_t *v, const struct jspec_field *f, void *dst, struct jspec_error *err);
    size_t min_size, max_size; /* the destination's */
    const char *null_message;  /* for null where it is not accepted */
};

static const struct type_def types[JSPEC_T_COUNT] = {
    [JSPEC_T_TEXT] = {validate_text, store_chars, 1, SIZE_MAX, "must be a string"},
    [JSPEC_T_STRING] = {validate_ascii, store_chars, 1, SIZE_MAX, "must be a string"},
    [JSPEC_T_UUID] = {validate_uuid, store_chars, UUID_STR_LEN, SIZE_MAX, "must be a string"},
    [JSPEC_T_INTEGER] = {validate_integer, store_integer, 1, 8, "must be an integer"},
    [JSPEC_T_NUMBER] = {validate_number, store_number, sizeof(double), sizeof(double),
                        "must be a number"},
    [JSPEC_T_BOOLEAN] = {validate_boolean, store_boolean, sizeof(bool), sizeof(bool),
                         "must be a boolean"},
    [JSPEC_T_ARRAY] = {validate_array, store_json, sizeof(json_t *), sizeof(json_t *),
                       "must be an array"},
    [JSPEC_T_OBJECT] = {validate_object, store_json, sizeof(json_t *), sizeof(json_t *),
                        "must be an object"},
    [JSPEC_T_RAW] = {NULL, store_json, sizeof(json_t *), sizeof(json_t *), "must not be null"},
    [JSPEC_T_CUSTOM] = {NULL, NULL, 0, SIZE_MAX, "must not be null"},
};

/* ------------------------------------------------------------------------------------------ */
/* The parser */

/* True if a bool at offset fits in size bytes. */
static bool flag_fits(bool has, size_t offset, size_t size)
{
    return !has || (size >= sizeof(bool) && offset <= size - sizeof(bool));
}

/* True if f describes a destination inside a struct of out_size bytes its type can hold. */
static bool field_valid(const struct jspec_field *f, size_t out_size)
{
    const struct type_def *t;
    int64_t lo, hi;

    if (!f->name || f->presence == JSPEC_READ_ONLY)
        return f->name != NULL;
    if ((unsigned)f->type >= JSPEC_T_COUNT || f->size > out_size || f->offset > out_size - f->size)
        return false;
    t = &types[f->type];
    if (f->size < t->min_size || f->size > t->max_size)
        return false;
    if ((f->type == JSPEC_T_INTEGER && !int_range(f->size, &lo, &hi)) ||
        (f->type == JSPEC_T_CUSTOM && !f->check))
        return false;
    return flag_fits(f->has_present, f->present_offset, out_size) &&
           flag_fits(f->has_null, f->null_offset, out_size);
}

/* API_INTERNAL unless spec can fill out: a bug of the caller, found on the first parse. */
static int spec_check(const struct jspec *spec, const void *out, struct jspec_error *err)
{
    if (!spec || !out || spec->out_size == 0 || (spec->n_fields > 0 && !spec->fields))
        return jspec_fail(err, API_INTERNAL, "", "cannot be read: the spec is not valid");
    for (size_t i = 0; i < spec->n_fields; i++) {
        if (!field_valid(&spec->fields[i], spec->out_size))
            return jspec_fail(err, API_INTERNAL, spec->fields[i].name ? spec->fields[i].name : "",
                              "is not described correctly by the spec");
    }
    return OF_OK;
}

/* The field named key (len bytes, NUL-free), read-only ones included, or NULL. */
static const struct jspec_field *find_field(const struct jspec *spec, const char *key, size_t len)
{
    for (size_t i = 0; i < spec->n_fields; i++) {
        const char *name = spec->fields[i].name;
        if (strlen(name) == len && memcmp(name, key, len) == 0)
            return &spec->fields[i];
    }
    return NULL;
}

static bool in_list(const char *const *list, const char *key, size_t len)
{
    for (; list && *list; list++) {
        if (strlen(*list) == len && memcmp(*list, key, len) == 0)
            return true;
    }
    return false;
}

/* Read-only members, and in strict mode unknown ones, in the object's order. */
static int check_members(const json_t *obj, const struct jspec *spec, struct jspec_error *err)
{
    const char *key;
    size_t key_len;
    json_t *v;

    json_object_keylen_foreach((json_t *)obj, key, key_len, v)
    {
        bool plain = memchr(key, '\0', key_len) == NULL;
        const struct jspec_field *f = plain ? find_field(spec, key, key_len) : NULL;

        if (f && f->presence != JSPEC_READ_ONLY)
            continue;
        if (f || (plain && in_list(spec->read_only, key, key_len)))
            return fail_member(err, API_READ_ONLY_FIELD, key, key_len, "is set by the server");
        if (spec->mode == JSPEC_STRICT)
            return fail_member(err, API_UNKNOWN_FIELD, key, key_len,
                               "is not a field of this request");
    }
    return OF_OK;
}

static void set_flag(char *copy, bool has, size_t offset, bool value)
{
    if (has)
        memcpy(copy + offset, &value, sizeof value);
}

/* Checks a non-null value: the type's rules, then the checker, then the store into dst. */
static int parse_value(const json_t *v, const struct jspec_field *f, void *dst,
                       struct jspec_error *err)
{
    const struct type_def *t = &types[f->type];

    if (t->validate && t->validate(v, f, err) < 0)
        return OF_EPERMANENT;
    if (f->check) {
        /* What a checker that fails without saying why reports. */
        jspec_fail(err, API_INVALID_VALUE, f->name, "is not valid");
        if (f->check(v, f, f->type == JSPEC_T_CUSTOM ? dst : NULL, err) != 0)
            return OF_EPERMANENT;
    }
    return t->store ? t->store(v, f, dst, err) : OF_OK;
}

static int parse_field(const json_t *obj, const struct jspec_field *f, char *copy,
                       struct jspec_error *err)
{
    const json_t *v = json_object_get(obj, f->name);
    char *dst = copy + f->offset;

    if (!v && f->presence == JSPEC_REQUIRED)
        return jspec_fail(err, API_MISSING_FIELD, f->name, "is required");
    set_flag(copy, f->has_present, f->present_offset, v != NULL);
    set_flag(copy, f->has_null, f->null_offset, json_is_null(v));
    if (!v)
        return OF_OK;
    if (json_is_null(v) && !f->nullable)
        return jspec_fail(err, API_INVALID_TYPE, f->name, "%s", types[f->type].null_message);
    if (json_is_null(v))
        memset(dst, 0, f->size);
    else if (parse_value(v, f, dst, err) < 0)
        return OF_EPERMANENT;
    return OF_OK;
}

int jspec_parse(const json_t *obj, const struct jspec *spec, void *out, struct jspec_error *ret_err)
{
    char *copy;
    int rc = OF_EPERMANENT;

    if (spec_check(spec, out, ret_err) < 0)
        return OF_EPERMANENT;
    if (!json_is_object(obj))
        return jspec_fail(ret_err, API_BODY_NOT_OBJECT, "", "must be a JSON object");
    if (check_members(obj, spec, ret_err) < 0)
        return OF_EPERMANENT;
    copy = xmalloc(spec->out_size);
    memcpy(copy, out, spec->out_size);
    for (size_t i = 0; i < spec->n_fields; i++) {
        const struct jspec_field *f = &spec->fields[i];
        if (f->presence != JSPEC_READ_ONLY && parse_field(obj, f, copy, ret_err) < 0)
            goto done;
    }
    memcpy(out, copy, spec->out_size);
    rc = OF_OK;
done:
    free(copy);
    return rc;
}

void jspec_reason(const struct jspec_error *e, const char *prefix, char *ret, size_t len)
{
    const char *name = e->field[0] ? e->field : "body";
    size_t skip = strlen(name);
    const char *why = strncmp(e->message, name, skip) == 0 && e->message[skip] == ' '
                          ? e->message + skip + 1
                          : e->message;
    if (ret && len)
        snprintf(ret, len, "%s%s%s: %s", prefix, e->field[0] ? "." : "", e->field, why);
}

bool jspec_currency_valid(const char *s)
{
    return s && strlen(s) == 3 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 3;
}

int jspec_check_currency(const json_t *value, const struct jspec_field *f, void *dst,
                         struct jspec_error *ret_err)
{
    (void)dst;
    if (!jspec_currency_valid(json_string_value(value)))
        return jspec_fail(ret_err, API_INVALID_VALUE, f->name,
                          "must be an ISO 4217 code: 3 upper-case letters");
    return OF_OK;
}

int jspec_query_limit(const char *s, int def, int max, int *ret, struct jspec_error *err)
{
    long v = def;
    if (s) {
        size_t digits = strspn(s, "0123456789");
        if (digits == 0 || s[digits] != '\0')
            return jspec_fail(err, API_INVALID_VALUE, "limit", "must be a whole number");
        v = digits > 6 ? LONG_MAX : strtol(s, NULL, 10);
    }
    if (v < 1 || v > max)
        return jspec_fail(err, API_OUT_OF_RANGE, "limit", "must be between 1 and %d", max);
    *ret = (int)v;
    return OF_OK;
}
