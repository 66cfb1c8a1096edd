package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// base is the suite's fixed "now"; cases step time explicitly from it.
func base() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

// violation is what a monitor would report about one store.
func violation(invariant, storeID string, sev ticket.Severity) ticket.Ticket {
	labels := map[string]string{"store": storeID}
	return ticket.Ticket{
		DedupKey:  ticket.Key(invariant, labels),
		Invariant: invariant,
		Subject:   "tikv",
		Severity:  sev,
		Summary:   invariant + " on store " + storeID,
		Labels:    labels,
		Evidence:  map[string]any{"store_id": storeID},
	}
}

func observe(t *testing.T, s store.Store, v ticket.Ticket, within time.Duration, now time.Time) (ticket.Ticket, store.Outcome) {
	t.Helper()
	got, outcome, err := s.OpenOrTouch(t.Context(), v, within, now)
	if err != nil {
		t.Fatalf("OpenOrTouch(%q at %v): %v", v.DedupKey, now, err)
	}
	return got, outcome
}

func observeWant(t *testing.T, s store.Store, v ticket.Ticket, within time.Duration, now time.Time, want store.Outcome) ticket.Ticket {
	t.Helper()
	got, outcome := observe(t, s, v, within, now)
	if outcome != want {
		t.Fatalf("OpenOrTouch(%q at %v) = %v, want %v", v.DedupKey, now, outcome, want)
	}
	return got
}

func get(t *testing.T, s store.Store, id ticket.ID) ticket.Ticket {
	t.Helper()
	got, err := s.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get(%d): %v", id, err)
	}
	return got
}

func events(t *testing.T, s store.Store, id ticket.ID) []ticket.Event {
	t.Helper()
	evs, err := s.Events(t.Context(), id)
	if err != nil {
		t.Fatalf("Events(%d): %v", id, err)
	}
	return evs
}

func kinds(evs []ticket.Event) []ticket.EventKind {
	out := make([]ticket.EventKind, len(evs))
	for i, e := range evs {
		out[i] = e.Kind
	}
	return out
}

func wantKinds(t *testing.T, s store.Store, id ticket.ID, want ...ticket.EventKind) []ticket.Event {
	t.Helper()
	evs := events(t, s, id)
	if got := kinds(evs); !slices.Equal(got, want) {
		t.Fatalf("ticket %d timeline = %v, want %v", id, got, want)
	}
	return evs
}

func ids(ts []ticket.Ticket) []ticket.ID {
	out := make([]ticket.ID, len(ts))
	for i, tk := range ts {
		out[i] = tk.ID
	}
	return out
}

// wantErr fails unless err wraps every one of targets.
func wantErr(t *testing.T, what string, err error, targets ...error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %v", what, targets)
	}
	for _, target := range targets {
		if !errors.Is(err, target) {
			t.Fatalf("%s: error %q does not wrap %q", what, err, target)
		}
	}
}

// sameJSON compares by JSON encoding: after a store round trip numbers may
// come back as json.Number, and nil and empty maps are the same object.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("%s: encode got: %v", what, err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatalf("%s: encode want: %v", what, err)
	}
	if string(g) == "null" {
		g = []byte("{}")
	}
	if string(w) == "null" {
		w = []byte("{}")
	}
	if string(g) != string(w) {
		t.Fatalf("%s:\n got  %s\n want %s", what, g, w)
	}
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}
