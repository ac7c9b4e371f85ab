/* inventory-svc HTTP: the public reads, no token needed: GET /v1/outlets/{id}/items (a page of an
 * outlet's catalog with availability), GET /v1/items/{id}/availability and POST
 * /v1/items/availability {ids}. They show what a customer may see of an item (price, active,
 * available), never the stock counts behind it. */
#include <stdlib.h>
#include <string.h>

#include "common/boundary.h"
#include "common/errors.h"
#include "inventory.h"
#include "inventory_http.h"
#include "inventory_json.h"
#include "inventory_rules.h"
#include "inventory_store.h"

/* A new array of the public view of items[0..n-1]; NULL when one cannot be serialised. */
static json_t *public_items(const struct inventory_item *items, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, inventory_json_item_public(&items[i])) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

/* ---- GET /v1/outlets/{id}/items ---- */

struct list_read {
    char outlet_id[UUID_STR_LEN];
    struct inventory_list_query q;
    struct outlet_ref outlet;     /* out */
    struct inventory_item *items; /* out, freed by the handler */
    size_t n;
    bool more;
};

static int list_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct list_read *l = ud;
    int rc = inventory_store_outlet_get(c, l->outlet_id, &l->outlet);
    if (rc == OF_ENOTFOUND) {
        http_reply_error(res, API_NOT_FOUND, "no such outlet", NULL);
        return BOUNDARY_REPLIED;
    }
    if (rc == OF_OK)
        rc = inventory_store_item_page(c, l->outlet.id, l->q.has_cursor ? l->q.cursor : NULL,
                                       l->q.limit, &l->items, &l->n, &l->more);
    return rc;
}

void inventory_http_item_list(struct http_request *req, struct http_response *res)
{
    struct list_read l = {0};
    struct jspec_error err;
    if (inventory_rules_list_query(http_query(req, "limit"), http_query(req, "cursor"), &l.q,
                                   &err) != OF_OK) {
        http_reply_jspec(res, &err);
        return;
    }
    inventory_http_path_id(req, l.outlet_id);
    if (boundary_read(req, res, "item.list", list_tx, &l)) {
        json_t *items = public_items(l.items, l.n);
        json_t *next = l.more && l.n ? json_string(l.items[l.n - 1].id) : json_null();
        http_reply_body(req, res, 200,
                        items
                            ? json_pack("{s:s, s:b, s:o, s:o}", "outlet_id", l.outlet.id, "is_open",
                                        l.outlet.is_open, "items", items, "next_cursor", next)
                            : NULL);
        if (!items)
            json_decref(next);
    }
    free(l.items);
}

/* ---- GET /v1/items/{id}/availability ---- */

struct item_read {
    char id[UUID_STR_LEN];
    struct inventory_item item; /* out */
};

static int item_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct item_read *r = ud;
    int rc = inventory_store_item_get(c, r->id, false, &r->item);
    if (rc == OF_ENOTFOUND) {
        http_reply_error(res, API_NOT_FOUND, "no such item", NULL);
        return BOUNDARY_REPLIED;
    }
    return rc;
}

void inventory_http_availability(struct http_request *req, struct http_response *res)
{
    struct item_read r = {0};
    inventory_http_path_id(req, r.id);
    if (boundary_read(req, res, "item.availability", item_tx, &r))
        http_reply_body(req, res, 200, inventory_json_item_public(&r.item));
}

/* ---- POST /v1/items/availability ---- */

struct batch_read {
    const struct inventory_id_list *ids;
    struct inventory_item *items; /* out, freed by the handler */
    size_t n;
};

static int batch_tx(PGconn *c, void *ud, struct http_response *res)
{
    (void)res;
    struct batch_read *b = ud;
    free(b->items);
    b->items = NULL;
    return inventory_store_items_get(c, b->ids->ids, b->ids->n, &b->items, &b->n);
}

/* {items:[public item...], unknown:[id...]}, both in the order the ids were asked. */
static json_t *batch_json(const struct batch_read *b)
{
    json_t *items = json_array(), *unknown = json_array();
    for (size_t i = 0; items && unknown && i < b->ids->n; i++) {
        const struct inventory_item *found = NULL;
        for (size_t j = 0; !found && j < b->n; j++)
            if (strcmp(b->items[j].id, b->ids->ids[i]) == 0)
                found = &b->items[j];
        int rc = found ? json_array_append_new(items, inventory_json_item_public(found))
                       : json_array_append_new(unknown, json_string(b->ids->ids[i]));
        if (rc != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    if (!items || !unknown) {
        json_decref(items);
        json_decref(unknown);
        return NULL;
    }
    return json_pack("{s:o, s:o}", "items", items, "unknown", unknown);
}

void inventory_http_availability_batch(struct http_request *req, struct http_response *res)
{
    json_t *body;
    struct jspec_error err;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct inventory_id_list *ids = xcalloc(1, sizeof *ids);
    struct batch_read b = {.ids = ids};
    if (inventory_rules_id_list(body, ids, &err) != OF_OK)
        http_reply_jspec(res, &err);
    else if (boundary_read(req, res, "item.availability_batch", batch_tx, &b))
        http_reply_body(req, res, 200, batch_json(&b));
    free(b.items);
    free(ids);
    json_decref(body);
}
