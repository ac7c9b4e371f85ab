/* W3C trace context: parsing and making traceparent headers. */
#ifndef COMMON_TRACE_H
#define COMMON_TRACE_H

#include <stdbool.h>

#define TRACE_ID_LEN    33 /* 32 hex and NUL */
#define SPAN_ID_LEN     17 /* 16 hex and NUL */
#define TRACEPARENT_LEN 56 /* "00-<32>-<16>-<2>" and NUL */

struct trace_ctx {
    char trace_id[TRACE_ID_LEN];
    char span_id[SPAN_ID_LEN]; /* parent span as received, or ours when made */
    unsigned flags;
};

/* Parses "00-<trace>-<span>-<flags>"; rejects all-zero ids, bad hex, wrong lengths, version ff.
 * Returns 0, or -1 and leaves ret untouched. */
int trace_parse(const char *header, struct trace_ctx *ret);
/* Starts a new trace with random ids. */
void trace_new(struct trace_ctx *ret);
/* A child context: same trace id, new span id. */
void trace_child(const struct trace_ctx *parent, struct trace_ctx *ret);
/* Formats as a traceparent header value. */
void trace_format(const struct trace_ctx *t, char ret[TRACEPARENT_LEN]);
/* True if s is 32 lowercase hex characters, not all zero. */
bool trace_id_valid(const char *s);

#endif
