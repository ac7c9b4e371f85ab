/* business-svc HTTP: the route table, and what its handler files share (business_http.c:
 * businesses; business_http_outlet.c: outlets; business_http_queue.c: an outlet's order queue
 * and the decisions). Every route is for the business role, the reads also for admin; a
 * business or outlet of another owner is 404, as is a path id that is not a UUID. */
#ifndef BUSINESS_HTTP_H
#define BUSINESS_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "business_events.h"
#include "common/http.h"
#include "common/jspec.h"
#include "common/uuid.h"

extern const struct http_route business_routes[];
extern const size_t business_n_routes;

/* ---- Handlers (the route table's entries) ---- */

void business_http_business_create(struct http_request *req, struct http_response *res);
void business_http_business_get(struct http_request *req, struct http_response *res);
void business_http_outlet_create(struct http_request *req, struct http_response *res);
void business_http_outlet_get(struct http_request *req, struct http_response *res);
void business_http_outlet_patch(struct http_request *req, struct http_response *res);
void business_http_queue_list(struct http_request *req, struct http_response *res);
void business_http_approve(struct http_request *req, struct http_response *res);
void business_http_reject(struct http_request *req, struct http_response *res);

/* ---- Shared by the handler files ---- */

/* The service state (daemon.app) of the daemon serving req. */
struct business_app *business_http_app(struct http_request *req);
/* The owner the caller's lookups are scoped to: its own account id, or NULL (any owner) for an
 * admin. */
const char *business_http_owner(const struct http_request *req);
/* The request as an event's origin: its trace id and request id. */
struct business_event_origin business_http_origin(const struct http_request *req);
/* Copies the path parameter name into ret; one too long to be a UUID becomes "" (which matches
 * nothing, so the answer is 404). */
void business_http_path_id(struct http_request *req, const char *name, char ret[UUID_STR_LEN]);

#endif
