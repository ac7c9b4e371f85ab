/* Tests of jspec_reason, the one-line reason of event data that failed a spec: the prefix with
 * and without a field, a message that does not start with the field's name kept whole, and a
 * buffer too small or of length 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/errors.h"
#include "common/jspec.h"
#include "core_tests.h"

static struct jspec_error error_of(const char *field, const char *message)
{
    struct jspec_error e = {.code = API_INVALID_VALUE};
    strcpy(e.field, field);
    strcpy(e.message, message);
    return e;
}

static void reason_names_the_field_under_the_prefix(void **state)
{
    (void)state;
    char out[128];
    struct jspec_error e = error_of("qty", "qty must be between 1 and 100");
    jspec_reason(&e, "data.lines[1]", out, sizeof out);
    assert_string_equal(out, "data.lines[1].qty: must be between 1 and 100");
    jspec_reason(&e, "data", out, sizeof out);
    assert_string_equal(out, "data.qty: must be between 1 and 100");

    /* as jspec_fail writes it */
    struct jspec_error f;
    assert_int_equal(jspec_fail(&f, API_OUT_OF_RANGE, "total_minor", "must be at least %d", 0),
                     OF_EPERMANENT);
    jspec_reason(&f, "data", out, sizeof out);
    assert_string_equal(out, "data.total_minor: must be at least 0");
}

static void reason_for_the_whole_object(void **state)
{
    (void)state;
    char out[128];
    struct jspec_error e = error_of("", "body must be an object");
    jspec_reason(&e, "data", out, sizeof out);
    assert_string_equal(out, "data: must be an object");
    e = error_of("", "something else went wrong");
    jspec_reason(&e, "data.lines[0]", out, sizeof out);
    assert_string_equal(out, "data.lines[0]: something else went wrong");

    struct jspec_error f;
    assert_int_equal(jspec_fail(&f, API_BODY_NOT_OBJECT, "", "must be an object"), OF_EPERMANENT);
    jspec_reason(&f, "data", out, sizeof out);
    assert_string_equal(out, "data: must be an object");
}

static void reason_keeps_a_message_not_led_by_the_field(void **state)
{
    (void)state;
    char out[128];
    struct jspec_error e = error_of("qty", "quantity is not a whole number");
    jspec_reason(&e, "data", out, sizeof out);
    assert_string_equal(out, "data.qty: quantity is not a whole number");
    /* the name as a prefix of a longer word is not the name */
    e = error_of("qty", "qtyx is odd");
    jspec_reason(&e, "data", out, sizeof out);
    assert_string_equal(out, "data.qty: qtyx is odd");
    /* nor the name at the very end with nothing after it */
    e = error_of("qty", "qty");
    jspec_reason(&e, "data", out, sizeof out);
    assert_string_equal(out, "data.qty: qty");
    /* "body" leads messages about the whole object only */
    e = error_of("name", "body is wrong");
    jspec_reason(&e, "data", out, sizeof out);
    assert_string_equal(out, "data.name: body is wrong");
}

static void reason_in_small_buffers(void **state)
{
    (void)state;
    struct jspec_error e = error_of("qty", "qty must be between 1 and 100");
    char out[16];
    memset(out, 'Z', sizeof out);
    jspec_reason(&e, "data", out, 0);
    for (size_t i = 0; i < sizeof out; i++)
        assert_int_equal(out[i], 'Z');
    jspec_reason(&e, "data", NULL, 0);
    jspec_reason(&e, "data", NULL, sizeof out); /* no buffer: nothing written, no crash */

    jspec_reason(&e, "data", out, 5);
    assert_string_equal(out, "data");
    assert_int_equal(out[5], 'Z');
    jspec_reason(&e, "data", out, 1);
    assert_string_equal(out, "");
    jspec_reason(&e, "data", out, sizeof out);
    assert_string_equal(out, "data.qty: must "); /* cut, still a string */
}

int run_jspec_reason_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reason_names_the_field_under_the_prefix),
        cmocka_unit_test(reason_for_the_whole_object),
        cmocka_unit_test(reason_keeps_a_message_not_led_by_the_field),
        cmocka_unit_test(reason_in_small_buffers),
    };
    return cmocka_run_group_tests_name("jspec_reason", tests, NULL, NULL);
}
