/* partner-svc events: the handlers of order.approved.v1 and order.cancelled.v1, the offer, search
 * and auto-mode timers, and the delivery transitions they and the HTTP routes share. Every
 * function runs inside the caller's transaction and writes the delivery, the partner it holds or
 * frees, the timers and the outbox rows of its events together. */
#ifndef PARTNER_EVENTS_H
#define PARTNER_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "common/consumer.h"
#include "common/log.h"
#include "common/timers.h"
#include "partner.h"

struct partner_app;

#define PARTNER_TIMER_OFFER  "offer_timeout" /* key: delivery id */
#define PARTNER_TIMER_SEARCH "search"        /* key: delivery id; next look, or the window */
#define PARTNER_TIMER_AUTO   "auto_partner"  /* key: delivery id; OF_PARTNER_AUTO's next step */

/* Applies input (ACCEPT, DECLINE, PICKUP, DELIVER, CANCEL) to d, locked by the caller: the state
 * change, the partner freed where the delivery lets go of it, the timers armed or cancelled, the
 * event it announces, and for a decline the next offer (or the failure once the window is over).
 * reason: a decline's free text (NULL none); timed_out: a decline by the offer timer.
 * causation_id: the request id, event id or timer kind. *applied is false, and nothing written,
 * when input does not apply in d's state (the HTTP layer answers 409). */
int partner_events_apply(PGconn *c, struct partner_app *app, struct delivery *d,
                         enum delivery_input input, const char *reason, bool timed_out,
                         const char *causation_id, const struct log_fields *log, bool *applied)
    __attribute__((warn_unused_result));

extern const struct event_handler partner_events_handlers[];
extern const size_t partner_events_n_handlers;
extern const struct timer_kind partner_events_timers[];
extern const size_t partner_events_n_timers;

#endif
