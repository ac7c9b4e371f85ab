/* inventory-svc HTTP: the route table, the helpers the handler files share, and the catalog
 * writes (POST /v1/outlets/{id}/items, PATCH /v1/items/{id}, POST /v1/items/{id}/adjust), open to
 * the outlet's owner (the business account the outlet events name) and to admins; another
 * owner's outlet or item is 404. Each handler is parse -> rules (inventory_rules) -> boundary_run
 * (common/boundary.h) around a body that calls inventory_store -> reply (inventory_json). The
 * public reads are in inventory_http_read.c. */
#include "inventory_http.h"

#include <stdio.h>
#include <string.h>

#include "common/auth.h"
#include "common/boundary.h"
#include "common/errors.h"
#include "inventory.h"
#include "inventory_json.h"
#include "inventory_rules.h"
#include "inventory_store.h"

/* ---- Helpers shared by the handler files (inventory_http.h) ---- */

void inventory_http_path_id(struct http_request *req, char ret[UUID_STR_LEN])
{
    const char *id = route_param(&req->params, "id");
    snprintf(ret, UUID_STR_LEN, "%s", id && strlen(id) < UUID_STR_LEN ? id : "");
}

/* ---- Ownership ---- */

/* True if who may manage the catalog of outlet o: its owner, or an admin. */
static bool may_manage(const struct auth_principal *who, const struct outlet_ref *o)
{
    return who->role == AUTH_ADMIN || (o->owner_id[0] && strcmp(o->owner_id, who->sub) == 0);
}

/* Loads outlet id for who; OF_ENOTFOUND when there is none or who may not manage it. */
static int owned_outlet(PGconn *c, const struct auth_principal *who, const char *id,
                        struct outlet_ref *ret)
{
    int rc = inventory_store_outlet_get(c, id, ret);
    return rc == OF_OK && !may_manage(who, ret) ? OF_ENOTFOUND : rc;
}

/* Loads and locks item id for who; OF_ENOTFOUND when there is none or who may not manage its
 * outlet. */
static int owned_item(PGconn *c, const struct auth_principal *who, const char *id,
                      struct inventory_item *ret)
{
    struct outlet_ref o;
    int rc = inventory_store_item_get(c, id, true, ret);
    if (rc == OF_OK)
        rc = owned_outlet(c, who, ret->outlet_id, &o);
    return rc;
}

static int not_found(struct http_response *res, const char *what)
{
    http_reply_error(res, API_NOT_FOUND, what, NULL);
    return BOUNDARY_REPLIED;
}

/* Audits the change of it's on_hand from before to it->stock by who, by delta for reason; the
 * stored row is left in *ret. */
static int audit(PGconn *c, const struct auth_principal *who, const struct inventory_item *it,
                 const struct inventory_stock *before, int64_t delta, const char *reason,
                 struct inventory_adjustment *ret)
{
    struct inventory_adjustment a = {.actor_role = who->role,
                                     .delta = delta,
                                     .on_hand_before = before->on_hand,
                                     .on_hand_after = it->stock.on_hand,
                                     .available_before = inventory_available(before),
                                     .available_after = inventory_available(&it->stock)};
    memcpy(a.item_id, it->id, UUID_STR_LEN);
    snprintf(a.actor_id, sizeof a.actor_id, "%.36s", who->sub); /* a UUID */
    snprintf(a.reason, sizeof a.reason, "%s", reason);
    int rc = inventory_store_adjustment_insert(c, &a);
    if (rc == OF_OK)
        *ret = a;
    return rc;
}

/* Parses the body with rules into ud; replies 400 and returns false on failure. */
static bool parse_body(struct http_request *req, struct http_response *res,
                       int (*rules)(const json_t *, void *, struct jspec_error *), void *ret)
{
    json_t *body;
    struct jspec_error err;
    if (http_json_body(req, res, &body) != 0)
        return false;
    bool ok = rules(body, ret, &err) == OF_OK;
    if (!ok)
        http_reply_jspec(res, &err);
    json_decref(body);
    return ok;
}

/* The rules as parse_body wants them. */
static int item_new_rules(const json_t *b, void *ret, struct jspec_error *err)
{
    return inventory_rules_item_new(b, ret, err);
}

static int item_patch_rules(const json_t *b, void *ret, struct jspec_error *err)
{
    return inventory_rules_item_patch(b, ret, err);
}

static int adjust_rules(const json_t *b, void *ret, struct jspec_error *err)
{
    return inventory_rules_adjust_request(b, ret, err);
}

/* ---- POST /v1/outlets/{id}/items ---- */

struct create_tx {
    const struct auth_principal *who;
    char outlet_id[UUID_STR_LEN];
    struct inventory_item_new in;
    struct inventory_item item; /* out */
};

