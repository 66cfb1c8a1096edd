-- A database as the operator with schema version 1 left it: the bookkeeping
-- table, migration 0001 exactly as released, and some tickets. Frozen: do
-- not edit when later migrations are added; add another fixture instead.
CREATE TABLE schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
) STRICT;
INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'tickets', '2026-01-01T00:00:00.000000Z');

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

CREATE UNIQUE INDEX tickets_one_active_per_key ON tickets (dedup_key) WHERE state <> 'resolved';

CREATE INDEX tickets_key_resolved ON tickets (dedup_key, resolved_at);

CREATE INDEX tickets_last_seen ON tickets (last_seen, id);

CREATE INDEX tickets_state ON tickets (state);

INSERT INTO tickets (id, dedup_key, invariant, subject, severity, state, summary, labels, evidence, first_seen, last_seen, resolved_at, occurrences, reopen_count) VALUES
    (1, 'store-down/store=4', 'store-down', 'tikv', 'critical', 'open', 'store 4 is down',
     '{"store":"4"}', '{"last_heartbeat":"2026-01-01T09:58:00Z","region_count":1234}',
     '2026-01-01T10:00:00.000000Z', '2026-01-01T10:05:00.250000Z', NULL, 31, 0),
    (2, 'store-low-space/store=1', 'store-low-space', 'tikv', 'warning', 'diagnosed', 'store 1 has 12% space left',
     '{"store":"1"}', '{"available_ratio":0.12,"nested":{"a":[1,2,{"b":null}]}}',
     '2026-01-01T11:00:00.000000Z', '2026-01-01T11:30:00.000000Z', NULL, 7, 1),
    (3, 'store-down/store=5', 'store-down', 'tikv', 'critical', 'resolved', 'store 5 is down',
     '{"store":"5"}', '{}',
     '2026-01-01T08:00:00.000000Z', '2026-01-01T08:10:00.000000Z', '2026-01-01T08:11:00.000000Z', 61, 0);
