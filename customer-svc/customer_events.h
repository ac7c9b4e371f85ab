/* customer-svc events, appended to the outbox in the caller's transaction. No phone numbers and
 * no OTP codes ever go into an event. */
#ifndef CUSTOMER_EVENTS_H
#define CUSTOMER_EVENTS_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "customer.h"

/* Where an event comes from: the request's trace id and its request id (the correlation id). */
struct customer_event_origin {
    const char *trace_id;
    const char *request_id;
};

/* customer.registered.v1 {account_id, role}, keyed by the account id. Returns OF_OK or the
 * error of envelope_init/outbox_append. */
int customer_events_registered(PGconn *c, const struct customer_event_origin *o,
                               const struct customer_account *account);

/* customer.address.updated.v1 {address_id, account_id, label, line1, city, postcode, lat, lng,
 * deleted}, keyed by the account id (so order-svc sees one account's changes in order). */
int customer_events_address(PGconn *c, const struct customer_event_origin *o,
                            const char *account_id, const struct customer_address *a, bool deleted);

#endif
