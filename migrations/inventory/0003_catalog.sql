-- inventory-svc's catalog and stock: the outlets it knows from business.outlet.created/updated.v1
-- (who owns each, whether it is open), the items of each outlet with their stock counts, and the
-- audit of every stock adjustment. Grants come from the default privileges set in 0001; the
-- audit is append-only for the service role.

-- The read model of business.outlet.*.v1, ordered like customer-svc's by the producer's
-- per-outlet version (occurred_ms, the occurred_at of the event last applied, orders events
-- without one; see inventory_store_outlet_upsert). owner_id is NULL for outlets whose events
-- carried none: only an admin manages their catalog.
CREATE TABLE {{schema}}.outlets (
    id uuid PRIMARY KEY,
    business_id uuid NOT NULL,
    owner_id uuid,
    is_open boolean NOT NULL,
    version bigint CHECK (version >= 1),
    occurred_ms bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Stock as DESIGN.md section 2: on_hand units in the outlet, of which reserved (unpaid orders)
-- and confirmed (placed orders) are held; available = on_hand - reserved - confirmed; sold counts
-- the units delivered (no longer on hand). No count and not available can go below 0.
CREATE TABLE {{schema}}.items (
    id uuid PRIMARY KEY,
    outlet_id uuid NOT NULL REFERENCES {{schema}}.outlets (id),
    sku varchar(64) NOT NULL CHECK (sku ~ '^[A-Za-z0-9._-]+$'),
    name varchar(200) NOT NULL CHECK (name <> ''),
    price_minor bigint NOT NULL CHECK (price_minor BETWEEN 0 AND 100000000000),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    active boolean NOT NULL DEFAULT true,
    on_hand bigint NOT NULL CHECK (on_hand BETWEEN 0 AND 1000000000),
    reserved bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    confirmed bigint NOT NULL DEFAULT 0 CHECK (confirmed >= 0),
    sold bigint NOT NULL DEFAULT 0 CHECK (sold >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT items_available_not_negative CHECK (on_hand - reserved - confirmed >= 0),
    CONSTRAINT items_sku_unique UNIQUE (outlet_id, sku)
);
-- GET /v1/outlets/{id}/items pages an outlet's items in id order.
CREATE INDEX items_outlet_id ON {{schema}}.items (outlet_id, id);

-- Every change of on_hand by a person (the initial stock of a new item included): who, when,
-- why, by how much, and on_hand and available before and after. So, per item, on_hand + sold
-- is the sum of its deltas (tests/integration/invariants/inventory.sql).
CREATE TABLE {{schema}}.stock_adjustments (
    id bigserial PRIMARY KEY,
    item_id uuid NOT NULL REFERENCES {{schema}}.items (id),
    actor_id uuid NOT NULL,
    actor_role text NOT NULL CHECK (actor_role IN ('business', 'admin')),
    delta bigint NOT NULL CHECK (delta <> 0),
    reason varchar(200) NOT NULL CHECK (reason <> ''),
    on_hand_before bigint NOT NULL CHECK (on_hand_before >= 0),
    on_hand_after bigint NOT NULL CHECK (on_hand_after >= 0),
    available_before bigint NOT NULL,
    available_after bigint NOT NULL CHECK (available_after >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (on_hand_after = on_hand_before + delta),
    CHECK (available_after = available_before + delta)
);
CREATE INDEX stock_adjustments_item ON {{schema}}.stock_adjustments (item_id, id);
-- The audit is append-only for the service itself.
REVOKE UPDATE, DELETE ON {{schema}}.stock_adjustments FROM {{role}};
