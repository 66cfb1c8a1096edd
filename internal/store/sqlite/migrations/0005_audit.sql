-- Audit log: append-only, each record chained to the one before by hash
-- (internal/audit computes and verifies the chain). seq is assigned in the
-- append transaction as max(seq) + 1, not AUTOINCREMENT, so the chain has
-- no gaps by construction and a gap always means a deleted row. at is kept
-- exactly as hashed (RFC 3339, nanoseconds, UTC), data as the canonical
-- JSON that was hashed.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY CHECK (seq >= 1),
    at        TEXT    NOT NULL,
    actor     TEXT    NOT NULL CHECK (actor <> ''),
    kind      TEXT    NOT NULL CHECK (kind <> ''),
    subject   TEXT    NOT NULL DEFAULT '',
    ref       TEXT    NOT NULL DEFAULT '',
    data      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL UNIQUE
) STRICT;

-- The store has no method that changes or removes a record; these
-- triggers also stop a stray statement from the sqlite3 shell or a future
-- migration. They are a guard rail, not the protection: someone who can
-- drop a trigger can edit the file, and the hash chain is what shows it.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
