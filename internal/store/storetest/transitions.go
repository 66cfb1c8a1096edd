package storetest

import (
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

func transitionCases() []testCase {
	return []testCase{
		{"TransitionsAllowedAndRefused", testTransitions},
		{"ManualReopenWhileAnotherIsActive", testManualReopenConflict},
		{"ResolveIsIdempotent", testResolveTwice},
		{"ResolveRules", testResolveRules},
	}
}

func testTransitions(t *testing.T, s store.Store) {
	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, base(), store.OutcomeOpened)
	steps := []struct {
		to        ticket.State
		ok        bool
		wantEvent ticket.EventKind
	}{
		{ticket.Diagnosed, true, ticket.EventDiagnosed},
		{ticket.Diagnosed, false, ""}, // no self-transition
		{ticket.Open, true, ticket.EventStateChanged},
		{ticket.Resolved, true, ticket.EventResolved},
		{ticket.Diagnosed, false, ""}, // resolved may only reopen
		{ticket.Resolved, false, ""},  // SetState is not idempotent; Resolve is
		{ticket.Open, true, ticket.EventReopened},
	}
	want := []ticket.EventKind{ticket.EventOpened}
	for i, st := range steps {
		now := base().Add(time.Duration(i+1) * time.Minute)
		before := get(t, s, tk.ID)
		got, err := s.SetState(t.Context(), tk.ID, st.to, "step", now)
		if !st.ok {
			wantErr(t, "SetState "+string(before.State)+" -> "+string(st.to), err, store.ErrConflict, ticket.ErrTransition)
			sameJSON(t, "ticket after a refused transition", get(t, s, tk.ID), before)
			wantKinds(t, s, tk.ID, want...)
			continue
		}
		if err != nil {
			t.Fatalf("SetState %s -> %s: %v", before.State, st.to, err)
		}
		if got.State != st.to {
			t.Fatalf("SetState returned state %s, want %s", got.State, st.to)
		}
		if (got.ResolvedAt != nil) != (st.to == ticket.Resolved) {
			t.Fatalf("state %s with ResolvedAt %v", got.State, got.ResolvedAt)
		}
		want = append(want, st.wantEvent)
		evs := wantKinds(t, s, tk.ID, want...)
		last := evs[len(evs)-1]
		sameTime(t, "event At", last.At, now)
		if last.Message != "step" {
			t.Fatalf("event message = %q, want %q", last.Message, "step")
		}
		sameJSON(t, "event data", last.Data, map[string]any{"from": string(before.State), "to": string(st.to)})
	}
	if final := get(t, s, tk.ID); final.ReopenCount != 1 || final.ResolvedAt != nil {
		t.Fatalf("after a manual reopen: %+v", final)
	}

	_, err := s.SetState(t.Context(), tk.ID, "executing", "", base())
	wantErr(t, "SetState to an unknown state", err, store.ErrInvalid)
	_, err = s.SetState(t.Context(), 999999, ticket.Diagnosed, "", base())
	wantErr(t, "SetState of a missing ticket", err, store.ErrNotFound)
}

func testManualReopenConflict(t *testing.T, s store.Store) {
	v := violation("store-down", "4", ticket.Critical)
	old := observeWant(t, s, v, 0, base(), store.OutcomeOpened)
	if _, err := s.Resolve(t.Context(), old.ID, "cleared", base()); err != nil {
		t.Fatal(err)
	}
	active := observeWant(t, s, v, 0, base().Add(time.Minute), store.OutcomeOpened)
	_, err := s.SetState(t.Context(), old.ID, ticket.Open, "reopen by hand", base().Add(2*time.Minute))
	wantErr(t, "reopening while another ticket holds the key", err, store.ErrConflict)
	if got := get(t, s, old.ID); got.State != ticket.Resolved {
		t.Fatalf("refused reopen left the old ticket %s", got.State)
	}
	if got, err := s.GetByKey(t.Context(), v.DedupKey); err != nil || got.ID != active.ID {
		t.Fatalf("GetByKey = %d, %v; want %d", got.ID, err, active.ID)
	}
}

func testResolveTwice(t *testing.T, s store.Store) {
	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, base(), store.OutcomeOpened)
	first, err := s.Resolve(t.Context(), tk.ID, "invariant cleared", base().Add(time.Minute))
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if first.State != ticket.Resolved || first.ResolvedAt == nil {
		t.Fatalf("resolved ticket = %+v", first)
	}
	sameTime(t, "ResolvedAt", *first.ResolvedAt, base().Add(time.Minute))
	evs := wantKinds(t, s, tk.ID, ticket.EventOpened, ticket.EventResolved)
	if evs[1].Message != "invariant cleared" {
		t.Fatalf("resolved event message = %q", evs[1].Message)
	}

	second, err := s.Resolve(t.Context(), tk.ID, "resolved by hand", base().Add(2*time.Minute))
	if err != nil {
		t.Fatalf("second Resolve: %v (Resolve must be idempotent)", err)
	}
	sameJSON(t, "ticket after second Resolve", second, first)
	wantKinds(t, s, tk.ID, ticket.EventOpened, ticket.EventResolved)
	if _, err := s.GetByKey(t.Context(), tk.DedupKey); err == nil {
		t.Fatal("GetByKey found a resolved ticket")
	} else {
		wantErr(t, "GetByKey of a resolved key", err, store.ErrNotFound)
	}
}

func testResolveRules(t *testing.T, s store.Store) {
	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, base(), store.OutcomeOpened)
	_, err := s.Resolve(t.Context(), tk.ID, "", base())
	wantErr(t, "Resolve without a reason", err, store.ErrInvalid)
	_, err = s.Resolve(t.Context(), 999999, "cleared", base())
	wantErr(t, "Resolve of a missing ticket", err, store.ErrNotFound)

	if _, err := s.SetState(t.Context(), tk.ID, ticket.Diagnosed, "disk failure", base()); err != nil {
		t.Fatal(err)
	}
	got, err := s.Resolve(t.Context(), tk.ID, "cleared", base().Add(time.Second))
	if err != nil || got.State != ticket.Resolved {
		t.Fatalf("Resolve from diagnosed = %s, %v", got.State, err)
	}
}
