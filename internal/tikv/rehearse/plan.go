package rehearse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// waitKind is how the rehearsal knows the action has done its work.
type waitKind int

const (
	waitNone     waitKind = iota // a config change: done when PD accepts it
	waitOperator                 // an admin operator on plan.region finishes
	waitDrain                    // no snapshot region keeps a peer on plan.store
	waitEvict                    // no snapshot region is led from plan.store
)

// plan is one action made concrete: what to read, the PD call(s) the
// executor makes, and what to wait for.
type plan struct {
	scope scope
	wait  waitKind
	// region is the operator's region; for a merge, target is the region
	// whose operator reports the merge's success.
	region, target pd.RegionID
	store          pd.StoreID
	// apply makes the call on the simulator and returns the steps to
	// report for a change that is not an operator.
	apply func(ctx context.Context, c *pd.Client) ([]string, error)
}

// scheduleKeys are the schedule config keys the limit actions set. The
// registry holds the same table (actions.ScheduleLimitKey); it is not
// called so that this package uses nothing of actions but its names.
var scheduleKeys = map[string]string{
	actions.SetLeaderScheduleLimit:    "leader-schedule-limit",
	actions.SetRegionScheduleLimit:    "region-schedule-limit",
	actions.SetReplicaScheduleLimit:   "replica-schedule-limit",
	actions.SetHotRegionScheduleLimit: "hot-region-schedule-limit",
}

