/* notification-svc events: the topic -> handler table of every customer-visible lifecycle event
 * it consumes, the send timer that delivers a PENDING notification through the channel, and
 * notification.sent.v1, appended to the outbox in the transaction that marks it SENT.
 *
 * A handler keeps the read model, renders the kind's template and inserts the notification
 * PENDING with a send timer due now, in the consumer's transaction: it never waits for a
 * channel. An event for an order the read model does not know yet (delivery.*, which carry no
 * customer_id) is retried (consumer_retry), then dead-lettered. Bad data is dead-lettered. */
#ifndef NOTIFICATION_EVENTS_H
#define NOTIFICATION_EVENTS_H

#include <stddef.h>

#include "common/consumer.h"
#include "common/timers.h"

/* The send timer's kind: key "<notification id>.<attempt>", payload {notification_id}. */
#define NOTIFICATION_TIMER_SEND "notify.send"

extern const struct event_handler notification_events_handlers[];
extern const size_t notification_events_n_handlers;
extern const struct timer_kind notification_events_timers[];
extern const size_t notification_events_n_timers;

#endif
