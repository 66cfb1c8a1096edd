package action

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func validRun() Run {
	return Run{TicketID: 7, Subject: "tikv", Action: "transfer_leader",
		Params: map[string]any{"region_id": 42, "to_store": 5}, State: Proposed, Risk: "low", CreatedBy: "diagnosis"}
}

func TestRunValidate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*Run)
		errSub string // "" means valid
	}{
		{"valid", func(*Run) {}, ""},
		{"no ticket is fine", func(r *Run) { r.TicketID = 0 }, ""},
		{"dry run with result", func(r *Run) { r.State = DryRun; r.DryRun = &DryRunResult{Valid: true} }, ""},
		{"negative ticket", func(r *Run) { r.TicketID = -1 }, "negative ticket ID"},
		{"no subject", func(r *Run) { r.Subject = " " }, "subject is empty"},
		{"no action", func(r *Run) { r.Action = "" }, "action is empty"},
		{"unknown state", func(r *Run) { r.State = "done" }, `unknown state "done"`},
		{"dry run without result", func(r *Run) { r.State = DryRun }, "no dry-run result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRun()
			tt.edit(&r)
			err := r.Validate()
			if tt.errSub == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.errSub) {
				t.Fatalf("Validate = %v, want ErrInvalid saying %q", err, tt.errSub)
			}
		})
	}
}

func TestApply(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := validRun()
	r.ID, r.Version, r.CreatedAt, r.UpdatedAt = 3, 1, at, at
	steps := []State{Approved, Queued, Executing, Verifying, Completed}
	for i, to := range steps {
		at = at.Add(time.Minute)
		next, tr, err := r.Apply(Transition{To: to, At: at, Actor: "executor", Reason: "step " + string(to)})
		if err != nil {
			t.Fatalf("Apply(%s): %v", to, err)
		}
		if tr.From != r.State || next.State != to || next.Version != int64(i+2) || !next.UpdatedAt.Equal(at) {
			t.Fatalf("Apply(%s) = %+v, %+v", to, next, tr)
		}
		r = next
	}
	if r.Outcome != "step completed" || r.Error != "" {
		t.Fatalf("completed run outcome %q, error %q", r.Outcome, r.Error)
	}

	exec := validRun()
	exec.State = Executing
	failed, _, err := exec.Apply(Transition{To: Failed, At: at, Actor: "executor", Reason: "PD refused the operator"})
	if err != nil || failed.Error != "PD refused the operator" || failed.Outcome != failed.Error {
		t.Fatalf("Apply(failed) = %+v, %v", failed, err)
	}
}

func TestApplyRefuses(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := validRun()
	r.Version = 1
	tests := []struct {
		name   string
		r      Run
		tr     Transition
		target error
	}{
		{"forbidden", r, Transition{To: Executing, At: at, Actor: "a"}, ErrTransition},
		{"stale from", r, Transition{From: Approved, To: Queued, At: at, Actor: "a"}, ErrTransition},
		{"no actor", r, Transition{To: Approved, At: at}, ErrInvalid},
		{"no time", r, Transition{To: Approved, Actor: "a"}, ErrInvalid},
		{"unknown to", r, Transition{To: "done", At: at, Actor: "a"}, ErrInvalid},
		{"failed without reason", Run{State: Executing}, Transition{To: Failed, At: at, Actor: "a"}, ErrInvalid},
		{"terminal", Run{State: Completed}, Transition{To: Failed, At: at, Actor: "a", Reason: "x"}, ErrTransition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := tt.r.Apply(tt.tr)
			if !errors.Is(err, tt.target) {
				t.Fatalf("Apply = %v, want %v", err, tt.target)
			}
			if got.State != tt.r.State || got.Version != tt.r.Version {
				t.Fatalf("a refused Apply changed the run: %+v", got)
			}
		})
	}
}
