/* inventory-svc rules: body and event-data tables, the adjustment and reservation decisions,
 * the transition table and the outlet lock key (see inventory_rules.h). */
#include "inventory_rules.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/xalloc.h"

int64_t inventory_available(const struct inventory_stock *s)
{
    return s->on_hand - s->reserved - s->confirmed;
}

/* ------------------------------------------------------------------------------------------ */
/* Single values */

static bool sku_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

bool inventory_rules_sku_valid(const char *s)
{
    size_t n = 0;
    if (!s)
        return false;
    while (sku_char(s[n]))
        n++;
    return s[n] == '\0' && n >= 1 && n <= INVENTORY_SKU_MAX;
}

static const char *const reason_names[INVENTORY_REASON_COUNT] = {
    [INVENTORY_OUT_OF_STOCK] = "OUT_OF_STOCK",
    [INVENTORY_UNKNOWN_ITEM] = "UNKNOWN_ITEM",
    [INVENTORY_ITEM_INACTIVE] = "ITEM_INACTIVE",
    [INVENTORY_OUTLET_CLOSED] = "OUTLET_CLOSED",
    [INVENTORY_CURRENCY_MISMATCH] = "CURRENCY_MISMATCH",
};

const char *inventory_rules_reason_name(enum inventory_reason r)
{
    return (unsigned)r < INVENTORY_REASON_COUNT ? reason_names[r] : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Request bodies */

static int sku_check(const json_t *v, const struct jspec_field *f, void *dst,
                     struct jspec_error *err)
{
    (void)dst;
    if (!inventory_rules_sku_valid(json_string_value(v)))
        return jspec_fail(err, API_INVALID_VALUE, f->name,
                          "must be 1 to %d ASCII letters, digits, '.', '_' or '-'",
                          INVENTORY_SKU_MAX);
    return OF_OK;
}

static int delta_check(const json_t *v, const struct jspec_field *f, void *dst,
                       struct jspec_error *err)
{
    (void)dst;
    if (json_integer_value(v) == 0)
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must not be 0");
    return OF_OK;
}

/* Members no inventory-svc request may set: the server's and the stock's. */
static const char *const server_owned[] = {
    "id",         "outlet_id", "owner_id", "business_id", "on_hand",
    "reserved",   "confirmed", "sold",     "available",   "created_at",
    "updated_at", "version",   "status",   "actor_id",    NULL,
};

#define NEW struct inventory_item_new
static const struct jspec_field item_new_fields[] = {
    JSPEC_STRING(NEW, sku, INVENTORY_SKU_MAX, .check = sku_check),
    JSPEC_TEXT(NEW, name, INVENTORY_NAME_MAX),
    JSPEC_INTEGER(NEW, price_minor, 0, INVENTORY_PRICE_MAX),
    JSPEC_STRING(NEW, currency, 3, .check = jspec_check_currency),
    JSPEC_INTEGER(NEW, stock, 0, INVENTORY_STOCK_MAX, .presence = JSPEC_OPTIONAL),
    JSPEC_BOOLEAN(NEW, active, .presence = JSPEC_OPTIONAL),
};
static const struct jspec item_new_spec =
    JSPEC_SPEC(NEW, item_new_fields, JSPEC_STRICT, .read_only = server_owned);

int inventory_rules_item_new(const json_t *body, struct inventory_item_new *ret,
                             struct jspec_error *err)
{
    NEW out = {.active = true};
    if (jspec_parse(body, &item_new_spec, &out, err) < 0)
        return OF_EPERMANENT;
    *ret = out;
    return OF_OK;
}

#define PATCH struct inventory_item_patch
static const struct jspec_field item_patch_fields[] = {
    JSPEC_TEXT(PATCH, name, INVENTORY_NAME_MAX, .presence = JSPEC_OPTIONAL,
               JSPEC_PRESENT(PATCH, set_name)),
    JSPEC_INTEGER(PATCH, price_minor, 0, INVENTORY_PRICE_MAX, .presence = JSPEC_OPTIONAL,
                  JSPEC_PRESENT(PATCH, set_price)),
    JSPEC_BOOLEAN(PATCH, active, .presence = JSPEC_OPTIONAL, JSPEC_PRESENT(PATCH, set_active)),
    JSPEC_READ_ONLY_FIELD("sku"),
    JSPEC_READ_ONLY_FIELD("currency"),
    JSPEC_READ_ONLY_FIELD("stock"),
};
static const struct jspec item_patch_spec =
    JSPEC_SPEC(PATCH, item_patch_fields, JSPEC_STRICT, .read_only = server_owned);

int inventory_rules_item_patch(const json_t *body, struct inventory_item_patch *ret,
                               struct jspec_error *err)
{
    PATCH out = {0};
    if (jspec_parse(body, &item_patch_spec, &out, err) < 0)
        return OF_EPERMANENT;
    *ret = out;
    return OF_OK;
}

#define ADJ struct inventory_adjust_request
static const struct jspec_field adjust_fields[] = {
    JSPEC_INTEGER(ADJ, delta, -INVENTORY_STOCK_MAX, INVENTORY_STOCK_MAX, .check = delta_check),
    JSPEC_TEXT(ADJ, reason, INVENTORY_REASON_MAX),
};
static const struct jspec adjust_spec =
    JSPEC_SPEC(ADJ, adjust_fields, JSPEC_STRICT, .read_only = server_owned);

int inventory_rules_adjust_request(const json_t *body, struct inventory_adjust_request *ret,
                                   struct jspec_error *err)
{
    ADJ out = {0};
    if (jspec_parse(body, &adjust_spec, &out, err) < 0)
        return OF_EPERMANENT;
    *ret = out;
    return OF_OK;
}

/* True if s is a canonical lower-case UUID, as jspec's UUID type wants it. */
static bool lower_uuid(const char *s)
{
    return s && uuid_valid(s) && strpbrk(s, "ABCDEF") == NULL;
}

/* The ids array (a JSPEC_T_CUSTOM parser: it writes struct inventory_id_list). Items are
 * counted from 0, as a JSON pointer would. */
static int ids_parse(const json_t *v, const struct jspec_field *f, void *dst,
                     struct jspec_error *err)
{
    struct inventory_id_list list = {0};
    size_t i;
    const json_t *item;
    if (!json_is_array(v))
        return jspec_fail(err, API_INVALID_TYPE, f->name, "must be an array");
    if (json_array_size(v) == 0)
        return jspec_fail(err, API_INVALID_VALUE, f->name, "must have at least 1 item");
    if (json_array_size(v) > INVENTORY_IDS_MAX)
        return jspec_fail(err, API_TOO_LONG, f->name, "must have at most %d items",
                          INVENTORY_IDS_MAX);
    json_array_foreach(v, i, item)
    {
        const char *s = json_string_value(item);
        if (!json_is_string(item))
            return jspec_fail(err, API_INVALID_TYPE, f->name, "item %zu must be a string", i);
        if (!lower_uuid(s) || strlen(s) != UUID_STR_LEN - 1)
            return jspec_fail(err, API_INVALID_VALUE, f->name,
                              "item %zu must be a UUID: 8-4-4-4-12 lowercase hex digits", i);
        for (size_t j = 0; j < list.n; j++)
            if (strcmp(list.ids[j], s) == 0)
                return jspec_fail(err, API_INVALID_VALUE, f->name, "item %zu repeats item %zu", i,
                                  j);
        memcpy(list.ids[list.n++], s, UUID_STR_LEN);
    }
    memcpy(dst, &list, sizeof list);
    return OF_OK;
}

struct ids_body {
    struct inventory_id_list ids;
};
static const struct jspec_field ids_fields[] = {
    JSPEC_CUSTOM(struct ids_body, ids, ids_parse),
};
static const struct jspec ids_spec =
    JSPEC_SPEC(struct ids_body, ids_fields, JSPEC_STRICT, .read_only = server_owned);

int inventory_rules_id_list(const json_t *body, struct inventory_id_list *ret,
                            struct jspec_error *err)
{
    struct ids_body *out = xcalloc(1, sizeof *out);
    int rc = jspec_parse(body, &ids_spec, out, err) < 0 ? OF_EPERMANENT : OF_OK;
    if (rc == OF_OK)
        *ret = out->ids;
    free(out);
    return rc;
}

int inventory_rules_list_query(const char *limit, const char *cursor,
                               struct inventory_list_query *ret, struct jspec_error *err)
{
    struct inventory_list_query q = {.limit = INVENTORY_LIST_LIMIT_DEFAULT};
    if (jspec_query_limit(limit, INVENTORY_LIST_LIMIT_DEFAULT, INVENTORY_LIST_LIMIT_MAX, &q.limit,
                          err) != OF_OK)
        return OF_EPERMANENT;
    if (cursor) {
        if (!lower_uuid(cursor) || strlen(cursor) != UUID_STR_LEN - 1)
            return jspec_fail(err, API_INVALID_VALUE, "cursor",
                              "is not a next_cursor of this list");
        q.has_cursor = true;
        memcpy(q.cursor, cursor, UUID_STR_LEN);
    }
    *ret = q;
    return OF_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Decisions */

int inventory_rules_adjust(const struct inventory_stock *stock, int64_t delta,
                           struct inventory_stock *ret_after, const char **ret_why)
{
    struct inventory_stock after = *stock;
    const char *why = NULL;
    if (delta < -INVENTORY_STOCK_MAX || delta > INVENTORY_STOCK_MAX) {
        why = "the adjustment is out of range";
    } else {
        after.on_hand = stock->on_hand + delta;
        if (inventory_available(&after) < 0)
            why = "the adjustment would take available stock below 0";
        else if (after.on_hand > INVENTORY_STOCK_MAX)
            why = "the adjustment would take on_hand above 1000000000";
    }
    if (why) {
        *ret_why = why;
        return OF_ECONFLICT;
    }
    *ret_after = after;
    return OF_OK;
}

static const struct inventory_item *find_item(const struct inventory_item *items, size_t n,
                                              const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i].id, id) == 0)
            return &items[i];
    return NULL;
}

