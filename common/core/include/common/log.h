/* JSON-lines logging to stderr: one object per line with ts, level, svc, msg and known ids. */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Correlation fields a log line carries where known; any member may be NULL. */
struct log_fields {
    const char *trace_id;
    const char *request_id;
    const char *order_id;
    const char *event_id;
    const char *topic;
};

/* Sets the service name and the lowest level written. Call once before any thread starts. */
void log_init(const char *svc, enum log_level level);
/* Parses "debug", "info", "warn" or "error"; returns 0, or -1 for anything else. */
int log_level_parse(const char *s, enum log_level *ret_level);
bool log_enabled(enum log_level level);
/* Writes one line with a single write(2), so lines from threads never interleave.
 * fields may be NULL. Callers use the macros below, which do nothing when the level is off. */
void log_emit(enum log_level level, const struct log_fields *fields, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_AT(lvl, f, ...)                                                                        \
    do {                                                                                           \
        if (log_enabled(lvl))                                                                      \
            log_emit(lvl, f, __VA_ARGS__);                                                         \
    } while (0)
#define log_debug(f, ...) LOG_AT(LOG_DEBUG, f, __VA_ARGS__)
#define log_info(f, ...)  LOG_AT(LOG_INFO, f, __VA_ARGS__)
#define log_warn(f, ...)  LOG_AT(LOG_WARN, f, __VA_ARGS__)
#define log_error(f, ...) LOG_AT(LOG_ERROR, f, __VA_ARGS__)

#endif
