/* Tests of the metrics registry: exact values, and every rendered line checked against the
 * Prometheus text exposition grammar (format 0.0.4). */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/metrics.h"

/* ---- a small exposition checker ------------------------------------------------------------ */

#define MAX_SAMPLES 256

struct sample {
    char name[128];
    char labels[512]; /* the text between the braces, as written */
    double value;
};

struct parsed {
    size_t n;
    struct sample s[MAX_SAMPLES];
    char types[32][128]; /* family names in TYPE order */
    size_t n_types;
};

static bool name_start(char c, bool colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static bool name_char(char c, bool colon)
{
    return name_start(c, colon) || (c >= '0' && c <= '9');
}

/* Reads a metric name (colon allowed) or label name; returns its length, 0 if none. */
static size_t read_name(const char *p, bool colon)
{
    size_t n = 0;
    if (!name_start(p[0], colon))
        return 0;
    while (name_char(p[n], colon))
        n++;
    return n;
}

/* Checks {name="value",...}; returns a pointer past the '}', or NULL. */
static const char *check_labels(const char *p)
{
    if (*p++ != '{')
        return NULL;
    while (*p != '}') {
        size_t n = read_name(p, false);
        if (n == 0 || p[n] != '=' || p[n + 1] != '"')
            return NULL;
        p += n + 2;
        while (*p != '"') {
            if (*p == '\0' || *p == '\n')
                return NULL;
            if (*p == '\\') {
                p++;
                if (*p != '\\' && *p != '"' && *p != 'n')
                    return NULL;
            }
            p++;
        }
        p++;
        if (*p == ',')
            p++;
        else if (*p != '}')
            return NULL;
    }
    return p + 1;
}

/* A Go-ParseFloat-style value: +Inf, -Inf, NaN or a decimal float. */
static bool parse_value(const char *s, double *ret)
{
    if (strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0 || strcmp(s, "NaN") == 0) {
        *ret = strcmp(s, "NaN") == 0 ? NAN : (s[0] == '+' ? INFINITY : -INFINITY);
        return true;
    }
    if (strspn(s, "0123456789+-.eE") != strlen(s) || !*s)
        return false;
    char *end;
    *ret = strtod(s, &end);
    return *end == '\0';
}

/* Each checker returns NULL when the line is well formed, else what is wrong with it. */
static const char *check_comment(const char *line, struct parsed *out)
{
    if (strncmp(line, "# HELP ", 7) != 0 && strncmp(line, "# TYPE ", 7) != 0)
        return NULL; /* other comments are allowed and ignored */
    bool type = line[2] == 'T';
    const char *p = line + 7;
    size_t n = read_name(p, true);
    if (n == 0 || (p[n] != ' ' && !(p[n] == '\0' && !type)))
        return "bad HELP or TYPE line";
    if (!type)
        return NULL;
    const char *t = p + n + 1;
    if (strcmp(t, "counter") && strcmp(t, "gauge") && strcmp(t, "histogram") &&
        strcmp(t, "summary") && strcmp(t, "untyped"))
        return "unknown type";
    for (size_t i = 0; i < out->n_types; i++) {
        if (strlen(out->types[i]) == n && strncmp(out->types[i], p, n) == 0)
            return "TYPE given twice";
    }
    if (out->n_types == sizeof out->types / sizeof out->types[0])
        return "too many families for the checker";
    snprintf(out->types[out->n_types++], sizeof out->types[0], "%.*s", (int)n, p);
    return NULL;
}

static const char *check_sample(const char *line, struct parsed *out)
{
    struct sample *s = &out->s[out->n];
    size_t n = read_name(line, true);
    if (n == 0 || n >= sizeof s->name)
        return "bad metric name";
    snprintf(s->name, sizeof s->name, "%.*s", (int)n, line);
    const char *p = line + n;
    s->labels[0] = '\0';
    if (*p == '{') {
        const char *end = check_labels(p);
        if (!end)
            return "bad labels";
        snprintf(s->labels, sizeof s->labels, "%.*s", (int)(end - p - 2), p + 1);
        p = end;
    }
    if (*p != ' ')
        return "no space before the value";
    char value[64];
    snprintf(value, sizeof value, "%s", p + 1);
    char *sp = strchr(value, ' '); /* an optional timestamp */
    if (sp)
        *sp = '\0';
    if (!parse_value(value, &s->value))
        return "bad value";
    if (out->n_types == 0)
        return "sample before any TYPE line";
    if (++out->n == MAX_SAMPLES)
        return "too many samples for the checker";
    return NULL;
}

/* Parses a whole exposition; returns NULL, or the first problem found. */
static const char *check_exposition(const char *text, struct parsed *out)
{
    const char *err = NULL;
    memset(out, 0, sizeof *out);
    if (*text && text[strlen(text) - 1] != '\n')
        return "no final newline";
    char *copy = strdup(text);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line && !err; line = strtok_r(NULL, "\n", &save))
        err = line[0] == '#' ? check_comment(line, out) : check_sample(line, out);
    free(copy);
    return err;
}

