/* common/io's parameter helpers: numbers as text that Postgres reads back exactly, and the
 * optional text column's NULL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "common/db.h"
#include "db_tests.h"

static void integers_in_base_10(void **state)
{
    (void)state;
    assert_string_equal(db_num_i64(0).s, "0");
    assert_string_equal(db_num_i64(-42).s, "-42");
    assert_string_equal(db_num_i64(INT64_MAX).s, "9223372036854775807");
    assert_string_equal(db_num_i64(INT64_MIN).s, "-9223372036854775808");
}

static void doubles_round_trip(void **state)
{
    (void)state;
    const double v[] = {0.0, 28.6139, -0.1276, 77.209, 1e-300, 179.99999999999997};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        assert_true(strtod(db_num_f64(v[i]).s, NULL) == v[i]);
    assert_string_equal(db_num_f64(51.5).s, "51.5");
}

static void empty_text_is_null(void **state)
{
    (void)state;
    assert_null(db_text_or_null(NULL));
    assert_null(db_text_or_null(""));
    const char *s = "x";
    assert_ptr_equal(db_text_or_null(s), s);
}

int run_params_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers_in_base_10),
        cmocka_unit_test(doubles_round_trip),
        cmocka_unit_test(empty_text_is_null),
    };
    return cmocka_run_group_tests_name("params", tests, NULL, NULL);
}
