/* customer-svc HTTP: the route table (OTP login, JWKS, profile, address book, outlet feed). */
#ifndef CUSTOMER_HTTP_H
#define CUSTOMER_HTTP_H

#include <stddef.h>

#include "common/http.h"

extern const struct http_route customer_routes[];
extern const size_t customer_n_routes;

#endif
