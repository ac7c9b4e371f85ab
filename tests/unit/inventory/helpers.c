/* Helpers shared by the inventory unit-test groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "inventory_tests.h"

json_t *inventory_test_load(const char *text)
{
    char *s = strdup(text);
    json_error_t jerr;
    json_t *j;

    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    j = json_loads(s, JSON_DECODE_ANY, &jerr);
    if (!j)
        fail_msg("test JSON does not parse: %s (%s)", s, jerr.text);
    free(s);
    return j;
}

char *inventory_test_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    char chunk[4096];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got + 1 > cap) {
            cap = 2 * (len + got + 1);
            text = realloc(text, cap);
            assert_non_null(text);
        }
        memcpy(text + len, chunk, got);
        len += got;
    }
    fclose(f);
    if (!text)
        text = calloc(1, 1);
    text[len] = '\0';
    return text;
}
