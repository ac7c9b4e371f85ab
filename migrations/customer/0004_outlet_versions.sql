-- The outlet read model is ordered by the producer's per-outlet version (data.version of
-- business.outlet.*.v1, incremented by business-svc on every change) instead of the events'
-- occurred_at: a producer clock, or an occurred_at of 9999-12-31, could otherwise pin an outlet
-- for good. The column that held the occurred_at of the last applied event keeps doing so under
-- its own name; version is NULL for outlets whose events carried none (the rule for those is in
-- customer_store_outlet_upsert). Rows pinned by a far-future occurred_at are freed by the first
-- event with a version.
ALTER TABLE {{schema}}.outlets RENAME COLUMN version TO occurred_ms;
ALTER TABLE {{schema}}.outlets ADD COLUMN version bigint CHECK (version >= 1);
COMMENT ON COLUMN {{schema}}.outlets.occurred_ms IS
    'occurred_at of the event last applied, Unix milliseconds';
COMMENT ON COLUMN {{schema}}.outlets.version IS
    'the producer''s version of the outlet in the event last applied; NULL if it had none';
