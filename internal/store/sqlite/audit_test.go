package sqlite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/store/sqlite"
)

func auditRec(i int) audit.Record {
	return audit.Record{
		At:    time.Date(2026, 11, 25, 9, 0, 0, 123456789, time.UTC).Add(time.Duration(i) * time.Millisecond),
		Actor: "executor", Kind: audit.KindPDCall, Subject: "POST /pd/api/v1/operators", Ref: fmt.Sprintf("run/%d", i%7),
		Data: map[string]any{"region_id": 9007199254740993, "to_store": i, "status": 200, "note": "ok <&>"},
	}
}

func appendN(t *testing.T, l audit.Log, n int) []audit.Record {
	t.Helper()
	out := make([]audit.Record, n)
	for i := range n {
		r, err := l.Append(t.Context(), auditRec(i))
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		out[i] = r
	}
	return out
}

func verifyLog(t *testing.T, l audit.Log, a *audit.Anchor) audit.Report {
	t.Helper()
	rep, err := audit.Verify(t.Context(), l, a)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// tamper opens the file as someone with the sqlite3 shell would, drops the
// append-only triggers and runs q.
func tamper(t *testing.T, path, q string, args ...any) {
	t.Helper()
	db := raw(t, path)
	for _, s := range []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`} {
		if _, err := db.ExecContext(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	res, err := db.ExecContext(t.Context(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s changed %d rows", q, n)
	}
}

func TestAuditChainOf1000(t *testing.T) {
	path := dbPath(t)
	s := open(t, path, sqlite.Options{})
	recs := appendN(t, s.Audit(), 1000)
	rep := verifyLog(t, s.Audit(), nil)
	if !rep.OK || rep.Records != 1000 || rep.LastSeq != 1000 || rep.LastHash != recs[999].Hash {
		t.Fatalf("report %+v", rep)
	}
	var back []audit.Record
	if err := s.Audit().All(t.Context(), func(r audit.Record) error { back = append(back, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, recs) {
		t.Fatalf("read back differs from appended:\n%+v\n%+v", back[0], recs[0])
	}
}

func TestAuditRefusesUpdateAndDelete(t *testing.T) {
	path := dbPath(t)
	s := open(t, path, sqlite.Options{})
	appendN(t, s.Audit(), 3)
	db := raw(t, path)
	for _, q := range []string{`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`, `DELETE FROM audit_log WHERE seq = 3`} {
		if _, err := db.ExecContext(t.Context(), q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("%s = %v, want refused", q, err)
		}
	}
}

func TestAuditDetectsTampering(t *testing.T) {
	cases := []struct {
		name    string
		q       string
		anchor  bool
		bad     int64
		problem audit.Problem
	}{
		{"one byte of data flipped", `UPDATE audit_log SET data = replace(data, '"to_store":41', '"to_store":51') WHERE seq = 42`, false, 42, audit.ProblemChanged},
		{"time moved", `UPDATE audit_log SET at = replace(at, '09:00', '08:00') WHERE seq = 7`, false, 7, audit.ProblemChanged},
		{"data made unreadable", `UPDATE audit_log SET data = '[1]' WHERE seq = 9`, false, 9, audit.ProblemChanged},
		{"middle row deleted", `DELETE FROM audit_log WHERE seq = 50`, false, 50, audit.ProblemMissing},
		{"last row deleted, anchored", `DELETE FROM audit_log WHERE seq = 100`, true, 100, audit.ProblemTruncated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := dbPath(t)
			s := open(t, path, sqlite.Options{})
			recs := appendN(t, s.Audit(), 100)
			tamper(t, path, c.q)
			var a *audit.Anchor
			if c.anchor {
				a = &audit.Anchor{Seq: 100, Hash: recs[99].Hash}
			}
			rep := verifyLog(t, s.Audit(), a)
			if rep.OK || rep.BadSeq != c.bad || rep.Problem != c.problem {
				t.Fatalf("report %+v; want bad seq %d (%s)", rep, c.bad, c.problem)
			}
		})
	}
}

func TestAuditTailDeletionNeedsAnchor(t *testing.T) {
	path := dbPath(t)
	s := open(t, path, sqlite.Options{})
	recs := appendN(t, s.Audit(), 10)
	tamper(t, path, `DELETE FROM audit_log WHERE seq = 10`)
	rep := verifyLog(t, s.Audit(), nil)
	if !rep.OK || rep.LastSeq != 9 || !strings.Contains(rep.String(), "records deleted from the end would not show") {
		t.Fatalf("without anchor: %+v %q", rep, rep.String())
	}
	rep = verifyLog(t, s.Audit(), &audit.Anchor{Seq: 10, Hash: recs[9].Hash})
	want := "AUDIT LOG TAMPERED at record 10: the log ends at record 9 but the anchor proves record 10 existed"
	if rep.OK || !strings.HasPrefix(rep.String(), want) {
		t.Fatalf("with anchor: %q, want prefix %q", rep.String(), want)
	}
}

func TestAuditConcurrentAppends(t *testing.T) {
	path := dbPath(t)
	s := open(t, path, sqlite.Options{})
	// A second store on the same file: appends from another process chain too.
	s2 := open(t, path, sqlite.Options{})
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		l := s.Audit()
		if w%2 == 1 {
			l = s2.Audit()
		}
		wg.Go(func() {
			for i := range each {
				if _, err := l.Append(context.Background(), auditRec(w*100+i)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if rep := verifyLog(t, s.Audit(), nil); !rep.OK || rep.Records != workers*each {
		t.Fatalf("report %+v", rep)
	}
}

func TestAuditExportRoundTrips(t *testing.T) {
	s := open(t, dbPath(t), sqlite.Options{})
	recs := appendN(t, s.Audit(), 30)
	var buf bytes.Buffer
	if err := audit.Export(t.Context(), s.Audit(), &buf); err != nil {
		t.Fatal(err)
	}
	var back audit.Slice
	if err := audit.Decode(&buf, func(r audit.Record) error { back = append(back, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual([]audit.Record(back), recs) {
		t.Fatalf("export round trip differs:\n%+v\n%+v", back[0], recs[0])
	}
	if rep := verifyLog(t, back, &audit.Anchor{Seq: 30, Hash: recs[29].Hash}); !rep.OK {
		t.Fatalf("export does not verify: %+v", rep)
	}
}

func TestAuditRefusesSecrets(t *testing.T) {
	path := dbPath(t)
	s := open(t, path, sqlite.Options{})
	r := auditRec(1)
	r.Data["headers"] = map[string]any{"Authorization": "Bearer abc"}
	if _, err := s.Audit().Append(t.Context(), r); !errors.Is(err, audit.ErrSecret) {
		t.Fatalf("Append with a secret = %v, want ErrSecret", err)
	}
	r = auditRec(1)
	r.Data["key"] = "sk-ant-api03-xyz"
	if _, err := s.Audit().Append(t.Context(), r); !errors.Is(err, audit.ErrSecret) || strings.Contains(err.Error(), "api03") {
		t.Fatalf("Append with a secret value = %v, want ErrSecret without the value", err)
	}
	if n := queryInt(t, raw(t, path), `SELECT COUNT(*) FROM audit_log`); n != 0 {
		t.Fatalf("%d rows written", n)
	}
}

func TestAuditContinuesAfterRestart(t *testing.T) {
	path := dbPath(t)
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := appendN(t, s.Audit(), 5)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path, sqlite.Options{})
	r, err := s.Audit().Append(t.Context(), auditRec(5))
	if err != nil {
		t.Fatal(err)
	}
	if r.Seq != 6 || r.PrevHash != first[4].Hash {
		t.Fatalf("after restart: seq %d prev %s, want 6 %s", r.Seq, r.PrevHash, first[4].Hash)
	}
	if rep := verifyLog(t, s.Audit(), nil); !rep.OK || rep.Records != 6 {
		t.Fatalf("report %+v", rep)
	}
}

func TestAuditReaderIsReadOnly(t *testing.T) {
	path := dbPath(t)
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs := appendN(t, s.Audit(), 4)
	s.Close() // a cleanly closed WAL database: no -wal/-shm files left

	ar, err := sqlite.OpenAuditReader(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer ar.Close()
	if rep := verifyLog(t, ar, nil); !rep.OK || rep.LastHash != recs[3].Hash {
		t.Fatalf("report %+v", rep)
	}
	if _, err := ar.Append(t.Context(), auditRec(9)); !errors.Is(err, audit.ErrReadOnly) {
		t.Fatalf("Append on reader = %v", err)
	}
	// While the daemon is running (store open, WAL in use) the reader sees
	// every committed append.
	live := open(t, path, sqlite.Options{})
	more := appendN(t, live.Audit(), 2)
	ar2, err := sqlite.OpenAuditReader(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer ar2.Close()
	if rep := verifyLog(t, ar2, nil); !rep.OK || rep.Records != 6 || rep.LastHash != more[1].Hash {
		t.Fatalf("live report %+v", rep)
	}
	if _, err := sqlite.OpenAuditReader(t.Context(), dbPath(t)); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing file: %v", err)
	}
}
