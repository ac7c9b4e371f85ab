/* customer-svc outlet feed, pure: given the candidate outlets a bounding-box query found around
 * an address, ranks them by great-circle distance and cuts one page after the query's cursor
 * (the I/O around it is in customer_http.c). */
#ifndef CUSTOMER_FEED_H
#define CUSTOMER_FEED_H

#include <stddef.h>

#include <jansson.h>

#include "customer.h"

/* One page of the open outlets list[0..n-1] within q->radius_m of (lat, lng), ordered by
 * (great-circle distance, id), strictly after q->cursor when it has one, at most q->limit. On
 * OF_OK *ret_body is a new {"outlets":[customer_json_feed_outlet...], "next_cursor": string or
 * null} (the cursor keeps the exact distance of the page's last row); OF_EPERMANENT (untouched)
 * when an outlet cannot be serialised. */
int customer_feed_page(const struct customer_outlet *list, size_t n, double lat, double lng,
                       const struct customer_feed_query *q, json_t **ret_body)
    __attribute__((warn_unused_result));

#endif
