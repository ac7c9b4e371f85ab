/* The data-driven cases: every data/<case>/input is loaded and parsed against the sample spec
 * (lenient when data/<case>/mode says so) and must give data/<case>/expected: "ok", or an API
 * error code and the field it names ("invalid_json", with no field, for the whole body). */
#include <dirent.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/apierror.h"
#include "common/errors.h"
#include "jspec_tests.h"

#define DATA_DIR  "data"
#define MAX_CASES 512
#define MIN_CASES 150 /* so that a lost folder cannot pass for a green run */

struct expected {
    bool ok;
    enum api_error code;
    char field[JSPEC_FIELD_SIZE];
};

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dir(const char *name)
{
    char path[512];
    struct stat st;

    assert_true((size_t)snprintf(path, sizeof path, "%s/%s", DATA_DIR, name) < sizeof path);
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The sorted case folder names (caller frees each and the array). */
static char **list_cases(size_t *ret_n)
{
    DIR *d = opendir(DATA_DIR);
    char **names = calloc(MAX_CASES, sizeof *names);
    struct dirent *e;
    size_t n = 0;

    if (!d)
        fail_msg("cannot open %s (the test must run in its source folder)", DATA_DIR);
    assert_non_null(names);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !is_dir(e->d_name))
            continue;
        assert_true(n < MAX_CASES);
        names[n] = strdup(e->d_name);
        assert_non_null(names[n++]);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    *ret_n = n;
    return names;
}

static char *case_file(const char *name, const char *file, size_t *ret_len)
{
    char path[512];

    assert_true((size_t)snprintf(path, sizeof path, "%s/%s/%s", DATA_DIR, name, file) <
                sizeof path);
    return slurp(path, ret_len);
}

/* Reads "ok" or "<code>[ <field>]" from the case's expected file. */
static void read_expected(const char *name, struct expected *ret)
{
    size_t len;
    char *text = case_file(name, "expected", &len);
    char *sp, *nl;

    if (!text)
        fail_msg("%s: no expected file", name);
    nl = strchr(text, '\n');
    if (nl)
        *nl = '\0';
    memset(ret, 0, sizeof *ret);
    ret->ok = strcmp(text, "ok") == 0;
    sp = strchr(text, ' ');
    if (sp) {
        *sp = '\0';
        assert_true(strlen(sp + 1) < sizeof ret->field);
        strcpy(ret->field, sp + 1);
    }
    if (!ret->ok && api_error_by_code(text, &ret->code) != 0)
        fail_msg("%s: unknown code '%s' in expected", name, text);
    free(text);
}

static bool lenient(const char *name)
{
    size_t len;
    char *mode = case_file(name, "mode", &len);
    bool yes = mode && strncmp(mode, "lenient", 7) == 0;

    if (mode && !yes)
        fail_msg("%s: mode must be 'lenient'", name);
    free(mode);
    return yes;
}

/* The message names the field (or the body) and says something beyond it. */
static void check_message(const char *name, const struct jspec_error *err)
{
    const char *who = err->field[0] ? err->field : "body";

    if (strncmp(err->message, who, strlen(who)) != 0 || err->message[strlen(who)] != ' ' ||
        strlen(err->message) < strlen(who) + 6)
        fail_msg("%s: message '%s' does not start with '%s '", name, err->message, who);
}

/* Loads and parses input; returns 0 or OF_EPERMANENT with err filled. out is the parse's. */
static int run_case(const char *input, size_t len, const struct jspec *spec, struct sample *out,
                    struct jspec_error *err)
{
    json_t *obj = NULL;
    int rc = jspec_load(input, len, &obj, err);

    if (rc == 0) {
        assert_non_null(obj);
        rc = jspec_parse(obj, spec, out, err);
        json_decref(obj);
    } else if (obj != NULL) {
        fail_msg("jspec_load set its output on failure");
    }
    return rc;
}

static void one_case(const char *name)
{
    struct expected want;
    struct jspec_error err;
    struct sample out, before;
    size_t len;
    char *input = case_file(name, "input", &len);
    int rc;

    if (!input)
        fail_msg("%s: no input file", name);
    read_expected(name, &want);
    sentinel(&out);
    memcpy(&before, &out, sizeof out);
    memset(&err, 0, sizeof err);
    rc = run_case(input, len, lenient(name) ? &sample_lenient : &sample_strict, &out, &err);
    if (want.ok && rc != 0)
        fail_msg("%s: expected ok, got %s '%s': %s", name, api_error_get(err.code)->code, err.field,
                 err.message);
    if (!want.ok &&
        (rc != OF_EPERMANENT || err.code != want.code || strcmp(err.field, want.field) != 0))
        fail_msg("%s: expected %s '%s', got rc %d %s '%s': %s", name,
                 api_error_get(want.code)->code, want.field, rc, api_error_get(err.code)->code,
                 err.field, err.message);
    if (!want.ok) {
        check_message(name, &err);
        if (memcmp(&out, &before, sizeof out) != 0)
            fail_msg("%s: the output changed on failure", name);
    }
    free(input);
}

static void data_cases(void **state)
{
    size_t n;
    char **names = list_cases(&n);

    (void)state;
    if (n < MIN_CASES)
        fail_msg("only %zu cases under %s, expected at least %d", n, DATA_DIR, MIN_CASES);
    for (size_t i = 0; i < n; i++) {
        one_case(names[i]);
        free(names[i]);
    }
    free(names);
}

int run_data_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_cases),
    };
    return cmocka_run_group_tests_name("jspec data", tests, NULL, NULL);
}
