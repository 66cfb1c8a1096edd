package tui

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/ticket"
)

// fakeSource is an in-memory daemon: approving a run moves it the way the
// daemon would, so the screen after a refresh shows the change.
type fakeSource struct {
	mu       sync.Mutex
	ks       action.KillSwitch
	tickets  []ticket.Ticket
	runs     []Run
	readErr  error // every read fails with it while set
	runsErr  error // reading runs and the kill switch fails with it while set
	writeErr error // approve and reject fail with it while set
	approved []call
	rejected []call
}

type call struct {
	id     action.ID
	reason string
}

func (f *fakeSource) KillSwitch(ctx context.Context) (action.KillSwitch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.runsErr != nil {
		return action.KillSwitch{}, f.runsErr
	}
	return f.ks, f.readErr
}

func (f *fakeSource) Tickets(ctx context.Context) ([]ticket.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ticket.Ticket(nil), f.tickets...), f.readErr
}

func (f *fakeSource) Runs(ctx context.Context) ([]Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.runsErr != nil {
		return nil, f.runsErr
	}
	return append([]Run(nil), f.runs...), f.readErr
}

func (f *fakeSource) find(id action.ID) (*Run, error) {
	for i := range f.runs {
		if f.runs[i].ID == id {
			if f.runs[i].State != action.Proposed {
				return nil, fmt.Errorf("run %d is %s, not proposed (HTTP 409)", id, f.runs[i].State)
			}
			return &f.runs[i], nil
		}
	}
	return nil, fmt.Errorf("no action run %d (HTTP 404)", id)
}

func (f *fakeSource) Approve(ctx context.Context, id action.ID, reason string) (execute.ApproveResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.approved = append(f.approved, call{id, reason})
	if f.writeErr != nil {
		return execute.ApproveResult{}, f.writeErr
	}
	r, err := f.find(id)
	if err != nil {
		return execute.ApproveResult{}, err
	}
	r.State, r.Approvals = action.Approved, r.Approvals+1
	return execute.ApproveResult{Run: r.Run, Approvals: r.Approvals, Needed: 1}, nil
}

func (f *fakeSource) Reject(ctx context.Context, id action.ID, reason string) (action.Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rejected = append(f.rejected, call{id, reason})
	if f.writeErr != nil {
		return action.Run{}, f.writeErr
	}
	r, err := f.find(id)
	if err != nil {
		return action.Run{}, err
	}
	r.State = action.Rejected
	out := r.Run
	// A rejected run is no longer live: the daemon stops listing it.
	var live []Run
	for _, x := range f.runs {
		if x.ID != id {
			live = append(live, x)
		}
	}
	f.runs = live
	return out, nil
}

func (f *fakeSource) set(fn func(f *fakeSource)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// cluster is a small incident: one store down, a leader transfer proposed
// with its dry run, and a drain already executing.
func cluster() *fakeSource {
	return &fakeSource{
		tickets: []ticket.Ticket{{
			ID: 3, DedupKey: "store-down/store=4", Invariant: "store-down", Subject: "tikv",
			Severity: ticket.Critical, State: ticket.Diagnosed, Summary: "store 4 is down",
			FirstSeen: now.Add(-3 * time.Minute), LastSeen: now,
		}},
		runs: []Run{
			{Run: action.Run{ID: 7, TicketID: 3, Subject: "tikv", Action: "transfer_leader",
				Params: map[string]any{"region_id": 49, "to_store": 2}, State: action.Proposed, Risk: "low",
				CreatedBy: "diagnosis", Origin: "ticket 3, diagnosis round 1 (rules)", CreatedAt: now.Add(-time.Minute),
				DryRun: &action.DryRunResult{Valid: true, Message: "region 49 has a healthy peer on store 2",
					Blast: &action.Blast{Stores: 2, Regions: 1, Bytes: 96}}}},
			{Run: action.Run{ID: 8, Subject: "tikv", Action: "drain_store", Params: map[string]any{"store_id": 4},
				State: action.Executing, Risk: "high", CreatedBy: "alice", CreatedAt: now.Add(-2 * time.Hour)},
				Approvals: 2},
		},
	}
}
