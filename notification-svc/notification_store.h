/* notification-svc storage: one function per statement over notification.orders (the read
 * model) and notification.notifications. Every function runs in the caller's transaction and
 * returns OF_OK, OF_ENOTFOUND where said, or a db_exec() code. */
#ifndef NOTIFICATION_STORE_H
#define NOTIFICATION_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "notification.h"
#include "notification_rules.h"

/* Creates or completes the read-model row of ev's order (customer, outlet, and from
 * order.placed.v1 lines, total, currency and placed_at). */
int notification_store_order_upsert(PGconn *c, const struct notification_event *ev)
    __attribute__((warn_unused_result));
/* Records the outlet's name (order.approved.v1). */
int notification_store_order_outlet(PGconn *c, const char *order_id, const char *name)
    __attribute__((warn_unused_result));
/* Adds a refund (payment.refunded.v1). */
int notification_store_order_refund(PGconn *c, const char *order_id, long long amount_minor)
    __attribute__((warn_unused_result));
/* Records the delivery time (text timestamp) once. */
int notification_store_order_delivered(PGconn *c, const char *order_id, const char *at)
    __attribute__((warn_unused_result));
/* The read-model row of order_id into *ret (the caller clears it); OF_ENOTFOUND. */
int notification_store_order_get(PGconn *c, const char *order_id, struct notification_order *ret)
    __attribute__((warn_unused_result));

/* *ret: whether the order has a notification of one of kinds (a Postgres text array literal). */
int notification_store_has_kind(PGconn *c, const char *order_id, const char *kinds, bool *ret)
    __attribute__((warn_unused_result));
/* Inserts n PENDING (its id is generated here) unless one exists for (order_id, event_type):
 * *ret_created says which. */
int notification_store_insert(PGconn *c, struct notification *n, bool *ret_created)
    __attribute__((warn_unused_result));
/* The notification id into *ret, locked FOR UPDATE when lock; owner NULL: any customer;
 * OF_ENOTFOUND. */
int notification_store_get(PGconn *c, const char *id, const char *owner, bool lock,
                           struct notification *ret) __attribute__((warn_unused_result));
/* Saves status, attempts, last_error and sent_at (now when status is SENT). */
int notification_store_save(PGconn *c, struct notification *n) __attribute__((warn_unused_result));
/* One page of owner's notifications, newest first, after q's cursor: up to q->limit + 1 rows
 * into *ret_list (malloc'd, the caller frees). */
int notification_store_page(PGconn *c, const char *owner, const struct notification_query *q,
                            struct notification **ret_list, size_t *ret_n)
    __attribute__((warn_unused_result));

#endif
