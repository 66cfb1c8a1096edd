package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// operatorFamily runs the actions PD carries out as an admin operator on a
// region: transfer_leader, transfer_peer, add_peer, remove_peer,
// split_region, merge_region.
type operatorFamily struct{ d *Driver }

// operatorDesc is the desc PD gives each action's admin operator.
var operatorDesc = map[string]string{
	TransferLeader: "admin-transfer-leader",
	TransferPeer:   "admin-move-peer",
	AddPeer:        "admin-add-peer",
	RemovePeer:     "admin-remove-peer",
	SplitRegion:    "admin-split-region",
	MergeRegion:    "admin-merge-region",
}

// durableFor is how long an operator's effect outlasts anything PD does on
// its own, so that no effect proves it did not run whatever became of the
// records. A split is not merged back within PD's split-merge-interval
// (1h by default; a cluster that lowered it makes this optimistic by the
// difference); a merged source region never comes back. Leader and peer
// moves can be undone by PD's balancers within seconds: zero.
func durableFor(desc string) time.Duration {
	switch desc {
	case operatorDesc[SplitRegion]:
		return time.Hour
	case operatorDesc[MergeRegion]:
		return 24 * time.Hour
	}
	return 0
}

// opWatch is what Observe looks for: our admin operator on a region (and,
// for a merge, its companion on the target), or its effect.
type opWatch struct {
	Kind           string `json:"kind"`     // "operator"
	Operator       string `json:"operator"` // PD's request name: "split-region"
	Desc           string `json:"desc"`     // the operator PD creates: "admin-split-region"
	RegionID       uint64 `json:"region_id"`
	TargetRegionID uint64 `json:"target_region_id,omitempty"`
	StoreID        uint64 `json:"store_id,omitempty"`
	FromStoreID    uint64 `json:"from_store_id,omitempty"`
	ToStoreID      uint64 `json:"to_store_id,omitempty"`
	Policy         string `json:"policy,omitempty"`
	Key            string `json:"key,omitempty"`
	// PDLeader is PD's leader when the intent was recorded. PD keeps its
	// operator records in the leader's memory: under another leader an
	// absent record proves nothing.
	PDLeader string `json:"pd_leader,omitempty"`
}

// request builds the POST /operators body from the validated parameters.
func (f operatorFamily) request(p runParams) pd.OperatorRequest {
	switch p.action {
	case TransferLeader:
		return pd.TransferLeader(p.region, p.to)
	case TransferPeer:
		return pd.TransferPeer(p.region, p.from, p.to)
	case AddPeer:
		return pd.AddPeer(p.region, p.store)
	case RemovePeer:
		return pd.RemovePeer(p.region, p.store)
	case MergeRegion:
		return pd.MergeRegion(p.region, p.target)
	case SplitRegion:
		switch p.policy {
		case "scan":
			return pd.SplitRegion(p.region, pd.SplitScan)
		case "usekey":
			return pd.SplitRegion(p.region, pd.SplitUseKey, p.key)
		}
		return pd.SplitRegion(p.region, pd.SplitApproximate)
	}
	return pd.OperatorRequest{} // invalid: CreateOperator refuses it
}