/* The currency of the order: that of the first line with a known, active item; "" if none. */
static const char *order_currency(const struct inventory_line *lines, size_t n,
                                  const struct inventory_item *items, size_t n_items)
{
    for (size_t i = 0; i < n; i++) {
        const struct inventory_item *it = find_item(items, n_items, lines[i].item_id);
        if (it && it->active)
            return it->currency;
    }
    return "";
}

/* The reason line l fails for, or INVENTORY_OK. */
static enum inventory_reason line_reason(const struct outlet_ref *outlet,
                                         const struct inventory_line *l,
                                         const struct inventory_item *it, const char *currency)
{
    if (!it)
        return INVENTORY_UNKNOWN_ITEM;
    if (!it->active)
        return INVENTORY_ITEM_INACTIVE;
    if (outlet && !outlet->is_open)
        return INVENTORY_OUTLET_CLOSED;
    if (strcmp(it->currency, currency) != 0)
        return INVENTORY_CURRENCY_MISMATCH;
    if (l->qty > inventory_available(&it->stock))
        return INVENTORY_OUT_OF_STOCK;
    return INVENTORY_OK;
}

/* The order's reason from its lines' (precedence as inventory_rules.h says). */
static enum inventory_reason order_reason(const struct outlet_ref *outlet,
                                          const struct inventory_failed_line *failed, size_t n)
{
    static const enum inventory_reason precedence[] = {
        INVENTORY_UNKNOWN_ITEM, INVENTORY_ITEM_INACTIVE, INVENTORY_CURRENCY_MISMATCH,
        INVENTORY_OUT_OF_STOCK, INVENTORY_OUTLET_CLOSED};
    if (outlet && !outlet->is_open)
        return INVENTORY_OUTLET_CLOSED;
    for (size_t p = 0; p < sizeof precedence / sizeof precedence[0]; p++)
        for (size_t i = 0; i < n; i++)
            if (failed[i].reason == precedence[p])
                return precedence[p];
    return INVENTORY_OK;
}

