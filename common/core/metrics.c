/* A mutex-protected metrics registry rendered in the Prometheus text exposition format 0.0.4. */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/metrics.h"

/* One label set of a family. For histograms, buckets[i] counts observations that fell in bucket i
 * alone (not cumulative); the +Inf bucket is count. */
struct series {
    char *labels;
    double value; /* counter or gauge value; histogram sum */
    uint64_t count;
    uint64_t *buckets;
    struct series *next;
};

struct family {
    char *name;
    char *help;
    enum metric_kind kind;
    double *bounds;
    size_t n_bounds;
    struct series *head, *tail;
};

struct metrics {
    pthread_mutex_t lock;
    struct family **fams; /* in declaration order */
    size_t n, cap;
};

static const double default_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

static void lock(struct metrics *m)
{
    if (pthread_mutex_lock(&m->lock) != 0)
        abort();
}

static void unlock(struct metrics *m)
{
    if (pthread_mutex_unlock(&m->lock) != 0)
        abort();
}

static void die(const char *what, const char *name)
{
    fprintf(stderr, "{\"level\":\"error\",\"msg\":\"metrics: %s: %s\"}\n", what, name);
    abort();
}

struct metrics *metrics_new(void)
{
    struct metrics *m = xcalloc(1, sizeof *m);
    if (pthread_mutex_init(&m->lock, NULL) != 0)
        abort();
    return m;
}

static void family_free(struct family *f)
{
    struct series *s = f->head;
    while (s) {
        struct series *next = s->next;
        free(s->labels);
        free(s->buckets);
        free(s);
        s = next;
    }
    free(f->name);
    free(f->help);
    free(f->bounds);
    free(f);
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        family_free(m->fams[i]);
    free(m->fams);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*. */
static bool name_valid(const char *s)
{
    if (!s || !*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == ':'))
            return false;
    }
    return true;
}

static struct family *find_family(struct metrics *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->fams[i]->name, name) == 0)
            return m->fams[i];
    }
    return NULL;
}

static void set_bounds(struct family *f, const double *buckets, size_t n)
{
    if (!buckets) {
        buckets = default_buckets;
        n = sizeof default_buckets / sizeof default_buckets[0];
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1]))
            die("histogram buckets must be finite and ascending", f->name);
    }
    f->bounds = xmalloc((n ? n : 1) * sizeof *f->bounds);
    if (n)
        memcpy(f->bounds, buckets, n * sizeof *buckets);
    f->n_bounds = n;
}

void metrics_declare(struct metrics *m, const char *name, enum metric_kind kind, const char *help,
                     const double *buckets, size_t n_buckets)
{
    if (!name_valid(name))
        die("invalid metric name", name ? name : "(null)");
    lock(m);
    if (find_family(m, name)) {
        unlock(m);
        return;
    }
    struct family *f = xcalloc(1, sizeof *f);
    f->name = xstrdup(name);
    f->help = xstrdup(help ? help : "");
    f->kind = kind;
    if (kind == METRIC_HISTOGRAM)
        set_bounds(f, buckets, n_buckets);
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 16;
        m->fams = xrealloc(m->fams, m->cap * sizeof *m->fams);
    }
    m->fams[m->n++] = f;
    unlock(m);
}

/* The series for labels, created on first use. Called with the lock held. */
static struct series *get_series(struct family *f, const char *labels)
{
    labels = labels ? labels : "";
    for (struct series *s = f->head; s; s = s->next) {
        if (strcmp(s->labels, labels) == 0)
            return s;
    }
    struct series *s = xcalloc(1, sizeof *s);
    s->labels = xstrdup(labels);
    if (f->kind == METRIC_HISTOGRAM)
        s->buckets = xcalloc(f->n_bounds + 1, sizeof *s->buckets);
    if (f->tail)
        f->tail->next = s;
    else
        f->head = s;
    f->tail = s;
    return s;
}

/* Finds a declared family of an allowed kind with the lock held, or aborts. */
static struct family *family_for(struct metrics *m, const char *name, unsigned kinds)
{
    struct family *f = find_family(m, name);
    if (!f)
        die("undeclared metric", name);
    if (!(kinds & (1u << f->kind)))
        die("operation does not fit the metric's type", name);
    return f;
}

#define KIND_BIT(k) (1u << (k))

void metrics_inc(struct metrics *m, const char *name, const char *labels, double by)
{
    lock(m);
    struct family *f = family_for(m, name, KIND_BIT(METRIC_COUNTER) | KIND_BIT(METRIC_GAUGE));
    if (f->kind == METRIC_GAUGE || by >= 0) /* a counter never goes down */
        get_series(f, labels)->value += by;
    unlock(m);
}

