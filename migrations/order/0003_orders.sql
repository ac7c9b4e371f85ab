-- order-svc's orders: the read models it places orders against (the customers' addresses from
-- customer.address.updated.v1, the outlets from business.outlet.*.v1), the orders with their
-- lines, and the timeline of every event that touched an order. Grants come from the default
-- privileges set in 0001.

-- The read model of customer.address.updated.v1. Those events are keyed by the account id, so
-- one account's changes arrive in order on one partition and each is applied as it comes; a
-- deleted address stays (deleted true) so that a late update cannot bring it back.
CREATE TABLE {{schema}}.addresses (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL,
    line1 text NOT NULL,
    city text NOT NULL,
    lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
    deleted boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The read model of business.outlet.*.v1, ordered like inventory-svc's by the producer's
-- per-outlet version (occurred_ms orders events without one). owner_id: who may read the
-- outlet's orders.
CREATE TABLE {{schema}}.outlets (
    id uuid PRIMARY KEY,
    business_id uuid NOT NULL,
    owner_id uuid,
    is_open boolean NOT NULL,
    version bigint CHECK (version >= 1),
    occurred_ms bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One order per (customer, Idempotency-Key): the durable backstop of the Redis key
-- (DESIGN.md section 6). fingerprint is the request's (common/idempotency.h), so a replay with
-- another body is told apart. payment_token is the provider's token, kept only until
-- payment.requested.v1 carries it (then NULL): no card data is ever stored. The prices, total
-- and currency are inventory's (inventory.validated.v1); reason and stage say why and from where
-- an order was rejected or cancelled. The *_at columns are when the order entered each state
-- (the stage latencies of /metrics).
CREATE TABLE {{schema}}.orders (
    id uuid PRIMARY KEY,
    customer_id uuid NOT NULL,
    outlet_id uuid NOT NULL,
    owner_id uuid,
    idempotency_key varchar(64) NOT NULL CHECK (idempotency_key <> ''),
    fingerprint char(64) NOT NULL,
    status text NOT NULL CHECK (status IN ('CREATED', 'AWAITING_PAYMENT', 'PLACED', 'APPROVED',
        'ASSIGNED', 'OUT_FOR_DELIVERY', 'DELIVERED', 'REJECTED', 'CANCELLED')),
    payment_method text NOT NULL CHECK (payment_method IN ('UPI', 'CARD', 'WALLET')),
    payment_token varchar(128),
    payment_id uuid,
    reservation_id uuid,
    total_minor bigint CHECK (total_minor >= 0),
    currency char(3) CHECK (currency ~ '^[A-Z]{3}$'),
    reason text,
    stage text,
    drop_off jsonb NOT NULL,
    trace_id char(32) NOT NULL,
    -- Milliseconds, as the API and the list's cursor write them.
    created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
    updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
    awaiting_payment_at timestamptz,
    placed_at timestamptz,
    approved_at timestamptz,
    CONSTRAINT orders_idempotency UNIQUE (customer_id, idempotency_key),
    CHECK ((status IN ('REJECTED', 'CANCELLED')) = (reason IS NOT NULL))
);
-- GET /v1/orders pages newest first, a customer's own or all.
CREATE INDEX orders_customer_created ON {{schema}}.orders (customer_id, created_at DESC, id DESC);
CREATE INDEX orders_created ON {{schema}}.orders (created_at DESC, id DESC);
CREATE INDEX orders_status ON {{schema}}.orders (status);

-- The lines as ordered; sku, name and prices are filled from inventory.validated.v1.
CREATE TABLE {{schema}}.order_lines (
    order_id uuid NOT NULL REFERENCES {{schema}}.orders (id),
    line_no smallint NOT NULL CHECK (line_no BETWEEN 0 AND 49),
    item_id uuid NOT NULL,
    qty integer NOT NULL CHECK (qty BETWEEN 1 AND 100),
    sku varchar(64),
    name varchar(200),
    unit_price_minor bigint CHECK (unit_price_minor >= 0),
    line_total_minor bigint CHECK (line_total_minor >= 0),
    PRIMARY KEY (order_id, line_no),
    CONSTRAINT order_lines_item_once UNIQUE (order_id, item_id)
);

-- Every event that touched an order, applied or not, in order: what it was (its event type
-- without the version, or "order.created", "cancel.requested"), its event id (none for the
-- order's own HTTP steps), the state before and after, how the state machine took it
-- (order_state_disposition_name, or NOTED for events that only inform), and a reason.
CREATE TABLE {{schema}}.timeline (
    id bigserial PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES {{schema}}.orders (id),
    event text NOT NULL,
    event_id uuid,
    from_state text,
    to_state text NOT NULL,
    disposition text NOT NULL,
    reason text,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX timeline_order ON {{schema}}.timeline (order_id, id);
