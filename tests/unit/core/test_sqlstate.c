/* Tests of SQLSTATE classification into retryable, conflict and permanent failures. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/errors.h"
#include "common/sqlstate.h"
#include "core_tests.h"

struct case_ {
    const char *code;
    int want;
};

static void check_cases(const struct case_ *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int got = sqlstate_classify(cases[i].code);
        if (got != cases[i].want)
            fail_msg("sqlstate '%s': got %d, want %d", cases[i].code ? cases[i].code : "(null)",
                     got, cases[i].want);
    }
}

static void success_codes(void **state)
{
    (void)state;
    assert_int_equal(sqlstate_classify(NULL), OF_OK);
    assert_int_equal(sqlstate_classify("00000"), OF_OK);
}

static void retryable_codes(void **state)
{
    (void)state;
    static const struct case_ cases[] = {
        {"40001", OF_ERETRY},
        {"40P01", OF_ERETRY},
        {"55P03", OF_ERETRY},
        {"57014", OF_ERETRY},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void unavailable_codes(void **state)
{
    (void)state;
    static const struct case_ cases[] = {
        {"08000", OF_EUNAVAIL}, {"08003", OF_EUNAVAIL}, {"08006", OF_EUNAVAIL},
        {"08001", OF_EUNAVAIL}, {"08P01", OF_EUNAVAIL}, {"57P01", OF_EUNAVAIL},
        {"57P02", OF_EUNAVAIL}, {"57P03", OF_EUNAVAIL}, {"53000", OF_EUNAVAIL},
        {"53100", OF_EUNAVAIL}, {"53200", OF_EUNAVAIL}, {"53300", OF_EUNAVAIL},
        {"53400", OF_EUNAVAIL}, {"25006", OF_EUNAVAIL}, {"42501", OF_EUNAVAIL},
        {"42P01", OF_EUNAVAIL}, {"42703", OF_EUNAVAIL}, {"42883", OF_EUNAVAIL},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void conflict_and_permanent_codes(void **state)
{
    (void)state;
    static const struct case_ cases[] = {
        {"23505", OF_ECONFLICT},  {"23503", OF_EPERMANENT},  {"23514", OF_EPERMANENT},
        {"23502", OF_EPERMANENT}, {"22P02", OF_EPERMANENT},  {"42601", OF_EPERMANENT},
        {"42P02", OF_EPERMANENT}, {"40000", OF_EPERMANENT},  {"40002", OF_EPERMANENT},
        {"40003", OF_EPERMANENT}, {"55000", OF_EPERMANENT},  {"55006", OF_EPERMANENT},
        {"57000", OF_EPERMANENT}, {"57P04", OF_EPERMANENT},  {"P0001", OF_EPERMANENT},
        {"XX000", OF_EPERMANENT}, {"25P02", OF_EPERMANENT},  {"01000", OF_EPERMANENT},
        {"2350", OF_EPERMANENT},  {"235055", OF_EPERMANENT},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void malformed_codes_are_permanent(void **state)
{
    (void)state;
    static const struct case_ cases[] = {
        {"", OF_EPERMANENT},       {"08", OF_EPERMANENT},     {"0800", OF_EPERMANENT},
        {"080000", OF_EPERMANENT}, {"08p01", OF_EPERMANENT},  {"40p01", OF_EPERMANENT},
        {" 40001", OF_EPERMANENT}, {"40001 ", OF_EPERMANENT}, {"00000x", OF_EPERMANENT},
        {"0000", OF_EPERMANENT},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

int run_sqlstate_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(success_codes),
        cmocka_unit_test(retryable_codes),
        cmocka_unit_test(unavailable_codes),
        cmocka_unit_test(conflict_and_permanent_codes),
        cmocka_unit_test(malformed_codes_are_permanent),
    };
    return cmocka_run_group_tests_name("sqlstate", tests, NULL, NULL);
}
