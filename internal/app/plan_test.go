package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/tikv/actions"
)

// A plan on pdsim with the real driver: step 1 raises the leader schedule
// limit, step 2 is a peer removal that PD's state makes unsafe by the time
// it runs (its store was killed), so its preflight refuses it; the plan
// stops and step 1 is undone with the recorded previous value, on PD.
func TestPlanCompensationOnPD(t *testing.T) {
	r := newBenchRig(t)
	ctx := context.Background()
	cfg, err := r.read.GetScheduleConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := cfg.LeaderScheduleLimit
	region, err := r.read.GetRegion(ctx, r.regions[0])
	if err != nil {
		t.Fatal(err)
	}
	victim := region.Peers[1].StoreID // step 2 removes this replica
	steps := []action.Step{
		{Action: actions.SetLeaderScheduleLimit, Params: map[string]any{"value": before + 4}},
		{Action: actions.RemovePeer, Params: map[string]any{"region_id": uint64(region.ID), "store_id": uint64(victim)}},
	}
	rs, err := r.ex.CreatePlan(ctx, 0, "tikv", steps, "alice", "test")
	if err != nil {
		t.Fatal(err)
	}
	// The plan holds a high-risk step: two people other than the proposer.
	for _, who := range []string{"bob", "carol"} {
		if _, err := r.ex.Approve(ctx, rs[0].ID, execute.Approver{Name: who, Role: "approver"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; ; i++ {
		got, _ := r.st.GetRun(ctx, rs[0].ID)
		if got.State.Terminal() {
			if got.State != action.Completed {
				t.Fatalf("step 1 is %s: %s", got.State, got.Outcome)
			}
			break
		}
		if i == 10 {
			t.Fatalf("step 1 still %s after 10 passes", got.State)
		}
		r.once(t)
	}
	if cfg, _ := r.read.GetScheduleConfig(ctx); cfg.LeaderScheduleLimit != before+4 {
		t.Fatalf("after step 1 the limit is %d", cfg.LeaderScheduleLimit)
	}
	// Another replica of the region dies: removing the victim would now
	// leave one healthy voter of two.
	other := region.Peers[2].StoreID
	resp, err := http.Post(r.url+"/pdsim/v1/faults", "application/json",
		strings.NewReader(fmt.Sprintf(`{"type":"kill-store","store":%d}`, other)))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("kill store %d: %v %v", other, resp, err)
	}
	resp.Body.Close()
	r.clock.Advance(40 * time.Second)
	for i := 0; i < 8; i++ {
		r.once(t)
	}
	step2, _ := r.st.GetRun(ctx, rs[1].ID)
	if step2.State != action.Failed {
		t.Fatalf("step 2 is %s: %s", step2.State, step2.Outcome)
	}
	all, err := r.st.ListRuns(ctx, store.RunFilter{PlanID: rs[0].ID})
	if err != nil || len(all) != 3 {
		t.Fatalf("plan runs = %+v, %v", all, err)
	}
	if comp := all[2]; comp.Compensates != rs[0].ID || comp.State != action.Completed {
		t.Fatalf("compensation = %s %s: %s", comp.Action, comp.State, comp.Outcome)
	}
	if cfg, _ := r.read.GetScheduleConfig(ctx); cfg.LeaderScheduleLimit != before {
		t.Fatalf("after compensation the limit is %d, want %d back", cfg.LeaderScheduleLimit, before)
	}
}
