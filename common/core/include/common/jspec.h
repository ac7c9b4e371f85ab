/* JSON-spec tables: the one way to read a JSON object (an HTTP request body or an event's data)
 * into a C struct, driven by a table of fields (the idea of GNU Taler's GNUNET_JSON_Specification),
 * with the one rule for what valid text is. Pure: no I/O, no logging.
 *
 * A spec lists the members of an object: name, JSON type, presence (required, optional, or
 * read-only: refused because the server owns it), whether null is accepted, bounds, and where the
 * value goes in an output struct. jspec_parse() checks an object against it and fills the struct;
 * on the first problem it returns OF_EPERMANENT with a struct jspec_error that an HTTP handler
 * turns into 400 {"error":{"code","message","field"}} and an event handler into a dead letter.
 *
 * Example (PATCH /v1/me {name?, email?}):
 *
 *     struct profile_patch {
 *         bool set_name, set_email, email_null;
 *         char name[4 * 100 + 1];
 *         char email[254 + 1];
 *     };
 *
 *     static int email_check(const json_t *v, const struct jspec_field *f, void *dst,
 *                            struct jspec_error *ret_err)
 *     {
 *         (void)dst;
 *         if (!email_valid(json_string_value(v)))
 *             return jspec_fail(ret_err, API_INVALID_VALUE, f->name, "must be an e-mail address");
 *         return 0;
 *     }
 *
 *     static const struct jspec_field patch_fields[] = {
 *         JSPEC_TEXT(struct profile_patch, name, 100, .presence = JSPEC_OPTIONAL,
 *                    JSPEC_PRESENT(struct profile_patch, set_name)),
 *         JSPEC_STRING(struct profile_patch, email, 254, .presence = JSPEC_OPTIONAL,
 *                      .nullable = true, .check = email_check,
 *                      JSPEC_PRESENT(struct profile_patch, set_email),
 *                      JSPEC_NULL(struct profile_patch, email_null)),
 *         JSPEC_READ_ONLY_FIELD("phone"),
 *         JSPEC_READ_ONLY_FIELD("role"),
 *     };
 *     static const struct jspec patch_spec =
 *         JSPEC_SPEC(struct profile_patch, patch_fields, JSPEC_STRICT);
 *
 *     struct profile_patch p = {0};           (its contents are the defaults of absent fields)
 *     struct jspec_error err;
 *     if (jspec_parse(body, &patch_spec, &p, &err) < 0) {
 *         http_reply_error(res, err.code, err.message, err.field);
 *         return;
 *     }
 *
 * The field macros take the struct type and member (the member's name is the JSON name) and
 * check at compile time that the member has the C type the JSON type is stored as; options
 * follow as designated initializers: .presence, .nullable, .check, .check_cls, JSPEC_PRESENT(),
 * JSPEC_NULL(). A field without .presence is required. */
#ifndef COMMON_JSPEC_H
#define COMMON_JSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/apierror.h"
#include "common/uuid.h"

#define JSPEC_MAX_DEPTH    32 /* jspec_load: arrays and objects nested deeper are refused */
#define JSPEC_FIELD_SIZE   65 /* a field name of at most 64 bytes and the NUL */
#define JSPEC_MESSAGE_SIZE 160

/* The first problem found. code is one of apierror.h's request-shape codes (API_INVALID_JSON,
 * API_BODY_NOT_OBJECT, API_UNKNOWN_FIELD, API_READ_ONLY_FIELD, API_MISSING_FIELD,
 * API_INVALID_TYPE, API_INVALID_VALUE, API_OUT_OF_RANGE, API_TOO_LONG), whatever a checker
 * chose, or API_INTERNAL for a spec that does not describe its struct. field is the member's
 * name, "" when the problem concerns the whole object; a longer name is cut to at most 64 bytes
 * at a UTF-8 character boundary and before any invalid UTF-8, so it is always valid UTF-8.
 * message is English, starts with the field name (or "body" when field is ""), and never echoes
 * the rejected value, so it can be logged and sent back as it is. */
