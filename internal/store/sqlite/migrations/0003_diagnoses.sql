-- Diagnoses: what each provider said about a ticket, one row per provider
-- per round. Append-only: a new round supersedes the last for display and
-- keeps it on the record (and in the budget: usage is summed over all rows).
--
-- status has no CHECK listing the statuses, for the reason tickets.state
-- has none; the Go model validates every record before it is written.
-- diagnosis is the ticket.Diagnosis as JSON, NULL when the provider gave
-- none (failed, or its answer was refused).
CREATE TABLE diagnoses (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id       INTEGER NOT NULL REFERENCES tickets (id) ON DELETE RESTRICT,
    round           INTEGER NOT NULL CHECK (round >= 1),
    provider        TEXT    NOT NULL CHECK (provider <> ''),
    model           TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    at              TEXT    NOT NULL,
    diagnosis       TEXT    CHECK (diagnosis IS NULL OR json_valid(diagnosis)),
    refusals        TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(refusals)),
    error           TEXT    NOT NULL DEFAULT '',
    disputed        INTEGER NOT NULL DEFAULT 0 CHECK (disputed IN (0, 1)),
    input_tokens    INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens   INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cost_usd        REAL    NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    evidence_digest TEXT    NOT NULL DEFAULT ''
) STRICT;

-- A ticket's rounds in order, the next round number (max(round)), the
-- latest round, and the budget sum all read this index.
CREATE INDEX diagnoses_ticket_round ON diagnoses (ticket_id, round, id);
