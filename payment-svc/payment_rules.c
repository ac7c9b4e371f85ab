/* payment-svc rules: names, the derived payment id, event data tables, the mock's decision, the
 * failure rate, the list query and visibility (see payment_rules.h). */
#include "payment_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/errors.h"

/* ------------------------------------------------------------------------------------------ */
/* Names */

static const char *const method_names[PAYMENT_METHOD_COUNT] = {
    [PAYMENT_UPI] = "UPI", [PAYMENT_CARD] = "CARD", [PAYMENT_WALLET] = "WALLET"};
static const char *const status_names[PAYMENT_STATUS_COUNT] = {
    [PAYMENT_CAPTURED] = "CAPTURED", [PAYMENT_FAILED] = "FAILED", [PAYMENT_REFUNDED] = "REFUNDED"};
static const char *const reason_names[PAYMENT_REASON_COUNT] = {
    [PAYMENT_CARD_DECLINED] = "CARD_DECLINED",
    [PAYMENT_INSUFFICIENT_FUNDS] = "INSUFFICIENT_FUNDS",
    [PAYMENT_ORDER_CANCELLED] = "ORDER_CANCELLED",
    [PAYMENT_PROVIDER_ERROR] = "PROVIDER_ERROR",
};

const char *payment_rules_method_name(enum payment_method m)
{
    return (unsigned)m < PAYMENT_METHOD_COUNT ? method_names[m] : NULL;
}

const char *payment_rules_status_name(enum payment_status s)
{
    return (unsigned)s < PAYMENT_STATUS_COUNT ? status_names[s] : NULL;
}

const char *payment_rules_reason_name(enum payment_reason r)
{
    return (unsigned)r < PAYMENT_REASON_COUNT ? reason_names[r] : NULL;
}

