/* libFuzzer harness for common/jspec.c: every input goes through jspec_load() and, when it loads,
 * through jspec_parse() against a spec with a field of every type in both modes; the raw bytes
 * also go to the text rule and, as a member name, to the parser. Any broken invariant aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/errors.h"
#include "common/jspec.h"
#include "common/uuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME_MAX_CHARS 10
#define NOTE_MAX_CHARS 5
#define CODE_MAX       8

struct all {
    char name[4 * NAME_MAX_CHARS + 1];
    char code[CODE_MAX + 1];
    char id[UUID_STR_LEN];
    int64_t qty;
    int level;
    double lat;
    bool open;
    const json_t *items, *meta, *extra;
    char note[4 * NOTE_MAX_CHARS + 1];
    bool set_note, note_null, set_qty;
    unsigned kind;
};

static int code_check(const json_t *v, const struct jspec_field *f, void *dst,
                      struct jspec_error *ret_err)
{
    const char *s = json_string_value(v);

    if (dst != NULL || s == NULL)
        abort(); /* built-in types get no destination, and a string */
    if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(s))
        return jspec_fail(ret_err, API_INVALID_VALUE, f->name, "must be capital letters");
    return OF_OK;
}

static int kind_parse(const json_t *v, const struct jspec_field *f, void *dst,
                      struct jspec_error *ret_err)
{
    const char *s;
    size_t len;
    unsigned kind;

    if (json_is_null(v) || dst == NULL)
        abort(); /* null is jspec's business, and a custom checker gets a destination */
    if (jspec_string(v, f->name, &s, &len, ret_err) < 0)
        return OF_EPERMANENT;
    if (len != 1 || s[0] < 'a' || s[0] > 'z')
        return jspec_fail(ret_err, API_INVALID_VALUE, f->name, "must be one small letter");
    kind = (unsigned)(s[0] - 'a');
    memcpy(dst, &kind, sizeof kind);
    return OF_OK;
}

#define A struct all
static const struct jspec_field fields[] = {
    JSPEC_TEXT(A, name, NAME_MAX_CHARS),
    JSPEC_STRING(A, code, CODE_MAX, .presence = JSPEC_OPTIONAL, .check = code_check),
    JSPEC_UUID(A, id, .presence = JSPEC_OPTIONAL),
    JSPEC_INTEGER(A, qty, -100, 100, .presence = JSPEC_OPTIONAL, JSPEC_PRESENT(A, set_qty)),
    JSPEC_INTEGER(A, level, INT64_MIN, INT64_MAX, .presence = JSPEC_OPTIONAL),
    JSPEC_NUMBER(A, lat, -90, 90, .presence = JSPEC_OPTIONAL),
    JSPEC_BOOLEAN(A, open, .presence = JSPEC_OPTIONAL),
    JSPEC_ARRAY(A, items, 0, 4, .presence = JSPEC_OPTIONAL),
    JSPEC_OBJECT(A, meta, .presence = JSPEC_OPTIONAL, .nullable = true),
    JSPEC_RAW(A, extra, .presence = JSPEC_OPTIONAL),
    JSPEC_TEXT(A, note, NOTE_MAX_CHARS, .presence = JSPEC_OPTIONAL, .nullable = true,
               JSPEC_PRESENT(A, set_note), JSPEC_NULL(A, note_null)),
    JSPEC_CUSTOM(A, kind, kind_parse, .presence = JSPEC_OPTIONAL),
    JSPEC_READ_ONLY_FIELD("status"),
};
static const char *const server_owned[] = {"id_", "created_at", NULL};
static const struct jspec strict = JSPEC_SPEC(A, fields, JSPEC_STRICT, .read_only = server_owned);
static const struct jspec lenient = JSPEC_SPEC(A, fields, JSPEC_LENIENT, .read_only = server_owned);
#undef A

static void check(bool ok)
{
    if (!ok)
        abort();
}

/* True if s (len bytes) is valid UTF-8 without NUL. */
static bool utf8_ok(const char *s, size_t len)
{
    uint32_t cp = 0;

    for (size_t i = 0, step; i < len; i += step) {
        step = jspec_utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (step == 0 || step > 4 || step > len - i || cp == 0)
            return false;
    }
    return true;
}

