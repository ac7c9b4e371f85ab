/* customer-svc events: the topic -> handler table of what it consumes (business.outlet.* into the
 * feed's read model) and the builders of what it produces, appended to the outbox in the
 * caller's transaction. No phone numbers and no OTP codes ever go into an event. */
#ifndef CUSTOMER_EVENTS_H
#define CUSTOMER_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "common/consumer.h"
#include "customer.h"

/* service_def.handlers: both outlet topics, no lock keys. A handler dead-letters (OF_EPERMANENT)
 * data that customer_rules_outlet_event rejects, an unparsable occurred_at and one more than
 * OF_EVENT_MAX_SKEW_S in the future (envelope_occurred_ms), upserts the outlet under the
 * producer's version (customer_store_outlet_upsert: an event that is not newer changes nothing)
 * and returns database errors as db_exec classified them. */
extern const struct event_handler customer_events_handlers[];
extern const size_t customer_events_n_handlers;

/* Where an event comes from: the request's trace id and its request id (the causation id). */
struct customer_event_origin {
    const char *trace_id;
    const char *request_id;
};

/* customer.registered.v1 {account_id, role}, keyed by the account id. Returns OF_OK or the
 * error of envelope_init/outbox_append. */
int customer_events_registered(PGconn *c, const struct customer_event_origin *o,
                               const struct customer_account *account)
    __attribute__((warn_unused_result));

/* customer.address.updated.v1 {address_id, account_id, label, line1, city, postcode, lat, lng,
 * deleted}, keyed by the account id (so order-svc sees one account's changes in order). */
int customer_events_address(PGconn *c, const struct customer_event_origin *o,
                            const char *account_id, const struct customer_address *a, bool deleted)
    __attribute__((warn_unused_result));

#endif
