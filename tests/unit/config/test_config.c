/* Tests of config_load/config_free/config_print_help over a fake environment. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/config.h"

struct cfg {
    char *name;
    long port;
    bool debug;
    char *level;
    char *url;
    long offset;
};

static const struct config_var vars[] = {
    {"OF_NAME", CONFIG_STRING, "svc", "service name", offsetof(struct cfg, name), 0, 0, NULL},
    {"OF_PORT", CONFIG_INT, "8080", "HTTP port", offsetof(struct cfg, port), 1, 65535, NULL},
    {"OF_DEBUG", CONFIG_BOOL, "false", "debug mode", offsetof(struct cfg, debug), 0, 0, NULL},
    {"OF_LOG_LEVEL", CONFIG_ENUM, "info", "lowest level logged", offsetof(struct cfg, level), 0, 0,
     "debug|info|warn|error"},
    {"OF_DATABASE_URL", CONFIG_STRING, NULL, "Postgres connection string",
     offsetof(struct cfg, url), 0, 0, NULL},
    {"OF_OFFSET_MS", CONFIG_INT, "-5", "clock offset", offsetof(struct cfg, offset), -1000, 1000,
     NULL},
};

#define N_VARS (sizeof vars / sizeof vars[0])

/* The fake environment: NULL-terminated name/value pairs. */
struct fake_env {
    const char *const *pairs;
    int calls;
};

static const char *fake_get(const char *name, void *ud)
{
    struct fake_env *env = ud;
    env->calls++;
    for (const char *const *p = env->pairs; p[0]; p += 2) {
        if (strcmp(p[0], name) == 0)
            return p[1];
    }
    return NULL;
}

/* Loads vars from pairs into *c; returns config_load's result and leaves its message in err. */
static int load(const char *const *pairs, struct cfg *c, char *err, size_t errlen)
{
    struct fake_env env = {pairs, 0};
    memset(c, 0, sizeof *c);
    err[0] = '\0';
    return config_load(vars, N_VARS, c, fake_get, &env, err, errlen);
}

/* Expects a failure whose message names var and contains fragment. */
static void expect_error(const char *const *pairs, const char *var, const char *fragment)
{
    struct cfg c;
    char err[256];
    int rc = load(pairs, &c, err, sizeof err);
    config_free(vars, N_VARS, &c);
    if (rc != -1)
        fail_msg("expected an error naming %s", var);
    if (!strstr(err, var))
        fail_msg("message '%s' does not name %s", err, var);
    if (fragment && !strstr(err, fragment))
        fail_msg("message '%s' lacks '%s'", err, fragment);
}

static void defaults_fill_unset(void **state)
{
    (void)state;
    const char *const pairs[] = {"OF_DATABASE_URL", "postgres://db/x", NULL};
    struct cfg c;
    char err[256];
    assert_int_equal(load(pairs, &c, err, sizeof err), 0);
    assert_string_equal(c.name, "svc");
    assert_int_equal(c.port, 8080);
    assert_false(c.debug);
    assert_string_equal(c.level, "info");
    assert_string_equal(c.url, "postgres://db/x");
    assert_int_equal(c.offset, -5);
    config_free(vars, N_VARS, &c);
    assert_null(c.name);
    assert_null(c.level);
    assert_null(c.url);
    config_free(vars, N_VARS, &c); /* a second free is harmless */
}

static void set_values_win(void **state)
{
    (void)state;
    const char *const pairs[] = {
        "OF_NAME",  "order-svc",    "OF_PORT", "8081",         "OF_DEBUG", "yes", "OF_DATABASE_URL",
        "dbname=x", "OF_LOG_LEVEL", "warn",    "OF_OFFSET_MS", "-1000",    NULL};
    struct cfg c;
    char err[256];
    assert_int_equal(load(pairs, &c, err, sizeof err), 0);
    assert_string_equal(c.name, "order-svc");
    assert_int_equal(c.port, 8081);
    assert_true(c.debug);
    assert_string_equal(c.level, "warn");
    assert_string_equal(c.url, "dbname=x");
    assert_int_equal(c.offset, -1000);
    config_free(vars, N_VARS, &c);
}

static void empty_means_unset(void **state)
{
    (void)state;
    const char *const pairs[] = {"OF_NAME", "", "OF_PORT", "", "OF_DATABASE_URL", "u", NULL};
    struct cfg c;
    char err[256];
    assert_int_equal(load(pairs, &c, err, sizeof err), 0);
    assert_string_equal(c.name, "svc");
    assert_int_equal(c.port, 8080);
    config_free(vars, N_VARS, &c);
}

