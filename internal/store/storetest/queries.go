package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

func queryCases() []testCase {
	return []testCase{
		{"ListFiltersOrderAndLimit", testList},
		{"EventsTimelineOrder", testEventsOrder},
		{"AddEventRules", testAddEventRules},
		{"CountByState", testCountByState},
		{"MissingTickets", testMissing},
	}
}

func testList(t *testing.T, s store.Store) {
	at := func(m int) time.Time { return base().Add(time.Duration(m) * time.Minute) }
	// Seen at minutes 1..4; b and c share a LastSeen, so ID breaks the tie.
	a := observeWant(t, s, violation("store-down", "1", ticket.Critical), window, at(1), store.OutcomeOpened)
	b := observeWant(t, s, violation("store-low-space", "2", ticket.Warning), window, at(3), store.OutcomeOpened)
	c := observeWant(t, s, violation("store-down", "3", ticket.Critical), window, at(3), store.OutcomeOpened)
	alert := violation("latency", "9", ticket.Info)
	alert.Subject = "alertmanager"
	d := observeWant(t, s, alert, window, at(2), store.OutcomeOpened)
	// Touching a moves it to the top.
	observeWant(t, s, violation("store-down", "1", ticket.Critical), window, at(4), store.OutcomeUpdated)
	if _, err := s.SetState(t.Context(), b.ID, ticket.Diagnosed, "", at(5)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve(t.Context(), c.ID, "cleared", at(5)); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		f    store.Filter
		want []ticket.ID
	}{
		{"all, most recently seen first", store.Filter{}, []ticket.ID{a.ID, c.ID, b.ID, d.ID}},
		{"limit", store.Filter{Limit: 2}, []ticket.ID{a.ID, c.ID}},
		{"one state", store.Filter{States: []ticket.State{ticket.Open}}, []ticket.ID{a.ID, d.ID}},
		{"active states", store.Filter{States: []ticket.State{ticket.Open, ticket.Diagnosed}}, []ticket.ID{a.ID, b.ID, d.ID}},
		{"resolved", store.Filter{States: []ticket.State{ticket.Resolved}}, []ticket.ID{c.ID}},
		{"invariant", store.Filter{Invariant: "store-down"}, []ticket.ID{a.ID, c.ID}},
		{"subject", store.Filter{Subject: "alertmanager"}, []ticket.ID{d.ID}},
		{"dedup key", store.Filter{DedupKey: b.DedupKey}, []ticket.ID{b.ID}},
		{"since is inclusive", store.Filter{Since: at(3)}, []ticket.ID{a.ID, c.ID, b.ID}},
		{"combined", store.Filter{Invariant: "store-down", States: []ticket.State{ticket.Open}, Since: at(2)}, []ticket.ID{a.ID}},
		{"nothing matches", store.Filter{Invariant: "pd-unhealthy"}, nil},
	}
	for _, tc := range cases {
		got, err := s.List(t.Context(), tc.f)
		if err != nil {
			t.Fatalf("%s: List(%+v): %v", tc.name, tc.f, err)
		}
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("%s: List(%+v) = %v, want %v", tc.name, tc.f, ids(got), tc.want)
		}
	}

	for _, f := range []store.Filter{{States: []ticket.State{"closed"}}, {Limit: -1}} {
		_, err := s.List(t.Context(), f)
		wantErr(t, "List with a bad filter", err, store.ErrInvalid)
	}
}

