-- Tickets: one row per problem, deduplicated by dedup_key.
--
-- Times are TEXT in fixed-width UTC RFC 3339 with microseconds
-- ("2026-01-02T03:04:05.123456Z"): readable in the sqlite3 shell and ordered
-- correctly by plain string comparison.
--
-- state has no CHECK listing the states: SQLite cannot alter a CHECK without
-- rebuilding the table, and action states will be added later. The Go model
-- validates states; the database keeps the rules that never change.
CREATE TABLE tickets (
    id           INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused
    dedup_key    TEXT    NOT NULL CHECK (dedup_key <> ''),
    invariant    TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    severity     TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    summary      TEXT    NOT NULL DEFAULT '',
    labels       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(labels)),
    evidence     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(evidence)),
    first_seen   TEXT    NOT NULL,
    last_seen    TEXT    NOT NULL,
    resolved_at  TEXT,
    occurrences  INTEGER NOT NULL DEFAULT 1 CHECK (occurrences >= 1),
    reopen_count INTEGER NOT NULL DEFAULT 0 CHECK (reopen_count >= 0),
    CHECK ((state = 'resolved') = (resolved_at IS NOT NULL))
) STRICT;

-- The dedup rule, kept by the database: at most one active ticket per key.
-- Every state but 'resolved' is active, so new states need no change here.
CREATE UNIQUE INDEX tickets_one_active_per_key ON tickets (dedup_key) WHERE state <> 'resolved';

-- Reopen lookup: the most recently resolved ticket for a key.
CREATE INDEX tickets_key_resolved ON tickets (dedup_key, resolved_at);

-- List order (last_seen DESC, id DESC) and the Since filter.
CREATE INDEX tickets_last_seen ON tickets (last_seen, id);

CREATE INDEX tickets_state ON tickets (state);
