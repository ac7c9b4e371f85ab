/* Helpers shared by the business unit-test groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "business_tests.h"
#include "common/apierror.h"

json_t *business_test_load(const char *text)
{
    char *s = strdup(text);
    json_error_t jerr;
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_t *j = json_loads(s, JSON_DECODE_ANY, &jerr);
    if (!j)
        fail_msg("test JSON does not parse: %s (%s)", s, jerr.text);
    free(s);
    return j;
}

const char *business_test_code(int code)
{
    return api_error_get((enum api_error)code)->code;
}
