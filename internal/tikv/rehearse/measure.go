package rehearse

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/observe"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// measure counts the replicas that landed on a new store and their bytes.
// For an admin operator they are its completed add-learner steps, each a
// copy of the region (a merge's source region is gone afterwards, and a
// checker may remove a copy again, but the bytes were sent). For a
// store-wide action, where PD's checkers do the work, the simulator's
// regions are compared with the snapshot: a region (or the part of it a
// split left) with a peer on a store it had none on before moved a
// replica of its size. Leaders that changed store are counted there too.
func measure(ctx context.Context, s *sim, cap *capture, out *outcome) error {
	after, err := s.pd.GetRegions(ctx)
	if err != nil {
		return fmt.Errorf("read the simulator's regions: %w", err)
	}
	out.regionsAt[1] = len(after.Regions)
	if op := out.op; op != nil {
		done := op.CurrentStep
		if op.Finished || op.State == pd.OperatorSuccess {
			done = len(op.Steps)
		}
		n := 0
		for _, st := range op.Steps[:min(done, len(op.Steps))] {
			if strings.HasPrefix(st, "add learner peer ") {
				n++
			}
		}
		if n > 0 {
			out.moves, out.RegionsMoved, out.BytesMoved = n, 1, int64(n)*op.Size<<20
		}
		return nil
	}
	to := map[pd.StoreID]int{}
	leaders := map[pd.StoreID]int{}
	for _, r := range after.Regions {
		parent, ok := cap.before[r.ID]
		if !ok {
			parent, ok = containing(cap.before, r.StartKey)
		}
		if !ok {
			continue
		}
		n := 0
		for _, p := range r.Peers {
			if _, had := parent.PeerOnStore(p.StoreID); !had {
				n++
				to[p.StoreID]++
			}
		}
		if n > 0 {
			out.moves += n
			out.RegionsMoved++
			out.BytesMoved += int64(n) * r.ApproximateSize << 20
		}
		if r.Leader.StoreID != parent.Leader.StoreID && r.Leader.StoreID != 0 {
			leaders[r.Leader.StoreID]++
		}
	}
	if len(out.Steps) > 0 && cap.storeRegions > 0 {
		if len(to) > 0 {
			out.Steps = append(out.Steps, "replicas moved: "+tally(to))
		}
		if len(leaders) > 0 {
			out.Steps = append(out.Steps, "leaders moved: "+tally(leaders))
		}
	}
	return nil
}

// containing is the region of rs whose range holds key.
func containing(rs map[pd.RegionID]pd.RegionInfo, key string) (pd.RegionInfo, bool) {
	key = strings.ToUpper(key)
	for _, r := range rs {
		s, e := strings.ToUpper(r.StartKey), strings.ToUpper(r.EndKey)
		if s <= key && (e == "" || key < e) {
			return r, true
		}
	}
	return pd.RegionInfo{}, false
}

// tally is "to store 1: 4, to store 2: 3", by store id.
func tally(m map[pd.StoreID]int) string {
	ids := make([]pd.StoreID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("to store %d: %d", id, m[id])
	}
	return strings.Join(parts, ", ")
}

// invariantsAfter evaluates the monitor's invariants on the simulator, the
// way the monitor does (an invariant whose source failed is skipped), and
// returns the dedup keys of what they still see, sorted. Region-list
// invariants see only the snapshot's regions; store-level ones see the
// live totals the snapshot carried, moved by what the rehearsal did.
func invariantsAfter(ctx context.Context, s *sim, opts Options) ([]string, error) {
	cfg := observe.DefaultConfig()
	if opts.Observe != nil {
		cfg = *opts.Observe
	}
	subj, err := observe.New(cfg, s.pd, nil, s.clock.Now)
	if err != nil {
		return nil, fmt.Errorf("set up the invariants: %w", err)
	}
	snap, err := subj.Observe(ctx, s.clock.Now())
	if err != nil {
		return nil, fmt.Errorf("observe the simulator: %w", err)
	}
	failed := map[string]bool{}
	for _, src := range snap.Failed() {
		failed[src.Name] = true
	}
	seen := map[string]bool{}
	keys := []string{}
	for _, inv := range subj.Invariants() {
		if needsFailed(inv, failed) {
			continue
		}
		vs, err := inv.Check(snap)
		if err != nil {
			return nil, fmt.Errorf("check %s on the simulator: %w", inv.Name(), err)
		}
		for _, v := range vs {
			if k := v.Key(); !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys, nil
}

func needsFailed(inv subject.Invariant, failed map[string]bool) bool {
	for _, n := range inv.Needs() {
		if failed[n] {
			return true
		}
	}
	return false
}
