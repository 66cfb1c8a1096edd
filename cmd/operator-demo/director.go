package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// result is how one act ended.
type result struct {
	title    string
	ticketID ticket.ID
	run      action.Run
	verified bool
	resolved bool
}

// play runs one act: inject the fault, then follow the daemon as it opens
// the ticket, diagnoses it and proposes the action; approve it as the
// act's people; follow the run to its verdict. Every wait is bounded by
// s.within; an act that does not get there is an error naming the step.
func (s *stage) play(ctx context.Context, n, total int, a act) (result, error) {
	res := result{title: a.title}
	s.say.banner(fmt.Sprintf("Incident %d of %d: %s", n, total, a.title))
	s.say.line("%s", a.story)
	// Tickets that were already open for this invariant are not this act's.
	seen, err := s.openTickets(ctx, a.invariant)
	if err != nil {
		return res, err
	}
	if err := a.inject(ctx, s); err != nil {
		return res, fmt.Errorf("inject the fault: %w", err)
	}

	var tk ticket.Ticket
	err = s.until(ctx, "a "+a.invariant+" ticket", func() (bool, error) {
		ts, err := s.viewer.List(ctx, api.ListOptions{})
		if err != nil {
			return false, nil // the daemon may be busy; the deadline decides
		}
		for _, t := range ts {
			if t.Invariant == a.invariant && t.Active() && !seen[t.ID] {
				tk = t
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return res, err
	}
	res.ticketID = tk.ID
	s.say.line("monitor opened ticket #%d (%s, %s): %s", tk.ID, tk.DedupKey, tk.Severity, tk.Summary)

	run, err := s.awaitProposal(ctx, tk.ID, a.action)
	if err != nil {
		return res, err
	}
	s.narrateDiagnosis(ctx, tk.ID)
	s.say.line("proposed run #%d: %s (risk %s)", run.ID, store.RunSubject(run.Action, run.Params), run.Risk)
	if dr, err := s.viewer.DryRun(ctx, run.ID); err == nil {
		s.say.line("  dry run against the live (simulated) cluster: %s", dryRunLine(dr.Result))
		if rh := dr.Result.Rehearsal; rh != nil {
			s.say.line("  rehearsal on a copy of the cluster: %s", rh.Message)
		}
	}

	// An approval is bound to what the approvers were shown; if the
	// cluster changes before the run starts, the run comes back to be
	// approved again, and the demo's people look again and approve.
	for attempt := 0; ; attempt++ {
		if err := s.approve(ctx, run, a); err != nil {
			return res, err
		}
		run, err = s.follow(ctx, run.ID)
		if err != nil {
			return res, err
		}
		if run.State != action.Proposed || attempt == 2 {
			break
		}
	}
	res.run = run
	res.verified = run.State == action.Completed && strings.HasPrefix(run.Outcome, "verified")
	if !res.verified {
		return res, fmt.Errorf("run %d ended %s: %s", run.ID, run.State, run.Outcome)
	}
	if a.after != nil {
		if err := a.after(ctx, s, int64(run.ID)); err != nil {
			return res, err
		}
	}
	if a.heal != nil {
		s.say.line("%s", a.healStory)
		if err := a.heal(ctx, s); err != nil {
			return res, fmt.Errorf("lift the fault: %w", err)
		}
	}
	// The ticket clears once the monitor has seen the cluster healthy for
	// a while; give it that (bounded) so the next incident starts clean.
	settle := s.within
	if s.settle > 0 && s.settle < settle {
		settle = s.settle
	}
	deadline := time.Now().Add(settle)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if t, err := s.viewer.Get(ctx, tk.ID); err == nil && !t.Active() {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(s.poll):
		}
	}
	t, err := s.viewer.Get(ctx, tk.ID)
	if err == nil && !t.Active() {
		res.resolved = true
		s.say.line("ticket #%d is resolved: the monitor no longer sees the problem", tk.ID)
	} else if err == nil {
		s.say.line("ticket #%d is still %s: the change is in place; the monitor resolves the ticket once it sees the cluster healthy", tk.ID, t.State)
	}
	return res, nil
}

// openTickets are the active tickets of an invariant before an act starts.
func (s *stage) openTickets(ctx context.Context, invariant string) (map[ticket.ID]bool, error) {
	ts, err := s.viewer.List(ctx, api.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	seen := map[ticket.ID]bool{}
	for _, t := range ts {
		if t.Invariant == invariant && t.Active() {
			seen[t.ID] = true
		}
	}
	return seen, nil
}

// awaitProposal waits for the diagnosis of the ticket to propose the
// expected action, and says so when it proposes something else meanwhile.
func (s *stage) awaitProposal(ctx context.Context, id ticket.ID, want string) (action.Run, error) {
	var found action.Run
	told := map[action.ID]bool{}
	err := s.until(ctx, fmt.Sprintf("a %s proposal for ticket #%d", want, id), func() (bool, error) {
		rs, err := s.viewer.Runs(ctx, []action.State{action.Proposed}, id)
		if err != nil {
			return false, nil
		}
		for _, r := range rs {
			if r.Action == want {
				found = r
				return true, nil
			}
			if !told[r.ID] {
				told[r.ID] = true
				s.say.line("(the diagnosis proposes run #%d %s for now; waiting for the situation to develop)", r.ID, store.RunSubject(r.Action, r.Params))
			}
		}
		return false, nil
	})
	return found, err
}

// narrateDiagnosis prints what the latest diagnosis of the ticket said.
func (s *stage) narrateDiagnosis(ctx context.Context, id ticket.ID) {
	v, err := s.viewer.Get(ctx, id)
	if err != nil {
		return
	}
	for _, r := range v.Diagnoses {
		if r.Diagnosis == nil {
			continue
		}
		d := r.Diagnosis
		s.say.line("diagnosis (%s, confidence %.2f): %s", r.Provider, d.Confidence, d.Cause)
		if d.Proposal != nil && d.Proposal.Rationale != "" {
			s.say.line("  why this action: %s", d.Proposal.Rationale)
		}
		return
	}
}

// approve approves the run as each of the act's people in turn until the
// policy's requirement is met. If an approval is invalidated (the cluster
// changed under it and the run went back to proposed), the people approve
// again what they are now shown.
func (s *stage) approve(ctx context.Context, run action.Run, a act) error {
	for _, who := range a.approvers {
		c, ok := s.people[who]
		if !ok {
			return fmt.Errorf("the demo has no person named %s", who)
		}
		r, err := c.Approve(ctx, run.ID, a.reason)
		if err != nil {
			return fmt.Errorf("%s approves run %d: %w", who, run.ID, err)
		}
		s.say.line("%s approves run #%d (%d of %d approvals the policy needs for %s risk): %q", who, run.ID, r.Approvals, r.Needed, run.Risk, a.reason)
		if r.Approvals >= r.Needed {
			return nil
		}
	}
	return nil
}

// follow narrates the run's states until it ends, re-approving it if an
// approval was invalidated on the way.
func (s *stage) follow(ctx context.Context, id action.ID) (action.Run, error) {
	var last action.Run
	said := action.State("")
	err := s.until(ctx, fmt.Sprintf("the end of run #%d", id), func() (bool, error) {
		v, err := s.viewer.Run(ctx, id)
		if err != nil {
			return false, nil
		}
		last = v.Run
		if v.State != said {
			said = v.State
			s.say.line("run #%d: %s%s", id, v.State, clipLine(stateNote(v), 240))
		}
		return v.State.Terminal() || v.State == action.Proposed, nil
	})
	return last, err
}

// stateNote adds what a state means, or the outcome.
func stateNote(v api.RunView) string {
	switch {
	case v.Outcome != "":
		return ": " + v.Outcome
	case v.State == action.Executing:
		return " (preflight passed again, intent recorded; submitting to PD)"
	case v.State == action.Verifying:
		return " (PD finished; checking the effect and waiting for the ticket to clear)"
	case v.State == action.Proposed:
		return " (an approval no longer matched the cluster; it must be approved again)"
	}
	return ""
}

func dryRunLine(d action.DryRunResult) string {
	var b strings.Builder
	if d.Valid {
		b.WriteString("VALID")
	} else {
		b.WriteString("REFUSED: " + d.Message)
	}
	if d.Blast != nil {
		fmt.Fprintf(&b, "; blast radius %d stores, %d regions", d.Blast.Stores, d.Blast.Regions)
	}
	return b.String()
}
