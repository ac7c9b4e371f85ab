/* partner-svc HTTP handlers and the route table (see partner_http.h). A partner sees only its
 * own profile and the deliveries offered or assigned to it: any other delivery id is 404. */
#include "partner_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth.h"
#include "common/boundary.h"
#include "common/daemon.h"
#include "common/errors.h"
#include "common/log.h"
#include "partner_app.h"
#include "partner_events.h"
#include "partner_json.h"
#include "partner_rules.h"
#include "partner_state.h"
#include "partner_store.h"

static struct partner_app *app_of(struct http_request *req)
{
    return ((struct daemon *)req->app)->app;
}

static void path_id(struct http_request *req, char ret[UUID_STR_LEN])
{
    const char *id = route_param(&req->params, "id");
    snprintf(ret, UUID_STR_LEN, "%s", id && strlen(id) < UUID_STR_LEN ? id : "");
}

static int no_profile(struct http_response *res)
{
    http_reply_error(res, API_PARTNER_NOT_FOUND, NULL, NULL);
    return BOUNDARY_REPLIED;
}

static int no_delivery(struct http_response *res)
{
    http_reply_error(res, API_NOT_FOUND, "no such delivery", NULL);
    return BOUNDARY_REPLIED;
}

/* ---- POST /v1/partners ---- */

struct register_tx {
    const char *account_id;
    struct partner_register_input in;
    struct partner p; /* out */
};

static int register_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct register_tx *t = ud;
    int rc = partner_store_partner_insert(c, t->account_id, &t->in, &t->p);
    if (rc == OF_ECONFLICT) {
        http_reply_error(res, API_PARTNER_EXISTS, NULL, NULL);
        return BOUNDARY_REPLIED;
    }
    return rc;
}

static void partner_register(struct http_request *req, struct http_response *res)
{
    json_t *body;
    struct jspec_error err;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct register_tx t = {.account_id = req->principal.sub};
    if (partner_rules_register(body, &t.in, &err) != 0) {
        http_reply_jspec(res, &err);
    } else if (boundary_run(req, res, "partner.register", register_tx, &t)) {
        http_add_header(res, "Location", "/v1/partners/me");
        http_reply_body(req, res, 201, partner_json_partner(&t.p));
    }
    json_decref(body);
}

/* ---- GET /v1/partners/me, PUT /v1/partners/me/status ---- */

struct me_tx {
    const char *account_id;
    bool set;
    struct partner_status_input in;
    struct partner p; /* out */
};

static int me_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct me_tx *t = ud;
    int rc = t->set ? partner_store_partner_status(c, t->account_id, &t->in, &t->p)
                    : partner_store_partner_by_account(c, t->account_id, false, &t->p);
    return rc == OF_ENOTFOUND ? no_profile(res) : rc;
}

static void partner_me(struct http_request *req, struct http_response *res)
{
    struct me_tx t = {.account_id = req->principal.sub};
    if (boundary_read(req, res, "partner.me", me_tx, &t))
        http_reply_body(req, res, 200, partner_json_partner(&t.p));
}

static void partner_status(struct http_request *req, struct http_response *res)
{
    json_t *body;
    struct jspec_error err;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct me_tx t = {.account_id = req->principal.sub, .set = true};
    if (partner_rules_status(body, &t.in, &err) != 0)
        http_reply_jspec(res, &err);
    else if (boundary_run(req, res, "partner.status", me_tx, &t))
        http_reply_body(req, res, 200, partner_json_partner(&t.p));
    json_decref(body);
}

/* ---- GET /v1/partners/me/deliveries ---- */

struct list_tx {
    const char *account_id;
    const struct partner_list_query *q;
    struct delivery *list; /* out */
    size_t n;
};

static int list_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct list_tx *t = ud;
    struct partner p;
    int rc = partner_store_partner_by_account(c, t->account_id, false, &p);
    if (rc == OF_ENOTFOUND)
        return no_profile(res);
    if (rc != OF_OK)
        return rc;
    free(t->list);
    t->list = NULL;
    return partner_store_delivery_list(c, p.id, t->q, &t->list, &t->n);
}