struct jspec_error {
    enum api_error code;
    char field[JSPEC_FIELD_SIZE];
    char message[JSPEC_MESSAGE_SIZE];
};

/* How a member's JSON value is checked and what it is stored as. */
enum jspec_type {
    JSPEC_T_TEXT,    /* string passing jspec_text_check(max characters) -> char[size] */
    JSPEC_T_STRING,  /* string of printable ASCII (0x20-0x7E), at most max bytes; a checker
                        decides the rest (phone, e-mail, postcode) -> char[size] */
    JSPEC_T_UUID,    /* canonical lowercase 8-4-4-4-12 UUID -> char[UUID_STR_LEN] */
    JSPEC_T_INTEGER, /* JSON integer (not 1.0, not "1") in [int_min, int_max] -> int/long/int64 */
    JSPEC_T_NUMBER,  /* JSON integer or real, finite, in [num_min, num_max] -> double */
    JSPEC_T_BOOLEAN, /* true or false -> bool */
    JSPEC_T_ARRAY,   /* array of min to max items (max 0: any) -> const json_t *, borrowed */
    JSPEC_T_OBJECT,  /* object -> const json_t *, borrowed */
    JSPEC_T_RAW,     /* any value but null -> const json_t *, borrowed */
    JSPEC_T_CUSTOM,  /* the checker alone checks the value and writes the destination */
    JSPEC_T_COUNT
};

enum jspec_presence {
    JSPEC_REQUIRED = 0, /* absent: API_MISSING_FIELD */
    JSPEC_OPTIONAL,     /* absent: the destination keeps what the caller put there */
    JSPEC_READ_ONLY,    /* present: API_READ_ONLY_FIELD (server-owned: id, status, price...) */
};

enum jspec_mode {
    JSPEC_STRICT = 0, /* request bodies: members not in the spec are API_UNKNOWN_FIELD */
    JSPEC_LENIENT,    /* event data: members not in the spec are ignored (producers may add) */
};

struct jspec_field;

/* A domain rule for one field. For every type but JSPEC_T_CUSTOM it runs after jspec's own
 * checks passed (so a string is a NUL-free string, ASCII for JSPEC_T_STRING, a number within its
 * bounds) and before the value is stored; dst is then NULL. For JSPEC_T_CUSTOM it is the whole
 * parser: value is any JSON value but null (null is jspec's, see .nullable) and dst is the
 * field's destination (f->size bytes) in jspec's working copy, to be written on success. Returns
 * 0, or fills ret_err with jspec_fail() (naming f->name) and returns OF_EPERMANENT. f->check_cls
 * is the checker's own context. */
typedef int (*jspec_check_fn)(const json_t *value, const struct jspec_field *f, void *dst,
                              struct jspec_error *ret_err);

/* One member. Built with the JSPEC_* macros below rather than by hand. */
struct jspec_field {
    const char *name; /* the JSON member name, NUL-free */
    enum jspec_type type;
    enum jspec_presence presence;
    bool nullable;   /* null accepted: the destination is zeroed ("" for text, NULL, 0) */
    size_t min, max; /* TEXT: max characters; STRING: max bytes; ARRAY: items; 0: no max */
    int64_t int_min, int_max;
    double num_min, num_max;
    size_t offset, size; /* of the destination within the output struct */
    bool has_present;    /* a bool at present_offset is set to whether the member was sent */
    size_t present_offset;
    bool has_null; /* a bool at null_offset is set to whether the member was null */
    size_t null_offset;
    jspec_check_fn check; /* NULL: none; required for JSPEC_T_CUSTOM */
    const void *check_cls;
};

/* A whole object: its fields, in the order they are checked, and how unknown members are met. */
struct jspec {
    const struct jspec_field *fields;
    size_t n_fields;
    size_t out_size; /* sizeof the output struct */
    enum jspec_mode mode;
    const char *const *read_only; /* more read-only names (a list shared between specs),
                                     NULL-terminated; NULL for none */
};