/* The index of s among names[0..n-1], or -1. */
static int name_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (names[i] && strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

int payment_rules_method_parse(const char *s, enum payment_method *ret)
{
    int i = name_index(method_names, PAYMENT_METHOD_COUNT, s);
    if (i < 0)
        return OF_EPERMANENT;
    *ret = (enum payment_method)i;
    return OF_OK;
}

int payment_rules_status_parse(const char *s, enum payment_status *ret)
{
    int i = name_index(status_names, PAYMENT_STATUS_COUNT, s);
    if (i < 0)
        return OF_EPERMANENT;
    *ret = (enum payment_status)i;
    return OF_OK;
}

int payment_rules_reason_parse(const char *s, enum payment_reason *ret)
{
    int i = s && !s[0] ? PAYMENT_REASON_NONE : name_index(reason_names, PAYMENT_REASON_COUNT, s);
    if (i < 0)
        return OF_EPERMANENT;
    *ret = (enum payment_reason)i;
    return OF_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* The payment id */

#define PAYMENT_ID_PREFIX "orderflow.payment:"

/* True if s is a canonical lower-case UUID. */
static bool lower_uuid(const char *s)
{
    return s && strlen(s) == UUID_STR_LEN - 1 && uuid_valid(s) && strpbrk(s, "ABCDEF") == NULL;
}

int payment_rules_payment_id(const char *order_id, char ret[UUID_STR_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char name[sizeof PAYMENT_ID_PREFIX + UUID_STR_LEN];
    if (!lower_uuid(order_id))
        return OF_EPERMANENT;
    int n = snprintf(name, sizeof name, "%s%s", PAYMENT_ID_PREFIX, order_id);
    if (EVP_Digest(name, (size_t)n, md, &md_len, EVP_sha256(), NULL) != 1 || md_len < 16)
        return OF_EPERMANENT;
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x80);
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
    char out[UUID_STR_LEN];
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        o += (size_t)snprintf(out + o, sizeof out - o, "%02x", md[i]);
    }
    memcpy(ret, out, UUID_STR_LEN);
    return OF_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Event data */

static int method_check(const json_t *v, const struct jspec_field *f, void *dst,
                        struct jspec_error *err)
{
    enum payment_method m;
    (void)dst;
    if (payment_rules_method_parse(json_string_value(v), &m) != OF_OK)
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must be UPI|CARD|WALLET");
    return OF_OK;
}

static int nonempty_check(const json_t *v, const struct jspec_field *f, void *dst,
                          struct jspec_error *err)
{
    (void)dst;
    if (json_string_length(v) == 0)
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must not be empty");
    return OF_OK;
}

struct requested_data {
    char order_id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN];
    long long amount_minor;
    char currency[PAYMENT_CURRENCY_SIZE];
    char method[8];
    char token[PAYMENT_TOKEN_MAX + 1];
};

#define REQ struct requested_data
static const struct jspec_field requested_fields[] = {
    JSPEC_UUID(REQ, order_id),
    JSPEC_UUID(REQ, customer_id),
    JSPEC_INTEGER(REQ, amount_minor, 1, PAYMENT_AMOUNT_MAX),
    JSPEC_STRING(REQ, currency, 3, .check = jspec_check_currency),
    JSPEC_STRING(REQ, method, 7, .check = method_check),
    JSPEC_STRING(REQ, token, PAYMENT_TOKEN_MAX, .check = nonempty_check),
};
static const struct jspec requested_spec = JSPEC_SPEC(REQ, requested_fields, JSPEC_LENIENT);

int payment_rules_requested(const json_t *data, struct payment_request *ret, char *err,
                            size_t errlen)
{
    struct jspec_error e;
    REQ in = {0};
    struct payment_request out = {0};
    if (jspec_parse(data, &requested_spec, &in, &e) < 0) {
        jspec_reason(&e, "data", err, errlen);
        OPENSSL_cleanse(&in, sizeof in);
        return OF_EPERMANENT;
    }
    memcpy(out.order_id, in.order_id, UUID_STR_LEN);
    memcpy(out.customer_id, in.customer_id, UUID_STR_LEN);
    out.amount_minor = in.amount_minor;
    memcpy(out.currency, in.currency, sizeof out.currency);
    memcpy(out.token, in.token, sizeof out.token);
    int rc = payment_rules_method_parse(in.method, &out.method);
    OPENSSL_cleanse(&in, sizeof in);
    if (rc != OF_OK) {
        of_reason_format(err, errlen, "data.method: must be UPI|CARD|WALLET");
        OPENSSL_cleanse(&out, sizeof out);
        return OF_EPERMANENT;
    }
    *ret = out;
    OPENSSL_cleanse(&out, sizeof out);
    return OF_OK;
}

struct cancelled_data {
    char order_id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    char reason[PAYMENT_CODE_MAX + 1];
    char stage[PAYMENT_CODE_MAX + 1];
    char reservation_id[UUID_STR_LEN];
    char cancelled_at[40];
};

#define CAN struct cancelled_data
static const struct jspec_field cancelled_fields[] = {
    JSPEC_UUID(CAN, order_id),
    JSPEC_UUID(CAN, customer_id),
    JSPEC_UUID(CAN, outlet_id),
    JSPEC_STRING(CAN, reason, PAYMENT_CODE_MAX, .check = nonempty_check),
    JSPEC_STRING(CAN, stage, PAYMENT_CODE_MAX, .check = nonempty_check),
    JSPEC_UUID(CAN, reservation_id, .presence = JSPEC_OPTIONAL, .nullable = true),
    JSPEC_STRING(CAN, cancelled_at, 39),
};
static const struct jspec cancelled_spec = JSPEC_SPEC(CAN, cancelled_fields, JSPEC_LENIENT);

int payment_rules_cancelled(const json_t *data, struct payment_cancellation *ret, char *err,
                            size_t errlen)
{
    struct jspec_error e;
    CAN in = {0};
    struct payment_cancellation out = {0};
    if (jspec_parse(data, &cancelled_spec, &in, &e) < 0) {
        jspec_reason(&e, "data", err, errlen);
        return OF_EPERMANENT;
    }
    if (timestamp_parse(in.cancelled_at, &out.cancelled_ms) != 0) {
        of_reason_format(err, errlen, "data.cancelled_at: must be an RFC 3339 timestamp");
        return OF_EPERMANENT;
    }
    memcpy(out.order_id, in.order_id, UUID_STR_LEN);
    memcpy(out.customer_id, in.customer_id, UUID_STR_LEN);
    memcpy(out.outlet_id, in.outlet_id, UUID_STR_LEN);
    memcpy(out.reason, in.reason, sizeof out.reason);
    memcpy(out.stage, in.stage, sizeof out.stage);
    memcpy(out.reservation_id, in.reservation_id, UUID_STR_LEN);
    *ret = out;
    return OF_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* The mock's decision */

enum payment_charge_outcome payment_rules_mock_outcome(const char *token, unsigned attempt,
                                                       double draw, double failure_rate)
{
    if (failure_rate > 0 && draw < failure_rate)
        return PAYMENT_CHARGE_TRANSIENT;
    if (!token)
        return PAYMENT_CHARGE_DECLINED;
    if (strcmp(token, "tok_ok") == 0)
        return PAYMENT_CHARGE_CAPTURED;
    if (strcmp(token, "tok_insufficient") == 0)
        return PAYMENT_CHARGE_INSUFFICIENT;
    if (strcmp(token, "tok_error") == 0)
        return attempt <= 2 ? PAYMENT_CHARGE_TRANSIENT : PAYMENT_CHARGE_CAPTURED;
    return PAYMENT_CHARGE_DECLINED; /* tok_decline and every token the mock does not know */
}

int payment_rules_failure_rate(const char *s, double *ret)
{
    /* [0-9]+ ( '.' [0-9]+ )?, then 0 <= value <= 1; parsed by hand (no locale, no strtod). */
    double v = 0, scale = 1;
    size_t i = 0, digits = 0;
    if (!s)
        return OF_EPERMANENT;
    for (; s[i] >= '0' && s[i] <= '9' && digits < 20; i++, digits++)
        v = v * 10 + (s[i] - '0');
    if (digits == 0)
        return OF_EPERMANENT;
    if (s[i] == '.') {
        size_t frac = 0;
        for (i++; s[i] >= '0' && s[i] <= '9' && frac < 20; i++, frac++) {
            scale /= 10;
            v += (s[i] - '0') * scale;
        }
        if (frac == 0)
            return OF_EPERMANENT;
    }
    if (s[i] != '\0' || v < 0 || v > 1)
        return OF_EPERMANENT;
    *ret = v;
    return OF_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Outcomes */

enum payment_reason payment_rules_outcome_reason(enum payment_charge_outcome o)
{
    switch (o) {
    case PAYMENT_CHARGE_DECLINED:
        return PAYMENT_CARD_DECLINED;
    case PAYMENT_CHARGE_INSUFFICIENT:
        return PAYMENT_INSUFFICIENT_FUNDS;
    case PAYMENT_CHARGE_ERROR:
    case PAYMENT_CHARGE_TRANSIENT:
        return PAYMENT_PROVIDER_ERROR;
    case PAYMENT_CHARGE_CAPTURED:
    default:
        return PAYMENT_REASON_NONE;
    }
}

const char *payment_rules_outcome_label(enum payment_charge_outcome o)
{
    static const char *const labels[PAYMENT_CHARGE_OUTCOME_COUNT] = {
        [PAYMENT_CHARGE_CAPTURED] = "captured",
        [PAYMENT_CHARGE_DECLINED] = "declined",
        [PAYMENT_CHARGE_INSUFFICIENT] = "insufficient",
        [PAYMENT_CHARGE_ERROR] = "error",
    };
    return (unsigned)o < PAYMENT_CHARGE_OUTCOME_COUNT ? labels[o] : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* HTTP */

int payment_rules_list_query(const char *order_id, char ret_order_id[UUID_STR_LEN],
                             struct jspec_error *err)
{
    if (!order_id)
        return jspec_fail(err, API_MISSING_FIELD, "order_id", "is required");
    if (!lower_uuid(order_id))
        return jspec_fail(err, API_INVALID_VALUE, "order_id",
                          "must be a UUID: 8-4-4-4-12 lowercase hex digits");
    memcpy(ret_order_id, order_id, UUID_STR_LEN);
    return OF_OK;
}

bool payment_rules_visible(const struct auth_principal *who, const struct payment *p)
{
    if (!who || !p)
        return false;
    if (who->role == AUTH_ADMIN)
        return true;
    return who->role == AUTH_CUSTOMER && strcmp(who->sub, p->customer_id) == 0;
}
