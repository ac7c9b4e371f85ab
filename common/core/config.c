/* OF_* configuration read through a declarative table, validated at start-up (redis, pgbouncer). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/config.h"
#include "common/xalloc.h"

#define SHOWN_MAX 40 /* a rejected value is quoted back at most this long */

/* Rules shared by every type:
 * - A variable that is unset or set to the empty string takes its default; with no default it is
 *   reported as required. (So `OF_X=` in a compose file means "not set", as in most tools.)
 * - Defaults go through the same parser as the environment, so a bad table fails fast too.
 * - Only INT, BOOL and ENUM values are quoted back in messages; STRING values (which may be
 *   connection strings with passwords) never are.
 * - config_load stores into a target that starts zeroed and frees nothing it finds there. */

/* Parses text for v and stores it at field; on failure writes "<why>" into err. */
typedef int (*parse_fn)(const struct config_var *v, const char *text, void *field, char *err,
                        size_t errlen);

static int parse_string(const struct config_var *v, const char *text, void *field, char *err,
                        size_t errlen)
{
    (void)v;
    (void)err;
    (void)errlen;
    *(char **)field = xstrdup(text);
    return 0;
}

static int parse_int(const struct config_var *v, const char *text, void *field, char *err,
                     size_t errlen)
{
    char *end = NULL;
    bool sign_or_digit = (text[0] >= '0' && text[0] <= '9') || text[0] == '-' || text[0] == '+';
    errno = 0;
    long x = sign_or_digit ? strtol(text, &end, 10) : 0;
    if (!sign_or_digit || end == text || *end != '\0') {
        snprintf(err, errlen, "'%.*s' is not an integer", SHOWN_MAX, text);
        return -1;
    }
    if (errno == ERANGE || x < v->min || x > v->max) {
        snprintf(err, errlen, "'%.*s' is out of range [%ld, %ld]", SHOWN_MAX, text, v->min, v->max);
        return -1;
    }
    *(long *)field = x;
    return 0;
}

static int parse_bool(const struct config_var *v, const char *text, void *field, char *err,
                      size_t errlen)
{
    static const struct {
        const char *word;
        bool value;
    } words[] = {{"true", true}, {"false", false}, {"1", true},  {"0", false},
                 {"yes", true},  {"no", false},    {"on", true}, {"off", false}};
    (void)v;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strcasecmp(text, words[i].word) == 0) {
            *(bool *)field = words[i].value;
            return 0;
        }
    }
    snprintf(err, errlen, "'%.*s' is not a boolean (true/false/1/0/yes/no/on/off)", SHOWN_MAX,
             text);
    return -1;
}

/* Matches text against the '|'-separated choices, ignoring case, and stores the table's spelling
 * (so OF_LOG_LEVEL=INFO yields "info"). */
static int parse_enum(const struct config_var *v, const char *text, void *field, char *err,
                      size_t errlen)
{
    const char *p = v->choices ? v->choices : "";
    size_t tlen = strlen(text);
    while (*p) {
        size_t n = strcspn(p, "|");
        if (n == tlen && strncasecmp(p, text, n) == 0) {
            *(char **)field = xstrndup(p, n);
            return 0;
        }
        p += n + (p[n] == '|');
    }
    snprintf(err, errlen, "'%.*s' is not one of %s", SHOWN_MAX, text,
             v->choices ? v->choices : "(no choices)");
    return -1;
}

static const parse_fn parsers[] = {
    [CONFIG_STRING] = parse_string,
    [CONFIG_INT] = parse_int,
    [CONFIG_BOOL] = parse_bool,
    [CONFIG_ENUM] = parse_enum,
};

static void fail(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
    if (!errbuf || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
}

static int load_one(const struct config_var *v, void *target, config_getter_fn get, void *ud,
                    char *errbuf, size_t errlen)
{
    if ((unsigned)v->type >= sizeof parsers / sizeof parsers[0]) {
        fail(errbuf, errlen, "%s: unknown type %d in the configuration table", v->name, v->type);
        return -1;
    }
    const char *text = get(v->name, ud);
    bool from_default = !text || text[0] == '\0';
    if (from_default)
        text = v->def;
    if (!text) {
        fail(errbuf, errlen, "%s is required but not set (%s)", v->name, v->help ? v->help : "");
        return -1;
    }
    char why[160];
    if (parsers[v->type](v, text, (char *)target + v->offset, why, sizeof why) != 0) {
        fail(errbuf, errlen, "%s: %s%s", v->name, why, from_default ? " (the default)" : "");
        return -1;
    }
    return 0;
}

int config_load(const struct config_var *vars, size_t n, void *target, config_getter_fn get,
                void *ud, char *errbuf, size_t errlen)
{
    if (!get)
        get = config_getenv;
    for (size_t i = 0; i < n; i++) {
        if (load_one(&vars[i], target, get, ud, errbuf, errlen) != 0)
            return -1;
    }
    return 0;
}

void config_free(const struct config_var *vars, size_t n, void *target)
{
    for (size_t i = 0; i < n; i++) {
        if (vars[i].type != CONFIG_STRING && vars[i].type != CONFIG_ENUM)
            continue;
        char **field = (char **)((char *)target + vars[i].offset);
        free(*field);
        *field = NULL;
    }
}

/* "(default: X)", "(default: "")" or "(required)" into ret. */
static void format_default(const struct config_var *v, char *ret, size_t len)
{
    if (!v->def)
        snprintf(ret, len, "(required)");
    else if (v->def[0] == '\0')
        snprintf(ret, len, "(default: \"\")");
    else
        snprintf(ret, len, "(default: %s)", v->def);
}

void config_print_help(const struct config_var *vars, size_t n, FILE *out)
{
    int name_w = 0, def_w = 0;
    char def[256];
    for (size_t i = 0; i < n; i++) {
        int len = (int)strlen(vars[i].name);
        name_w = len > name_w ? len : name_w;
        format_default(&vars[i], def, sizeof def);
        len = (int)strlen(def);
        def_w = len > def_w ? len : def_w;
    }
    for (size_t i = 0; i < n; i++) {
        const struct config_var *v = &vars[i];
        format_default(v, def, sizeof def);
        fprintf(out, "  %-*s  %-*s  %s", name_w, v->name, def_w, def, v->help ? v->help : "");
        if (v->type == CONFIG_INT)
            fprintf(out, " [%ld..%ld]", v->min, v->max);
        else if (v->type == CONFIG_ENUM)
            fprintf(out, " [%s]", v->choices ? v->choices : "");
        fputc('\n', out);
    }
}

const char *config_getenv(const char *name, void *ud)
{
    (void)ud;
    return getenv(name);
}
