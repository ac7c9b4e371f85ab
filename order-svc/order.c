/* order-svc's domain names (order.h): states, inputs and cancel reasons with their wire names. */
#include "order.h"

#include <stddef.h>
#include <string.h>

static const char *const state_names[ORDER_STATE_COUNT] = {
    [ORDER_CREATED] = "CREATED",     [ORDER_AWAITING_PAYMENT] = "AWAITING_PAYMENT",
    [ORDER_PLACED] = "PLACED",       [ORDER_APPROVED] = "APPROVED",
    [ORDER_ASSIGNED] = "ASSIGNED",   [ORDER_OUT_FOR_DELIVERY] = "OUT_FOR_DELIVERY",
    [ORDER_DELIVERED] = "DELIVERED", [ORDER_REJECTED] = "REJECTED",
    [ORDER_CANCELLED] = "CANCELLED",
};

static const char *const input_names[ORDER_INPUT_COUNT] = {
    [ORDER_IN_INVENTORY_VALIDATED] = "inventory.validated",
    [ORDER_IN_INVENTORY_INVALIDATED] = "inventory.invalidated",
    [ORDER_IN_PAYMENT_COMPLETED] = "payment.completed",
    [ORDER_IN_PAYMENT_FAILED] = "payment.failed",
    [ORDER_IN_RESERVATION_EXPIRED] = "inventory.reservation.expired",
    [ORDER_IN_ORDER_APPROVED] = "order.approved",
    [ORDER_IN_ORDER_REJECTED] = "order.rejected",
    [ORDER_IN_AGENT_ASSIGNED] = "delivery.agent.assigned",
    [ORDER_IN_ASSIGNMENT_FAILED] = "delivery.assignment.failed",
    [ORDER_IN_PICKED_UP] = "delivery.picked_up",
    [ORDER_IN_DELIVERED] = "delivery.delivered",
    [ORDER_IN_CANCEL_REQUEST] = "cancel_request",
};

static const char *const reason_names[ORDER_REASON_COUNT] = {
    [ORDER_REASON_NONE] = NULL,
    [ORDER_REASON_PAYMENT_FAILED] = "PAYMENT_FAILED",
    [ORDER_REASON_RESERVATION_EXPIRED] = "RESERVATION_EXPIRED",
    [ORDER_REASON_REJECTED_BY_BUSINESS] = "REJECTED_BY_BUSINESS",
    [ORDER_REASON_APPROVAL_TIMEOUT] = "APPROVAL_TIMEOUT",
    [ORDER_REASON_ASSIGNMENT_FAILED] = "ASSIGNMENT_FAILED",
    [ORDER_REASON_CUSTOMER_CANCELLED] = "CUSTOMER_CANCELLED",
};

/* The index of s among names[0..n-1], or -1. */
static int find(const char *const *names, int n, const char *s, size_t len)
{
    for (int i = 0; s && i < n; i++) {
        if (names[i] && strlen(names[i]) == len && strncmp(names[i], s, len) == 0)
            return i;
    }
    return -1;
}

const char *order_state_name(enum order_state s)
{
    return (unsigned)s < ORDER_STATE_COUNT ? state_names[s] : NULL;
}

int order_state_parse(const char *s, enum order_state *ret)
{
    int i = find(state_names, ORDER_STATE_COUNT, s, s ? strlen(s) : 0);
    if (i < 0)
        return -1;
    *ret = (enum order_state)i;
    return 0;
}

int order_state_terminal(enum order_state s)
{
    return s == ORDER_DELIVERED || s == ORDER_REJECTED || s == ORDER_CANCELLED;
}

const char *order_input_name(enum order_input in)
{
    return (unsigned)in < ORDER_INPUT_COUNT ? input_names[in] : NULL;
}

int order_input_by_type(const char *t, enum order_input *ret)
{
    if (!t)
        return -1;
    size_t len = strlen(t);
    if (len > 3 && strcmp(t + len - 3, ".v1") == 0)
        len -= 3;
    /* The cancel request is no event type. */
    int i = find(input_names, ORDER_IN_CANCEL_REQUEST, t, len);
    if (i < 0)
        return -1;
    *ret = (enum order_input)i;
    return 0;
}

const char *order_cancel_reason_name(enum order_cancel_reason r)
{
    return (unsigned)r < ORDER_REASON_COUNT ? reason_names[r] : NULL;
}

int order_cancel_reason_parse(const char *s, enum order_cancel_reason *ret)
{
    int i = find(reason_names, ORDER_REASON_COUNT, s, s ? strlen(s) : 0);
    if (i < 0)
        return -1;
    *ret = (enum order_cancel_reason)i;
    return 0;
}