func testEventsOrder(t *testing.T, s store.Store) {
	at := func(m int) time.Time { return base().Add(time.Duration(m) * time.Minute) }
	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, at(0), store.OutcomeOpened)
	add := func(m int, msg string) ticket.Event {
		t.Helper()
		e, err := s.AddEvent(t.Context(), ticket.Event{TicketID: tk.ID, At: at(m), Kind: ticket.EventNote, Message: msg,
			Data: map[string]any{"by": "test"}})
		if err != nil {
			t.Fatalf("AddEvent(%q): %v", msg, err)
		}
		if e.ID <= 0 || e.TicketID != tk.ID || e.Kind != ticket.EventNote || e.Message != msg {
			t.Fatalf("AddEvent returned %+v", e)
		}
		sameTime(t, "AddEvent At", e.At, at(m))
		return e
	}
	add(2, "second")
	if _, err := s.SetState(t.Context(), tk.ID, ticket.Diagnosed, "diagnosis", at(3)); err != nil {
		t.Fatal(err)
	}
	add(1, "first, written late")       // ordered by At, not by write order
	add(2, "tie, written after second") // equal At: write order
	stored := add(4, "last")

	evs := events(t, s, tk.ID)
	var got []string
	for _, e := range evs {
		got = append(got, string(e.Kind)+":"+e.Message)
	}
	want := []string{"opened:" + tk.Summary, "note:first, written late", "note:second", "note:tie, written after second",
		"diagnosed:diagnosis", "note:last"}
	if !slices.Equal(got, want) {
		t.Fatalf("timeline =\n %q\nwant\n %q", got, want)
	}
	sameJSON(t, "event as stored vs as listed", evs[len(evs)-1], stored)
}

func testAddEventRules(t *testing.T, s store.Store) {
	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, base(), store.OutcomeOpened)
	cases := []struct {
		name string
		e    ticket.Event
		want error
	}{
		{"lifecycle kind", ticket.Event{TicketID: tk.ID, At: base(), Kind: ticket.EventResolved}, store.ErrInvalid},
		{"unknown kind", ticket.Event{TicketID: tk.ID, At: base(), Kind: "seen-again"}, store.ErrInvalid},
		{"no time", ticket.Event{TicketID: tk.ID, Kind: ticket.EventNote}, store.ErrInvalid},
		{"missing ticket", ticket.Event{TicketID: 999999, At: base(), Kind: ticket.EventNote}, store.ErrNotFound},
	}
	for _, tc := range cases {
		_, err := s.AddEvent(t.Context(), tc.e)
		wantErr(t, "AddEvent "+tc.name, err, tc.want)
	}
	wantKinds(t, s, tk.ID, ticket.EventOpened)
	if got := get(t, s, tk.ID); got.State != ticket.Open {
		t.Fatalf("refused events changed the ticket: %+v", got)
	}
}

func testCountByState(t *testing.T, s store.Store) {
	count := func() map[ticket.State]int {
		t.Helper()
		c, err := s.CountByState(t.Context())
		if err != nil {
			t.Fatalf("CountByState: %v", err)
		}
		return c
	}
	empty := count()
	for _, st := range ticket.States() {
		if n, ok := empty[st]; !ok || n != 0 {
			t.Fatalf("empty store: count[%s] = %d, %v; want a zero entry", st, n, ok)
		}
	}
	var tks []ticket.Ticket
	for i, id := range []string{"1", "2", "3", "4", "5"} {
		tks = append(tks, observeWant(t, s, violation("store-down", id, ticket.Critical), window, base().Add(time.Duration(i)*time.Second), store.OutcomeOpened))
	}
	observeWant(t, s, violation("store-down", "1", ticket.Critical), window, base().Add(time.Minute), store.OutcomeUpdated)
	if _, err := s.SetState(t.Context(), tks[1].ID, ticket.Diagnosed, "", base()); err != nil {
		t.Fatal(err)
	}
	for _, tk := range tks[2:4] {
		if _, err := s.Resolve(t.Context(), tk.ID, "cleared", base()); err != nil {
			t.Fatal(err)
		}
	}
	got := count()
	want := map[ticket.State]int{ticket.Open: 2, ticket.Diagnosed: 1, ticket.Resolved: 2}
	for st, n := range want {
		if got[st] != n {
			t.Fatalf("CountByState = %v, want %v", got, want)
		}
	}
}

func testMissing(t *testing.T, s store.Store) {
	_, err := s.Get(t.Context(), 999999)
	wantErr(t, "Get of a missing ticket", err, store.ErrNotFound)
	_, err = s.GetByKey(t.Context(), "store-down/store=404")
	wantErr(t, "GetByKey of an unknown key", err, store.ErrNotFound)
	_, err = s.Events(t.Context(), 999999)
	wantErr(t, "Events of a missing ticket", err, store.ErrNotFound)
}
