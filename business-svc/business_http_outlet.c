/* business-svc HTTP: outlets. POST /v1/businesses/{id}/outlets creates one under the caller's
 * business, PATCH /v1/outlets/{id} changes any of its fields (each change a new version), both
 * announced by business.outlet.*.v1 in the same transaction; GET /v1/outlets/{id} reads one. */
#include <stdio.h>
#include <string.h>

#include "business_events.h"
#include "business_http.h"
#include "business_json.h"
#include "business_rules.h"
#include "business_store.h"
#include "common/boundary.h"
#include "common/errors.h"

struct outlet_tx {
    const char *owner;
    char id[UUID_STR_LEN]; /* the path's {id}: the business (create) or the outlet */
    struct business_outlet_fields fields;
    struct business_event_origin origin;
    struct business_outlet outlet; /* out */
};

static int no_outlet(struct http_response *res)
{
    http_reply_error(res, API_NOT_FOUND, "no such outlet", NULL);
    return BOUNDARY_REPLIED;
}

/* ---- POST /v1/businesses/{id}/outlets ---- */

static int outlet_create_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct outlet_tx *t = ud;
    business_rules_outlet_defaults(&t->outlet);
    memcpy(t->outlet.business_id, t->id, sizeof t->id);
    snprintf(t->outlet.owner_id, sizeof t->outlet.owner_id, "%.36s", t->owner);
    business_rules_outlet_apply(&t->outlet, &t->fields); /* version 1: the required fields */
    int rc = business_store_outlet_insert(c, &t->outlet);
    if (rc == OF_ENOTFOUND) {
        http_reply_error(res, API_NOT_FOUND, "no such business", NULL);
        return BOUNDARY_REPLIED;
    }
    if (rc == OF_OK)
        rc = business_events_outlet(c, &t->origin, &t->outlet, true);
    return rc;
}

void business_http_outlet_create(struct http_request *req, struct http_response *res)
{
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct outlet_tx t = {.owner = req->principal.sub, .origin = business_http_origin(req)};
    struct jspec_error err;
    if (business_rules_outlet_create(body, &t.fields, &err) != 0) {
        http_reply_jspec(res, &err);
        goto out;
    }
    business_http_path_id(req, "id", t.id);
    if (!boundary_run(req, res, "outlet.create", outlet_create_tx, &t))
        goto out;
    char location[32 + UUID_STR_LEN];
    snprintf(location, sizeof location, "/v1/outlets/%s", t.outlet.id);
    http_add_header(res, "Location", location);
    http_reply_body(req, res, 201, business_json_outlet(&t.outlet));
out:
    json_decref(body);
}

/* ---- GET /v1/outlets/{id} ---- */

static int outlet_get_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct outlet_tx *t = ud;
    int rc = business_store_outlet_get(c, t->id, t->owner, false, &t->outlet);
    return rc == OF_ENOTFOUND ? no_outlet(res) : rc;
}

void business_http_outlet_get(struct http_request *req, struct http_response *res)
{
    struct outlet_tx t = {.owner = business_http_owner(req)};
    business_http_path_id(req, "id", t.id);
    if (boundary_read(req, res, "outlet.get", outlet_get_tx, &t))
        http_reply_body(req, res, 200, business_json_outlet(&t.outlet));
}

/* ---- PATCH /v1/outlets/{id} ---- */

/* A change is a new version and its event; a PATCH that changes nothing writes nothing. */
static int outlet_patch_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct outlet_tx *t = ud;
    int rc = business_store_outlet_get(c, t->id, t->owner, true, &t->outlet);
    if (rc == OF_ENOTFOUND)
        return no_outlet(res);
    if (rc != OF_OK || !business_rules_outlet_apply(&t->outlet, &t->fields))
        return rc;
    rc = business_store_outlet_update(c, &t->outlet);
    if (rc == OF_OK)
        rc = business_events_outlet(c, &t->origin, &t->outlet, false);
    return rc;
}

void business_http_outlet_patch(struct http_request *req, struct http_response *res)
{
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct outlet_tx t = {.owner = req->principal.sub, .origin = business_http_origin(req)};
    struct jspec_error err;
    if (business_rules_outlet_patch(body, &t.fields, &err) != 0) {
        http_reply_jspec(res, &err);
    } else {
        business_http_path_id(req, "id", t.id);
        if (boundary_run(req, res, "outlet.patch", outlet_patch_tx, &t))
            http_reply_body(req, res, 200, business_json_outlet(&t.outlet));
    }
    json_decref(body);
}
