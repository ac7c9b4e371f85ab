/* business-svc HTTP: the route table, the helpers the handler files share, and the handlers of
 * businesses (outlets are in business_http_outlet.c, the queue in business_http_queue.c). Each
 * handler is parse -> rules (business_rules) -> boundary_run or boundary_read (common/boundary.h:
 * a pooled connection, the transaction, the error mapping and its one log line) around a body
 * that calls business_store and business_events -> reply (business_json). */
#include "business_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "business_json.h"
#include "business_rules.h"
#include "business_store.h"
#include "common/auth.h"
#include "common/boundary.h"
#include "common/daemon.h"
#include "common/errors.h"

/* ---- Helpers shared by the handler files (business_http.h) ---- */

struct business_app *business_http_app(struct http_request *req)
{
    return ((struct daemon *)req->app)->app;
}

const char *business_http_owner(const struct http_request *req)
{
    return req->principal.role == AUTH_ADMIN ? NULL : req->principal.sub;
}

struct business_event_origin business_http_origin(const struct http_request *req)
{
    return (struct business_event_origin){req->trace.trace_id, req->request_id};
}

void business_http_path_id(struct http_request *req, const char *name, char ret[UUID_STR_LEN])
{
    const char *id = route_param(&req->params, name);
    snprintf(ret, UUID_STR_LEN, "%s", id && strlen(id) < UUID_STR_LEN ? id : "");
}

/* ---- POST /v1/businesses ---- */

static int business_create_tx(PGconn *c, void *ud, struct http_response *res)
{
    (void)res;
    return business_store_business_insert(c, ud);
}

void business_http_business_create(struct http_request *req, struct http_response *res)
{
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct business_input in;
    struct jspec_error err;
    struct business b = {0};
    if (business_rules_business(body, &in, &err) != 0) {
        http_reply_jspec(res, &err);
        goto out;
    }
    snprintf(b.owner_id, sizeof b.owner_id, "%.36s", req->principal.sub);
    memcpy(b.name, in.name, sizeof b.name);
    if (!boundary_run(req, res, "business.create", business_create_tx, &b))
        goto out;
    char location[32 + UUID_STR_LEN];
    snprintf(location, sizeof location, "/v1/businesses/%s", b.id);
    http_add_header(res, "Location", location);
    http_reply_body(req, res, 201, business_json_business(&b));
out:
    json_decref(body);
}

/* ---- GET /v1/businesses/{id} ---- */

struct business_read {
    const char *owner;
    char id[UUID_STR_LEN];
    struct business b;               /* out */
    struct business_outlet *outlets; /* out, freed by the handler */
    size_t n;
};

static int business_get_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct business_read *r = ud;
    int rc = business_store_business_get(c, r->id, r->owner, &r->b);
    if (rc == OF_ENOTFOUND) {
        http_reply_error(res, API_NOT_FOUND, "no such business", NULL);
        return BOUNDARY_REPLIED;
    }
    if (rc != OF_OK)
        return rc;
    free(r->outlets);
    r->outlets = NULL;
    return business_store_outlet_list(c, r->id, &r->outlets, &r->n);
}

/* The business with its outlets as {..., outlets: [...]}; NULL when one cannot be serialised. */
static json_t *business_with_outlets(const struct business_read *r)
{
    json_t *body = business_json_business(&r->b), *items = json_array();
    for (size_t i = 0; items && i < r->n; i++) {
        if (json_array_append_new(items, business_json_outlet(&r->outlets[i])) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    if (!body || !items || json_object_set_new(body, "outlets", items) != 0) {
        json_decref(body);
        return NULL;
    }
    return body;
}

void business_http_business_get(struct http_request *req, struct http_response *res)
{
    struct business_read r = {.owner = business_http_owner(req)};
    business_http_path_id(req, "id", r.id);
    if (boundary_read(req, res, "business.get", business_get_tx, &r))
        http_reply_body(req, res, 200, business_with_outlets(&r));
    free(r.outlets);
}

#define READERS (AUTH_BUSINESS | AUTH_ADMIN)

const struct http_route business_routes[] = {
    {{"POST", "/v1/businesses"}, business_http_business_create, AUTH_BUSINESS},
    {{"GET", "/v1/businesses/{id}"}, business_http_business_get, READERS},
    {{"POST", "/v1/businesses/{id}/outlets"}, business_http_outlet_create, AUTH_BUSINESS},
    {{"GET", "/v1/outlets/{id}"}, business_http_outlet_get, READERS},
    {{"PATCH", "/v1/outlets/{id}"}, business_http_outlet_patch, AUTH_BUSINESS},
    {{"GET", "/v1/outlets/{id}/orders"}, business_http_queue_list, AUTH_BUSINESS},
    {{"POST", "/v1/outlets/{id}/orders/{order_id}/approve"}, business_http_approve, AUTH_BUSINESS},
    {{"POST", "/v1/outlets/{id}/orders/{order_id}/reject"}, business_http_reject, AUTH_BUSINESS},
};
const size_t business_n_routes = sizeof business_routes / sizeof business_routes[0];
