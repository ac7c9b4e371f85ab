-- What probe-svc's timer handler did: one row per firing (not unique, so a double firing shows).
CREATE TABLE probe.timer_fired (
    key text NOT NULL,
    attempts integer NOT NULL,
    instance text NOT NULL,
    fired_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
