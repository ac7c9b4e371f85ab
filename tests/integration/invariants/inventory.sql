-- inventory-svc's invariants, checked against the live database by tests/integration/
-- invariants.sh (run as the admin role). Each check raises an exception naming the invariant and
-- up to five offending rows (ids and counts only), so psql -v ON_ERROR_STOP=1 fails loudly.
--
-- Per item, stock is conserved: on_hand = available + reserved + confirmed with none of them
-- negative; what is reserved, confirmed and sold is exactly what the item's reservation lines in
-- those states hold; on_hand + sold is the sum of the audited adjustments (the initial stock
-- included), since only adjustments add or remove units and only deliveries sell them.
DO $$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(format('%s (on_hand %s, reserved %s, confirmed %s, sold %s)', id, on_hand,
                             reserved, confirmed, sold), '; ')
      INTO bad
      FROM (SELECT * FROM inventory.items
             WHERE on_hand < 0 OR reserved < 0 OR confirmed < 0 OR sold < 0
                OR on_hand - reserved - confirmed < 0
             LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'inventory: negative stock or available: %', bad;
    END IF;

    SELECT string_agg(format('%s (reserved %s/%s, confirmed %s/%s, sold %s/%s)', id, reserved,
                             r_lines, confirmed, c_lines, sold, s_lines), '; ')
      INTO bad
      FROM (SELECT i.id, i.reserved, i.confirmed, i.sold,
                   coalesce(sum(l.qty) FILTER (WHERE r.status = 'RESERVED'), 0) AS r_lines,
                   coalesce(sum(l.qty) FILTER (WHERE r.status = 'CONFIRMED'), 0) AS c_lines,
                   coalesce(sum(l.qty) FILTER (WHERE r.status = 'COMMITTED'), 0) AS s_lines
              FROM inventory.items i
              LEFT JOIN inventory.reservation_lines l ON l.item_id = i.id
              LEFT JOIN inventory.reservations r ON r.id = l.reservation_id
             GROUP BY i.id
            HAVING i.reserved <> coalesce(sum(l.qty) FILTER (WHERE r.status = 'RESERVED'), 0)
                OR i.confirmed <> coalesce(sum(l.qty) FILTER (WHERE r.status = 'CONFIRMED'), 0)
                OR i.sold <> coalesce(sum(l.qty) FILTER (WHERE r.status = 'COMMITTED'), 0)
             LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'inventory: item counts differ from their reservation lines (item count/lines): %', bad;
    END IF;

    SELECT string_agg(format('%s (on_hand %s + sold %s, adjustments %s)', id, on_hand, sold, d),
                      '; ')
      INTO bad
      FROM (SELECT i.id, i.on_hand, i.sold, coalesce(sum(a.delta), 0) AS d
              FROM inventory.items i
              LEFT JOIN inventory.stock_adjustments a ON a.item_id = i.id
             GROUP BY i.id
            HAVING i.on_hand + i.sold <> coalesce(sum(a.delta), 0)
             LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'inventory: on_hand + sold is not the sum of the audited adjustments: %', bad;
    END IF;

    -- Reservations: one per order (a UNIQUE constraint), a tombstone has no lines and every
    -- other reservation has some, all of its own outlet's items, its total their sum, and only
    -- an unpaid one has a deadline.
    SELECT string_agg(format('%s (%s, tombstone %s, %s lines, total %s/%s)', id, status,
                             tombstone, n, total_minor, s), '; ')
      INTO bad
      FROM (SELECT r.id, r.status, r.tombstone, r.total_minor, count(l.item_id) AS n,
                   coalesce(sum(l.line_total_minor), 0) AS s
              FROM inventory.reservations r
              LEFT JOIN inventory.reservation_lines l ON l.reservation_id = r.id
             GROUP BY r.id
            HAVING (r.tombstone AND count(l.item_id) > 0)
                OR (NOT r.tombstone AND count(l.item_id) = 0)
                OR r.total_minor <> coalesce(sum(l.line_total_minor), 0)
                OR (r.status = 'RESERVED') <> (r.expires_at IS NOT NULL)
             LIMIT 5) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'inventory: malformed reservations: %', bad;
    END IF;

    SELECT string_agg(format('reservation %s, item %s', l.reservation_id, l.item_id), '; ')
      INTO bad
      FROM (SELECT l.* FROM inventory.reservation_lines l
              JOIN inventory.reservations r ON r.id = l.reservation_id
              JOIN inventory.items i ON i.id = l.item_id
             WHERE i.outlet_id <> r.outlet_id
             LIMIT 5) l;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'inventory: reservation lines of another outlet''s items: %', bad;
    END IF;
END
$$;
