/* customer-svc HTTP: GET/PATCH /v1/me and the address book (/v1/me/addresses), every address
 * scoped to the caller's account (another account's id is 404). */
#include <stdlib.h>
#include <string.h>

#include "common/boundary.h"
#include "common/errors.h"
#include "customer_events.h"
#include "customer_http.h"
#include "customer_json.h"
#include "customer_rules.h"
#include "customer_store.h"

/* ---- GET/PATCH /v1/me ---- */

struct me_tx {
    const struct auth_principal *who;
    const struct customer_profile_patch *patch; /* NULL: read only */
    struct customer_account account;
};

static int me_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct me_tx *m = ud;
    int rc = m->patch ? customer_store_account_patch(c, m->who->sub, m->patch, &m->account)
                      : customer_store_account_get(c, m->who->sub, &m->account);
    if (rc == OF_ENOTFOUND || (rc == OF_OK && m->account.role != m->who->role)) {
        http_reply_error(res, API_ACCOUNT_NOT_FOUND, NULL, NULL);
        return BOUNDARY_REPLIED;
    }
    return rc;
}

void customer_http_me_get(struct http_request *req, struct http_response *res)
{
    struct me_tx m = {.who = &req->principal};
    if (boundary_read(req, res, "me.get", me_tx, &m))
        http_reply_body(req, res, 200, customer_json_account(&m.account));
}

void customer_http_me_patch(struct http_request *req, struct http_response *res)
{
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct customer_profile_patch patch;
    struct jspec_error err;
    struct me_tx m = {.who = &req->principal, .patch = &patch};
    if (customer_rules_profile_patch(body, &patch, &err) != 0)
        http_reply_jspec(res, &err);
    else if (boundary_run(req, res, "me.patch", me_tx, &m))
        http_reply_body(req, res, 200, customer_json_account(&m.account));
    json_decref(body);
}

/* ---- Address book ---- */

enum addr_op { ADDR_CREATE, ADDR_UPDATE, ADDR_DELETE };

struct addr_tx {
    enum addr_op op;
    const char *account_id;
    char id[UUID_STR_LEN];        /* the path's {id} (update, delete) */
    struct customer_address in;   /* the new fields (create, update) */
    struct customer_address addr; /* out: as stored, or as it was (delete) */
    struct customer_event_origin origin;
};

static int addr_write_rows(PGconn *c, struct addr_tx *t)
{
    t->addr = t->in;
    switch (t->op) {
    case ADDR_CREATE:
        t->addr.id[0] = '\0';
        return customer_store_address_insert(c, t->account_id, &t->addr);
    case ADDR_UPDATE:
        memcpy(t->addr.id, t->id, sizeof t->id);
        return customer_store_address_update(c, t->account_id, &t->addr);
    case ADDR_DELETE:
    default:
        return customer_store_address_delete(c, t->account_id, t->id, &t->addr);
    }
}

static int addr_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct addr_tx *t = ud;
    int rc = addr_write_rows(c, t);
    if (rc == OF_ENOTFOUND) {
        if (t->op == ADDR_CREATE)
            http_reply_error(res, API_ACCOUNT_NOT_FOUND, NULL, NULL);
        else
            http_reply_error(res, API_NOT_FOUND, "no such address", NULL);
        return BOUNDARY_REPLIED;
    }
    if (rc == OF_OK)
        rc = customer_events_address(c, &t->origin, t->account_id, &t->addr, t->op == ADDR_DELETE);
    return rc;
}

static void addr_run(struct http_request *req, struct http_response *res, struct addr_tx *t)
{
    t->account_id = req->principal.sub;
    t->origin = customer_http_origin(req);
    if (!boundary_run(req, res, "address.write", addr_tx, t))
        return;
    if (t->op == ADDR_DELETE) {
        res->status = 204;
        return;
    }
    if (t->op == ADDR_CREATE) {
        char location[64 + UUID_STR_LEN];
        snprintf(location, sizeof location, "/v1/me/addresses/%s", t->addr.id);
        http_add_header(res, "Location", location);
    }
    http_reply_body(req, res, t->op == ADDR_CREATE ? 201 : 200, customer_json_address(&t->addr));
}

/* POST and PUT: the body is a whole address. */
static void addr_write(struct http_request *req, struct http_response *res, enum addr_op op)
{
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct addr_tx t = {.op = op};
    struct jspec_error err;
    if (customer_rules_address(body, &t.in, &err) != 0) {
        http_reply_jspec(res, &err);
    } else {
        customer_http_path_id(req, t.id);
        addr_run(req, res, &t);
    }
    json_decref(body);
}

void customer_http_addr_create(struct http_request *req, struct http_response *res)
{
    addr_write(req, res, ADDR_CREATE);
}

void customer_http_addr_update(struct http_request *req, struct http_response *res)
{
    addr_write(req, res, ADDR_UPDATE);
}

void customer_http_addr_delete(struct http_request *req, struct http_response *res)
{
    struct addr_tx t = {.op = ADDR_DELETE};
    customer_http_path_id(req, t.id);
    addr_run(req, res, &t);
}

struct addr_get {
    const char *account_id;
    char id[UUID_STR_LEN];
    struct customer_address addr; /* out */
};

static int addr_get_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct addr_get *g = ud;
    int rc = customer_store_address_get(c, g->account_id, g->id, &g->addr);
    if (rc == OF_ENOTFOUND) {
        http_reply_error(res, API_NOT_FOUND, "no such address", NULL);
        return BOUNDARY_REPLIED;
    }
    return rc;
}

/* GET /v1/me/addresses/{id}: one of the caller's addresses. */
void customer_http_addr_get(struct http_request *req, struct http_response *res)
{
    struct addr_get g = {.account_id = req->principal.sub};
    customer_http_path_id(req, g.id);
    if (boundary_read(req, res, "address.get", addr_get_tx, &g))
        http_reply_body(req, res, 200, customer_json_address(&g.addr));
}

struct addr_list {
    const char *account_id;
    struct customer_address *list; /* out, freed by the handler */
    size_t n;
};

static int addr_list_tx(PGconn *c, void *ud, struct http_response *res)
{
    (void)res;
    struct addr_list *l = ud;
    free(l->list);
    l->list = NULL;
    return customer_store_address_list(c, l->account_id, &l->list, &l->n);
}

void customer_http_addr_list(struct http_request *req, struct http_response *res)
{
    struct addr_list r = {.account_id = req->principal.sub};
    if (!boundary_read(req, res, "address.list", addr_list_tx, &r)) {
        free(r.list);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; items && i < r.n; i++) {
        if (json_array_append_new(items, customer_json_address(&r.list[i])) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    free(r.list);
    http_reply_body(req, res, 200, items ? json_pack("{s:o}", "addresses", items) : NULL);
}
