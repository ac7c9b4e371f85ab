/* order-svc input rules: the order request, the list query, the Idempotency-Key header and the
 * data of the consumed events (see order_rules.h). */
#include "order_rules.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/idempotency.h"
#include "common/xalloc.h"

/* Members a client may never send: the server's (or inventory's) to set. */
static const char *const server_owned[] = {
    "id",         "customer_id", "owner_id",         "status",           "state",  "total_minor",
    "currency",   "price_minor", "unit_price_minor", "line_total_minor", "lines",  "timeline",
    "created_at", "updated_at",  "reservation_id",   "payment_id",       "reason", NULL,
};

/* ---- POST /v1/orders ---- */

struct request_in {
    char outlet_id[UUID_STR_LEN];
    char address_id[UUID_STR_LEN];
    const json_t *items;
    const json_t *payment;
};

#define REQ struct request_in
static const struct jspec_field request_fields[] = {
    JSPEC_UUID(REQ, outlet_id),
    JSPEC_UUID(REQ, address_id),
    JSPEC_ARRAY(REQ, items, 1, ORDER_LINES_MAX),
    JSPEC_OBJECT(REQ, payment),
};
static const struct jspec request_spec =
    JSPEC_SPEC(REQ, request_fields, JSPEC_STRICT, .read_only = server_owned);

struct item_in {
    char item_id[UUID_STR_LEN];
    int qty;
};

#define ITEM struct item_in
static const struct jspec_field item_fields[] = {
    JSPEC_UUID(ITEM, item_id),
    JSPEC_INTEGER(ITEM, qty, 1, ORDER_QTY_MAX),
};
static const struct jspec item_spec =
    JSPEC_SPEC(ITEM, item_fields, JSPEC_STRICT, .read_only = server_owned);

struct payment_in {
    char method[8];
    char token[ORDER_TOKEN_MAX + 1];
};

static int method_check(const json_t *v, const struct jspec_field *f, void *dst,
                        struct jspec_error *err)
{
    enum order_method m;
    (void)dst;
    if (order_method_from_name(json_string_value(v), &m) != OF_OK)
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must be one of UPI, CARD, WALLET");
    return OF_OK;
}

static int token_check(const json_t *v, const struct jspec_field *f, void *dst,
                       struct jspec_error *err)
{
    (void)dst;
    if (!json_string_value(v)[0])
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must not be empty");
    if (strchr(json_string_value(v), ' '))
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must not contain spaces");
    return OF_OK;
}

#define PAY struct payment_in
static const struct jspec_field payment_fields[] = {
    JSPEC_STRING(PAY, method, 7, .check = method_check),
    JSPEC_STRING(PAY, token, ORDER_TOKEN_MAX, .check = token_check),
};
static const struct jspec payment_spec = JSPEC_SPEC(PAY, payment_fields, JSPEC_STRICT);

/* Puts prefix before the field jspec named in err ("items[3]" + "qty" -> "items[3].qty"); the
 * message, which begins with the field's name, gets the same path. */
static int nested_fail(struct jspec_error *err, const char *prefix)
{
    char field[JSPEC_FIELD_SIZE], message[JSPEC_MESSAGE_SIZE];
    size_t len = strlen(err->field);
    const char *rest = strncmp(err->message, err->field, len) == 0 ? err->message + len : NULL;
    int n = snprintf(field, sizeof field, "%s%s%s", prefix, err->field[0] ? "." : "", err->field);
    if (rest && err->field[0])
        n |= snprintf(message, sizeof message, "%s%s", field, rest);
    else if (strncmp(err->message, "body ", 5) == 0) /* jspec's word for the whole object */
        n |= snprintf(message, sizeof message, "%s %s", field, err->message + 5);
    else
        n |= snprintf(message, sizeof message, "%s: %s", field, err->message);
    if (n < 0)
        return OF_EPERMANENT; /* cannot happen: the buffers are cut, never overrun */
    memcpy(err->field, field, sizeof field);
    memcpy(err->message, message, sizeof message);
    return OF_EPERMANENT;
}

