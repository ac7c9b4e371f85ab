/* Tests of the event envelope codec: data files, round trips, building, and hostile input. */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/envelope.h"
#include "common/errors.h"
#include "common/timefmt.h"
#include "common/topics.h"
#include "common/uuid.h"

#define DATA_DIR    "data"
#define MAX_FILES   256
#define MIN_INVALID 25
#define TRACE       "4bf92f3577b34da6a3ce929d0e0e4736"

/* ---- helpers ---------------------------------------------------------------------------- */

static char *read_file(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct buf_ {
        char *p;
        size_t len, cap;
    } b = {malloc(4096), 0, 4096};
    assert_non_null(b.p);
    size_t got;
    while ((got = fread(b.p + b.len, 1, b.cap - b.len, f)) > 0) {
        b.len += got;
        if (b.len == b.cap) {
            b.cap *= 2;
            b.p = realloc(b.p, b.cap);
            assert_non_null(b.p);
        }
    }
    assert_int_equal(ferror(f), 0);
    fclose(f);
    *ret_len = b.len;
    return b.p; /* deliberately not NUL-terminated: decode must honour len */
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted *.json names in dir; the caller frees each and the array. */
static char **list_json(const char *dir, size_t *ret_n)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s (the test must run in its source folder)", dir);
    char **names = calloc(MAX_FILES, sizeof *names);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
            assert_true(n < MAX_FILES);
            names[n++] = strdup(e->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    *ret_n = n;
    return names;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static void assert_envelopes_equal(const struct envelope *a, const struct envelope *b)
{
    assert_string_equal(a->event_id, b->event_id);
    assert_string_equal(a->event_type, b->event_type);
    assert_int_equal(a->event_version, b->event_version);
    assert_string_equal(a->occurred_at, b->occurred_at);
    assert_string_equal(a->producer, b->producer);
    assert_string_equal(a->trace_id, b->trace_id);
    assert_string_equal(a->correlation_id, b->correlation_id);
    assert_string_equal(a->causation_id, b->causation_id);
    assert_true(json_equal(a->data, b->data));
}

/* The top-level keys of an encoded envelope appear in the documented order. */
static void assert_key_order(const char *json)
{
    static const char *const keys[] = {
        "{\"event_id\":",       ",\"event_type\":",   ",\"event_version\":",
        ",\"occurred_at\":",    ",\"producer\":",     ",\"trace_id\":",
        ",\"correlation_id\":", ",\"causation_id\":", ",\"data\":",
    };
    const char *at = json;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *next = strstr(at, keys[i]);
        if (!next || (i == 0 && next != json))
            fail_msg("key %s out of order in %s", keys[i], json);
        at = next + 1;
    }
}

/* Decodes, encodes and decodes again; both decodes must agree. */
static void round_trip(const struct envelope *ev)
{
    char *text = envelope_encode(ev);
    assert_non_null(text);
    assert_key_order(text);
    struct envelope again = {0};
    struct envelope_error err = {{0}, {0}};
    if (envelope_decode(text, strlen(text), &again, &err) != OF_OK)
        fail_msg("re-decode failed on %s: %s", err.field, err.message);
    assert_envelopes_equal(ev, &again);
    char *text2 = envelope_encode(&again);
    assert_string_equal(text, text2); /* encoding is stable */
    free(text2);
    free(text);
    envelope_clear(&again);
}

/* Expects decode to fail naming field, with ret left untouched. */
static void expect_fail(const char *buf, size_t len, const char *field, const char *what)
{
    struct envelope ev;
    memset(&ev, 0xA5, sizeof ev);
    struct envelope_error err;
    memset(&err, 0, sizeof err);
    int rc = envelope_decode(buf, len, &ev, &err);
    if (rc != OF_EPERMANENT)
        fail_msg("%s: decode returned %d, want a failure on %s", what, rc, field);
    if (strcmp(err.field, field) != 0)
        fail_msg("%s: failed on '%s' (%s), want '%s'", what, err.field, err.message, field);
    if (err.message[0] == '\0')
        fail_msg("%s: no message", what);
    for (const char *p = err.message; *p; p++) { /* safe for logs whatever the input was */
        if (*p < 0x20 || *p > 0x7e)
            fail_msg("%s: message has byte 0x%02x", what, (unsigned char)*p);
    }
    for (size_t i = 0; i < sizeof ev; i++) {
        if (((unsigned char *)&ev)[i] != 0xA5)
            fail_msg("%s: ret was written on failure", what);
    }
}

/* ---- data files ------------------------------------------------------------------------- */

static void valid_files_decode_and_round_trip(void **state)
{
    (void)state;
    size_t n = 0;
    char **names = list_json(DATA_DIR "/valid", &n);
    assert_true(n >= 10);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, DATA_DIR "/valid/%s", names[i]);
        size_t len;
        char *buf = read_file(path, &len);
        struct envelope ev = {0};
        struct envelope_error err = {{0}, {0}};
        if (envelope_decode(buf, len, &ev, &err) != OF_OK)
            fail_msg("%s rejected: %s: %s", names[i], err.field, err.message);
        assert_true(json_is_object(ev.data));
        assert_non_null(topics_find(ev.event_type, ev.event_version));
        int64_t ms;
        assert_int_equal(timestamp_parse(ev.occurred_at, &ms), 0);
        round_trip(&ev);
        envelope_clear(&ev);
        assert_null(ev.data);
        free(buf);
    }
    free_list(names, n);
}

