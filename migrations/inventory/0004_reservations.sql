-- inventory-svc's reservations: one per order (order_id UNIQUE), made all-or-nothing on
-- inventory.validation.requested.v1, confirmed on order.placed.v1, released on
-- order.cancelled.v1, committed (sold) on order.delivered.v1, expired by the reservation_ttl
-- timer. A tombstone is a RELEASED row without lines: the cancellation of an order whose
-- validation request had not arrived, so that it is refused when it does.

CREATE TABLE {{schema}}.reservations (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL UNIQUE,
    outlet_id uuid NOT NULL,
    status text NOT NULL
        CHECK (status IN ('RESERVED', 'CONFIRMED', 'RELEASED', 'COMMITTED', 'EXPIRED')),
    total_minor bigint NOT NULL DEFAULT 0 CHECK (total_minor >= 0),
    currency char(3) CHECK (currency ~ '^[A-Z]{3}$'),
    expires_at timestamptz,
    reason text,
    tombstone boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Only an unpaid (RESERVED) reservation has a deadline.
    CONSTRAINT reservations_deadline CHECK ((status = 'RESERVED') = (expires_at IS NOT NULL)),
    CONSTRAINT reservations_tombstone CHECK (NOT tombstone OR (status = 'RELEASED' AND currency IS NULL)),
    CONSTRAINT reservations_currency CHECK (tombstone OR currency IS NOT NULL)
);
CREATE INDEX reservations_deadline ON {{schema}}.reservations (expires_at) WHERE status = 'RESERVED';

-- The lines of a reservation, priced from the catalog when it was made.
CREATE TABLE {{schema}}.reservation_lines (
    reservation_id uuid NOT NULL REFERENCES {{schema}}.reservations (id),
    item_id uuid NOT NULL REFERENCES {{schema}}.items (id),
    sku varchar(64) NOT NULL,
    name varchar(200) NOT NULL,
    qty bigint NOT NULL CHECK (qty BETWEEN 1 AND 10000),
    unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
    line_total_minor bigint NOT NULL CHECK (line_total_minor = qty * unit_price_minor),
    position int NOT NULL CHECK (position >= 0),
    PRIMARY KEY (reservation_id, item_id),
    UNIQUE (reservation_id, position)
);
CREATE INDEX reservation_lines_item ON {{schema}}.reservation_lines (item_id);
