package storetest

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

func diagnosisCases() []testCase {
	return []testCase{
		{"DiagnosesRoundsAreNumberedPerTicket", testDiagnosisRounds},
		{"DiagnosisRecordRoundTrip", testDiagnosisRoundTrip},
		{"DiagnosesInvalidRecordStoresNoneOfTheRound", testDiagnosisInvalidBatch},
		{"DiagnosesMoveOpenToDiagnosed", testDiagnosisTransitions},
		{"DiagnosesOfResolvedTicketRefused", testDiagnosisResolved},
		{"DiagnosesOfMissingTicket", testDiagnosisNotFound},
		{"DiagnosisSpendSumsEveryRecord", testDiagnosisSpend},
		{"ConcurrentRoundsGetDistinctNumbers", testDiagnosisConcurrentRounds},
	}
}

// okRecord is a usable diagnosis from provider, proposing action (none if "").
func okRecord(provider, action string, at time.Time) ticket.DiagnosisRecord {
	d := &ticket.Diagnosis{Summary: "store 4 is down", Cause: "the tikv-server process exited",
		EvidenceIDs: []string{"e1"}, Confidence: 0.8, Severity: ticket.Critical}
	if action != "" {
		d.Proposal = &ticket.Proposal{Type: action, Params: map[string]any{"region_id": 42, "to_store_id": 5},
			Rationale: "store 5 is healthy", Urgency: "soon", ExpectedOutcome: "leaders move off store 4"}
	}
	return ticket.DiagnosisRecord{At: at, Provider: provider, Status: ticket.DiagnosisOK, Diagnosis: d, EvidenceDigest: "digest-1"}
}

func proposalRefusedRecord(provider string, at time.Time) ticket.DiagnosisRecord {
	r := okRecord(provider, "", at)
	r.Status = ticket.DiagnosisProposalRefused
	r.Refusals = []ticket.Refusal{{Field: "proposed_action.params.to_store_id", Reason: "store 99 is not in this ticket's context"}}
	return r
}

func failedRecord(provider string, at time.Time) ticket.DiagnosisRecord {
	return ticket.DiagnosisRecord{At: at, Provider: provider, Status: ticket.DiagnosisFailed, Error: "timed out after 30s",
		EvidenceDigest: "digest-1", Usage: ticket.Usage{Attempts: 3}}
}

func refusedRecord(provider string, at time.Time) ticket.DiagnosisRecord {
	return ticket.DiagnosisRecord{At: at, Provider: provider, Status: ticket.DiagnosisRefused, EvidenceDigest: "digest-1",
		Refusals: []ticket.Refusal{{Field: "evidence_ids", Reason: `cites "e9", which the context never gave`}}}
}

func save(t *testing.T, s store.Store, id ticket.ID, now time.Time, recs ...ticket.DiagnosisRecord) ticket.Ticket {
	t.Helper()
	got, err := s.SaveDiagnoses(t.Context(), id, recs, now)
	if err != nil {
		t.Fatalf("SaveDiagnoses(%d): %v", id, err)
	}
	return got
}

func diagnoses(t *testing.T, s store.Store, id ticket.ID) []ticket.DiagnosisRecord {
	t.Helper()
	ds, err := s.Diagnoses(t.Context(), id)
	if err != nil {
		t.Fatalf("Diagnoses(%d): %v", id, err)
	}
	return ds
}

func latest(t *testing.T, s store.Store, id ticket.ID) []ticket.DiagnosisRecord {
	t.Helper()
	ds, err := s.LatestDiagnoses(t.Context(), id)
	if err != nil {
		t.Fatalf("LatestDiagnoses(%d): %v", id, err)
	}
	return ds
}

// rounds lists "round provider" for each record, in order.
func rounds(ds []ticket.DiagnosisRecord) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = strconv.Itoa(d.Round) + " " + d.Provider
	}
	return out
}

