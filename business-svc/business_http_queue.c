/* business-svc HTTP: an outlet's order queue. GET /v1/outlets/{id}/orders lists it (status
 * filter, cursor paging); POST .../orders/{order_id}/approve and .../reject decide one PENDING
 * order, announced by order.approved.v1 / order.rejected.v1 in the same transaction. A second
 * decision is 409 order_decided, one after the order was cancelled 409 order_cancelled. Only
 * the outlet's owner: another owner's outlet or order is 404. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "business_app.h"
#include "business_events.h"
#include "business_http.h"
#include "business_json.h"
#include "business_rules.h"
#include "business_state.h"
#include "business_store.h"
#include "common/boundary.h"
#include "common/errors.h"
#include "common/timefmt.h"

static int no_outlet(struct http_response *res)
{
    http_reply_error(res, API_NOT_FOUND, "no such outlet", NULL);
    return BOUNDARY_REPLIED;
}

/* ---- GET /v1/outlets/{id}/orders ---- */

struct queue_read {
    const char *owner;
    char id[UUID_STR_LEN];
    const struct business_queue_query *q;
    struct business_queue_entry *list; /* out, freed by free_list */
    size_t n;
};

static void free_list(struct queue_read *r)
{
    for (size_t i = 0; i < r->n; i++)
        business_queue_entry_clear(&r->list[i]);
    free(r->list);
    r->list = NULL;
    r->n = 0;
}

static int queue_list_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct queue_read *r = ud;
    struct business_outlet o;
    int rc = business_store_outlet_get(c, r->id, r->owner, false, &o);
    if (rc == OF_ENOTFOUND)
        return no_outlet(res);
    if (rc != OF_OK)
        return rc;
    free_list(r);
    return business_store_queue_page(c, r->id, r->q, &r->list, &r->n);
}

/* {orders: [...], next_cursor}: the store fetched one more than a page when there is a next. */
static json_t *queue_page(const struct queue_read *r, int limit)
{
    size_t n = r->n > (size_t)limit ? (size_t)limit : r->n;
    json_t *items = json_array(), *next = json_null();
    for (size_t i = 0; items && i < n; i++) {
        if (json_array_append_new(items, business_json_queue_entry(&r->list[i])) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    if (r->n > n) {
        struct business_queue_cursor c = {.placed_ms = r->list[n - 1].placed_ms};
        char text[BUSINESS_CURSOR_SIZE];
        memcpy(c.order_id, r->list[n - 1].order_id, UUID_STR_LEN);
        json_decref(next);
        next = business_rules_cursor_encode(&c, text) == OF_OK ? json_string(text) : NULL;
    }
    if (!items || !next) {
        json_decref(items);
        json_decref(next);
        return NULL;
    }
    return json_pack("{s:o, s:o}", "orders", items, "next_cursor", next);
}

void business_http_queue_list(struct http_request *req, struct http_response *res)
{
    struct business_queue_query q;
    struct jspec_error err;
    if (business_rules_queue_query(http_query(req, "status"), http_query(req, "limit"),
                                   http_query(req, "cursor"), &q, &err) != 0) {
        http_reply_jspec(res, &err);
        return;
    }
    struct queue_read r = {.owner = req->principal.sub, .q = &q};
    business_http_path_id(req, "id", r.id);
    if (boundary_read(req, res, "queue.list", queue_list_tx, &r))
        http_reply_body(req, res, 200, queue_page(&r, q.limit));
    free_list(&r);
}

/* ---- POST .../orders/{order_id}/approve and .../reject ---- */

struct decide_tx {
    const char *owner;
    char outlet_id[UUID_STR_LEN];
    char order_id[UUID_STR_LEN];
    enum business_queue_input input;
    struct business_decision d;
    const char *causation_id;
    struct business_queue_entry entry; /* out: as decided */
};

/* The 409 of an effect other than APPLY. */
static int refuse(struct http_response *res, const struct business_queue_entry *e,
                  enum business_queue_effect effect)
{
    char message[80];
    if (effect == BUSINESS_WAS_CANCELLED) {
        http_reply_error(res, API_ORDER_CANCELLED, NULL, NULL);
        return BOUNDARY_REPLIED;
    }
    snprintf(message, sizeof message, "the order was %s already",
             e->status == BUSINESS_APPROVED ? "approved" : "rejected");
    http_reply_error(res, API_ORDER_DECIDED, message, NULL);
    return BOUNDARY_REPLIED;
}

static int decide_tx(PGconn *c, void *ud, struct http_response *res)
{
    struct decide_tx *t = ud;
    struct business_outlet o;
    enum business_queue_effect effect;
    int rc = business_store_outlet_get(c, t->outlet_id, t->owner, false, &o);
    if (rc == OF_ENOTFOUND)
        return no_outlet(res);
    if (rc != OF_OK)
        return rc;
    business_queue_entry_clear(&t->entry); /* a rerun replaces what an earlier run read */
    rc = business_store_queue_get(c, t->order_id, t->outlet_id, true, &t->entry);
    if (rc == OF_ENOTFOUND) {
        http_reply_error(res, API_NOT_FOUND, "no such order in this outlet's queue", NULL);
        return BOUNDARY_REPLIED;
    }
    if (rc != OF_OK)
        return rc;
    t->d.now_ms = time_now_ms();
    rc = business_events_transition(c, &t->entry, t->input, &t->d, &o, t->causation_id, &effect);
    if (rc == OF_OK && effect != BUSINESS_APPLY)
        return refuse(res, &t->entry, effect);
    return rc;
}

static void decide(struct http_request *req, struct http_response *res, struct decide_tx *t)
{
    t->owner = req->principal.sub;
    t->causation_id = req->request_id;
    business_http_path_id(req, "id", t->outlet_id);
    business_http_path_id(req, "order_id", t->order_id);
    if (boundary_run(req, res, "queue.decide", decide_tx, t)) {
        business_app_count(business_http_app(req), t->input == BUSINESS_IN_APPROVE
                                                       ? BUSINESS_OUTCOME_APPROVED
                                                       : BUSINESS_OUTCOME_REJECTED);
        log_info(
            &(struct log_fields){req->log.trace_id, req->log.request_id, t->order_id, NULL, NULL},
            "order %s by its outlet", t->input == BUSINESS_IN_APPROVE ? "approved" : "rejected");
        http_reply_body(req, res, 200, business_json_queue_entry(&t->entry));
    }
    business_queue_entry_clear(&t->entry);
}

void business_http_approve(struct http_request *req, struct http_response *res)
{
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct business_approve_input in;
    struct jspec_error err;
    if (business_rules_approve(body, &in, &err) != 0) {
        http_reply_jspec(res, &err);
    } else {
        struct decide_tx t = {.input = BUSINESS_IN_APPROVE, .d.prep_time_min = in.prep_time_min};
        decide(req, res, &t);
    }
    json_decref(body);
}

void business_http_reject(struct http_request *req, struct http_response *res)
{
    json_t *body;
    if (http_json_body(req, res, &body) != 0)
        return;
    struct business_reject_input in;
    struct jspec_error err;
    if (business_rules_reject(body, &in, &err) != 0) {
        http_reply_jspec(res, &err);
    } else {
        struct decide_tx t = {.input = BUSINESS_IN_REJECT, .d.note = in.reason};
        decide(req, res, &t);
    }
    json_decref(body);
}