static json_t *list_page(const struct list_tx *t, int limit)
{
    size_t n = t->n > (size_t)limit ? (size_t)limit : t->n;
    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++) {
        if (json_array_append_new(items, partner_json_delivery(&t->list[i])) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    struct page_cursor last = {.ms = n ? t->list[n - 1].created_ms : 0};
    if (n)
        memcpy(last.id, t->list[n - 1].id, UUID_STR_LEN);
    return page_cursor_json("deliveries", items, t->n > n ? &last : NULL);
}

static void partner_deliveries(struct http_request *req, struct http_response *res)
{
    struct partner_list_query q;
    struct jspec_error err;
    if (partner_rules_list_query(http_query(req, "status"), http_query(req, "limit"),
                                 http_query(req, "cursor"), &q, &err) != 0) {
        http_reply_jspec(res, &err);
        return;
    }
    struct list_tx t = {.account_id = req->principal.sub, .q = &q};
    if (boundary_read(req, res, "partner.deliveries", list_tx, &t))
        http_reply_body(req, res, 200, list_page(&t, q.limit));
    free(t.list);
}

/* ---- GET /v1/deliveries/{id} and the partner's actions on it ---- */

struct delivery_tx {
    const struct http_request *req;
    bool admin;
    enum delivery_input input; /* DELIVERY_INPUT_COUNT: a read */
    struct partner_reject_input reject;
    struct delivery d; /* out */
    enum delivery_status from;
};

/* Loads the delivery for the caller: an admin any, a partner only one offered or assigned to
 * it (else 404, as for a delivery that does not exist). */
static int delivery_for(PGconn *c, struct delivery_tx *t, bool lock, struct http_response *res)
{
    struct partner p;
    char id[UUID_STR_LEN];
    path_id((struct http_request *)t->req, id);
    int rc = partner_store_delivery_get(c, id, lock, &t->d);
    if (rc == OF_ENOTFOUND)
        return no_delivery(res);
    if (rc != OF_OK || t->admin)
        return rc;
    rc = partner_store_partner_by_account(c, t->req->principal.sub, false, &p);
    if (rc == OF_ENOTFOUND || (rc == OF_OK && strcmp(p.id, t->d.partner_id) != 0))
        return no_delivery(res);
    return rc;
}

static int delivery_get_tx(PGconn *c, void *ud, struct http_response *res)
{
    return delivery_for(c, ud, false, res);
}

static void delivery_get(struct http_request *req, struct http_response *res)
{
    struct delivery_tx t = {.req = req, .admin = req->principal.role == AUTH_ADMIN};
    if (boundary_read(req, res, "delivery.get", delivery_get_tx, &t))
        http_reply_body(req, res, 200, partner_json_delivery(&t.d));
}

static const char *const action_names[DELIVERY_INPUT_COUNT] = {
    [DELIVERY_IN_ACCEPT] = "accept",
    [DELIVERY_IN_DECLINE] = "reject",
    [DELIVERY_IN_PICKUP] = "pick up",
    [DELIVERY_IN_DELIVER] = "deliver",
};

static int act_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct delivery_tx *t = ud;
    bool applied;
    int rc = delivery_for(c, t, true, res);
    if (rc != OF_OK)
        return rc;
    t->from = t->d.status;
    struct log_fields log = {t->req->log.trace_id, t->req->log.request_id, t->d.order_id, NULL,
                             NULL};
    rc = partner_events_apply(c, app_of((struct http_request *)t->req), &t->d, t->input,
                              t->reject.reason[0] ? t->reject.reason : NULL, false,
                              t->req->request_id, &log, &applied);
    if (rc == OF_OK && !applied) {
        char message[128];
        snprintf(message, sizeof message, "a delivery that is %s cannot be told to %s",
                 partner_state_name(t->from), action_names[t->input]);
        http_reply_error(res, API_DELIVERY_STATE, message, NULL);
        return BOUNDARY_REPLIED;
    }
    return rc;
}

static void act(struct http_request *req, struct http_response *res, struct delivery_tx *t)
{
    t->req = req;
    if (!boundary_run(req, res, "delivery.act", act_tx, t))
        return;
    log_info(
        &(struct log_fields){req->log.trace_id, req->log.request_id, t->d.order_id, NULL, NULL},
        "delivery %s -> %s by its partner", partner_state_name(t->from),
        partner_state_name(t->d.status));
    /* A rejection answers with the delivery as the partner last saw it: no longer theirs. */
    if (t->input == DELIVERY_IN_DECLINE)
        http_reply_body(req, res, 200,
                        json_pack("{s:s, s:s}", "id", t->d.id, "status", "REJECTED"));
    else
        http_reply_body(req, res, 200, partner_json_delivery(&t->d));
}

/* accept, pickup and deliver take no body; one that is sent must be an empty object. */
static bool empty_body(struct http_request *req, struct http_response *res)
{
    if (req->body_len == 0)
        return true;
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return false;
    bool empty = json_object_size(body) == 0;
    if (!empty) {
        const char *key = json_object_iter_key(json_object_iter(body));
        http_reply_error(res, API_UNKNOWN_FIELD, "this request takes no body members", key);
    }
    json_decref(body);
    return empty;
}

#define ACTION(fn, in)                                                                             \
    static void fn(struct http_request *req, struct http_response *res)                            \
    {                                                                                              \
        struct delivery_tx t = {.input = (in)};                                                    \
        if (empty_body(req, res))                                                                  \
            act(req, res, &t);                                                                     \
    }
ACTION(delivery_accept, DELIVERY_IN_ACCEPT)
ACTION(delivery_pickup, DELIVERY_IN_PICKUP)
ACTION(delivery_deliver, DELIVERY_IN_DELIVER)

static void delivery_reject(struct http_request *req, struct http_response *res)
{
    struct delivery_tx t = {.input = DELIVERY_IN_DECLINE};
    json_t *body = NULL;
    struct jspec_error err;
    if (req->body_len > 0 && http_json_body(req, res, &body) != 0)
        return;
    if (partner_rules_reject(body, &t.reject, &err) != 0)
        http_reply_jspec(res, &err);
    else
        act(req, res, &t);
    json_decref(body);
}

const struct http_route partner_routes[] = {
    {{"POST", "/v1/partners"}, partner_register, AUTH_PARTNER},
    {{"GET", "/v1/partners/me"}, partner_me, AUTH_PARTNER},
    {{"PUT", "/v1/partners/me/status"}, partner_status, AUTH_PARTNER},
    {{"GET", "/v1/partners/me/deliveries"}, partner_deliveries, AUTH_PARTNER},
    {{"GET", "/v1/deliveries/{id}"}, delivery_get, AUTH_PARTNER | AUTH_ADMIN},
    {{"POST", "/v1/deliveries/{id}/accept"}, delivery_accept, AUTH_PARTNER},
    {{"POST", "/v1/deliveries/{id}/reject"}, delivery_reject, AUTH_PARTNER},
    {{"POST", "/v1/deliveries/{id}/pickup"}, delivery_pickup, AUTH_PARTNER},
    {{"POST", "/v1/deliveries/{id}/deliver"}, delivery_deliver, AUTH_PARTNER},
};
const size_t partner_n_routes = sizeof partner_routes / sizeof partner_routes[0];
