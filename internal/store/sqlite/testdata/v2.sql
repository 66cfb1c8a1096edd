-- A database as the operator with schema version 2 left it: the bookkeeping
-- table, the tables and indexes of migrations 0001 and 0002 exactly as
-- released, and tickets in every state with their timelines. Ticket 1 dates
-- from v1 (its "opened" event was backfilled by 0002, whose backfill
-- statements are left out here because they ran once, back then).
-- Frozen: do not edit when later migrations are added; add another fixture.
CREATE TABLE schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
) STRICT;
INSERT INTO schema_migrations (version, name, applied_at) VALUES
    (1, 'tickets', '2026-01-01T00:00:00.000000Z'),
    (2, 'ticket_events', '2026-01-15T00:00:00.000000Z');

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

-- The timeline: what happened to a ticket, in order. Append-only.
CREATE TABLE ticket_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE RESTRICT,
    at        TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    message   TEXT    NOT NULL DEFAULT '',
    data      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(data))
) STRICT;

CREATE INDEX ticket_events_timeline ON ticket_events (ticket_id, at, id);

INSERT INTO tickets (id, dedup_key, invariant, subject, severity, state, summary, labels, evidence, first_seen, last_seen, resolved_at, occurrences, reopen_count) VALUES
    (1, 'store-down/store=4', 'store-down', 'tikv', 'critical', 'open', 'store 4 is down',
     '{"store":"4"}', '{"last_heartbeat":"2026-01-01T09:58:00Z","region_id":9007199254740993}',
     '2026-01-01T10:00:00.000000Z', '2026-01-16T10:05:00.250000Z', NULL, 31, 0),
    (2, 'store-low-space/store=1', 'store-low-space', 'tikv', 'warning', 'diagnosed', 'store 1 has 12% space left',
     '{"store":"1"}', '{"available_ratio":0.12,"nested":{"a":[1,2,{"b":null}]}}',
     '2026-01-16T11:00:00.000000Z', '2026-01-16T11:30:00.000000Z', NULL, 7, 0),
    (3, 'store-down/store=5', 'store-down', 'tikv', 'critical', 'resolved', 'store 5 is down',
     '{"store":"5"}', '{}',
     '2026-01-16T08:00:00.000000Z', '2026-01-16T08:10:00.000000Z', '2026-01-16T08:11:00.000000Z', 61, 0);

INSERT INTO ticket_events (id, ticket_id, at, kind, message, data) VALUES
    (1, 1, '2026-01-01T10:00:00.000000Z', 'opened', 'store 4 is down', '{"backfilled":true}'),
    (2, 2, '2026-01-16T11:00:00.000000Z', 'opened', 'store 1 has 12% space left', '{"severity":"warning"}'),
    (3, 2, '2026-01-16T11:10:00.000000Z', 'diagnosed', 'disk filling with compaction debris', '{"from":"open","to":"diagnosed"}'),
    (4, 3, '2026-01-16T08:00:00.000000Z', 'opened', 'store 5 is down', '{"severity":"critical"}'),
    (5, 3, '2026-01-16T08:11:00.000000Z', 'resolved', 'invariant cleared', '{"from":"open","to":"resolved"}'),
    (6, 1, '2026-01-16T09:00:00.000000Z', 'note', 'paged the on-call', '{}');