func (f operatorFamily) plan(ctx context.Context, p runParams) (action.Intent, error) {
	req := f.request(p)
	if err := req.Validate(); err != nil {
		return action.Intent{}, fmt.Errorf("%w: %v", action.ErrInvalid, err)
	}
	r, err := f.d.mustRegion(ctx, p.region)
	if err != nil {
		return action.Intent{}, err
	}
	before := map[string]any{"region": jsonValue(snapRegion(r))}
	if p.action == MergeRegion {
		t, err := f.d.mustRegion(ctx, p.target)
		if err != nil {
			return action.Intent{}, err
		}
		before["target_region"] = jsonValue(snapRegion(t))
	}
	stores, err := f.d.storesSnap(ctx, p.store, p.from, p.to)
	if err != nil {
		return action.Intent{}, err
	}
	if len(stores) > 0 {
		before["stores"] = jsonValue(stores)
	}
	w := opWatch{Kind: "operator", Operator: req.Name(), Desc: operatorDesc[p.action], RegionID: uint64(p.region),
		TargetRegionID: uint64(p.target), StoreID: uint64(p.store), FromStoreID: uint64(p.from), ToStoreID: uint64(p.to),
		Policy: p.policy, Key: p.key, PDLeader: f.d.pdLeader(ctx)}
	in := action.Intent{
		Call:   fmt.Sprintf("POST /operators %s region %d: %s", req.Name(), p.region, req),
		Watch:  jsonValue(w).(map[string]any),
		Before: before,
	}
	region := uint64(p.region)
	switch p.action {
	case TransferLeader:
		in.Undo = &action.Step{Action: TransferLeader, Params: map[string]any{"region_id": region, "to_store_id": uint64(r.Leader.StoreID)}}
	case TransferPeer:
		in.Undo = &action.Step{Action: TransferPeer, Params: map[string]any{"region_id": region, "from_store_id": uint64(p.to), "to_store_id": uint64(p.from)}}
	case AddPeer:
		in.Undo = &action.Step{Action: RemovePeer, Params: map[string]any{"region_id": region, "store_id": uint64(p.store)}}
	case RemovePeer:
		in.Undo = &action.Step{Action: AddPeer, Params: map[string]any{"region_id": region, "store_id": uint64(p.store)}}
	}
	return in, nil
}

func (f operatorFamily) submit(ctx context.Context, p runParams) error {
	return f.d.write.CreateOperator(ctx, f.request(p))
}

// ours reports whether op is the operator this intent asked for: the same
// admin operator, created after the intent (PD's clock, with some slack).
func (f operatorFamily) ours(op pd.OperatorDetail, w opWatch, since time.Time) bool {
	if op.Desc != w.Desc || !op.Kind.Has(pd.OpAdmin) {
		return false
	}
	return afterIntent(op, since)
}

// afterIntent: PD created op after the intent (or did not say when).
func afterIntent(op pd.OperatorDetail, since time.Time) bool {
	return op.CreateAt.IsZero() || !op.CreateAt.Before(since)
}

func (f operatorFamily) watched(w opWatch) []pd.RegionID {
	ids := []pd.RegionID{pd.RegionID(w.RegionID)}
	if w.TargetRegionID != 0 {
		ids = append(ids, pd.RegionID(w.TargetRegionID))
	}
	return ids
}

// getOperator reads the running or last operator of a region; none is nil.
func (d *Driver) getOperator(ctx context.Context, id pd.RegionID) (*pd.OperatorDetail, error) {
	op, err := d.read.GetOperator(ctx, id)
	if errors.Is(err, pd.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the operator of region %d: %w", id, err)
	}
	return op, nil
}

func opData(op pd.OperatorDetail) map[string]any {
	m := map[string]any{"region_id": uint64(op.RegionID), "desc": op.Desc, "status": op.State.String(),
		"step": op.CurrentStep, "steps": len(op.Steps)}
	if !op.CreateAt.IsZero() {
		m["create_at"] = op.CreateAt.UTC().Format(time.RFC3339Nano)
	}
	if !op.FinishAt.IsZero() {
		m["finish_at"] = op.FinishAt.UTC().Format(time.RFC3339Nano)
	}
	return m
}

