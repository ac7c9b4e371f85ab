-- notification-svc: the order read model (what the events that lack it do not carry: the
-- customer, the lines and totals, the outlet's name, refunds and delivery, for messages and
-- receipts) and the notifications with their delivery state. UNIQUE (order_id, event_type):
-- a redelivered or re-produced event (a new event_id, the same order and kind) makes no second
-- notification.
CREATE TABLE {{schema}}.orders (
    order_id uuid PRIMARY KEY,
    customer_id uuid NOT NULL,
    outlet_id uuid,
    outlet_name text,
    lines jsonb,
    total_minor bigint CHECK (total_minor >= 0),
    currency text CHECK (currency ~ '^[A-Z]{3}$'),
    refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
    placed_at timestamptz,
    delivered_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE {{schema}}.notifications (
    id uuid PRIMARY KEY,
    customer_id uuid NOT NULL,
    order_id uuid NOT NULL,
    event_type text NOT NULL CHECK (event_type ~ '^[a-z_.]{1,63}$'),
    event_id uuid NOT NULL,
    channel text NOT NULL CHECK (channel IN ('log', 'webhook', 'file')),
    body text NOT NULL CHECK (body <> ''),
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    UNIQUE (order_id, event_type),
    CHECK ((status = 'SENT') = (sent_at IS NOT NULL))
);
-- GET /v1/notifications: the caller's own, newest first, keyset-paged by (created_at, id).
CREATE INDEX notifications_customer ON {{schema}}.notifications (customer_id, created_at DESC, id DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON {{schema}}.orders, {{schema}}.notifications TO {{role}};