static int create_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct create_tx *t = ud;
    struct outlet_ref o;
    int rc = owned_outlet(c, t->who, t->outlet_id, &o);
    if (rc == OF_ENOTFOUND)
        return not_found(res, "no such outlet");
    if (rc != OF_OK)
        return rc;
    struct inventory_item it = {
        .price_minor = t->in.price_minor, .active = t->in.active, .stock.on_hand = t->in.stock};
    memcpy(it.outlet_id, o.id, UUID_STR_LEN);
    memcpy(it.sku, t->in.sku, sizeof it.sku);
    memcpy(it.name, t->in.name, sizeof it.name);
    memcpy(it.currency, t->in.currency, sizeof it.currency);
    rc = inventory_store_item_insert(c, &it);
    if (rc == OF_ECONFLICT) {
        http_reply_error(res, API_CONFLICT, "sku: the outlet has an item with this sku", "sku");
        return BOUNDARY_REPLIED;
    }
    struct inventory_adjustment a;
    if (rc == OF_OK && it.stock.on_hand > 0)
        rc = audit(c, t->who, &it, &(struct inventory_stock){0}, it.stock.on_hand, "initial stock",
                   &a);
    t->item = it;
    return rc;
}

void inventory_http_item_create(struct http_request *req, struct http_response *res)
{
    struct create_tx t = {.who = &req->principal};
    if (!parse_body(req, res, item_new_rules, &t.in))
        return;
    inventory_http_path_id(req, t.outlet_id);
    if (!boundary_run(req, res, "item.create", create_tx, &t))
        return;
    char location[32 + UUID_STR_LEN];
    snprintf(location, sizeof location, "/v1/items/%s", t.item.id);
    http_add_header(res, "Location", location);
    http_reply_body(req, res, 201, inventory_json_item(&t.item));
}

/* ---- PATCH /v1/items/{id} ---- */

struct patch_tx {
    const struct auth_principal *who;
    char id[UUID_STR_LEN];
    struct inventory_item_patch patch;
    struct inventory_item item; /* out */
};

static int patch_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct patch_tx *t = ud;
    int rc = owned_item(c, t->who, t->id, &t->item);
    if (rc == OF_ENOTFOUND)
        return not_found(res, "no such item");
    if (rc == OF_OK)
        rc = inventory_store_item_patch(c, t->id, &t->patch, &t->item);
    return rc;
}

void inventory_http_item_patch(struct http_request *req, struct http_response *res)
{
    struct patch_tx t = {.who = &req->principal};
    if (!parse_body(req, res, item_patch_rules, &t.patch))
        return;
    inventory_http_path_id(req, t.id);
    if (boundary_run(req, res, "item.patch", patch_tx, &t))
        http_reply_body(req, res, 200, inventory_json_item(&t.item));
}

/* ---- POST /v1/items/{id}/adjust ---- */

struct adjust_tx {
    const struct auth_principal *who;
    char id[UUID_STR_LEN];
    struct inventory_adjust_request in;
    struct inventory_item item;      /* out */
    struct inventory_adjustment adj; /* out */
};

static int adjust_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct adjust_tx *t = ud;
    struct inventory_item before;
    struct inventory_stock after;
    const char *why;
    int rc = owned_item(c, t->who, t->id, &before);
    if (rc == OF_ENOTFOUND)
        return not_found(res, "no such item");
    if (rc != OF_OK)
        return rc;
    if (inventory_rules_adjust(&before.stock, t->in.delta, &after, &why) != OF_OK) {
        http_reply_error(res, API_CONFLICT, why, "delta");
        return BOUNDARY_REPLIED;
    }
    rc = inventory_store_item_set_on_hand(c, t->id, after.on_hand, &t->item);
    if (rc == OF_OK)
        rc = audit(c, t->who, &t->item, &before.stock, t->in.delta, t->in.reason, &t->adj);
    return rc;
}

void inventory_http_item_adjust(struct http_request *req, struct http_response *res)
{
    struct adjust_tx t = {.who = &req->principal};
    if (!parse_body(req, res, adjust_rules, &t.in))
        return;
    inventory_http_path_id(req, t.id);
    if (!boundary_run(req, res, "item.adjust", adjust_tx, &t))
        return;
    json_t *item = inventory_json_item(&t.item), *adj = inventory_json_adjustment(&t.adj);
    http_reply_body(req, res, 200,
                    item && adj ? json_pack("{s:o, s:o}", "item", item, "adjustment", adj) : NULL);
    if (!item || !adj) {
        json_decref(item);
        json_decref(adj);
    }
}

#define OWNER_ROLES (AUTH_BUSINESS | AUTH_ADMIN)

const struct http_route inventory_routes[] = {
    {{"POST", "/v1/outlets/{id}/items"}, inventory_http_item_create, OWNER_ROLES},
    {{"GET", "/v1/outlets/{id}/items"}, inventory_http_item_list, 0},
    {{"PATCH", "/v1/items/{id}"}, inventory_http_item_patch, OWNER_ROLES},
    {{"POST", "/v1/items/{id}/adjust"}, inventory_http_item_adjust, OWNER_ROLES},
    {{"GET", "/v1/items/{id}/availability"}, inventory_http_availability, 0},
    {{"POST", "/v1/items/availability"}, inventory_http_availability_batch, 0},
};
const size_t inventory_n_routes = sizeof inventory_routes / sizeof inventory_routes[0];
