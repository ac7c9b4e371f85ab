/* customer-svc HTTP: the route table, and what its handler files share (customer_http.c: OTP
 * login and JWKS; customer_http_account.c: profile and address book; customer_http_feed.c: the
 * outlet feed). */
#ifndef CUSTOMER_HTTP_H
#define CUSTOMER_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "common/http.h"
#include "common/jspec.h"
#include "common/uuid.h"
#include "customer_events.h"

extern const struct http_route customer_routes[];
extern const size_t customer_n_routes;

/* ---- Handlers (the route table's entries) ---- */

void customer_http_otp_request(struct http_request *req, struct http_response *res);
void customer_http_otp_verify(struct http_request *req, struct http_response *res);
void customer_http_jwks(struct http_request *req, struct http_response *res);
void customer_http_me_get(struct http_request *req, struct http_response *res);
void customer_http_me_patch(struct http_request *req, struct http_response *res);
void customer_http_addr_list(struct http_request *req, struct http_response *res);
void customer_http_addr_create(struct http_request *req, struct http_response *res);
void customer_http_addr_get(struct http_request *req, struct http_response *res);
void customer_http_addr_update(struct http_request *req, struct http_response *res);
void customer_http_addr_delete(struct http_request *req, struct http_response *res);
void customer_http_feed(struct http_request *req, struct http_response *res);

/* ---- Shared by the handler files ---- */

/* The service state (daemon.app) of the daemon serving req. */
struct customer_app *customer_http_app(struct http_request *req);
/* The request as an event's origin: its trace id and request id. */
struct customer_event_origin customer_http_origin(const struct http_request *req);
/* Copies the {id} path parameter into ret; one too long to be a UUID becomes "" (which matches
 * nothing, so the answer is 404). */
void customer_http_path_id(struct http_request *req, char ret[UUID_STR_LEN]);

#endif