int order_rules_request(const json_t *body, struct order_request *ret, struct jspec_error *err)
{
    REQ in = {0};
    PAY pay = {0};
    size_t i;
    const json_t *v;
    if (jspec_parse(body, &request_spec, &in, err) != 0)
        return OF_EPERMANENT;
    struct order_request *out = xcalloc(1, sizeof *out);
    int rc = OF_OK;
    json_array_foreach(in.items, i, v)
    {
        ITEM item = {0};
        char prefix[48];
        snprintf(prefix, sizeof prefix, "items[%zu]", i);
        if (jspec_parse(v, &item_spec, &item, err) != 0) {
            rc = nested_fail(err, prefix);
            goto out;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(out->lines[j].item_id, item.item_id) == 0) {
                snprintf(prefix, sizeof prefix, "items[%zu].item_id", i);
                rc = jspec_fail(err, API_INVALID_VALUE, prefix,
                                "repeats the item of items[%zu]: order it once with its qty", j);
                goto out;
            }
        }
        memcpy(out->lines[i].item_id, item.item_id, UUID_STR_LEN);
        out->lines[i].qty = item.qty;
    }
    out->n_lines = i;
    if (jspec_parse(in.payment, &payment_spec, &pay, err) != 0) {
        rc = nested_fail(err, "payment");
        goto out;
    }
    if (order_method_from_name(pay.method, &out->method) != OF_OK) {
        rc = OF_EPERMANENT; /* the checker let it through: cannot happen */
        goto out;
    }
    memcpy(out->outlet_id, in.outlet_id, UUID_STR_LEN);
    memcpy(out->address_id, in.address_id, UUID_STR_LEN);
    memcpy(out->token, pay.token, sizeof out->token);
    *ret = *out;
out:
    free(out);
    return rc;
}

int order_rules_idempotency_key(const char *key, struct jspec_error *err)
{
    if (!key)
        return jspec_fail(err, API_MISSING_FIELD, "Idempotency-Key",
                          "is required: a header with a unique value per order, sent again "
                          "when the request is retried");
    if (!idem_key_valid(key))
        return jspec_fail(err, API_INVALID_VALUE, "Idempotency-Key",
                          "must be 1 to %d printable ASCII characters without spaces",
                          IDEM_KEY_MAX);
    return OF_OK;
}

/* ---- GET /v1/orders ---- */

int order_rules_query(const char *status, const char *limit, const char *cursor,
                      struct order_query *ret, struct jspec_error *err)
{
    struct order_query q = {.limit = ORDER_LIMIT_DEFAULT};
    if (status) {
        if (order_state_from_name(status, &q.status) != OF_OK)
            return jspec_fail(err, API_INVALID_VALUE, "status",
                              "must be one of CREATED, AWAITING_PAYMENT, PLACED, APPROVED, "
                              "ASSIGNED, OUT_FOR_DELIVERY, DELIVERED, REJECTED, CANCELLED");
        q.has_status = true;
    }
    if (jspec_query_limit(limit, ORDER_LIMIT_DEFAULT, ORDER_LIMIT_MAX, &q.limit, err) != OF_OK)
        return OF_EPERMANENT;
    if (cursor) {
        if (page_cursor_decode(cursor, &q.cursor) != OF_OK)
            return jspec_fail(err, API_INVALID_VALUE, "cursor",
                              "is not a next_cursor of this listing");
        q.has_cursor = true;
    }
    *ret = q;
    return OF_OK;
}

/* ---- Event data ---- */

static int event_fail(const char *prefix, const struct jspec_error *e, char *err, size_t len)
{
    jspec_reason(e, prefix, err, len);
    return OF_EPERMANENT;
}

#define ADDR struct address_in
struct address_in {
    char address_id[UUID_STR_LEN];
    char account_id[UUID_STR_LEN];
    char line1[ORDER_TEXT_MAX * 4 + 1];
    char city[ORDER_TEXT_MAX * 4 + 1];
    double lat, lng;
    bool deleted;
};
static const struct jspec_field address_fields[] = {
    JSPEC_UUID(ADDR, address_id),
    JSPEC_UUID(ADDR, account_id),
    JSPEC_TEXT(ADDR, line1, ORDER_TEXT_MAX),
    JSPEC_TEXT(ADDR, city, ORDER_TEXT_MAX),
    JSPEC_NUMBER(ADDR, lat, -90, 90),
    JSPEC_NUMBER(ADDR, lng, -180, 180),
    JSPEC_BOOLEAN(ADDR, deleted, .presence = JSPEC_OPTIONAL),
};
static const struct jspec address_spec = JSPEC_SPEC(ADDR, address_fields, JSPEC_LENIENT);

