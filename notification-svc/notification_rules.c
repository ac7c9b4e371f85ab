/* notification-svc pure validation (see notification_rules.h). */
#include "notification_rules.h"

#include <stdio.h>
#include <string.h>

#include "common/errors.h"

static const struct notification_topic topics[] = {
    {"order.created.v1", NULL, false},
    {"order.placed.v1", "order.placed", false},
    {"order.approved.v1", "order.approved", false},
    {"order.rejected.v1", "order.rejected", false},
    {"order.cancelled.v1", "order.cancelled", false},
    {"order.delivered.v1", "order.delivered", false},
    {"delivery.agent.assigned.v1", "delivery.agent.assigned", true},
    {"delivery.picked_up.v1", "delivery.picked_up", true},
    /* the same kind as order.delivered.v1: whichever comes first notifies, the other is a
     * duplicate by UNIQUE (order_id, event_type) */
    {"delivery.delivered.v1", "order.delivered", true},
    {"payment.failed.v1", "payment.failed", false},
    {"payment.refunded.v1", "payment.refunded", false},
};

const struct notification_topic *notification_rules_topics(size_t *ret_n)
{
    *ret_n = sizeof topics / sizeof topics[0];
    return topics;
}

const struct notification_topic *notification_rules_topic(const char *topic)
{
    for (size_t i = 0; topic && i < sizeof topics / sizeof topics[0]; i++)
        if (strcmp(topics[i].topic, topic) == 0)
            return &topics[i];
    return NULL;
}

const char *notification_rules_later_kinds(const char *kind)
{
    if (kind && strcmp(kind, "delivery.agent.assigned") == 0)
        return "{delivery.picked_up,order.delivered}";
    if (kind && strcmp(kind, "delivery.picked_up") == 0)
        return "{order.delivered}";
    return NULL;
}

const char *notification_rules_kind(const struct notification_topic *t,
                                    const struct notification_event *ev)
{
    if (t->kind && strcmp(t->topic, "order.cancelled.v1") == 0 &&
        (strcmp(ev->reason, "REJECTED_BY_BUSINESS") == 0 ||
         strcmp(ev->reason, "APPROVAL_TIMEOUT") == 0))
        return "order.rejected";
    return t->kind;
}

#define EV       struct notification_event
#define ORDER    JSPEC_UUID(EV, order_id)
#define CUSTOMER JSPEC_UUID(EV, customer_id)
#define OUTLET   JSPEC_UUID(EV, outlet_id)
#define REASON   JSPEC_STRING(EV, reason, 63)
#define AT(n)                                                                                      \
    {                                                                                              \
        .name = (n), .type = JSPEC_T_STRING, .max = 39, .offset = offsetof(EV, at),                \
        .size = sizeof(((EV *)0)->at)                                                              \
    }

static const struct jspec_field created_f[] = {ORDER, CUSTOMER, OUTLET, AT("created_at")};
static const struct jspec_field placed_f[] = {
    ORDER,
    CUSTOMER,
    OUTLET,
    JSPEC_ARRAY(EV, lines, 1, 0),
    JSPEC_INTEGER(EV, total_minor, 0, INT64_MAX),
    JSPEC_STRING(EV, currency, 3, .check = jspec_check_currency),
    AT("placed_at"),
};
static const struct jspec_field approved_f[] = {
    ORDER,
    CUSTOMER,
    OUTLET,
    JSPEC_INTEGER(EV, prep_time_min, 0, 1440, .presence = JSPEC_OPTIONAL),
    JSPEC_OBJECT(EV, pickup, .presence = JSPEC_OPTIONAL),
    AT("approved_at"),
};
static const struct jspec_field reasoned_f[] = {ORDER, CUSTOMER, REASON};
static const struct jspec_field delivered_f[] = {ORDER, CUSTOMER, AT("delivered_at")};
static const struct jspec_field assigned_f[] = {
    ORDER, JSPEC_INTEGER(EV, eta_min, 0, 1440, .presence = JSPEC_OPTIONAL)};
static const struct jspec_field order_only_f[] = {ORDER};
static const struct jspec_field d_delivered_f[] = {ORDER, AT("delivered_at")};
static const struct jspec_field refunded_f[] = {
    ORDER,
    CUSTOMER,
    JSPEC_INTEGER(EV, amount_minor, 0, INT64_MAX),
    JSPEC_STRING(EV, currency, 3, .check = jspec_check_currency),
};

