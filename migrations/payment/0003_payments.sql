-- payment-svc's payments: at most one per order (order_id UNIQUE), its id derived from the order
-- id (payment_rules_payment_id), so that every attempt charges under the same idempotency key.
-- Only the method is kept: the token of payment.requested.v1 is used for the charge and
-- forgotten, and no card data ever reaches this schema.
CREATE TABLE {{schema}}.payments (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL UNIQUE,
    customer_id uuid NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor >= 1),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    method text NOT NULL CHECK (method IN ('UPI', 'CARD', 'WALLET')),
    status text NOT NULL CHECK (status IN ('CAPTURED', 'FAILED', 'REFUNDED')),
    failure_reason text
        CHECK (failure_reason IN ('CARD_DECLINED', 'INSUFFICIENT_FUNDS', 'ORDER_CANCELLED', 'PROVIDER_ERROR')),
    provider_ref text CHECK (provider_ref <> '' AND length(provider_ref) <= 64),
    refund_ref text CHECK (refund_ref <> '' AND length(refund_ref) <= 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    refunded_at timestamptz,
    -- A failed payment says why and moved no money; a captured or refunded one has the charge's
    -- reference; only a refunded one has the refund's.
    CONSTRAINT payments_failure CHECK ((status = 'FAILED') = (failure_reason IS NOT NULL)),
    CONSTRAINT payments_charged CHECK (status = 'FAILED' OR provider_ref IS NOT NULL),
    CONSTRAINT payments_failed_uncharged CHECK (status <> 'FAILED' OR provider_ref IS NULL),
    CONSTRAINT payments_refund CHECK ((status = 'REFUNDED') = (refund_ref IS NOT NULL AND refunded_at IS NOT NULL))
);
CREATE INDEX payments_customer ON {{schema}}.payments (customer_id);

-- Cancellations that arrived before their order's payment.requested.v1 (a tombstone per order):
-- the request is then recorded as a FAILED payment (ORDER_CANCELLED) instead of being charged.
CREATE TABLE {{schema}}.cancellations (
    order_id uuid PRIMARY KEY,
    customer_id uuid NOT NULL,
    reason text NOT NULL CHECK (reason <> '' AND length(reason) <= 64),
    stage text NOT NULL CHECK (stage <> '' AND length(stage) <= 64),
    cancelled_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The shipped mock provider's ledger (payment_mock.c). It stands for an external system: it is
-- written on a connection of its own, each statement its own transaction, never inside a
-- handler's transaction, so a charge stays recorded when the handler rolls back or the daemon
-- dies before its commit, and a second charge or refund under the same idempotency key gets the
-- first answer. attempts counts the calls seen for the key (tok_error fails the first two);
-- outcome is NULL while no call has had a final answer.
CREATE TABLE {{schema}}.mock_ledger (
    kind text NOT NULL CHECK (kind IN ('charge', 'refund')),
    idempotency_key uuid NOT NULL,
    order_id uuid NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor >= 1),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    outcome text CHECK (outcome IN ('CAPTURED', 'DECLINED', 'INSUFFICIENT', 'REFUNDED')),
    provider_ref text CHECK (provider_ref <> '' AND length(provider_ref) <= 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    decided_at timestamptz,
    PRIMARY KEY (kind, idempotency_key),
    CONSTRAINT mock_ledger_ref CHECK ((outcome IN ('CAPTURED', 'REFUNDED')) = (provider_ref IS NOT NULL)),
    CONSTRAINT mock_ledger_kind CHECK (outcome IS NULL OR (kind = 'refund') = (outcome = 'REFUNDED'))
);
CREATE INDEX mock_ledger_order ON {{schema}}.mock_ledger (order_id);
