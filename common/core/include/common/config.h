/* Declarative OF_* environment configuration: a table of variables, defaults and limits. */
#ifndef COMMON_CONFIG_H
#define COMMON_CONFIG_H

#include <stddef.h>
#include <stdio.h>

enum config_type {
    CONFIG_STRING, /* char * (owned by the target, freed by config_free) */
    CONFIG_INT,    /* long, within [min, max] */
    CONFIG_BOOL,   /* bool: true/false/1/0/yes/no/on/off */
    CONFIG_ENUM,   /* char *, one of the '|'-separated words in choices */
};

struct config_var {
    const char *name; /* e.g. "OF_HTTP_PORT" */
    enum config_type type;
    const char *def; /* default as text; NULL means required */
    const char *help;
    size_t offset;       /* offsetof() the field in the target struct */
    long min, max;       /* CONFIG_INT only */
    const char *choices; /* CONFIG_ENUM only, e.g. "debug|info|warn|error" */
};

/* Looks a variable up; getenv-like, so tests can pass their own environment. */
typedef const char *(*config_getter_fn)(const char *name, void *ud);

/* Fills target from the table. On a bad or missing value returns -1, leaves a message naming
 * the variable in errbuf, and the target may hold some parsed values (free with config_free). */
int config_load(const struct config_var *vars, size_t n, void *target, config_getter_fn get,
                void *ud, char *errbuf, size_t errlen);
/* Frees the strings config_load stored in target. */
void config_free(const struct config_var *vars, size_t n, void *target);
/* Writes "NAME  (default: X)  help" lines for --help. */
void config_print_help(const struct config_var *vars, size_t n, FILE *out);
/* A getter over the process environment. */
const char *config_getenv(const char *name, void *ud);

#endif
