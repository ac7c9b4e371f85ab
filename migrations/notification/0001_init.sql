-- notification-svc: its schema, its login role (which may use only this schema), the migrations record,
-- the outbox (events written in the same transaction as the change they announce) and the inbox
-- (processed_events: one row per handled event, so a redelivery changes nothing).
-- Applied by the daemon at start-up through OF_MIGRATIONS_URL, a role that may create roles.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'notification_svc') THEN
        CREATE ROLE notification_svc LOGIN;
    END IF;
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO notification_svc', current_database());
END
$$;

CREATE SCHEMA notification;
REVOKE ALL ON SCHEMA notification FROM PUBLIC;
GRANT USAGE ON SCHEMA notification TO notification_svc;

CREATE TABLE notification.schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notification.outbox (
    id bigserial PRIMARY KEY,
    topic text NOT NULL CHECK (topic <> ''),
    key text NOT NULL,
    payload json NOT NULL, -- json, not jsonb: the exact bytes of the encoded envelope
    headers jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
-- The relay reads unpublished rows in id order; this index holds only those.
CREATE INDEX outbox_unpublished ON notification.outbox (id) WHERE published_at IS NULL;

-- Wakes the relay (LISTEN notification_outbox) when the inserting transaction commits.
CREATE FUNCTION notification.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON notification.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION notification.outbox_notify();

CREATE TABLE notification.processed_events (
    event_id uuid PRIMARY KEY,
    topic text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- The service role reads and writes its own tables (and those later migrations add) and only
-- reads the migrations record.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA notification TO notification_svc;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA notification TO notification_svc;
ALTER DEFAULT PRIVILEGES IN SCHEMA notification GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO notification_svc;
ALTER DEFAULT PRIVILEGES IN SCHEMA notification GRANT USAGE, SELECT ON SEQUENCES TO notification_svc;
REVOKE INSERT, UPDATE, DELETE ON notification.schema_migrations FROM notification_svc;
