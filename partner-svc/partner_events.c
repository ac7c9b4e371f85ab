/* partner-svc events: assignment, the delivery transitions, their timers and events (see
 * partner_events.h). */
#include "partner_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/daemon.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/geo.h"
#include "common/outbox.h"
#include "common/timefmt.h"
#include "common/xalloc.h"
#include "partner_app.h"
#include "partner_json.h"
#include "partner_rules.h"
#include "partner_state.h"
#include "partner_store.h"

#define PRODUCER "partner-svc"
#define SCHEMA   "partner"

/* Candidates read per search radius: the nearest free partners are among them unless a box
 * holds more than this many free partners, and then any of them is near enough. */
#define CANDIDATES_MAX 200

static int emit(PGconn *c, const struct delivery *d, const char *causation_id, const char *type,
                json_t *data)
{
    const struct outbox_origin from = {PRODUCER, SCHEMA, d->trace_id, causation_id};
    return outbox_emit(c, &from, type, d->order_id, data);
}

/* ---- Timers ---- */

static int arm(PGconn *c, const char *kind, const struct delivery *d, int64_t due_ms)
{
    json_t *payload = json_pack("{s:s}", "delivery_id", d->id);
    int rc = payload ? timers_arm(c, SCHEMA, kind, d->id, due_ms, payload) : OF_ERETRY;
    json_decref(payload);
    return rc;
}

static int disarm_all(PGconn *c, const struct delivery *d)
{
    int rc = timers_cancel(c, SCHEMA, PARTNER_TIMER_OFFER, d->id);
    if (rc == OF_OK)
        rc = timers_cancel(c, SCHEMA, PARTNER_TIMER_SEARCH, d->id);
    if (rc == OF_OK)
        rc = timers_cancel(c, SCHEMA, PARTNER_TIMER_AUTO, d->id);
    return rc;
}

/* ---- The search ---- */

/* Looks for the nearest free partner within widening radii of the pickup and offers d to the
 * first one it can claim; with none up to the widest radius, d stays SEARCHING with the search
 * timer armed, or FAILS once the window is over. d is SEARCHING and locked. */
static int search(PGconn *c, struct partner_app *app, struct delivery *d, const char *causation_id,
                  const struct log_fields *log)
{
    int64_t now = time_now_ms();
    for (double r = app->radius_m;; r += app->radius_step_m) {
        if (r > app->max_radius_m)
            r = app->max_radius_m;
        struct geo_box box;
        struct partner_candidate *cand = NULL;
        size_t n = 0;
        if (geo_box_around(d->pickup_lat, d->pickup_lng, r, &box) != OF_OK)
            return OF_EPERMANENT;
        int rc = partner_store_candidates(c, &box, app->stale_s, d->id, CANDIDATES_MAX, &cand, &n);
        if (rc != OF_OK)
            return rc;
        n = partner_rules_rank(cand, n, d->pickup_lat, d->pickup_lng, r);
        for (size_t i = 0; i < n; i++) {
            rc = partner_store_partner_claim(c, cand[i].id, d->id, app->stale_s);
            if (rc == OF_ENOTFOUND)
                continue; /* taken, locked by another claim, or gone offline meanwhile */
            if (rc == OF_ECONFLICT)
                rc = OF_ERETRY; /* the unique backstop: claimed concurrently after all */
            if (rc != OF_OK)
                break;
            double to_drop = geo_distance_m(d->pickup_lat, d->pickup_lng, d->drop_lat, d->drop_lng);
            d->status = DELIVERY_OFFERED;
            memcpy(d->partner_id, cand[i].id, UUID_STR_LEN);
            d->offers++;
            d->radius_m = r;
            d->distance_m = cand[i].distance_m;
            d->eta_min =
                partner_rules_eta_min(cand[i].distance_m + to_drop, (double)app->cfg.speed_kmh);
            d->offered_ms = now;
            rc = partner_store_delivery_save(c, d);
            if (rc == OF_OK)
                rc = timers_cancel(c, SCHEMA, PARTNER_TIMER_SEARCH, d->id);
            if (rc == OF_OK)
                rc = arm(c, PARTNER_TIMER_OFFER, d, now + app->offer_timeout_ms);
            if (rc == OF_OK && app->cfg.autopilot)
                rc = arm(c, PARTNER_TIMER_AUTO, d, now + app->cfg.auto_accept_ms);
            if (rc == OF_OK)
                log_info(log, "delivery offered to the nearest free partner, %.0f m away",
                         d->distance_m);
            free(cand);
            return rc;
        }
        free(cand);
        if (rc != OF_OK && rc != OF_ENOTFOUND)
            return rc;
        if (r >= app->max_radius_m)
            break;
    }
    d->radius_m = app->max_radius_m;
    if (now >= d->window_due_ms) {
        d->status = DELIVERY_FAILED;
        d->closed_ms = now;
        snprintf(d->failure_reason, sizeof d->failure_reason, "NO_PARTNER_AVAILABLE");
        int rc = partner_store_delivery_save(c, d);
        if (rc == OF_OK)
            rc = disarm_all(c, d);
        if (rc == OF_OK)
            rc = emit(c, d, causation_id, "delivery.assignment.failed", partner_json_failed(d));
        if (rc == OF_OK) {
            partner_app_count_end(app, PARTNER_END_FAILED);
            log_info(log, "no partner took the delivery within the assignment window");
        }
        return rc;
    }
    int64_t due = now + app->retry_ms;
    int rc = partner_store_delivery_save(c, d);
    if (rc == OF_OK)
        rc = arm(c, PARTNER_TIMER_SEARCH, d, due < d->window_due_ms ? due : d->window_due_ms);
    return rc;
}

