/* order-svc HTTP (see order_http.h). Each handler is parse -> rules (order_rules) ->
 * boundary_run or boundary_read around a body that calls order_store and order_events -> reply
 * (order_json).
 *
 * POST /v1/orders is idempotent by its Idempotency-Key (DESIGN.md section 6): Redis holds the
 * key's claim and then the answer for 24 h (a replay of the same request gets the same answer,
 * another body under the key 422, a repeat while the first runs 409); the orders table's unique
 * (customer, key) is the durable backstop when Redis is down or has forgotten: the order's row
 * keeps the request's fingerprint, so the database answers the replay and the 422 itself. */
#include "order_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth.h"
#include "common/boundary.h"
#include "common/daemon.h"
#include "common/errors.h"
#include "common/idempotency.h"
#include "common/jsonout.h"
#include "common/redis.h"
#include "order_app.h"
#include "order_events.h"
#include "order_json.h"
#include "order_rules.h"
#include "order_store.h"

static struct order_app *app_of(struct http_request *req)
{
    return ((struct daemon *)req->app)->app;
}

static void path_id(struct http_request *req, char ret[UUID_STR_LEN])
{
    const char *id = route_param(&req->params, "id");
    snprintf(ret, UUID_STR_LEN, "%s", id && strlen(id) < UUID_STR_LEN ? id : "");
}

static int no_order(struct http_response *res)
{
    http_reply_error(res, API_NOT_FOUND, "no such order", NULL);
    return BOUNDARY_REPLIED;
}

/* ---- POST /v1/orders ---- */

/* 202 {order_id, status: CREATED} with Location: the answer to the first request and to every
 * replay of it. */
static void reply_accepted(struct http_request *req, struct http_response *res,
                           const char *order_id)
{
    char location[16 + UUID_STR_LEN];
    snprintf(location, sizeof location, "/v1/orders/%s", order_id);
    http_add_header(res, "Location", location);
    http_reply_body(req, res, 202, order_json_accepted(order_id));
}

struct create_tx {
    struct http_request *req;
    const struct order_request *in;
    const char *key;
    const char *fp;
    struct order *o; /* the new order, built here */
    bool replayed;   /* out: answered from an order placed before under the key */
    char replay_id[UUID_STR_LEN];
};

/* The customer's order under the key, if any: the same request is replayed (202 as the first
 * time), another one is 422. OF_ENOTFOUND when there is none. */
static int replay_from_db(PGconn *c, struct create_tx *t, struct http_response *res)
{
    char id[UUID_STR_LEN], fp[IDEM_FP_LEN];
    int rc = order_store_find_key(c, t->req->principal.sub, t->key, id, fp);
    if (rc != OF_OK)
        return rc;
    if (strcmp(fp, t->fp) != 0) {
        http_reply_error(res, API_IDEMPOTENCY_MISMATCH,
                         "this Idempotency-Key was used for another order request",
                         "Idempotency-Key");
        return BOUNDARY_REPLIED;
    }
    t->replayed = true;
    memcpy(t->replay_id, id, UUID_STR_LEN);
    reply_accepted(t->req, res, id);
    return BOUNDARY_REPLIED;
}

static int create_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct create_tx *t = ud;
    struct order_address a;
    struct outlet_ref outlet;
    struct order *o = t->o;
    bool created;
    t->replayed = false;
    int rc = replay_from_db(c, t, res);
    if (rc != OF_ENOTFOUND)
        return rc;
    rc = order_store_address_get(c, t->in->address_id, t->req->principal.sub, &a);
    if (rc == OF_ENOTFOUND) {
        http_reply_error(res, API_NOT_FOUND, "address_id: no such address in your address book",
                         "address_id");
        return BOUNDARY_REPLIED;
    }
    if (rc == OF_OK)
        rc = order_store_outlet_get(c, t->in->outlet_id, &outlet);
    if (rc == OF_ENOTFOUND) {
        http_reply_error(res, API_NOT_FOUND, "outlet_id: no such outlet", "outlet_id");
        return BOUNDARY_REPLIED;
    }
    if (rc != OF_OK)
        return rc;
    memcpy(o->owner_id, outlet.owner_id, UUID_STR_LEN);
    o->drop_off = a.at;
    rc = order_store_insert(c, o, &created);
    if (rc == OF_OK && !created) /* the same key, committed while this one waited */
        return replay_from_db(c, t, res);
    if (rc == OF_OK)
        rc = order_events_created(c, o, t->req->request_id);
    return rc;
}

/* The new order from the request (id, owner and drop-off are set in the transaction). */
static void order_from_request(struct http_request *req, const struct order_request *in,
                               const char *key, const char *fp, struct order *o)
{
    uuid_v7(o->id);
    snprintf(o->customer_id, sizeof o->customer_id, "%.36s", req->principal.sub);
    memcpy(o->outlet_id, in->outlet_id, UUID_STR_LEN);
    snprintf(o->idempotency_key, sizeof o->idempotency_key, "%s", key);
    memcpy(o->fingerprint, fp, IDEM_FP_LEN);
    o->state = ORDER_CREATED;
    o->method = in->method;
    memcpy(o->token, in->token, sizeof o->token);
    snprintf(o->trace_id, sizeof o->trace_id, "%s", req->trace.trace_id);
    memcpy(o->lines, in->lines, sizeof o->lines);
    o->n_lines = in->n_lines;
}

