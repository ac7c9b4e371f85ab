/* payment-svc domain types: a payment of one order (at most one per order), its method, status
 * and failure reason, and what the provider adapter is asked and answers. Integer minor units
 * only; no token or card data is ever part of a stored or serialised type. */
#ifndef PAYMENT_H
#define PAYMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/timefmt.h"
#include "common/uuid.h"

#define PAYMENT_CURRENCY_SIZE        4 /* ISO 4217 alphabetic code: 3 upper-case letters, NUL */
#define PAYMENT_TOKEN_MAX            128 /* bytes of printable ASCII: used for the charge, then forgotten */
#define PAYMENT_REF_MAX              64 /* a provider reference */
#define PAYMENT_CODE_MAX             64 /* a reason or stage code carried by order.cancelled.v1 */
#define PAYMENT_AMOUNT_MAX           100000000000000000LL /* 1e17 minor units: inventory's order ceiling */
#define PAYMENT_FAILURE_RATE_DEFAULT "0"

enum payment_method { PAYMENT_UPI = 0, PAYMENT_CARD, PAYMENT_WALLET, PAYMENT_METHOD_COUNT };

enum payment_status {
    PAYMENT_CAPTURED = 0,
    PAYMENT_FAILED,
    PAYMENT_REFUNDED,
    PAYMENT_STATUS_COUNT
};

/* Why a payment failed (payment.failed.v1 data.reason); PAYMENT_REASON_NONE for one that did
 * not. */
enum payment_reason {
    PAYMENT_REASON_NONE = 0,
    PAYMENT_CARD_DECLINED,
    PAYMENT_INSUFFICIENT_FUNDS,
    PAYMENT_ORDER_CANCELLED,
    PAYMENT_PROVIDER_ERROR,
    PAYMENT_REASON_COUNT
};

/* A payment as stored and as GET /v1/payments answers it. provider_ref is the charge's
 * reference at the provider ("" for a payment that was never charged: ORDER_CANCELLED);
 * refund_ref the refund's ("" unless REFUNDED). */
struct payment {
    char id[UUID_STR_LEN];
    char order_id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN];
    int64_t amount_minor;
    char currency[PAYMENT_CURRENCY_SIZE];
    enum payment_method method;
    enum payment_status status;
    enum payment_reason failure_reason;
    char provider_ref[PAYMENT_REF_MAX + 1];
    char refund_ref[PAYMENT_REF_MAX + 1];
    char created_at[TIMESTAMP_LEN];
    char updated_at[TIMESTAMP_LEN];
    char refunded_at[TIMESTAMP_LEN]; /* "" unless REFUNDED */
};

/* ---- The provider adapter ---- */

/* What a charge came to. PAYMENT_CHARGE_TRANSIENT is "try again later with the same key"
 * (the adapter's function then returns OF_ERETRY); the others are final answers that the
 * provider repeats for the same idempotency key. */
enum payment_charge_outcome {
    PAYMENT_CHARGE_CAPTURED = 0,
    PAYMENT_CHARGE_DECLINED,
    PAYMENT_CHARGE_INSUFFICIENT,
    PAYMENT_CHARGE_ERROR, /* a final refusal that is not the payer's: PROVIDER_ERROR */
    PAYMENT_CHARGE_TRANSIENT,
    PAYMENT_CHARGE_OUTCOME_COUNT
};

/* A charge request. key is the idempotency key (the payment id): a second charge with the same
 * key gets the first one's answer and never moves money twice. token is borrowed for the call
 * and never kept. */
struct payment_charge {
    const char *key;
    const char *order_id;
    int64_t amount_minor;
    const char *currency;
    enum payment_method method;
    const char *token;
};

struct payment_charge_result {
    enum payment_charge_outcome outcome;
    char provider_ref[PAYMENT_REF_MAX + 1]; /* CAPTURED only */
};

/* A refund of a captured charge: the whole amount, idempotent by key (the payment id). */
struct payment_refund {
    const char *key;
    const char *order_id;
    const char *charge_ref;
    int64_t amount_minor;
    const char *currency;
};

struct payment_refund_result {
    char provider_ref[PAYMENT_REF_MAX + 1]; /* the refund's reference */
};

/* The adapter: two functions over the provider's own state (cls). Each returns OF_OK with *ret
 * filled, OF_ERETRY for a transient failure (retry with the same key), OF_EUNAVAIL when the
 * provider cannot be reached at all, or OF_EPERMANENT. They run outside the caller's
 * transaction: what the provider did stays done when the caller rolls back. */
struct payment_provider {
    const char *name;
    void *cls;
    int (*charge)(void *cls, const struct payment_charge *req, struct payment_charge_result *ret);
    int (*refund)(void *cls, const struct payment_refund *req, struct payment_refund_result *ret);
};

#endif
