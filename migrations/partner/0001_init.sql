-- partner-svc: its schema, its login role (which may use only this schema), the migrations record,
-- the outbox (events written in the same transaction as the change they announce) and the inbox
-- (processed_events: one row per handled event, so a redelivery changes nothing).
-- Applied by the daemon at start-up through OF_MIGRATIONS_URL, a role that may create roles.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'partner_svc') THEN
        CREATE ROLE partner_svc LOGIN;
    END IF;
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO partner_svc', current_database());
END
$$;

CREATE SCHEMA partner;
REVOKE ALL ON SCHEMA partner FROM PUBLIC;
GRANT USAGE ON SCHEMA partner TO partner_svc;

CREATE TABLE partner.schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE partner.outbox (
    id bigserial PRIMARY KEY,
    topic text NOT NULL CHECK (topic <> ''),
    key text NOT NULL,
    payload json NOT NULL, -- json, not jsonb: the exact bytes of the encoded envelope
    headers jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
-- The relay reads unpublished rows in id order; this index holds only those.
CREATE INDEX outbox_unpublished ON partner.outbox (id) WHERE published_at IS NULL;

-- Wakes the relay (LISTEN partner_outbox) when the inserting transaction commits.
CREATE FUNCTION partner.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON partner.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION partner.outbox_notify();

CREATE TABLE partner.processed_events (
    event_id uuid PRIMARY KEY,
    topic text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- The service role reads and writes its own tables (and those later migrations add) and only
-- reads the migrations record.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA partner TO partner_svc;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA partner TO partner_svc;
ALTER DEFAULT PRIVILEGES IN SCHEMA partner GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO partner_svc;
ALTER DEFAULT PRIVILEGES IN SCHEMA partner GRANT USAGE, SELECT ON SEQUENCES TO partner_svc;
REVOKE INSERT, UPDATE, DELETE ON partner.schema_migrations FROM partner_svc;