/* Answers from Redis when it knows the key: true when res holds the answer (a replay, 409 or
 * 422). *claimed says whether this request now holds the key's claim. Redis down: false, not
 * claimed (the database decides). */
static bool idem_begin(struct daemon *d, struct http_request *req, struct http_response *res,
                       const char *ikey, const char *fp, bool *claimed)
{
    enum idem_decision dec;
    int status;
    char *stored = NULL;
    *claimed = false;
    if (redis_idem_begin(d->redis, ikey, fp, &dec, &status, &stored) != OF_OK)
        return false;
    switch (dec) {
    case IDEM_PROCEED:
        *claimed = true;
        return false;
    case IDEM_REPLAY: {
        json_t *body = stored ? json_loads(stored, 0, NULL) : NULL;
        const char *id = json_string_value(json_object_get(body, "order_id"));
        if (status == 202 && id && uuid_valid(id))
            reply_accepted(req, res, id);
        else
            http_reply_error(res, API_IDEMPOTENCY_MISMATCH, NULL, "Idempotency-Key");
        json_decref(body);
        free(stored);
        return true;
    }
    case IDEM_IN_FLIGHT:
        http_reply_error(res, API_IDEMPOTENCY_IN_FLIGHT,
                         "a request with this Idempotency-Key is still in progress",
                         "Idempotency-Key");
        return true;
    default:
        http_reply_error(res, API_IDEMPOTENCY_MISMATCH,
                         "this Idempotency-Key was used for another order request",
                         "Idempotency-Key");
        return true;
    }
}

/* Stores the answer for the key (the order id), or gives the claim back when there is none. */
static void idem_end(struct daemon *d, struct http_request *req, const char *ikey, const char *fp,
                     const char *order_id)
{
    int rc;
    if (!order_id) {
        rc = redis_idem_abandon(d->redis, ikey, fp);
    } else {
        json_t *body = order_json_accepted(order_id);
        char *text = body ? jsonout_dumps(body, JSON_COMPACT, NULL) : NULL;
        rc = text ? redis_idem_finish(d->redis, ikey, fp, 202, text) : OF_EPERMANENT;
        free(text);
        json_decref(body);
    }
    if (rc != OF_OK && rc != OF_ENOTFOUND)
        log_warn(&req->log, "idempotency key: the answer could not be stored in Redis (the "
                            "database still answers a replay)");
}

static void create(struct http_request *req, struct http_response *res, json_t *body,
                   const char *key)
{
    struct daemon *d = req->app;
    struct order_app *app = d->app;
    struct jspec_error err;
    char fp[IDEM_FP_LEN], ikey[40 + AUTH_SUB_MAX + IDEM_KEY_MAX], rkey[32 + AUTH_SUB_MAX];
    bool claimed;
    struct order_request *in = xcalloc(1, sizeof *in);
    struct order *o = NULL;
    if (order_rules_request(body, in, &err) != 0) {
        http_reply_jspec(res, &err);
        goto out;
    }
    snprintf(rkey, sizeof rkey, "order:customer:%s", req->principal.sub);
    if (!daemon_rate_limit_open(d, res, rkey, &app->rate))
        goto out;
    idem_fingerprint(req->method, req->path, req->principal.sub, req->body, req->body_len, fp);
    snprintf(ikey, sizeof ikey, "idem:order:%s:%s", req->principal.sub, key);
    if (idem_begin(d, req, res, ikey, fp, &claimed))
        goto out;
    o = xcalloc(1, sizeof *o);
    order_from_request(req, in, key, fp, o);
    struct create_tx t = {.req = req, .in = in, .key = key, .fp = fp, .o = o};
    bool ok = boundary_run(req, res, "order.create", create_tx, &t);
    if (claimed)
        idem_end(d, req, ikey, fp, ok ? o->id : t.replayed ? t.replay_id : NULL);
    if (!ok)
        goto out;
    order_app_count_created(app);
    req->log.order_id = o->id;
    log_info(&req->log, "order created");
    req->log.order_id = NULL;
    reply_accepted(req, res, o->id);
out:
    free(o);
    free(in);
}

static void order_create(struct http_request *req, struct http_response *res)
{
    const char *key = http_header(req, "Idempotency-Key");
    struct jspec_error err;
    json_t *body;
    if (order_rules_idempotency_key(key, &err) != 0) {
        http_reply_jspec(res, &err);
        return;
    }
    if (http_json_body(req, res, &body) != 0)
        return;
    create(req, res, body, key);
    json_decref(body);
}

/* ---- GET /v1/orders/{id} ---- */

/* Whether the caller may see o: its customer, the outlet's owner, an admin. */
static bool may_read(const struct http_request *req, const struct order *o)
{
    const struct auth_principal *p = &req->principal;
    if (p->role == AUTH_ADMIN)
        return true;
    if (p->role == AUTH_CUSTOMER)
        return strcmp(o->customer_id, p->sub) == 0;
    if (p->role == AUTH_BUSINESS)
        return o->owner_id[0] && strcmp(o->owner_id, p->sub) == 0;
    return false;
}

