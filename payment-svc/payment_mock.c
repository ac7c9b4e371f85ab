/* The mock provider adapter over payment.mock_ledger (see payment_mock.h). */
#include "payment_mock.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/boundary.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/xalloc.h"
#include "payment_rules.h"

struct mock {
    struct db_pool *pool;
    double failure_rate;
};

/* A uniform draw in [0, 1). */
static double draw(void)
{
    uint64_t r;
    random_bytes(&r, sizeof r);
    return (double)(r >> 11) / 9007199254740992.0; /* 53 bits / 2^53 */
}

/* A new provider reference "<prefix><24 hex>". */
static void new_ref(const char *prefix, char ret[PAYMENT_REF_MAX + 1])
{
    char hex[25];
    random_hex(hex, 12);
    snprintf(ret, PAYMENT_REF_MAX + 1, "%s%s", prefix, hex);
}

static const char *const outcome_names[PAYMENT_CHARGE_OUTCOME_COUNT] = {
    [PAYMENT_CHARGE_CAPTURED] = "CAPTURED",
    [PAYMENT_CHARGE_DECLINED] = "DECLINED",
    [PAYMENT_CHARGE_INSUFFICIENT] = "INSUFFICIENT",
};

/* The stored outcome name s into *ret; false for "" (undecided) or an unknown one. */
static bool outcome_parse(const char *s, enum payment_charge_outcome *ret)
{
    for (int i = 0; i < PAYMENT_CHARGE_OUTCOME_COUNT; i++) {
        if (outcome_names[i] && strcmp(outcome_names[i], s) == 0) {
            *ret = (enum payment_charge_outcome)i;
            return true;
        }
    }
    return false;
}

/* Counts this call for the key (the row made on the first) and reads what was decided. */
static int charge_attempt(PGconn *c, const struct payment_charge *req, unsigned *ret_attempt,
                          char *ret_outcome, size_t olen, char *ret_ref)
{
    char amount[32];
    snprintf(amount, sizeof amount, "%" PRId64, req->amount_minor);
    const char *p[] = {req->key, req->order_id, amount, req->currency};
    PGresult *r;
    int rc = db_exec(c,
                     "INSERT INTO payment.mock_ledger AS l (kind, idempotency_key, order_id, "
                     "amount_minor, currency) VALUES ('charge', $1, $2, $3::bigint, $4) "
                     "ON CONFLICT (kind, idempotency_key) DO UPDATE SET attempts = l.attempts + 1 "
                     "RETURNING attempts, coalesce(outcome, ''), coalesce(provider_ref, '')",
                     4, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    *ret_attempt = (unsigned)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
    db_cell_text(r, 0, 1, ret_outcome, olen);
    db_cell_text(r, 0, 2, ret_ref, PAYMENT_REF_MAX + 1);
    PQclear(r);
    return OF_OK;
}

/* Records the decision unless another call made one first; reads the one that holds. */
static int charge_decide(PGconn *c, const char *key, const char *outcome, const char *ref,
                         char *ret_outcome, size_t olen, char *ret_ref)
{
    const char *p[] = {key, outcome, ref[0] ? ref : NULL};
    PGresult *r;
    int rc =
        db_exec(c,
                "WITH u AS (UPDATE payment.mock_ledger SET outcome = $2, provider_ref = $3, "
                "decided_at = now() WHERE kind = 'charge' AND idempotency_key = $1 "
                "AND outcome IS NULL RETURNING outcome, provider_ref) "
                "SELECT outcome, coalesce(provider_ref, '') FROM u UNION ALL "
                "SELECT outcome, coalesce(provider_ref, '') FROM payment.mock_ledger "
                "WHERE kind = 'charge' AND idempotency_key = $1 AND NOT EXISTS (SELECT FROM u)",
                3, p, &r, NULL, 0);
    if (rc != OF_OK)
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return OF_EPERMANENT;
    }
    db_cell_text(r, 0, 0, ret_outcome, olen);
    db_cell_text(r, 0, 1, ret_ref, PAYMENT_REF_MAX + 1);
    PQclear(r);
    return OF_OK;
}