/* ---- Transitions ---- */

int partner_events_apply(PGconn *c, struct partner_app *app, struct delivery *d,
                         enum delivery_input input, const char *reason, bool timed_out,
                         const char *causation_id, const struct log_fields *log, bool *applied)
{
    enum delivery_status to = partner_state_next(d->status, input);
    *applied = to != DELIVERY_STATUS_COUNT;
    if (!*applied)
        return OF_OK;
    int64_t now = time_now_ms();
    char partner_id[UUID_STR_LEN];
    memcpy(partner_id, d->partner_id, UUID_STR_LEN);
    d->status = to;
    int rc = OF_OK;
    switch (input) {
    case DELIVERY_IN_ACCEPT: {
        struct partner p = {0};
        d->assigned_ms = now;
        rc = partner_store_delivery_save(c, d);
        if (rc == OF_OK)
            rc = timers_cancel(c, SCHEMA, PARTNER_TIMER_OFFER, d->id);
        if (rc == OF_OK && app->cfg.autopilot)
            rc = arm(c, PARTNER_TIMER_AUTO, d, now + app->cfg.auto_pickup_ms);
        if (rc == OF_OK)
            rc = partner_store_partner_vehicle(c, d->partner_id, &p);
        if (rc == OF_OK)
            rc = emit(c, d, causation_id, "delivery.agent.assigned",
                      partner_json_assigned(d, partner_vehicle_name(p.vehicle)));
        if (rc == OF_OK)
            partner_app_count_offer(app, PARTNER_OFFER_ACCEPTED);
        return rc;
    }
    case DELIVERY_IN_DECLINE:
        d->partner_id[0] = '\0';
        d->distance_m = -1;
        d->eta_min = -1;
        rc = partner_store_decline(c, d->id, partner_id, timed_out, reason);
        if (rc == OF_OK)
            rc = partner_store_delivery_save(c, d);
        if (rc == OF_OK)
            rc = partner_store_partner_free(c, partner_id, d->id);
        if (rc == OF_OK)
            rc = timers_cancel(c, SCHEMA, PARTNER_TIMER_OFFER, d->id);
        if (rc == OF_OK)
            rc = timers_cancel(c, SCHEMA, PARTNER_TIMER_AUTO, d->id);
        if (rc == OF_OK) {
            partner_app_count_offer(app,
                                    timed_out ? PARTNER_OFFER_TIMEOUT : PARTNER_OFFER_REJECTED);
            log_info(log, "offer %s: to the next nearest partner",
                     timed_out ? "timed out" : "rejected");
            rc = search(c, app, d, causation_id, log);
        }
        return rc;
    case DELIVERY_IN_PICKUP:
        d->picked_up_ms = now;
        rc = partner_store_delivery_save(c, d);
        if (rc == OF_OK && app->cfg.autopilot)
            rc = arm(c, PARTNER_TIMER_AUTO, d, now + app->cfg.auto_deliver_ms);
        if (rc == OF_OK)
            rc = emit(c, d, causation_id, "delivery.picked_up", partner_json_picked_up(d));
        return rc;
    case DELIVERY_IN_DELIVER:
        d->delivered_ms = now;
        rc = partner_store_delivery_save(c, d);
        if (rc == OF_OK)
            rc = partner_store_partner_free(c, partner_id, d->id);
        if (rc == OF_OK)
            rc = timers_cancel(c, SCHEMA, PARTNER_TIMER_AUTO, d->id);
        if (rc == OF_OK)
            rc = emit(c, d, causation_id, "delivery.delivered", partner_json_delivered(d));
        if (rc == OF_OK)
            partner_app_count_end(app, PARTNER_END_DELIVERED);
        return rc;
    case DELIVERY_IN_CANCEL:
        d->closed_ms = now;
        rc = partner_store_delivery_save(c, d);
        if (rc == OF_OK)
            rc = partner_store_partner_free(c, partner_id, d->id);
        if (rc == OF_OK)
            rc = disarm_all(c, d);
        if (rc == OF_OK)
            partner_app_count_end(app, PARTNER_END_CANCELLED);
        return rc;
    default:
        return OF_EPERMANENT; /* OFFER and FAIL are the search's own */
    }
}

