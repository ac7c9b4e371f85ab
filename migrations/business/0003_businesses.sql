-- business-svc: businesses (owned by the business-role account that created them), their outlets
-- (whose changes business.outlet.*.v1 announce, each with the outlet's next version), and each
-- outlet's order queue (one row per order.placed.v1 order, and the owner's decision on it).
-- 0002 is the timers table every service gets; the approval SLA timer lives there.
-- Grants come from the default privileges set in 0001.

CREATE TABLE {{schema}}.businesses (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL,
    name varchar(200) NOT NULL CHECK (name <> ''),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX businesses_owner ON {{schema}}.businesses (owner_id);

CREATE TABLE {{schema}}.outlets (
    id uuid PRIMARY KEY,
    business_id uuid NOT NULL REFERENCES {{schema}}.businesses (id),
    name varchar(200) NOT NULL CHECK (name <> ''),
    address varchar(300) NOT NULL CHECK (address <> ''),
    lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
    is_open boolean NOT NULL,
    auto_approve boolean NOT NULL,
    approval_sla_s integer NOT NULL CHECK (approval_sla_s BETWEEN 30 AND 86400),
    version bigint NOT NULL CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outlets_business ON {{schema}}.outlets (business_id, created_at, id);

-- The primary key on order_id makes a second order.placed.v1 for one order (a new event id, so
-- the inbox does not catch it) a no-op. Times are Unix milliseconds, exactly as the events and
-- the listing's cursor carry them. The CHECKs tie status to the decision: a PENDING order has
-- none, an APPROVED one an approval with its preparation time, a REJECTED one a rejection with
-- its reason, a CANCELLED one its time (and the decision it may have had before).
CREATE TABLE {{schema}}.order_queue (
    order_id uuid PRIMARY KEY,
    outlet_id uuid NOT NULL REFERENCES {{schema}}.outlets (id),
    customer_id uuid NOT NULL,
    reservation_id uuid,
    trace_id char(32) NOT NULL CHECK (trace_id ~ '^[0-9a-f]{32}$'),
    status text NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'CANCELLED')),
    lines jsonb NOT NULL CHECK (jsonb_typeof(lines) = 'array' AND jsonb_array_length(lines) >= 1),
    total_minor bigint NOT NULL CHECK (total_minor >= 0),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    drop_lat double precision NOT NULL CHECK (drop_lat BETWEEN -90 AND 90),
    drop_lng double precision NOT NULL CHECK (drop_lng BETWEEN -180 AND 180),
    drop_line1 varchar(200),
    drop_city varchar(100),
    placed_ms bigint NOT NULL CHECK (placed_ms >= 0),
    due_ms bigint NOT NULL CHECK (due_ms >= placed_ms),
    decision text CHECK (decision IN ('APPROVED', 'REJECTED')),
    decided_ms bigint,
    auto boolean NOT NULL DEFAULT false,
    prep_time_min integer CHECK (prep_time_min BETWEEN 1 AND 240),
    reject_reason text CHECK (reject_reason IN ('REJECTED_BY_BUSINESS', 'APPROVAL_TIMEOUT')),
    note varchar(500),
    cancelled_ms bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((decision IS NULL) = (decided_ms IS NULL)),
    CHECK ((decision = 'APPROVED') IS NOT TRUE OR (prep_time_min IS NOT NULL AND reject_reason IS NULL)),
    CHECK ((decision = 'REJECTED') IS NOT TRUE OR (reject_reason IS NOT NULL AND prep_time_min IS NULL AND NOT auto)),
    CHECK (status <> 'PENDING' OR (decision IS NULL AND cancelled_ms IS NULL)),
    CHECK (status <> 'APPROVED' OR (decision = 'APPROVED' AND cancelled_ms IS NULL)),
    CHECK (status <> 'REJECTED' OR (decision = 'REJECTED' AND cancelled_ms IS NULL)),
    CHECK ((status = 'CANCELLED') = (cancelled_ms IS NOT NULL))
);
-- An outlet's listing, in the cursor's order.
CREATE INDEX order_queue_outlet ON {{schema}}.order_queue (outlet_id, placed_ms, order_id);
-- The queue-size gauge counts these.
CREATE INDEX order_queue_pending ON {{schema}}.order_queue (outlet_id) WHERE status = 'PENDING';