// observe: our operator running; else its record; else its effect; else
// no trace (did not run, or PD may have forgotten).
func (f operatorFamily) observe(ctx context.Context, p runParams, in action.Intent) (action.Observation, error) {
	var w opWatch
	if err := fromJSONValue(in.Watch, &w); err != nil || w.Kind != "operator" {
		return action.Observation{}, fmt.Errorf("intent watch %v is not an operator watch", in.Watch)
	}
	since := in.At.Add(-clockSlack)
	what := fmt.Sprintf("operator %s on region %d", w.Desc, w.RegionID)
	var ended []pd.OperatorDetail
	var foreign []string
	seen := func(op pd.OperatorDetail) bool {
		return slices.ContainsFunc(ended, func(o pd.OperatorDetail) bool {
			return o.RegionID == op.RegionID && o.CreateAt.Equal(op.CreateAt)
		})
	}
	for _, id := range f.watched(w) {
		op, err := f.d.getOperator(ctx, id)
		if err != nil {
			return action.Observation{}, err
		}
		switch {
		case op == nil:
		case !f.ours(*op, w, since):
			// Only another operator created after the intent can have
			// replaced our record; one running since before it kept
			// ours from being added at all.
			if afterIntent(*op, since) {
				foreign = append(foreign, fmt.Sprintf("%s on region %d (%s)", op.Desc, op.RegionID, op.State))
			}
		case !op.State.Ended():
			return action.Observation{Phase: action.PhaseRunning, Data: opData(*op),
				Detail: fmt.Sprintf("%s: %s at step %d of %d", what, op.State, op.CurrentStep, len(op.Steps))}, nil
		default:
			ended = append(ended, *op)
		}
	}
	recs, err := f.d.read.GetOperatorRecords(ctx, since)
	if err != nil {
		return action.Observation{}, fmt.Errorf("read operator records since %s: %w", since.Format(time.RFC3339), err)
	}
	for _, rec := range recs {
		if !slices.Contains(f.watched(w), rec.RegionID) {
			continue
		}
		if f.ours(rec, w, since) {
			if !seen(rec) {
				ended = append(ended, rec)
			}
		} else if afterIntent(rec, since) {
			foreign = append(foreign, fmt.Sprintf("%s on region %d (%s)", rec.Desc, rec.RegionID, rec.State))
		}
	}
	if len(ended) > 0 {
		return f.judge(ctx, w, in, ended)
	}
	age := f.d.ageOf(in)
	if age < f.d.opts.RecordRetention && len(foreign) == 0 && f.d.sameLeader(ctx, w.PDLeader) {
		// PD records every finished operator for RecordRetention and only
		// another operator on the region replaces the record: none of
		// either means ours never existed, whatever else changed the
		// region meanwhile (TiKV splits a growing region by itself).
		return action.Observation{Phase: action.PhaseNotRun,
			Detail: fmt.Sprintf("%s: PD has no such operator and no record of one %s after the intent (it keeps records %s): it did not run",
				what, age.Round(time.Second), f.d.opts.RecordRetention)}, nil
	}
	ok, detail, err := f.effect(ctx, w, in)
	if err != nil {
		return action.Observation{}, err
	}
	if ok {
		// The change is in place, but without a record nothing says who
		// made it: PD's balancers and TiKV's own splits make the same.
		return action.Observation{Phase: action.PhaseUnknown,
			Detail: fmt.Sprintf("%s: its effect is in place (%s) but PD no longer has a record of it: it may have run, or something else made the same change",
				what, detail)}, nil
	}
	if age < durableFor(w.Desc) {
		return action.Observation{Phase: action.PhaseNotRun,
			Detail: fmt.Sprintf("%s: no operator, no record and no effect %s after the intent, and PD does not undo a %s that soon: it did not run",
				what, age.Round(time.Second), strings.TrimPrefix(w.Desc, "admin-"))}, nil
	}
	if len(foreign) > 0 {
		slices.Sort(foreign)
		return action.Observation{Phase: action.PhaseUnknown, Data: map[string]any{"other_operators": foreign},
			Detail: fmt.Sprintf("%s: no record and no effect, but PD ran %s on the region since the intent; PD keeps one record per region, so ours may have run and been overwritten",
				what, strings.Join(slices.Compact(foreign), ", "))}, nil
	}
	return f.d.noTrace(in, what), nil
}

