/* The sample specs and helpers shared by the jspec unit tests (see jspec_tests.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/errors.h"
#include "jspec_tests.h"

unsigned code_checks;

static int code_check(const json_t *v, const struct jspec_field *f, void *dst,
                      struct jspec_error *ret_err)
{
    const char *s = json_string_value(v);

    code_checks++;
    if (dst != NULL)
        fail_msg("a checker of a built-in type got a destination");
    if (s[0] == '\0' || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(s))
        return jspec_fail(ret_err, API_INVALID_VALUE, f->name,
                          "must be capital letters and digits");
    return OF_OK;
}

static int role_parse(const json_t *v, const struct jspec_field *f, void *dst,
                      struct jspec_error *ret_err)
{
    static const char *const names[] = {"customer", "business", "partner"};
    const char *s;
    size_t len;

    if (jspec_string(v, f->name, &s, &len, ret_err) < 0)
        return OF_EPERMANENT;
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i]) == 0) {
            unsigned role = 1u << i;
            memcpy(dst, &role, sizeof role);
            return OF_OK;
        }
    }
    return jspec_fail(ret_err, API_INVALID_VALUE, f->name,
                      "must be one of customer, business, partner");
}

#define S struct sample
static const struct jspec_field fields[] = {
    JSPEC_TEXT(S, name, SAMPLE_NAME_MAX),
    JSPEC_STRING(S, code, SAMPLE_CODE_MAX, .presence = JSPEC_OPTIONAL, .check = code_check),
    JSPEC_UUID(S, id, .presence = JSPEC_OPTIONAL),
    JSPEC_INTEGER(S, qty, 1, 100, .presence = JSPEC_OPTIONAL),
    JSPEC_INTEGER(S, level, -5, 5, .presence = JSPEC_OPTIONAL),
    JSPEC_NUMBER(S, lat, -90, 90, .presence = JSPEC_OPTIONAL),
    JSPEC_BOOLEAN(S, open, .presence = JSPEC_OPTIONAL),
    JSPEC_ARRAY(S, items, 1, 3, .presence = JSPEC_OPTIONAL),
    JSPEC_OBJECT(S, meta, .presence = JSPEC_OPTIONAL),
    JSPEC_RAW(S, extra, .presence = JSPEC_OPTIONAL),
    JSPEC_TEXT(S, note, SAMPLE_NOTE_MAX, .presence = JSPEC_OPTIONAL, .nullable = true,
               JSPEC_PRESENT(S, set_note), JSPEC_NULL(S, note_null)),
    JSPEC_CUSTOM(S, role, role_parse, .presence = JSPEC_OPTIONAL),
    JSPEC_READ_ONLY_FIELD("status"),
    JSPEC_READ_ONLY_FIELD("price"),
    JSPEC_READ_ONLY_FIELD("owner"),
};
static const char *const server_owned[] = {"created_at", "version", NULL};

const struct jspec sample_strict = JSPEC_SPEC(S, fields, JSPEC_STRICT, .read_only = server_owned);
const struct jspec sample_lenient = JSPEC_SPEC(S, fields, JSPEC_LENIENT, .read_only = server_owned);
#undef S

char *slurp(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    size_t len = 0, got;
    char chunk[4096];

    if (!f)
        return NULL;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        p = realloc(p, len + got + 1);
        assert_non_null(p);
        memcpy(p + len, chunk, got);
        len += got;
    }
    assert_int_equal(ferror(f), 0);
    fclose(f);
    if (!p)
        p = calloc(1, 1);
    assert_non_null(p);
    p[len] = '\0';
    *ret_len = len;
    return p;
}

json_t *load(const char *text)
{
    char *s = strdup(text);
    struct jspec_error err;
    json_t *j = NULL;

    assert_non_null(s);
    for (char *p = s; *p; p++) {
        if (*p == '\'')
            *p = '"';
    }
    if (jspec_load(s, strlen(s), &j, &err) != 0)
        fail_msg("test JSON does not load: %s (%s)", s, err.message);
    free(s);
    return j;
}

void sentinel(struct sample *s)
{
    memset(s, 0x5a, sizeof *s);
}
