/* payment-svc HTTP: parse -> rules -> boundary_read around payment_store -> reply (see
 * payment_http.h). */
#include "payment_http.h"

#include <stdio.h>
#include <string.h>

#include "common/auth.h"
#include "common/boundary.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/route.h"
#include "payment_json.h"
#include "payment_rules.h"
#include "payment_store.h"

struct payment_read {
    const struct auth_principal *who;
    char id[UUID_STR_LEN];       /* GET /v1/payments/{id} */
    char order_id[UUID_STR_LEN]; /* GET /v1/payments?order_id= */
    struct payment p;            /* out */
    bool found;                  /* out: found and visible to who */
};

/* ---- GET /v1/payments/{id} ---- */

static int get_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct payment_read *r = ud;
    int rc = payment_store_get(c, r->id, &r->p);
    if (rc == OF_OK && !payment_rules_visible(r->who, &r->p))
        rc = OF_ENOTFOUND;
    if (rc == OF_ENOTFOUND) {
        http_reply_error(res, API_NOT_FOUND, "no such payment", NULL);
        return BOUNDARY_REPLIED;
    }
    return rc;
}

static void payment_get(struct http_request *req, struct http_response *res)
{
    struct payment_read r = {.who = &req->principal};
    const char *id = route_param(&req->params, "id");
    snprintf(r.id, sizeof r.id, "%s", id && strlen(id) < UUID_STR_LEN ? id : "");
    if (boundary_read(req, res, "payment.get", get_tx, &r))
        http_reply_body(req, res, 200, payment_json_payment(&r.p));
}

/* ---- GET /v1/payments?order_id= ---- */

static int list_tx(PGconn *c, void *ud, struct http_response *res)
{
    (void)res;
    struct payment_read *r = ud;
    int rc = payment_store_get_by_order(c, r->order_id, false, &r->p);
    if (rc == OF_ENOTFOUND)
        return OF_OK;
    r->found = rc == OF_OK && payment_rules_visible(r->who, &r->p);
    return rc;
}

static void payment_list(struct http_request *req, struct http_response *res)
{
    struct payment_read r = {.who = &req->principal};
    struct jspec_error err;
    if (payment_rules_list_query(http_query(req, "order_id"), r.order_id, &err) != OF_OK) {
        http_reply_error(res, err.code, err.message, err.field);
        return;
    }
    if (!boundary_read(req, res, "payment.list", list_tx, &r))
        return;
    json_t *items = json_array();
    if (items && r.found && json_array_append_new(items, payment_json_payment(&r.p)) != 0) {
        json_decref(items);
        items = NULL;
    }
    http_reply_body(req, res, 200, items ? json_pack("{s:o}", "payments", items) : NULL);
}

const struct http_route payment_routes[] = {
    {{"GET", "/v1/payments/{id}"}, payment_get, AUTH_ROLES_ALL},
    {{"GET", "/v1/payments"}, payment_list, AUTH_ROLES_ALL},
};
const size_t payment_n_routes = sizeof payment_routes / sizeof payment_routes[0];
