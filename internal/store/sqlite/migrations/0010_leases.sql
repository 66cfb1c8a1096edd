-- Leases elect one leader among replicas sharing the store. token grows
-- by one each time the lease changes hands; writes made by a leader carry
-- it and are refused once it moved on (fencing).
CREATE TABLE leases (
    name        TEXT PRIMARY KEY CHECK (name <> ''),
    holder      TEXT NOT NULL CHECK (holder <> ''),
    token       INTEGER NOT NULL CHECK (token > 0),
    acquired_at TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) STRICT;