int order_rules_address_event(const json_t *data, struct order_address *ret, char *err,
                              size_t errlen)
{
    struct jspec_error e;
    ADDR *in = xcalloc(1, sizeof *in);
    int rc = OF_OK;
    if (jspec_parse(data, &address_spec, in, &e) != 0) {
        rc = event_fail("data", &e, err, errlen);
    } else {
        memcpy(ret->id, in->address_id, UUID_STR_LEN);
        memcpy(ret->account_id, in->account_id, UUID_STR_LEN);
        memcpy(ret->at.line1, in->line1, sizeof ret->at.line1);
        memcpy(ret->at.city, in->city, sizeof ret->at.city);
        ret->at.lat = in->lat;
        ret->at.lng = in->lng;
        ret->deleted = in->deleted;
    }
    free(in);
    return rc;
}

static int code_check(const json_t *v, const struct jspec_field *f, void *dst,
                      struct jspec_error *err)
{
    const char *s = json_string_value(v);
    (void)dst;
    if (!s[0] || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(s))
        return jspec_fail(err, API_INVALID_VALUE, f->name,
                          "must be a code of capital letters, digits and _");
    return OF_OK;
}

/* The members by wire name; which are required depends on the type (specs below). */
struct event_in {
    char order_id[UUID_STR_LEN];
    char reason[ORDER_CODE_MAX + 1];
    char reservation_id[UUID_STR_LEN];
    char payment_id[UUID_STR_LEN];
    int64_t amount_minor;
    int64_t total_minor;
    char currency[4];
    const json_t *lines;
};

#define EV        struct event_in
#define EV_ORDER  JSPEC_UUID(EV, order_id)
#define EV_REASON JSPEC_STRING(EV, reason, ORDER_CODE_MAX, .check = code_check)
#define EV_REASON_OPT                                                                              \
    JSPEC_STRING(EV, reason, ORDER_CODE_MAX, .check = code_check, .presence = JSPEC_OPTIONAL)
#define EV_CURRENCY JSPEC_STRING(EV, currency, 3, .check = jspec_check_currency)
static const struct jspec_field validated_fields[] = {
    EV_ORDER,
    JSPEC_UUID(EV, reservation_id),
    JSPEC_ARRAY(EV, lines, 1, ORDER_LINES_MAX),
    JSPEC_INTEGER(EV, total_minor, 0, INT64_MAX),
    EV_CURRENCY,
};
static const struct jspec_field reasoned_fields[] = {EV_ORDER, EV_REASON};
static const struct jspec_field completed_fields[] = {
    EV_ORDER,
    JSPEC_UUID(EV, payment_id),
    JSPEC_INTEGER(EV, amount_minor, 0, INT64_MAX),
    EV_CURRENCY,
};
static const struct jspec_field plain_fields[] = {EV_ORDER, EV_REASON_OPT};
static const struct jspec validated_spec = JSPEC_SPEC(EV, validated_fields, JSPEC_LENIENT);
static const struct jspec reasoned_spec = JSPEC_SPEC(EV, reasoned_fields, JSPEC_LENIENT);
static const struct jspec completed_spec = JSPEC_SPEC(EV, completed_fields, JSPEC_LENIENT);
static const struct jspec plain_spec = JSPEC_SPEC(EV, plain_fields, JSPEC_LENIENT);

#define LINE struct order_line
static const struct jspec_field line_fields[] = {
    JSPEC_UUID(LINE, item_id),
    JSPEC_STRING(LINE, sku, ORDER_SKU_MAX),
    JSPEC_TEXT(LINE, name, ORDER_NAME_MAX),
    JSPEC_INTEGER(LINE, qty, 1, ORDER_QTY_MAX),
    JSPEC_INTEGER(LINE, unit_price_minor, 0, INT64_MAX),
    JSPEC_INTEGER(LINE, line_total_minor, 0, INT64_MAX),
};
static const struct jspec line_spec = JSPEC_SPEC(LINE, line_fields, JSPEC_LENIENT);

