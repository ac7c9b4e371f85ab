/* order-svc's domain names (order.h): states, inputs and cancel reasons with their wire names;
 * the topics come from common's one topic table. */
#include "order.h"

#include <stddef.h>
#include <string.h>

#include "common/errors.h"
#include "common/topics.h"

static const char *const state_names[ORDER_STATE_COUNT] = {
    [ORDER_CREATED] = "CREATED",     [ORDER_AWAITING_PAYMENT] = "AWAITING_PAYMENT",
    [ORDER_PLACED] = "PLACED",       [ORDER_APPROVED] = "APPROVED",
    [ORDER_ASSIGNED] = "ASSIGNED",   [ORDER_OUT_FOR_DELIVERY] = "OUT_FOR_DELIVERY",
    [ORDER_DELIVERED] = "DELIVERED", [ORDER_REJECTED] = "REJECTED",
    [ORDER_CANCELLED] = "CANCELLED",
};

/* The event types; the topics are these in common's table at version 1. */
static const char *const event_names[ORDER_EV_COUNT] = {
    [ORDER_EV_INVENTORY_VALIDATED] = "inventory.validated",
    [ORDER_EV_INVENTORY_INVALIDATED] = "inventory.invalidated",
    [ORDER_EV_PAYMENT_COMPLETED] = "payment.completed",
    [ORDER_EV_PAYMENT_FAILED] = "payment.failed",
    [ORDER_EV_RESERVATION_EXPIRED] = "inventory.reservation.expired",
    [ORDER_EV_APPROVED] = "order.approved",
    [ORDER_EV_REJECTED] = "order.rejected",
    [ORDER_EV_AGENT_ASSIGNED] = "delivery.agent.assigned",
    [ORDER_EV_ASSIGNMENT_FAILED] = "delivery.assignment.failed",
    [ORDER_EV_PICKED_UP] = "delivery.picked_up",
    [ORDER_EV_DELIVERED] = "delivery.delivered",
    [ORDER_EV_CANCEL_REQUESTED] = "cancel.requested",
};
#define EVENT_VERSION 1

static const char *const reason_names[ORDER_REASON_COUNT] = {
    [ORDER_REASON_NONE] = NULL,
    [ORDER_REASON_PAYMENT_FAILED] = "PAYMENT_FAILED",
    [ORDER_REASON_RESERVATION_EXPIRED] = "RESERVATION_EXPIRED",
    [ORDER_REASON_REJECTED_BY_BUSINESS] = "REJECTED_BY_BUSINESS",
    [ORDER_REASON_APPROVAL_TIMEOUT] = "APPROVAL_TIMEOUT",
    [ORDER_REASON_ASSIGNMENT_FAILED] = "ASSIGNMENT_FAILED",
    [ORDER_REASON_CUSTOMER_CANCELLED] = "CUSTOMER_CANCELLED",
};

/* The index of s among names[0..n-1] (NULL entries never match), or -1. */
static int find(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++) {
        if (names[i] && strcmp(names[i], s) == 0)
            return i;
    }
    return -1;
}

const char *order_state_name(enum order_state s)
{
    return (unsigned)s < ORDER_STATE_COUNT ? state_names[s] : NULL;
}

int order_state_from_name(const char *s, enum order_state *ret)
{
    int i = find(state_names, ORDER_STATE_COUNT, s);
    if (i < 0)
        return OF_EPERMANENT;
    *ret = (enum order_state)i;
    return OF_OK;
}

bool order_state_is_terminal(enum order_state s)
{
    return s == ORDER_DELIVERED || s == ORDER_REJECTED || s == ORDER_CANCELLED;
}

const char *order_event_name(enum order_event_type ev)
{
    return (unsigned)ev < ORDER_EV_COUNT ? event_names[ev] : NULL;
}

const char *order_event_topic(enum order_event_type ev)
{
    if ((unsigned)ev >= ORDER_EV_COUNT || ev == ORDER_EV_CANCEL_REQUESTED)
        return NULL;
    const struct topic_def *t = topics_find(event_names[ev], EVENT_VERSION);
    return t ? t->name : NULL;
}

int order_event_from_name(const char *s, enum order_event_type *ret)
{
    int i = find(event_names, ORDER_EV_COUNT, s);
    if (i < 0)
        return OF_EPERMANENT;
    *ret = (enum order_event_type)i;
    return OF_OK;
}

int order_event_from_topic(const char *topic, enum order_event_type *ret)
{
    const struct topic_def *t = topics_by_name(topic);
    if (!t || t->version != EVENT_VERSION)
        return OF_EPERMANENT;
    /* The cancel request has no topic: only the consumed events are looked at. */
    int i = find(event_names, ORDER_EV_CANCEL_REQUESTED, t->event_type);
    if (i < 0)
        return OF_EPERMANENT;
    *ret = (enum order_event_type)i;
    return OF_OK;
}

const char *order_reason_name(enum order_cancel_reason r)
{
    return (unsigned)r < ORDER_REASON_COUNT ? reason_names[r] : NULL;
}

int order_reason_from_name(const char *s, enum order_cancel_reason *ret)
{
    int i = find(reason_names, ORDER_REASON_COUNT, s);
    if (i < 0)
        return OF_EPERMANENT;
    *ret = (enum order_cancel_reason)i;
    return OF_OK;
}

int order_reason_of_rejection(const char *s, enum order_cancel_reason *ret)
{
    enum order_cancel_reason r;
    if (order_reason_from_name(s, &r) != OF_OK ||
        (r != ORDER_REASON_REJECTED_BY_BUSINESS && r != ORDER_REASON_APPROVAL_TIMEOUT))
        return OF_EPERMANENT;
    *ret = r;
    return OF_OK;
}

static const char *const method_names[ORDER_METHOD_COUNT] = {
    [ORDER_UPI] = "UPI", [ORDER_CARD] = "CARD", [ORDER_WALLET] = "WALLET"};

const char *order_method_name(enum order_method m)
{
    return (unsigned)m < ORDER_METHOD_COUNT ? method_names[m] : NULL;
}

int order_method_from_name(const char *s, enum order_method *ret)
{
    int i = find(method_names, ORDER_METHOD_COUNT, s);
    if (i < 0)
        return OF_EPERMANENT;
    *ret = (enum order_method)i;
    return OF_OK;
}
