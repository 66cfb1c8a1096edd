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
	b.ResetTimer()
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
}
