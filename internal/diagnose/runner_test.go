package diagnose

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// scripted is a provider whose answers the test sets: a provider is the
// runner's input, and the real model servers have their own fakes.
type scripted struct {
	name  string
	raw   func(req Request) json.RawMessage
	err   error
	usage ticket.Usage
	calls int
}

func (s *scripted) Name() string { return s.name }
func (s *scripted) Diagnose(_ context.Context, req Request) (Answer, error) {
	s.calls++
	if s.err != nil {
		return Answer{Usage: s.usage}, s.err
	}
	return Answer{Raw: s.raw(req), Model: s.name + "-model", Usage: s.usage}, nil
}

// gatherer gives every ticket the test context, or fails.
type gatherer struct{ err error }

func (g *gatherer) Gather(_ context.Context, t ticket.Ticket, _ []ticket.Ticket, now time.Time) (*subject.Context, error) {
	if g.err != nil {
		return nil, g.err
	}
	c := testContext()
	c.Ticket, c.GatheredAt = t, now
	return c, nil
}

type rig struct {
	t      *testing.T
	st     *sqlite.Store
	now    time.Time
	rules  *scripted
	model  *scripted
	gather *gatherer
	reg    *prometheus.Registry
	run    *Runner
}

func newRig(t *testing.T, withModel bool, cfg Config) *rig {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "op.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &rig{t: t, st: st, now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), gather: &gatherer{}, reg: prometheus.NewRegistry()}
	r.rules = &scripted{name: "rules", raw: func(Request) json.RawMessage { return answer(t, nil) }}
	var model Provider
	if withModel {
		r.model = &scripted{name: "anthropic", raw: func(Request) json.RawMessage { return answer(t, nil) },
			usage: ticket.Usage{InputTokens: 1000, OutputTokens: 200, CostUSD: 0.01, Attempts: 1}}
		model = r.model
	}
	r.run, err = NewRunner(cfg, st, r.rules, model, nil, NewMetrics(r.reg), func() time.Time { return r.now })
	if err != nil {
		t.Fatal(err)
	}
	r.run.AddSubject("tikv", r.gather, testActions)
	return r
}

// open reports a problem to the store as the monitor would.
func (r *rig) open(sev ticket.Severity, phase string) ticket.Ticket {
	r.t.Helper()
	tk, _, err := r.st.OpenOrTouch(context.Background(), ticket.Ticket{
		DedupKey: "hot-write-region/region=49", Invariant: "hot-write-region", Subject: "tikv", Severity: sev,
		State: ticket.Open, Summary: "region 49 is write-hot", Labels: map[string]string{"region": "49"},
		Evidence:  map[string]any{"phase": phase, "bytes_per_second": float64(r.now.Unix() % 1000), "leader_store_id": 1},
		FirstSeen: r.now, LastSeen: r.now, Occurrences: 1,
	}, time.Hour, r.now)
	if err != nil {
		r.t.Fatal(err)
	}
	return tk
}

