package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/operator-dev/operator/internal/audit"
)

// Audit is the store's audit log. Appends go through the single writer, so
// they are serialized with every other write; the next seq and the previous
// hash are read inside the append's transaction, so concurrent appends
// (from goroutines or from another process on the same file) chain
// correctly.
func (s *Store) Audit() audit.Log { return auditLog{s: s} }

type auditLog struct{ s *Store }

var _ audit.Log = auditLog{}

// Append implements audit.Log.
func (l auditLog) Append(ctx context.Context, r audit.Record) (audit.Record, error) {
	what := fmt.Sprintf("append %s audit record for %s", r.Kind, r.Ref)
	r, err := audit.Prepare(r)
	if err != nil {
		return audit.Record{}, fmt.Errorf("%s: %w", what, err)
	}
	var out audit.Record
	err = l.s.write(ctx, what, func(tx *sql.Tx) (err error) {
		out, err = appendAudit(ctx, tx, r)
		return err
	})
	if err != nil {
		return audit.Record{}, err
	}
	return out, nil
}

// appendAudit chains and inserts a prepared record inside tx: the next seq
// and the previous hash are read in the same transaction, so a record
// written together with the change it describes (a run's transition)
// commits or vanishes with it.
func appendAudit(ctx context.Context, tx *sql.Tx, r audit.Record) (audit.Record, error) {
	var (
		last int64
		prev string
	)
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&last, &prev)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		prev = audit.Genesis
	case err != nil:
		return audit.Record{}, fmt.Errorf("read last audit record: %w", classify(err))
	}
	out, err := audit.Seal(r, last+1, prev)
	if err != nil {
		return audit.Record{}, err
	}
	data, err := audit.CanonicalData(out.Data)
	if err != nil {
		return audit.Record{}, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor, kind, subject, ref, data, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		out.Seq, out.At.Format(time.RFC3339Nano), out.Actor, out.Kind, out.Subject, out.Ref, string(data), out.PrevHash, out.Hash)
	if err != nil {
		return audit.Record{}, fmt.Errorf("insert audit record %d: %w", out.Seq, classify(err))
	}
	return out, nil
}

// All implements audit.Log, streaming rows from one read transaction (a
// consistent snapshot: appends during the walk are not seen).
func (l auditLog) All(ctx context.Context, fn func(audit.Record) error) error {
	return allAudit(ctx, l.s.r, fn)
}

func allAudit(ctx context.Context, db *sql.DB, fn func(audit.Record) error) error {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("read audit log: begin: %w", classify(err))
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	rows, err := tx.QueryContext(ctx, `SELECT seq, at, actor, kind, subject, ref, data, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("read audit log: %w", classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r        audit.Record
			at, data string
		)
		if err := rows.Scan(&r.Seq, &at, &r.Actor, &r.Kind, &r.Subject, &r.Ref, &data, &r.PrevHash, &r.Hash); err != nil {
			return fmt.Errorf("read audit log: %w", classify(err))
		}
		// A row whose time or data no longer parses was edited: hand it to
		// the caller anyway (Verify then reports it as changed) rather than
		// stopping the walk with a storage error.
		r.At, _ = time.Parse(time.RFC3339Nano, at)
		if r.Data, err = audit.DecodeData([]byte(data)); err != nil {
			r.Data = map[string]any{"unreadable stored data": data}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit log: %w", classify(err))
	}
	return nil
}

// AuditReader reads the audit log of a database file without the store:
// no migration, no writer, the file opened read-only. It is for the
// forensic CLI (`operator audit verify`), which must work on a copy of a
// database and must never change the evidence.
type AuditReader struct {
	db *sql.DB
}

// OpenAuditReader opens path read-only. It refuses a missing file (rather
// than creating one) and a database without an audit log.
func OpenAuditReader(ctx context.Context, path string) (*AuditReader, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open audit log %s: %w", path, err)
	}
	if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open audit log: %s does not exist: %w", abs, fs.ErrNotExist)
	}
	if err := checkHeader(abs); err != nil {
		return nil, fmt.Errorf("open audit log %s: %w", abs, err)
	}
	q := url.Values{}
	q.Add("mode", "ro")
	q.Add("_pragma", "query_only(1)")
	q.Add("_pragma", "busy_timeout(5000)")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open audit log %s: %w", abs, err)
	}
	db.SetMaxOpenConns(1)
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'audit_log'`).Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("open audit log %s: %w", abs, classify(err))
	}
	if n == 0 {
		db.Close()
		return nil, fmt.Errorf("open audit log %s: the database has no audit log (not an operator database, or one from before audit logging)", abs)
	}
	return &AuditReader{db: db}, nil
}

var _ audit.Log = (*AuditReader)(nil)

// Append refuses: the reader never writes.
func (a *AuditReader) Append(context.Context, audit.Record) (audit.Record, error) {
	return audit.Record{}, audit.ErrReadOnly
}

// All implements audit.Log.
func (a *AuditReader) All(ctx context.Context, fn func(audit.Record) error) error {
	return allAudit(ctx, a.db, fn)
}

// Close closes the file.
func (a *AuditReader) Close() error { return a.db.Close() }
