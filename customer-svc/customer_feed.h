/* customer-svc outlet feed: the consumer handlers that keep the outlets read model up to date from
 * business.outlet.created.v1 / business.outlet.updated.v1, and the query behind GET /v1/feed. */
#ifndef CUSTOMER_FEED_H
#define CUSTOMER_FEED_H

#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "common/consumer.h"
#include "customer.h"
#include "customer_store.h"

/* service_def.handlers: both outlet topics, no lock keys. A handler dead-letters (OF_EPERMANENT)
 * data that customer_feed_outlet_parse rejects or an unparsable occurred_at, upserts the outlet
 * as of occurred_at (an older event than the stored one changes nothing) and returns database
 * errors as db_exec classified them. */
extern const struct event_handler customer_feed_handlers[];
extern const size_t customer_feed_n_handlers;

/* Checks an outlet event's data {outlet_id, business_id, name, lat, lng, is_open}: ids UUID
 * strings, name a string of 1 to CUSTOMER_OUTLET_NAME_MAX characters without control characters
 * or NUL and not blank, lat/lng JSON numbers valid per geo_lat_valid/geo_lng_valid, is_open a
 * boolean; other members are ignored. Returns 0 with *ret filled, or OF_EPERMANENT with the
 * offending field and why in err (never the value; err may be NULL) and *ret untouched. */
int customer_feed_outlet_parse(const json_t *data, struct customer_outlet *ret, char *err,
                               size_t errlen);

/* One page of the feed for account_id: the open outlets within q->radius_m of the account's
 * address q->address_id, ordered by (great-circle distance, id), strictly after q->cursor when
 * it has one, at most q->limit. On OF_OK *ret_body is a new
 * {"outlets":[{id, business_id, name, lat, lng, distance_m}], "next_cursor": string or null}
 * (distance_m rounded to 0.1 m; the cursor keeps the exact distance). OF_ENOTFOUND when the
 * address is not the account's; otherwise the classified database error. */
int customer_feed_page(PGconn *c, const char *account_id, const struct customer_feed_query *q,
                       json_t **ret_body);

#endif