func (r *rig) once() Round {
	r.t.Helper()
	round, err := r.run.Once(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return round
}

func (r *rig) latest(id ticket.ID) []ticket.DiagnosisRecord {
	r.t.Helper()
	recs, err := r.st.LatestDiagnoses(context.Background(), id)
	if err != nil {
		r.t.Fatal(err)
	}
	return recs
}

func TestRunnerDiagnosesOnceUntilEvidenceChanges(t *testing.T) {
	r := newRig(t, false, Config{RediagnoseAfter: 5 * time.Minute})
	tk := r.open(ticket.Warning, "hot")
	if round := r.once(); len(round.Diagnosed) != 1 {
		t.Fatalf("first pass: %+v", round)
	}
	recs := r.latest(tk.ID)
	if len(recs) != 1 || recs[0].Provider != "rules" || recs[0].Status != ticket.DiagnosisOK || recs[0].Diagnosis.Proposal == nil {
		t.Fatalf("records: %+v", recs)
	}
	got, _ := r.st.Get(context.Background(), tk.ID)
	if got.State != ticket.Diagnosed {
		t.Errorf("ticket state %s, want diagnosed", got.State)
	}
	// A number moving is not material: no new round, however long.
	r.now = r.now.Add(time.Hour)
	r.open(ticket.Warning, "hot")
	if round := r.once(); len(round.Diagnosed) != 0 || r.rules.calls != 1 {
		t.Fatalf("re-diagnosed on a number: %+v, %d calls", round, r.rules.calls)
	}
	// Another material change (a phase) waits RediagnoseAfter...
	r.open(ticket.Warning, "cooling")
	r.run.cfg.RediagnoseAfter = 2 * time.Hour
	if round := r.once(); len(round.Diagnosed) != 0 {
		t.Fatalf("re-diagnosed too soon: %+v", round)
	}
	// ...and past it, a new round.
	r.run.cfg.RediagnoseAfter = 5 * time.Minute
	if round := r.once(); len(round.Diagnosed) != 1 {
		t.Fatalf("material change not re-diagnosed: %+v", round)
	}
	if recs := r.latest(tk.ID); len(recs) != 1 || recs[0].Round != 2 {
		t.Fatalf("second round: %+v", recs)
	}
	// A severity rise does not wait.
	r.run.cfg.RediagnoseAfter = 2 * time.Hour
	r.open(ticket.Critical, "cooling")
	if round := r.once(); len(round.Diagnosed) != 1 {
		t.Fatalf("severity rise waited: %+v", round)
	}
}

func TestRunnerSurvivesTheModelBeingDown(t *testing.T) {
	r := newRig(t, true, Config{})
	r.model.err = errors.New("anthropic: diagnose ticket 1: 529 overloaded_error after 4 attempts")
	tk := r.open(ticket.Warning, "hot")
	r.once()
	recs := r.latest(tk.ID)
	if len(recs) != 2 || recs[0].Status != ticket.DiagnosisOK || recs[1].Status != ticket.DiagnosisFailed || !strings.Contains(recs[1].Error, "overloaded") {
		t.Fatalf("records: %+v", recs)
	}
	if recs[0].Disputed || recs[1].Disputed {
		t.Error("a failed model cannot dispute")
	}
	if n := testutil.ToFloat64(r.run.metrics.records.WithLabelValues("anthropic", "failed")); n != 1 {
		t.Errorf("failed attempts counted %v", n)
	}
}

func TestRunnerMarksDisagreementDisputed(t *testing.T) {
	r := newRig(t, true, Config{})
	r.model.raw = func(Request) json.RawMessage {
		return answer(t, func(m map[string]any) {
			m["confidence"] = 0.95
			params(m)["to_store_id"] = 2 // the rules said store 4
		})
	}
	tk := r.open(ticket.Warning, "hot")
	r.once()
	recs := r.latest(tk.ID)
	if len(recs) != 2 || !recs[0].Disputed || !recs[1].Disputed {
		t.Fatalf("not disputed: %+v", recs)
	}
	if c := recs[1].Diagnosis.Confidence; c != DisputedConfidenceCap {
		t.Errorf("model confidence %v, want capped at %v", c, DisputedConfidenceCap)
	}
	if c := recs[0].Diagnosis.Confidence; c != 0.8 {
		t.Errorf("rules confidence changed to %v", c)
	}
}

func TestRunnerAgreementIsNotDisputed(t *testing.T) {
	r := newRig(t, true, Config{})
	r.model.raw = func(Request) json.RawMessage {
		return answer(t, func(m map[string]any) { params(m)["to_store_id"] = 4.0 }) // same store, other number form
	}
	tk := r.open(ticket.Warning, "hot")
	r.once()
	if recs := r.latest(tk.ID); recs[0].Disputed || recs[1].Disputed {
		t.Fatalf("agreement marked disputed: %+v", recs)
	}
}

func TestRunnerRecordsRefusalOfAHallucinatedStore(t *testing.T) {
	r := newRig(t, true, Config{})
	r.model.raw = func(Request) json.RawMessage {
		return answer(t, func(m map[string]any) { params(m)["to_store_id"] = 99 })
	}
	tk := r.open(ticket.Warning, "hot")
	r.once()
	recs := r.latest(tk.ID)
	m := recs[1]
	if m.Status != ticket.DiagnosisProposalRefused || m.Diagnosis == nil || m.Diagnosis.Proposal != nil ||
		len(m.Refusals) == 0 || !strings.Contains(m.Refusals[0].Reason, "store 99") {
		t.Fatalf("model record: %+v", m)
	}
	if n := testutil.ToFloat64(r.run.metrics.refusals.WithLabelValues("anthropic", "proposed_action")); n != 1 {
		t.Errorf("refusals counted %v", n)
	}
}

func TestRunnerKeepsTheModelWithinBudget(t *testing.T) {
	r := newRig(t, true, Config{RediagnoseAfter: time.Minute, Budget: Budget{MaxTokens: 2400}})
	tk := r.open(ticket.Warning, "a")
	for _, phase := range []string{"b", "c", "d"} {
		r.now = r.now.Add(time.Hour)
		r.open(ticket.Warning, phase) // a material change each time
		r.once()
	}
	// 1200 tokens a call: after two calls the ticket has spent its 2400,
	// so the third round does not call the model.
	if r.model.calls != 2 {
		t.Fatalf("model called %d times, want 2", r.model.calls)
	}
	recs := r.latest(tk.ID)
	if recs[1].Status != ticket.DiagnosisFailed || !strings.Contains(recs[1].Error, "budget exhausted") || recs[0].Status != ticket.DiagnosisOK {
		t.Fatalf("over budget: %+v", recs)
	}
}

// When the context cannot be gathered (PD down), the ticket is still
// diagnosed, on the ticket alone, and gets a full round once PD answers.
func TestRunnerDiagnosesOnTheTicketAloneWhenGatherFails(t *testing.T) {
	r := newRig(t, false, Config{RediagnoseAfter: time.Minute})
	tk := r.open(ticket.Warning, "hot")
	r.gather.err = errors.New("pd: GET /pd/api/v1/stores: connection refused")
	var kinds []string
	r.rules.raw = func(req Request) json.RawMessage {
		kinds = kinds[:0]
		for _, e := range req.Context.Evidence {
			kinds = append(kinds, e.Kind)
		}
		return answer(t, func(m map[string]any) { m["evidence_ids"] = []any{"e1"}; m["proposed_action"] = nil })
	}
	if round := r.once(); len(round.Diagnosed) != 1 {
		t.Fatalf("round: %+v", round)
	}
	if strings.Join(kinds, ",") != "ticket,unavailable" {
		t.Fatalf("context kinds %v", kinds)
	}
	r.gather.err = nil
	if round := r.once(); len(round.Diagnosed) != 0 {
		t.Fatalf("retried before RediagnoseAfter: %+v", round)
	}
	r.now = r.now.Add(2 * time.Minute)
	if round := r.once(); len(round.Diagnosed) != 1 {
		t.Fatalf("no full round once PD answers: %+v", round)
	}
	if recs := r.latest(tk.ID); recs[0].Round != 2 {
		t.Fatalf("records %+v", recs)
	}
}

// A model that gave no answer is asked again once settled, even with the
// same evidence; one out of budget is not.
func TestRunnerRetriesAFailedModel(t *testing.T) {
	r := newRig(t, true, Config{RediagnoseAfter: time.Minute})
	tk := r.open(ticket.Warning, "hot")
	r.model.err = errors.New("anthropic: 529 overloaded_error")
	r.once()
	r.model.err = nil
	r.now = r.now.Add(2 * time.Minute)
	if round := r.once(); len(round.Diagnosed) != 1 || r.model.calls != 2 {
		t.Fatalf("failed model not retried: %+v, %d calls", round, r.model.calls)
	}
	if recs := r.latest(tk.ID); recs[1].Status != ticket.DiagnosisOK {
		t.Fatalf("records %+v", recs)
	}
	r.now = r.now.Add(2 * time.Minute)
	if round := r.once(); len(round.Diagnosed) != 0 {
		t.Fatalf("an answered round was repeated: %+v", round)
	}
}

// A server reporting negative usage does not break the round.
func TestRunnerSanitizesUsage(t *testing.T) {
	r := newRig(t, true, Config{})
	r.model.usage = ticket.Usage{InputTokens: -5, OutputTokens: 10, CostUSD: -1}
	tk := r.open(ticket.Warning, "hot")
	if round := r.once(); len(round.Diagnosed) != 1 {
		t.Fatalf("round: %+v", round)
	}
	if u := r.latest(tk.ID)[1].Usage; u.InputTokens != 0 || u.OutputTokens != 10 || u.CostUSD != 0 {
		t.Fatalf("usage %+v", u)
	}
}

func TestRunnerLeavesResolvedTicketsAlone(t *testing.T) {
	r := newRig(t, false, Config{})
	tk := r.open(ticket.Warning, "hot")
	if _, err := r.st.Resolve(context.Background(), tk.ID, "fixed by hand", r.now); err != nil {
		t.Fatal(err)
	}
	if round := r.once(); len(round.Diagnosed)+len(round.Errors) != 0 || r.rules.calls != 0 {
		t.Fatalf("diagnosed a resolved ticket: %+v", round)
	}
}

// A subject that cannot gather still gets its tickets diagnosed, on the
// ticket alone.
func TestRunnerDiagnosesOtherSubjectsOnTheTicket(t *testing.T) {
	r := newRig(t, false, Config{})
	r.rules.raw = func(req Request) json.RawMessage {
		if req.Context.Evidence[0].Kind != "ticket" || len(req.Actions) != 0 {
			t.Errorf("context %+v, actions %v", req.Context.Evidence, req.Actions)
		}
		return answer(t, func(m map[string]any) { m["evidence_ids"] = []any{"e1"}; m["proposed_action"] = nil })
	}
	now := r.now
	tk, _, err := r.st.OpenOrTouch(context.Background(), ticket.Ticket{DedupKey: "alert:Disk/instance=x", Invariant: "Disk",
		Subject: "alertmanager", Severity: ticket.Warning, State: ticket.Open, Summary: "disk", FirstSeen: now, LastSeen: now, Occurrences: 1}, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	r.once()
	if recs := r.latest(tk.ID); len(recs) != 1 || recs[0].Status != ticket.DiagnosisOK {
		t.Fatalf("%+v", recs)
	}
}

// A reopened ticket is diagnosed again, even with the same evidence.
func TestRunnerDiagnosesAReopenedTicketAgain(t *testing.T) {
	r := newRig(t, false, Config{RediagnoseAfter: time.Minute})
	tk := r.open(ticket.Warning, "hot")
	r.once()
	r.now = r.now.Add(10 * time.Minute)
	if _, err := r.st.Resolve(context.Background(), tk.ID, "auto-resolved", r.now); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(10 * time.Minute)
	r.open(ticket.Warning, "hot") // back within the reopen window, same evidence
	if round := r.once(); len(round.Diagnosed) != 1 {
		t.Fatalf("reopened ticket not diagnosed again: %+v", round)
	}
}

// failingSave is the real store whose SaveDiagnoses fails, as a full disk
// would make it.
type failingSave struct{ *sqlite.Store }

func (failingSave) SaveDiagnoses(context.Context, ticket.ID, []ticket.DiagnosisRecord, time.Time) (ticket.Ticket, error) {
	return ticket.Ticket{}, errors.New("database or disk is full")
}

// A round that cannot be saved is not rerun (and paid for) every pass.
func TestRunnerBacksOffWhenSavingFails(t *testing.T) {
	r := newRig(t, true, Config{RediagnoseAfter: time.Minute})
	run, err := NewRunner(Config{RediagnoseAfter: time.Minute}, failingSave{r.st}, r.rules, r.model, nil, nil, func() time.Time { return r.now })
	if err != nil {
		t.Fatal(err)
	}
	run.AddSubject("tikv", r.gather, testActions)
	r.open(ticket.Warning, "hot")
	for i := 0; i < 3; i++ {
		round, err := run.Once(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && len(round.Errors) != 1 {
			t.Fatalf("the save failure was not reported: %+v", round)
		}
		r.now = r.now.Add(10 * time.Second)
	}
	if r.model.calls != 1 {
		t.Fatalf("model called %d times while saving failed, want 1", r.model.calls)
	}
	r.now = r.now.Add(time.Minute)
	run.Once(context.Background())
	if r.model.calls != 2 {
		t.Fatalf("not retried after the back-off: %d calls", r.model.calls)
	}
}
