/* order-svc HTTP: the route table and its handlers. POST /v1/orders and the cancel are for the
 * customer role; the reads for the customer (their own), the outlet's owner (GET one) and admin.
 * An order the caller may not see is 404, as is a path id that is not a UUID. */
#ifndef ORDER_HTTP_H
#define ORDER_HTTP_H

#include <stddef.h>

#include "common/http.h"

extern const struct http_route order_routes[];
extern const size_t order_n_routes;

#endif
