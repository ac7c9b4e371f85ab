-- order-svc's invariants and the saga's across services, checked against the live database by
-- tests/integration/invariants.sh (run as the admin role). Each check raises an exception naming
-- the invariant and up to five offending orders. The cross-service checks look only at orders
-- order-svc placed (other tests feed inventory-svc and payment-svc orders of their own making).
--
-- Every order is in exactly one state (the status column's CHECK), rejected and cancelled ones
-- say why and cancelled ones from where; its timeline starts with one order.created and ends in
-- its state; no token is kept past CREATED; an order that reached PLACED was paid its total, in
-- its currency, and that money is held (CAPTURED) unless the order was cancelled, when it was
-- refunded; no other order holds money; a rejected or cancelled order holds no stock, a
-- living one past CREATED holds its reservation and a delivered one's stock is sold; and in total
-- money captured = money of delivered orders + refunded + held by orders on their way.
DO $$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(format('order %s (%s)', id, status), '; ') INTO bad
      FROM (SELECT id, status FROM orders.orders
             WHERE (status IN ('REJECTED', 'CANCELLED')) <> (reason IS NOT NULL)
                OR (status = 'CANCELLED') <> (stage IS NOT NULL) LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'order: reason and stage do not fit the state: %', bad;
    END IF;

    SELECT string_agg(format('order %s', id), '; ') INTO bad
      FROM (SELECT o.id FROM orders.orders o
             WHERE (SELECT count(*) FROM orders.timeline t
                     WHERE t.order_id = o.id AND t.event = 'order.created') <> 1
                OR (SELECT t.to_state FROM orders.timeline t WHERE t.order_id = o.id
                     ORDER BY t.id DESC LIMIT 1) IS DISTINCT FROM o.status
                OR (SELECT t.event FROM orders.timeline t WHERE t.order_id = o.id
                     ORDER BY t.id LIMIT 1) IS DISTINCT FROM 'order.created'
             LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'order: a timeline that does not start with order.created or end in the order''s state: %', bad;
    END IF;

    SELECT string_agg(format('order %s (%s)', id, status), '; ') INTO bad
      FROM (SELECT id, status FROM orders.orders
             WHERE payment_token IS NOT NULL AND status <> 'CREATED' LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'order: a payment token kept past CREATED: %', bad;
    END IF;

    -- Money: paid orders hold their total (or got it back when cancelled); nothing else is held.
    SELECT string_agg(format('order %s (%s, payment %s)', o.id, o.status, coalesce(p.status, 'none')), '; ')
      INTO bad
      FROM (SELECT o.id, o.status, p.status AS pstatus FROM orders.orders o
              LEFT JOIN payment.payments p ON p.order_id = o.id
             WHERE o.placed_at IS NOT NULL
               AND (p.id IS NULL OR p.amount_minor <> o.total_minor OR p.currency <> o.currency
                    OR p.status = 'FAILED'
                    OR (o.status = 'CANCELLED') <> (p.status = 'REFUNDED'))
             LIMIT 5) o
      LEFT JOIN payment.payments p ON p.order_id = o.id;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'saga: a paid order whose money is not as its state says (held if living, refunded if cancelled): %', bad;
    END IF;

    SELECT string_agg(format('order %s (%s, payment %s)', id, status, pstatus), '; ') INTO bad
      FROM (SELECT o.id, o.status, p.status AS pstatus FROM orders.orders o
              JOIN payment.payments p ON p.order_id = o.id
             WHERE o.placed_at IS NULL AND p.status = 'CAPTURED' LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'saga: money held for an order that was never placed: %', bad;
    END IF;

    -- Stock: what a finished-badly order held is back; a living order's reservation is held.
    SELECT string_agg(format('order %s (%s, reservation %s)', id, status, rstatus), '; ') INTO bad
      FROM (SELECT o.id, o.status, r.status AS rstatus FROM orders.orders o
              JOIN inventory.reservations r ON r.order_id = o.id
             WHERE (o.status IN ('REJECTED', 'CANCELLED') AND r.status IN ('RESERVED', 'CONFIRMED'))
                OR (o.status IN ('PLACED', 'APPROVED', 'ASSIGNED', 'OUT_FOR_DELIVERY')
                    AND r.status <> 'CONFIRMED')
             LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'saga: stock held by a rejected or cancelled order, or not held by a placed one: %', bad;
    END IF;

    -- A delivered order's stock is sold (inventory.committed.v1), nothing else's.
    SELECT string_agg(format('order %s (%s, reservation %s)', id, status, rstatus), '; ') INTO bad
      FROM (SELECT o.id, o.status, r.status AS rstatus FROM orders.orders o
              JOIN inventory.reservations r ON r.order_id = o.id
             WHERE (o.status = 'DELIVERED') <> (r.status = 'COMMITTED')
             LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'saga: a delivered order whose stock is not sold, or stock sold for an undelivered order: %', bad;
    END IF;

    -- The books, in total over the orders order-svc placed: every minor unit ever captured is
    -- in a delivered order, refunded, or held by an order still on its way, per currency.
    SELECT string_agg(format('%s: captured %s, delivered %s + refunded %s + in flight %s',
                             currency, captured, delivered, refunded, in_flight), '; ')
      INTO bad
      FROM (SELECT p.currency,
                   sum(p.amount_minor) FILTER (WHERE p.status IN ('CAPTURED', 'REFUNDED')) AS captured,
                   coalesce(sum(p.amount_minor) FILTER (WHERE p.status = 'CAPTURED'
                                                         AND o.status = 'DELIVERED'), 0) AS delivered,
                   coalesce(sum(p.amount_minor) FILTER (WHERE p.status = 'REFUNDED'), 0) AS refunded,
                   coalesce(sum(p.amount_minor) FILTER (WHERE p.status = 'CAPTURED'
                         AND o.status IN ('PLACED', 'APPROVED', 'ASSIGNED', 'OUT_FOR_DELIVERY')), 0)
                       AS in_flight
              FROM orders.orders o JOIN payment.payments p ON p.order_id = o.id
             GROUP BY p.currency) x
     WHERE captured IS DISTINCT FROM delivered + refunded + in_flight
       AND captured IS NOT NULL;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'saga: money captured is not delivered + refunded + in flight: %', bad;
    END IF;
END
$$;
