/* payment-svc events: the topic -> handler table of what it consumes (payment.requested.v1: at
 * most one payment per order, charged through the provider adapter; order.cancelled.v1: a
 * captured payment refunded once, or the cancellation remembered for a request still to come)
 * and the builders of what it produces (payment.completed.v1, payment.failed.v1,
 * payment.refunded.v1, keyed by the order id, appended to the outbox in the handler's
 * transaction). */
#ifndef PAYMENT_EVENTS_H
#define PAYMENT_EVENTS_H

#include <stddef.h>

#include "common/consumer.h"

/* service_def.handlers. Every handler is idempotent: the inbox skips a redelivered event; a
 * second payment.requested.v1 for an order that has a payment changes nothing; a second
 * order.cancelled.v1 refunds only a payment still CAPTURED. Data the rules refuse is
 * dead-lettered naming the field; a transient provider failure is retried (consumer_retry) and
 * charges again under the same idempotency key (the derived payment id); an unreachable
 * provider (its connection) aborts the batch (OF_EUNAVAIL). lock_keys: the order's outbox lock,
 * so both topics' handlers of one order take turns across instances. */
extern const struct event_handler payment_events_handlers[];
extern const size_t payment_events_n_handlers;

#endif
