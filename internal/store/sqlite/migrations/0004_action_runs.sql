-- Action runs: one row per attempt to carry out a registry action, moved
-- along the action state machine (internal/action). version is the
-- optimistic lock: every transition is an UPDATE ... WHERE version = ? in
-- the same transaction as its history row, so two movers that read the
-- same version cannot both win.
--
-- state has no CHECK listing the states, for the reason tickets.state has
-- none: the Go model checks every move, and a newer binary's state must
-- not make this schema refuse a row. ticket_id is NULL for a run started
-- by hand. params, dry_run and transition data are JSON.
CREATE TABLE action_runs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  INTEGER REFERENCES tickets (id) ON DELETE RESTRICT,
    subject    TEXT    NOT NULL CHECK (subject <> ''),
    action     TEXT    NOT NULL CHECK (action <> ''),
    params     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
    state      TEXT    NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    risk       TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    dry_run    TEXT    CHECK (dry_run IS NULL OR json_valid(dry_run)),
    outcome    TEXT    NOT NULL DEFAULT '',
    error      TEXT    NOT NULL DEFAULT ''
) STRICT;

-- The executor's queue scan and the API's per-state lists.
CREATE INDEX action_runs_state ON action_runs (state, id);
-- A ticket's runs.
CREATE INDEX action_runs_ticket ON action_runs (ticket_id, id);

-- The history of every run: one row per transition, append-only.
CREATE TABLE run_transitions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id     INTEGER NOT NULL REFERENCES action_runs (id) ON DELETE RESTRICT,
    from_state TEXT    NOT NULL,
    to_state   TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    actor      TEXT    NOT NULL CHECK (actor <> ''),
    reason     TEXT    NOT NULL DEFAULT '',
    data       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(data))
) STRICT;

CREATE INDEX run_transitions_run ON run_transitions (run_id, id);
