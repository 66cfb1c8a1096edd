package actions

import (
	"context"
	"fmt"
	"slices"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// storeStateFamily drains a store (DELETE /store/{id}: Offline, then PD
// makes it Tombstone) and cancels a drain (state Up).
type storeStateFamily struct{ d *Driver }

type storeStateWatch struct {
	Kind    string `json:"kind"` // "store-state"
	StoreID uint64 `json:"store_id"`
	To      string `json:"to"` // "Offline" or "Up"
}

func (f storeStateFamily) plan(ctx context.Context, p runParams) (action.Intent, error) {
	st, err := f.d.mustStore(ctx, p.store)
	if err != nil {
		return action.Intent{}, err
	}
	snap := snapStore(st)
	id := uint64(p.store)
	in := action.Intent{Before: map[string]any{"store": jsonValue(snap), "stored_state": st.Store.State.String()}}
	if p.action == DrainStore {
		in.Call = fmt.Sprintf("DELETE /store/%d", id)
		in.Watch = jsonValue(storeStateWatch{Kind: "store-state", StoreID: id, To: pd.StoreOffline.String()}).(map[string]any)
		if st.Store.State == pd.StoreUp {
			in.Undo = &action.Step{Action: CancelDrain, Params: map[string]any{"store_id": id}}
		}
		return in, nil
	}
	in.Call = fmt.Sprintf("POST /store/%d/state?state=Up", id)
	in.Watch = jsonValue(storeStateWatch{Kind: "store-state", StoreID: id, To: pd.StoreUp.String()}).(map[string]any)
	if st.Store.State == pd.StoreOffline {
		in.Undo = &action.Step{Action: DrainStore, Params: map[string]any{"store_id": id}}
	}
	return in, nil
}

func (f storeStateFamily) submit(ctx context.Context, p runParams) error {
	if p.action == DrainStore {
		// Never force: a physically destroyed store can never come back.
		return f.d.write.DeleteStore(ctx, p.store, false)
	}
	return f.d.write.SetStoreState(ctx, p.store, pd.StoreUp)
}

// observe uses the stored state: a Down store is stored Up, and Down says
// nothing about whether the drain was asked for.
func (f storeStateFamily) observe(ctx context.Context, p runParams, in action.Intent) (action.Observation, error) {
	var w storeStateWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Observation{}, fmt.Errorf("intent watch: %w", err)
	}
	what := fmt.Sprintf("store %d", w.StoreID)
	st, err := f.d.getStore(ctx, pd.StoreID(w.StoreID))
	if err != nil {
		return action.Observation{}, err
	}
	if st == nil {
		if w.To == pd.StoreOffline.String() {
			return action.Observation{Phase: action.PhaseFinished, Detail: what + " is gone from PD (drained to Tombstone and removed)"}, nil
		}
		return action.Observation{Phase: action.PhaseFailed, Detail: what + " is gone from PD: it can no longer be brought Up"}, nil
	}
	state := st.Store.State
	now := fmt.Sprintf("%s (%s, %d regions)", state, st.Store.StateName, st.Status.RegionCount)
	if w.To == pd.StoreOffline.String() {
		// Tombstone is where a drain ends.
		return judgeValue(what, now, state == pd.StoreOffline || state == pd.StoreTombstone, state == pd.StoreUp), nil
	}
	if state == pd.StoreTombstone {
		return action.Observation{Phase: action.PhaseFailed,
			Detail: what + " is Tombstone: the drain finished before it could be cancelled"}, nil
	}
	return judgeValue(what, now, state == pd.StoreUp, state == pd.StoreOffline), nil
}

// verify: a drain is going when the store is Offline and holds fewer
// regions than before (or none); a cancel when it is Up.
func (f storeStateFamily) verify(ctx context.Context, p runParams, in action.Intent) (action.Verification, error) {
	var w storeStateWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Verification{}, fmt.Errorf("intent watch: %w", err)
	}
	var before storeSnap
	if err := recorded(in.Before, "store", &before); err != nil {
		return action.Verification{}, err
	}
	what := fmt.Sprintf("store %d", w.StoreID)
	st, err := f.d.getStore(ctx, pd.StoreID(w.StoreID))
	if err != nil {
		return action.Verification{}, err
	}
	if st == nil {
		ok := w.To == pd.StoreOffline.String()
		return action.Verification{OK: ok, Detail: what + " is gone from PD (Tombstone removed)", After: map[string]any{"store": nil}}, nil
	}
	after := map[string]any{"store": jsonValue(snapStore(st)), "stored_state": st.Store.State.String()}
	state, n := st.Store.State, st.Status.RegionCount
	if w.To == pd.StoreUp.String() {
		return verdict(state == pd.StoreUp, what, state.String(), "Up", after), nil
	}
	now := fmt.Sprintf("%s with %d regions (%d before)", state, n, before.RegionCount)
	switch {
	case state != pd.StoreOffline && state != pd.StoreTombstone:
		return action.Verification{Detail: fmt.Sprintf("%s is %s, not Offline: it is not draining", what, now), After: after}, nil
	case n == 0 || n < before.RegionCount:
		return action.Verification{OK: true, Detail: fmt.Sprintf("%s is %s: draining", what, now), After: after}, nil
	}
	return action.Verification{Detail: fmt.Sprintf("%s is %s: its region count is not falling", what, now), After: after}, nil
}

