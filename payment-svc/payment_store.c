/* payment-svc persistence: payments and cancellations in Postgres (see payment_store.h). */
#include "payment_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define PAYMENT_COLS                                                                               \
    "id, order_id, customer_id, amount_minor, currency, method, status, "                          \
    "coalesce(failure_reason, ''), coalesce(provider_ref, ''), coalesce(refund_ref, ''), " TS(     \
        "created_at") ", " TS("updated_at") ", coalesce(" TS("refunded_at") ", '')"

/* Fills *p from row 0 of r (PAYMENT_COLS); OF_EPERMANENT for a value the enums do not know
 * (the schema's CHECKs make that impossible). */
static int payment_from_row(const PGresult *r, struct payment *p)
{
    struct payment out = {.amount_minor = db_cell_i64(r, 0, 3)};
    db_cell_text(r, 0, 0, out.id, sizeof out.id);
    db_cell_text(r, 0, 1, out.order_id, sizeof out.order_id);
    db_cell_text(r, 0, 2, out.customer_id, sizeof out.customer_id);
    db_cell_text(r, 0, 4, out.currency, sizeof out.currency);
    if (payment_rules_method_parse(PQgetvalue(r, 0, 5), &out.method) != OF_OK ||
        payment_rules_status_parse(PQgetvalue(r, 0, 6), &out.status) != OF_OK ||
        payment_rules_reason_parse(PQgetvalue(r, 0, 7), &out.failure_reason) != OF_OK)
        return OF_EPERMANENT;
    db_cell_text(r, 0, 8, out.provider_ref, sizeof out.provider_ref);
    db_cell_text(r, 0, 9, out.refund_ref, sizeof out.refund_ref);
    db_cell_text(r, 0, 10, out.created_at, sizeof out.created_at);
    db_cell_text(r, 0, 11, out.updated_at, sizeof out.updated_at);
    db_cell_text(r, 0, 12, out.refunded_at, sizeof out.refunded_at);
    *p = out;
    return OF_OK;
}

/* Runs a statement that returns at most one payment row. */
static int payment_query(PGconn *c, const char *sql, int n, const char *const *p,
                         struct payment *ret)
{
    PGresult *r;
    int rc = db_exec(c, sql, n, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    rc = PQntuples(r) == 1 ? payment_from_row(r, ret) : OF_ENOTFOUND;
    PQclear(r);
    return rc;
}

int payment_store_get_by_order(PGconn *c, const char *order_id, bool lock, struct payment *ret)
{
    if (!uuid_valid(order_id))
        return OF_ENOTFOUND;
    const char *p[] = {order_id};
    return payment_query(c,
                         lock ? "SELECT " PAYMENT_COLS
                                " FROM payment.payments WHERE order_id = $1 FOR UPDATE"
                              : "SELECT " PAYMENT_COLS " FROM payment.payments WHERE order_id = $1",
                         1, p, ret);
}

int payment_store_get(PGconn *c, const char *id, struct payment *ret)
{
    if (!uuid_valid(id))
        return OF_ENOTFOUND;
    const char *p[] = {id};
    return payment_query(c, "SELECT " PAYMENT_COLS " FROM payment.payments WHERE id = $1", 1, p,
                         ret);
}

int payment_store_insert(PGconn *c, struct payment *p)
{
    char amount[32];
    snprintf(amount, sizeof amount, "%" PRId64, p->amount_minor);
    const char *reason = payment_rules_reason_name(p->failure_reason);
    const char *params[] = {p->id,
                            p->order_id,
                            p->customer_id,
                            amount,
                            p->currency,
                            payment_rules_method_name(p->method),
                            payment_rules_status_name(p->status),
                            reason,
                            p->provider_ref[0] ? p->provider_ref : NULL};
    if (!params[5] || !params[6])
        return OF_EPERMANENT;
    return payment_query(c,
                         "INSERT INTO payment.payments (id, order_id, customer_id, amount_minor, "
                         "currency, method, status, failure_reason, provider_ref) "
                         "VALUES ($1, $2, $3, $4::bigint, $5, $6, $7, $8, $9) "
                         "RETURNING " PAYMENT_COLS,
                         9, params, p);
}

int payment_store_refund(PGconn *c, struct payment *p)
{
    const char *params[] = {p->id, p->refund_ref};
    return payment_query(c,
                         "UPDATE payment.payments SET status = 'REFUNDED', refund_ref = $2, "
                         "refunded_at = now(), updated_at = now() "
                         "WHERE id = $1 AND status = 'CAPTURED' RETURNING " PAYMENT_COLS,
                         2, params, p);
}

int payment_store_cancellation_insert(PGconn *c, const struct payment_cancellation *cn)
{
    char at[32];
    snprintf(at, sizeof at, "%" PRId64, cn->cancelled_ms);
    const char *p[] = {cn->order_id, cn->customer_id, cn->reason, cn->stage, at};
    return db_exec(c,
                   "INSERT INTO payment.cancellations (order_id, customer_id, reason, stage, "
                   "cancelled_at) VALUES ($1, $2, $3, $4, to_timestamp($5::bigint / 1000.0)) "
                   "ON CONFLICT (order_id) DO NOTHING",
                   5, p, NULL, NULL, 0);
}

int payment_store_cancellation_exists(PGconn *c, const char *order_id, bool *ret_exists)
{
    const char *p[] = {order_id};
    PGresult *r;
    int rc =
        db_exec(c, "SELECT 1 FROM payment.cancellations WHERE order_id = $1", 1, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    *ret_exists = PQntuples(r) > 0;
    PQclear(r);
    return OF_OK;
}
