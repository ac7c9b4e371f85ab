/* customer-svc HTTP: GET /v1/feed, the open outlets nearest one of the caller's addresses. */
#include <stdlib.h>

#include "common/boundary.h"
#include "common/errors.h"
#include "common/geo.h"
#include "customer_feed.h"
#include "customer_http.h"
#include "customer_rules.h"
#include "customer_store.h"

/* ---- GET /v1/feed ---- */

struct feed_read {
    const char *account_id;
    const struct customer_feed_query *q;
    json_t *body; /* out */
};

/* The address, the candidates in the box around it, then the pure ranking and paging. */
static int feed_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct feed_read *f = ud;
    struct customer_address a;
    struct geo_box box;
    struct customer_outlet *list = NULL;
    size_t n = 0;
    int rc = customer_store_address_get(c, f->account_id, f->q->address_id, &a);
    if (rc == OF_ENOTFOUND) {
        http_reply_error(res, API_NOT_FOUND, "no such address", "address_id");
        return BOUNDARY_REPLIED;
    }
    if (rc != OF_OK)
        return rc;
    if (geo_box_around(a.lat, a.lng, f->q->radius_m, &box) != OF_OK)
        return OF_EPERMANENT; /* the store holds only valid coordinates */
    rc = customer_store_outlet_in_box(c, &box, &list, &n);
    json_decref(f->body); /* a rerun replaces what an earlier run built */
    f->body = NULL;
    if (rc == OF_OK)
        rc = customer_feed_page(list, n, a.lat, a.lng, f->q, &f->body);
    free(list);
    return rc;
}

void customer_http_feed(struct http_request *req, struct http_response *res)
{
    struct customer_feed_query q;
    struct jspec_error err;
    if (customer_rules_feed_query(http_query(req, "address_id"), http_query(req, "radius_km"),
                                  http_query(req, "limit"), http_query(req, "cursor"), &q,
                                  &err) != 0) {
        http_reply_jspec(res, &err);
        return;
    }
    struct feed_read f = {.account_id = req->principal.sub, .q = &q};
    if (boundary_read(req, res, "feed.page", feed_tx, &f))
        http_reply_body(req, res, 200, f.body);
    else
        json_decref(f.body);
}