static void required_missing(void **state)
{
    (void)state;
    const char *const none[] = {NULL};
    expect_error(none, "OF_DATABASE_URL", "required");
    const char *const empty[] = {"OF_DATABASE_URL", "", NULL};
    expect_error(empty, "OF_DATABASE_URL", "required");
}

static void int_range(void **state)
{
    (void)state;
    static const char *const bad[] = {"0", "65536", "-1", "99999999999999999999",
                                      "-99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *const pairs[] = {"OF_DATABASE_URL", "u", "OF_PORT", bad[i], NULL};
        expect_error(pairs, "OF_PORT", "range");
    }
    static const char *const good[] = {"1", "65535", "+443", "00080"};
    static const long want[] = {1, 65535, 443, 80};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const char *const pairs[] = {"OF_DATABASE_URL", "u", "OF_PORT", good[i], NULL};
        struct cfg c;
        char err[256];
        assert_int_equal(load(pairs, &c, err, sizeof err), 0);
        assert_int_equal(c.port, want[i]);
        config_free(vars, N_VARS, &c);
    }
    const char *const below[] = {"OF_DATABASE_URL", "u", "OF_OFFSET_MS", "-1001", NULL};
    expect_error(below, "OF_OFFSET_MS", "[-1000, 1000]");
}

static void int_garbage(void **state)
{
    (void)state;
    static const char *const bad[] = {"80x", " 80", "80 ", "0x50",   "8.0", "1e3",
                                      "+",   "-",   "--1", "eighty", "8 0", "80\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *const pairs[] = {"OF_DATABASE_URL", "u", "OF_PORT", bad[i], NULL};
        expect_error(pairs, "OF_PORT", "not an integer");
    }
}

static void bool_words(void **state)
{
    (void)state;
    static const char *const yes[] = {"true", "TRUE", "True", "1", "yes", "YES", "on", "On"};
    static const char *const no[] = {"false", "FALSE", "0", "no", "No", "off", "OFF"};
    for (int pass = 0; pass < 2; pass++) {
        const char *const *words = pass == 0 ? yes : no;
        size_t n = pass == 0 ? sizeof yes / sizeof yes[0] : sizeof no / sizeof no[0];
        for (size_t i = 0; i < n; i++) {
            const char *const pairs[] = {"OF_DATABASE_URL", "u", "OF_DEBUG", words[i], NULL};
            struct cfg c;
            char err[256];
            assert_int_equal(load(pairs, &c, err, sizeof err), 0);
            assert_int_equal(c.debug, pass == 0);
            config_free(vars, N_VARS, &c);
        }
    }
    static const char *const bad[] = {"maybe", "2", "tru", "yess", "y", "n", "-1", "of"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *const pairs[] = {"OF_DATABASE_URL", "u", "OF_DEBUG", bad[i], NULL};
        expect_error(pairs, "OF_DEBUG", "boolean");
    }
}

static void enum_choices(void **state)
{
    (void)state;
    static const char *const in[] = {"debug", "error", "WARN", "Info"};
    static const char *const out[] = {"debug", "error", "warn", "info"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        const char *const pairs[] = {"OF_DATABASE_URL", "u", "OF_LOG_LEVEL", in[i], NULL};
        struct cfg c;
        char err[256];
        assert_int_equal(load(pairs, &c, err, sizeof err), 0);
        assert_string_equal(c.level, out[i]);
        config_free(vars, N_VARS, &c);
    }
    static const char *const bad[] = {"verbose", "inf",    "infoo", "info|warn",
                                      "|",       "debug ", "warn|"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *const pairs[] = {"OF_DATABASE_URL", "u", "OF_LOG_LEVEL", bad[i], NULL};
        expect_error(pairs, "OF_LOG_LEVEL", "debug|info|warn|error");
    }
}

static void bad_default_is_reported(void **state)
{
    (void)state;
    long port = 0;
    const struct config_var broken[] = {
        {"OF_BROKEN_PORT", CONFIG_INT, "80", "port with a bad range", 0, 1000, 2000, NULL},
    };
    const char *const none[] = {NULL};
    struct fake_env env = {none, 0};
    char err[256] = "";
    assert_int_equal(config_load(broken, 1, &port, fake_get, &env, err, sizeof err), -1);
    assert_non_null(strstr(err, "OF_BROKEN_PORT"));
    assert_non_null(strstr(err, "default"));
    assert_int_equal(port, 0); /* nothing stored for the failing variable */
}

