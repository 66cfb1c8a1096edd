package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

func roundTripCases() []testCase {
	return []testCase{
		{"TimestampsRoundTripInUTC", testTimestamps},
		{"EvidenceJSONRoundTrip", testEvidence},
	}
}

// closeTo checks got is in UTC and within a millisecond of want: backends
// keep at least millisecond precision (sqlite and PostgreSQL keep µs).
func closeTo(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if got.Location() != time.UTC {
		t.Fatalf("%s is in %v, want UTC", what, got.Location())
	}
	if d := got.Sub(want).Abs(); d >= time.Millisecond {
		t.Fatalf("%s = %v, want %v (off by %v)", what, got, want, d)
	}
}

func testTimestamps(t *testing.T, s store.Store) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	opened := time.Date(2026, 3, 1, 17, 30, 0, 123456789, zone)
	resolved := opened.Add(90*time.Second + 987654321)
	noted := opened.Add(time.Second + 1500*time.Microsecond)

	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, opened, store.OutcomeOpened)
	closeTo(t, "FirstSeen", tk.FirstSeen, opened)
	closeTo(t, "LastSeen", tk.LastSeen, opened)
	if _, err := s.AddEvent(t.Context(), ticket.Event{TicketID: tk.ID, At: noted, Kind: ticket.EventNote}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve(t.Context(), tk.ID, "cleared", resolved); err != nil {
		t.Fatal(err)
	}
	got := get(t, s, tk.ID)
	closeTo(t, "FirstSeen after Get", got.FirstSeen, opened)
	if got.ResolvedAt == nil {
		t.Fatal("ResolvedAt is nil")
	}
	closeTo(t, "ResolvedAt", *got.ResolvedAt, resolved)
	evs := wantKinds(t, s, tk.ID, ticket.EventOpened, ticket.EventNote, ticket.EventResolved)
	closeTo(t, "opened At", evs[0].At, opened)
	closeTo(t, "note At", evs[1].At, noted)
	closeTo(t, "resolved At", evs[2].At, resolved)
	// What a write returns is what a read returns, to the nanosecond.
	sameTime(t, "FirstSeen returned by OpenOrTouch vs Get", tk.FirstSeen, got.FirstSeen)

	// Filters compare at the stored precision, not at whole seconds.
	list, err := s.List(t.Context(), store.Filter{Since: opened.Add(time.Millisecond)})
	if err != nil || len(list) != 0 {
		t.Fatalf("List since 1ms after the only observation = %v, %v", ids(list), err)
	}
}

func testEvidence(t *testing.T, s store.Store) {
	evidence := map[string]any{
		"store_id":       4,
		"region_id":      int64(9007199254740993), // 2^53+1: not exact as a float64
		"available":      0.125,
		"negative":       -3,
		"ok":             false,
		"missing":        nil,
		"address":        "tikv-4.tikv:20160",
		"unicode":        "диск заполнен ✓",
		"escapes":        "quote \" backslash \\ newline \n tab \t",
		"empty_list":     []any{},
		"empty_object":   map[string]any{},
		"down_peers":     []any{map[string]any{"peer": 7, "store": 4, "down_seconds": 61.5}},
		"nested":         map[string]any{"a": map[string]any{"b": []any{1, "two", 3.5, nil, true}}},
		"label_as_value": map[string]string{"zone": "z1"},
	}
	v := violation("store-down", "4", ticket.Critical)
	v.Evidence = evidence
	v.Labels = map[string]string{"store": "4", "address": "tikv-4.tikv:20160", "zone": "z1, rack=2"}
	v.DedupKey = ticket.Key(v.Invariant, v.Labels)

	tk := observeWant(t, s, v, window, base(), store.OutcomeOpened)
	sameJSON(t, "Evidence returned by OpenOrTouch", tk.Evidence, evidence)
	got := get(t, s, tk.ID)
	sameJSON(t, "Evidence read back", got.Evidence, evidence)
	sameJSON(t, "Labels read back", got.Labels, v.Labels)
	if got.DedupKey != v.DedupKey {
		t.Fatalf("DedupKey = %q, want %q", got.DedupKey, v.DedupKey)
	}
	if n, ok := got.Evidence["region_id"].(json.Number); ok && n.String() != "9007199254740993" {
		t.Fatalf("region_id = %s, want 9007199254740993 exactly", n)
	}

	// Replaced, not merged, by a repeat; nil evidence reads back empty.
	v.Evidence = nil
	again := observeWant(t, s, v, window, base().Add(time.Minute), store.OutcomeUpdated)
	if len(again.Evidence) != 0 {
		t.Fatalf("evidence after a repeat without evidence = %v, want empty", again.Evidence)
	}
}