/* Every failure: a known code, a short valid field, a message that starts with it. */
static void check_error(const struct jspec_error *err)
{
    size_t fl = strnlen(err->field, sizeof err->field);
    const char *who = fl ? err->field : "body";

    check((unsigned)err->code < API_ERROR_COUNT && err->code != API_INTERNAL);
    check(fl < sizeof err->field && utf8_ok(err->field, fl));
    check(strnlen(err->message, sizeof err->message) < sizeof err->message);
    check(strncmp(err->message, who, strlen(who)) == 0 && err->message[strlen(who)] == ' ');
}

/* A stored text: NUL-terminated inside its buffer and passing the text rule. */
static void check_text(const char *s, size_t size, size_t max_chars)
{
    size_t len = strnlen(s, size);

    check(len < size && jspec_text_check(s, len, max_chars, "t", NULL) == 0);
}

/* Every success: what was stored obeys the spec and borrowed values are obj's own. */
static void check_result(const struct all *a, const json_t *obj)
{
    const json_t *note = json_object_get(obj, "note");

    check_text(a->name, sizeof a->name, NAME_MAX_CHARS);
    check(a->set_note == (note != NULL) && a->note_null == json_is_null(note));
    if (note && !json_is_null(note))
        check_text(a->note, sizeof a->note, NOTE_MAX_CHARS);
    check(a->set_qty == (json_object_get(obj, "qty") != NULL));
    if (a->set_qty)
        check(a->qty >= -100 && a->qty <= 100 &&
              a->qty == json_integer_value(json_object_get(obj, "qty")));
    if (json_object_get(obj, "lat"))
        check(a->lat >= -90 && a->lat <= 90);
    if (json_object_get(obj, "id"))
        check(strnlen(a->id, sizeof a->id) == UUID_STR_LEN - 1 && uuid_valid(a->id));
    if (json_object_get(obj, "items"))
        check(a->items == json_object_get(obj, "items") && json_array_size(a->items) <= 4);
    if (json_object_get(obj, "extra"))
        check(a->extra == json_object_get(obj, "extra") && !json_is_null(a->extra));
    if (json_object_get(obj, "kind"))
        check(a->kind < 26);
}

/* Parses obj with spec from a patterned struct; returns the result after checking either side. */
static int parse_one(const json_t *obj, const struct jspec *spec)
{
    struct all a, before;
    struct jspec_error err;
    int rc;

    memset(&a, 0, sizeof a);
    memset(a.name, 0x5a, sizeof a.name); /* bytes a failed parse must leave alone */
    a.qty = 12345;
    memcpy(&before, &a, sizeof a);
    rc = jspec_parse(obj, spec, &a, &err);
    if (rc == 0) {
        check_result(&a, obj);
    } else {
        check(rc == OF_EPERMANENT && memcmp(&a, &before, sizeof a) == 0);
        check_error(&err);
    }
    return rc;
}

/* The text rule on arbitrary bytes, against checks of its own. */
static void check_text_rule(const char *s, size_t len)
{
    size_t max = len > 0 ? (unsigned char)s[0] % 16 : 0;
    struct jspec_error err;

    if (jspec_text_check(s, len, max, "t", &err) != 0) {
        check_error(&err);
        check(err.code == API_INVALID_VALUE || err.code == API_TOO_LONG);
        return;
    }
    check(len > 0 && utf8_ok(s, len) && strspn(s, " ") < len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        check(c >= 0x20 && c != 0x7f && c != 0xc0 && c != 0xc1 && c < 0xf5);
        check(!(c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9f));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct jspec_error err;
    json_t *obj = NULL;

    if (jspec_load(text, size, &obj, &err) == 0) {
        check(json_is_object(obj));
        int strict_rc = parse_one(obj, &strict), lenient_rc = parse_one(obj, &lenient);
        check(strict_rc != 0 || lenient_rc == 0); /* lenient takes whatever strict takes */
        json_decref(obj);
    } else {
        check(obj == NULL && (err.code == API_INVALID_JSON || err.code == API_BODY_NOT_OBJECT));
        check_error(&err);
    }
    check_text_rule(text, size);

    /* The bytes as a member name, unchecked as jansson's own parser never would. */
    obj = json_object();
    check(obj != NULL && json_object_setn_new_nocheck(obj, text, size, json_true()) == 0 &&
          json_object_set_new(obj, "name", json_string("Ada")) == 0);
    parse_one(obj, &strict);
    parse_one(obj, &lenient);
    json_decref(obj);
    return 0;
}