/* Prices line l of item it into *ret; false when the arithmetic would overflow. */
static bool price_line(const struct inventory_line *l, const struct inventory_item *it,
                       struct inventory_priced_line *ret)
{
    memcpy(ret->item_id, it->id, UUID_STR_LEN);
    memcpy(ret->sku, it->sku, sizeof ret->sku);
    memcpy(ret->name, it->name, sizeof ret->name);
    ret->qty = l->qty;
    ret->unit_price_minor = it->price_minor;
    return !__builtin_mul_overflow(l->qty, it->price_minor, &ret->line_total_minor);
}

/* Fills d's priced lines, total and currency from the (all reservable) lines. */
static int price_all(const struct inventory_line *lines, size_t n,
                     const struct inventory_item *items, size_t n_items, const char *currency,
                     struct inventory_decision *d)
{
    d->lines = xcalloc(n, sizeof *d->lines);
    d->n_lines = n;
    snprintf(d->currency, sizeof d->currency, "%s", currency);
    for (size_t i = 0; i < n; i++) {
        const struct inventory_item *it = find_item(items, n_items, lines[i].item_id);
        if (!it || !price_line(&lines[i], it, &d->lines[i]) ||
            __builtin_add_overflow(d->total_minor, d->lines[i].line_total_minor, &d->total_minor))
            return OF_EPERMANENT;
    }
    return OF_OK;
}

