-- Who created a run and from what: "diagnosis" / "ticket 7, round 2
-- (rules)", or a human's name for a run started by hand. Both land on the
-- run's audit record too.
ALTER TABLE action_runs ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE action_runs ADD COLUMN origin TEXT NOT NULL DEFAULT '';

-- Operator-wide switches that must survive a restart (the kill switch).
-- One row per name; value is JSON. Every change is also an audit record,
-- written in the same transaction.
CREATE TABLE settings (
    name       TEXT        PRIMARY KEY CHECK (name <> ''),
    value      JSONB       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    actor      TEXT        NOT NULL CHECK (actor <> ''),
    reason     TEXT        NOT NULL DEFAULT ''
);
