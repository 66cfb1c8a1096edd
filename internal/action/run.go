package action

import (
	"fmt"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/ticket"
)

// ID identifies an action run; the store assigns it.
type ID int64

// Run is one attempt to carry out one registry action with typed
// parameters, from proposal to verdict. The store is its only home.
type Run struct {
	ID       ID             `json:"id"`
	TicketID ticket.ID      `json:"ticket_id,omitempty"` // the ticket it remedies; 0 for a run started by hand
	Subject  string         `json:"subject"`             // the adapter it runs against: "tikv"
	Action   string         `json:"action"`              // the registry name: "transfer_leader"
	Params   map[string]any `json:"params"`
	State    State          `json:"state"`
	// Version is the optimistic lock: 1 when created, +1 on every
	// transition. A mover states the version it read; the store refuses
	// the move if the run has moved since.
	Version int64  `json:"version"`
	Risk    string `json:"risk"` // the registry's risk tier at proposal time: "low", "high"
	// CreatedBy is who created it ("diagnosis", a human's name) and
	// Origin what from ("ticket 7, diagnosis round 2 (rules)").
	CreatedBy string `json:"created_by"`
	Origin    string `json:"origin,omitempty"`
	// PlanID is the plan the run is a step of (the ID of the plan's first
	// step; 0: not in a plan), PlanStep its place (1, 2, ...; compensation
	// runs come after the last step). Compensates names the completed step
	// a compensation run undoes.
	PlanID      ID        `json:"plan_id,omitempty"`
	PlanStep    int       `json:"plan_step,omitempty"`
	Compensates ID        `json:"compensates,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// DryRun is what a dry run checked and predicted; required in state
	// DryRun, optional otherwise (a proposal may carry its preflight).
	DryRun *DryRunResult `json:"dry_run,omitempty"`
	// Outcome is the reason given when the run reached a terminal state;
	// Error repeats it for failed and timed_out runs. Empty while live.
	Outcome string `json:"outcome,omitempty"`
	Error   string `json:"error,omitempty"`
}

// DryRunResult is what checking an action without executing it found.
type DryRunResult struct {
	Valid     bool           `json:"valid"` // the preconditions hold; executing would be attempted
	Message   string         `json:"message,omitempty"`
	Checked   []string       `json:"checked,omitempty"`  // the preconditions evaluated
	Warnings  []string       `json:"warnings,omitempty"` // things a human should read before approving
	Predicted map[string]any `json:"predicted,omitempty"`
	// Touches identifies what the action touches and its shape as the
	// preflight saw it ("region 49 epoch 5/12 leader 1 peers ...",
	// "store 3 Up"); an approval is bound to them, and a change of them
	// before execution invalidates it.
	Touches []string `json:"touches,omitempty"`
	// Blast is the most the action can touch, as preflight computed it
	// from the live cluster; the executor holds it against the configured
	// blast-radius limits. Nil when preflight did not get that far.
	Blast *Blast `json:"blast,omitempty"`
	// Rehearsal is what running the action on a simulator loaded with a
	// snapshot of the cluster did. Nil when no rehearsal ran.
	Rehearsal *Rehearsal `json:"rehearsal,omitempty"`
}

// Blast is an action's blast radius: how many stores and regions it
// touches and how many bytes of replica data it copies.
type Blast struct {
	Stores  int   `json:"stores"`
	Regions int   `json:"regions"`
	Bytes   int64 `json:"bytes"`
}

// Rehearsal is the outcome of running an action on an in-process
// simulator loaded with a snapshot of the live cluster: the predicted
// effect shown with a proposal.
type Rehearsal struct {
	// OK: the action ran to completion on the simulator.
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	// Steps are the PD operator's steps, in order ("add learner peer 12
	// on store 4", ...), or the config change made.
	Steps        []string `json:"steps,omitempty"`
	RegionsMoved int      `json:"regions_moved"`
	BytesMoved   int64    `json:"bytes_moved"`
	// Seconds is how long it took on the simulator's clock.
	Seconds float64 `json:"seconds"`
	// InvariantsAfter are the problems (ticket dedup keys) the monitor's
	// invariants still see on the simulator after it finished.
	InvariantsAfter []string `json:"invariants_after"`
}

// Validate checks a run as a caller hands it to the store for creation:
// what the store assigns (ID, Version, times) is not checked.
func (r Run) Validate() error {
	var problems []string
	if r.TicketID < 0 {
		problems = append(problems, fmt.Sprintf("negative ticket ID %d", r.TicketID))
	}
	if strings.TrimSpace(r.Subject) == "" {
		problems = append(problems, "subject is empty")
	}
	if strings.TrimSpace(r.Action) == "" {
		problems = append(problems, "action is empty")
	}
	if !r.State.Valid() {
		problems = append(problems, fmt.Sprintf("unknown state %q", r.State))
	}
	if strings.TrimSpace(r.CreatedBy) == "" {
		problems = append(problems, "created_by is empty (every run says who created it)")
	}
	if r.PlanStep < 0 || (r.PlanID < 0) || r.Compensates < 0 {
		problems = append(problems, "negative plan id, plan step or compensated run")
	}
	if r.State == DryRun && r.DryRun == nil {
		problems = append(problems, "a dry_run run has no dry-run result")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return nil
}

// Approval is one approver's yes to a run. A run needing several
// distinct approvers collects them while proposed.
type Approval struct {
	Actor  string    `json:"actor"`
	Role   string    `json:"role"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
	// Digest binds it to what the approver was shown: the action, its
	// parameters and the preflight's view of what it touches.
	Digest string `json:"digest"`
}