func wantRounds(t *testing.T, what string, ds []ticket.DiagnosisRecord, want ...string) {
	t.Helper()
	if got := rounds(ds); !slices.Equal(got, want) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

func testDiagnosisRounds(t *testing.T, s store.Store) {
	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, base(), store.OutcomeOpened)
	other := observeWant(t, s, violation("store-down", "5", ticket.Critical), window, base(), store.OutcomeOpened)
	at := base().Add(time.Minute)

	first := okRecord("rules", "transfer_leader", at)
	first.Round, first.ID = 7, 99 // the store assigns both
	save(t, s, tk.ID, at, first, proposalRefusedRecord("anthropic", at))
	save(t, s, other.ID, at, okRecord("rules", "", at)) // rounds count per ticket
	save(t, s, tk.ID, at.Add(time.Minute), failedRecord("openai", at.Add(time.Minute)))

	all := diagnoses(t, s, tk.ID)
	wantRounds(t, "Diagnoses", all, "1 rules", "1 anthropic", "2 openai")
	seen := map[int64]bool{}
	for _, d := range all {
		if d.ID <= 0 || seen[d.ID] || d.ID == 99 || d.TicketID != tk.ID {
			t.Fatalf("record %+v: want a fresh store-assigned ID and ticket %d", d, tk.ID)
		}
		seen[d.ID] = true
	}
	wantRounds(t, "LatestDiagnoses", latest(t, s, tk.ID), "2 openai")
	wantRounds(t, "Diagnoses of the other ticket", diagnoses(t, s, other.ID), "1 rules")

	// One event per round, summarizing it.
	evs := wantKinds(t, s, tk.ID, ticket.EventOpened, ticket.EventDiagnosed, ticket.EventNote)
	want := "diagnosed: rules ok (proposes transfer_leader), anthropic proposal refused " +
		"(proposed_action.params.to_store_id: store 99 is not in this ticket's context)"
	if evs[1].Message != want {
		t.Fatalf("round 1 event message:\n got  %q\n want %q", evs[1].Message, want)
	}
	sameTime(t, "round 1 event At", evs[1].At, at)
	if want := "diagnosis round 2 found nothing usable: openai failed (timed out after 30s)"; evs[2].Message != want {
		t.Fatalf("round 2 event message:\n got  %q\n want %q", evs[2].Message, want)
	}
	sameJSON(t, "round 2 event data", evs[2].Data, map[string]any{"round": 2})
}

func testDiagnosisRoundTrip(t *testing.T, s store.Store) {
	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, base(), store.OutcomeOpened)
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	at := time.Date(2026, 3, 1, 17, 31, 0, 123456789, zone)
	rec := ticket.DiagnosisRecord{
		At: at, Provider: "anthropic", Model: "claude-sonnet-4-5", Status: ticket.DiagnosisProposalRefused,
		Diagnosis: &ticket.Diagnosis{
			Summary: "Store 4 stopped heartbeating; its leaders are unavailable", Cause: "диск заполнен \"quoted\"\nsecond line",
			EvidenceIDs: []string{"e1", "e3"}, Confidence: 0.35, Severity: ticket.Warning,
			Risks: []string{"leader transfer adds load to store 5"},
			Proposal: &ticket.Proposal{Type: "transfer_leader",
				Params:    map[string]any{"region_id": int64(9007199254740993), "to_store_id": 5, "note": "x"},
				Rationale: "store 5 is up", Urgency: "immediate", ExpectedOutcome: "region 9007199254740993 serves again"},
			Alternatives: []ticket.Alternative{
				{Type: "none", WhyNot: "the region has no leader"},
				{Type: "add_peer", Params: map[string]any{"store_id": 6, "ratio": 0.5}, WhyNot: "slower"},
			},
		},
		Refusals:       []ticket.Refusal{{Field: "proposed_action.params.to_store_id", Reason: "store 99 is unknown"}, {Field: "alternatives[2]", Reason: "dropped"}},
		Disputed:       true,
		Usage:          ticket.Usage{InputTokens: 12345, OutputTokens: 678, CostUSD: 0.0421, Attempts: 2},
		EvidenceDigest: "sha256:abc",
	}
	failed := ticket.DiagnosisRecord{At: at, Provider: "openai", Status: ticket.DiagnosisFailed, Error: "HTTP 529: overloaded",
		Usage: ticket.Usage{Attempts: 4}}
	save(t, s, tk.ID, base(), rec, failed)

	got := diagnoses(t, s, tk.ID)
	if len(got) != 2 {
		t.Fatalf("Diagnoses returned %d records, want 2", len(got))
	}
	for i, want := range []ticket.DiagnosisRecord{rec, failed} {
		closeTo(t, "record At", got[i].At, at)
		want.ID, want.TicketID, want.Round, want.At = got[i].ID, tk.ID, 1, got[i].At
		sameJSON(t, "record read back", got[i], want)
	}
	if got[1].Diagnosis != nil || got[1].Refusals != nil {
		t.Fatalf("a failed record came back with a diagnosis or refusals: %+v", got[1])
	}
	// 64-bit IDs in params survive exactly (as json.Number, like evidence).
	if n, ok := got[0].Diagnosis.Proposal.Params["region_id"].(json.Number); !ok || n.String() != "9007199254740993" {
		t.Fatalf("region_id = %#v, want json.Number 9007199254740993", got[0].Diagnosis.Proposal.Params["region_id"])
	}
	sameJSON(t, "LatestDiagnoses", latest(t, s, tk.ID), got)
}

