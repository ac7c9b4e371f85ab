/* business-svc events: the topic -> handler table of what it consumes (order.placed.v1 into the
 * outlet's queue, order.cancelled.v1 closing an entry), the one function through which a queue
 * entry changes and its decision is announced, the approval-SLA timer, and the builders of what
 * it produces, appended to the outbox in the caller's transaction. */
#ifndef BUSINESS_EVENTS_H
#define BUSINESS_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "business.h"
#include "business_state.h"
#include "common/consumer.h"
#include "common/timers.h"

struct business_app;

/* The approval timer's kind (common/timers.h): key the order id, payload {order_id}. */
#define BUSINESS_TIMER_APPROVAL "approval_sla"

/* service_def.handlers:
 * - order.placed.v1: dead-letters data that business_rules_order_placed refuses, an occurred_at
 *   or placed_at more than OF_EVENT_MAX_SKEW_S ahead, and an outlet business-svc does not know
 *   ("data.outlet_id: no such outlet"); queues the order PENDING (a second event for a queued
 *   order changes nothing); then an open auto-approving outlet approves it at once
 *   (order.approved.v1 with auto true, OF_AUTO_PREP_TIME_MIN), any other outlet arms its
 *   approval timer, due placed_at + approval_sla_s. Its lock key is the order's outbox key.
 * - order.cancelled.v1: the entry, PENDING or APPROVED, becomes CANCELLED and a pending timer is
 *   cancelled; an order not in any queue (cancelled before it was placed) or closed already
 *   changes nothing.
 * Database errors are returned as db_exec classified them. */
extern const struct event_handler business_events_handlers[];
extern const size_t business_events_n_handlers;
/* The timer kinds (service_def.timers): the approval SLA. */
extern const struct timer_kind business_events_timers[];
extern const size_t business_events_n_timers;

/* Where an event comes from: its trace id and its causation (the request id, or the event id
 * of the event that caused it). */
struct business_event_origin {
    const char *trace_id;
    const char *causation_id;
};

/* business.outlet.created.v1 (created) or business.outlet.updated.v1 with
 * business_json_outlet_event(o), keyed by the outlet id. Returns OF_OK or the error of
 * envelope_init/outbox_append. */
int business_events_outlet(PGconn *c, const struct business_event_origin *origin,
                           const struct business_outlet *o, bool created)
    __attribute__((warn_unused_result));

/* The one way a queue entry changes: applies input to e (read FOR UPDATE in this transaction) by
 * business_state_apply() and sets *ret_effect. On BUSINESS_APPLY it saves e, cancels the approval
 * timer of an entry that was PENDING (unless input is the timeout itself), and announces a
 * decision in the order's trace (e->trace_id) with causation causation_id: APPROVE appends
 * order.approved.v1 (o, the entry's outlet, is required then), REJECT and TIMEOUT
 * order.rejected.v1, CANCEL nothing. Any other effect changes nothing. Returns OF_OK or the
 * first error. */
int business_events_transition(PGconn *c, struct business_queue_entry *e,
                               enum business_queue_input input, const struct business_decision *d,
                               const struct business_outlet *o, const char *causation_id,
                               enum business_queue_effect *ret_effect)
    __attribute__((warn_unused_result));

/* The approval timer's fire handler, run in the timer thread's transaction on c: the order named
 * by payload {order_id}, if still PENDING, is rejected with APPROVAL_TIMEOUT (order.rejected.v1)
 * and counted; otherwise nothing changes. A payload that names no order is OF_EPERMANENT.
 * Run by the timer kind BUSINESS_TIMER_APPROVAL (business_events_timers). */
int business_events_approval_timeout(PGconn *c, struct business_app *app, const json_t *payload,
                                     const struct log_fields *log)
    __attribute__((warn_unused_result));

#endif
