package actions

import (
	"context"
	"fmt"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// storeWeightFamily sets a store's leader and region weights.
type storeWeightFamily struct{ d *Driver }

type weightWatch struct {
	Kind         string  `json:"kind"` // "store-weight"
	StoreID      uint64  `json:"store_id"`
	LeaderWeight float64 `json:"leader_weight"`
	RegionWeight float64 `json:"region_weight"`
}

func (f storeWeightFamily) plan(ctx context.Context, p runParams) (action.Intent, error) {
	st, err := f.d.mustStore(ctx, p.store)
	if err != nil {
		return action.Intent{}, err
	}
	id := uint64(p.store)
	return action.Intent{
		Call:   fmt.Sprintf("POST /store/%d/weight {leader: %s, region: %s}", id, fmtValue(p.leaderW), fmtValue(p.regionW)),
		Watch:  jsonValue(weightWatch{Kind: "store-weight", StoreID: id, LeaderWeight: p.leaderW, RegionWeight: p.regionW}).(map[string]any),
		Before: map[string]any{"store": jsonValue(snapStore(st))},
		Undo: &action.Step{Action: SetStoreWeight, Params: map[string]any{"store_id": id,
			"leader_weight": st.Status.LeaderWeight, "region_weight": st.Status.RegionWeight}},
	}, nil
}

func (f storeWeightFamily) submit(ctx context.Context, p runParams) error {
	return f.d.write.SetStoreWeight(ctx, p.store, p.leaderW, p.regionW)
}

func (f storeWeightFamily) read(ctx context.Context, in action.Intent) (weightWatch, storeSnap, *pd.StoreInfo, error) {
	var w weightWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return w, storeSnap{}, nil, fmt.Errorf("intent watch: %w", err)
	}
	var before storeSnap
	if err := recorded(in.Before, "store", &before); err != nil {
		return w, before, nil, err
	}
	st, err := f.d.mustStore(ctx, pd.StoreID(w.StoreID))
	return w, before, st, err
}

func weights(l, r float64) string {
	return fmt.Sprintf("leader %s, region %s", fmtValue(l), fmtValue(r))
}

func (f storeWeightFamily) observe(ctx context.Context, p runParams, in action.Intent) (action.Observation, error) {
	w, before, st, err := f.read(ctx, in)
	if err != nil {
		return action.Observation{}, err
	}
	l, r := st.Status.LeaderWeight, st.Status.RegionWeight
	return judgeValue(fmt.Sprintf("weights of store %d", w.StoreID), weights(l, r),
		sameFloat(l, w.LeaderWeight) && sameFloat(r, w.RegionWeight),
		sameFloat(l, before.LeaderWeight) && sameFloat(r, before.RegionWeight)), nil
}

func (f storeWeightFamily) verify(ctx context.Context, p runParams, in action.Intent) (action.Verification, error) {
	w, _, st, err := f.read(ctx, in)
	if err != nil {
		return action.Verification{}, err
	}
	l, r := st.Status.LeaderWeight, st.Status.RegionWeight
	return verdict(sameFloat(l, w.LeaderWeight) && sameFloat(r, w.RegionWeight), fmt.Sprintf("weights of store %d", w.StoreID),
		weights(l, r), weights(w.LeaderWeight, w.RegionWeight), map[string]any{"store": jsonValue(snapStore(st))}), nil
}

// storeLimitFamily sets one direction of a store's operation limit.
type storeLimitFamily struct{ d *Driver }

type limitWatch struct {
	Kind    string  `json:"kind"` // "store-limit"
	StoreID uint64  `json:"store_id"`
	Type    string  `json:"type"`
	Rate    float64 `json:"rate"`
}

func (f storeLimitFamily) rate(ctx context.Context, id pd.StoreID, typ string) (float64, error) {
	all, err := f.d.read.GetStoreLimits(ctx)
	if err != nil {
		return 0, fmt.Errorf("read store limits: %w", err)
	}
	lim, ok := all[id]
	if !ok {
		return 0, fmt.Errorf("PD lists no limits for store %d: %w", id, pd.ErrNotFound)
	}
	if typ == string(pd.StoreLimitRemovePeer) {
		return lim.RemovePeer, nil
	}
	return lim.AddPeer, nil
}

func (f storeLimitFamily) plan(ctx context.Context, p runParams) (action.Intent, error) {
	st, err := f.d.mustStore(ctx, p.store)
	if err != nil {
		return action.Intent{}, err
	}
	cur, err := f.rate(ctx, p.store, p.limitType)
	if err != nil {
		return action.Intent{}, err
	}
	id := uint64(p.store)
	return action.Intent{
		Call:   fmt.Sprintf("POST /store/%d/limit {type: %s, rate: %s}", id, p.limitType, fmtValue(p.rate)),
		Watch:  jsonValue(limitWatch{Kind: "store-limit", StoreID: id, Type: p.limitType, Rate: p.rate}).(map[string]any),
		Before: map[string]any{"store": jsonValue(snapStore(st)), "type": p.limitType, "rate": cur},
		// Exact, even when PD's current rate is outside the registry's
		// range (PD lifts remove-peer while a store drains): the undo's
		// own preflight then says so rather than us rounding it.
		Undo: &action.Step{Action: SetStoreLimit, Params: map[string]any{"store_id": id, "type": p.limitType, "rate": cur}},
	}, nil
}

func (f storeLimitFamily) submit(ctx context.Context, p runParams) error {
	return f.d.write.SetStoreLimit(ctx, p.store, pd.StoreLimitType(p.limitType), p.rate)
}

func (f storeLimitFamily) observe(ctx context.Context, p runParams, in action.Intent) (action.Observation, error) {
	var w limitWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Observation{}, fmt.Errorf("intent watch: %w", err)
	}
	var before float64
	if err := recorded(in.Before, "rate", &before); err != nil {
		return action.Observation{}, err
	}
	cur, err := f.rate(ctx, pd.StoreID(w.StoreID), w.Type)
	if err != nil {
		return action.Observation{}, err
	}
	return judgeValue(fmt.Sprintf("%s limit of store %d", w.Type, w.StoreID), fmtValue(cur)+"/min",
		sameFloat(cur, w.Rate), sameFloat(cur, before)), nil
}

func (f storeLimitFamily) verify(ctx context.Context, p runParams, in action.Intent) (action.Verification, error) {
	var w limitWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Verification{}, fmt.Errorf("intent watch: %w", err)
	}
	cur, err := f.rate(ctx, pd.StoreID(w.StoreID), w.Type)
	if err != nil {
		return action.Verification{}, err
	}
	return verdict(sameFloat(cur, w.Rate), fmt.Sprintf("%s limit of store %d", w.Type, w.StoreID),
		fmtValue(cur)+"/min", fmtValue(w.Rate)+"/min", map[string]any{"type": w.Type, "rate": cur}), nil
}
