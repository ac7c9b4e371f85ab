-- The first migration of every service, linked from migrations/<service>/0001_init.sql: the
-- service's schema, its login role (which may use only this schema), the migrations record, the
-- outbox (events written in the same transaction as the change they announce) and the inbox
-- (processed_events: one row per handled event, so a redelivery changes nothing).
-- The runner replaces {{schema}} and {{role}} with the service's own (e.g. orders, order_svc).
-- Applied by the daemon at start-up through OF_MIGRATIONS_URL, a role that may create roles.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{{role}}') THEN
        CREATE ROLE {{role}} LOGIN;
    END IF;
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO {{role}}', current_database());
END
$$;

CREATE SCHEMA {{schema}};
REVOKE ALL ON SCHEMA {{schema}} FROM PUBLIC;
GRANT USAGE ON SCHEMA {{schema}} TO {{role}};

CREATE TABLE {{schema}}.schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE {{schema}}.outbox (
    id bigserial PRIMARY KEY,
    topic text NOT NULL CHECK (topic <> ''),
    key text NOT NULL,
    payload json NOT NULL, -- json, not jsonb: the exact bytes of the encoded envelope
    headers jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
-- The relay reads unpublished rows in id order; this index holds only those.
CREATE INDEX outbox_unpublished ON {{schema}}.outbox (id) WHERE published_at IS NULL;

-- Wakes the relay (LISTEN {{schema}}_outbox) when the inserting transaction commits.
CREATE FUNCTION {{schema}}.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON {{schema}}.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION {{schema}}.outbox_notify();

CREATE TABLE {{schema}}.processed_events (
    event_id uuid PRIMARY KEY,
    topic text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- The service role reads and writes its own tables (and those later migrations add) and only
-- reads the migrations record.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {{schema}} TO {{role}};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {{schema}} TO {{role}};
ALTER DEFAULT PRIVILEGES IN SCHEMA {{schema}} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {{role}};
ALTER DEFAULT PRIVILEGES IN SCHEMA {{schema}} GRANT USAGE, SELECT ON SEQUENCES TO {{role}};
REVOKE INSERT, UPDATE, DELETE ON {{schema}}.schema_migrations FROM {{role}};
