/* notification-svc HTTP handlers (see notification_http.h): parse -> rules -> boundary_read
 * around notification_store -> reply (notification_json). */
#include "notification_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth.h"
#include "common/boundary.h"
#include "common/cursor.h"
#include "common/errors.h"
#include "common/xalloc.h"
#include "notification.h"
#include "notification_json.h"
#include "notification_rules.h"
#include "notification_store.h"

/* The customer the caller's reads are scoped to; NULL (any) for an admin. */
static const char *owner_of(const struct http_request *req)
{
    return req->principal.role == AUTH_ADMIN ? NULL : req->principal.sub;
}

/* The path parameter name, checked: NULL after a 400 naming it. */
static const char *path_id(struct http_request *req, struct http_response *res, const char *name)
{
    const char *id = route_param(&req->params, name);
    struct jspec_error err;
    if (notification_rules_path_id(id, name, &err) != 0) {
        http_reply_jspec(res, &err);
        return NULL;
    }
    return id;
}

/* ---- GET /v1/notifications ---- */

struct page_read {
    const char *owner;
    const struct notification_query *q;
    struct notification *list; /* out */
    size_t n;
};

static int page_tx(PGconn *c, void *ud, struct http_response *res)
{
    (void)res;
    struct page_read *r = ud;
    free(r->list);
    r->list = NULL;
    return notification_store_page(c, r->owner, r->q, &r->list, &r->n);
}

static json_t *page_body(const struct page_read *r, int limit)
{
    size_t n = r->n > (size_t)limit ? (size_t)limit : r->n;
    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++) {
        if (json_array_append_new(items, notification_json_notification(&r->list[i])) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    struct page_cursor last = {.ms = n ? r->list[n - 1].created_ms : 0};
    if (n)
        memcpy(last.id, r->list[n - 1].id, UUID_STR_LEN);
    return page_cursor_json("notifications", items, r->n > n ? &last : NULL);
}

static void list(struct http_request *req, struct http_response *res)
{
    struct notification_query q;
    struct jspec_error err;
    if (notification_rules_query(http_query(req, "limit"), http_query(req, "cursor"), &q, &err) !=
        0) {
        http_reply_jspec(res, &err);
        return;
    }
    /* an admin has no notifications of their own: the listing is always the caller's */
    struct page_read r = {.owner = req->principal.sub, .q = &q};
    if (boundary_read(req, res, "notification.list", page_tx, &r))
        http_reply_body(req, res, 200, page_body(&r, q.limit));
    free(r.list);
}

/* ---- GET /v1/notifications/{id} ---- */

struct one_read {
    const char *owner, *id;
    struct notification n; /* out */
};

static int one_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct one_read *r = ud;
    int rc = notification_store_get(c, r->id, r->owner, false, &r->n);
    if (rc == OF_ENOTFOUND) {
        http_reply_error(res, API_NOT_FOUND, "no such notification", NULL);
        return BOUNDARY_REPLIED;
    }
    return rc;
}

static void get_one(struct http_request *req, struct http_response *res)
{
    struct one_read r = {.owner = owner_of(req)};
    if (!(r.id = path_id(req, res, "id")))
        return;
    if (boundary_read(req, res, "notification.get", one_tx, &r))
        http_reply_body(req, res, 200, notification_json_notification(&r.n));
}

/* ---- GET /v1/receipts/{order_id} ---- */

struct receipt_read {
    const char *owner, *order_id;
    struct notification_order o; /* out, cleared by the handler */
};

static int receipt_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct receipt_read *r = ud;
    notification_order_clear(&r->o);
    int rc = notification_store_order_get(c, r->order_id, &r->o);
    if (rc == OF_OK && r->owner && strcmp(r->o.customer_id, r->owner) != 0)
        rc = OF_ENOTFOUND;
    if (rc == OF_ENOTFOUND) {
        http_reply_error(res, API_NOT_FOUND, "no such order", NULL);
        return BOUNDARY_REPLIED;
    }
    if (rc == OF_OK && r->o.delivered_ms == 0) {
        http_reply_error(res, API_CONFLICT, "the order is not delivered yet: no receipt", NULL);
        return BOUNDARY_REPLIED;
    }
    return rc;
}

/* Plain text when ?format=text or Accept names text/plain (and not text/html first). */
static bool wants_text(struct http_request *req)
{
    const char *f = http_query(req, "format"), *accept = http_header(req, "Accept");
    if (f)
        return strcmp(f, "text") == 0;
    if (!accept)
        return false;
    const char *t = strstr(accept, "text/plain"), *h = strstr(accept, "text/html");
    return t && (!h || t < h);
}

static void receipt(struct http_request *req, struct http_response *res)
{
    struct receipt_read r = {.owner = owner_of(req)};
    const char *f = http_query(req, "format");
    struct jspec_error err;
    if (f && strcmp(f, "text") != 0 && strcmp(f, "html") != 0) {
        jspec_fail(&err, API_INVALID_VALUE, "format", "must be text or html");
        http_reply_jspec(res, &err);
        return;
    }
    if (!(r.order_id = path_id(req, res, "order_id")))
        return;
    if (boundary_read(req, res, "receipt.get", receipt_tx, &r)) {
        bool text = wants_text(req);
        res->status = 200;
        res->raw = notification_json_receipt(&r.o, !text);
        res->raw_len = strlen(res->raw);
        res->content_type = text ? "text/plain; charset=utf-8" : "text/html; charset=utf-8";
    }
    notification_order_clear(&r.o);
}

#define READERS (AUTH_CUSTOMER | AUTH_ADMIN)

const struct http_route notification_routes[] = {
    {{"GET", "/v1/notifications"}, list, AUTH_CUSTOMER},
    {{"GET", "/v1/notifications/{id}"}, get_one, READERS},
    {{"GET", "/v1/receipts/{order_id}"}, receipt, READERS},
};
const size_t notification_n_routes = sizeof notification_routes / sizeof notification_routes[0];
