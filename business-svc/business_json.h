/* business-svc structs -> JSON: one serialiser per domain type, for the HTTP answers and the
 * event data it produces (docs/events/<topic>.schema.json). Pure (jansson only). Each returns a new
 * object, or NULL when a member cannot be serialised (text that is not UTF-8, a time out of
 * range: the store only holds validated values). */
#ifndef BUSINESS_JSON_H
#define BUSINESS_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "business.h"

/* {id, name, owner_id, created_at}. */
json_t *business_json_business(const struct business *b);
/* {id, business_id, name, lat, lng, address, open, auto_approve, approval_sla_s, version,
 * created_at, updated_at}: an outlet as its owner sees it. */
json_t *business_json_outlet(const struct business_outlet *o);
/* The data of business.outlet.created.v1 / business.outlet.updated.v1: {outlet_id, business_id,
 * owner_id, name, lat, lng, address, is_open, auto_approve, approval_sla_s, version}. */
json_t *business_json_outlet_event(const struct business_outlet *o);
/* {order_id, outlet_id, status, lines, total_minor, currency, placed_at, approve_by,
 * decided_at, auto, prep_time_min, reject_reason, note, cancelled_at}: a queue entry as the
 * outlet's owner sees it; what is not known yet is null. No customer id and no drop-off: the
 * kitchen needs neither. */
json_t *business_json_queue_entry(const struct business_queue_entry *e);
/* The data of order.approved.v1 for approved entry e at outlet o: {order_id, outlet_id,
 * business_id, customer_id, prep_time_min, approved_at, auto, pickup:{lat, lng, address,
 * outlet_name}, drop_off:{lat, lng, line1?, city?}}. */
json_t *business_json_approved(const struct business_queue_entry *e,
                               const struct business_outlet *o);
/* The data of order.rejected.v1 for rejected entry e: {order_id, outlet_id, customer_id, reason,
 * note? (only when the owner gave one), rejected_at}. */
json_t *business_json_rejected(const struct business_queue_entry *e);

#endif
