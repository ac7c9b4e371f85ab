/* customer-svc structs -> JSON: one serialiser per domain type, shared by the HTTP answers and
 * the event builders. Pure (jansson only). */
#ifndef CUSTOMER_JSON_H
#define CUSTOMER_JSON_H

#include <jansson.h>

#include "customer.h"

/* {id, phone, role, name, email} (name and email null when unset). Returns a new object, or
 * NULL when a member is not valid UTF-8 (the store only holds validated text). */
json_t *customer_json_account(const struct customer_account *a);
/* {id, label, line1, city, postcode, lat, lng}. A new object, or NULL as above. */
json_t *customer_json_address(const struct customer_address *a);
/* {id, business_id, name, lat, lng, distance_m}: an outlet in a feed page, distance_m rounded
 * to 0.1 m. A new object, or NULL as above. */
json_t *customer_json_feed_outlet(const struct customer_outlet *o, double distance_m);

#endif
