/* payment-svc events: the handlers of payment.requested.v1 and order.cancelled.v1 and the events
 * they append (see payment_events.h). */
#include "payment_events.h"

#include <string.h>

#include <openssl/crypto.h>

#include "common/daemon.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/outbox.h"
#include "common/timefmt.h"
#include "payment_app.h"
#include "payment_json.h"
#include "payment_rules.h"
#include "payment_store.h"

#define PRODUCER "payment-svc"
#define SCHEMA   "payment"

static struct payment_app *app_of(struct consumer_ctx *ctx)
{
    return ((struct daemon *)ctx->app)->app;
}

/* ---- Produced ---- */

/* Appends data (stolen) as an event of type keyed and correlated by the order id, caused by ev,
 * in ev's trace. */
static int append(struct consumer_ctx *ctx, const struct envelope *ev, const char *type,
                  const char *order_id, json_t *data)
{
    const struct outbox_origin from = {PRODUCER, SCHEMA, ev->trace_id, ev->event_id};
    return outbox_emit(ctx->db, &from, type, order_id, data);
}

/* Stores the new payment p and appends its event: payment.completed.v1 when CAPTURED, else
 * payment.failed.v1; counts outcome. */
static int record(struct consumer_ctx *ctx, const struct envelope *ev, struct payment *p,
                  const char *outcome)
{
    int rc = payment_store_insert(ctx->db, p);
    if (rc != OF_OK)
        return rc;
    if (p->status == PAYMENT_CAPTURED)
        rc = append(ctx, ev, "payment.completed", p->order_id,
                    payment_json_completed(p, time_now_ms()));
    else
        rc = append(ctx, ev, "payment.failed", p->order_id, payment_json_failed(p, time_now_ms()));
    if (rc == OF_OK) {
        payment_app_count(app_of(ctx), outcome);
        log_info(ctx->log, "payment %s: %s%s%s", p->id, payment_rules_status_name(p->status),
                 p->failure_reason ? " " : "",
                 p->failure_reason ? payment_rules_reason_name(p->failure_reason) : "");
    }
    return rc;
}

/* ---- payment.requested.v1 ---- */

/* Charges req at the provider under p's id and records what came of it. */
static int charge(struct consumer_ctx *ctx, const struct envelope *ev,
                  const struct payment_request *req, struct payment *p)
{
    struct payment_app *app = app_of(ctx);
    struct payment_charge ch = {.key = p->id,
                                .order_id = p->order_id,
                                .amount_minor = p->amount_minor,
                                .currency = p->currency,
                                .method = p->method,
                                .token = req->token};
    struct payment_charge_result res = {0};
    int rc = app->provider.charge(app->provider.cls, &ch, &res);
    if (rc == OF_ERETRY) {
        payment_app_count_retry(app);
        return consumer_retry(ctx, "provider: the charge failed transiently; retried with the "
                                   "same idempotency key");
    }
    if (rc == OF_EUNAVAIL)
        return rc;
    if (rc != OF_OK) {
        log_warn(ctx->log, "provider %s refused the charge of payment %s: %s", app->provider.name,
                 p->id, of_result_name(rc));
        res.outcome = PAYMENT_CHARGE_ERROR;
    }
    if (res.outcome == PAYMENT_CHARGE_CAPTURED) {
        p->status = PAYMENT_CAPTURED;
        memcpy(p->provider_ref, res.provider_ref, sizeof p->provider_ref);
    } else {
        p->status = PAYMENT_FAILED;
        p->failure_reason = payment_rules_outcome_reason(res.outcome);
    }
    return record(ctx, ev, p, payment_rules_outcome_label(res.outcome));
}

