/* notification-svc domain types: a notification (one message per order and event kind, with its
 * delivery state) and the order read model it and the receipts are rendered from. */
#ifndef NOTIFICATION_H
#define NOTIFICATION_H

#include <stdint.h>

#include <jansson.h>

#include "common/uuid.h"
#include "notification_templates.h"

#define NOTIFICATION_KIND_SIZE     64
#define NOTIFICATION_ERROR_SIZE    256
#define NOTIFICATION_LIMIT_DEFAULT 20
#define NOTIFICATION_LIMIT_MAX     100

struct notification {
    char id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN];
    char order_id[UUID_STR_LEN];
    char event_type[NOTIFICATION_KIND_SIZE]; /* the template's kind: "order.placed" */
    char event_id[UUID_STR_LEN];
    char channel[16];
    char body[NOTIFICATION_BODY_SIZE];
    char status[16]; /* PENDING, SENT, FAILED */
    int attempts;
    char last_error[NOTIFICATION_ERROR_SIZE];
    int64_t created_ms;
    int64_t sent_ms; /* 0: not sent */
    char trace_id[40];
};

/* The order read model (notification.orders). */
struct notification_order {
    char order_id[UUID_STR_LEN];
    char customer_id[UUID_STR_LEN];
    char outlet_id[UUID_STR_LEN];
    char outlet_name[4 * 100 + 1];
    json_t *lines; /* owned, may be NULL */
    long long total_minor;
    char currency[4];
    long long refunded_minor;
    int64_t placed_ms;    /* 0: unknown */
    int64_t delivered_ms; /* 0: not delivered */
};

/* Frees what o owns (its lines); o itself is the caller's. */
void notification_order_clear(struct notification_order *o);

#endif