func testDiagnosisInvalidBatch(t *testing.T, s store.Store) {
	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, base(), store.OutcomeOpened)
	other := observeWant(t, s, violation("store-down", "5", ticket.Critical), window, base(), store.OutcomeOpened)
	at := base().Add(time.Minute)
	good := okRecord("rules", "transfer_leader", at)
	cases := []struct {
		name string
		bad  func() ticket.DiagnosisRecord
	}{
		{"ok without a diagnosis", func() ticket.DiagnosisRecord { r := okRecord("x", "", at); r.Diagnosis = nil; return r }},
		{"diagnosis without a cause", func() ticket.DiagnosisRecord { r := okRecord("x", "", at); r.Diagnosis.Cause = " "; return r }},
		{"confidence above 1", func() ticket.DiagnosisRecord { r := okRecord("x", "", at); r.Diagnosis.Confidence = 1.5; return r }},
		{"proposal refused without a reason", func() ticket.DiagnosisRecord { r := proposalRefusedRecord("x", at); r.Refusals = nil; return r }},
		{"failed without an error", func() ticket.DiagnosisRecord { r := failedRecord("x", at); r.Error = ""; return r }},
		{"unknown status", func() ticket.DiagnosisRecord { r := okRecord("x", "", at); r.Status = "maybe"; return r }},
		{"no provider", func() ticket.DiagnosisRecord { return okRecord("", "", at) }},
		{"no time", func() ticket.DiagnosisRecord { return okRecord("x", "", time.Time{}) }},
		{"for another ticket", func() ticket.DiagnosisRecord { r := okRecord("x", "", at); r.TicketID = other.ID; return r }},
		{"negative tokens", func() ticket.DiagnosisRecord { r := okRecord("x", "", at); r.Usage.InputTokens = -1; return r }},
		{"cost not a number", func() ticket.DiagnosisRecord { r := okRecord("x", "", at); r.Usage.CostUSD = math.NaN(); return r }},
		{"params not JSON", func() ticket.DiagnosisRecord {
			r := okRecord("x", "transfer_leader", at)
			r.Diagnosis.Proposal.Params["f"] = func() {}
			return r
		}},
	}
	for _, tc := range cases {
		// The bad record comes last: the good one before it must not be kept.
		_, err := s.SaveDiagnoses(t.Context(), tk.ID, []ticket.DiagnosisRecord{good, tc.bad()}, at)
		wantErr(t, tc.name, err, store.ErrInvalid)
	}
	_, err := s.SaveDiagnoses(t.Context(), tk.ID, nil, at)
	wantErr(t, "an empty round", err, store.ErrInvalid)

	if ds := diagnoses(t, s, tk.ID); len(ds) != 0 {
		t.Fatalf("refused rounds stored %d records", len(ds))
	}
	if got := get(t, s, tk.ID); got.State != ticket.Open {
		t.Fatalf("refused rounds moved the ticket to %s", got.State)
	}
	wantKinds(t, s, tk.ID, ticket.EventOpened)
	if u, err := s.DiagnosisSpend(t.Context(), tk.ID); err != nil || u != (ticket.Usage{}) {
		t.Fatalf("spend after refused rounds = %+v, %v", u, err)
	}
	// Refused rounds took no round number.
	save(t, s, tk.ID, at, good)
	wantRounds(t, "Diagnoses after a good round", diagnoses(t, s, tk.ID), "1 rules")
}

