package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/operator-dev/operator/internal/audit"
)

// Audit is the store's audit log. Appends from every writer of the
// database (goroutines, other replicas) are serialized by an advisory
// lock taken inside the append's transaction and held until it commits;
// the next seq and the previous hash are read under it, so the chain
// never forks.
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
	err = l.s.write(ctx, what, func(tx pgx.Tx) (err error) {
		out, err = appendAudit(ctx, tx, r)
		return err
	})
	if err != nil {
		return audit.Record{}, err
	}
	return out, nil
}

// appendAudit chains and inserts a prepared record inside tx, so a record
// written together with the change it describes (a run's transition)
// commits or vanishes with it. The lock is taken last in every write (the
// record is the last thing a write adds), which keeps it from ever being
// held while waiting on a row another writer holds.
func appendAudit(ctx context.Context, tx pgx.Tx, r audit.Record) (audit.Record, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int4, $2::int4)`, int32(lockSpace), int32(lockAudit)); err != nil {
		return audit.Record{}, fmt.Errorf("lock the audit chain: %w", classify(err))
	}
	var (
		last int64
		prev string
	)
	// At READ COMMITTED this statement sees every append committed before
	// the lock was granted.
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&last, &prev)
	switch {
	case noRows(err):
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
	_, err = tx.Exec(ctx, `INSERT INTO audit_log (seq, at, actor, kind, subject, ref, data, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		out.Seq, out.At.Format(time.RFC3339Nano), out.Actor, out.Kind, out.Subject, out.Ref, string(data), out.PrevHash, out.Hash)
	if err != nil {
		return audit.Record{}, fmt.Errorf("insert audit record %d: %w", out.Seq, classify(err))
	}
	return out, nil
}

// All implements audit.Log, streaming rows from one read-only REPEATABLE
// READ transaction: a consistent snapshot, appends during the walk are
// not seen.
func (l auditLog) All(ctx context.Context, fn func(audit.Record) error) error {
	tx, err := l.s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("read audit log: begin: %w", classify(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // read-only
	rows, err := tx.Query(ctx, `SELECT seq, at, actor, kind, subject, ref, data::text, prev_hash, hash FROM audit_log ORDER BY seq`)
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