static int request(struct consumer_ctx *ctx, const struct envelope *ev,
                   const struct payment_request *req)
{
    struct payment p = {0};
    bool cancelled = false;
    int rc = payment_store_get_by_order(ctx->db, req->order_id, true, &p);
    if (rc == OF_OK) {
        log_info(ctx->log,
                 "payment.requested.v1: the order has payment %s (%s) already: nothing "
                 "to do",
                 p.id, payment_rules_status_name(p.status));
        return OF_OK;
    }
    if (rc != OF_ENOTFOUND)
        return rc;
    rc = payment_store_cancellation_exists(ctx->db, req->order_id, &cancelled);
    if (rc != OF_OK)
        return rc;
    p = (struct payment){.amount_minor = req->amount_minor, .method = req->method};
    if (payment_rules_payment_id(req->order_id, p.id) != OF_OK)
        return consumer_fail(ctx, "data.order_id: must be a UUID");
    memcpy(p.order_id, req->order_id, UUID_STR_LEN);
    memcpy(p.customer_id, req->customer_id, UUID_STR_LEN);
    memcpy(p.currency, req->currency, sizeof p.currency);
    if (cancelled) {
        p.status = PAYMENT_FAILED;
        p.failure_reason = PAYMENT_ORDER_CANCELLED;
        return record(ctx, ev, &p, "cancelled");
    }
    return charge(ctx, ev, req, &p);
}

static int requested_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    struct payment_request req;
    char why[160];
    if (payment_rules_requested(ev->data, &req, why, sizeof why) != OF_OK)
        return consumer_fail(ctx, "%s", why);
    ctx->log->order_id = req.order_id;
    int rc = request(ctx, ev, &req);
    ctx->log->order_id = NULL;
    OPENSSL_cleanse(&req, sizeof req); /* the token is used and forgotten */
    return rc;
}

/* ---- order.cancelled.v1 ---- */

/* Refunds the CAPTURED payment p at the provider, marks it REFUNDED, appends
 * payment.refunded.v1. */
static int refund(struct consumer_ctx *ctx, const struct envelope *ev, struct payment *p)
{
    struct payment_app *app = app_of(ctx);
    struct payment_refund rq = {.key = p->id,
                                .order_id = p->order_id,
                                .charge_ref = p->provider_ref,
                                .amount_minor = p->amount_minor,
                                .currency = p->currency};
    struct payment_refund_result res = {0};
    int rc = app->provider.refund(app->provider.cls, &rq, &res);
    if (rc == OF_ERETRY)
        return consumer_retry(ctx, "provider: the refund failed transiently; retried with the "
                                   "same idempotency key");
    if (rc == OF_EUNAVAIL)
        return rc;
    if (rc != OF_OK)
        return consumer_fail(ctx, "provider: the refund was refused (%s)", of_result_name(rc));
    memcpy(p->refund_ref, res.provider_ref, sizeof p->refund_ref);
    rc = payment_store_refund(ctx->db, p);
    if (rc == OF_OK)
        rc = append(ctx, ev, "payment.refunded", p->order_id,
                    payment_json_refunded(p, time_now_ms()));
    if (rc == OF_OK) {
        payment_app_count_refund(app);
        log_info(ctx->log, "payment %s: REFUNDED", p->id);
    }
    return rc;
}

static int cancel(struct consumer_ctx *ctx, const struct envelope *ev,
                  const struct payment_cancellation *cn)
{
    struct payment p;
    int rc = payment_store_get_by_order(ctx->db, cn->order_id, true, &p);
    if (rc == OF_ENOTFOUND) {
        log_info(ctx->log, "order.cancelled.v1 before payment.requested.v1: remembered");
        return payment_store_cancellation_insert(ctx->db, cn);
    }
    if (rc != OF_OK)
        return rc;
    if (strcmp(p.customer_id, cn->customer_id) != 0)
        return consumer_fail(ctx, "data.customer_id: not the customer of the order's payment");
    if (p.status == PAYMENT_CAPTURED)
        return refund(ctx, ev, &p);
    log_info(ctx->log, "order.cancelled.v1: payment %s is %s: nothing to refund", p.id,
             payment_rules_status_name(p.status));
    return OF_OK;
}

static int cancelled_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    struct payment_cancellation cn;
    char why[160];
    if (payment_rules_cancelled(ev->data, &cn, why, sizeof why) != OF_OK)
        return consumer_fail(ctx, "%s", why);
    ctx->log->order_id = cn.order_id;
    int rc = cancel(ctx, ev, &cn);
    ctx->log->order_id = NULL;
    return rc;
}

const struct event_handler payment_events_handlers[] = {
    {"payment.requested.v1", requested_handle, outbox_order_lock_keys},
    {"order.cancelled.v1", cancelled_handle, outbox_order_lock_keys},
};
const size_t payment_events_n_handlers =
    sizeof payment_events_handlers / sizeof payment_events_handlers[0];
