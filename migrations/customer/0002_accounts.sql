-- customer-svc accounts (one per phone and role, created at the first login), their address
-- books, and the pending one-time passwords (only a keyed hash of the code is kept).
-- Grants come from the default privileges set in 0001.

CREATE TABLE {{schema}}.accounts (
    id uuid PRIMARY KEY,
    phone text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    role text NOT NULL CHECK (role IN ('customer', 'business', 'partner')),
    name varchar(100),
    email varchar(254),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (phone, role)
);

CREATE TABLE {{schema}}.addresses (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES {{schema}}.accounts (id) ON DELETE CASCADE,
    label varchar(40) NOT NULL,
    line1 varchar(200) NOT NULL,
    city varchar(100) NOT NULL,
    postcode varchar(20) NOT NULL,
    lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX addresses_account ON {{schema}}.addresses (account_id, created_at, id);

-- A new request for (phone, role) replaces the pending code.
CREATE TABLE {{schema}}.otp_codes (
    phone text NOT NULL,
    role text NOT NULL CHECK (role IN ('customer', 'business', 'partner')),
    hash bytea NOT NULL CHECK (length(hash) = 32),
    expires_at timestamptz NOT NULL,
    attempts_left integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (phone, role)
);
