/* The one table of event types and the Kafka topics that carry them (DESIGN.md section 3). */
#ifndef COMMON_TOPICS_H
#define COMMON_TOPICS_H

#include <stddef.h>

#define TOPIC_DLQ_SUFFIX ".dlq"
#define TOPIC_NAME_MAX   128

struct topic_def {
    const char *name;       /* "order.placed.v1" */
    const char *event_type; /* "order.placed" */
    int version;            /* 1 */
    const char *producer;   /* "order-svc" */
};

/* All topics, in a stable order. */
const struct topic_def *topics_all(size_t *ret_n);
/* The topic for (event_type, version), or NULL when that pair is not in the table. */
const struct topic_def *topics_find(const char *event_type, int version);
/* The topic by its name, or NULL. */
const struct topic_def *topics_by_name(const char *name);
/* Writes "<topic>.dlq" into ret; returns 0, or -1 if it does not fit. */
int topics_dlq_name(const char *topic, char *ret, size_t len);

#endif
