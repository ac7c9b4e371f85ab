/* notification-svc serialisers and the receipt (see notification_json.h). */
#include "notification_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timefmt.h"
#include "common/xalloc.h"

void notification_order_clear(struct notification_order *o)
{
    json_decref(o->lines);
    o->lines = NULL;
}

/* A JSON time for ms, or null for 0. */
static json_t *time_or_null(int64_t ms)
{
    char ts[TIMESTAMP_LEN];
    if (ms <= 0)
        return json_null();
    timestamp_format(ms, ts);
    return json_string(ts);
}

json_t *notification_json_notification(const struct notification *n)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:o}", "id", n->id, "order_id",
                     n->order_id, "event_type", n->event_type, "event_id", n->event_id, "channel",
                     n->channel, "body", n->body, "status", n->status, "attempts", n->attempts,
                     "created_at", time_or_null(n->created_ms), "sent_at",
                     time_or_null(n->sent_ms));
}

json_t *notification_json_message(const struct notification *n)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "notification_id", n->id, "order_id", n->order_id,
                     "event_type", n->event_type, "body", n->body, "created_at",
                     time_or_null(n->created_ms));
}

json_t *notification_json_sent(const struct notification *n)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "notification_id", n->id, "order_id",
                     n->order_id, "customer_id", n->customer_id, "event_type", n->event_type,
                     "channel", n->channel, "sent_at", time_or_null(n->sent_ms));
}

/* ---- Receipts ---- */

struct sbuf {
    char *s;
    size_t len, cap;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* s escaped when html, else as it is. */
static void sb_val(struct sbuf *b, const char *s, bool html)
{
    for (; html && *s; s++) {
        switch (*s) {
        case '&':
            sb_str(b, "&amp;");
            break;
        case '<':
            sb_str(b, "&lt;");
            break;
        case '>':
            sb_str(b, "&gt;");
            break;
        case '"':
            sb_str(b, "&quot;");
            break;
        case '\'':
            sb_str(b, "&#39;");
            break;
        default:
            sb_put(b, s, 1);
        }
    }
    if (!html)
        sb_str(b, s);
}

char *notification_json_html_escape(const char *s)
{
    struct sbuf b = {0};
    sb_put(&b, "", 0);
    sb_val(&b, s, true);
    return b.s;
}

/* One labelled row: "<tr><th>label</th><td>value</td></tr>" or "label: value". */
static void row(struct sbuf *b, const char *label, const char *value, bool html)
{
    sb_str(b, html ? "<tr><th>" : "");
    sb_val(b, label, html); /* a line's label holds the item's name */
    sb_str(b, html ? "</th><td>" : ": ");
    sb_val(b, value, html);
    sb_str(b, html ? "</td></tr>\n" : "\n");
}

static void amount(char *ret, size_t len, long long minor, const char *currency)
{
    notification_templates_amount(minor, currency, ret, len);
}

static void lines(struct sbuf *b, const struct notification_order *o, bool html)
{
    size_t i;
    json_t *l;
    char buf[600], money[48];
    json_array_foreach(o->lines, i, l)
    {
        const char *name = json_string_value(json_object_get(l, "name"));
        long long qty = json_integer_value(json_object_get(l, "qty"));
        amount(money, sizeof money, json_integer_value(json_object_get(l, "line_total_minor")),
               o->currency);
        snprintf(buf, sizeof buf, "%lld x %.400s", qty, name ? name : "item");
        row(b, buf, money, html);
    }
}

char *notification_json_receipt(const struct notification_order *o, bool html)
{
    struct sbuf b = {0};
    char ts[TIMESTAMP_LEN], money[48];
    sb_str(&b, html ? "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Receipt</title>"
                      "</head><body>\n<h1>Receipt</h1>\n<table>\n"
                    : "RECEIPT\n");
    row(&b, "Order", o->order_id, html);
    if (o->outlet_name[0])
        row(&b, "Outlet", o->outlet_name, html);
    if (o->placed_ms > 0) {
        timestamp_format(o->placed_ms, ts);
        row(&b, "Placed at", ts, html);
    }
    timestamp_format(o->delivered_ms, ts);
    row(&b, "Delivered at", ts, html);
    lines(&b, o, html);
    amount(money, sizeof money, o->total_minor, o->currency);
    row(&b, "Total", money, html);
    if (o->refunded_minor > 0) {
        amount(money, sizeof money, o->refunded_minor, o->currency);
        row(&b, "Refunded", money, html);
        amount(money, sizeof money, o->total_minor - o->refunded_minor, o->currency);
        row(&b, "Paid", money, html);
    }
    sb_str(&b, html ? "</table>\n</body></html>\n" : "");
    return b.s;
}
