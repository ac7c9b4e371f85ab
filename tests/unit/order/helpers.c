/* Helpers shared by the order unit-test groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/apierror.h"
#include "order_tests.h"

json_t *order_test_load(const char *text)
{
    char *s = strdup(text);
    json_error_t jerr;
    assert_non_null(s);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_t *j = json_loads(s, JSON_DECODE_ANY, &jerr);
    if (!j)
        fail_msg("test JSON does not parse: %s (%s)", s, jerr.text);
    free(s);
    return j;
}

const char *order_test_code(int code)
{
    return api_error_get((enum api_error)code)->code;
}

void order_test_json_equal(const char *what, json_t *got, json_t *want)
{
    assert_non_null(want);
    if (!got || !json_equal(got, want)) {
        char *g = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;
        char *w = json_dumps(want, JSON_SORT_KEYS);
        print_error("%s:\n  got  %s\n  want %s\n", what, g ? g : "NULL", w ? w : "?");
        free(g);
        free(w);
        json_decref(got);
        json_decref(want);
        fail_msg("%s: not the expected JSON", what);
    }
    json_decref(got);
    json_decref(want);
}
