/* partner-svc input rules and assignment arithmetic, pure: the JSON-spec tables of its request
 * bodies and of the order events it consumes, the deliveries listing's query, and the ranking of
 * candidates and the ETA. Failures name the first offending field (struct jspec_error), so the
 * HTTP layer answers 400 naming it and the consumer dead-letters with a reason. */
#ifndef PARTNER_RULES_H
#define PARTNER_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/cursor.h"
#include "common/jspec.h"
#include "partner.h"

/* POST /v1/partners {name, vehicle}. */
struct partner_register_input {
    char name[PARTNER_TEXT_SIZE(PARTNER_NAME_MAX)];
    char vehicle[16];
    enum partner_vehicle v;
};

/* PUT /v1/partners/me/status {available, lat, lng}: lat and lng required when available. */
struct partner_status_input {
    bool available;
    bool has_position;
    double lat, lng;
};

/* POST /v1/deliveries/{id}/reject {reason?}. */
struct partner_reject_input {
    char reason[PARTNER_TEXT_SIZE(PARTNER_NOTE_MAX)];
};

/* GET /v1/partners/me/deliveries. */
struct partner_list_query {
    bool has_status;
    enum delivery_status status;
    int limit;
    bool has_cursor;
    struct page_cursor cursor; /* (created_ms, delivery id) of the last row of the page before */
};

/* Request bodies: JSPEC_STRICT, server-owned members (id, account_id, status, partner_id, ...)
 * are read_only_field. 0, or OF_EPERMANENT with *err filled and *ret untouched. */
int partner_rules_register(const json_t *body, struct partner_register_input *ret,
                           struct jspec_error *err) __attribute__((warn_unused_result));
int partner_rules_status(const json_t *body, struct partner_status_input *ret,
                         struct jspec_error *err) __attribute__((warn_unused_result));
/* The body may be absent (NULL) or {} : no reason. */
int partner_rules_reject(const json_t *body, struct partner_reject_input *ret,
                         struct jspec_error *err) __attribute__((warn_unused_result));
/* status (a delivery status name), limit (1..PARTNER_LIST_LIMIT_MAX), cursor, each NULL when
 * absent. */
int partner_rules_list_query(const char *status, const char *limit, const char *cursor,
                             struct partner_list_query *ret, struct jspec_error *err)
    __attribute__((warn_unused_result));

/* order.approved.v1 {order_id, outlet_id, customer_id, prep_time_min, pickup:{lat, lng, address,
 * outlet_name}, drop_off:{lat, lng, line1?, city?}} into a new SEARCHING delivery (id, trace,
 * radius and window left to the caller). OF_EPERMANENT with "data.<field>: <why>" in err. */
int partner_rules_order_approved(const json_t *data, struct delivery *ret, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* {order_id, ...}: order.cancelled.v1's data. */
int partner_rules_order_ref(const json_t *data, char ret[UUID_STR_LEN], char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* {delivery_id}: a timer's payload. */
int partner_rules_delivery_ref(const json_t *data, char ret[UUID_STR_LEN], char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Fills each candidate's distance_m to (lat, lng) (great circle), drops those farther than
 * radius_m, and sorts the rest nearest first (ties by id, so the order is deterministic).
 * Returns how many are left at the front of c. */
size_t partner_rules_rank(struct partner_candidate *c, size_t n, double lat, double lng,
                          double radius_m);
/* Whole minutes, rounded up, to ride distance_m at speed_kmh (> 0); 0 for no distance. */
int partner_rules_eta_min(double distance_m, double speed_kmh);

#endif
