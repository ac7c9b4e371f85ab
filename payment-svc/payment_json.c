/* payment-svc serialisers (see payment_json.h). */
#include "payment_json.h"

#include "common/timefmt.h"
#include "payment_rules.h"

/* A string, or null for "". */
static json_t *string_or_null(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

json_t *payment_json_payment(const struct payment *p)
{
    const char *method = payment_rules_method_name(p->method);
    const char *status = payment_rules_status_name(p->status);
    if (!method || !status)
        return NULL;
    return json_pack(
        "{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:s}", "id", p->id, "order_id",
        p->order_id, "customer_id", p->customer_id, "amount_minor", (json_int_t)p->amount_minor,
        "currency", p->currency, "method", method, "status", status, "failure_reason",
        string_or_null(payment_rules_reason_name(p->failure_reason)), "provider_ref",
        string_or_null(p->provider_ref), "created_at", p->created_at, "updated_at", p->updated_at);
}

json_t *payment_json_completed(const struct payment *p, int64_t at_ms)
{
    char at[TIMESTAMP_LEN];
    const char *method = payment_rules_method_name(p->method);
    if (!method || !p->provider_ref[0])
        return NULL;
    timestamp_format(at_ms, at);
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "order_id", p->order_id,
                     "payment_id", p->id, "customer_id", p->customer_id, "amount_minor",
                     (json_int_t)p->amount_minor, "currency", p->currency, "method", method,
                     "provider_ref", p->provider_ref, "completed_at", at);
}

json_t *payment_json_failed(const struct payment *p, int64_t at_ms)
{
    char at[TIMESTAMP_LEN];
    const char *reason = payment_rules_reason_name(p->failure_reason);
    if (!reason)
        return NULL;
    timestamp_format(at_ms, at);
    return json_pack("{s:s, s:o, s:s, s:s, s:s}", "order_id", p->order_id, "payment_id",
                     string_or_null(p->id), "customer_id", p->customer_id, "reason", reason,
                     "failed_at", at);
}

json_t *payment_json_refunded(const struct payment *p, int64_t at_ms)
{
    char at[TIMESTAMP_LEN];
    if (!p->refund_ref[0])
        return NULL;
    timestamp_format(at_ms, at);
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "order_id", p->order_id, "payment_id",
                     p->id, "customer_id", p->customer_id, "amount_minor",
                     (json_int_t)p->amount_minor, "currency", p->currency, "provider_ref",
                     p->refund_ref, "refunded_at", at);
}
