/* The event envelope (DESIGN.md section 3): building, strict decoding and ordered encoding. */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/envelope.h"
#include "common/errors.h"
#include "common/jsonout.h"
#include "common/topics.h"

/* Decoding rules:
 * - The root must be a JSON object; trailing bytes after it, duplicate keys, invalid UTF-8 and
 *   NUL characters inside strings are all rejected by jansson (no JSON_DISABLE_EOF_CHECK,
 *   JSON_REJECT_DUPLICATES, no JSON_ALLOW_NUL). Its nesting limit bounds recursion on data.
 * - All nine fields are required with their JSON type; they are checked in the documented order
 *   and the first failure is reported with the field's name ("json" for the document itself).
 * - Unknown extra top-level fields are accepted and ignored, so that a producer may add a field
 *   before every consumer knows it (forward compatibility). Payload changes that are not
 *   additive get a new event_version instead, and an unknown version is rejected.
 * - occurred_at is stored normalised to UTC with milliseconds ("...T10:00:00.123Z"), whatever
 *   offset or precision the producer used. */

static void set_err(struct envelope_error *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(struct envelope_error *err, const char *field, const char *fmt, ...)
{
    if (!err)
        return;
    snprintf(err->field, sizeof err->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    /* jansson quotes the input near a syntax error; keep only printable ASCII so the message is
     * safe to put in a log line or a dead-letter header even when the input was not UTF-8. */
    for (char *p = err->message; *p; p++) {
        if (*p < 0x20 || *p > 0x7e)
            *p = '?';
    }
}

static bool type_known(const char *event_type)
{
    size_t n;
    const struct topic_def *t = topics_all(&n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].event_type, event_type) == 0)
            return true;
    }
    return false;
}

/* Copies a JSON string into dst[cap]; checks type, length and emptiness. */
static int copy_string(const json_t *v, const char *field, bool allow_empty, char *dst, size_t cap,
                       struct envelope_error *err)
{
    if (!json_is_string(v)) {
        set_err(err, field, "must be a string");
        return -1;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len != strlen(s)) {
        set_err(err, field, "must not contain NUL characters");
        return -1;
    }
    if (len >= cap) {
        set_err(err, field, "longer than %zu bytes", cap - 1);
        return -1;
    }
    if (len == 0 && !allow_empty) {
        set_err(err, field, "must not be empty");
        return -1;
    }
    memcpy(dst, s, len + 1);
    return 0;
}

/* One checker per field; each fills its part of ev or reports err. */
typedef int (*field_fn)(const json_t *v, struct envelope *ev, struct envelope_error *err);

static int check_event_id(const json_t *v, struct envelope *ev, struct envelope_error *err)
{
    if (copy_string(v, "event_id", false, ev->event_id, sizeof ev->event_id, err) != 0)
        return -1;
    if (!uuid_valid(ev->event_id)) {
        set_err(err, "event_id", "not a UUID");
        return -1;
    }
    return 0;
}

static int check_event_type(const json_t *v, struct envelope *ev, struct envelope_error *err)
{
    if (copy_string(v, "event_type", false, ev->event_type, sizeof ev->event_type, err) != 0)
        return -1;
    if (!type_known(ev->event_type)) {
        set_err(err, "event_type", "unknown event type");
        return -1;
    }
    return 0;
}

/* Runs after check_event_type, so the type is known and may be named in the message. */
static int check_event_version(const json_t *v, struct envelope *ev, struct envelope_error *err)
{
    if (!json_is_integer(v)) {
        set_err(err, "event_version", "must be an integer");
        return -1;
    }
    json_int_t n = json_integer_value(v);
    if (n < 1 || n > INT_MAX) {
        set_err(err, "event_version", "must be a positive integer");
        return -1;
    }
    if (!topics_find(ev->event_type, (int)n)) {
        set_err(err, "event_version", "unknown version %d of %s", (int)n, ev->event_type);
        return -1;
    }
    ev->event_version = (int)n;
    return 0;
}