// evictFamily adds a store to evict-leader-scheduler and removes it.
type evictFamily struct{ d *Driver }

type evictWatch struct {
	Kind    string `json:"kind"` // "evict-leader"
	StoreID uint64 `json:"store_id"`
	Present bool   `json:"present"` // the store is to be in the scheduler's list
}

func (f evictFamily) evicting(ctx context.Context, id pd.StoreID) (bool, error) {
	ids, err := f.d.read.GetEvictLeaderStores(ctx)
	if err != nil {
		return false, fmt.Errorf("read evict-leader-scheduler's stores: %w", err)
	}
	return slices.Contains(ids, id), nil
}

func (f evictFamily) plan(ctx context.Context, p runParams) (action.Intent, error) {
	st, err := f.d.mustStore(ctx, p.store)
	if err != nil {
		return action.Intent{}, err
	}
	on, err := f.evicting(ctx, p.store)
	if err != nil {
		return action.Intent{}, err
	}
	id := uint64(p.store)
	add := p.action == EvictLeader
	in := action.Intent{
		Watch:  jsonValue(evictWatch{Kind: "evict-leader", StoreID: id, Present: add}).(map[string]any),
		Before: map[string]any{"store": jsonValue(snapStore(st)), "evicting": on},
	}
	if add {
		in.Call = fmt.Sprintf("POST /schedulers {name: evict-leader-scheduler, store_id: %d}", id)
		if !on { // else the eviction was there before us: not ours to undo
			in.Undo = &action.Step{Action: CancelEvictLeader, Params: map[string]any{"store_id": id}}
		}
	} else {
		in.Call = fmt.Sprintf("DELETE /schedulers/evict-leader-scheduler-%d", id)
		if on {
			in.Undo = &action.Step{Action: EvictLeader, Params: map[string]any{"store_id": id}}
		}
	}
	return in, nil
}

func (f evictFamily) submit(ctx context.Context, p runParams) error {
	if p.action == EvictLeader {
		return f.d.write.AddScheduler(ctx, "evict-leader-scheduler", p.store)
	}
	return f.d.write.DeleteScheduler(ctx, fmt.Sprintf("evict-leader-scheduler-%d", p.store))
}

func onOff(on bool) string {
	if on {
		return "in evict-leader-scheduler"
	}
	return "not in evict-leader-scheduler"
}

func (f evictFamily) observe(ctx context.Context, p runParams, in action.Intent) (action.Observation, error) {
	var w evictWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Observation{}, fmt.Errorf("intent watch: %w", err)
	}
	on, err := f.evicting(ctx, pd.StoreID(w.StoreID))
	if err != nil {
		return action.Observation{}, err
	}
	return judgeValue(fmt.Sprintf("store %d", w.StoreID), onOff(on), on == w.Present, on != w.Present), nil
}

// verify: the scheduler names the store (or not), and after an eviction
// the store's leader count is falling or zero.
func (f evictFamily) verify(ctx context.Context, p runParams, in action.Intent) (action.Verification, error) {
	var w evictWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Verification{}, fmt.Errorf("intent watch: %w", err)
	}
	var before storeSnap
	if err := recorded(in.Before, "store", &before); err != nil {
		return action.Verification{}, err
	}
	id := pd.StoreID(w.StoreID)
	on, err := f.evicting(ctx, id)
	if err != nil {
		return action.Verification{}, err
	}
	st, err := f.d.mustStore(ctx, id)
	if err != nil {
		return action.Verification{}, err
	}
	after := map[string]any{"store": jsonValue(snapStore(st)), "evicting": on}
	what := fmt.Sprintf("store %d", id)
	if !w.Present {
		return verdict(!on, what, onOff(on), onOff(false), after), nil
	}
	n := st.Status.LeaderCount
	switch {
	case !on:
		return action.Verification{Detail: what + " is " + onOff(on), After: after}, nil
	case n == 0 || n < before.LeaderCount:
		return action.Verification{OK: true, After: after,
			Detail: fmt.Sprintf("%s is %s and leads %d regions (%d before)", what, onOff(on), n, before.LeaderCount)}, nil
	}
	return action.Verification{After: after,
		Detail: fmt.Sprintf("%s is %s but still leads %d regions (%d before): its leader count is not falling", what, onOff(on), n, before.LeaderCount)}, nil
}