/* ---- Table macros ------------------------------------------------------------------------- */

/* A compile error unless stype.member has one of the given types (after array decay). */
#define JSPEC_IS_(stype, member, ...) (0 * _Generic(((stype *)0)->member, __VA_ARGS__))
#define JSPEC_DST_(stype, member, ...)                                                             \
    .name = #member, .offset = offsetof(stype, member) + JSPEC_IS_(stype, member, __VA_ARGS__),    \
    .size = sizeof(((stype *)0)->member)
/* A compile error unless stype.member can hold a UUID's text. */
#define JSPEC_UUID_FITS_(stype, member)                                                            \
    (0 * sizeof(char[sizeof(((stype *)0)->member) >= UUID_STR_LEN ? 1 : -1]))

/* Free text of at most max_chars characters into a char array; refused (API_TOO_LONG), never
 * truncated, if it does not fit: give the array 4 * max_chars + 1 bytes. */
#define JSPEC_TEXT(stype, member, max_chars, ...)                                                  \
    {                                                                                              \
        JSPEC_DST_(stype, member, char * : 0), .type = JSPEC_T_TEXT, .max = (max_chars),           \
                                               __VA_ARGS__                                         \
    }
/* Printable ASCII of at most max_bytes (0: the array's size) into a char array. */
#define JSPEC_STRING(stype, member, max_bytes, ...)                                                \
    {                                                                                              \
        JSPEC_DST_(stype, member, char * : 0), .type = JSPEC_T_STRING, .max = (max_bytes),         \
                                               __VA_ARGS__                                         \
    }
/* A UUID into char[UUID_STR_LEN] (a smaller array does not compile: .min is 0 or an error). */
#define JSPEC_UUID(stype, member, ...)                                                             \
    {                                                                                              \
        JSPEC_DST_(stype, member, char * : 0), .type = JSPEC_T_UUID,                               \
                                               .min = JSPEC_UUID_FITS_(stype, member), __VA_ARGS__ \
    }
/* An integer in [lo, hi] into an int, long or long long (the bounds are also cut to its range). */
#define JSPEC_INTEGER(stype, member, lo, hi, ...)                                                  \
    {                                                                                              \
        JSPEC_DST_(stype, member, int : 0, long : 0, long long : 0),                               \
            .type = JSPEC_T_INTEGER, .int_min = (lo), .int_max = (hi), __VA_ARGS__                 \
    }
/* A finite number in [lo, hi] into a double (e.g. -90, 90 for a latitude). */
#define JSPEC_NUMBER(stype, member, lo, hi, ...)                                                   \
    {                                                                                              \
        JSPEC_DST_(stype, member, double : 0), .type = JSPEC_T_NUMBER, .num_min = (lo),            \
                                               .num_max = (hi), __VA_ARGS__                        \
    }
#define JSPEC_BOOLEAN(stype, member, ...)                                                          \
    {                                                                                              \
        JSPEC_DST_(stype, member, bool : 0), .type = JSPEC_T_BOOLEAN, __VA_ARGS__                  \
    }
/* An array of min_items to max_items (0: no maximum) items, borrowed into a const json_t *. */
#define JSPEC_ARRAY(stype, member, min_items, max_items, ...)                                      \
    {                                                                                              \
        JSPEC_DST_(stype, member, const json_t * : 0), .type = JSPEC_T_ARRAY, .min = (min_items),  \
                                                       .max = (max_items), __VA_ARGS__             \
    }
#define JSPEC_OBJECT(stype, member, ...)                                                           \
    {                                                                                              \
        JSPEC_DST_(stype, member, const json_t * : 0), .type = JSPEC_T_OBJECT, __VA_ARGS__         \
    }
#define JSPEC_RAW(stype, member, ...)                                                              \
    {                                                                                              \
        JSPEC_DST_(stype, member, const json_t * : 0), .type = JSPEC_T_RAW, __VA_ARGS__            \
    }
