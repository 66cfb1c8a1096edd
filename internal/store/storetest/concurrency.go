package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

const (
	workers        = 16
	callsPerWorker = 8
)

func concurrencyCases() []testCase {
	return []testCase{
		{"ConcurrentOpenOrTouchOneTicket", testConcurrentOpen},
		{"ConcurrentReopenOneTicket", testConcurrentReopen},
	}
}

type result struct {
	id      ticket.ID
	outcome store.Outcome
	err     error
}

// hammer calls OpenOrTouch for v from many goroutines at once.
func hammer(t *testing.T, s store.Store, v ticket.Ticket, start time.Time) []result {
	t.Helper()
	results := make(chan result, workers*callsPerWorker)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for c := range callsPerWorker {
				now := start.Add(time.Duration(w*callsPerWorker+c) * time.Millisecond)
				tk, outcome, err := s.OpenOrTouch(t.Context(), v, window, now)
				results <- result{tk.ID, outcome, err}
			}
		})
	}
	wg.Wait()
	close(results)
	var out []result
	for r := range results {
		if r.err != nil {
			t.Fatalf("concurrent OpenOrTouch: %v", r.err)
		}
		out = append(out, r)
	}
	return out
}

func tally(rs []result) (map[store.Outcome]int, map[ticket.ID]bool) {
	outcomes, tickets := map[store.Outcome]int{}, map[ticket.ID]bool{}
	for _, r := range rs {
		outcomes[r.outcome]++
		tickets[r.id] = true
	}
	return outcomes, tickets
}

// checkOne asserts exactly one ticket exists for v's key, active, with
// the given occurrences.
func checkOne(t *testing.T, s store.Store, v ticket.Ticket, occurrences int) ticket.Ticket {
	t.Helper()
	all, err := s.List(t.Context(), store.Filter{DedupKey: v.DedupKey})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 {
		t.Fatalf("%d tickets for %q, want exactly 1: %v", len(all), v.DedupKey, ids(all))
	}
	if all[0].Occurrences != occurrences || !all[0].Active() {
		t.Fatalf("ticket = %+v, want active with %d occurrences", all[0], occurrences)
	}
	return all[0]
}

func testConcurrentOpen(t *testing.T, s store.Store) {
	v := violation("store-down", "4", ticket.Critical)
	rs := hammer(t, s, v, base())
	outcomes, tickets := tally(rs)
	calls := workers * callsPerWorker
	if outcomes[store.OutcomeOpened] != 1 || outcomes[store.OutcomeUpdated] != calls-1 || len(tickets) != 1 {
		t.Fatalf("outcomes %v over tickets %v, want 1 opened and %d updated on one ticket", outcomes, tickets, calls-1)
	}
	tk := checkOne(t, s, v, calls)
	wantKinds(t, s, tk.ID, ticket.EventOpened)
	sameTime(t, "LastSeen", tk.LastSeen, base().Add(time.Duration(calls-1)*time.Millisecond))
}

func testConcurrentReopen(t *testing.T, s store.Store) {
	v := violation("store-down", "4", ticket.Critical)
	first := observeWant(t, s, v, window, base(), store.OutcomeOpened)
	if _, err := s.Resolve(t.Context(), first.ID, "cleared", base()); err != nil {
		t.Fatal(err)
	}
	rs := hammer(t, s, v, base().Add(time.Second))
	outcomes, tickets := tally(rs)
	calls := workers * callsPerWorker
	if outcomes[store.OutcomeReopened] != 1 || outcomes[store.OutcomeUpdated] != calls-1 || !tickets[first.ID] || len(tickets) != 1 {
		t.Fatalf("outcomes %v over tickets %v, want 1 reopened and %d updated on ticket %d", outcomes, tickets, calls-1, first.ID)
	}
	tk := checkOne(t, s, v, calls+1)
	if tk.ReopenCount != 1 {
		t.Fatalf("ReopenCount = %d, want 1", tk.ReopenCount)
	}
	wantKinds(t, s, tk.ID, ticket.EventOpened, ticket.EventResolved, ticket.EventReopened)
}
