-- inventory-svc: its schema, its login role (which may use only this schema), the migrations record,
-- the outbox (events written in the same transaction as the change they announce) and the inbox
-- (processed_events: one row per handled event, so a redelivery changes nothing).
-- Applied by the daemon at start-up through OF_MIGRATIONS_URL, a role that may create roles.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'inventory_svc') THEN
        CREATE ROLE inventory_svc LOGIN;
    END IF;
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO inventory_svc', current_database());
END
$$;

CREATE SCHEMA inventory;
REVOKE ALL ON SCHEMA inventory FROM PUBLIC;
GRANT USAGE ON SCHEMA inventory TO inventory_svc;

CREATE TABLE inventory.schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inventory.outbox (
    id bigserial PRIMARY KEY,
    topic text NOT NULL CHECK (topic <> ''),
    key text NOT NULL,
    payload json NOT NULL, -- json, not jsonb: the exact bytes of the encoded envelope
    headers jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
-- The relay reads unpublished rows in id order; this index holds only those.
CREATE INDEX outbox_unpublished ON inventory.outbox (id) WHERE published_at IS NULL;

-- Wakes the relay (LISTEN inventory_outbox) when the inserting transaction commits.
CREATE FUNCTION inventory.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON inventory.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.outbox_notify();

CREATE TABLE inventory.processed_events (
    event_id uuid PRIMARY KEY,
    topic text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- The service role reads and writes its own tables (and those later migrations add) and only
-- reads the migrations record.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA inventory TO inventory_svc;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA inventory TO inventory_svc;
ALTER DEFAULT PRIVILEGES IN SCHEMA inventory GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO inventory_svc;
ALTER DEFAULT PRIVILEGES IN SCHEMA inventory GRANT USAGE, SELECT ON SEQUENCES TO inventory_svc;
REVOKE INSERT, UPDATE, DELETE ON inventory.schema_migrations FROM inventory_svc;