// planFor turns an action name and its parameters into a plan. Unknown or
// unrehearsable actions are ErrNotRehearsable; bad parameters ErrParams.
func planFor(name string, raw map[string]any) (*plan, error) {
	p := params(raw)
	bad := func(err error) (*plan, error) { return nil, fmt.Errorf("%w: %s: %v", ErrParams, name, err) }
	regionOp := func(build func(r pd.RegionID) (pd.OperatorRequest, error)) (*plan, error) {
		id, err := p.uint("region_id")
		if err != nil {
			return bad(err)
		}
		r := pd.RegionID(id)
		req, err := build(r)
		if err != nil {
			return bad(err)
		}
		return &plan{scope: scope{regions: []pd.RegionID{r}}, wait: waitOperator, region: r,
			apply: func(ctx context.Context, c *pd.Client) ([]string, error) { return nil, c.CreateOperator(ctx, req) }}, nil
	}
	storeArg := func(key string) func(r pd.RegionID) (pd.StoreID, error) {
		return func(pd.RegionID) (pd.StoreID, error) {
			id, err := p.uint(key)
			return pd.StoreID(id), err
		}
	}
	withStore := func(key string, mk func(pd.RegionID, pd.StoreID) pd.OperatorRequest) (*plan, error) {
		return regionOp(func(r pd.RegionID) (pd.OperatorRequest, error) {
			s, err := storeArg(key)(r)
			return mk(r, s), err
		})
	}

	switch name {
	case actions.TransferLeader:
		return withStore("to_store_id", pd.TransferLeader)
	case actions.AddPeer:
		return withStore("store_id", pd.AddPeer)
	case actions.RemovePeer:
		return withStore("store_id", pd.RemovePeer)
	case actions.TransferPeer:
		return regionOp(func(r pd.RegionID) (pd.OperatorRequest, error) {
			from, err := p.uint("from_store_id")
			if err != nil {
				return pd.OperatorRequest{}, err
			}
			to, err := p.uint("to_store_id")
			return pd.TransferPeer(r, pd.StoreID(from), pd.StoreID(to)), err
		})
	case actions.SplitRegion:
		return regionOp(func(r pd.RegionID) (pd.OperatorRequest, error) {
			policy, err := p.str("policy")
			if err != nil {
				return pd.OperatorRequest{}, err
			}
			switch strings.ToLower(policy) {
			case "approximate":
				return pd.SplitRegion(r, pd.SplitApproximate), nil
			case "scan":
				return pd.SplitRegion(r, pd.SplitScan), nil
			case "usekey":
				key, err := p.str("key")
				return pd.SplitRegion(r, pd.SplitUseKey, key), err
			}
			return pd.OperatorRequest{}, fmt.Errorf("policy %q is not approximate, scan or usekey", policy)
		})
	case actions.MergeRegion:
		target, err := p.uint("target_region_id")
		if err != nil {
			return bad(err)
		}
		pl, err := regionOp(func(r pd.RegionID) (pd.OperatorRequest, error) {
			return pd.MergeRegion(r, pd.RegionID(target)), nil
		})
		if err != nil {
			return nil, err
		}
		pl.target = pd.RegionID(target)
		pl.scope.regions = append(pl.scope.regions, pl.target)
		return pl, nil

	case actions.DrainStore, actions.EvictLeader:
		id, err := p.uint("store_id")
		if err != nil {
			return bad(err)
		}
		s := pd.StoreID(id)
		if name == actions.DrainStore {
			return &plan{scope: scope{store: s, storeType: pd.RegionTypeAll}, wait: waitDrain, store: s,
				apply: func(ctx context.Context, c *pd.Client) ([]string, error) {
					return []string{fmt.Sprintf("set store %d Offline (DELETE /store/%d)", s, s)}, c.DeleteStore(ctx, s, false)
				}}, nil
		}
		return &plan{scope: scope{store: s, storeType: pd.RegionTypeLeader}, wait: waitEvict, store: s,
			apply: func(ctx context.Context, c *pd.Client) ([]string, error) {
				return []string{fmt.Sprintf("add evict-leader-scheduler for store %d", s)}, c.AddScheduler(ctx, "evict-leader-scheduler", s)
			}}, nil
	case actions.CancelDrain:
		id, err := p.uint("store_id")
		if err != nil {
			return bad(err)
		}
		s := pd.StoreID(id)
		return &plan{apply: func(ctx context.Context, c *pd.Client) ([]string, error) {
			return []string{fmt.Sprintf("set store %d Up", s)}, c.SetStoreState(ctx, s, pd.StoreUp)
		}}, nil

	case actions.SetLeaderScheduleLimit, actions.SetRegionScheduleLimit, actions.SetReplicaScheduleLimit, actions.SetHotRegionScheduleLimit:
		v, err := p.uint("value")
		if err != nil {
			return bad(err)
		}
		key := scheduleKeys[name]
		var patch pd.SchedulePatch
		switch name {
		case actions.SetLeaderScheduleLimit:
			patch.LeaderScheduleLimit = &v
		case actions.SetRegionScheduleLimit:
			patch.RegionScheduleLimit = &v
		case actions.SetReplicaScheduleLimit:
			patch.ReplicaScheduleLimit = &v
		default:
			patch.HotRegionScheduleLimit = &v
		}
		return &plan{apply: configChange(key, patch)}, nil
	case actions.SetLowSpaceRatio:
		v, err := p.float("value")
		if err != nil {
			return bad(err)
		}
		// The executor posts it to /config; /config/schedule sets the same
		// field, and is the only schedule write the client has.
		return &plan{apply: configChange("low-space-ratio", pd.SchedulePatch{LowSpaceRatio: &v})}, nil

	case actions.PauseScheduler, actions.ResumeScheduler:
		sched, err := p.str("name")
		if err != nil {
			return bad(err)
		}
		var d time.Duration
		if name == actions.PauseScheduler {
			if d, err = p.duration("for"); err != nil {
				return bad(err)
			}
		}
		return &plan{apply: func(ctx context.Context, c *pd.Client) ([]string, error) {
			step := "resume " + sched
			if d > 0 {
				step = fmt.Sprintf("pause %s for %s", sched, d)
			}
			return []string{step}, c.PauseScheduler(ctx, sched, d)
		}}, nil
	}
	// cancel_operator and remove_evict_leaders act on state the snapshot
	// does not hold (running operators, evict-leader's store list);
	// set_store_weight and set_store_limit have no call in our PD client.
	return nil, fmt.Errorf("%w: %s", ErrNotRehearsable, name)
}

// configChange posts a schedule config patch and reports the change as
// "key old -> new", read back from PD before and after.
func configChange(key string, patch pd.SchedulePatch) func(ctx context.Context, c *pd.Client) ([]string, error) {
	return func(ctx context.Context, c *pd.Client) ([]string, error) {
		before, err := c.GetScheduleConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("read schedule config: %w", err)
		}
		if err := c.SetScheduleConfig(ctx, patch); err != nil {
			return nil, err
		}
		after, err := c.GetScheduleConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("read schedule config back: %w", err)
		}
		return []string{fmt.Sprintf("%s %s -> %s", key, before.Raw[key], after.Raw[key])}, nil
	}
}
