-- probe-svc: its schema, its login role (which may use only this schema), the migrations record,
-- the outbox (events written in the same transaction as the change they announce) and the inbox
-- (processed_events: one row per handled event, so a redelivery changes nothing).
-- Applied by the daemon at start-up through OF_MIGRATIONS_URL, a role that may create roles.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'probe_svc') THEN
        CREATE ROLE probe_svc LOGIN;
    END IF;
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO probe_svc', current_database());
END
$$;

CREATE SCHEMA probe;
REVOKE ALL ON SCHEMA probe FROM PUBLIC;
GRANT USAGE ON SCHEMA probe TO probe_svc;

CREATE TABLE probe.schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE probe.outbox (
    id bigserial PRIMARY KEY,
    topic text NOT NULL CHECK (topic <> ''),
    key text NOT NULL,
    payload json NOT NULL, -- json, not jsonb: the exact bytes of the encoded envelope
    headers jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
-- The relay reads unpublished rows in id order; this index holds only those.
CREATE INDEX outbox_unpublished ON probe.outbox (id) WHERE published_at IS NULL;

-- Wakes the relay (LISTEN probe_outbox) when the inserting transaction commits.
CREATE FUNCTION probe.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON probe.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION probe.outbox_notify();

CREATE TABLE probe.processed_events (
    event_id uuid PRIMARY KEY,
    topic text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- The service role reads and writes its own tables (and those later migrations add) and only
-- reads the migrations record.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA probe TO probe_svc;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA probe TO probe_svc;
ALTER DEFAULT PRIVILEGES IN SCHEMA probe GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO probe_svc;
ALTER DEFAULT PRIVILEGES IN SCHEMA probe GRANT USAGE, SELECT ON SEQUENCES TO probe_svc;
REVOKE INSERT, UPDATE, DELETE ON probe.schema_migrations FROM probe_svc;

-- The probe's own effect: one row per handled probe event, in handling order. Deliberately no
-- unique constraint on event_id: a duplicate that slipped past the inbox must show up as a
-- second row for the tests to find, not as an error.
CREATE TABLE probe.effects (
    handled bigserial PRIMARY KEY,
    event_id uuid NOT NULL,
    key text NOT NULL,
    seq integer NOT NULL
);
GRANT SELECT, INSERT, UPDATE, DELETE ON probe.effects TO probe_svc;
GRANT USAGE, SELECT ON SEQUENCE probe.effects_handled_seq TO probe_svc;