/* ---- Consumed ---- */

static struct partner_app *app_of(void *daemon)
{
    return ((struct daemon *)daemon)->app;
}

static int approved_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    struct partner_app *app = app_of(ctx->app);
    struct delivery *d = xcalloc(1, sizeof *d);
    char why[200];
    bool created = false, cancelled = false;
    int rc = partner_rules_order_approved(ev->data, d, why, sizeof why);
    if (rc != OF_OK) {
        rc = rc == OF_EPERMANENT ? consumer_fail(ctx, "%s", why) : rc;
        goto out;
    }
    ctx->log->order_id = d->order_id;
    rc = partner_store_cancelled_seen(ctx->db, d->order_id, &cancelled);
    if (rc != OF_OK)
        goto out;
    if (cancelled) {
        log_info(ctx->log, "order.approved.v1 for an order cancelled already: no delivery");
        goto out;
    }
    snprintf(d->trace_id, sizeof d->trace_id, "%s", ev->trace_id);
    d->radius_m = app->radius_m;
    d->window_due_ms = time_now_ms() + app->window_ms;
    rc = partner_store_delivery_insert(ctx->db, d, &created);
    if (rc != OF_OK)
        goto out;
    if (!created) {
        log_info(ctx->log, "order.approved.v1 for an order with a delivery already: nothing to do");
        goto out;
    }
    rc = search(ctx->db, app, d, ev->event_id, ctx->log);
out:
    ctx->log->order_id = NULL;
    free(d);
    return rc;
}

static int cancelled_handle(struct consumer_ctx *ctx, const struct envelope *ev)
{
    char order_id[UUID_STR_LEN], why[160];
    bool applied;
    if (partner_rules_order_ref(ev->data, order_id, why, sizeof why) != OF_OK)
        return consumer_fail(ctx, "%s", why);
    struct delivery *d = xcalloc(1, sizeof *d);
    ctx->log->order_id = order_id;
    int rc = partner_store_delivery_by_order(ctx->db, order_id, true, d);
    if (rc == OF_ENOTFOUND) {
        rc = partner_store_cancelled_mark(ctx->db, order_id);
    } else if (rc == OF_OK) {
        enum delivery_status from = d->status;
        rc = partner_events_apply(ctx->db, app_of(ctx->app), d, DELIVERY_IN_CANCEL, NULL, false,
                                  ev->event_id, ctx->log, &applied);
        if (rc == OF_OK)
            log_info(ctx->log, "order cancelled: delivery %s %s", partner_state_name(from),
                     applied ? "cancelled, its partner freed" : "kept (too late to cancel)");
    }
    ctx->log->order_id = NULL;
    free(d);
    return rc;
}

