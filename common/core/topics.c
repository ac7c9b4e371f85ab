/* The table of every event type, its version, its Kafka topic and the service that produces it. */
#include <string.h>

#include "common/topics.h"

#define T(type, ver, producer)                                                                     \
    {                                                                                              \
        type ".v" #ver, type, ver, producer                                                        \
    }

/* One row per (event type, version), grouped by producer in saga order (DESIGN.md sections 1-2).
 * A breaking change to a payload adds a row with the next version; the old row stays. */
static const struct topic_def topics[] = {
    T("order.created", 1, "order-svc"),
    T("inventory.validation.requested", 1, "order-svc"),
    T("payment.requested", 1, "order-svc"),
    T("order.placed", 1, "order-svc"),
    T("order.cancelled", 1, "order-svc"),
    T("order.delivered", 1, "order-svc"),

    T("inventory.validated", 1, "inventory-svc"),
    T("inventory.invalidated", 1, "inventory-svc"),
    T("inventory.released", 1, "inventory-svc"),
    T("inventory.committed", 1, "inventory-svc"),
    T("inventory.reservation.expired", 1, "inventory-svc"),

    T("payment.completed", 1, "payment-svc"),
    T("payment.failed", 1, "payment-svc"),
    T("payment.refunded", 1, "payment-svc"),

    T("order.approved", 1, "business-svc"),
    T("order.rejected", 1, "business-svc"),
    T("business.outlet.created", 1, "business-svc"),
    T("business.outlet.updated", 1, "business-svc"),

    T("delivery.agent.assigned", 1, "partner-svc"),
    T("delivery.assignment.failed", 1, "partner-svc"),
    T("delivery.picked_up", 1, "partner-svc"),
    T("delivery.delivered", 1, "partner-svc"),

    T("customer.registered", 1, "customer-svc"),
    T("customer.address.updated", 1, "customer-svc"),

    T("notification.sent", 1, "notification-svc"),

    /* Test only: produced by the integration tests' probe daemon to exercise the common outbox
     * and consumer machinery without any service's domain logic. No service consumes it. */
    T("probe.event", 1, "probe-svc"),
};

#define N_TOPICS (sizeof topics / sizeof topics[0])

const struct topic_def *topics_all(size_t *ret_n)
{
    if (ret_n)
        *ret_n = N_TOPICS;
    return topics;
}

const struct topic_def *topics_find(const char *event_type, int version)
{
    if (!event_type)
        return NULL;
    for (size_t i = 0; i < N_TOPICS; i++) {
        if (topics[i].version == version && strcmp(topics[i].event_type, event_type) == 0)
            return &topics[i];
    }
    return NULL;
}

const struct topic_def *topics_by_name(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < N_TOPICS; i++) {
        if (strcmp(topics[i].name, name) == 0)
            return &topics[i];
    }
    return NULL;
}

int topics_dlq_name(const char *topic, char *ret, size_t len)
{
    if (!topic || !ret)
        return -1;
    size_t tlen = strlen(topic), slen = strlen(TOPIC_DLQ_SUFFIX);
    if (tlen + slen >= len)
        return -1; /* ret untouched */
    memcpy(ret, topic, tlen);
    memcpy(ret + tlen, TOPIC_DLQ_SUFFIX, slen + 1);
    return 0;
}
