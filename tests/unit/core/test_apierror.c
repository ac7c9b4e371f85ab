/* The API error table: every code has a wire name, an error status and a message; names are
 * unique snake_case and map back to their enum value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "common/apierror.h"
#include "core_tests.h"

static void apierror_table_complete(void **state)
{
    (void)state;
    for (int i = 0; i < API_ERROR_COUNT; i++) {
        const struct api_error_def *d = api_error_get((enum api_error)i);
        assert_non_null(d->code);
        assert_true(d->status >= 400 && d->status <= 599);
        assert_non_null(d->message);
        assert_true(strlen(d->message) > 0);
        assert_int_equal(strspn(d->code, "abcdefghijklmnopqrstuvwxyz_"), strlen(d->code));
        enum api_error back;
        assert_int_equal(api_error_by_code(d->code, &back), 0);
        assert_int_equal(back, i); /* so no two rows share a name */
    }
}

static void apierror_lookups(void **state)
{
    (void)state;
    enum api_error e = API_CONFLICT;
    assert_int_equal(api_error_by_code("no_such_code", &e), -1);
    assert_int_equal(e, API_CONFLICT); /* untouched */
    assert_int_equal(api_error_by_code(NULL, &e), -1);
    assert_int_equal(api_error_get(API_ERROR_COUNT)->status, 500);
    assert_int_equal(api_error_get((enum api_error) - 1)->status, 500);
    assert_string_equal(api_error_get(API_MISSING_FIELD)->code, "missing_field");
    assert_int_equal(api_error_get(API_UNSUPPORTED_MEDIA_TYPE)->status, 415);
}

int run_apierror_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(apierror_table_complete),
        cmocka_unit_test(apierror_lookups),
    };
    return cmocka_run_group_tests_name("apierror", tests, NULL, NULL);
}
