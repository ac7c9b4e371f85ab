/* payment-svc structs -> JSON: the payment as GET /v1/payments answers it and the data of the
 * three events payment-svc produces (docs/events/payment.*.v1.schema.json). Pure (jansson
 * only). Each returns a new object, or NULL when a member cannot be serialised. None carries a
 * token or card data: the types hold none. */
#ifndef PAYMENT_JSON_H
#define PAYMENT_JSON_H

#include <stdint.h>

#include <jansson.h>

#include "payment.h"

/* {id, order_id, customer_id, amount_minor, currency, method, status, failure_reason (null
 * unless FAILED), provider_ref (null when never charged), created_at, updated_at}. */
json_t *payment_json_payment(const struct payment *p);

/* payment.completed.v1 {order_id, payment_id, customer_id, amount_minor, currency, method,
 * provider_ref, completed_at} (at_ms: Unix milliseconds, as below). */
json_t *payment_json_completed(const struct payment *p, int64_t at_ms);
/* payment.failed.v1 {order_id, payment_id, customer_id, reason, failed_at}. */
json_t *payment_json_failed(const struct payment *p, int64_t at_ms);
/* payment.refunded.v1 {order_id, payment_id, customer_id, amount_minor, currency, provider_ref
 * (the refund's reference), refunded_at}. */
json_t *payment_json_refunded(const struct payment *p, int64_t at_ms);

#endif
