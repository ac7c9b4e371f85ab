/* Route matching: method + path pattern with {name} captures, and the 404/405 decision. */
#ifndef COMMON_ROUTE_H
#define COMMON_ROUTE_H

#include <stddef.h>

#define ROUTE_MAX_PARAMS 4
#define ROUTE_PARAM_MAX  128 /* longest captured segment, NUL included */

struct route_params {
    size_t n;
    const char *names[ROUTE_MAX_PARAMS]; /* point into the pattern: "{id}" gives "id" */
    size_t name_lens[ROUTE_MAX_PARAMS];
    char values[ROUTE_MAX_PARAMS][ROUTE_PARAM_MAX];
};

/* The value captured for name, or NULL. */
const char *route_param(const struct route_params *p, const char *name);

/* Matches path against pattern segment by segment. "{x}" matches one non-empty segment without
 * '/'; a captured segment longer than ROUTE_PARAM_MAX-1 does not match. The query string must
 * already be removed. Returns 1 on a match (ret filled), 0 otherwise. */
int route_match(const char *pattern, const char *path, struct route_params *ret);

/* A table entry as seen by the matcher; http.h embeds this. */
struct route_key {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/v1/orders/{id}" */
};

enum route_outcome { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

/* Looks up (method, path) in keys (stride bytes apart, so a larger struct can start with a
 * route_key). On ROUTE_FOUND sets *ret_index and ret_params; on ROUTE_BAD_METHOD writes the
 * allowed methods, comma-separated, into allow (e.g. "GET, POST"). HEAD matches GET. */
enum route_outcome route_lookup(const void *keys, size_t n, size_t stride, const char *method,
                                const char *path, size_t *ret_index,
                                struct route_params *ret_params, char *allow, size_t allow_len);

#endif