// pdLeader names PD's leader ("" when it cannot be read). The member's
// name, not its ID: IDs are 64-bit and the intent is JSON.
func (d *Driver) pdLeader(ctx context.Context) string {
	l, err := d.read.GetLeader(ctx)
	if err != nil || l == nil {
		return ""
	}
	return l.Name
}

// sameLeader reports whether PD's leader is still the one recorded with
// the intent: only then do its operator records cover the whole time
// since. Unknown on either side counts as changed.
func (d *Driver) sameLeader(ctx context.Context, recorded string) bool {
	return recorded != "" && d.pdLeader(ctx) == recorded
}

// judge turns our ended operators into a phase. A merge ends with the
// source's operator CANCEL (its region is gone) and the target's SUCCESS.
func (f operatorFamily) judge(ctx context.Context, w opWatch, in action.Intent, ended []pd.OperatorDetail) (action.Observation, error) {
	slices.SortFunc(ended, func(a, b pd.OperatorDetail) int { return a.CreateAt.Compare(b.CreateAt) })
	what := fmt.Sprintf("operator %s on region %d", w.Desc, w.RegionID)
	var states []string
	for _, op := range ended {
		states = append(states, fmt.Sprintf("region %d: %s", op.RegionID, op.State))
	}
	last := ended[len(ended)-1]
	data := opData(last)
	success := slices.ContainsFunc(ended, func(op pd.OperatorDetail) bool { return op.State == pd.OperatorSuccess })
	if w.TargetRegionID == 0 {
		success = last.State == pd.OperatorSuccess
	}
	if success {
		return action.Observation{Phase: action.PhaseFinished, Data: data,
			Detail: fmt.Sprintf("%s: SUCCESS (%s)", what, strings.Join(states, ", "))}, nil
	}
	if w.TargetRegionID != 0 {
		// The target's record may already be gone while the source's
		// CANCEL stays: the merge itself is the evidence.
		if ok, detail, err := f.effect(ctx, w, in); err != nil {
			return action.Observation{}, err
		} else if ok {
			return action.Observation{Phase: action.PhaseFinished, Data: data, Detail: fmt.Sprintf("%s: %s", what, detail)}, nil
		}
	}
	return action.Observation{Phase: action.PhaseFailed, Data: data,
		Detail: fmt.Sprintf("%s ended without success: %s", what, strings.Join(states, ", "))}, nil
}

// effect reports whether the action's effect is visible on the region,
// compared with the snapshot taken before.
func (f operatorFamily) effect(ctx context.Context, w opWatch, in action.Intent) (bool, string, error) {
	var before regionSnap
	if err := recorded(in.Before, "region", &before); err != nil {
		return false, "", err
	}
	res, err := f.check(ctx, w, in, before)
	if err != nil {
		return false, "", err
	}
	return res.ok && res.changed, res.detail, nil
}

// checkResult is what check found: ok when the intended state holds,
// changed when it differs from before (so it is this action's doing, or
// at least happened after the intent).
type checkResult struct {
	ok, changed bool
	detail      string
	after       map[string]any
}