static int charge_on(PGconn *c, struct mock *m, const struct payment_charge *req,
                     struct payment_charge_result *ret)
{
    unsigned attempt = 0;
    char stored[16], ref[PAYMENT_REF_MAX + 1] = "";
    int rc = charge_attempt(c, req, &attempt, stored, sizeof stored, ref);
    if (rc != OF_OK)
        return rc;
    if (!stored[0]) {
        enum payment_charge_outcome o =
            payment_rules_mock_outcome(req->token, attempt, draw(), m->failure_rate);
        if (o == PAYMENT_CHARGE_TRANSIENT) {
            ret->outcome = o;
            ret->provider_ref[0] = '\0';
            return OF_ERETRY;
        }
        if (o == PAYMENT_CHARGE_CAPTURED)
            new_ref("mock_ch_", ref);
        rc = charge_decide(c, req->key, outcome_names[o], ref, stored, sizeof stored, ref);
        if (rc != OF_OK)
            return rc;
    }
    struct payment_charge_result out = {0};
    if (!outcome_parse(stored, &out.outcome))
        return OF_EPERMANENT;
    if (out.outcome == PAYMENT_CHARGE_CAPTURED)
        memcpy(out.provider_ref, ref, sizeof out.provider_ref);
    *ret = out;
    return OF_OK;
}

/* Borrows the mock's own connection, outside any transaction of the caller's. */
static PGconn *borrow(struct mock *m)
{
    return db_pool_get(m->pool, BOUNDARY_POOL_WAIT_MS);
}

static int mock_charge(void *cls, const struct payment_charge *req,
                       struct payment_charge_result *ret)
{
    struct mock *m = cls;
    PGconn *c = borrow(m);
    if (!c)
        return OF_EUNAVAIL;
    int rc = charge_on(c, m, req, ret);
    db_pool_put(m->pool, c);
    return rc;
}

static int mock_refund(void *cls, const struct payment_refund *req,
                       struct payment_refund_result *ret)
{
    struct mock *m = cls;
    char ref[PAYMENT_REF_MAX + 1];
    PGresult *r;
    new_ref("mock_rf_", ref);
    PGconn *c = borrow(m);
    if (!c)
        return OF_EUNAVAIL;
    const char *p[] = {req->key, ref, req->charge_ref};
    /* Only a captured charge of the key (and that reference) can be refunded, whole, once. */
    int rc = db_exec(c,
                     "INSERT INTO payment.mock_ledger AS l (kind, idempotency_key, order_id, "
                     "amount_minor, currency, outcome, provider_ref, decided_at) "
                     "SELECT 'refund', idempotency_key, order_id, amount_minor, currency, "
                     "'REFUNDED', $2, now() FROM payment.mock_ledger WHERE kind = 'charge' "
                     "AND idempotency_key = $1 AND outcome = 'CAPTURED' AND provider_ref = $3 "
                     "ON CONFLICT (kind, idempotency_key) DO UPDATE SET attempts = l.attempts + 1 "
                     "RETURNING provider_ref",
                     3, p, &r, NULL, 0);
    db_pool_put(m->pool, c);
    if (rc != OF_OK)
        return rc;
    if (PQntuples(r) == 1) {
        db_cell_text(r, 0, 0, ret->provider_ref, sizeof ret->provider_ref);
        rc = OF_OK;
    } else {
        rc = OF_EPERMANENT; /* no such captured charge at the provider */
    }
    PQclear(r);
    return rc;
}

void payment_mock_init(struct payment_provider *ret, struct db_pool *pool, double failure_rate)
{
    struct mock *m = xcalloc(1, sizeof *m);
    m->pool = pool;
    m->failure_rate = failure_rate;
    *ret = (struct payment_provider){
        .name = "mock", .cls = m, .charge = mock_charge, .refund = mock_refund};
}

void payment_mock_free(struct payment_provider *p)
{
    free(p->cls);
    p->cls = NULL;
}