static void parse_exposition(const char *text, struct parsed *out)
{
    const char *err = check_exposition(text, out);
    if (err)
        fail_msg("exposition rejected: %s\n%s", err, text);
}

/* The value of the sample with exactly this name and label text; fails if absent. */
static double value_of(const struct parsed *p, const char *name, const char *labels)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->s[i].name, name) == 0 && strcmp(p->s[i].labels, labels) == 0)
            return p->s[i].value;
    }
    fail_msg("no sample %s{%s}", name, labels);
    return NAN;
}

static char *render(struct metrics *m)
{
    struct buf b = {0};
    metrics_render(m, &b);
    return buf_steal(&b);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void empty_registry(void **state)
{
    (void)state;
    struct metrics *m = metrics_new();
    char *t = render(m);
    assert_string_equal(t, "");
    free(t);
    metrics_free(m);
    metrics_free(NULL);
}

static void exact_text(void **state)
{
    (void)state;
    static const double b[] = {0.1, 1, 2.5};
    struct metrics *m = metrics_new();
    metrics_declare(m, "jobs_total", METRIC_COUNTER, "Jobs done.", NULL, 0);
    metrics_declare(m, "queue_depth", METRIC_GAUGE, "Depth\nwith \\ escapes.", NULL, 0);
    metrics_declare(m, "lat_seconds", METRIC_HISTOGRAM, "Latency.", b, 3);
    metrics_declare(m, "unused_total", METRIC_COUNTER, "Never used.", NULL, 0);
    metrics_inc(m, "jobs_total", "kind=\"a\"", 1);
    metrics_inc(m, "jobs_total", "", 2);
    metrics_inc(m, "jobs_total", "kind=\"a\"", 2);
    metrics_set(m, "queue_depth", "", -3.5);
    metrics_observe(m, "lat_seconds", "route=\"/x\"", 0.1);
    metrics_observe(m, "lat_seconds", "route=\"/x\"", 2);
    metrics_observe(m, "lat_seconds", "route=\"/x\"", 7);
    char *t = render(m);
    assert_string_equal(t, "# HELP jobs_total Jobs done.\n"
                           "# TYPE jobs_total counter\n"
                           "jobs_total{kind=\"a\"} 3\n"
                           "jobs_total 2\n"
                           "# HELP queue_depth Depth\\nwith \\\\ escapes.\n"
                           "# TYPE queue_depth gauge\n"
                           "queue_depth -3.5\n"
                           "# HELP lat_seconds Latency.\n"
                           "# TYPE lat_seconds histogram\n"
                           "lat_seconds_bucket{route=\"/x\",le=\"0.1\"} 1\n"
                           "lat_seconds_bucket{route=\"/x\",le=\"1\"} 1\n"
                           "lat_seconds_bucket{route=\"/x\",le=\"2.5\"} 2\n"
                           "lat_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\n"
                           "lat_seconds_sum{route=\"/x\"} 9.1\n"
                           "lat_seconds_count{route=\"/x\"} 3\n"
                           "# HELP unused_total Never used.\n"
                           "# TYPE unused_total counter\n");
    struct parsed p;
    parse_exposition(t, &p);
    assert_int_equal(p.n_types, 4);
    assert_string_equal(p.types[0], "jobs_total");
    assert_string_equal(p.types[3], "unused_total");
    free(t);
    metrics_free(m);
}

static void histogram_cumulative(void **state)
{
    (void)state;
    struct metrics *m = metrics_new();
    metrics_declare(m, "d_seconds", METRIC_HISTOGRAM, "Default buckets.", NULL, 0);
    static const double obs[] = {0.001, 0.005, 0.0051, 0.3, 0.3, 9.99, 10, 10.01, 1e9};
    double sum = 0;
    for (size_t i = 0; i < sizeof obs / sizeof obs[0]; i++) {
        metrics_observe(m, "d_seconds", "", obs[i]);
        sum += obs[i];
    }
    metrics_observe(m, "d_seconds", "k=\"other\"", 1);
    char *t = render(m);
    struct parsed p;
    parse_exposition(t, &p);
    /* 11 default bounds + +Inf + sum + count, for each of two series */
    assert_int_equal(p.n, 2 * 14);
    assert_true(value_of(&p, "d_seconds_bucket", "le=\"0.005\"") == 2);
    assert_true(value_of(&p, "d_seconds_bucket", "le=\"0.01\"") == 3);
    assert_true(value_of(&p, "d_seconds_bucket", "le=\"0.25\"") == 3);
    assert_true(value_of(&p, "d_seconds_bucket", "le=\"0.5\"") == 5);
    assert_true(value_of(&p, "d_seconds_bucket", "le=\"5\"") == 5);
    assert_true(value_of(&p, "d_seconds_bucket", "le=\"10\"") == 7);
    assert_true(value_of(&p, "d_seconds_bucket", "le=\"+Inf\"") == 9);
    assert_true(value_of(&p, "d_seconds_count", "") == 9);
    assert_true(value_of(&p, "d_seconds_sum", "") == sum);
    assert_true(value_of(&p, "d_seconds_bucket", "k=\"other\",le=\"0.5\"") == 0);
    assert_true(value_of(&p, "d_seconds_bucket", "k=\"other\",le=\"1\"") == 1);
    /* buckets never decrease */
    double prev = 0;
    for (size_t i = 0; i < 12; i++) {
        assert_string_equal(p.s[i].name, "d_seconds_bucket");
        assert_true(p.s[i].value >= prev);
        prev = p.s[i].value;
    }
    free(t);
    metrics_free(m);
}

static void number_formats(void **state)
{
    (void)state;
    static const double vals[] = {
        0,    1,        -1,        123456789,          1e15, 1e20, 0.1, 1.0 / 3.0, 2.5e-7,
        -0.0, INFINITY, -INFINITY, 4503599627370497.0, 1e300};
    struct metrics *m = metrics_new();
    metrics_declare(m, "g", METRIC_GAUGE, "Values.", NULL, 0);
    char labels[32];
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        snprintf(labels, sizeof labels, "i=\"%zu\"", i);
        metrics_set(m, "g", labels, vals[i]);
    }
    metrics_set(m, "g", "i=\"nan\"", NAN);
    char *t = render(m);
    struct parsed p;
    parse_exposition(t, &p);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        snprintf(labels, sizeof labels, "i=\"%zu\"", i);
        assert_true(value_of(&p, "g", labels) == vals[i]); /* reads back exactly */
    }
    assert_true(isnan(value_of(&p, "g", "i=\"nan\"")));
    assert_non_null(strstr(t, "g{i=\"3\"} 123456789\n"));
    assert_non_null(strstr(t, "g{i=\"0\"} 0\n"));
    assert_non_null(strstr(t, "g{i=\"9\"} 0\n")); /* no "-0" */
    assert_non_null(strstr(t, "g{i=\"6\"} 0.1\n"));
    assert_non_null(strstr(t, "g{i=\"10\"} +Inf\n"));
    assert_non_null(strstr(t, "g{i=\"11\"} -Inf\n"));
    assert_non_null(strstr(t, "g{i=\"nan\"} NaN\n"));
    free(t);
    metrics_free(m);
}