// check compares the region now with the intent.
func (f operatorFamily) check(ctx context.Context, w opWatch, in action.Intent, before regionSnap) (checkResult, error) {
	id := pd.RegionID(w.RegionID)
	r, err := f.d.getRegion(ctx, id)
	if err != nil {
		return checkResult{}, err
	}
	after := map[string]any{"region": nil}
	if r != nil {
		after["region"] = jsonValue(snapRegion(r))
	}
	if w.Operator == "merge-region" {
		return f.checkMerge(ctx, w, in, before, r, after)
	}
	if r == nil {
		return checkResult{detail: fmt.Sprintf("region %d no longer exists", id), after: after}, nil
	}
	now := snapRegion(r)
	res := checkResult{after: after}
	switch w.Operator {
	case "transfer-leader":
		to := pd.StoreID(w.ToStoreID)
		res.ok = now.LeaderStore == uint64(to)
		res.changed = before.LeaderStore != uint64(to)
		res.detail = fmt.Sprintf("leader of region %d is on store %d (was %d, target %d)", id, now.LeaderStore, before.LeaderStore, to)
	case "add-peer":
		p, has := now.peerOn(pd.StoreID(w.StoreID))
		bp, had := before.peerOn(pd.StoreID(w.StoreID))
		res.ok, res.changed = has && p.Role == pd.RoleVoter.String(), !had
		res.detail = fmt.Sprintf("region %d on store %d: %s (before: %s)", id, w.StoreID, peerWord(p, has), peerWord(bp, had))
	case "remove-peer":
		p, has := now.peerOn(pd.StoreID(w.StoreID))
		bp, had := before.peerOn(pd.StoreID(w.StoreID))
		res.ok, res.changed = !has, had
		res.detail = fmt.Sprintf("region %d on store %d: %s (before: %s)", id, w.StoreID, peerWord(p, has), peerWord(bp, had))
	case "transfer-peer":
		pt, onTo := now.peerOn(pd.StoreID(w.ToStoreID))
		_, onFrom := now.peerOn(pd.StoreID(w.FromStoreID))
		_, hadFrom := before.peerOn(pd.StoreID(w.FromStoreID))
		res.ok = onTo && pt.Role == pd.RoleVoter.String() && !onFrom
		res.changed = hadFrom
		res.detail = fmt.Sprintf("region %d: store %d %s, store %d %s", id, w.FromStoreID, peerWord(peerSnap{}, onFrom), w.ToStoreID, peerWord(pt, onTo))
	case "split-region":
		return f.checkSplit(ctx, before, now, after)
	default:
		return checkResult{}, fmt.Errorf("operator %q is not one the driver checks", w.Operator)
	}
	return res, nil
}

func peerWord(p peerSnap, has bool) string {
	if !has {
		return "no replica"
	}
	return "a " + p.Role
}

// splitPage and maxSplitPages bound the scan that checks a split's pieces
// cover the old range (4096 regions).
const (
	splitPage     = 256
	maxSplitPages = 16
)

// checkSplit: the region kept its id and part of its range (TiKV keeps the
// original id on one side), and other regions cover the rest.
func (f operatorFamily) checkSplit(ctx context.Context, before, now regionSnap, after map[string]any) (checkResult, error) {
	res := checkResult{after: after}
	shrank := (now.StartKey != before.StartKey || now.EndKey != before.EndKey) &&
		keyLE(before.StartKey, now.StartKey) && endLE(now.EndKey, before.EndKey)
	if !shrank {
		res.detail = fmt.Sprintf("region %d still spans %s (version %d, was %d)", now.ID, now.span(), now.Version, before.Version)
		return res, nil
	}
	// The rest of the old range may be many regions by now (TiKV keeps
	// splitting a hot region by size), so page through it, bounded.
	// The detail names the pieces by id (their spans are in the
	// verification's record): a person reads it on one line.
	var parts []string
	var pieces []any
	count := 0
	cursor, covered, done := before.StartKey, false, false
	for page := 0; page < maxSplitPages && !done; page++ {
		list, err := f.d.read.GetRegionsByKey(ctx, cursor, splitPage)
		if err != nil {
			return checkResult{}, fmt.Errorf("scan regions from %s: %w", shortKey(cursor), err)
		}
		if len(list.Regions) == 0 {
			break
		}
		for _, r := range list.Regions {
			if r.StartKey != cursor {
				done = true
				break
			}
			count++
			if len(parts) < 8 {
				parts = append(parts, fmt.Sprint(r.ID))
				pieces = append(pieces, jsonValue(snapRegion(&r)))
			} else if len(parts) == 8 {
				parts = append(parts, "...")
			}
			cursor = r.EndKey
			if cursor == before.EndKey || (cursor == "" && before.EndKey == "") || !endLE(cursor, before.EndKey) {
				covered, done = cursor == before.EndKey, true
				break
			}
		}
	}
	after["parts"] = pieces
	res.changed = true
	res.ok = covered && count >= 2
	res.detail = fmt.Sprintf("region %d split: its range is now %d regions (%s)", now.ID, count, strings.Join(parts, ", "))
	if !res.ok {
		res.detail = fmt.Sprintf("region %d shrank to %s but the regions from %s do not cover %s contiguously: %s",
			now.ID, now.span(), shortKey(before.StartKey), before.span(), strings.Join(parts, ", "))
	}
	return res, nil
}

