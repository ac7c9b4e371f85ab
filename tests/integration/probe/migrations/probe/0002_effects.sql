-- probe-svc's own effect table (test daemon); the service role gets its rights from the
-- default privileges that 0001 set up.
-- The probe's own effect: one row per handled probe event, in handling order. Deliberately no
-- unique constraint on event_id: a duplicate that slipped past the inbox must show up as a
-- second row for the tests to find, not as an error.
CREATE TABLE probe.effects (
    handled bigserial PRIMARY KEY,
    event_id uuid NOT NULL,
    key text NOT NULL,
    seq integer NOT NULL
);
