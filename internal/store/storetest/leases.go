package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// LeaseStore is a store that elects leaders.
type LeaseStore interface {
	store.Store
	store.Leases
}

// RunLeases runs the lease and fencing cases, each on a fresh store.
func RunLeases(t *testing.T, open func(t *testing.T) LeaseStore) {
	cases := []struct {
		name string
		run  func(t *testing.T, s LeaseStore)
	}{
		{"LeaseFirstHolderWinsAndRenews", leaseFirstHolderWins},
		{"LeaseTakeoverAfterExpiryIncrementsToken", leaseTakeover},
		{"LeaseReleaseHandsOverAtOnce", leaseRelease},
		{"LeaseConcurrentAcquireElectsOne", leaseConcurrent},
		{"FencedWriteRefusedAfterTakeover", fencedWrite},
		{"LeaseRejectsNonsense", leaseInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

const ttl = 15 * time.Second

func acquire(t *testing.T, s LeaseStore, holder string, now time.Time) (store.Lease, bool) {
	t.Helper()
	l, held, err := s.AcquireLease(t.Context(), "leader", holder, ttl, now)
	if err != nil {
		t.Fatalf("AcquireLease(%s at %v): %v", holder, now, err)
	}
	return l, held
}

func leaseFirstHolderWins(t *testing.T, s LeaseStore) {
	now := base()
	if _, err := s.GetLease(t.Context(), "leader"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetLease before anyone took it: %v, want ErrNotFound", err)
	}
	l, held := acquire(t, s, "a", now)
	if !held || l.Holder != "a" || l.Token != 1 || !l.ExpiresAt.Equal(now.Add(ttl)) || !l.AcquiredAt.Equal(now) {
		t.Fatalf("first acquire: %+v held=%v", l, held)
	}
	l, held = acquire(t, s, "b", now.Add(5*time.Second))
	if held || l.Holder != "a" || l.Token != 1 {
		t.Fatalf("b took a's live lease: %+v held=%v", l, held)
	}
	l, held = acquire(t, s, "a", now.Add(10*time.Second))
	if !held || l.Token != 1 || !l.ExpiresAt.Equal(now.Add(10*time.Second+ttl)) || !l.AcquiredAt.Equal(now) {
		t.Fatalf("renewal: %+v held=%v (the token and acquired time stay, the expiry moves)", l, held)
	}
	got, err := s.GetLease(t.Context(), "leader")
	if err != nil || got != l {
		t.Fatalf("GetLease = %+v, %v; want %+v", got, err, l)
	}
	if !got.Held("a", now.Add(11*time.Second)) || got.Held("b", now.Add(11*time.Second)) || got.Held("a", now.Add(time.Hour)) {
		t.Errorf("Held is wrong for %+v", got)
	}
}

func leaseTakeover(t *testing.T, s LeaseStore) {
	now := base()
	acquire(t, s, "a", now)
	// Exactly at expiry the lease is free.
	l, held := acquire(t, s, "b", now.Add(ttl))
	if !held || l.Holder != "b" || l.Token != 2 {
		t.Fatalf("takeover after expiry: %+v held=%v, want b with token 2", l, held)
	}
	l, held = acquire(t, s, "a", now.Add(ttl+time.Second))
	if held || l.Holder != "b" {
		t.Fatalf("the deposed holder renewed: %+v held=%v", l, held)
	}
	// A holder that lets its own lease lapse and takes it again gets a new
	// token too: its old writes must not pass for the new term's.
	l, held = acquire(t, s, "b", now.Add(3*ttl))
	if !held || l.Token != 3 {
		t.Fatalf("re-acquire after lapse: %+v held=%v, want token 3", l, held)
	}
}

func leaseRelease(t *testing.T, s LeaseStore) {
	now := base()
	acquire(t, s, "a", now)
	if err := s.ReleaseLease(t.Context(), "leader", "b", now.Add(time.Second)); err != nil {
		t.Fatalf("release by a non-holder: %v", err)
	}
	if l, held := acquire(t, s, "b", now.Add(2*time.Second)); held {
		t.Fatalf("a non-holder's release freed the lease: %+v", l)
	}
	if err := s.ReleaseLease(t.Context(), "leader", "a", now.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	l, held := acquire(t, s, "b", now.Add(3*time.Second))
	if !held || l.Token != 2 {
		t.Fatalf("after release: %+v held=%v, want b with token 2", l, held)
	}
}

func leaseConcurrent(t *testing.T, s LeaseStore) {
	now := base()
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		won  []string
		errs []error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			holder := string(rune('a' + i))
			_, held, err := s.AcquireLease(context.Background(), "leader", holder, ttl, now)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			if held {
				won = append(won, holder)
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent acquires failed: %v", errs)
	}
	if len(won) != 1 {
		t.Fatalf("%d replicas hold the lease at once: %v", len(won), won)
	}
	l, err := s.GetLease(t.Context(), "leader")
	if err != nil || l.Holder != won[0] || l.Token != 1 {
		t.Fatalf("stored lease %+v, %v; the winner was %s", l, err, won[0])
	}
}

func fencedWrite(t *testing.T, s LeaseStore) {
	now := base()
	la, _ := acquire(t, s, "a", now)
	ctxA := store.WithFence(t.Context(), store.Fence{Lease: "leader", Token: la.Token})
	v1 := violation("store-down", "1", ticket.Critical)
	if _, _, err := s.OpenOrTouch(ctxA, v1, 0, now); err != nil {
		t.Fatalf("the leader's fenced write: %v", err)
	}
	lb, held := acquire(t, s, "b", now.Add(ttl+time.Second))
	if !held {
		t.Fatal("b could not take the expired lease")
	}
	// a's late write: refused, nothing written.
	v2 := violation("store-down", "2", ticket.Critical)
	_, _, err := s.OpenOrTouch(ctxA, v2, 0, now.Add(ttl+2*time.Second))
	if !errors.Is(err, store.ErrFenced) {
		t.Fatalf("a deposed leader's write: %v, want ErrFenced", err)
	}
	if _, err := s.GetByKey(t.Context(), v2.DedupKey); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the refused write left a ticket behind: %v", err)
	}
	if _, err := s.Resolve(ctxA, 1, "late", now.Add(ttl+2*time.Second)); !errors.Is(err, store.ErrFenced) {
		t.Fatalf("a deposed leader's resolve: %v, want ErrFenced", err)
	}
	// The new leader's writes, and unfenced ones (a person's, through the
	// API of any replica), pass.
	ctxB := store.WithFence(t.Context(), store.Fence{Lease: "leader", Token: lb.Token})
	if _, _, err := s.OpenOrTouch(ctxB, v2, 0, now.Add(ttl+3*time.Second)); err != nil {
		t.Fatalf("the new leader's write: %v", err)
	}
	if _, err := s.Resolve(t.Context(), 1, "by hand", now.Add(ttl+4*time.Second)); err != nil {
		t.Fatalf("an unfenced write: %v", err)
	}
	// A fence naming a lease nobody took is refused too.
	ctxX := store.WithFence(t.Context(), store.Fence{Lease: "other", Token: 1})
	if _, _, err := s.OpenOrTouch(ctxX, violation("store-down", "3", ticket.Critical), 0, now); !errors.Is(err, store.ErrFenced) {
		t.Fatalf("a fence on an unknown lease: %v, want ErrFenced", err)
	}
}

func leaseInvalid(t *testing.T, s LeaseStore) {
	for _, c := range []struct {
		name, holder string
		ttl          time.Duration
	}{{"", "a", ttl}, {"leader", "", ttl}, {"leader", "a", 0}} {
		if _, _, err := s.AcquireLease(t.Context(), c.name, c.holder, c.ttl, base()); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AcquireLease(%q, %q, %v) = %v, want ErrInvalid", c.name, c.holder, c.ttl, err)
		}
	}
}
