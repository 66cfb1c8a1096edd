package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/audit"
)

// BenchmarkAuditVerify measures `operator audit verify` on a database of
// OPERATOR_BENCH_AUDIT_RECORDS records (default 100000; BENCHMARKS.md
// quotes 1000000): the whole chain read from the file through the
// read-only reader and every hash recomputed. The log is written once,
// in one transaction, before the timer starts.
func BenchmarkAuditVerify(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("OPERATOR_BENCH_AUDIT_RECORDS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "op.db")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	err = st.write(ctx, "seed audit log", func(tx *sql.Tx) error {
		for i := range n {
			r, err := audit.Prepare(audit.Record{At: at.Add(time.Duration(i) * time.Millisecond), Actor: "executor",
				Kind: audit.KindTransition, Subject: fmt.Sprintf("split_region region_id=%d", i), Ref: fmt.Sprintf("run/%d", i/6),
				Data: map[string]any{"run": i / 6, "from": "queued", "to": "executing", "version": 3, "reason": "bench"}})
			if err != nil {
				return err
			}
			if _, err := appendAudit(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	st.Close()
	// scan reads every row and decodes it, hashing nothing: what verify
	// costs beyond reading the log is the difference.
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			rd, err := OpenAuditReader(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			seen := 0
			err = rd.All(ctx, func(audit.Record) error { seen++; return nil })
			rd.Close()
			if err != nil || seen != n {
				b.Fatalf("scan = %d, %v", seen, err)
			}
		}
		b.ReportMetric(float64(n), "records")
	})
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			rd, err := OpenAuditReader(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			rep, err := audit.Verify(ctx, rd, nil)
			rd.Close()
			if err != nil || !rep.OK || rep.Records != int64(n) {
				b.Fatalf("verify = %+v, %v", rep, err)
			}
		}
		b.ReportMetric(float64(n), "records")
	})
}

// BenchmarkEmptyWrite is the floor every state change pays: one write
// transaction through the single writer, committed (and synced) with
// nothing in it. BenchmarkRunTransitions is compared with it.
func BenchmarkEmptyWrite(b *testing.B) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(b.TempDir(), "op.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for b.Loop() {
		if err := st.write(ctx, "empty", func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at, actor) VALUES ('bench', '{}', '', 'bench')
				ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at`)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
