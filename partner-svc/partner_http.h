/* partner-svc HTTP: the route table. Each handler is parse -> rules -> boundary_run or
 * boundary_read around a body of store and events calls -> reply (partner_json). */
#ifndef PARTNER_HTTP_H
#define PARTNER_HTTP_H

#include <stddef.h>

#include "common/http.h"

extern const struct http_route partner_routes[];
extern const size_t partner_n_routes;

#endif
