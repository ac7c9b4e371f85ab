/* Tests of traceparent parsing (valid and malformed), formatting, and new / child contexts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "common/trace.h"

#define TID "4bf92f3577b34da6a3ce929d0e0e4736"
#define SID "00f067aa0ba902b7"

static void parse_valid(void **state)
{
    (void)state;
    struct trace_ctx t;
    assert_int_equal(trace_parse("00-" TID "-" SID "-01", &t), 0);
    assert_string_equal(t.trace_id, TID);
    assert_string_equal(t.span_id, SID);
    assert_int_equal(t.flags, 1);
    assert_int_equal(trace_parse("00-" TID "-" SID "-ff", &t), 0);
    assert_int_equal(t.flags, 0xff);
    assert_int_equal(trace_parse("00-" TID "-" SID "-00", &t), 0);
    assert_int_equal(t.flags, 0);
}

static void parse_future_version(void **state)
{
    (void)state;
    struct trace_ctx t;
    assert_int_equal(trace_parse("01-" TID "-" SID "-01", &t), 0);
    assert_int_equal(trace_parse("cc-" TID "-" SID "-01-what-the-future-holds", &t), 0);
    assert_string_equal(t.trace_id, TID);
    /* a later version may add fields, but only after a dash */
    assert_int_equal(trace_parse("cc-" TID "-" SID "-01x", &t), -1);
    /* version 00 has exactly four fields */
    assert_int_equal(trace_parse("00-" TID "-" SID "-01-extra", &t), -1);
}

static void parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "00",
        "00-" TID "-" SID "-0",
        "00-" TID "-" SID "-001",
        "00-" TID "-" SID "-01 ",
        " 00-" TID "-" SID "-01",
        "ff-" TID "-" SID "-01",
        "0g-" TID "-" SID "-01",
        "0-" TID "-" SID "-01",
        "00-00000000000000000000000000000000-" SID "-01",
        "00-" TID "-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-" SID "-01",
        "00-" TID "-00F067AA0BA902B7-01",
        "00-" TID "-" SID "-0A",
        "00-4bf92f3577b34da6a3ce929d0e0e473-" SID "0-01",
        "00-" TID "x" SID "-01",
        "00_" TID "-" SID "-01",
        "00-" TID "-" SID "_01",
        "00-4bf92f3577b34da6a3ce929d0e0e473g-" SID "-01",
        "00-" TID "-00f067aa0ba902bz-01",
        "00-" TID "-" SID "-zz",
        "00-" TID "-" SID,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct trace_ctx t;
        memset(&t, 0x5a, sizeof t);
        struct trace_ctx copy = t;
        if (trace_parse(bad[i], &t) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_memory_equal(&t, &copy, sizeof t);
    }
    struct trace_ctx t;
    assert_int_equal(trace_parse(NULL, &t), -1);
}

static void format_roundtrip(void **state)
{
    (void)state;
    struct trace_ctx t;
    char out[TRACEPARENT_LEN];
    assert_int_equal(trace_parse("00-" TID "-" SID "-01", &t), 0);
    trace_format(&t, out);
    assert_string_equal(out, "00-" TID "-" SID "-01");
    t.flags = 0xab;
    trace_format(&t, out);
    assert_string_equal(out, "00-" TID "-" SID "-ab");
    /* a future version is re-emitted as version 00 */
    assert_int_equal(trace_parse("cc-" TID "-" SID "-01-more", &t), 0);
    trace_format(&t, out);
    assert_string_equal(out, "00-" TID "-" SID "-01");
}

static void new_and_child(void **state)
{
    (void)state;
    struct trace_ctx a, b, c, back;
    char out[TRACEPARENT_LEN];
    trace_new(&a);
    trace_new(&b);
    assert_true(trace_id_valid(a.trace_id));
    assert_string_not_equal(a.trace_id, b.trace_id);
    assert_int_equal(strlen(a.span_id), SPAN_ID_LEN - 1);
    trace_format(&a, out);
    assert_int_equal(strlen(out), TRACEPARENT_LEN - 1);
    assert_int_equal(trace_parse(out, &back), 0);
    assert_string_equal(back.trace_id, a.trace_id);
    assert_string_equal(back.span_id, a.span_id);
    assert_int_equal(back.flags, a.flags);

    a.flags = 0;
    trace_child(&a, &c);
    assert_string_equal(c.trace_id, a.trace_id);
    assert_string_not_equal(c.span_id, a.span_id);
    assert_int_equal(c.flags, 0);
    trace_format(&c, out);
    assert_int_equal(trace_parse(out, &back), 0);
}

static void id_valid(void **state)
{
    (void)state;
    assert_true(trace_id_valid(TID));
    assert_false(trace_id_valid(NULL));
    assert_false(trace_id_valid(""));
    assert_false(trace_id_valid("00000000000000000000000000000000"));
    assert_false(trace_id_valid("4BF92F3577B34DA6A3CE929D0E0E4736"));
    assert_false(trace_id_valid(TID "0"));
    assert_false(trace_id_valid("4bf92f3577b34da6a3ce929d0e0e473"));
    assert_false(trace_id_valid("4bf92f3577b34da6a3ce929d0e0e473g"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_valid),   cmocka_unit_test(parse_future_version),
        cmocka_unit_test(parse_rejects), cmocka_unit_test(format_roundtrip),
        cmocka_unit_test(new_and_child), cmocka_unit_test(id_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