static int check_occurred_at(const json_t *v, struct envelope *ev, struct envelope_error *err)
{
    char text[64]; /* room for an offset and a long fraction */
    int64_t ms;
    if (copy_string(v, "occurred_at", false, text, sizeof text, err) != 0)
        return -1;
    if (timestamp_parse(text, &ms) != 0) {
        set_err(err, "occurred_at", "not an RFC 3339 timestamp");
        return -1;
    }
    timestamp_format(ms, ev->occurred_at);
    return 0;
}

static int check_producer(const json_t *v, struct envelope *ev, struct envelope_error *err)
{
    return copy_string(v, "producer", false, ev->producer, sizeof ev->producer, err);
}

static int check_trace_id(const json_t *v, struct envelope *ev, struct envelope_error *err)
{
    if (copy_string(v, "trace_id", false, ev->trace_id, sizeof ev->trace_id, err) != 0)
        return -1;
    if (!trace_id_valid(ev->trace_id)) {
        set_err(err, "trace_id", "must be 32 lowercase hex digits, not all zero");
        return -1;
    }
    return 0;
}

static int check_correlation_id(const json_t *v, struct envelope *ev, struct envelope_error *err)
{
    return copy_string(v, "correlation_id", false, ev->correlation_id, sizeof ev->correlation_id,
                       err);
}

static int check_causation_id(const json_t *v, struct envelope *ev, struct envelope_error *err)
{
    return copy_string(v, "causation_id", true, ev->causation_id, sizeof ev->causation_id, err);
}

static int check_data(const json_t *v, struct envelope *ev, struct envelope_error *err)
{
    if (!json_is_object(v)) {
        set_err(err, "data", "must be an object");
        return -1;
    }
    ev->data = (json_t *)v; /* borrowed from the document until decode succeeds */
    return 0;
}

/* The fields in the documented order: decoding checks, and encoding writes, in this order. */
static const struct {
    const char *key;
    field_fn check;
} fields[] = {
    {"event_id", check_event_id},
    {"event_type", check_event_type},
    {"event_version", check_event_version},
    {"occurred_at", check_occurred_at},
    {"producer", check_producer},
    {"trace_id", check_trace_id},
    {"correlation_id", check_correlation_id},
    {"causation_id", check_causation_id},
    {"data", check_data},
};

#define N_FIELDS (sizeof fields / sizeof fields[0])