static bool lines_valid(const struct inventory_line *lines, size_t n)
{
    if (n == 0 || n > INVENTORY_LINES_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lines[i].qty < 1 || lines[i].qty > INVENTORY_QTY_MAX)
            return false;
    return true;
}

int inventory_rules_reserve(const struct outlet_ref *outlet, const struct inventory_line *lines,
                            size_t n, const struct inventory_item *items, size_t n_items,
                            struct inventory_decision *ret)
{
    struct inventory_decision d = {0};
    *ret = d;
    if (!lines_valid(lines, n))
        return OF_EPERMANENT;
    const char *currency = order_currency(lines, n, items, n_items);
    d.failed = xcalloc(n, sizeof *d.failed);
    for (size_t i = 0; i < n; i++) {
        const struct inventory_item *it = find_item(items, n_items, lines[i].item_id);
        enum inventory_reason r = line_reason(outlet, &lines[i], it, currency);
        if (r == INVENTORY_OK)
            continue;
        struct inventory_failed_line *f = &d.failed[d.n_failed++];
        memcpy(f->item_id, lines[i].item_id, UUID_STR_LEN);
        f->reason = r;
        f->requested = lines[i].qty;
        f->available = it ? inventory_available(&it->stock) : 0;
    }
    d.reason = order_reason(outlet, d.failed, d.n_failed);
    if (d.reason == INVENTORY_OK) {
        free(d.failed);
        d.failed = NULL;
        if (price_all(lines, n, items, n_items, currency, &d) != OF_OK) {
            inventory_decision_clear(&d);
            return OF_EPERMANENT;
        }
    }
    *ret = d;
    return OF_OK;
}

void inventory_decision_clear(struct inventory_decision *d)
{
    free(d->lines);
    free(d->failed);
    *d = (struct inventory_decision){0};
}

/* ------------------------------------------------------------------------------------------ */
/* The outlet lock key */

int64_t inventory_rules_outlet_lock_key(const char *outlet_id)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)(outlet_id ? outlet_id : ""); *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    h = (h ^ (h >> 48)) & 0xffffffffffffULL;
    return (int64_t)((0x6976ULL << 48) | h);
}

/* ------------------------------------------------------------------------------------------ */
/* Event data */

struct request_data {
    char order_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    const json_t *lines;
};

#define REQ struct request_data
static const struct jspec_field request_fields[] = {
    JSPEC_UUID(REQ, order_id),
    JSPEC_UUID(REQ, outlet_id),
    JSPEC_ARRAY(REQ, lines, 1, INVENTORY_LINES_MAX),
};
static const struct jspec request_spec = JSPEC_SPEC(REQ, request_fields, JSPEC_LENIENT);