// checkMerge: the source region is gone and the target covers both ranges.
func (f operatorFamily) checkMerge(ctx context.Context, w opWatch, in action.Intent, before regionSnap, src *pd.RegionInfo, after map[string]any) (checkResult, error) {
	var tb regionSnap
	if err := recorded(in.Before, "target_region", &tb); err != nil {
		return checkResult{}, err
	}
	t, err := f.d.getRegion(ctx, pd.RegionID(w.TargetRegionID))
	if err != nil {
		return checkResult{}, err
	}
	res := checkResult{after: after}
	if t != nil {
		after["target_region"] = jsonValue(snapRegion(t))
	}
	if src != nil {
		res.detail = fmt.Sprintf("region %d still exists, spanning %s", w.RegionID, snapRegion(src).span())
		return res, nil
	}
	if t == nil {
		res.detail = fmt.Sprintf("both region %d and target region %d are gone", w.RegionID, w.TargetRegionID)
		return res, nil
	}
	start, end := tb.StartKey, tb.EndKey
	if before.EndKey == tb.StartKey {
		start = before.StartKey
	} else {
		end = before.EndKey
	}
	ts := snapRegion(t)
	res.changed = true
	res.ok = keyLE(ts.StartKey, start) && endLE(end, ts.EndKey)
	res.detail = fmt.Sprintf("region %d is gone; region %d spans %s (needs [%s, %s))", w.RegionID, w.TargetRegionID, ts.span(), shortKey(start), shortKey(end))
	return res, nil
}

// keyLE compares start keys (hex of memcomparable keys compares like the
// keys; "" is the very beginning).
func keyLE(a, b string) bool { return a <= b }

// endLE compares end keys, where "" is the very end.
func endLE(a, b string) bool {
	switch {
	case b == "":
		return true
	case a == "":
		return false
	}
	return a <= b
}

func (f operatorFamily) verify(ctx context.Context, p runParams, in action.Intent) (action.Verification, error) {
	var w opWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Verification{}, fmt.Errorf("intent watch: %w", err)
	}
	var before regionSnap
	if err := recorded(in.Before, "region", &before); err != nil {
		return action.Verification{}, err
	}
	res, err := f.check(ctx, w, in, before)
	if err != nil {
		return action.Verification{}, err
	}
	return action.Verification{OK: res.ok, Detail: res.detail, After: res.after}, nil
}

// cancel cancels the intent's operator if, and only if, it is still
// running and is ours: PD cancels whatever runs on a region, so a foreign
// operator (PD's own, another tool's) is left alone. There is a window
// between the read and the DELETE in which ours could end and another
// start; PD's API offers no compare-and-cancel.
func (f operatorFamily) cancel(ctx context.Context, p runParams, in action.Intent) error {
	var w opWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return fmt.Errorf("intent watch: %w", err)
	}
	id := pd.RegionID(w.RegionID)
	op, err := f.d.getOperator(ctx, id)
	if err != nil || op == nil || op.State.Ended() {
		return err
	}
	if !f.ours(*op, w, in.At.Add(-clockSlack)) {
		f.d.opts.Log.Info("not cancelling an operator this run did not create", "region", id, "operator", op.Desc, "created", op.CreateAt)
		return nil
	}
	if err := f.d.write.CancelOperator(ctx, id); err != nil && !errors.Is(err, pd.ErrNotFound) {
		return err
	}
	return nil
}
