-- partner-svc: delivery partners (one profile per partner-role account, with availability and a
-- position), the deliveries of approved orders, and the partners who declined each delivery.
-- A partner holds at most one active delivery (offered, assigned or picked up): partners.delivery_id
-- is that delivery, unique, and the candidate query locks the partner row and re-checks it, so two
-- concurrent assignments cannot take the same partner; the partial unique index on deliveries is
-- the backstop. An order has at most one delivery (deliveries.order_id is unique).
-- 0002 is the timers table every service gets; the offer, search and auto-mode timers live there.

CREATE TABLE {{schema}}.partners (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL UNIQUE,
    name varchar(100) NOT NULL CHECK (name <> ''),
    vehicle text NOT NULL CHECK (vehicle IN ('BIKE', 'SCOOTER', 'CAR')),
    available boolean NOT NULL DEFAULT false,
    lat double precision CHECK (lat BETWEEN -90 AND 90),
    lng double precision CHECK (lng BETWEEN -180 AND 180),
    position_at timestamptz,
    delivery_id uuid UNIQUE, -- the active delivery, NULL when free
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((lat IS NULL) = (lng IS NULL) AND (lat IS NULL) = (position_at IS NULL)),
    CHECK (NOT available OR lat IS NOT NULL)
);
-- The assignment's bounding-box pre-filter, as the outlet feed's: free, available partners only.
CREATE INDEX partners_free_lat_lng ON {{schema}}.partners (lat, lng)
    WHERE available AND delivery_id IS NULL;

CREATE TABLE {{schema}}.deliveries (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL UNIQUE,
    customer_id uuid NOT NULL,
    outlet_id uuid NOT NULL,
    trace_id text NOT NULL,
    status text NOT NULL CHECK (status IN ('SEARCHING', 'OFFERED', 'ASSIGNED', 'PICKED_UP',
                                           'DELIVERED', 'CANCELLED', 'FAILED')),
    partner_id uuid REFERENCES {{schema}}.partners (id),
    outlet_name varchar(200) NOT NULL,
    pickup_address varchar(300) NOT NULL,
    pickup_lat double precision NOT NULL CHECK (pickup_lat BETWEEN -90 AND 90),
    pickup_lng double precision NOT NULL CHECK (pickup_lng BETWEEN -180 AND 180),
    drop_lat double precision NOT NULL CHECK (drop_lat BETWEEN -90 AND 90),
    drop_lng double precision NOT NULL CHECK (drop_lng BETWEEN -180 AND 180),
    drop_line1 varchar(200),
    drop_city varchar(100),
    prep_time_min integer NOT NULL CHECK (prep_time_min BETWEEN 1 AND 240),
    radius_m double precision NOT NULL CHECK (radius_m > 0), -- the search radius reached
    offers integer NOT NULL DEFAULT 0 CHECK (offers >= 0),
    distance_m double precision CHECK (distance_m >= 0), -- partner to pickup, at the offer
    eta_min integer CHECK (eta_min >= 0),
    window_due_at timestamptz NOT NULL, -- no taker by then: FAILED
    failure_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    offered_at timestamptz,
    assigned_at timestamptz,
    picked_up_at timestamptz,
    delivered_at timestamptz,
    closed_at timestamptz, -- CANCELLED or FAILED
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status IN ('OFFERED', 'ASSIGNED', 'PICKED_UP', 'DELIVERED')) = (partner_id IS NOT NULL)
           OR status IN ('CANCELLED', 'FAILED'))
);
CREATE UNIQUE INDEX deliveries_one_active_per_partner ON {{schema}}.deliveries (partner_id)
    WHERE status IN ('OFFERED', 'ASSIGNED', 'PICKED_UP');
CREATE INDEX deliveries_partner ON {{schema}}.deliveries (partner_id, created_at, id);

-- Who declined (or let the offer time out): never offered the same delivery again.
CREATE TABLE {{schema}}.declines (
    delivery_id uuid NOT NULL REFERENCES {{schema}}.deliveries (id),
    partner_id uuid NOT NULL REFERENCES {{schema}}.partners (id),
    timed_out boolean NOT NULL,
    reason varchar(500),
    at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (delivery_id, partner_id)
);

-- order.cancelled.v1 for an order without a delivery yet: its order.approved.v1 may still come
-- (the two topics are consumed independently), and must then make no delivery.
CREATE TABLE {{schema}}.cancelled_orders (
    order_id uuid PRIMARY KEY,
    cancelled_at timestamptz NOT NULL DEFAULT now()
);
