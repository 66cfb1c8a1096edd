package postgres_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/pgtest"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/postgres"
)

func run(i int) action.Run {
	return action.Run{Subject: "tikv", Action: "transfer_leader", State: action.Proposed, Risk: "low", CreatedBy: "test",
		Params: map[string]any{"region_id": i, "to_store": 5}}
}

// Two replicas on one database, many writers each: every write that
// audits (run creations and moves, kill-switch flips, plain appends)
// chains onto one unbroken log, and it verifies.
func TestAuditChainUnderConcurrentWriters(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	replicas := []*postgres.Store{open(t, dsn, postgres.Options{}), open(t, dsn, postgres.Options{})}
	const writers = 8
	const rounds = 5
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*4)
	for w := range writers {
		s := replicas[w%len(replicas)]
		wg.Go(func() {
			for i := range rounds {
				at := base.Add(time.Duration(w*rounds+i) * time.Millisecond)
				r, err := s.CreateRun(t.Context(), run(w*rounds+i), at)
				if err != nil {
					errs <- fmt.Errorf("writer %d: create: %w", w, err)
					continue
				}
				if _, err := s.TransitionRun(t.Context(), r.ID, r.Version, action.Transition{To: action.Rejected, At: at, Actor: "test"}); err != nil {
					errs <- fmt.Errorf("writer %d: move: %w", w, err)
				}
				if _, err := s.Audit().Append(t.Context(), audit.Record{At: at, Actor: "test", Kind: "note", Subject: fmt.Sprint(w, i)}); err != nil {
					errs <- fmt.Errorf("writer %d: append: %w", w, err)
				}
				if _, err := s.SetKillSwitch(t.Context(), action.KillSwitch{On: i%2 == 0, Actor: "test", Reason: "drill", At: at}); err != nil {
					errs <- fmt.Errorf("writer %d: kill switch: %w", w, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	want := writers * rounds * 4
	for i, s := range replicas {
		rep, err := audit.Verify(t.Context(), s.Audit(), nil)
		if err != nil || !rep.OK || rep.Records != int64(want) {
			t.Fatalf("replica %d: Verify = %+v, %v; want %d records, OK", i, rep, err, want)
		}
	}
	var seqs []int64
	if err := replicas[0].Audit().All(t.Context(), func(r audit.Record) error { seqs = append(seqs, r.Seq); return nil }); err != nil {
		t.Fatal(err)
	}
	for i, seq := range seqs {
		if seq != int64(i+1) {
			t.Fatalf("record %d has seq %d: the chain has a gap", i, seq)
		}
	}
}

// A refused write leaves no audit record: the record commits with its
// change or not at all.
func TestAuditRecordRollsBackWithItsChange(t *testing.T) {
	s := fresh(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r, err := s.CreateRun(t.Context(), run(1), at)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.TransitionRun(t.Context(), r.ID, r.Version+1, action.Transition{To: action.Approved, At: at, Actor: "x"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a stale move: %v, want ErrConflict", err)
	}
	rep, err := audit.Verify(t.Context(), s.Audit(), nil)
	if err != nil || !rep.OK || rep.Records != 1 {
		t.Fatalf("Verify = %+v, %v; want only the creation", rep, err)
	}
}

// The database itself refuses to change or remove audit records.
func TestAuditLogIsAppendOnly(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s := open(t, dsn, postgres.Options{})
	if _, err := s.Audit().Append(t.Context(), audit.Record{At: time.Now(), Actor: "test", Kind: "note"}); err != nil {
		t.Fatal(err)
	}
	conn := raw(t, dsn)
	for _, stmt := range []string{
		`UPDATE audit_log SET actor = 'mallory'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		if _, err := conn.Exec(t.Context(), stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", stmt, err)
		}
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM audit_log WHERE actor = 'test'`); n != 1 {
		t.Fatalf("%d records left, want 1", n)
	}
}

// Many sessions approving as the same person at once: one approval is
// recorded, the rest are conflicts.
func TestSameApproverRacing(t *testing.T) {
	s := fresh(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r, err := s.CreateRun(t.Context(), run(1), at)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.AddApproval(t.Context(), r.ID, r.Version, action.Approval{Actor: "alice", Role: "operator", At: at})
		})
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("approval %d: %v, want nil or ErrConflict", i, err)
		}
	}
	as, err := s.Approvals(t.Context(), r.ID)
	if ok != 1 || err != nil || len(as) != 1 {
		t.Fatalf("%d approvals succeeded, %d stored (%v); want exactly 1", ok, len(as), err)
	}
}