struct get_read {
    struct http_request *req;
    char id[UUID_STR_LEN];
    struct order *o;                       /* out */
    struct order_timeline_entry *timeline; /* out, freed by the handler */
    size_t n;
};

static int get_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct get_read *r = ud;
    int rc = order_store_get(c, r->id, false, r->o);
    if (rc == OF_ENOTFOUND || (rc == OF_OK && !may_read(r->req, r->o)))
        return no_order(res);
    if (rc != OF_OK)
        return rc;
    free(r->timeline);
    r->timeline = NULL;
    return order_store_timeline_list(c, r->id, &r->timeline, &r->n);
}

static void order_get(struct http_request *req, struct http_response *res)
{
    struct get_read r = {.req = req, .o = xcalloc(1, sizeof *r.o)};
    path_id(req, r.id);
    if (boundary_read(req, res, "order.get", get_tx, &r))
        http_reply_body(req, res, 200, order_json_order(r.o, r.timeline, r.n));
    free(r.timeline);
    free(r.o);
}

/* ---- GET /v1/orders ---- */

struct list_read {
    const char *customer; /* NULL: every customer's (admin) */
    const struct order_query *q;
    struct order_summary *list; /* out */
    size_t n;
};

static int list_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct list_read *r = ud;
    (void)res;
    free(r->list);
    r->list = NULL;
    return order_store_page(c, r->customer, r->q, &r->list, &r->n);
}

/* {orders: [...], next_cursor}: the store fetched one more than a page when there is a next. */
static json_t *page_json(const struct list_read *r)
{
    size_t n = r->n > (size_t)r->q->limit ? (size_t)r->q->limit : r->n;
    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++) {
        if (json_array_append_new(items, order_json_summary(&r->list[i])) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    struct page_cursor last = {.ms = n ? r->list[n - 1].created_ms : 0};
    if (n)
        memcpy(last.id, r->list[n - 1].id, UUID_STR_LEN);
    return page_cursor_json("orders", items, r->n > n ? &last : NULL);
}

static void order_list(struct http_request *req, struct http_response *res)
{
    struct order_query q;
    struct jspec_error err;
    if (order_rules_query(http_query(req, "status"), http_query(req, "limit"),
                          http_query(req, "cursor"), &q, &err) != 0) {
        http_reply_jspec(res, &err);
        return;
    }
    struct list_read r = {.customer = req->principal.role == AUTH_ADMIN ? NULL : req->principal.sub,
                          .q = &q};
    if (boundary_read(req, res, "order.list", list_tx, &r))
        http_reply_body(req, res, 200, page_json(&r));
    free(r.list);
}

/* ---- POST /v1/orders/{id}/cancel ---- */

struct cancel_tx {
    struct http_request *req;
    char id[UUID_STR_LEN];
    struct order *o; /* out: as cancelled */
};

static int cancel_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct cancel_tx *t = ud;
    struct order_step step;
    char why[160] = "";
    int rc = order_store_get(c, t->id, true, t->o);
    if (rc == OF_ENOTFOUND ||
        (rc == OF_OK && strcmp(t->o->customer_id, t->req->principal.sub) != 0))
        return no_order(res);
    if (rc != OF_OK)
        return rc;
    const struct order_cause cause = {"", t->req->request_id};
    enum order_state from = t->o->state;
    rc = order_events_step(c, app_of(t->req), t->o, ORDER_EV_CANCEL_REQUESTED, NULL, &cause, &step,
                           why, sizeof why);
    if (rc == OF_ECONFLICT) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "the order is %s: only CREATED, AWAITING_PAYMENT and PLACED orders can be "
                 "cancelled",
                 order_state_name(from));
        http_reply_error(res, API_CONFLICT, msg, NULL);
        return BOUNDARY_REPLIED;
    }
    return rc;
}

static void order_cancel(struct http_request *req, struct http_response *res)
{
    struct cancel_tx t = {.req = req, .o = xcalloc(1, sizeof *t.o)};
    path_id(req, t.id);
    if (boundary_run(req, res, "order.cancel", cancel_tx, &t)) {
        req->log.order_id = t.o->id;
        log_info(&req->log, "order cancelled by its customer");
        req->log.order_id = NULL;
        http_reply_body(req, res, 200, order_json_order(t.o, NULL, 0));
    }
    free(t.o);
}

#define READERS (AUTH_CUSTOMER | AUTH_BUSINESS | AUTH_ADMIN)

const struct http_route order_routes[] = {
    {{"POST", "/v1/orders"}, order_create, AUTH_CUSTOMER},
    {{"GET", "/v1/orders"}, order_list, AUTH_CUSTOMER | AUTH_ADMIN},
    {{"GET", "/v1/orders/{id}"}, order_get, READERS},
    {{"POST", "/v1/orders/{id}/cancel"}, order_cancel, AUTH_CUSTOMER},
};
const size_t order_n_routes = sizeof order_routes / sizeof order_routes[0];
