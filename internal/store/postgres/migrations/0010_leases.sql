-- Leases elect one leader among replicas sharing the store. token grows
-- by one each time the lease changes hands; writes made by a leader carry
-- it and are refused once it moved on (fencing: a fenced write holds the
-- lease row FOR SHARE, so a takeover waits for it, and a write after the
-- takeover sees the new token).
CREATE TABLE leases (
    name        TEXT        PRIMARY KEY CHECK (name <> ''),
    holder      TEXT        NOT NULL CHECK (holder <> ''),
    token       BIGINT      NOT NULL CHECK (token > 0),
    acquired_at TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
