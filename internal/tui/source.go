package tui

import (
	"context"
	"fmt"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/overview"
	"github.com/operator-dev/operator/internal/ticket"
)

// Source is what the dashboard reads and does. *api.Client satisfies it
// through APISource.
type Source interface {
	KillSwitch(ctx context.Context) (action.KillSwitch, error)
	// Tickets returns the active (not resolved) tickets.
	Tickets(ctx context.Context) ([]ticket.Ticket, error)
	// Runs returns the live runs (proposed through verifying), oldest first.
	Runs(ctx context.Context) ([]Run, error)
	Approve(ctx context.Context, id action.ID, reason string) (execute.ApproveResult, error)
	Reject(ctx context.Context, id action.ID, reason string) (action.Run, error)
	// Info says what kind of daemon this is (banner, actions mode).
	Info(ctx context.Context) (api.Info, error)
	// Overview is the latest cluster overview; it fails until the
	// daemon's monitor has gathered one.
	Overview(ctx context.Context) (overview.Overview, error)
}

// Run is a live action run and how many people have approved it so far.
type Run struct {
	action.Run
	Approvals int
	// Progress is how far its work has got (a drain's regions, a plan's
	// steps), nil when there is nothing to measure.
	Progress *action.Progress
}

// liveStates are the states a run is in while someone may still act on it
// or it may still touch the cluster.
func liveStates() []action.State {
	return []action.State{action.Proposed, action.Approved, action.Queued, action.Executing, action.Verifying}
}

// APISource is a Source backed by the daemon's API.
type APISource struct{ C *api.Client }

// KillSwitch reads the kill switch.
func (s APISource) KillSwitch(ctx context.Context) (action.KillSwitch, error) {
	v, err := s.C.KillSwitch(ctx)
	if err != nil {
		return action.KillSwitch{}, fmt.Errorf("read the kill switch: %w", err)
	}
	return v.KillSwitch, nil
}

// Tickets lists the tickets in every active state.
func (s APISource) Tickets(ctx context.Context) ([]ticket.Ticket, error) {
	var states []ticket.State
	for _, st := range ticket.States() {
		if st.Active() {
			states = append(states, st)
		}
	}
	ts, err := s.C.List(ctx, api.ListOptions{States: states})
	if err != nil {
		return nil, fmt.Errorf("list active tickets: %w", err)
	}
	return ts, nil
}

// Runs lists the live runs. The list answer carries no approvals, so each
// run is read once more; live runs are few, so this costs little.
func (s APISource) Runs(ctx context.Context) ([]Run, error) {
	rs, err := s.C.Runs(ctx, liveStates(), 0)
	if err != nil {
		return nil, fmt.Errorf("list live action runs: %w", err)
	}
	out := make([]Run, 0, len(rs))
	for _, r := range rs {
		v, err := s.C.Run(ctx, r.ID)
		if err != nil {
			return nil, fmt.Errorf("read action run %d: %w", r.ID, err)
		}
		out = append(out, Run{Run: v.Run, Approvals: len(v.Approvals), Progress: v.Progress})
	}
	return out, nil
}

// Approve approves a proposed run.
func (s APISource) Approve(ctx context.Context, id action.ID, reason string) (execute.ApproveResult, error) {
	return s.C.Approve(ctx, id, reason)
}

// Info reads the daemon's banner and actions mode.
func (s APISource) Info(ctx context.Context) (api.Info, error) {
	v, err := s.C.Info(ctx)
	if err != nil {
		return api.Info{}, fmt.Errorf("read the daemon's info: %w", err)
	}
	return v, nil
}

// Overview reads the latest cluster overview.
func (s APISource) Overview(ctx context.Context) (overview.Overview, error) {
	v, err := s.C.Overview(ctx)
	if err != nil {
		return overview.Overview{}, fmt.Errorf("read the cluster overview: %w", err)
	}
	return v, nil
}

// Reject rejects a proposed run.
func (s APISource) Reject(ctx context.Context, id action.ID, reason string) (action.Run, error) {
	return s.C.Reject(ctx, id, reason)
}
