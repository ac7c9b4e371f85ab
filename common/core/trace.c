/* W3C Trace Context (traceparent) parsing, formatting and id generation. */
#include <stdio.h>
#include <string.h>

#include "common/trace.h"
#include "common/uuid.h"

/* True if s[0..n) is lowercase hex. */
static bool is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

static bool all_zero(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '0')
            return false;
    }
    return true;
}

static unsigned hex_val(char c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

bool trace_id_valid(const char *s)
{
    if (!s || strlen(s) != TRACE_ID_LEN - 1)
        return false;
    return is_lower_hex(s, TRACE_ID_LEN - 1) && !all_zero(s, TRACE_ID_LEN - 1);
}

/* Layout of version 00: "vv-" (3) + trace (32) + "-" + span (16) + "-" + flags (2) = 55. A later
 * version may append "-<more>" after these fields, which we ignore as the spec asks. */
int trace_parse(const char *header, struct trace_ctx *ret)
{
    const size_t base = TRACEPARENT_LEN - 1;
    if (!header)
        return -1;
    size_t len = strlen(header);
    if (len < base || !is_lower_hex(header, 2) || header[2] != '-' || header[35] != '-' ||
        header[52] != '-')
        return -1;
    if (memcmp(header, "ff", 2) == 0)
        return -1;
    bool v00 = memcmp(header, "00", 2) == 0;
    if ((v00 && len != base) || (!v00 && len > base && header[base] != '-'))
        return -1;
    const char *tid = header + 3, *sid = header + 36, *fl = header + 53;
    if (!is_lower_hex(tid, 32) || all_zero(tid, 32) || !is_lower_hex(sid, 16) ||
        all_zero(sid, 16) || !is_lower_hex(fl, 2))
        return -1;
    memcpy(ret->trace_id, tid, 32);
    ret->trace_id[32] = '\0';
    memcpy(ret->span_id, sid, 16);
    ret->span_id[16] = '\0';
    ret->flags = hex_val(fl[0]) << 4 | hex_val(fl[1]);
    return 0;
}

/* A random span id that is not all zero. */
static void new_span(char span[SPAN_ID_LEN])
{
    do {
        random_hex(span, (SPAN_ID_LEN - 1) / 2);
    } while (all_zero(span, SPAN_ID_LEN - 1));
}

void trace_new(struct trace_ctx *ret)
{
    do {
        random_hex(ret->trace_id, (TRACE_ID_LEN - 1) / 2);
    } while (all_zero(ret->trace_id, TRACE_ID_LEN - 1));
    new_span(ret->span_id);
    ret->flags = 0x01; /* sampled */
}

void trace_child(const struct trace_ctx *parent, struct trace_ctx *ret)
{
    struct trace_ctx t;
    memcpy(t.trace_id, parent->trace_id, TRACE_ID_LEN);
    new_span(t.span_id);
    t.flags = parent->flags;
    *ret = t;
}

void trace_format(const struct trace_ctx *t, char ret[TRACEPARENT_LEN])
{
    snprintf(ret, TRACEPARENT_LEN, "00-%.32s-%.16s-%02x", t->trace_id, t->span_id,
             t->flags & 0xffu);
}