#define SPEC(f) JSPEC_SPEC(EV, f, JSPEC_LENIENT)
static const struct {
    const char *topic;
    struct jspec spec;
} specs[] = {
    {"order.created.v1", SPEC(created_f)},
    {"order.placed.v1", SPEC(placed_f)},
    {"order.approved.v1", SPEC(approved_f)},
    {"order.rejected.v1", SPEC(reasoned_f)},
    {"order.cancelled.v1", SPEC(reasoned_f)},
    {"order.delivered.v1", SPEC(delivered_f)},
    {"delivery.agent.assigned.v1", SPEC(assigned_f)},
    {"delivery.picked_up.v1", SPEC(order_only_f)},
    {"delivery.delivered.v1", SPEC(d_delivered_f)},
    {"payment.failed.v1", SPEC(reasoned_f)},
    {"payment.refunded.v1", SPEC(refunded_f)},
};

/* The outlet's name from order.approved.v1's pickup.outlet_name, when it is sane text. */
static void outlet_name(struct notification_event *e)
{
    const char *s = json_string_value(json_object_get(e->pickup, "outlet_name"));
    if (s && jspec_text_check(s, strlen(s), 100, "outlet_name", NULL) == 0)
        snprintf(e->outlet_name, sizeof e->outlet_name, "%s", s);
}

int notification_rules_event(const char *topic, const json_t *data, struct notification_event *ret,
                             char *why, size_t len)
{
    struct jspec_error err;
    for (size_t i = 0; topic && i < sizeof specs / sizeof specs[0]; i++) {
        if (strcmp(specs[i].topic, topic) != 0)
            continue;
        memset(ret, 0, sizeof *ret);
        if (jspec_parse(data, &specs[i].spec, ret, &err) != 0) {
            jspec_reason(&err, "data", why, len);
            return OF_EPERMANENT;
        }
        outlet_name(ret);
        return OF_OK;
    }
    snprintf(why, len, "topic: not consumed by notification-svc");
    return OF_EPERMANENT;
}

void notification_rules_vars(const struct notification_event *ev,
                             const struct notification_order *o, struct notification_vars_buf *buf,
                             struct notification_vars *ret)
{
    memset(ret, 0, sizeof *ret);
    snprintf(buf->order_short, sizeof buf->order_short, "%.8s", ev->order_id);
    ret->order_short = buf->order_short;
    ret->outlet = ev->outlet_name[0] ? ev->outlet_name
                                     : (o && o->outlet_name[0] ? o->outlet_name : "The outlet");
    buf->total[0] = '\0';
    if (ev->amount_minor > 0 || ev->currency[0])
        notification_templates_amount(ev->amount_minor ? ev->amount_minor : ev->total_minor,
                                      ev->currency, buf->total, sizeof buf->total);
    else if (o && o->currency[0])
        notification_templates_amount(o->total_minor, o->currency, buf->total, sizeof buf->total);
    ret->total = buf->total;
    ret->reason = ev->reason[0] ? notification_templates_reason(ev->reason) : NULL;
    snprintf(buf->eta, sizeof buf->eta, "%ld", ev->eta_min);
    ret->eta_min = ev->eta_min > 0 ? buf->eta : NULL;
    snprintf(buf->prep, sizeof buf->prep, "%ld", ev->prep_time_min);
    ret->prep_min = ev->prep_time_min > 0 ? buf->prep : NULL;
}

int notification_rules_query(const char *limit, const char *cursor, struct notification_query *ret,
                             struct jspec_error *err)
{
    struct notification_query q = {0};
    if (jspec_query_limit(limit, NOTIFICATION_LIMIT_DEFAULT, NOTIFICATION_LIMIT_MAX, &q.limit,
                          err) != OF_OK)
        return OF_EPERMANENT;
    if (cursor) {
        if (page_cursor_decode(cursor, &q.after) != OF_OK)
            return jspec_fail(err, API_INVALID_VALUE, "cursor",
                              "must be a next_cursor returned by this listing");
        q.has_cursor = true;
    }
    *ret = q;
    return OF_OK;
}

int notification_rules_path_id(const char *id, const char *field, struct jspec_error *err)
{
    if (!id || !uuid_valid(id))
        return jspec_fail(err, API_INVALID_VALUE, field, "must be a UUID");
    return OF_OK;
}
