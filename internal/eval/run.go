package eval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/rules"
)

// Options tune a run.
type Options struct {
	// Prometheus is the prometheus binary for the scenarios that need one;
	// "" looks for it on PATH. Without one those scenarios are not run
	// (and counted apart, never as passes).
	Prometheus string
	// Timeout bounds one provider call, retries included (default 2m, the
	// runner's).
	Timeout time.Duration
	// Log receives the pipeline's own logs (monitor, runner); nil discards.
	Log *slog.Logger
	// Progress, when set, sees each scenario's result as it is judged.
	Progress func(Result)
	// TempDir holds each scenario's database and Prometheus data while it
	// runs ("" means os.TempDir()).
	TempDir string
}

// Run plays every scenario on its own simulated cluster and judges one
// provider's diagnosis of each scenario's ticket: model's when it is
// non-nil, else the rules provider's. Scenarios run one at a time, so a
// rules run is deterministic. The error is non-nil only when ctx ended;
// a scenario that cannot run is a Result with Error set.
func Run(ctx context.Context, scs []*Scenario, model diagnose.Provider, opts Options) (*Report, error) {
	start := time.Now()
	rep := &Report{Provider: rules.Name}
	if model != nil {
		rep.Provider = model.Name()
	}
	slots := map[*Scenario]*promSlot{}
	if bin := prometheusBinary(opts.Prometheus); bin != "" {
		for _, sc := range scs {
			if sc.Prometheus {
				slots[sc] = startPromSlot(ctx, bin, opts.TempDir, sc.Cluster.Stores)
			}
		}
	}
	defer func() {
		for _, s := range slots {
			s.close()
		}
	}()
	for _, sc := range scs {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("eval: %w", err)
		}
		res := runOne(ctx, sc, model, slots[sc], opts)
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("eval: %w", err)
		}
		if res.Record != nil && res.Record.Model != "" && rep.Model == "" {
			rep.Model = res.Record.Model
		}
		rep.Results = append(rep.Results, res)
		if opts.Progress != nil {
			opts.Progress(res)
		}
	}
	rep.Totals = total(rep.Results)
	rep.WallSeconds = time.Since(start).Seconds()
	return rep, nil
}

// runOne plays one scenario and judges the result.
func runOne(ctx context.Context, sc *Scenario, model diagnose.Provider, slot *promSlot, opts Options) (res Result) {
	start := time.Now()
	res = Result{Name: sc.Name, Description: sc.Description, File: sc.File, Ticket: sc.Expect.Ticket,
		Invariant: invariantOf(sc.Expect.Ticket), Expected: sc.Expect.Action}
	defer func() { res.WallSeconds = time.Since(start).Seconds() }()
	if sc.Prometheus && slot == nil {
		res.NotRun = "needs prometheus on PATH"
		return res
	}
	w, err := newWorld(ctx, sc, model, slot, opts)
	if err != nil {
		res.Error = fmt.Sprintf("set up: %v", err)
		return res
	}
	defer w.close()
	if err := w.play(ctx); err != nil {
		res.Error = err.Error()
		return res
	}
	judge(ctx, w, sc, &res)
	return res
}

// invariantOf is the invariant part of a dedup key.
func invariantOf(key string) string {
	inv, _, _ := strings.Cut(key, "/")
	return inv
}

// judge reads the ticket and the judged provider's latest record, and
// fills the verdicts.
func judge(ctx context.Context, w *world, sc *Scenario, res *Result) {
	t, err := w.store.GetByKey(ctx, sc.Expect.Ticket)
	if errors.Is(err, store.ErrNotFound) {
		res.Error = "no active ticket " + sc.Expect.Ticket + " at the end of the run" + ticketsNote(ctx, w)
		return
	}
	if err != nil {
		res.Error = err.Error()
		return
	}
	res.TicketFound = true
	res.Severity = t.Severity.String()
	recs, err := w.store.LatestDiagnoses(ctx, t.ID)
	if err != nil {
		res.Error = err.Error()
		return
	}
	var rec *ticket.DiagnosisRecord
	for i := range recs {
		if recs[i].Provider == w.judged.Name() {
			rec = &recs[i]
		}
	}
	if rec == nil {
		res.Error = fmt.Sprintf("ticket %s has no diagnosis by %s", sc.Expect.Ticket, w.judged.Name())
		if err := w.round.Errors[t.ID]; err != nil {
			res.Error += ": " + err.Error()
		}
		return
	}
	res.Record = recordView(rec)
	res.Proposed = w.judged.proposed()
	if res.Proposed == nil && rec.Diagnosis != nil && rec.Diagnosis.Proposal != nil {
		p := rec.Diagnosis.Proposal
		res.Proposed = &Proposal{Type: p.Type, Params: p.Params}
	}
	verdicts(sc.Expect, rec, res)
}

// ticketsNote lists the active tickets, to say what was raised instead.
func ticketsNote(ctx context.Context, w *world) string {
	ts, err := w.store.List(ctx, store.Filter{States: []ticket.State{ticket.Open, ticket.Diagnosed}})
	if err != nil || len(ts) == 0 {
		return " (no ticket is active)"
	}
	keys := make([]string, len(ts))
	for i, t := range ts {
		keys[i] = t.DedupKey
	}
	return " (active: " + strings.Join(keys, ", ") + ")"
}

// verdicts judges a record against the expectation.
//
//   - the action is right when the expected action is none and the
//     provider proposed nothing, or when the accepted proposal has the
//     expected type and parameters (a refused proposal never reaches the
//     cluster, so it is never right);
//   - the type is right when the provider proposed the expected type,
//     accepted or not (what precision counts);
//   - the parameters are right when a right-type proposal was accepted
//     with the expected parameters;
//   - the cause is right when every keyword is in probable_cause.
func verdicts(e Expect, rec *ticket.DiagnosisRecord, res *Result) {
	res.Status = string(rec.Status)
	d := rec.Diagnosis
	if d != nil {
		res.Cause = d.Cause
		low := strings.ToLower(d.Cause)
		for _, k := range e.Cause {
			if !strings.Contains(low, strings.ToLower(k)) {
				res.MissingCause = append(res.MissingCause, k)
			}
		}
		res.CauseRight = len(res.MissingCause) == 0
	} else {
		res.MissingCause = append(res.MissingCause, e.Cause...)
	}
	answered := rec.Status == ticket.DiagnosisOK || rec.Status == ticket.DiagnosisProposalRefused
	if e.Action.None {
		res.ActionRight = answered && res.Proposed == nil
	} else {
		res.TypeRight = res.Proposed != nil && res.Proposed.Type == e.Action.Type
		if res.TypeRight && d != nil && d.Proposal != nil && d.Proposal.Type == e.Action.Type {
			res.ParamsRight = paramsEqual(e.Action.Type, e.Action.Params, d.Proposal.Params)
		}
		res.ActionRight = res.ParamsRight
	}
	res.Correct = res.TicketFound && res.ActionRight && res.CauseRight
}