/* A member the checker fn parses into stype.member, whatever its type. */
#define JSPEC_CUSTOM(stype, member, fn, ...)                                                       \
    {                                                                                              \
        .name = #member, .offset = offsetof(stype, member), .size = sizeof(((stype *)0)->member),  \
        .type = JSPEC_T_CUSTOM, .check = (fn), __VA_ARGS__                                         \
    }
/* A member no client may send. */
#define JSPEC_READ_ONLY_FIELD(member_name)                                                         \
    {                                                                                              \
        .name = (member_name), .presence = JSPEC_READ_ONLY                                         \
    }

/* Options: a bool member set to whether the member was sent, or was sent as null. */
#define JSPEC_PRESENT(stype, flag)                                                                 \
    .has_present = true, .present_offset = offsetof(stype, flag) + JSPEC_IS_(stype, flag, bool : 0)
#define JSPEC_NULL(stype, flag)                                                                    \
    .has_null = true, .null_offset = offsetof(stype, flag) + JSPEC_IS_(stype, flag, bool : 0)

/* A struct jspec over a static array of fields for output struct stype. */
#define JSPEC_SPEC(stype, field_array, spec_mode, ...)                                             \
    {                                                                                              \
        .fields = (field_array), .n_fields = sizeof(field_array) / sizeof((field_array)[0]),       \
        .out_size = sizeof(stype), .mode = (spec_mode), __VA_ARGS__                                \
    }

/* ---- Parsing ------------------------------------------------------------------------------ */

/* Checks obj (borrowed) against spec and on success fills *out and returns 0. The struct at out
 * is read first: its contents are the values of optional members that are absent. The parse runs
 * on a copy, so on failure *out is untouched. On failure returns OF_EPERMANENT and fills *ret_err
 * (which may be NULL) with the first problem, in this order:
 *   1. obj is not an object: API_BODY_NOT_OBJECT, field "";
 *   2. its members in the object's order: a read-only one (the table's JSPEC_READ_ONLY ones
 *      and spec->read_only) is API_READ_ONLY_FIELD in either mode; in JSPEC_STRICT one the spec
 *      does not list, or whose name holds a NUL, is API_UNKNOWN_FIELD;
 *   3. the table's fields in table order: a required one absent is API_MISSING_FIELD; null where
 *      not nullable, or the wrong JSON type, is API_INVALID_TYPE; then the type's rules
 *      (API_INVALID_VALUE, API_OUT_OF_RANGE, API_TOO_LONG, see enum jspec_type), then the
 *      checker, and last, for strings, whether the value fits its array (API_TOO_LONG).
 * Null, where accepted, zeroes the destination and runs no checker. Presence and null flags are
 * written on every successful parse. ARRAY, OBJECT and RAW destinations borrow from obj: they are
 * valid while obj is. A spec whose fields do not fit out_size gives API_INTERNAL. */
int jspec_parse(const json_t *obj, const struct jspec *spec, void *out, struct jspec_error *ret_err)
    __attribute__((warn_unused_result));

/* Turns len bytes (not NUL-terminated; NUL bytes inside are refused) into a JSON object, the one
 * way HTTP bodies and tests do it. On success *ret_obj is a new reference the caller owns and
 * releases with json_decref(); returns 0. On failure returns OF_EPERMANENT with *ret_obj
 * untouched and *ret_err (may be NULL) filled, field "": API_INVALID_JSON for empty input, bad
 * syntax, trailing data, invalid UTF-8 (also as \u escapes: lone surrogates), \u0000, duplicate
 * member names at any depth, nesting deeper than JSPEC_MAX_DEPTH arrays and objects (checked
 * before jansson sees the input, without recursion), integers beyond json_int_t and reals beyond
 * double; API_BODY_NOT_OBJECT for any other top-level value. The message gives the line and
 * column but never the offending text. */
