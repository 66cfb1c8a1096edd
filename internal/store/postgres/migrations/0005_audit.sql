-- Audit log: append-only, each record chained to the one before by hash
-- (internal/audit computes and verifies the chain). seq is assigned in the
-- append transaction as max(seq) + 1 under a transaction-scoped advisory
-- lock, not from a sequence (which leaves gaps on rollback), so the chain
-- has no gaps by construction and a gap always means a deleted row.
--
-- at and data are kept exactly as hashed: at as RFC 3339 text with
-- nanoseconds (timestamptz keeps microseconds), data as json, not jsonb
-- (jsonb reorders keys and rewrites numbers; json keeps the text).
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY CHECK (seq >= 1),
    at        TEXT   NOT NULL,
    actor     TEXT   NOT NULL CHECK (actor <> ''),
    kind      TEXT   NOT NULL CHECK (kind <> ''),
    subject   TEXT   NOT NULL DEFAULT '',
    ref       TEXT   NOT NULL DEFAULT '',
    data      JSON   NOT NULL DEFAULT '{}',
    prev_hash TEXT   NOT NULL,
    hash      TEXT   NOT NULL UNIQUE
);

-- The store has no method that changes or removes a record; these
-- triggers also stop a stray statement from psql or a future migration.
-- They are a guard rail, not the protection: a superuser can drop a
-- trigger, and the hash chain is what shows an edit.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- PostgreSQL also has TRUNCATE, which row triggers do not see.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
