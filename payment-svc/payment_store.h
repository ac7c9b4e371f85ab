/* payment-svc persistence: payments and the cancellations that arrived before their request
 * (tombstones), one function per statement, on a connection the caller holds (the consumer's
 * batch or a boundary_read). Each returns OF_OK, OF_ENOTFOUND, or the classified database error
 * (its message kept by db_exec for the boundary's or the consumer's log line). SQL only through
 * parameters. Ids that are not UUIDs find nothing. The mock provider's ledger is not here: it
 * is the provider's (payment_mock.c). */
#ifndef PAYMENT_STORE_H
#define PAYMENT_STORE_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "payment.h"
#include "payment_rules.h"

/* Loads the payment of order_id, with FOR UPDATE when lock; OF_ENOTFOUND when it has none. */
int payment_store_get_by_order(PGconn *c, const char *order_id, bool lock, struct payment *ret)
    __attribute__((warn_unused_result));
/* Loads payment id; OF_ENOTFOUND when there is none. */
int payment_store_get(PGconn *c, const char *id, struct payment *ret)
    __attribute__((warn_unused_result));
/* Inserts p (id, order, customer, amount, currency, method, status, failure_reason,
 * provider_ref or "" for none) and writes the stored created_at and updated_at into p;
 * OF_ECONFLICT when the order has a payment already. */
int payment_store_insert(PGconn *c, struct payment *p) __attribute__((warn_unused_result));
/* Marks the CAPTURED payment p->id REFUNDED with p->refund_ref and fills p's status,
 * refunded_at and updated_at from the stored row; OF_ENOTFOUND when it is not CAPTURED. */
int payment_store_refund(PGconn *c, struct payment *p) __attribute__((warn_unused_result));

/* Remembers cn as a cancellation of an order without a payment; a second one for the order
 * changes nothing (still OF_OK). */
int payment_store_cancellation_insert(PGconn *c, const struct payment_cancellation *cn)
    __attribute__((warn_unused_result));
/* *ret_exists is whether order_id has a remembered cancellation. */
int payment_store_cancellation_exists(PGconn *c, const char *order_id, bool *ret_exists)
    __attribute__((warn_unused_result));

#endif
