/* notification-svc serialisers: a notification for the API, the message a channel delivers, the
 * notification.sent.v1 data, and the receipt as HTML (every value escaped) or plain text. Pure. */
#ifndef NOTIFICATION_JSON_H
#define NOTIFICATION_JSON_H

#include <stdbool.h>

#include <jansson.h>

#include "notification.h"

/* A notification as GET /v1/notifications/{id} returns it; NULL if it cannot be built. New
 * reference. */
json_t *notification_json_notification(const struct notification *n);
/* The message a channel delivers: {notification_id, order_id, event_type, body, created_at}
 * (no customer data beyond the ids). New reference or NULL. */
json_t *notification_json_message(const struct notification *n);
/* notification.sent.v1 data: {notification_id, order_id, customer_id, event_type, channel,
 * sent_at}. New reference or NULL. */
json_t *notification_json_sent(const struct notification *n);

/* The receipt of a delivered order o: HTML (html true) or plain text, every value from the read
 * model HTML-escaped in the HTML form. Returns a malloc'd NUL-terminated string the caller owns. */
char *notification_json_receipt(const struct notification_order *o, bool html);

/* Appends s HTML-escaped (& < > " ' become entities) to a malloc'd buffer; exported for tests:
 * returns a new malloc'd string. */
char *notification_json_html_escape(const char *s);

#endif
