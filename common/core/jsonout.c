/* JSON text out with shortest round-trip reals (see jsonout.h). */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonout.h"
#include "common/xalloc.h"

/* Removes the '+' and leading zeros of the exponent at e: "1e+22" -> "1e22", "1e-07" -> "1e-7". */
static void tidy_exponent(char *e)
{
    char *digits = e + 1 + (e[1] == '-'); /* where the exponent's digits go */
    const char *from = e + 1 + (e[1] == '-' || e[1] == '+');
    while (from[0] == '0' && from[1] != '\0')
        from++;
    memmove(digits, from, strlen(from) + 1);
}

int jsonout_real(double d, char ret[JSONOUT_REAL_SIZE])
{
    char buf[JSONOUT_REAL_SIZE];
    int p, n = -1;
    if (!isfinite(d))
        return -1;
    /* The fewest significant digits that read back; 17 always do (DBL_DECIMAL_DIG). */
    for (p = 1; p <= 17; p++) {
        n = snprintf(buf, sizeof buf, "%.*e", p - 1, d);
        if (n > 0 && n < (int)sizeof buf && strtod(buf, NULL) == d)
            break;
    }
    if (n <= 0 || n >= (int)sizeof buf)
        return -1;
    char *e = strchr(buf, 'e');
    int x = atoi(e + 1);
    if (x >= -4 && x < 16) {
        /* Positional, as Python's repr() would: the same p digits, rounded at the same place. */
        n = snprintf(buf, sizeof buf, "%.*f", p - 1 - x > 0 ? p - 1 - x : 0, d);
        if (n <= 0 || n + 2 >= (int)sizeof buf)
            return -1;
        if (!strchr(buf, '.'))
            memcpy(buf + n, ".0", 3);
    } else {
        tidy_exponent(e);
    }
    n = (int)strlen(buf);
    memcpy(ret, buf, (size_t)n + 1);
    return n;
}

struct out {
    char *data;
    size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        o->cap = (o->len + n + 1) * 2;
        o->data = xrealloc(o->data, o->cap);
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
    o->data[o->len] = '\0';
}

/* The length of the JSON string starting at s[0] == '"', quotes included. */
static size_t string_span(const char *s)
{
    size_t i = 1;
    while (s[i] && s[i] != '"')
        i += s[i] == '\\' && s[i + 1] ? 2 : 1;
    return s[i] ? i + 1 : i;
}

/* Copies the number token at s; a real (jansson always gives one a '.' or an exponent) is
 * rewritten in its shortest form. Returns the token's length. */
static size_t number(struct out *o, const char *s)
{
    size_t n = strspn(s, "-+0123456789.eE");
    char tok[64], real[JSONOUT_REAL_SIZE];
    int m;
    if (n < sizeof tok && strcspn(s, ".eE") < n) {
        memcpy(tok, s, n);
        tok[n] = '\0';
        m = jsonout_real(strtod(tok, NULL), real);
        if (m > 0) {
            put(o, real, (size_t)m);
            return n;
        }
    }
    put(o, s, n);
    return n;
}

char *jsonout_dumps(const json_t *json, size_t flags, size_t *ret_len)
{
    /* Precision 0 is jansson's %.17g: every real in the text reads back exactly. */
    char *text = json_dumps(json, flags & ~(size_t)JSON_REAL_PRECISION(0x1F));
    if (!text)
        return NULL;
    struct out o = {0};
    put(&o, "", 0);
    for (const char *s = text; *s;) {
        size_t n;
        if (*s == '"') {
            n = string_span(s);
            put(&o, s, n);
        } else if (*s == '-' || (*s >= '0' && *s <= '9')) {
            n = number(&o, s);
        } else {
            n = strcspn(s, "\"-0123456789");
            put(&o, s, n);
        }
        s += n;
    }
    free(text);
    if (ret_len)
        *ret_len = o.len;
    return o.data;
}