static void invalid_files_fail_on_their_field(void **state)
{
    (void)state;
    size_t n = 0;
    char **names = list_json(DATA_DIR "/invalid", &n);
    assert_true(n >= MIN_INVALID);
    for (size_t i = 0; i < n; i++) {
        char path[512], field[64];
        snprintf(path, sizeof path, DATA_DIR "/invalid/%s", names[i]);
        size_t flen = strcspn(names[i], ".");
        assert_true(flen < sizeof field && names[i][flen] == '.');
        memcpy(field, names[i], flen);
        field[flen] = '\0';
        size_t len;
        char *buf = read_file(path, &len);
        expect_fail(buf, len, field, names[i]);
        free(buf);
    }
    free_list(names, n);
}

static void valid_file_values(void **state)
{
    (void)state;
    size_t len;
    char *buf = read_file(DATA_DIR "/valid/order_placed.json", &len);
    struct envelope ev = {0};
    assert_int_equal(envelope_decode(buf, len, &ev, NULL), OF_OK);
    assert_string_equal(ev.event_id, "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40");
    assert_string_equal(ev.event_type, "order.placed");
    assert_int_equal(ev.event_version, 1);
    assert_string_equal(ev.occurred_at, "2026-11-21T10:00:00.123Z");
    assert_string_equal(ev.producer, "order-svc");
    assert_string_equal(ev.trace_id, TRACE);
    assert_string_equal(ev.correlation_id, "0193a5c1-0000-7000-8000-000000000001");
    assert_string_equal(ev.causation_id, "0193a5c1-0000-7000-8000-000000000002");
    json_t *total = json_object_get(ev.data, "total");
    assert_int_equal(json_integer_value(json_object_get(total, "amount_minor")), 45000);
    assert_string_equal(json_string_value(json_object_get(total, "currency")), "INR");
    envelope_clear(&ev);
    free(buf);
}