#define LINE struct inventory_line
static const struct jspec_field line_fields[] = {
    JSPEC_UUID(LINE, item_id),
    JSPEC_INTEGER(LINE, qty, 1, INVENTORY_QTY_MAX),
};
static const struct jspec line_spec = JSPEC_SPEC(LINE, line_fields, JSPEC_LENIENT);

/* Parses the lines array into ret->lines; false with err filled on the first bad one. */
static bool parse_lines(const json_t *lines, struct inventory_validation_request *ret, char *err,
                        size_t errlen)
{
    size_t i;
    const json_t *v;
    json_array_foreach(lines, i, v)
    {
        struct jspec_error e;
        char prefix[48];
        snprintf(prefix, sizeof prefix, "data.lines[%zu]", i);
        if (jspec_parse(v, &line_spec, &ret->lines[i], &e) < 0) {
            jspec_reason(&e, prefix, err, errlen);
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(ret->lines[j].item_id, ret->lines[i].item_id) == 0) {
                of_reason_format(err, errlen, "%s.item_id: repeats the item of line %zu", prefix,
                                 j);
                return false;
            }
        }
    }
    ret->n_lines = i;
    return true;
}

int inventory_rules_validation_request(const json_t *data, struct inventory_validation_request *ret,
                                       char *err, size_t errlen)
{
    struct jspec_error e;
    REQ in = {0};
    if (jspec_parse(data, &request_spec, &in, &e) < 0) {
        jspec_reason(&e, "data", err, errlen);
        return OF_EPERMANENT;
    }
    struct inventory_validation_request *out = xcalloc(1, sizeof *out);
    memcpy(out->order_id, in.order_id, UUID_STR_LEN);
    memcpy(out->outlet_id, in.outlet_id, UUID_STR_LEN);
    bool ok = parse_lines(in.lines, out, err, errlen);
    if (ok)
        *ret = *out;
    free(out);
    return ok ? OF_OK : OF_EPERMANENT;
}

#define ORDER struct inventory_order_event
static const struct jspec_field placed_fields[] = {
    JSPEC_UUID(ORDER, order_id),
    JSPEC_UUID(ORDER, outlet_id),
    JSPEC_UUID(ORDER, reservation_id, .presence = JSPEC_OPTIONAL, .nullable = true),
};
static const struct jspec_field cancelled_fields[] = {
    JSPEC_UUID(ORDER, order_id),
    JSPEC_UUID(ORDER, outlet_id),
    JSPEC_STRING(ORDER, reason, INVENTORY_CODE_MAX),
    JSPEC_UUID(ORDER, reservation_id, .presence = JSPEC_OPTIONAL, .nullable = true),
};
static const struct jspec_field delivered_fields[] = {
    JSPEC_UUID(ORDER, order_id),
    JSPEC_UUID(ORDER, outlet_id),
};
static const struct jspec order_specs[INVENTORY_TRIGGER_COUNT] = {
    [INVENTORY_PLACED] = JSPEC_SPEC(ORDER, placed_fields, JSPEC_LENIENT),
    [INVENTORY_CANCELLED] = JSPEC_SPEC(ORDER, cancelled_fields, JSPEC_LENIENT),
    [INVENTORY_DELIVERED] = JSPEC_SPEC(ORDER, delivered_fields, JSPEC_LENIENT),
};

int inventory_rules_order_event(const json_t *data, enum inventory_trigger trigger,
                                struct inventory_order_event *ret, char *err, size_t errlen)
{
    struct jspec_error e;
    ORDER out = {0};
    if ((unsigned)trigger >= INVENTORY_TRIGGER_COUNT || !order_specs[trigger].fields) {
        of_reason_format(err, errlen, "data: no such order event");
        return OF_EPERMANENT;
    }
    if (jspec_parse(data, &order_specs[trigger], &out, &e) < 0) {
        jspec_reason(&e, "data", err, errlen);
        return OF_EPERMANENT;
    }
    if (trigger == INVENTORY_CANCELLED && !out.reason[0]) {
        of_reason_format(err, errlen, "data.reason: must not be empty");
        return OF_EPERMANENT;
    }
    *ret = out;
    return OF_OK;
}
