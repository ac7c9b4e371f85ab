/* notification-svc HTTP: the route table and its handlers. GET /v1/notifications (the caller's
 * own, newest first, cursor-paged), GET /v1/notifications/{id} and GET /v1/receipts/{order_id}
 * (HTML, or plain text with Accept: text/plain or ?format=text). Customers see only their own
 * (another's id is 404); an admin sees any. A path id that is not a UUID is 400. */
#ifndef NOTIFICATION_HTTP_H
#define NOTIFICATION_HTTP_H

#include <stddef.h>

#include "common/http.h"

extern const struct http_route notification_routes[];
extern const size_t notification_n_routes;

#endif
