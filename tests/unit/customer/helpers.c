/* Helpers shared by the customer unit-test groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "customer_tests.h"

json_t *customer_test_load(const char *text)
{
    char *s = strdup(text);
    json_error_t jerr;
    json_t *j;

    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    j = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!j)
        fail_msg("test JSON does not parse: %s (%s)", s, jerr.text);
    free(s);
    return j;
}
