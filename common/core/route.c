/* Route matching: path patterns with {name} captures and the 404 / 405 / found decision. */
#include <stdbool.h>
#include <string.h>

#include "common/route.h"

const char *route_param(const struct route_params *p, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < p->n; i++) {
        if (p->name_lens[i] == len && memcmp(p->names[i], name, len) == 0)
            return p->values[i];
    }
    return NULL;
}

/* True if the pattern segment seg[0..len) is a "{name}" capture with a non-empty name. */
static bool is_capture(const char *seg, size_t len)
{
    return len >= 3 && seg[0] == '{' && seg[len - 1] == '}';
}

/* Matches one segment; a capture is stored in p. Returns false on a mismatch. */
static bool match_segment(const char *pat, size_t plen, const char *seg, size_t slen,
                          struct route_params *p)
{
    if (!is_capture(pat, plen))
        return plen == slen && memcmp(pat, seg, plen) == 0;
    if (slen == 0 || slen > ROUTE_PARAM_MAX - 1 || p->n == ROUTE_MAX_PARAMS)
        return false;
    p->names[p->n] = pat + 1;
    p->name_lens[p->n] = plen - 2;
    memcpy(p->values[p->n], seg, slen);
    p->values[p->n][slen] = '\0';
    p->n++;
    return true;
}

int route_match(const char *pattern, const char *path, struct route_params *ret)
{
    struct route_params p;
    p.n = 0;
    if (!pattern || !path || *pattern != '/' || *path != '/')
        return 0;
    const char *a = pattern, *b = path;
    while (*a == '/' && *b == '/') {
        a++;
        b++;
        size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
        if (!match_segment(a, la, b, lb, &p))
            return 0;
        a += la;
        b += lb;
    }
    if (*a || *b)
        return 0;
    *ret = p;
    return 1;
}

static bool method_matches(const char *route_method, const char *method)
{
    if (strcmp(route_method, method) == 0)
        return true;
    return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

/* Appends method to the comma-separated allow list unless it is already there. */
static void allow_add(char *allow, size_t allow_len, const char *method)
{
    size_t mlen = strlen(method);
    for (const char *p = allow; *p;) {
        size_t n = strcspn(p, ",");
        if (n == mlen && memcmp(p, method, n) == 0)
            return;
        p += n;
        p += strspn(p, ", ");
    }
    size_t used = strlen(allow);
    size_t need = used + (used ? 2 : 0) + mlen + 1;
    if (need > allow_len)
        return; /* no room: leave the list as it is rather than cut a name */
    if (used) {
        memcpy(allow + used, ", ", 2);
        used += 2;
    }
    memcpy(allow + used, method, mlen + 1);
}

enum route_outcome route_lookup(const void *keys, size_t n, size_t stride, const char *method,
                                const char *path, size_t *ret_index,
                                struct route_params *ret_params, char *allow, size_t allow_len)
{
    bool path_seen = false;
    if (allow && allow_len > 0)
        allow[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const struct route_key *k = (const void *)((const char *)keys + i * stride);
        struct route_params p;
        if (!route_match(k->pattern, path, &p))
            continue;
        if (method_matches(k->method, method)) {
            *ret_index = i;
            *ret_params = p;
            return ROUTE_FOUND;
        }
        path_seen = true;
        if (allow && allow_len > 0)
            allow_add(allow, allow_len, k->method);
    }
    return path_seen ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}