func testDiagnosisTransitions(t *testing.T, s store.Store) {
	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, base(), store.OutcomeOpened)
	at := func(m int) time.Time { return base().Add(time.Duration(m) * time.Minute) }
	steps := []struct {
		name      string
		recs      []ticket.DiagnosisRecord
		wantState ticket.State
		wantKind  ticket.EventKind
		wantData  map[string]any
	}{
		{"nothing usable leaves it open", []ticket.DiagnosisRecord{failedRecord("anthropic", at(1)), refusedRecord("openai", at(1))},
			ticket.Open, ticket.EventNote, map[string]any{"round": 1}},
		{"a refused proposal is still a diagnosis", []ticket.DiagnosisRecord{failedRecord("anthropic", at(2)), proposalRefusedRecord("openai", at(2))},
			ticket.Diagnosed, ticket.EventDiagnosed, map[string]any{"round": 2, "from": "open", "to": "diagnosed"}},
		{"diagnosed stays diagnosed", []ticket.DiagnosisRecord{okRecord("rules", "transfer_leader", at(3))},
			ticket.Diagnosed, ticket.EventDiagnosed, map[string]any{"round": 3}},
		{"a failed round keeps the diagnosis", []ticket.DiagnosisRecord{failedRecord("anthropic", at(4))},
			ticket.Diagnosed, ticket.EventNote, map[string]any{"round": 4}},
	}
	want := []ticket.EventKind{ticket.EventOpened}
	for i, st := range steps {
		got := save(t, s, tk.ID, at(i+1), st.recs...)
		if got.State != st.wantState || get(t, s, tk.ID).State != st.wantState {
			t.Fatalf("%s: ticket is %s, want %s", st.name, got.State, st.wantState)
		}
		want = append(want, st.wantKind)
		evs := wantKinds(t, s, tk.ID, want...)
		sameJSON(t, st.name+": event data", evs[len(evs)-1].Data, st.wantData)
	}

	// A reopened ticket is open again and its next round diagnoses it anew.
	if _, err := s.Resolve(t.Context(), tk.ID, "invariant cleared", at(10)); err != nil {
		t.Fatal(err)
	}
	back := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, at(11), store.OutcomeReopened)
	if back.State != ticket.Open {
		t.Fatalf("a diagnosed ticket reopened as %s, want open", back.State)
	}
	if got := save(t, s, tk.ID, at(12), okRecord("rules", "", at(12))); got.State != ticket.Diagnosed {
		t.Fatalf("round after the reopen left the ticket %s", got.State)
	}
	wantRounds(t, "LatestDiagnoses after the reopen", latest(t, s, tk.ID), "5 rules")
}

func testDiagnosisResolved(t *testing.T, s store.Store) {
	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, base(), store.OutcomeOpened)
	save(t, s, tk.ID, base(), okRecord("rules", "", base()))
	resolved, err := s.Resolve(t.Context(), tk.ID, "invariant cleared", base().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range []ticket.DiagnosisRecord{okRecord("rules", "", base()), failedRecord("openai", base())} {
		_, err := s.SaveDiagnoses(t.Context(), tk.ID, []ticket.DiagnosisRecord{rec}, base().Add(2*time.Minute))
		wantErr(t, "SaveDiagnoses on a resolved ticket ("+string(rec.Status)+")", err, store.ErrConflict, ticket.ErrTransition)
	}
	sameJSON(t, "resolved ticket after refused rounds", get(t, s, tk.ID), resolved)
	wantKinds(t, s, tk.ID, ticket.EventOpened, ticket.EventDiagnosed, ticket.EventResolved)
	wantRounds(t, "Diagnoses", diagnoses(t, s, tk.ID), "1 rules")
}

