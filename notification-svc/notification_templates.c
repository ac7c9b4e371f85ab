/* notification-svc message templates and their renderer (see notification_templates.h). */
#include "notification_templates.h"

#include <stdio.h>
#include <string.h>

/* The one template table: kind -> plain text. A kind not here is never notified. */
static const struct {
    const char *kind;
    const char *text;
} templates[] = {
    {"order.placed", "Order {order_short} is placed: {total}. We will tell you when the outlet "
                     "accepts it."},
    {"order.approved",
     "{outlet} accepted order {order_short}; it will be ready in about {prep_min} min."},
    {"order.rejected", "Order {order_short} was not accepted: {reason}."},
    {"order.cancelled", "Order {order_short} was cancelled: {reason}."},
    {"delivery.agent.assigned",
     "A delivery partner is on the way for order {order_short}, arriving in about {eta_min} min."},
    {"delivery.picked_up", "Order {order_short} was picked up and is on its way."},
    {"order.delivered", "Order {order_short} was delivered. Enjoy your meal!"},
    {"payment.failed", "The payment for order {order_short} failed: {reason}."},
    {"payment.refunded", "{total} was refunded for order {order_short}."},
};

static const struct {
    const char *code;
    const char *words;
} reasons[] = {
    {"PAYMENT_FAILED", "the payment failed"},
    {"RESERVATION_EXPIRED", "it was not paid in time"},
    {"REJECTED_BY_BUSINESS", "the outlet declined it"},
    {"APPROVAL_TIMEOUT", "the outlet did not answer in time"},
    {"ASSIGNMENT_FAILED", "no delivery partner was available"},
    {"CUSTOMER_CANCELLED", "you cancelled it"},
    {"CARD_DECLINED", "the card was declined"},
    {"INSUFFICIENT_FUNDS", "insufficient funds"},
    {"ORDER_CANCELLED", "the order was cancelled"},
    {"PROVIDER_ERROR", "the payment provider had an error"},
    {"NO_PARTNER_AVAILABLE", "no delivery partner was available"},
};

const char *notification_templates_find(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof templates / sizeof templates[0]; i++)
        if (strcmp(templates[i].kind, kind) == 0)
            return templates[i].text;
    return NULL;
}

const char *notification_templates_reason(const char *code)
{
    for (size_t i = 0; code && i < sizeof reasons / sizeof reasons[0]; i++)
        if (strcmp(reasons[i].code, code) == 0)
            return reasons[i].words;
    return "unknown reason";
}

void notification_templates_amount(long long minor, const char *currency, char *ret, size_t len)
{
    unsigned long long a = minor < 0 ? 0ULL - (unsigned long long)minor : (unsigned long long)minor;
    snprintf(ret, len, "%s%llu.%02llu %s", minor < 0 ? "-" : "", a / 100, a % 100,
             currency ? currency : "");
}

/* The value of placeholder name (n bytes); *ret_known says whether the name is one. */
static const char *lookup(const struct notification_vars *v, const char *name, size_t n,
                          int *ret_known)
{
    static const struct {
        const char *name;
        size_t offset;
    } names[] = {
        {"order_short", offsetof(struct notification_vars, order_short)},
        {"outlet", offsetof(struct notification_vars, outlet)},
        {"total", offsetof(struct notification_vars, total)},
        {"reason", offsetof(struct notification_vars, reason)},
        {"eta_min", offsetof(struct notification_vars, eta_min)},
        {"prep_min", offsetof(struct notification_vars, prep_min)},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i].name) == n && memcmp(names[i].name, name, n) == 0) {
            *ret_known = 1;
            return *(const char *const *)((const char *)v + names[i].offset);
        }
    }
    *ret_known = 0;
    return NULL;
}

/* Appends n bytes of s at *pos; false when they do not fit (with the NUL). */
static int put(char *ret, size_t len, size_t *pos, const char *s, size_t n)
{
    if (*pos + n >= len)
        return 0;
    memcpy(ret + *pos, s, n);
    *pos += n;
    return 1;
}

static enum notification_render failed(enum notification_render r, char *ret, size_t len,
                                       char *ret_name, const char *name, size_t n)
{
    if (len > 0)
        ret[0] = '\0';
    if (ret_name && r != NOTIFICATION_TOO_LONG)
        snprintf(ret_name, 32, "%.*s", (int)(n > 31 ? 31 : n), name);
    return r;
}

enum notification_render notification_templates_render(const char *tmpl,
                                                       const struct notification_vars *vars,
                                                       char *ret, size_t len, char *ret_name)
{
    size_t pos = 0;
    for (const char *p = tmpl; *p;) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            if (!put(ret, len, &pos, p, 1))
                return failed(NOTIFICATION_TOO_LONG, ret, len, ret_name, "", 0);
            p += 2;
            continue;
        }
        if (*p != '{') {
            if (!put(ret, len, &pos, p, 1))
                return failed(NOTIFICATION_TOO_LONG, ret, len, ret_name, "", 0);
            p++;
            continue;
        }
        const char *end = strchr(p + 1, '}');
        size_t n = end ? (size_t)(end - p - 1) : strlen(p + 1);
        int known;
        const char *value = end ? lookup(vars, p + 1, n, &known) : NULL;
        if (!end || !known)
            return failed(NOTIFICATION_UNKNOWN_PLACEHOLDER, ret, len, ret_name, p + 1, n);
        if (!value || !*value)
            return failed(NOTIFICATION_MISSING_VALUE, ret, len, ret_name, p + 1, n);
        if (!put(ret, len, &pos, value, strlen(value)))
            return failed(NOTIFICATION_TOO_LONG, ret, len, ret_name, "", 0);
        p = end + 1;
    }
    if (len == 0)
        return NOTIFICATION_TOO_LONG;
    ret[pos] = '\0';
    return NOTIFICATION_RENDERED;
}
