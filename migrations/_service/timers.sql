-- Durable timers (common/timers.h), linked from migrations/<service>/NNNN_timers.sql: one row per
-- armed deadline, written and deleted in the transactions of the state it belongs to; the timer
-- thread claims due rows with FOR UPDATE SKIP LOCKED. A row parked after a permanent failure has
-- due_at 'infinity' and the reason in last_error.
CREATE TABLE {{schema}}.timers (
    kind text NOT NULL CHECK (kind ~ '^[a-z0-9_.]{1,63}$'),
    key text NOT NULL CHECK (key <> '' AND length(key) <= 200),
    due_at timestamptz NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, key)
);
CREATE INDEX timers_due ON {{schema}}.timers (due_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON {{schema}}.timers TO {{role}};
