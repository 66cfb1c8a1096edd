package execute

import (
	"context"
	"fmt"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/notify"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// ActorDiagnosis creates runs from diagnoses.
const ActorDiagnosis = "diagnosis"

// Rehearser is a driver that can also rehearse an action on a simulator
// loaded with a snapshot of the cluster (the predicted effect).
type Rehearser interface {
	Rehearse(ctx context.Context, name string, params map[string]any) (*action.Rehearsal, error)
}

// Propose turns the latest diagnosis round of every active ticket into a
// proposed run, dry-run against the cluster, unless that round was already
// proposed or the same action is already live for the ticket. An older
// proposal of the ticket is superseded. It returns the runs it created.
func (e *Executor) Propose(ctx context.Context) ([]action.Run, error) {
	ts, err := e.store.List(ctx, store.Filter{States: []ticket.State{ticket.Open, ticket.Diagnosed}})
	if err != nil {
		return nil, fmt.Errorf("propose: list active tickets: %w", err)
	}
	var out []action.Run
	for _, t := range ts {
		r, err := e.proposeFor(ctx, t)
		if err != nil {
			e.log.Warn("could not propose an action for a ticket; trying again next pass", "ticket", t.ID, "err", err)
			continue
		}
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, nil
}

func (e *Executor) proposeFor(ctx context.Context, t ticket.Ticket) (*action.Run, error) {
	s, ok := e.subjects[t.Subject]
	if !ok {
		return nil, nil // alert tickets and subjects without actions
	}
	recs, err := e.store.LatestDiagnoses(ctx, t.ID)
	if err != nil {
		return nil, fmt.Errorf("read the latest diagnosis: %w", err)
	}
	rec, ok := chooseProposal(recs)
	if !ok {
		return nil, nil
	}
	p := rec.Diagnosis.Proposal
	spec, ok := subject.Action(s.Actions, p.Type)
	if !ok {
		return nil, nil // the diagnosis check refuses these; never trust twice-removed input
	}
	origin := fmt.Sprintf("ticket %d, diagnosis round %d (%s)", t.ID, rec.Round, rec.Provider)
	runs, err := e.store.ListRuns(ctx, store.RunFilter{TicketID: t.ID})
	if err != nil {
		return nil, fmt.Errorf("read the ticket's runs: %w", err)
	}
	var stale []action.Run
	for _, r := range runs {
		if r.Origin == origin {
			return nil, nil // this round was proposed already (and maybe rejected)
		}
		switch r.State {
		case action.Approved, action.Queued, action.Executing, action.Verifying:
			return nil, nil // something is already being done about it
		case action.Proposed:
			if r.Action == p.Type && diagnose.SameParams(spec, r.Params, p.Params) {
				return nil, nil // the same proposal stands
			}
			stale = append(stale, r)
		}
	}
	res, err := s.Driver.Preflight(ctx, p.Type, p.Params)
	if err != nil {
		return nil, fmt.Errorf("dry-run %s: %w", p.Type, err)
	}
	if rh, ok := s.Driver.(Rehearser); ok && res.Valid {
		reh, err := rh.Rehearse(ctx, p.Type, p.Params)
		if err != nil {
			res.Warnings = append(res.Warnings, "the rehearsal could not run: "+err.Error())
		} else {
			res.Rehearsal = reh
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range stale {
		if _, err := e.move(ctx, r, action.Superseded, ActorDiagnosis, "superseded by "+origin, nil); err != nil {
			return nil, err
		}
	}
	created, err := e.store.CreateRun(ctx, action.Run{TicketID: t.ID, Subject: t.Subject, Action: p.Type, Params: p.Params,
		State: action.Proposed, Risk: spec.Risk.String(), CreatedBy: ActorDiagnosis, Origin: origin, DryRun: &res}, e.clock())
	if err != nil {
		return nil, fmt.Errorf("create the proposed run: %w", err)
	}
	verdict := "dry run passed"
	if !res.Valid {
		verdict = "dry run refused: " + res.Message
	}
	if e.cfg.Execute && res.Valid && e.overBlast(res) == "" {
		if rule, ok := e.policy().AutoApprove(t.Invariant, p.Type, spec.Risk.String(), rec.Diagnosis.Confidence, rec.Disputed, p.Params); ok {
			if created, err = e.autoApprove(ctx, created, rule, res); err != nil {
				return nil, err
			}
			verdict += "; approved by policy/" + rule
		}
	}
	if created.State == action.Proposed && res.Valid {
		e.notify(ctx, notify.Message{Tier: notify.Notable, Kind: "approval-needed", RunID: int64(created.ID), TicketID: int64(t.ID),
			Title: fmt.Sprintf("Approval needed: %s", store.RunSubject(p.Type, p.Params)),
			Text:  fmt.Sprintf("Ticket %d (%s): %s. Risk %s. %s", t.ID, t.DedupKey, t.Summary, created.Risk, res.Message),
			Approving: fmt.Sprintf("approving runs %s on the cluster after a fresh preflight; `operator actions show %d` shows the dry run and rehearsal",
				p.Type, created.ID)})
	}
	if _, err := e.store.AddEvent(ctx, ticket.Event{TicketID: t.ID, At: e.clock(), Kind: ticket.EventNote,
		Message: fmt.Sprintf("action run %d proposed: %s (risk %s); %s", created.ID, store.RunSubject(p.Type, p.Params), created.Risk, verdict),
		Data:    map[string]any{"run": int64(created.ID), "state": string(created.State)}}); err != nil {
		e.log.Warn("could not note the proposal on its ticket", "run", created.ID, "err", err)
	}
	e.log.Info("action proposed", "run", created.ID, "ticket", t.ID, "action", p.Type, "valid", res.Valid)
	return &created, nil
}

// chooseProposal picks the proposal of a round to act on: when the
// providers disagree, the offline rules' (a model never outvotes the
// rules into an action); otherwise the first that proposes one, models
// before rules since they saw the same evidence and the rules agreed.
func chooseProposal(recs []ticket.DiagnosisRecord) (ticket.DiagnosisRecord, bool) {
	disputed := false
	for _, r := range recs {
		disputed = disputed || r.Disputed
	}
	var rules, other *ticket.DiagnosisRecord
	for i := range recs {
		r := &recs[i]
		if r.Status != ticket.DiagnosisOK || r.Diagnosis == nil || r.Diagnosis.Proposal == nil {
			continue
		}
		if r.Provider == "rules" {
			rules = r
		} else if other == nil && !r.Disputed {
			other = r
		}
	}
	switch {
	case disputed && rules != nil:
		return *rules, true
	case disputed:
		return ticket.DiagnosisRecord{}, false
	case other != nil:
		return *other, true
	case rules != nil:
		return *rules, true
	}
	return ticket.DiagnosisRecord{}, false
}
