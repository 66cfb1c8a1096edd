package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

const window = 10 * time.Minute

func lifecycleCases() []testCase {
	return []testCase{
		{"OpenNewTicket", testOpenNew},
		{"RepeatsCountWithoutEvents", testRepeats},
		{"SeverityChangeIsNoted", testSeverityChange},
		{"ReopenWithinWindow", testReopenWithin},
		{"NewTicketAfterWindow", testNewAfterWindow},
		{"ZeroWindowNeverReopens", testZeroWindow},
		{"ReopenTakesLatestResolved", testReopenLatest},
		{"InvalidObservationStoresNothing", testInvalidObservation},
	}
}

func testOpenNew(t *testing.T, s store.Store) {
	now := base()
	v := violation("store-down", "4", ticket.Critical)
	got := observeWant(t, s, v, window, now, store.OutcomeOpened)
	if got.ID <= 0 || got.State != ticket.Open || got.Occurrences != 1 || got.ReopenCount != 0 || got.ResolvedAt != nil {
		t.Fatalf("new ticket = %+v", got)
	}
	if got.DedupKey != "store-down/store=4" || got.Invariant != v.Invariant || got.Subject != "tikv" ||
		got.Severity != ticket.Critical || got.Summary != v.Summary || got.Labels["store"] != "4" {
		t.Fatalf("new ticket does not carry the observation: %+v", got)
	}
	sameTime(t, "FirstSeen", got.FirstSeen, now)
	sameTime(t, "LastSeen", got.LastSeen, now)
	evs := wantKinds(t, s, got.ID, ticket.EventOpened)
	sameTime(t, "opened event At", evs[0].At, now)

	byID := get(t, s, got.ID)
	sameJSON(t, "Get after open", byID, got)
	byKey, err := s.GetByKey(t.Context(), v.DedupKey)
	if err != nil {
		t.Fatalf("GetByKey: %v", err)
	}
	sameJSON(t, "GetByKey after open", byKey, got)
}

func testRepeats(t *testing.T, s store.Store) {
	v := violation("store-low-space", "1", ticket.Warning)
	first := observeWant(t, s, v, window, base(), store.OutcomeOpened)
	var last ticket.Ticket
	for i := 1; i <= 4; i++ {
		v.Summary = fmt.Sprintf("available %d%%", i)
		v.Evidence = map[string]any{"available_ratio": float64(i) / 100}
		last = observeWant(t, s, v, window, base().Add(time.Duration(i)*time.Minute), store.OutcomeUpdated)
		if last.ID != first.ID {
			t.Fatalf("repeat %d opened ticket %d, want %d", i, last.ID, first.ID)
		}
	}
	if last.Occurrences != 5 {
		t.Fatalf("Occurrences = %d, want 5", last.Occurrences)
	}
	sameTime(t, "FirstSeen", last.FirstSeen, base())
	sameTime(t, "LastSeen", last.LastSeen, base().Add(4*time.Minute))
	if last.Summary != v.Summary {
		t.Fatalf("Summary = %q, want the latest %q", last.Summary, v.Summary)
	}
	sameJSON(t, "Evidence", last.Evidence, v.Evidence)
	wantKinds(t, s, first.ID, ticket.EventOpened)

	// A late observation (an Alertmanager webhook delivered out of order)
	// counts but does not move LastSeen backwards.
	late := observeWant(t, s, v, window, base().Add(time.Minute), store.OutcomeUpdated)
	if late.Occurrences != 6 {
		t.Fatalf("Occurrences after late repeat = %d, want 6", late.Occurrences)
	}
	sameTime(t, "LastSeen after late repeat", late.LastSeen, base().Add(4*time.Minute))

	// Another store is another problem.
	other := observeWant(t, s, violation("store-low-space", "2", ticket.Warning), window, base(), store.OutcomeOpened)
	if other.ID == first.ID {
		t.Fatal("a different key was deduplicated into the same ticket")
	}
}

func testSeverityChange(t *testing.T, s store.Store) {
	v := violation("store-low-space", "1", ticket.Warning)
	tk := observeWant(t, s, v, window, base(), store.OutcomeOpened)
	v.Severity = ticket.Critical
	v.Summary = "store 1 disk is 91% used, above low-space-ratio"
	got := observeWant(t, s, v, window, base().Add(time.Minute), store.OutcomeUpdated)
	if got.Severity != ticket.Critical {
		t.Fatalf("Severity = %v, want critical", got.Severity)
	}
	observeWant(t, s, v, window, base().Add(2*time.Minute), store.OutcomeUpdated)
	evs := wantKinds(t, s, tk.ID, ticket.EventOpened, ticket.EventNote)
	sameJSON(t, "severity note data", evs[1].Data, map[string]any{"from": "warning", "to": "critical"})
	// The note says what the problem became, not only that it got worse.
	if !strings.Contains(evs[1].Message, v.Summary) {
		t.Errorf("severity note %q lacks the new summary %q", evs[1].Message, v.Summary)
	}
}

