package leader

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/ticket"
)

// work is a leader's work that records its terms and lets the test write
// through the context it was given.
type work struct {
	mu    sync.Mutex
	ctx   context.Context // the current term's; nil while not leading
	terms int
	ended int
}

func (w *work) lead(ctx context.Context) {
	w.mu.Lock()
	w.ctx = ctx
	w.terms++
	w.mu.Unlock()
	<-ctx.Done()
	w.mu.Lock()
	w.ended++
	w.mu.Unlock()
}

func (w *work) current() (context.Context, int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ctx, w.terms, w.ended
}

// waitTerm polls until the work has started n terms (it starts on its own
// goroutine).
func (w *work) waitTerm(t *testing.T, n int) context.Context {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, terms, _ := w.current()
		if terms >= n {
			return ctx
		}
		if time.Now().After(deadline) {
			t.Fatalf("the leader's work did not start term %d", n)
		}
		time.Sleep(time.Millisecond) // polling a goroutine's start; the deadline bounds it
	}
}

func openStore(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func elector(t *testing.T, s store.Leases, holder string, w *work) *Elector {
	t.Helper()
	e, err := New(Config{Holder: holder, TTL: 15 * time.Second}, s, w.lead)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.stop)
	return e
}

func write(ctx context.Context, s store.Store, storeID string, now time.Time) error {
	labels := map[string]string{"store": storeID}
	_, _, err := s.OpenOrTouch(ctx, ticket.Ticket{DedupKey: ticket.Key("store-down", labels), Invariant: "store-down",
		Subject: "tikv", Severity: ticket.Critical, Summary: "down", Labels: labels}, 0, now)
	return err
}

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// One replica leads; when it stops renewing, the other takes over with a
// new token, the deposed one's late writes are refused, and it stops its
// work at its next round.
func TestFailoverFencesTheDeposedLeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "op.db")
	sa, sb := openStore(t, path), openStore(t, path)
	wa, wb := &work{}, &work{}
	a, b := elector(t, sa, "a", wa), elector(t, sb, "b", wb)

	if !a.Step(t.Context(), t0) {
		t.Fatal("a did not lead an empty election")
	}
	if b.Step(t.Context(), t0.Add(time.Second)) {
		t.Fatal("b leads beside a")
	}
	ctxA := wa.waitTerm(t, 1)
	if err := write(ctxA, sa, "1", t0); err != nil {
		t.Fatalf("the leader's write: %v", err)
	}
	if st := b.Status(); st.Leader || st.Lease.Holder != "a" || st.Lease.Token != 1 {
		t.Fatalf("b's view: %+v", st)
	}
	// a renews on time: still a's, same token.
	if !a.Step(t.Context(), t0.Add(5*time.Second)) || a.Status().Lease.Token != 1 {
		t.Fatalf("a's renewal: %+v", a.Status())
	}
	// a stalls (a GC pause, a partition); its lease runs out and b takes it.
	if !b.Step(t.Context(), t0.Add(20*time.Second)) {
		t.Fatalf("b did not take the expired lease: %+v", b.Status())
	}
	ctxB := wb.waitTerm(t, 1)
	if tok := b.Status().Lease.Token; tok != 2 {
		t.Fatalf("b's token %d, want 2", tok)
	}
	if err := write(ctxA, sa, "2", t0.Add(21*time.Second)); !errors.Is(err, store.ErrFenced) {
		t.Fatalf("the deposed leader's late write: %v, want ErrFenced", err)
	}
	if err := write(ctxB, sb, "2", t0.Add(21*time.Second)); err != nil {
		t.Fatalf("the new leader's write: %v", err)
	}
	// a wakes up: it sees b's lease and stops its work before returning.
	if a.Step(t.Context(), t0.Add(22*time.Second)) {
		t.Fatal("a still leads after b took over")
	}
	if _, terms, ended := wa.current(); terms != 1 || ended != 1 {
		t.Fatalf("a's work: %d terms, %d ended; want 1, 1", terms, ended)
	}
	if ctxA.Err() == nil {
		t.Fatal("a's work context is still live")
	}
}

// A leader whose store stops answering keeps leading until its deadline
// (a third of the TTL before expiry), then stops on its own, before any
// other replica may take over.
func TestLeaderStopsWhenItCannotRenew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "op.db")
	sa := openStore(t, path)
	w := &work{}
	a := elector(t, sa, "a", w)
	if !a.Step(t.Context(), t0) {
		t.Fatal("a did not lead")
	}
	w.waitTerm(t, 1)
	sa.Close() // every round fails from now on
	if !a.Step(t.Context(), t0.Add(5*time.Second)) {
		t.Fatal("one failed renewal stopped the leader; it should wait for its deadline")
	}
	if a.Status().Err == "" {
		t.Error("the failed round is not in the status")
	}
	if a.Step(t.Context(), t0.Add(10*time.Second)) {
		t.Fatal("a still leads at its deadline (expiry - TTL/3) without a renewal")
	}
	if _, _, ended := w.current(); ended != 1 {
		t.Fatalf("the work did not end (%d)", ended)
	}
}

// Run hands the lease over on shutdown: the other replica leads at once,
// without waiting for the TTL.
func TestRunReleasesTheLeaseOnShutdown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "op.db")
	sa, sb := openStore(t, path), openStore(t, path)
	wa, wb := &work{}, &work{}
	a, b := elector(t, sa, "a", wa), elector(t, sb, "b", wb)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, time.Now) }()
	wa.waitTerm(t, 1)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, _, ended := wa.current(); ended != 1 {
		t.Fatal("Run returned with the work still running")
	}
	if !b.Step(t.Context(), time.Now()) {
		t.Fatalf("b could not lead right after a released: %+v", b.Status())
	}
	if tok := b.Status().Lease.Token; tok != 2 {
		t.Fatalf("b's token %d, want 2", tok)
	}
}

func TestNewNeedsAReplicaID(t *testing.T) {
	if _, err := New(Config{}, nil, func(context.Context) {}); err == nil {
		t.Fatal("an elector without a replica ID")
	}
}

// This replica's clock jumps forward past its own lease's expiry: it
// takes the lease again with a new token, and its work restarts under
// that token (the old one is refused by the store); a backward jump only
// shortens its own lease, which it keeps renewing.
func TestClockJumps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "op.db")
	sa := openStore(t, path)
	w := &work{}
	a := elector(t, sa, "a", w)
	if !a.Step(t.Context(), t0) {
		t.Fatal("a did not lead")
	}
	ctx1 := w.waitTerm(t, 1)
	if !a.Step(t.Context(), t0.Add(time.Hour)) {
		t.Fatalf("after a forward jump: %+v", a.Status())
	}
	ctx2 := w.waitTerm(t, 2)
	if tok := a.Status().Lease.Token; tok != 2 {
		t.Fatalf("token after the lapse %d, want 2", tok)
	}
	if ctx1.Err() == nil {
		t.Fatal("the first term's work still runs")
	}
	if err := write(ctx2, sa, "1", t0.Add(time.Hour)); err != nil {
		t.Fatalf("the new term's write: %v", err)
	}
	if err := write(ctx1, sa, "2", t0.Add(time.Hour)); err == nil {
		t.Fatal("the old term's write passed")
	}
	// Backward: the renewal at an earlier time keeps the term.
	if !a.Step(t.Context(), t0.Add(59*time.Minute)) || a.Status().Lease.Token != 2 {
		t.Fatalf("after a backward jump: %+v", a.Status())
	}
	if _, terms, _ := w.current(); terms != 2 {
		t.Fatalf("%d terms after the backward jump, want 2", terms)
	}
}
