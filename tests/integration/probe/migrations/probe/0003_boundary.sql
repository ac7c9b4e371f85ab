-- Tables for the HTTP <-> database boundary scenarios (tests/integration/db_boundary.sh): a
-- primary key and a CHECK to violate, and a unique key checked only at COMMIT, so that a body's
-- own answer can be overruled by a failing COMMIT. The service role gets its rights from the
-- default privileges that 0001 set up.
CREATE TABLE probe.items (
    name text PRIMARY KEY,
    qty integer NOT NULL CHECK (qty >= 0)
);

CREATE TABLE probe.deferred (
    name text NOT NULL,
    CONSTRAINT deferred_name_key UNIQUE (name) DEFERRABLE INITIALLY DEFERRED
);