int jspec_load(const char *text, size_t len, json_t **ret_obj, struct jspec_error *ret_err)
    __attribute__((warn_unused_result));

/* A listing's limit query parameter s (NULL: absent, then def): decimal digits only, 1..max.
 * Returns 0 with *ret set, or OF_EPERMANENT with err naming "limit" (API_INVALID_VALUE "must be
 * a whole number", API_OUT_OF_RANGE "must be between 1 and <max>") and *ret untouched. */
int jspec_query_limit(const char *s, int def, int max, int *ret, struct jspec_error *err)
    __attribute__((warn_unused_result));

/* Whether s is an ISO 4217 alphabetic code's form: exactly 3 upper-case ASCII letters (false for
 * NULL). */
bool jspec_currency_valid(const char *s);
/* A jspec_check_fn for a currency member (a JSPEC_STRING of 3 bytes): API_INVALID_VALUE ("<field>
 * must be an ISO 4217 code: 3 upper-case letters") unless jspec_currency_valid(). */
int jspec_check_currency(const json_t *value, const struct jspec_field *f, void *dst,
                         struct jspec_error *ret_err);

/* The one-line reason for event data that failed with e, under prefix ("data", "data.lines[2]"):
 * "<prefix>.<field>: <why>", or "<prefix>: <why>" for the whole object, where why is e's message
 * without the field name it starts with. It names the field, never the value: the dead letter's
 * dlq.error (consumer_fail). Written into ret (len bytes; nothing when len is 0). */
void jspec_reason(const struct jspec_error *e, const char *prefix, char *ret, size_t len);

/* ---- Text --------------------------------------------------------------------------------- */

/* The one text rule: s (len bytes) must be valid UTF-8 (no overlong forms, surrogates or code
 * points above U+10FFFF), hold no control character (Unicode category Cc: U+0000-U+001F, U+007F,
 * U+0080-U+009F; so no NUL either), not be empty nor blank (only Unicode White_Space: U+0020,
 * U+00A0, U+2000-U+200A, U+3000 ...), and be at most max_chars code
 * points (0: no limit). Returns 0, or OF_EPERMANENT with *ret_err (may be NULL) naming field:
 * API_INVALID_VALUE ("<field> must not be empty", "must be valid UTF-8", "must not contain
 * control characters", "must not be blank") or API_TOO_LONG ("<field> must be at most N
 * characters"). Every byte is checked before the length, so bad bytes win over length. */
int jspec_text_check(const char *s, size_t len, size_t max_chars, const char *field,
                     struct jspec_error *ret_err) __attribute__((warn_unused_result));

/* Decodes the UTF-8 sequence at s (n > 0 bytes available) into *ret_cp and returns its length
 * (1 to 4); returns 0 with *ret_cp untouched if it is malformed, truncated, overlong, a surrogate
 * or above U+10FFFF. */
size_t jspec_utf8_next(const unsigned char *s, size_t n, uint32_t *ret_cp);

/* ---- For checkers ------------------------------------------------------------------------- */

/* Fills *ret_err (may be NULL): code, field (cut as struct jspec_error says) and the message
 * "<field> <fmt...>" ("body ..." when field is ""). fmt must not print the rejected value.
 * Returns OF_EPERMANENT, so a checker can `return jspec_fail(...)`. */
int jspec_fail(struct jspec_error *ret_err, enum api_error code, const char *field, const char *fmt,
               ...) __attribute__((format(printf, 4, 5)));

/* For a JSPEC_T_CUSTOM checker that wants a string: sets *ret_s (borrowed from v) and *ret_len
 * and returns 0 if v is a string without NUL inside; else returns OF_EPERMANENT (outputs
 * untouched) with API_INVALID_TYPE "<field> must be a string" or API_INVALID_VALUE "<field> must
 * not contain NUL characters". */
int jspec_string(const json_t *v, const char *field, const char **ret_s, size_t *ret_len,
                 struct jspec_error *ret_err) __attribute__((warn_unused_result));

#endif