static void labels_escaping(void **state)
{
    (void)state;
    char out[128];
    metrics_labels(out, sizeof out, "route", "/v1/x", "code", "a\"b\\c\nd", NULL);
    assert_string_equal(out, "route=\"/v1/x\",code=\"a\\\"b\\\\c\\nd\"");
    metrics_labels(out, sizeof out, NULL);
    assert_string_equal(out, "");
    metrics_labels(out, sizeof out, "k", NULL, NULL);
    assert_string_equal(out, "k=\"\"");

    struct metrics *m = metrics_new();
    metrics_declare(m, "c_total", METRIC_COUNTER, "C.", NULL, 0);
    metrics_labels(out, sizeof out, "v", "q\"uo\\te\nnl", NULL);
    metrics_inc(m, "c_total", out, 5);
    char *t = render(m);
    struct parsed p;
    parse_exposition(t, &p);
    assert_true(value_of(&p, "c_total", "v=\"q\\\"uo\\\\te\\nnl\"") == 5);
    free(t);
    metrics_free(m);
}

static void labels_truncation(void **state)
{
    (void)state;
    char out[20];
    /* the second pair does not fit: it is left out whole, the text stays well formed */
    metrics_labels(out, sizeof out, "a", "12345", "b", "678901234", NULL);
    assert_string_equal(out, "a=\"12345\"");
    char tiny[4];
    metrics_labels(tiny, sizeof tiny, "a", "12345", NULL);
    assert_string_equal(tiny, "");
    char exact[10]; /* a="12345" is 9 characters plus the NUL */
    metrics_labels(exact, sizeof exact, "a", "12345", NULL);
    assert_string_equal(exact, "a=\"12345\"");
}