func testReopenWithin(t *testing.T, s store.Store) {
	v := violation("store-down", "4", ticket.Critical)
	tk := observeWant(t, s, v, window, base(), store.OutcomeOpened)
	resolvedAt := base().Add(time.Minute)
	if _, err := s.Resolve(t.Context(), tk.ID, "invariant cleared", resolvedAt); err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	// Exactly at the edge of the window still reopens ("at or after").
	back := observeWant(t, s, v, window, resolvedAt.Add(window), store.OutcomeReopened)
	if back.ID != tk.ID || back.State != ticket.Open || back.ReopenCount != 1 || back.ResolvedAt != nil || back.Occurrences != 2 {
		t.Fatalf("reopened ticket = %+v", back)
	}
	sameTime(t, "LastSeen", back.LastSeen, resolvedAt.Add(window))
	sameTime(t, "FirstSeen", back.FirstSeen, base())
	wantKinds(t, s, tk.ID, ticket.EventOpened, ticket.EventResolved, ticket.EventReopened)
	if got, err := s.GetByKey(t.Context(), v.DedupKey); err != nil || got.ID != tk.ID {
		t.Fatalf("GetByKey after reopen = %d, %v", got.ID, err)
	}
}

func testNewAfterWindow(t *testing.T, s store.Store) {
	v := violation("store-down", "4", ticket.Critical)
	old := observeWant(t, s, v, window, base(), store.OutcomeOpened)
	resolvedAt := base().Add(time.Minute)
	if _, err := s.Resolve(t.Context(), old.ID, "invariant cleared", resolvedAt); err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	fresh := observeWant(t, s, v, window, resolvedAt.Add(window+time.Millisecond), store.OutcomeOpened)
	if fresh.ID == old.ID || fresh.Occurrences != 1 || fresh.ReopenCount != 0 {
		t.Fatalf("after the window got %+v, want a new ticket", fresh)
	}
	if kept := get(t, s, old.ID); kept.State != ticket.Resolved || kept.ResolvedAt == nil {
		t.Fatalf("old ticket changed: %+v", kept)
	}
	history, err := s.List(t.Context(), store.Filter{DedupKey: v.DedupKey})
	if err != nil {
		t.Fatalf("List by key: %v", err)
	}
	if got := ids(history); len(got) != 2 || got[0] != fresh.ID || got[1] != old.ID {
		t.Fatalf("history of the key = %v, want [%d %d]", got, fresh.ID, old.ID)
	}
}

func testZeroWindow(t *testing.T, s store.Store) {
	v := violation("store-down", "4", ticket.Critical)
	old := observeWant(t, s, v, 0, base(), store.OutcomeOpened)
	if _, err := s.Resolve(t.Context(), old.ID, "cleared", base()); err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if fresh := observeWant(t, s, v, 0, base(), store.OutcomeOpened); fresh.ID == old.ID {
		t.Fatal("a zero window reopened the ticket")
	}
}

func testReopenLatest(t *testing.T, s store.Store) {
	v := violation("store-down", "4", ticket.Critical)
	a := observeWant(t, s, v, window, base(), store.OutcomeOpened)
	if _, err := s.Resolve(t.Context(), a.ID, "cleared", base().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	later := base().Add(time.Hour)
	b := observeWant(t, s, v, window, later, store.OutcomeOpened)
	if _, err := s.Resolve(t.Context(), b.ID, "cleared", later.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Both are resolved; only b is within the window, and b is the latest.
	got := observeWant(t, s, v, 2*time.Hour, later.Add(2*time.Minute), store.OutcomeReopened)
	if got.ID != b.ID {
		t.Fatalf("reopened ticket %d, want the most recently resolved %d", got.ID, b.ID)
	}
	if kept := get(t, s, a.ID); kept.State != ticket.Resolved {
		t.Fatalf("older ticket %d is %s, want resolved", a.ID, kept.State)
	}
}

func testInvalidObservation(t *testing.T, s store.Store) {
	good := violation("store-down", "4", ticket.Critical)
	cases := []struct {
		name   string
		mutate func(*ticket.Ticket)
	}{
		{"no key", func(v *ticket.Ticket) { v.DedupKey = "" }},
		{"no invariant", func(v *ticket.Ticket) { v.Invariant = "" }},
		{"no subject", func(v *ticket.Ticket) { v.Subject = "" }},
		{"no severity", func(v *ticket.Ticket) { v.Severity = 0 }},
		{"evidence not JSON", func(v *ticket.Ticket) { v.Evidence = map[string]any{"f": func() {}} }},
	}
	for _, tc := range cases {
		v := good
		tc.mutate(&v)
		_, _, err := s.OpenOrTouch(t.Context(), v, window, base())
		wantErr(t, tc.name, err, store.ErrInvalid)
	}
	counts, err := s.CountByState(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for st, n := range counts {
		if n != 0 {
			t.Fatalf("after refused observations %d tickets are %s", n, st)
		}
	}
}
