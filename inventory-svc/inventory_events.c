/* inventory-svc events: the handlers of the consumed topics and their lock keys (see
 * inventory_events.h); what they do to a reservation is inventory_flow's. */
#include "inventory_events.h"

#include <stdlib.h>

#include "common/daemon.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/outbox.h"
#include "common/outlet_store.h"
#include "common/timefmt.h"
#include "common/xalloc.h"
#include "inventory_app.h"
#include "inventory_flow.h"
#include "inventory_rules.h"
#include "inventory_store.h"

/* ---- Consumed ---- */

static struct inventory_app *app_of(struct consumer_ctx *ctx)
{
    return ((struct daemon *)ctx->app)->app;
}

/* The flow of a consumed event about order_id. */
static struct inventory_flow flow_of(struct consumer_ctx *ctx, const struct envelope *ev,
                                     const char *order_id, const char *outlet_id)
{
    ctx->log->order_id = order_id;
    return (struct inventory_flow){.db = ctx->db,
                                   .app = app_of(ctx),
                                   .log = ctx->log,
                                   .topic = ctx->topic,
                                   .trace_id = ev->trace_id,
                                   .causation_id = ev->event_id,
                                   .order_id = order_id,
                                   .outlet_id = outlet_id,
                                   .reservation_id = "",
                                   .reason = ""};
}

/* What the handler returns after inventory_flow_drive() returned rc. */
static int finish(struct consumer_ctx *ctx, const struct inventory_flow *f, int rc)
{
    if (rc != OF_OK)
        return rc;
    if (f->verdict == INVENTORY_RETRY)
        return consumer_retry(ctx, "%s", f->why);
    if (f->verdict == INVENTORY_REFUSE)
        return consumer_fail(ctx, "%s", f->why);
    return OF_OK;
}

/* business.outlet.created.v1 / business.outlet.updated.v1: the read model, under the producer's
 * version; dead-letters what the rules refuse and an occurred_at beyond the allowed skew. */
static int outlet_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    return outlet_event_handle(ctx, ev, app_of(ctx)->event_max_skew_ms);
}

/* inventory.validation.requested.v1: reserve every line or none. */
static int requested_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    struct inventory_validation_request *req = xcalloc(1, sizeof *req);
    char why[160];
    int rc;
    if (inventory_rules_validation_request(ev->data, req, why, sizeof why) != OF_OK) {
        rc = consumer_fail(ctx, "%s", why);
    } else {
        struct inventory_flow f = flow_of(ctx, ev, req->order_id, req->outlet_id);
        f.req = req;
        rc = finish(ctx, &f, inventory_flow_drive(&f, INVENTORY_REQUESTED));
    }
    ctx->log->order_id = NULL;
    free(req);
    return rc;
}

/* order.placed.v1, order.cancelled.v1, order.delivered.v1. */
static int order_handle(struct consumer_ctx *ctx, const struct envelope *ev,
                        enum inventory_trigger trigger)
{
    struct inventory_order_event o;
    char why[160];
    if (inventory_rules_order_event(ev->data, trigger, &o, why, sizeof why) != OF_OK)
        return consumer_fail(ctx, "%s", why);
    struct inventory_flow f = flow_of(ctx, ev, o.order_id, o.outlet_id);
    f.reservation_id = o.reservation_id;
    f.reason = o.reason;
    int rc = finish(ctx, &f, inventory_flow_drive(&f, trigger));
    ctx->log->order_id = NULL;
    return rc;
}

static int placed_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    return order_handle(ctx, ev, INVENTORY_PLACED);
}

static int cancelled_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    return order_handle(ctx, ev, INVENTORY_CANCELLED);
}

static int delivered_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    return order_handle(ctx, ev, INVENTORY_DELIVERED);
}

/* The outlet's stock lock and the order's outbox lock (the consumer sorts them). Data that
 * lacks them is dead-lettered by the handler anyway. */
static size_t order_lock_keys(const struct envelope *ev, int64_t *ret_keys, size_t max)
{
    const char *outlet = json_string_value(json_object_get(ev->data, "outlet_id"));
    const char *order = json_string_value(json_object_get(ev->data, "order_id"));
    size_t n = 0;
    if (outlet && n < max)
        ret_keys[n++] = inventory_rules_outlet_lock_key(outlet);
    if (order && n < max)
        ret_keys[n++] = outbox_lock_key(order);
    return n;
}

/* The timer thread's entry to inventory_flow_ttl_fire(). */
static int fire_ttl(struct timer_ctx *ctx, const json_t *payload)
{
    return inventory_flow_ttl_fire(ctx->db, ((struct daemon *)ctx->app)->app, payload);
}

const struct timer_kind inventory_events_timers[] = {
    {INVENTORY_TIMER_RESERVATION_TTL, fire_ttl},
};
const size_t inventory_events_n_timers =
    sizeof inventory_events_timers / sizeof inventory_events_timers[0];

const struct event_handler inventory_events_handlers[] = {
    {"business.outlet.created.v1", outlet_handle, NULL},
    {"business.outlet.updated.v1", outlet_handle, NULL},
    {"inventory.validation.requested.v1", requested_handle, order_lock_keys},
    {"order.placed.v1", placed_handle, order_lock_keys},
    {"order.cancelled.v1", cancelled_handle, order_lock_keys},
    {"order.delivered.v1", delivered_handle, order_lock_keys},
};
const size_t inventory_events_n_handlers =
    sizeof inventory_events_handlers / sizeof inventory_events_handlers[0];