/* ---- Timers ---- */

/* The delivery of a timer's payload, locked; OF_ENOTFOUND when it is gone. */
static int timer_delivery(struct timer_ctx *ctx, const json_t *payload, struct delivery *d)
{
    char id[UUID_STR_LEN], why[160];
    if (partner_rules_delivery_ref(payload, id, why, sizeof why) != OF_OK)
        return timer_fail(ctx, "%s", why);
    return partner_store_delivery_get(ctx->db, id, true, d);
}

static int fire_offer(struct timer_ctx *ctx, const json_t *payload)
{
    struct delivery *d = xcalloc(1, sizeof *d);
    bool applied;
    int rc = timer_delivery(ctx, payload, d);
    if (rc == OF_OK && d->status == DELIVERY_OFFERED)
        rc = partner_events_apply(ctx->db, app_of(ctx->app), d, DELIVERY_IN_DECLINE, NULL, true,
                                  PARTNER_TIMER_OFFER, ctx->log, &applied);
    free(d);
    return rc == OF_ENOTFOUND ? OF_OK : rc;
}

static int fire_search(struct timer_ctx *ctx, const json_t *payload)
{
    struct delivery *d = xcalloc(1, sizeof *d);
    int rc = timer_delivery(ctx, payload, d);
    if (rc == OF_OK && d->status == DELIVERY_SEARCHING)
        rc = search(ctx->db, app_of(ctx->app), d, PARTNER_TIMER_SEARCH, ctx->log);
    free(d);
    return rc == OF_ENOTFOUND ? OF_OK : rc;
}

/* OF_PARTNER_AUTO: the offered partner accepts, the assigned one picks up, the one on the way
 * delivers: one step per firing, each arming the next. */
static int fire_auto(struct timer_ctx *ctx, const json_t *payload)
{
    static const enum delivery_input step[DELIVERY_STATUS_COUNT] = {
        [DELIVERY_SEARCHING] = DELIVERY_INPUT_COUNT, [DELIVERY_OFFERED] = DELIVERY_IN_ACCEPT,
        [DELIVERY_ASSIGNED] = DELIVERY_IN_PICKUP,    [DELIVERY_PICKED_UP] = DELIVERY_IN_DELIVER,
        [DELIVERY_DELIVERED] = DELIVERY_INPUT_COUNT, [DELIVERY_CANCELLED] = DELIVERY_INPUT_COUNT,
        [DELIVERY_FAILED] = DELIVERY_INPUT_COUNT,
    };
    struct delivery *d = xcalloc(1, sizeof *d);
    bool applied;
    int rc = timer_delivery(ctx, payload, d);
    if (rc == OF_OK && (unsigned)d->status < DELIVERY_STATUS_COUNT &&
        step[d->status] != DELIVERY_INPUT_COUNT)
        rc = partner_events_apply(ctx->db, app_of(ctx->app), d, step[d->status], NULL, false,
                                  PARTNER_TIMER_AUTO, ctx->log, &applied);
    free(d);
    return rc == OF_ENOTFOUND ? OF_OK : rc;
}

const struct timer_kind partner_events_timers[] = {
    {PARTNER_TIMER_OFFER, fire_offer},
    {PARTNER_TIMER_SEARCH, fire_search},
    {PARTNER_TIMER_AUTO, fire_auto},
};
const size_t partner_events_n_timers =
    sizeof partner_events_timers / sizeof partner_events_timers[0];

const struct event_handler partner_events_handlers[] = {
    {"order.approved.v1", approved_handle, outbox_order_lock_keys},
    {"order.cancelled.v1", cancelled_handle, outbox_order_lock_keys},
};
const size_t partner_events_n_handlers =
    sizeof partner_events_handlers / sizeof partner_events_handlers[0];