func testDiagnosisNotFound(t *testing.T, s store.Store) {
	const missing = ticket.ID(999999)
	_, err := s.SaveDiagnoses(t.Context(), missing, []ticket.DiagnosisRecord{okRecord("rules", "", base())}, base())
	wantErr(t, "SaveDiagnoses of a missing ticket", err, store.ErrNotFound)
	_, err = s.Diagnoses(t.Context(), missing)
	wantErr(t, "Diagnoses of a missing ticket", err, store.ErrNotFound)
	_, err = s.LatestDiagnoses(t.Context(), missing)
	wantErr(t, "LatestDiagnoses of a missing ticket", err, store.ErrNotFound)
	_, err = s.DiagnosisSpend(t.Context(), missing)
	wantErr(t, "DiagnosisSpend of a missing ticket", err, store.ErrNotFound)

	// An existing ticket never diagnosed has none, which is not an error.
	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, base(), store.OutcomeOpened)
	if ds := diagnoses(t, s, tk.ID); len(ds) != 0 {
		t.Fatalf("Diagnoses of a new ticket = %+v", ds)
	}
	if ds := latest(t, s, tk.ID); len(ds) != 0 {
		t.Fatalf("LatestDiagnoses of a new ticket = %+v", ds)
	}
}

func testDiagnosisSpend(t *testing.T, s store.Store) {
	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, base(), store.OutcomeOpened)
	other := observeWant(t, s, violation("store-down", "5", ticket.Critical), window, base(), store.OutcomeOpened)
	withUsage := func(r ticket.DiagnosisRecord, in, out int64, cost float64, attempts int) ticket.DiagnosisRecord {
		r.Usage = ticket.Usage{InputTokens: in, OutputTokens: out, CostUSD: cost, Attempts: attempts}
		return r
	}
	save(t, s, tk.ID, base(),
		withUsage(okRecord("anthropic", "", base()), 1000, 200, 0.013, 1),
		withUsage(failedRecord("openai", base()), 4000, 0, 0.002, 3),
		okRecord("rules", "", base())) // free
	save(t, s, other.ID, base(), withUsage(okRecord("anthropic", "", base()), 1<<40, 1<<40, 1000, 9))
	save(t, s, tk.ID, base().Add(time.Minute), withUsage(proposalRefusedRecord("anthropic", base()), 1500, 300, 0.02, 2))

	got, err := s.DiagnosisSpend(t.Context(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.InputTokens != 6500 || got.OutputTokens != 500 || got.Attempts != 6 || math.Abs(got.CostUSD-0.035) > 1e-9 {
		t.Fatalf("DiagnosisSpend = %+v, want 6500 in, 500 out, $0.035, 6 attempts", got)
	}
	if u, err := s.DiagnosisSpend(t.Context(), other.ID); err != nil || u.InputTokens != 1<<40 || u.CostUSD != 1000 {
		t.Fatalf("DiagnosisSpend of the other ticket = %+v, %v", u, err)
	}
	fresh := observeWant(t, s, violation("store-down", "6", ticket.Critical), window, base(), store.OutcomeOpened)
	if u, err := s.DiagnosisSpend(t.Context(), fresh.ID); err != nil || u != (ticket.Usage{}) {
		t.Fatalf("DiagnosisSpend of an undiagnosed ticket = %+v, %v", u, err)
	}
}

// testDiagnosisConcurrentRounds saves rounds from many goroutines at once:
// every round gets its own number and keeps all of its records together.
func testDiagnosisConcurrentRounds(t *testing.T, s store.Store) {
	tk := observeWant(t, s, violation("store-down", "4", ticket.Critical), window, base(), store.OutcomeOpened)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			at := base().Add(time.Duration(i) * time.Second)
			_, err := s.SaveDiagnoses(t.Context(), tk.ID, []ticket.DiagnosisRecord{okRecord("rules", "", at), failedRecord("anthropic", at)}, at)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent SaveDiagnoses: %v", err)
		}
	}
	all := diagnoses(t, s, tk.ID)
	if len(all) != 2*n {
		t.Fatalf("%d records, want %d", len(all), 2*n)
	}
	for i, d := range all {
		// Each round holds its own two records, written at one time.
		if want := i/2 + 1; d.Round != want || !d.At.Equal(all[i-i%2].At) {
			t.Fatalf("record %d = round %d at %v, want round %d at %v", i, d.Round, d.At, want, all[i-i%2].At)
		}
	}
	if evs := events(t, s, tk.ID); len(evs) != 1+n {
		t.Fatalf("%d events, want opened + one per round (%d)", len(evs), 1+n)
	}
}