static void stops_at_first_error_and_frees(void **state)
{
    (void)state;
    /* OF_NAME is loaded before OF_PORT fails; config_free must release it (valgrind checks). */
    const char *const pairs[] = {"OF_NAME",         "kept", "OF_PORT", "nope",
                                 "OF_DATABASE_URL", "u",    NULL};
    struct cfg c;
    char err[256];
    assert_int_equal(load(pairs, &c, err, sizeof err), -1);
    assert_string_equal(c.name, "kept");
    assert_null(c.url); /* not reached */
    assert_non_null(strstr(err, "OF_PORT"));
    assert_null(strstr(err, "OF_NAME"));
    config_free(vars, N_VARS, &c);
    assert_null(c.name);
}

static void error_buffer_edges(void **state)
{
    (void)state;
    const char *const pairs[] = {"OF_PORT", "70000", "OF_DATABASE_URL", "u", NULL};
    struct fake_env env = {pairs, 0};
    struct cfg c = {0};
    assert_int_equal(config_load(vars, N_VARS, &c, fake_get, &env, NULL, 0), -1);
    config_free(vars, N_VARS, &c);
    char small[8];
    memset(small, 'X', sizeof small);
    memset(&c, 0, sizeof c);
    assert_int_equal(config_load(vars, N_VARS, &c, fake_get, &env, small, sizeof small), -1);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, "OF_PORT", 7);
    config_free(vars, N_VARS, &c);
    /* a huge rejected value is quoted back only in part */
    char big[4096];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *const huge[] = {"OF_PORT", big, "OF_DATABASE_URL", "u", NULL};
    char err[1024];
    assert_int_equal(load(huge, &c, err, sizeof err), -1);
    assert_true(strlen(err) < 200);
    config_free(vars, N_VARS, &c);
}

static void getter_sees_user_data(void **state)
{
    (void)state;
    const char *const pairs[] = {"OF_DATABASE_URL", "u", NULL};
    struct fake_env env = {pairs, 0};
    struct cfg c = {0};
    char err[64];
    assert_int_equal(config_load(vars, N_VARS, &c, fake_get, &env, err, sizeof err), 0);
    assert_int_equal(env.calls, (int)N_VARS);
    config_free(vars, N_VARS, &c);
}

static void process_environment(void **state)
{
    (void)state;
    assert_int_equal(setenv("OF_TEST_CONFIG_VAR", "from-env", 1), 0);
    assert_string_equal(config_getenv("OF_TEST_CONFIG_VAR", NULL), "from-env");
    assert_int_equal(unsetenv("OF_TEST_CONFIG_VAR"), 0);
    assert_null(config_getenv("OF_TEST_CONFIG_VAR", NULL));
    char *value = NULL;
    const struct config_var one[] = {
        {"OF_TEST_CONFIG_VAR", CONFIG_STRING, NULL, "", 0, 0, 0, NULL},
    };
    assert_int_equal(setenv("OF_TEST_CONFIG_VAR", "again", 1), 0);
    char err[64];
    assert_int_equal(config_load(one, 1, &value, NULL, NULL, err, sizeof err), 0);
    assert_string_equal(value, "again");
    config_free(one, 1, &value);
    unsetenv("OF_TEST_CONFIG_VAR");
}

static void help_lists_every_variable(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    config_print_help(vars, N_VARS, out);
    assert_int_equal(fclose(out), 0);
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, (int)N_VARS);
    for (size_t i = 0; i < N_VARS; i++) {
        const char *line = strstr(text, vars[i].name);
        if (!line)
            fail_msg("--help lacks %s:\n%s", vars[i].name, text);
        size_t line_len = strcspn(line, "\n");
        char want[128];
        if (vars[i].def)
            snprintf(want, sizeof want, "(default: %s)", vars[i].def);
        else
            snprintf(want, sizeof want, "(required)");
        char *copy = strndup(line, line_len);
        if (!strstr(copy, want) || !strstr(copy, vars[i].help))
            fail_msg("line '%s' lacks '%s' or its help", copy, want);
        free(copy);
    }
    assert_non_null(strstr(text, "[1..65535]"));
    assert_non_null(strstr(text, "[debug|info|warn|error]"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_fill_unset),
        cmocka_unit_test(set_values_win),
        cmocka_unit_test(empty_means_unset),
        cmocka_unit_test(required_missing),
        cmocka_unit_test(int_range),
        cmocka_unit_test(int_garbage),
        cmocka_unit_test(bool_words),
        cmocka_unit_test(enum_choices),
        cmocka_unit_test(bad_default_is_reported),
        cmocka_unit_test(stops_at_first_error_and_frees),
        cmocka_unit_test(error_buffer_edges),
        cmocka_unit_test(getter_sees_user_data),
        cmocka_unit_test(process_environment),
        cmocka_unit_test(help_lists_every_variable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
