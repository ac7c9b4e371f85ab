/* notification-svc message templates: one plain-text template per customer-visible event kind,
 * with named placeholders ({order_short}, {outlet}, {total}, {reason}, {eta_min}, {prep_min}),
 * and the pure function that renders one. No I/O. */
#ifndef NOTIFICATION_TEMPLATES_H
#define NOTIFICATION_TEMPLATES_H

#include <stddef.h>

/* The longest rendered message, NUL included. */
#define NOTIFICATION_BODY_SIZE 512

/* The values a template may name; NULL (or "") is a missing value. */
struct notification_vars {
    const char *order_short; /* the order id's first 8 characters */
    const char *outlet;      /* the outlet's name */
    const char *total;       /* an amount with its currency, "12.50 INR" */
    const char *reason;      /* a reason in words */
    const char *eta_min;     /* minutes, as digits */
    const char *prep_min;    /* minutes, as digits */
};

/* The template of kind ("order.placed", "delivery.agent.assigned"...), or NULL for a kind that
 * has none (the event is then not customer-visible). The string is static. */
const char *notification_templates_find(const char *kind);

/* How rendering went. */
enum notification_render {
    NOTIFICATION_RENDERED = 0,             /* ret holds the message */
    NOTIFICATION_UNKNOWN_PLACEHOLDER = -1, /* {name} not among struct notification_vars' names,
                                              or a '{' without its '}': a template bug */
    NOTIFICATION_MISSING_VALUE = -2,       /* a known placeholder whose value is NULL or "" */
    NOTIFICATION_TOO_LONG = -3,            /* the message does not fit in len bytes */
};

/* Renders tmpl with vars into ret (len bytes): every {name} replaced by its value, "{{" written
 * as "{" and "}}" as "}". On failure ret holds "" (when len > 0) and, for the first two errors,
 * ret_name (may be NULL; at least 32 bytes) the placeholder's name, cut to fit. Pure. */
enum notification_render notification_templates_render(const char *tmpl,
                                                       const struct notification_vars *vars,
                                                       char *ret, size_t len, char *ret_name);

/* A reason code ("PAYMENT_FAILED", "CARD_DECLINED") in words ("the payment failed"); an unknown
 * code gives "unknown reason". Static string. */
const char *notification_templates_reason(const char *code);

/* Writes minor units of currency as "<major>.<minor> <currency>" (two decimals; JPY-like
 * zero-decimal currencies are not special-cased) into ret (len bytes). Negative amounts get a
 * leading '-'. */
void notification_templates_amount(long long minor, const char *currency, char *ret, size_t len);

#endif