static const struct jspec *event_spec(enum order_event_type ev)
{
    switch (ev) {
    case ORDER_EV_INVENTORY_VALIDATED:
        return &validated_spec;
    case ORDER_EV_INVENTORY_INVALIDATED:
    case ORDER_EV_PAYMENT_FAILED:
    case ORDER_EV_REJECTED:
        return &reasoned_spec;
    case ORDER_EV_PAYMENT_COMPLETED:
        return &completed_spec;
    case ORDER_EV_CANCEL_REQUESTED:
    case ORDER_EV_COUNT:
        return NULL;
    default:
        return &plain_spec;
    }
}

int order_rules_event(const json_t *data, enum order_event_type ev, struct order_event_data *ret,
                      char *err, size_t errlen)
{
    const struct jspec *spec = (unsigned)ev < ORDER_EV_COUNT ? event_spec(ev) : NULL;
    struct jspec_error e;
    EV in = {0};
    size_t i;
    const json_t *v;
    if (!spec) {
        if (err && errlen)
            snprintf(err, errlen, "%s", "data: not an event order-svc reads");
        return OF_EPERMANENT;
    }
    if (jspec_parse(data, spec, &in, &e) != 0)
        return event_fail("data", &e, err, errlen);
    struct order_event_data *out = xcalloc(1, sizeof *out);
    int rc = OF_OK;
    json_array_foreach(in.lines, i, v)
    {
        char prefix[48];
        snprintf(prefix, sizeof prefix, "data.lines[%zu]", i);
        if (jspec_parse(v, &line_spec, &out->lines[i], &e) != 0) {
            rc = event_fail(prefix, &e, err, errlen);
            goto out;
        }
        out->lines[i].priced = true;
    }
    out->n_lines = in.lines ? i : 0;
    memcpy(out->order_id, in.order_id, UUID_STR_LEN);
    memcpy(out->reason, in.reason, sizeof out->reason);
    memcpy(out->reservation_id, in.reservation_id, UUID_STR_LEN);
    memcpy(out->payment_id, in.payment_id, UUID_STR_LEN);
    memcpy(out->currency, in.currency, sizeof out->currency);
    out->amount_minor = in.amount_minor;
    out->total_minor = in.total_minor;
    *ret = *out;
out:
    free(out);
    return rc;
}

static const struct jspec_field ref_fields[] = {EV_ORDER};
static const struct jspec ref_spec = JSPEC_SPEC(EV, ref_fields, JSPEC_LENIENT);

int order_rules_order_ref(const json_t *data, char ret[UUID_STR_LEN], char *err, size_t errlen)
{
    struct jspec_error e;
    EV in = {0};
    if (jspec_parse(data, &ref_spec, &in, &e) != 0)
        return event_fail("data", &e, err, errlen);
    memcpy(ret, in.order_id, UUID_STR_LEN);
    return OF_OK;
}

const char *order_rules_code(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > ORDER_CODE_MAX || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n)
        return NULL;
    return s;
}

int order_rules_priced_match(const struct order_line *want, size_t n_want,
                             const struct order_event_data *got, char *err, size_t errlen)
{
    int64_t sum = 0;
    if (got->n_lines != n_want) {
        snprintf(err, errlen, "data.lines: %zu lines for an order of %zu", got->n_lines, n_want);
        return OF_EPERMANENT;
    }
    for (size_t i = 0; i < got->n_lines; i++) {
        const struct order_line *g = &got->lines[i];
        size_t j = 0;
        while (j < n_want && strcmp(want[j].item_id, g->item_id) != 0)
            j++;
        if (j == n_want || want[j].qty != g->qty) {
            snprintf(err, errlen, "data.lines[%zu]: not a line of the order as placed", i);
            return OF_EPERMANENT;
        }
        if (g->unit_price_minor > INT64_MAX / g->qty ||
            g->line_total_minor != g->unit_price_minor * g->qty) {
            snprintf(err, errlen, "data.lines[%zu].line_total_minor: not qty * unit_price_minor",
                     i);
            return OF_EPERMANENT;
        }
        if (g->line_total_minor > INT64_MAX - sum) {
            snprintf(err, errlen, "data.total_minor: out of range");
            return OF_EPERMANENT;
        }
        sum += g->line_total_minor;
    }
    if (sum != got->total_minor) {
        snprintf(err, errlen, "data.total_minor: not the sum of the lines");
        return OF_EPERMANENT;
    }
    return OF_OK;
}
