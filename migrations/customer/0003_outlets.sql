-- customer-svc's read model of the outlets, fed by business.outlet.created.v1 and
-- business.outlet.updated.v1: what GET /v1/feed searches. version is the occurred_at (Unix
-- milliseconds) of the event last applied, so a late, older event changes nothing.
-- Grants come from the default privileges set in 0001.

CREATE TABLE {{schema}}.outlets (
    id uuid PRIMARY KEY,
    business_id uuid NOT NULL,
    name varchar(200) NOT NULL CHECK (name <> ''),
    lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
    is_open boolean NOT NULL,
    version bigint NOT NULL,
    updated_at timestamptz NOT NULL
);
-- The feed's bounding-box pre-filter (lat range first, then the longitude range or its wrap);
-- only open outlets are ever searched.
CREATE INDEX outlets_open_lat_lng ON {{schema}}.outlets (lat, lng) WHERE is_open;
