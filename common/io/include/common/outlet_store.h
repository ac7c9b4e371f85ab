/* The outlet read model of business.outlet.created/updated.v1 in a consumer's own schema
 * (<schema>.outlets: id, business_id, owner_id, is_open, occurred_ms, version, updated_at), as
 * inventory-svc and order-svc keep it, and the consumer handler that feeds it. */
#ifndef COMMON_OUTLET_STORE_H
#define COMMON_OUTLET_STORE_H

#include <stdint.h>

#include <libpq-fe.h>

#include "common/consumer.h"
#include "common/envelope.h"
#include "common/outlet_event.h"

/* Inserts or replaces outlet o in <schema>.outlets, from an event that occurred at occurred_ms,
 * when it is newer than the stored state, by customer-svc's rule (customer_store_outlet_upsert):
 * with a version (>= 1) when the stored row has none or a smaller one; without one when the
 * stored row has none either and an occurred_ms not later. Otherwise changes nothing (still
 * OF_OK). OF_EPERMANENT, touching nothing, when schema is not a plain identifier
 * (db_ident_valid). */
int outlet_store_upsert(PGconn *c, const char *schema, const struct outlet_ref *o,
                        int64_t occurred_ms) __attribute__((warn_unused_result));
/* Loads outlet id from <schema>.outlets; OF_ENOTFOUND when the schema has heard of no such outlet
 * (or id is not a UUID), OF_EPERMANENT when schema is not a plain identifier. */
int outlet_store_get(PGconn *c, const char *schema, const char *id, struct outlet_ref *ret)
    __attribute__((warn_unused_result));

/* The consumer handler of business.outlet.created.v1 / business.outlet.updated.v1 into
 * ctx->schema's read model, under the producer's version: dead-letters (consumer_fail) data that
 * outlet_event_parse() refuses and an occurred_at beyond max_skew_ms in the future
 * (envelope_occurred_ms), else returns outlet_store_upsert()'s code. */
int outlet_event_handle(struct consumer_ctx *ctx, const struct envelope *ev, int64_t max_skew_ms)
    __attribute__((warn_unused_result));

#endif