void metrics_set(struct metrics *m, const char *name, const char *labels, double value)
{
    lock(m);
    struct family *f = family_for(m, name, KIND_BIT(METRIC_COUNTER) | KIND_BIT(METRIC_GAUGE));
    get_series(f, labels)->value = value;
    unlock(m);
}

void metrics_observe(struct metrics *m, const char *name, const char *labels, double value)
{
    lock(m);
    struct family *f = family_for(m, name, KIND_BIT(METRIC_HISTOGRAM));
    struct series *s = get_series(f, labels);
    size_t i = 0;
    while (i < f->n_bounds && !(value <= f->bounds[i]))
        i++;
    s->buckets[i]++; /* i == n_bounds is the +Inf bucket (also NaN) */
    s->count++;
    s->value += value;
    unlock(m);
}

/* Appends value with \\, " and newline escaped (label values). */
static void escape_value(struct buf *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            buf_puts(b, "\\\\");
        else if (*v == '"')
            buf_puts(b, "\\\"");
        else if (*v == '\n')
            buf_puts(b, "\\n");
        else
            buf_append(b, v, 1);
    }
}

void metrics_labels(char *out, size_t len, ...)
{
    struct buf b = {0};
    size_t keep = 0; /* length of the pairs that fit whole */
    va_list ap;
    if (!out || len == 0)
        return;
    va_start(ap, len);
    for (const char *name = va_arg(ap, const char *); name; name = va_arg(ap, const char *)) {
        const char *value = va_arg(ap, const char *);
        buf_printf(&b, "%s%s=\"", keep ? "," : "", name);
        escape_value(&b, value ? value : "");
        buf_puts(&b, "\"");
        if (b.len + 1 > len)
            break;
        keep = b.len;
    }
    va_end(ap);
    if (keep)
        memcpy(out, b.data, keep);
    out[keep] = '\0';
    buf_free(&b);
}

/* Formats a sample value so Prometheus parses it: integers without exponent, +Inf/-Inf/NaN, and
 * otherwise the shortest of %.15g / %.17g that reads back exactly. */
static void format_number(char out[32], double v)
{
    if (isnan(v)) {
        strcpy(out, "NaN");
    } else if (isinf(v)) {
        strcpy(out, v > 0 ? "+Inf" : "-Inf");
    } else if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, 32, "%.0f", v == 0 ? 0.0 : v);
    } else {
        snprintf(out, 32, "%.15g", v);
        if (strtod(out, NULL) != v)
            snprintf(out, 32, "%.17g", v);
    }
}

static void put_help(struct buf *b, const struct family *f)
{
    buf_printf(b, "# HELP %s ", f->name);
    for (const char *p = f->help; *p; p++) {
        if (*p == '\\')
            buf_puts(b, "\\\\");
        else if (*p == '\n')
            buf_puts(b, "\\n");
        else
            buf_append(b, p, 1);
    }
    static const char *const types[] = {"counter", "gauge", "histogram"};
    buf_printf(b, "\n# TYPE %s %s\n", f->name, types[f->kind]);
}

/* One sample line: name[suffix]{labels[,extra]} value. */
static void put_sample(struct buf *b, const char *name, const char *suffix, const char *labels,
                       const char *extra, double v)
{
    char num[32];
    format_number(num, v);
    buf_printf(b, "%s%s", name, suffix);
    if (*labels || extra)
        buf_printf(b, "{%s%s%s}", labels, *labels && extra ? "," : "", extra ? extra : "");
    buf_printf(b, " %s\n", num);
}

static void put_histogram(struct buf *b, const struct family *f, const struct series *s)
{
    uint64_t cum = 0;
    char num[32], le[48];
    for (size_t i = 0; i < f->n_bounds; i++) {
        cum += s->buckets[i];
        format_number(num, f->bounds[i]);
        snprintf(le, sizeof le, "le=\"%s\"", num);
        put_sample(b, f->name, "_bucket", s->labels, le, (double)cum);
    }
    put_sample(b, f->name, "_bucket", s->labels, "le=\"+Inf\"", (double)s->count);
    put_sample(b, f->name, "_sum", s->labels, NULL, s->value);
    put_sample(b, f->name, "_count", s->labels, NULL, (double)s->count);
}

void metrics_render(struct metrics *m, struct buf *out)
{
    lock(m);
    for (size_t i = 0; i < m->n; i++) {
        const struct family *f = m->fams[i];
        put_help(out, f);
        for (const struct series *s = f->head; s; s = s->next) {
            if (f->kind == METRIC_HISTOGRAM)
                put_histogram(out, f, s);
            else
                put_sample(out, f->name, "", s->labels, NULL, s->value);
        }
    }
    unlock(m);
}