static json_t *parse_root(const char *buf, size_t len, struct envelope_error *err)
{
    if (!buf || len == 0) {
        set_err(err, "json", "empty input");
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        set_err(err, "json", "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
                jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        set_err(err, "json", "the document must be an object");
        json_decref(root);
        return NULL;
    }
    return root;
}

int envelope_decode(const char *buf, size_t len, struct envelope *ret, struct envelope_error *err)
{
    json_t *root = parse_root(buf, len, err);
    if (!root)
        return OF_EPERMANENT;
    struct envelope ev = {0};
    for (size_t i = 0; i < N_FIELDS; i++) {
        const json_t *v = json_object_get(root, fields[i].key);
        if (!v) {
            set_err(err, fields[i].key, "missing");
            goto fail;
        }
        if (fields[i].check(v, &ev, err) != 0)
            goto fail;
    }
    json_incref(ev.data);
    json_decref(root);
    *ret = ev;
    return OF_OK;
fail:
    json_decref(root);
    return OF_EPERMANENT;
}

/* True if s is present, shorter than cap, non-empty unless allowed, and valid UTF-8. */
static bool text_ok(const char *s, size_t cap, bool allow_empty)
{
    if (!s || strlen(s) >= cap || (!allow_empty && s[0] == '\0'))
        return false;
    json_t *j = json_string(s); /* NULL for invalid UTF-8 */
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

/* Everything envelope_decode would check, so that what we build is what consumers accept. */
static bool init_args_ok(const char *event_type, int version, const char *producer,
                         const char *trace_id, const char *correlation_id, const char *causation_id)
{
    struct envelope *e = NULL; /* only for sizeof */
    return text_ok(event_type, sizeof e->event_type, false) &&
           topics_find(event_type, version) != NULL &&
           text_ok(producer, sizeof e->producer, false) && trace_id_valid(trace_id) &&
           text_ok(correlation_id, sizeof e->correlation_id, false) &&
           text_ok(causation_id ? causation_id : "", sizeof e->causation_id, true);
}

int envelope_init(struct envelope *ret, const char *event_type, int version, const char *producer,
                  const char *trace_id, const char *correlation_id, const char *causation_id,
                  json_t *data)
{
    if (!json_is_object(data) ||
        !init_args_ok(event_type, version, producer, trace_id, correlation_id, causation_id)) {
        json_decref(data);
        return OF_EPERMANENT;
    }
    struct envelope ev = {0};
    uuid_v7(ev.event_id);
    timestamp_format(time_now_ms(), ev.occurred_at);
    snprintf(ev.event_type, sizeof ev.event_type, "%s", event_type);
    ev.event_version = version;
    snprintf(ev.producer, sizeof ev.producer, "%s", producer);
    snprintf(ev.trace_id, sizeof ev.trace_id, "%s", trace_id);
    snprintf(ev.correlation_id, sizeof ev.correlation_id, "%s", correlation_id);
    snprintf(ev.causation_id, sizeof ev.causation_id, "%s", causation_id ? causation_id : "");
    ev.data = data;
    *ret = ev;
    return OF_OK;
}

/* A JSON string from a fixed-size field, never reading past the field. NULL if not UTF-8. */
static json_t *field_string(const char *s, size_t cap)
{
    return json_stringn(s, strnlen(s, cap));
}

/* Encodes in the order of the fields table. Returns NULL only for an envelope that was not made by
 * envelope_init or envelope_decode and holds text that is not valid UTF-8. */
char *envelope_encode(const struct envelope *ev)
{
    json_t *values[N_FIELDS] = {
        field_string(ev->event_id, sizeof ev->event_id),
        field_string(ev->event_type, sizeof ev->event_type),
        json_integer(ev->event_version),
        field_string(ev->occurred_at, sizeof ev->occurred_at),
        field_string(ev->producer, sizeof ev->producer),
        field_string(ev->trace_id, sizeof ev->trace_id),
        field_string(ev->correlation_id, sizeof ev->correlation_id),
        field_string(ev->causation_id, sizeof ev->causation_id),
        ev->data ? json_incref(ev->data) : json_object(),
    };
    json_t *root = json_object();
    bool ok = root != NULL;
    for (size_t i = 0; i < N_FIELDS; i++) /* _set_new releases each value, even on failure */
        ok = json_object_set_new(root, fields[i].key, values[i]) == 0 && ok;
    /* Reals in their shortest round-trip form, as in HTTP answers (jsonout.h). */
    char *out = ok ? jsonout_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER, NULL) : NULL;
    json_decref(root);
    return out;
}

int envelope_occurred_ms(const struct envelope *ev, int64_t now_ms, int64_t max_skew_ms,
                         int64_t *ret_ms, const char **ret_reason)
{
    int64_t at;
    const char *why = NULL;
    if (timestamp_parse(ev->occurred_at, &at) != 0)
        why = "occurred_at: not a timestamp";
    else if (at > now_ms && at - now_ms > max_skew_ms)
        why = "occurred_at: more than the allowed skew in the future";
    if (why) {
        if (ret_reason)
            *ret_reason = why;
        return OF_EPERMANENT;
    }
    *ret_ms = at;
    return OF_OK;
}

void envelope_clear(struct envelope *ev)
{
    if (!ev)
        return;
    json_decref(ev->data);
    ev->data = NULL;
}
