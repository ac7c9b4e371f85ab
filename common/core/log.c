/* JSON-lines logger: each line is built in memory and written with one write(2). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/timefmt.h"
#include "common/xalloc.h"

static const char *log_svc = "orderflow";
static enum log_level log_min = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *svc, enum log_level level)
{
    log_svc = svc;
    log_min = level;
}

int log_level_parse(const char *s, enum log_level *ret_level)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (s && strcmp(s, level_names[i]) == 0) {
            *ret_level = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

bool log_enabled(enum log_level level)
{
    return level >= log_min;
}

/* Appends s as a JSON string body (without quotes), escaping what JSON requires. */
static void json_escape(struct buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            buf_puts(b, "\\\"");
            break;
        case '\\':
            buf_puts(b, "\\\\");
            break;
        case '\n':
            buf_puts(b, "\\n");
            break;
        case '\r':
            buf_puts(b, "\\r");
            break;
        case '\t':
            buf_puts(b, "\\t");
            break;
        default:
            if (*p < 0x20)
                buf_printf(b, "\\u%04x", *p);
            else
                buf_append(b, (const char *)p, 1);
        }
    }
}

static void field(struct buf *b, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    buf_printf(b, ",\"%s\":\"", name);
    json_escape(b, value);
    buf_puts(b, "\"");
}

void log_emit(enum log_level level, const struct log_fields *f, const char *fmt, ...)
{
    char ts[TIMESTAMP_LEN];
    timestamp_format(time_now_ms(), ts);

    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);

    struct buf b = {0};
    buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\"", ts, level_names[level]);
    field(&b, "svc", log_svc);
    buf_puts(&b, ",\"msg\":\"");
    json_escape(&b, msg);
    buf_puts(&b, "\"");
    if (f) {
        field(&b, "trace_id", f->trace_id);
        field(&b, "request_id", f->request_id);
        field(&b, "order_id", f->order_id);
        field(&b, "event_id", f->event_id);
        field(&b, "topic", f->topic);
    }
    buf_puts(&b, "}\n");

    const char *p = b.data;
    size_t left = b.len;
    while (left > 0) {
        ssize_t n = write(STDERR_FILENO, p, left);
        if (n <= 0)
            break; /* nowhere to report a failing stderr */
        p += n;
        left -= (size_t)n;
    }
    buf_free(&b);
    free(msg);
}