static void declare_twice_and_kinds(void **state)
{
    (void)state;
    struct metrics *m = metrics_new();
    metrics_declare(m, "x_total", METRIC_COUNTER, "First.", NULL, 0);
    metrics_declare(m, "x_total", METRIC_GAUGE, "Second.", NULL, 0);
    metrics_declare(m, "g", METRIC_GAUGE, "G.", NULL, 0);
    metrics_inc(m, "x_total", "", 2);
    metrics_inc(m, "x_total", "", -1); /* a counter never goes down */
    metrics_inc(m, "g", "", 2);
    metrics_inc(m, "g", "", -5);
    metrics_inc(m, "g", "", 0.25);
    char *t = render(m);
    assert_non_null(strstr(t, "# HELP x_total First.\n# TYPE x_total counter\nx_total 2\n"));
    assert_null(strstr(t, "Second."));
    assert_non_null(strstr(t, "\ng -2.75\n"));
    struct parsed p;
    parse_exposition(t, &p);
    assert_int_equal(p.n_types, 2);
    free(t);
    metrics_free(m);
}

struct worker_arg {
    struct metrics *m;
    int id;
};

static void *worker(void *p)
{
    struct worker_arg *a = p;
    char labels[32];
    snprintf(labels, sizeof labels, "w=\"%d\"", a->id % 2);
    for (int i = 0; i < 10000; i++) {
        metrics_inc(a->m, "hits_total", labels, 1);
        metrics_observe(a->m, "h", "", 1);
    }
    return NULL;
}