// Transition is one move of a run, as recorded on its history.
type Transition struct {
	From   State          `json:"from"`
	To     State          `json:"to"`
	At     time.Time      `json:"at"`
	Actor  string         `json:"actor"` // who moved it: "alice", "policy:low-risk", "executor"
	Reason string         `json:"reason,omitempty"`
	Data   map[string]any `json:"data,omitempty"` // what the mover wants on the record: a PD operator ID, a verification result
}

// Validate checks a transition as a mover hands it to the store. From may
// be empty (the store fills it in from the stored run); the move itself is
// checked against the run by Apply.
func (tr Transition) Validate() error {
	var problems []string
	if tr.From != "" && !tr.From.Valid() {
		problems = append(problems, fmt.Sprintf("unknown from state %q", tr.From))
	}
	if !tr.To.Valid() {
		problems = append(problems, fmt.Sprintf("unknown to state %q", tr.To))
	}
	if tr.At.IsZero() {
		problems = append(problems, "time is zero")
	}
	if strings.TrimSpace(tr.Actor) == "" {
		problems = append(problems, "actor is empty (every move says who made it)")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: transition: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return nil
}

// Apply returns r moved by tr: the new state, Version+1, UpdatedAt = tr.At,
// and, on reaching a terminal state, Outcome (and for failed and timed_out
// Error) set to tr.Reason. It also returns tr with From filled in. It
// refuses with ErrTransition a move the table forbids, and with
// ErrTransition a tr.From that is not r's state (the caller read a stale
// run). Every backend applies moves through it, so they agree.
func (r Run) Apply(tr Transition) (Run, Transition, error) {
	if err := tr.Validate(); err != nil {
		return r, tr, err
	}
	if tr.From != "" && tr.From != r.State {
		return r, tr, fmt.Errorf("%w: run %d is %s, not %s", ErrTransition, r.ID, r.State, tr.From)
	}
	tr.From = r.State
	if (tr.To == Failed || tr.To == TimedOut) && strings.TrimSpace(tr.Reason) == "" {
		return r, tr, fmt.Errorf("%w: run %d: moving to %s needs a reason (it becomes the run's error)", ErrInvalid, r.ID, tr.To)
	}
	if err := CheckTransition(r.State, tr.To); err != nil {
		return r, tr, fmt.Errorf("run %d: %w", r.ID, err)
	}
	r.State = tr.To
	r.Version++
	r.UpdatedAt = tr.At
	if tr.To.Terminal() {
		r.Outcome = tr.Reason
		if tr.To == Failed || tr.To == TimedOut {
			r.Error = tr.Reason
		}
	}
	return r, tr, nil
}