static void timestamps_are_normalised(void **state)
{
    (void)state;
    static const struct {
        const char *file, *want;
    } cases[] = {
        {"offset_timestamp.json", "2026-11-21T10:00:00.123Z"},
        {"timestamp_without_fraction.json", "2026-11-21T10:00:00.000Z"},
        {"timestamp_nanoseconds.json", "2026-11-21T10:00:00.123Z"},
        {"leap_day_timestamp.json", "2028-02-29T23:59:59.999Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, DATA_DIR "/valid/%s", cases[i].file);
        size_t len;
        char *buf = read_file(path, &len);
        struct envelope ev = {0};
        assert_int_equal(envelope_decode(buf, len, &ev, NULL), OF_OK);
        assert_string_equal(ev.occurred_at, cases[i].want);
        envelope_clear(&ev);
        free(buf);
    }
}

static void unknown_version_message(void **state)
{
    (void)state;
    size_t len;
    char *buf = read_file(DATA_DIR "/invalid/event_version.unknown.json", &len);
    struct envelope ev = {0};
    struct envelope_error err = {{0}, {0}};
    assert_int_equal(envelope_decode(buf, len, &ev, &err), OF_EPERMANENT);
    assert_string_equal(err.field, "event_version");
    assert_non_null(strstr(err.message, "order.placed"));
    assert_non_null(strstr(err.message, "2"));
    free(buf);
}

/* occurred_at for ordering: at most the allowed skew ahead of now. */
static void occurred_skew(void **state)
{
    (void)state;
    static const struct {
        const char *at;
        int ok;
    } cases[] = {
        {"2026-11-21T10:00:00.000Z", 1}, /* now */
        {"2020-01-01T00:00:00.000Z", 1}, /* the past is fine */
        {"2026-11-21T10:05:00.000Z", 1}, /* exactly the skew ahead */
        {"2026-11-21T10:05:00.001Z", 0}, /* a millisecond more */
        {"2026-11-21T10:04:59Z", 1},     /* no fraction */
        {"9999-12-31T23:59:59.999Z", 0}, /* the far future */
        {"not a time", 0},
    };
    int64_t now, got, before = 42;
    assert_int_equal(timestamp_parse("2026-11-21T10:00:00.000Z", &now), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct envelope ev = {0};
        snprintf(ev.occurred_at, sizeof ev.occurred_at, "%s", cases[i].at);
        const char *why = NULL;
        got = before;
        int rc = envelope_occurred_ms(&ev, now, 300 * 1000, &got, &why);
        if ((rc == 0) != cases[i].ok)
            fail_msg("%s: rc %d (%s)", cases[i].at, rc, why ? why : "");
        if (cases[i].ok) {
            assert_int_equal(rc, 0);
            int64_t want;
            assert_int_equal(timestamp_parse(cases[i].at, &want), 0);
            assert_int_equal(got, want);
        } else {
            assert_int_equal(rc, OF_EPERMANENT);
            assert_int_equal(got, before);
            assert_non_null(why);
            assert_string_equal(why, i == 6 ? "occurred_at: not a timestamp"
                                            : "occurred_at: more than the allowed skew in the "
                                              "future");
        }
    }
}

/* ---- building and encoding -------------------------------------------------------------- */

/* Reals in data are written in their shortest round-trip form (jsonout.h), not jansson's %.17g,
 * and decode back to the same doubles. */
static void encode_shortest_reals(void **state)
{
    (void)state;
    static const double values[] = {20.15309, 0.1, 1e-7, 5e-324, 1.7976931348623157e308, -0.0, 5.0};
    struct envelope ev = {
        .event_id = "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40",
        .event_type = "order.placed",
        .event_version = 1,
        .occurred_at = "2026-11-21T10:00:00.123Z",
        .producer = "order-svc",
        .trace_id = TRACE,
        .correlation_id = "o-1",
        .data = json_pack("{s:f,s:[f,f,f,f,f,f]}", "lat", values[0], "more", values[1], values[2],
                          values[3], values[4], values[5], values[6]),
    };
    char *text = envelope_encode(&ev);
    assert_non_null(strstr(text, "\"data\":{\"lat\":20.15309,\"more\":[0.1,1e-7,5e-324,"
                                 "1.7976931348623157e308,-0.0,5.0]}}"));
    struct envelope back = {0};
    assert_int_equal(envelope_decode(text, strlen(text), &back, NULL), 0);
    assert_true(json_real_value(json_object_get(back.data, "lat")) == values[0]);
    for (size_t i = 1; i < sizeof values / sizeof values[0]; i++) {
        double d = json_real_value(json_array_get(json_object_get(back.data, "more"), i - 1));
        assert_memory_equal(&d, &values[i], sizeof d);
    }
    free(text);
    envelope_clear(&back);
    envelope_clear(&ev);
}

static void encode_exact_text(void **state)
{
    (void)state;
    struct envelope ev = {
        .event_id = "0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40",
        .event_type = "order.placed",
        .event_version = 1,
        .occurred_at = "2026-11-21T10:00:00.123Z",
        .producer = "order-svc",
        .trace_id = TRACE,
        .correlation_id = "o-1",
        .causation_id = "",
        .data = json_pack("{s:i,s:s}", "b", 2, "a", "x"),
    };
    char *text = envelope_encode(&ev);
    assert_string_equal(
        text,
        "{\"event_id\":\"0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40\",\"event_type\":\"order.placed\","
        "\"event_version\":1,\"occurred_at\":\"2026-11-21T10:00:00.123Z\",\"producer\":"
        "\"order-svc\",\"trace_id\":\"" TRACE "\",\"correlation_id\":\"o-1\","
        "\"causation_id\":\"\",\"data\":{\"b\":2,\"a\":\"x\"}}");
    free(text);
    assert_int_equal(ev.data->refcount, 1); /* encode took no reference it kept */
    envelope_clear(&ev);
    /* no data encodes as an empty object; text that is not UTF-8 cannot be encoded */
    ev.data = NULL;
    text = envelope_encode(&ev);
    assert_non_null(strstr(text, "\"data\":{}}"));
    free(text);
    strcpy(ev.correlation_id, "\xff\xfe");
    assert_null(envelope_encode(&ev));
}

static void init_round_trips_every_topic(void **state)
{
    (void)state;
    size_t n = 0;
    const struct topic_def *t = topics_all(&n);
    for (size_t i = 0; i < n; i++) {
        struct envelope ev;
        int64_t before = time_now_ms();
        int rc = envelope_init(&ev, t[i].event_type, t[i].version, t[i].producer, TRACE,
                               "0193a5c1-0000-7000-8000-000000000001", i % 2 ? NULL : "req-42",
                               json_pack("{s:s}", "k", t[i].name));
        assert_int_equal(rc, OF_OK);
        int64_t ms, after = time_now_ms();
        assert_true(uuid_valid(ev.event_id));
        assert_int_equal(ev.event_id[14], '7');
        assert_int_equal(timestamp_parse(ev.occurred_at, &ms), 0);
        assert_in_range(ms, before, after);
        assert_string_equal(ev.causation_id, i % 2 ? "" : "req-42");
        assert_string_equal(ev.producer, t[i].producer);
        round_trip(&ev);
        envelope_clear(&ev);
    }
}

static void init_fresh_ids(void **state)
{
    (void)state;
    struct envelope a, b;
    assert_int_equal(
        envelope_init(&a, "order.created", 1, "order-svc", TRACE, "o", NULL, json_object()), OF_OK);
    assert_int_equal(
        envelope_init(&b, "order.created", 1, "order-svc", TRACE, "o", NULL, json_object()), OF_OK);
    assert_true(strcmp(a.event_id, b.event_id) < 0);
    envelope_clear(&a);
    envelope_clear(&b);
}

/* Expects envelope_init to refuse; data is released by init (valgrind/ASan check the leak). */
static void expect_init_fail(const char *type, int version, const char *producer, const char *trace,
                             const char *corr, const char *cause, json_t *data, const char *what)
{
    struct envelope ev;
    memset(&ev, 0x5A, sizeof ev);
    if (envelope_init(&ev, type, version, producer, trace, corr, cause, data) != OF_EPERMANENT)
        fail_msg("envelope_init accepted %s", what);
    for (size_t i = 0; i < sizeof ev; i++) {
        if (((unsigned char *)&ev)[i] != 0x5A)
            fail_msg("%s: ret was written on failure", what);
    }
}

static void init_rejects(void **state)
{
    (void)state;
    char c128[129], p32[33];
    memset(c128, 'c', 128);
    c128[128] = '\0';
    memset(p32, 'p', 32);
    p32[32] = '\0';
    const char *ok = "order.placed";
    expect_init_fail(ok, 1, "order-svc", TRACE, "o", NULL, json_array(), "array data");
    expect_init_fail(ok, 1, "order-svc", TRACE, "o", NULL, json_string("x"), "string data");
    expect_init_fail(ok, 1, "order-svc", TRACE, "o", NULL, NULL, "NULL data");
    expect_init_fail("order.teleported", 1, "order-svc", TRACE, "o", NULL, json_object(),
                     "an unknown type");
    expect_init_fail(ok, 2, "order-svc", TRACE, "o", NULL, json_object(), "an unknown version");
    expect_init_fail(ok, 0, "order-svc", TRACE, "o", NULL, json_object(), "version 0");
    expect_init_fail(NULL, 1, "order-svc", TRACE, "o", NULL, json_object(), "NULL type");
    expect_init_fail(ok, 1, NULL, TRACE, "o", NULL, json_object(), "NULL producer");
    expect_init_fail(ok, 1, "", TRACE, "o", NULL, json_object(), "empty producer");
    expect_init_fail(ok, 1, p32, TRACE, "o", NULL, json_object(), "a 32-byte producer");
    expect_init_fail(ok, 1, "order-svc", NULL, "o", NULL, json_object(), "NULL trace");
    expect_init_fail(ok, 1, "order-svc", "", "o", NULL, json_object(), "empty trace");
    expect_init_fail(ok, 1, "order-svc", "00000000000000000000000000000000", "o", NULL,
                     json_object(), "all-zero trace");
    expect_init_fail(ok, 1, "order-svc", "4BF92F3577B34DA6A3CE929D0E0E4736", "o", NULL,
                     json_object(), "upper-case trace");
    expect_init_fail(ok, 1, "order-svc", TRACE, NULL, NULL, json_object(), "NULL correlation");
    expect_init_fail(ok, 1, "order-svc", TRACE, "", NULL, json_object(), "empty correlation");
    expect_init_fail(ok, 1, "order-svc", TRACE, c128, NULL, json_object(), "128-byte correlation");
    expect_init_fail(ok, 1, "order-svc", TRACE, "o", c128, json_object(), "128-byte causation");
    expect_init_fail(ok, 1, "order-svc", TRACE, "o", "\xc3\x28", json_object(), "bad UTF-8");
}

static void clear_is_safe(void **state)
{
    (void)state;
    struct envelope ev = {0};
    envelope_clear(&ev);
    envelope_clear(&ev);
    envelope_clear(NULL);
}

/* ---- hostile input ---------------------------------------------------------------------- */

static const char good_doc[] =
    "{\"event_id\":\"0193a5c2-7d1e-7c3a-9f10-2b6c1d2e3f40\",\"event_type\":\"order.placed\","
    "\"event_version\":1,\"occurred_at\":\"2026-11-21T10:00:00.123Z\",\"producer\":\"order-svc\","
    "\"trace_id\":\"" TRACE "\",\"correlation_id\":\"%s\",\"causation_id\":\"\",\"data\":%s}";

/* good_doc with correlation_id and data filled in; the caller frees the result. */
static char *make_doc(const char *corr, const char *data)
{
    size_t len = sizeof good_doc + strlen(corr) + strlen(data);
    char *s = malloc(len);
    assert_non_null(s);
    snprintf(s, len, good_doc, corr, data);
    return s;
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void megabyte_strings(void **state)
{
    (void)state;
    char *big = repeat('x', 1 << 20);
    char *doc = make_doc(big, "{}");
    expect_fail(doc, strlen(doc), "correlation_id", "1 MB correlation_id");
    free(doc);
    char *data = malloc((1 << 20) + 16);
    snprintf(data, (1 << 20) + 16, "{\"blob\":\"%s\"}", big);
    doc = make_doc("o-1", data);
    struct envelope ev = {0};
    assert_int_equal(envelope_decode(doc, strlen(doc), &ev, NULL), OF_OK);
    assert_int_equal(json_string_length(json_object_get(ev.data, "blob")), 1 << 20);
    envelope_clear(&ev);
    free(doc);
    free(data);
    free(big);
}

/* "[[[...]]]" n deep wrapped as {"n": ...} */
static char *nested(size_t depth)
{
    char *s = malloc(2 * depth + 8);
    assert_non_null(s);
    size_t at = 0;
    at += (size_t)sprintf(s, "{\"n\":");
    memset(s + at, '[', depth);
    at += depth;
    memset(s + at, ']', depth);
    at += depth;
    strcpy(s + at, "}");
    return s;
}

static void deep_nesting(void **state)
{
    (void)state;
    char *data = nested(1000);
    char *doc = make_doc("o-1", data);
    struct envelope ev = {0};
    assert_int_equal(envelope_decode(doc, strlen(doc), &ev, NULL), OF_OK);
    round_trip(&ev);
    envelope_clear(&ev);
    free(doc);
    free(data);
    data = nested(100000); /* beyond jansson's nesting limit: rejected, not a stack overflow */
    doc = make_doc("o-1", data);
    expect_fail(doc, strlen(doc), "json", "100000 levels");
    free(doc);
    free(data);
}

static void length_is_honoured(void **state)
{
    (void)state;
    char *doc = make_doc("o-1", "{}");
    size_t len = strlen(doc);
    struct envelope ev = {0};
    assert_int_equal(envelope_decode(doc, len, &ev, NULL), OF_OK);
    envelope_clear(&ev);
    expect_fail(doc, len + 1, "json", "the terminating NUL included");
    for (size_t cut = 0; cut < len; cut++) { /* every proper prefix is broken JSON */
        char what[64];
        snprintf(what, sizeof what, "prefix of %zu bytes", cut);
        expect_fail(doc, cut, "json", what);
    }
    expect_fail(NULL, 0, "json", "NULL input");
    expect_fail(NULL, 10, "json", "NULL input with a length");
    assert_int_equal(envelope_decode("{}", 2, &ev, NULL), OF_EPERMANENT); /* err may be NULL */
    free(doc);
}

/* Random byte damage (fixed seed): any outcome but a crash or leak is fine; ASan and valgrind
 * watch the memory. Successes must still be well-formed envelopes. */
static void mutations_never_crash(void **state)
{
    (void)state;
    char *doc = make_doc("o-1", "{\"a\":[1,2,{\"b\":null}],\"c\":\"\\u00e9\"}");
    size_t len = strlen(doc);
    char *work = malloc(len);
    unsigned seed = 12345, ok = 0;
    for (int round = 0; round < 20000; round++) {
        memcpy(work, doc, len);
        int flips = 1 + round % 4;
        for (int f = 0; f < flips; f++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            work[pos] = (char)(seed >> 16);
        }
        struct envelope ev = {0};
        struct envelope_error err;
        if (envelope_decode(work, len, &ev, &err) == OF_OK) {
            ok++;
            assert_true(uuid_valid(ev.event_id) && json_is_object(ev.data));
            envelope_clear(&ev);
        } else {
            assert_true(err.field[0] != '\0' && err.message[0] != '\0');
        }
    }
    assert_true(ok > 0 && ok < 20000); /* both outcomes were exercised */
    free(work);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_files_decode_and_round_trip),
        cmocka_unit_test(invalid_files_fail_on_their_field),
        cmocka_unit_test(valid_file_values),
        cmocka_unit_test(timestamps_are_normalised),
        cmocka_unit_test(unknown_version_message),
        cmocka_unit_test(encode_exact_text),
        cmocka_unit_test(encode_shortest_reals),
        cmocka_unit_test(occurred_skew),
        cmocka_unit_test(init_round_trips_every_topic),
        cmocka_unit_test(init_fresh_ids),
        cmocka_unit_test(init_rejects),
        cmocka_unit_test(clear_is_safe),
        cmocka_unit_test(megabyte_strings),
        cmocka_unit_test(deep_nesting),
        cmocka_unit_test(length_is_honoured),
        cmocka_unit_test(mutations_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
