-- partner-svc's invariants, checked against the live database by tests/integration/
-- invariants.sh (run as the admin role). Each check raises an exception naming the invariant and
-- up to five offending rows (ids only).
--
-- No partner holds two active deliveries (offered, assigned or picked up) and no order has two
-- deliveries; a partner's delivery_id is exactly its one active delivery, and every active
-- delivery's partner points back at it; a delivered delivery went through an assignment.
DO $$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(format('partner %s (%s active)', partner_id, n), '; ')
      INTO bad
      FROM (SELECT partner_id, count(*) AS n FROM partner.deliveries
             WHERE status IN ('OFFERED', 'ASSIGNED', 'PICKED_UP')
             GROUP BY partner_id HAVING count(*) > 1 LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'partner: a partner with two active deliveries: %', bad;
    END IF;

    SELECT string_agg(format('order %s (%s deliveries)', order_id, n), '; ')
      INTO bad
      FROM (SELECT order_id, count(*) AS n FROM partner.deliveries
             GROUP BY order_id HAVING count(*) > 1 LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'partner: an order with two deliveries: %', bad;
    END IF;

    SELECT string_agg(format('partner %s holds delivery %s', p.id, p.delivery_id), '; ')
      INTO bad
      FROM (SELECT p.id, p.delivery_id FROM partner.partners p
             LEFT JOIN partner.deliveries d ON d.id = p.delivery_id
             WHERE p.delivery_id IS NOT NULL
               AND (d.id IS NULL OR d.partner_id IS DISTINCT FROM p.id
                    OR d.status NOT IN ('OFFERED', 'ASSIGNED', 'PICKED_UP'))
             LIMIT 5) p;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'partner: a partner holding a delivery that is not its active one: %', bad;
    END IF;

    SELECT string_agg(format('delivery %s of partner %s', d.id, d.partner_id), '; ')
      INTO bad
      FROM (SELECT d.id, d.partner_id FROM partner.deliveries d
             JOIN partner.partners p ON p.id = d.partner_id
             WHERE d.status IN ('OFFERED', 'ASSIGNED', 'PICKED_UP')
               AND p.delivery_id IS DISTINCT FROM d.id
             LIMIT 5) d;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'partner: an active delivery its partner does not hold: %', bad;
    END IF;

    SELECT string_agg(format('delivery %s', id), '; ')
      INTO bad
      FROM (SELECT id FROM partner.deliveries
             WHERE status IN ('PICKED_UP', 'DELIVERED')
               AND (assigned_at IS NULL OR partner_id IS NULL) LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'partner: a delivery picked up or delivered without an assignment: %', bad;
    END IF;
END
$$;