static void concurrent_updates(void **state)
{
    (void)state;
    struct metrics *m = metrics_new();
    metrics_declare(m, "hits_total", METRIC_COUNTER, "Hits.", NULL, 0);
    metrics_declare(m, "h", METRIC_HISTOGRAM, "H.", NULL, 0);
    pthread_t th[4];
    struct worker_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct worker_arg){m, i};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    char *t = render(m);
    struct parsed p;
    parse_exposition(t, &p);
    assert_true(value_of(&p, "hits_total", "w=\"0\"") == 20000);
    assert_true(value_of(&p, "hits_total", "w=\"1\"") == 20000);
    assert_true(value_of(&p, "h_count", "") == 40000);
    assert_true(value_of(&p, "h_sum", "") == 40000);
    free(t);
    metrics_free(m);
}

/* Runs fn in a child process and checks that it aborted. */
static void expect_abort(void (*fn)(void))
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(STDERR_FILENO); /* keep the expected complaint out of the test output */
        fn();
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGABRT);
}

static void use_undeclared(void)
{
    struct metrics *m = metrics_new();
    metrics_inc(m, "nope_total", "", 1);
}

static void observe_on_counter(void)
{
    struct metrics *m = metrics_new();
    metrics_declare(m, "c_total", METRIC_COUNTER, "C.", NULL, 0);
    metrics_observe(m, "c_total", "", 1);
}

static void inc_on_histogram(void)
{
    struct metrics *m = metrics_new();
    metrics_declare(m, "h", METRIC_HISTOGRAM, "H.", NULL, 0);
    metrics_inc(m, "h", "", 1);
}

static void bad_name(void)
{
    struct metrics *m = metrics_new();
    metrics_declare(m, "1bad-name", METRIC_GAUGE, "B.", NULL, 0);
}

static void unsorted_buckets(void)
{
    static const double b[] = {1, 0.5};
    struct metrics *m = metrics_new();
    metrics_declare(m, "h", METRIC_HISTOGRAM, "H.", b, 2);
}

static void programming_errors_abort(void **state)
{
    (void)state;
    expect_abort(use_undeclared);
    expect_abort(observe_on_counter);
    expect_abort(inc_on_histogram);
    expect_abort(bad_name);
    expect_abort(unsorted_buckets);
}

static void checker_rejects_bad_text(void **state)
{
    (void)state;
    /* The checker itself must be able to fail. */
    static const char *const bad[] = {
        "# TYPE a counter\na{b=\"1\" 2\n",
        "# TYPE a counter\na{b=1} 2\n",
        "# TYPE a counter\na 1x\n",
        "# TYPE a counter\n9a 1\n",
        "# TYPE a counter\na{b=\"\\q\"} 1\n",
        "# TYPE a wrongtype\n",
        "a 1\n",
        "# TYPE a counter\na{1b=\"x\"} 1\n",
        "# TYPE a counter\na 1",
        "# TYPE a counter\n# TYPE a counter\n",
        "# TYPE a counter\na{b=\"x\"}1\n",
    };
    struct parsed *p = malloc(sizeof *p);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!check_exposition(bad[i], p))
            fail_msg("checker accepted case %zu", i);
    }
    assert_null(check_exposition("# HELP a x\n# TYPE a counter\na{b=\"1\",} 2 1700000000\n", p));
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_registry),
        cmocka_unit_test(exact_text),
        cmocka_unit_test(histogram_cumulative),
        cmocka_unit_test(number_formats),
        cmocka_unit_test(labels_escaping),
        cmocka_unit_test(labels_truncation),
        cmocka_unit_test(declare_twice_and_kinds),
        /* forks children that abort: run it before any thread has been created */
        cmocka_unit_test(programming_errors_abort),
        cmocka_unit_test(concurrent_updates),
        cmocka_unit_test(checker_rejects_bad_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
