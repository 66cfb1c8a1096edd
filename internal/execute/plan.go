package execute

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// ActorPlan moves plan steps on the plan's behalf: it rejects the steps
// after a failed one and approves the compensations the approved plan
// named.
const ActorPlan = "plan"

// CreatePlan proposes an ordered list of registry actions for a ticket (0:
// none) on a subject, each step dry-run now against the cluster as it is.
// Steps after the first are dry-run again right before they run, when
// the earlier steps have changed the cluster. An unknown action is
// refused; a step whose dry run fails is still proposed, with the reason,
// so the approver sees the whole plan.
func (e *Executor) CreatePlan(ctx context.Context, tk ticket.ID, subj string, steps []action.Step, actor, reason string) ([]action.Run, error) {
	if strings.TrimSpace(actor) == "" {
		return nil, fmt.Errorf("create plan: %w: say who proposes it", store.ErrInvalid)
	}
	s, ok := e.subjects[subj]
	if !ok {
		return nil, fmt.Errorf("create plan: %w: no subject %q", store.ErrInvalid, subj)
	}
	if len(steps) < 2 {
		return nil, fmt.Errorf("create plan: %w: a plan has at least two steps; propose one action as a plain run", store.ErrInvalid)
	}
	origin := "plan by " + actor
	if reason != "" {
		origin += ": " + reason
	}
	runs := make([]action.Run, len(steps))
	for i, st := range steps {
		spec, ok := subject.Action(s.Actions, st.Action)
		if !ok {
			return nil, fmt.Errorf("create plan: step %d: %w: %q is not an action in the %s registry", i+1, store.ErrInvalid, st.Action, subj)
		}
		res, err := s.Driver.Preflight(ctx, st.Action, st.Params)
		if err != nil {
			return nil, fmt.Errorf("create plan: dry-run step %d (%s): %w", i+1, st.Action, err)
		}
		if i > 0 {
			res.Warnings = append(res.Warnings, "checked against the cluster as it is now; it is checked again right before it runs, after the steps before it")
		}
		runs[i] = action.Run{TicketID: tk, Subject: subj, Action: st.Action, Params: st.Params, State: action.Proposed,
			Risk: spec.Risk.String(), CreatedBy: actor, Origin: origin, DryRun: &res}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out, err := e.store.CreatePlan(ctx, runs, e.clock())
	if err != nil {
		return nil, fmt.Errorf("create plan: %w", err)
	}
	e.log.Info("plan proposed", "plan", out[0].ID, "steps", len(out), "by", actor)
	return out, nil
}

// planSteps returns a plan's runs in step order.
func (e *Executor) planSteps(ctx context.Context, plan action.ID) ([]action.Run, error) {
	rs, err := e.store.ListRuns(ctx, store.RunFilter{PlanID: plan})
	if err != nil {
		return nil, fmt.Errorf("read plan %d: %w", plan, err)
	}
	slices.SortFunc(rs, func(a, b action.Run) int { return a.PlanStep - b.PlanStep })
	return rs, nil
}

// blocked says why a plan step may not start yet ("" when it may): every
// step before it must have completed. Compensations are never blocked.
func (e *Executor) blocked(ctx context.Context, r action.Run) (string, error) {
	if r.PlanID == 0 || r.Compensates != 0 || r.PlanStep <= 1 {
		return "", nil
	}
	steps, err := e.planSteps(ctx, r.PlanID)
	if err != nil {
		return "", err
	}
	for _, st := range steps {
		if st.Compensates == 0 && st.PlanStep < r.PlanStep && st.State != action.Completed {
			return fmt.Sprintf("step %d (run %d) is %s", st.PlanStep, st.ID, st.State), nil
		}
	}
	return "", nil
}

// approvePlan approves every proposed step of r's plan, in order, after
// a fresh preflight of the first one; the others are preflighted right
// before they run.
func (e *Executor) approvePlan(ctx context.Context, r action.Run, actor, reason string, res action.DryRunResult) (action.Run, error) {
	steps, err := e.planSteps(ctx, r.PlanID)
	if err != nil {
		return r, err
	}
	var first action.Run
	for _, st := range steps {
		if st.State != action.Proposed || st.Compensates != 0 {
			continue
		}
		data := map[string]any{"plan": int64(r.PlanID)}
		if first.ID == 0 {
			data["preflight"] = dryRunData(res)
		}
		moved, err := e.store.TransitionRun(ctx, st.ID, st.Version, action.Transition{To: action.Approved, At: e.clock(), Actor: actor,
			Reason: reason, Data: data})
		if err != nil {
			return r, fmt.Errorf("approve plan %d, step %d (run %d): %w", r.PlanID, st.PlanStep, st.ID, err)
		}
		if first.ID == 0 {
			first = moved
		}
	}
	e.log.Info("plan approved", "plan", r.PlanID, "by", actor)
	return first, nil
}

// settlePlans ends plans a step of which failed or timed out: the steps
// after it are rejected (proposed) or cancelled (approved, queued), and
// each completed step that has an exact undo gets a compensation run,
// approved on the plan's behalf (the approver approved the plan with its
// compensations), latest step first. Compensations are never compensated.
// It works from the store alone, so a crash between the failure and the
// compensation loses nothing.
func (e *Executor) settlePlans(ctx context.Context) error {
	failed, err := e.store.ListRuns(ctx, store.RunFilter{States: []action.State{action.Failed, action.TimedOut}, InPlan: true})
	if err != nil {
		return fmt.Errorf("read failed plan steps: %w", err)
	}
	seen := map[action.ID]bool{}
	for _, f := range failed {
		if f.Compensates != 0 || seen[f.PlanID] {
			continue
		}
		seen[f.PlanID] = true
		if err := e.settlePlan(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

func (e *Executor) settlePlan(ctx context.Context, failed action.Run) error {
	steps, err := e.planSteps(ctx, failed.PlanID)
	if err != nil {
		return err
	}
	why := fmt.Sprintf("step %d of plan %d (run %d, %s) %s", failed.PlanStep, failed.PlanID, failed.ID, failed.Action, failed.State)
	compensated := map[action.ID]bool{}
	last := 0
	for _, st := range steps {
		if st.Compensates != 0 {
			compensated[st.Compensates] = true
		}
		last = max(last, st.PlanStep)
	}
	for _, st := range steps {
		if st.Compensates != 0 || st.PlanStep <= failed.PlanStep {
			continue
		}
		switch st.State {
		case action.Proposed:
			if _, err := e.move(ctx, st, action.Rejected, ActorPlan, why, nil); err != nil {
				return err
			}
		case action.Approved, action.Queued:
			if _, err := e.move(ctx, st, action.Cancelled, ActorPlan, why, nil); err != nil {
				return err
			}
		}
	}
	// Undo the completed steps, the latest first.
	for i := len(steps) - 1; i >= 0; i-- {
		st := steps[i]
		if st.Compensates != 0 || st.State != action.Completed || compensated[st.ID] || st.PlanStep > failed.PlanStep {
			continue
		}
		in, _, found, err := e.loadIntent(ctx, st)
		if err != nil {
			return err
		}
		if !found || in.Undo == nil {
			e.log.Warn("a completed plan step has no exact undo: it stays", "plan", st.PlanID, "step", st.PlanStep, "run", st.ID, "action", st.Action)
			continue
		}
		last++
		spec, _ := subject.Action(e.subjects[st.Subject].Actions, in.Undo.Action)
		comp, err := e.store.CreateRun(ctx, action.Run{TicketID: st.TicketID, Subject: st.Subject, Action: in.Undo.Action,
			Params: in.Undo.Params, State: action.Proposed, Risk: spec.Risk.String(), CreatedBy: ActorPlan,
			Origin: fmt.Sprintf("compensates step %d (run %d) because %s", st.PlanStep, st.ID, why),
			PlanID: st.PlanID, PlanStep: last, Compensates: st.ID}, e.clock())
		if err != nil {
			return fmt.Errorf("create the compensation of run %d: %w", st.ID, err)
		}
		if _, err := e.move(ctx, comp, action.Approved, ActorPlan,
			fmt.Sprintf("undoes step %d of the approved plan %d: %s", st.PlanStep, st.PlanID, why), nil); err != nil {
			return err
		}
		compensated[st.ID] = true
	}
	return nil
}

// pickNext is the approved run to queue next: compensations first (they
// put back what a failed plan changed), then the next step of a plan
// already under way, then the oldest approval. Plan steps whose earlier
// steps have not completed wait.
func (e *Executor) pickNext(ctx context.Context, live []action.Run) (action.Run, bool, error) {
	var approved []action.Run
	for _, r := range live {
		if r.State == action.Approved {
			approved = append(approved, r)
		}
	}
	rank := func(r action.Run) int {
		switch {
		case r.Compensates != 0:
			return 0
		case r.PlanID != 0 && r.PlanStep > 1:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(approved, func(a, b action.Run) int { return rank(a) - rank(b) })
	for _, r := range approved {
		why, err := e.blocked(ctx, r)
		if err != nil {
			return r, false, err
		}
		if why != "" {
			continue
		}
		// A run that may not start now (outside its window, over its rate)
		// stays approved, so runs that may start are not stuck behind it.
		ok, wait, err := e.mayStartNow(ctx, r)
		if err != nil {
			return r, false, err
		}
		if !ok {
			e.waitOnce(r, wait)
			continue
		}
		return r, true, nil
	}
	return action.Run{}, false, nil
}
