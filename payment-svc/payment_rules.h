/* payment-svc rules, pure: the wire names of methods, statuses and reasons; the payment id an
 * order's payment gets (derived, so that every redelivery charges with the same idempotency
 * key); the jspec tables of the event data it consumes; the mock provider's decision by token;
 * OF_PAYMENT_FAILURE_RATE; the list query; who may see a payment. No I/O. Every failure of
 * event data writes "data.<field>: <why>" for the dead letter, never the value. */
#ifndef PAYMENT_RULES_H
#define PAYMENT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/auth.h"
#include "common/jspec.h"
#include "payment.h"

/* ---- Names ---- */

/* "UPI", "CARD", "WALLET"; NULL out of range. Static strings, as the others below. */
const char *payment_rules_method_name(enum payment_method m);
/* "CAPTURED", "FAILED", "REFUNDED"; NULL out of range. */
const char *payment_rules_status_name(enum payment_status s);
/* "CARD_DECLINED", "INSUFFICIENT_FUNDS", "ORDER_CANCELLED", "PROVIDER_ERROR"; NULL for
 * PAYMENT_REASON_NONE and out of range. */
const char *payment_rules_reason_name(enum payment_reason r);
/* The enum of a wire name into *ret; OF_OK, or OF_EPERMANENT (ret untouched) for any other
 * string (NULL included). */
int payment_rules_method_parse(const char *s, enum payment_method *ret)
    __attribute__((warn_unused_result));
int payment_rules_status_parse(const char *s, enum payment_status *ret)
    __attribute__((warn_unused_result));
/* "" parses as PAYMENT_REASON_NONE. */
int payment_rules_reason_parse(const char *s, enum payment_reason *ret)
    __attribute__((warn_unused_result));

/* ---- The payment id ---- */

/* The id of order_id's payment, a UUID of version 8 (RFC 9562, name-based with SHA-256): the
 * first 16 bytes of SHA-256("orderflow.payment:" || order_id as given, lower-case canonical),
 * version nibble 8, variant 10. Deterministic, so a redelivered or repeated payment.requested.v1
 * charges under the same idempotency key. tests/integration/invariants/payment.sql computes the
 * same in SQL. Returns OF_OK, or OF_EPERMANENT (ret untouched) when order_id is not a UUID. */
int payment_rules_payment_id(const char *order_id, char ret[UUID_STR_LEN])
    __attribute__((warn_unused_result));

/* ---- Event data ----
 * JSPEC_LENIENT (producers may add members). Return OF_OK with *ret filled, or OF_EPERMANENT
 * with *ret untouched and the dead letter's reason in err (may be NULL). */

/* payment.requested.v1 {order_id, customer_id, amount_minor (integer 1 .. PAYMENT_AMOUNT_MAX),
 * currency (^[A-Z]{3}$), method (UPI|CARD|WALLET), token (1 .. PAYMENT_TOKEN_MAX printable
 * ASCII)}. The token is the caller's to wipe once charged. */
struct payment_request {
    char order_id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN];
    int64_t amount_minor;
    char currency[PAYMENT_CURRENCY_SIZE];
    enum payment_method method;
    char token[PAYMENT_TOKEN_MAX + 1];
};
int payment_rules_requested(const json_t *data, struct payment_request *ret, char *err,
                            size_t errlen) __attribute__((warn_unused_result));

/* order.cancelled.v1 {order_id, customer_id, outlet_id, reason, stage, reservation_id?
 * (nullable), cancelled_at}: reason and stage printable ASCII of 1 .. PAYMENT_CODE_MAX bytes
 * (their values are order-svc's), cancelled_at RFC 3339. */
struct payment_cancellation {
    char order_id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    char reason[PAYMENT_CODE_MAX + 1];
    char stage[PAYMENT_CODE_MAX + 1];
    char reservation_id[UUID_STR_LEN]; /* "" when absent or null */
    int64_t cancelled_ms;
};
int payment_rules_cancelled(const json_t *data, struct payment_cancellation *ret, char *err,
                            size_t errlen) __attribute__((warn_unused_result));

/* ---- The mock provider's decision ---- */

/* The shipped mock's answer to a charge, by token: "tok_ok" captures; "tok_decline" and any
 * token it does not know are declined; "tok_insufficient" is INSUFFICIENT; "tok_error" is
 * TRANSIENT on its first two attempts (attempt counts the charges seen for one idempotency key,
 * from 1) and captures from the third. Before that, with failure_rate > 0 (the fault drill of
 * OF_PAYMENT_FAILURE_RATE), a draw in [0, 1) below failure_rate is TRANSIENT whatever the
 * token. */
enum payment_charge_outcome payment_rules_mock_outcome(const char *token, unsigned attempt,
                                                       double draw, double failure_rate);

/* Parses OF_PAYMENT_FAILURE_RATE: a decimal number from 0 to 1 ("0", "0.25", "1"), nothing else
 * (no sign, exponent, NaN, spaces). Returns OF_OK with *ret, or OF_EPERMANENT (ret untouched). */
int payment_rules_failure_rate(const char *s, double *ret) __attribute__((warn_unused_result));

/* ---- Outcomes ---- */

/* The failure reason of a final charge outcome (PAYMENT_REASON_NONE for CAPTURED). */
enum payment_reason payment_rules_outcome_reason(enum payment_charge_outcome o);
/* The payments_total{outcome} label of a final outcome: "captured", "declined", "insufficient",
 * "error"; "cancelled" is counted for an ORDER_CANCELLED payment; NULL for TRANSIENT. */
const char *payment_rules_outcome_label(enum payment_charge_outcome o);

/* ---- HTTP ---- */

/* GET /v1/payments?order_id=: order_id required, a canonical lower-case UUID. OF_OK with
 * ret_order_id, or OF_EPERMANENT with err naming "order_id". */
int payment_rules_list_query(const char *order_id, char ret_order_id[UUID_STR_LEN],
                             struct jspec_error *err) __attribute__((warn_unused_result));

/* True if who may see p: an admin, or a customer whose sub is p's customer_id. Everyone else
 * sees nothing (404). */
bool payment_rules_visible(const struct auth_principal *who, const struct payment *p);

#endif
