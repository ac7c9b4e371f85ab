/* order-svc events: the topic -> handler table of what it consumes (the saga's answers through
 * the state machine, the events that only inform the timeline, and the address and outlet read
 * models), and order_events_step(), the one function through which an order changes state: it
 * runs order_state_step() and does what the step says (the order's new fields, its timeline
 * entry, the commands appended to the outbox), in the caller's transaction. */
#ifndef ORDER_EVENTS_H
#define ORDER_EVENTS_H

#include <stddef.h>

#include <libpq-fe.h>

#include "common/consumer.h"
#include "order.h"
#include "order_rules.h"
#include "order_state.h"

struct order_app;

/* service_def.handlers:
 * - inventory.validated/invalidated, inventory.reservation.expired, payment.completed/failed,
 *   order.approved/rejected, delivery.*: data that order_rules_event() refuses is dead-lettered;
 *   an order order-svc does not know (yet) is retried and, past the budget, dead-lettered; else
 *   order_events_step() (EARLY is retried the same way; validated lines that are not the
 *   order's, or a payment of another amount, are dead-lettered).
 * - inventory.released, inventory.committed, payment.refunded: a NOTED timeline entry.
 * - customer.address.updated.v1, business.outlet.created/updated.v1: the read models.
 * Every handler about an order locks its outbox key. */
extern const struct event_handler order_events_handlers[];
extern const size_t order_events_n_handlers;

/* What caused a step: the event (its id; also the causation of what the step emits), or for the
 * order's own HTTP steps the request (event_id "", causation its request id). */
struct order_cause {
    const char *event_id;
    const char *causation_id;
};

/* Applies input ev with data (NULL for the cancel request) to o, read FOR UPDATE in this
 * transaction, and sets *ret_step. APPLIED: o's fields are updated from data (prices and
 * reservation from inventory.validated, the payment id from payment.completed, the reason and
 * stage of a rejection or cancellation), saved, the change recorded and the step's commands
 * appended to the outbox in o's trace. DUPLICATE, STALE, LATE: a timeline note; a LATE step on
 * CANCELLED re-emits order.cancelled.v1 with the stored reason and stage. EARLY and REFUSED
 * change nothing. Returns order_state_result() of the step (OF_OK, OF_ERETRY, OF_ECONFLICT),
 * OF_EPERMANENT with the reason in why when data does not fit the order, or a database error. */
int order_events_step(PGconn *c, struct order_app *app, struct order *o, enum order_event_type ev,
                      const struct order_event_data *data, const struct order_cause *cause,
                      struct order_step *ret_step, char *why, size_t whylen)
    __attribute__((warn_unused_result));

/* The first step of a new order o (inserted in this transaction): its CREATED timeline entry and
 * order.created.v1 + inventory.validation.requested.v1, caused by the request request_id. */
int order_events_created(PGconn *c, const struct order *o, const char *request_id)
    __attribute__((warn_unused_result));

#endif
