/* A small thread-safe metrics registry and its Prometheus text exposition (format 0.0.4). */
#ifndef COMMON_METRICS_H
#define COMMON_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/xalloc.h"

struct metrics;

enum metric_kind { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

/* Creates an empty registry; metrics_free releases it. */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* Declares a family before use (name, kind, help); declaring the same name twice is a no-op.
 * For histograms, buckets are ascending upper bounds (+Inf is implicit); NULL picks the default
 * latency buckets (5 ms .. 10 s). */
void metrics_declare(struct metrics *m, const char *name, enum metric_kind kind, const char *help,
                     const double *buckets, size_t n_buckets);

/* Label sets are written as Prometheus label text without braces, e.g.
 * "route=\"/v1/x\",code=\"200\"" or "" for none; metrics_labels() builds such text with escaping.
 * Series are created on first use. Using an undeclared family aborts (a programming error). */
void metrics_inc(struct metrics *m, const char *name, const char *labels, double by);
void metrics_set(struct metrics *m, const char *name, const char *labels, double value);
void metrics_observe(struct metrics *m, const char *name, const char *labels, double value);

/* Builds label text from NULL-terminated name/value pairs, escaping \\, " and newlines in values:
 * metrics_labels(out, sizeof out, "topic", t, "code", c, NULL). Truncates safely. */
void metrics_labels(char *out, size_t len, ...);

/* Appends the whole registry in text exposition format: families in declaration order, each with
 * # HELP and # TYPE, histograms as _bucket{le=...}, _sum and _count. */
void metrics_render(struct metrics *m, struct buf *out);

#endif
