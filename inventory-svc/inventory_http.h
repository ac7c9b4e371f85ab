/* inventory-svc HTTP: the route table, and what its handler files share (inventory_http.c: the
 * catalog writes of an outlet's owner; inventory_http_read.c: the public reads). */
#ifndef INVENTORY_HTTP_H
#define INVENTORY_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "common/http.h"
#include "common/jspec.h"
#include "common/uuid.h"

extern const struct http_route inventory_routes[];
extern const size_t inventory_n_routes;

/* ---- Handlers (the route table's entries) ---- */

void inventory_http_item_create(struct http_request *req, struct http_response *res);
void inventory_http_item_patch(struct http_request *req, struct http_response *res);
void inventory_http_item_adjust(struct http_request *req, struct http_response *res);
void inventory_http_item_list(struct http_request *req, struct http_response *res);
void inventory_http_availability(struct http_request *req, struct http_response *res);
void inventory_http_availability_batch(struct http_request *req, struct http_response *res);

/* ---- Shared by the handler files ---- */

/* Copies the {id} path parameter into ret; one too long to be a UUID becomes "" (which matches
 * nothing, so the answer is 404). */
void inventory_http_path_id(struct http_request *req, char ret[UUID_STR_LEN]);

#endif
