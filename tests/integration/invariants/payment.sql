-- payment-svc's invariants, checked against the live database by tests/integration/
-- invariants.sh (run as the admin role). Each check raises an exception naming the invariant and
-- up to five offending rows (ids and amounts only).
--
-- One payment per order, its id the one derived from the order id (payment_rules_payment_id:
-- the first 16 bytes of SHA-256('orderflow.payment:' || order_id), version 8, variant 10); per
-- order, the money payment-svc says it holds (captured minus refunded) is what the provider's
-- ledger says, and the provider never charged or refunded a key twice or charged an order that
-- payment-svc recorded as failed; no token is stored anywhere in the schema.
DO $$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(format('order %s (%s payments)', order_id, n), '; ')
      INTO bad
      FROM (SELECT order_id, count(*) AS n FROM payment.payments
             GROUP BY order_id HAVING count(*) > 1 LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'payment: more than one payment per order: %', bad;
    END IF;

    SELECT string_agg(format('payment %s of order %s', id, order_id), '; ')
      INTO bad
      FROM (SELECT p.id, p.order_id FROM payment.payments p,
                   LATERAL (SELECT substring(sha256(convert_to('orderflow.payment:' || p.order_id::text,
                                                               'UTF8')) FROM 1 FOR 16) AS h) d
             WHERE p.id <> encode(set_byte(set_byte(d.h, 6, (get_byte(d.h, 6) & 15) | 128),
                                           8, (get_byte(d.h, 8) & 63) | 128), 'hex')::uuid
             LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'payment: payment ids not derived from their order id: %', bad;
    END IF;

    -- Money per order: payment-svc's captured - refunded against the ledger's.
    SELECT string_agg(format('order %s (payments %s, ledger %s)', order_id, held, ledger), '; ')
      INTO bad
      FROM (SELECT coalesce(p.order_id, l.order_id) AS order_id, coalesce(p.held, 0) AS held,
                   coalesce(l.held, 0) AS ledger
              FROM (SELECT order_id,
                           sum(amount_minor) FILTER (WHERE status IN ('CAPTURED', 'REFUNDED'))
                           - coalesce(sum(amount_minor) FILTER (WHERE status = 'REFUNDED'), 0) AS held
                      FROM payment.payments GROUP BY order_id) p
              FULL JOIN (SELECT order_id,
                                coalesce(sum(amount_minor) FILTER (WHERE outcome = 'CAPTURED'), 0)
                                - coalesce(sum(amount_minor) FILTER (WHERE outcome = 'REFUNDED'), 0) AS held
                           FROM payment.mock_ledger GROUP BY order_id) l ON l.order_id = p.order_id
             WHERE coalesce(p.held, 0) <> coalesce(l.held, 0)
             LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'payment: captured - refunded differs from the provider''s ledger: %', bad;
    END IF;

    -- Each payment agrees with its ledger rows: a captured or refunded payment's charge is the
    -- ledger's (same key, reference and amount); a refunded one has the ledger's refund; a failed
    -- one was never captured; the ledger holds no charge of a key twice (its primary key) and
    -- no refund without a captured charge.
    SELECT string_agg(format('payment %s (%s)', id, status), '; ')
      INTO bad
      FROM (SELECT p.id, p.status FROM payment.payments p
              LEFT JOIN payment.mock_ledger c ON c.kind = 'charge' AND c.idempotency_key = p.id
              LEFT JOIN payment.mock_ledger r ON r.kind = 'refund' AND r.idempotency_key = p.id
             WHERE (p.status IN ('CAPTURED', 'REFUNDED')
                    AND (c.outcome IS DISTINCT FROM 'CAPTURED' OR c.provider_ref <> p.provider_ref
                         OR c.amount_minor <> p.amount_minor OR c.order_id <> p.order_id))
                OR (p.status = 'REFUNDED' AND r.provider_ref IS DISTINCT FROM p.refund_ref)
                OR (p.status = 'CAPTURED' AND r.idempotency_key IS NOT NULL)
                OR (p.status = 'FAILED' AND c.outcome = 'CAPTURED')
             LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'payment: payments disagree with the provider''s ledger: %', bad;
    END IF;

    SELECT string_agg(format('refund %s', r.idempotency_key), '; ')
      INTO bad
      FROM (SELECT r.idempotency_key FROM payment.mock_ledger r
              LEFT JOIN payment.mock_ledger c ON c.kind = 'charge'
                   AND c.idempotency_key = r.idempotency_key AND c.outcome = 'CAPTURED'
             WHERE r.kind = 'refund' AND c.idempotency_key IS NULL
             LIMIT 5) r;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'payment: refunds of charges never captured: %', bad;
    END IF;

    SELECT string_agg(format('payment %s', id), '; ')
      INTO bad
      FROM (SELECT id FROM payment.payments p
             WHERE row_to_json(p)::text ~ 'tok_' LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'payment: a token is stored in payments: %', bad;
    END IF;
END
$$;
