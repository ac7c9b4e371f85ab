/* payment-svc HTTP: the route table (GET /v1/payments/{id}, GET /v1/payments?order_id=). A
 * customer sees only the payments whose customer_id is their token's sub, an admin every one;
 * anyone else, and an id that is not a UUID, gets 404. */
#ifndef PAYMENT_HTTP_H
#define PAYMENT_HTTP_H

#include <stddef.h>

#include "common/http.h"

extern const struct http_route payment_routes[];
extern const size_t payment_n_routes;

#endif
