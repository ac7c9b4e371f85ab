/* The shipped provider adapter: a deterministic mock by token (payment_rules_mock_outcome) that
 * keeps its ledger of charges and refunds by idempotency key in payment.mock_ledger, written on a
 * connection of its own (borrowed from the daemon's pool, each statement its own transaction),
 * never in the caller's transaction: like an external provider, what it did stays done when the
 * handler rolls back or the daemon is killed before its commit, and a repeated call with the same
 * key gets the first answer and the same provider reference, never a second charge. */
#ifndef PAYMENT_MOCK_H
#define PAYMENT_MOCK_H

#include "payment.h"

struct db_pool;

/* A mock over pool (borrowed; it must outlive the mock) with OF_PAYMENT_FAILURE_RATE
 * failure_rate (0..1): that fraction of charges fails transiently before the token is looked
 * at. Fills *ret (name "mock"); ret->cls is owned by it and freed by payment_mock_free. */
void payment_mock_init(struct payment_provider *ret, struct db_pool *pool, double failure_rate);
/* Frees what payment_mock_init allocated; safe on a zeroed provider. */
void payment_mock_free(struct payment_provider *p);

#endif
