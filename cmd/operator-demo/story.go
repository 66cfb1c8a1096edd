package main

import (
	"context"
	"fmt"

	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// act is one scripted incident: a fault injected into the simulator, the
// ticket the monitor should open for it, the action the rules should
// propose, and who approves it. The demo plays the approvers (a person
// would, in the console or with `operator actions approve`); everything
// else, from detection to verification, is the daemon's own work.
type act struct {
	title string
	// story says what is about to happen, in an SRE's words.
	story string
	// inject breaks the simulated cluster.
	inject func(ctx context.Context, s *stage) error
	// invariant is the ticket the monitor is expected to open; action the
	// registry action expected for it.
	invariant string
	action    string
	// approvers are the demo's people who approve, in order; the policy
	// decides how many it takes (two distinct people for high risk).
	approvers []string
	// reason is what the approvers write.
	reason string
	// after, if set, follows the change once it is verified (a drain's
	// regions leaving the store) and narrates it.
	after func(ctx context.Context, s *stage, runID int64) error
	// heal, if set, lifts the fault once the act is over (the batch job
	// ends, the runaway log is deleted), saying so first.
	healStory string
	heal      func(ctx context.Context, s *stage) error
}

// Store 3 is the one that dies; store 2's disk fills; store 1 collects
// the leaders. Region 49 is the hot one.
const (
	hotRegion   = 49
	fullStore   = 2
	leaderStore = 1
	deadStore   = 3
)

// story is the demo's sequence. The incidents come one after another so
// each one's ticket, proposal and outcome can be read on its own; the
// store failure comes last because its drain keeps moving regions for a
// while after the action has done its part.
func story() []act {
	return []act{
		{
			title: "A write hotspot",
			story: fmt.Sprintf("an application starts writing 12 MiB/s into region %d: one region, one leader, one disk taking it all", hotRegion),
			inject: func(_ context.Context, s *stage) error {
				return s.cluster.Inject(pdsim.Fault{Type: "hotspot", Region: hotRegion, BytesPerSecond: 12 << 20})
			},
			invariant: "hot-write-region",
			action:    "split_region",
			approvers: []string{"alice"},
			reason:    "hot region on a quiet store: splitting halves the write rate per region",
			// Left running, 12 MiB/s on three replicas fills the disks of
			// the incidents that follow.
			healStory: "the application's batch load finishes; the writes stop",
			heal: func(_ context.Context, s *stage) error {
				return s.cluster.Inject(pdsim.Fault{Type: "clear-hotspot"})
			},
		},
		{
			title: "A disk filling up",
			story: fmt.Sprintf("store %d's disk drops to 15%% free (a runaway log, a compaction backlog): past PD's low-space-ratio of 0.8", fullStore),
			inject: func(_ context.Context, s *stage) error {
				return s.cluster.Inject(pdsim.Fault{Type: "fill-disk", Store: fullStore, AvailableRatio: 0.15})
			},
			invariant: "store-low-space",
			action:    "set_store_weight",
			approvers: []string{"alice"},
			reason:    "the other stores have room: make PD place fewer regions here",
			// pdsim models balance-leader-scheduler but not the region
			// moves of balance-region-scheduler, so the weight is verified
			// in place and the space comes back the way it often does.
			healStory: fmt.Sprintf("meanwhile the on-call finds and deletes the runaway log on store %d: 50%% free again (the simulator does not model balance-region's moves, so the weight alone would not free it here)", fullStore),
			heal: func(_ context.Context, s *stage) error {
				return s.cluster.Inject(pdsim.Fault{Type: "fill-disk", Store: fullStore, AvailableRatio: 0.5})
			},
		},
		{
			title: "Leaders piling onto one store",
			story: fmt.Sprintf("a rolling restart paused balance-leader-scheduler and left it paused; leaders pile onto store %d", leaderStore),
			inject: func(ctx context.Context, s *stage) error {
				// The restart script's pause, through PD's own API as pd-ctl does it.
				if err := s.pausePD(ctx, "balance-leader-scheduler", 3600); err != nil {
					return err
				}
				return s.cluster.Inject(pdsim.Fault{Type: "leader-imbalance", Store: leaderStore, Fraction: 0.35})
			},
			invariant: "leader-imbalance",
			action:    "resume_scheduler",
			approvers: []string{"bob"},
			reason:    "nothing intends this imbalance: let PD's balancer transfer the leaders back",
			after:     watchLeaders,
		},
		{
			title: "A store that does not come back",
			story: fmt.Sprintf("TiKV store %d crashes (a dead host); PD calls it Down after max-store-down-time", deadStore),
			inject: func(_ context.Context, s *stage) error {
				return s.cluster.Inject(pdsim.Fault{Type: "kill-store", Store: deadStore})
			},
			invariant: "store-down",
			action:    "drain_store",
			// High risk: two different people.
			approvers: []string{"alice", "bob"},
			reason:    "the host is gone; move its replicas to the healthy stores",
			after:     watchDrain,
		},
	}
}
