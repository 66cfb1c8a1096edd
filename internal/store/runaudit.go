package store

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
)

// Audit records of runs. Every backend writes them inside the transaction
// that creates or moves the run, so the log has exactly one record per
// state change: none lost to a crash between the two writes, none for a
// move that was refused.

// RunRef is a run's audit reference: "run/12".
func RunRef(id action.ID) string { return fmt.Sprintf("run/%d", id) }

// RunSubject describes a run for the audit log and the ticket timeline:
// "split_region policy=approximate region_id=49".
func RunSubject(action string, params map[string]any) string {
	var b strings.Builder
	b.WriteString(action)
	for _, k := range slices.Sorted(maps.Keys(params)) {
		fmt.Fprintf(&b, " %s=%v", k, params[k])
	}
	return b.String()
}

// RunCreatedRecord is the audit record of a new run: a proposal, or a dry
// run. run carries its assigned ID.
func RunCreatedRecord(run action.Run) audit.Record {
	kind := audit.KindProposal
	if run.State == action.DryRun {
		kind = "dry-run"
	}
	data := map[string]any{
		"run": int64(run.ID), "action": run.Action, "params": paramsOrEmpty(run.Params),
		"state": string(run.State), "risk": run.Risk, "origin": run.Origin,
	}
	if run.TicketID != 0 {
		data["ticket"] = int64(run.TicketID)
	}
	if run.PlanID != 0 {
		data["plan"] = int64(run.PlanID)
		data["plan_step"] = run.PlanStep
	}
	if run.Compensates != 0 {
		data["compensates"] = int64(run.Compensates)
	}
	if run.DryRun != nil {
		data["dry_run_valid"] = run.DryRun.Valid
		data["dry_run_message"] = run.DryRun.Message
	}
	return audit.Record{At: run.CreatedAt, Actor: run.CreatedBy, Kind: kind,
		Subject: RunSubject(run.Action, run.Params), Ref: RunRef(run.ID), Data: data}
}

// RunTransitionRecord is the audit record of one move; after is the run as
// moved, tr the applied transition (From filled in).
func RunTransitionRecord(after action.Run, tr action.Transition) audit.Record {
	// Each approver's yes is its own approval record (AddApproval); the
	// move to approved that follows is a transition.
	kind := audit.KindTransition
	switch {
	case tr.To == action.Rejected:
		kind = audit.KindRejection
	case tr.To.Terminal():
		kind = audit.KindOutcome
	}
	data := map[string]any{
		"run": int64(after.ID), "action": after.Action, "from": string(tr.From), "to": string(tr.To),
		"version": after.Version, "reason": tr.Reason,
	}
	if len(tr.Data) > 0 {
		data["data"] = tr.Data
	}
	if after.TicketID != 0 {
		data["ticket"] = int64(after.TicketID)
	}
	return audit.Record{At: tr.At, Actor: tr.Actor, Kind: kind,
		Subject: RunSubject(after.Action, after.Params), Ref: RunRef(after.ID), Data: data}
}

func paramsOrEmpty(p map[string]any) map[string]any {
	if p == nil {
		return map[string]any{}
	}
	return p
}
