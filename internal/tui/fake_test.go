package tui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/overview"
	"github.com/operator-dev/operator/internal/ticket"
)

// fakeSource is an in-memory daemon: approving a run moves it the way the
// daemon would, so the screen after a refresh shows the change.
type fakeSource struct {
	mu      sync.Mutex
	ks      action.KillSwitch
	tickets []ticket.Ticket
	runs    []Run
	info    api.Info
	infoErr error // reading the info fails with it while set
	// overview is what GET /api/v1/overview answers; nil: it fails as
	// it does before the monitor's first cycle (HTTP 503).
	overview *overview.Overview
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

func (f *fakeSource) Info(ctx context.Context) (api.Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.infoErr != nil {
		return api.Info{}, f.infoErr
	}
	return f.info, f.readErr
}

func (f *fakeSource) Overview(ctx context.Context) (overview.Overview, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.overview == nil {
		return overview.Overview{}, errors.New("no cluster overview yet: the monitor has not completed a cycle (HTTP 503)")
	}
	return f.overview.Clone(), f.readErr
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
		info:     api.Info{ActionsMode: "execute", Subjects: []string{"tikv"}},
		overview: clusterOverview(),
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

const gib = 1 << 30

// clusterOverview is the same incident's cluster: store 4 is Down.
func clusterOverview() *overview.Overview {
	return &overview.Overview{
		At: now.Add(-5 * time.Second), NodeNoun: "store", ShardNoun: "region", Shards: 120,
		Health: []overview.Health{{Name: "miss-peer", Count: 3}, {Name: "pending-peer", Count: 0}},
		Nodes: []overview.Node{
			{ID: "1", State: "Up", CapacityBytes: 100 * gib, AvailableBytes: 60 * gib, Leaders: 40, Shards: 120},
			{ID: "2", State: "Up", CapacityBytes: 100 * gib, AvailableBytes: 25 * gib, Leaders: 41, Shards: 118},
			{ID: "4", State: "Down", CapacityBytes: 100 * gib, AvailableBytes: 100 * gib, Leaders: 0, Shards: 2},
		},
	}
}
