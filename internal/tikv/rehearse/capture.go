package rehearse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// scope is what an action touches, known from its parameters before
// anything is read.
type scope struct {
	// regions are read with their siblings.
	regions []pd.RegionID
	// store, if set, has its regions read (of storeType), up to MaxRegions.
	store     pd.StoreID
	storeType pd.RegionType
}

// capture is the snapshot read from the live PD, plus what the rehearsal
// needs to judge the outcome against it.
type capture struct {
	snap pdsim.Snapshot
	// before holds the snapshot's regions as read, by id.
	before map[pd.RegionID]pd.RegionInfo
	// storeRegions is how many regions the live PD listed for scope.store,
	// kept is how many went into the snapshot (less when capped).
	storeRegions, kept int
	// dropped counts regions left out because they overlapped one already
	// read (the cluster changed between two reads).
	dropped int
}

func (c *capture) capped() bool { return c.kept < c.storeRegions }

// read takes the snapshot through the live, read-only client. A region the
// live PD does not know is left out: the simulator then refuses the action
// with PD's own "region not found".
func read(ctx context.Context, live *pd.Client, sc scope, maxRegions int) (*capture, error) {
	stores, err := live.GetStores(ctx, pd.GetStoresOptions{})
	if err != nil {
		return nil, fmt.Errorf("read stores: %w", err)
	}
	sched, err := live.GetScheduleConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("read schedule config: %w", err)
	}
	repl, err := live.GetReplicationConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("read replication config: %w", err)
	}
	names, err := live.GetSchedulers(ctx, pd.SchedulersAll)
	if err != nil {
		return nil, fmt.Errorf("read schedulers: %w", err)
	}
	paused, err := live.GetPausedSchedulers(ctx)
	if err != nil {
		return nil, fmt.Errorf("read paused schedulers: %w", err)
	}
	cap := &capture{before: map[pd.RegionID]pd.RegionInfo{}}
	cap.snap.Now = stores.ServerTime
	cap.snap.Schedule, err = json.Marshal(sched.Raw)
	if err != nil {
		return nil, fmt.Errorf("encode schedule config: %w", err)
	}
	cap.snap.Replication, err = json.Marshal(repl)
	if err != nil {
		return nil, fmt.Errorf("encode replication config: %w", err)
	}
	cap.snap.Schedulers = names
	cap.snap.Paused = map[string]time.Time{}
	for _, p := range paused {
		cap.snap.Paused[p.Name] = p.ResumeAt
	}
	for _, s := range stores.Stores {
		cap.snap.Stores = append(cap.snap.Stores, snapshotStore(s))
	}

	var regions []pd.RegionInfo
	for _, id := range sc.regions {
		r, err := live.GetRegion(ctx, id)
		if errors.Is(err, pd.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read region %d: %w", id, err)
		}
		regions = append(regions, *r)
		sib, err := live.GetRegionSiblings(ctx, id)
		if err != nil && !errors.Is(err, pd.ErrNotFound) {
			return nil, fmt.Errorf("read the neighbours of region %d: %w", id, err)
		}
		if sib != nil {
			regions = append(regions, sib.Regions...)
		}
	}
	if sc.store != 0 {
		// PD has no paged form of this list: it is read whole (bounded by
		// the client's bulk timeout and body cap) and cut here.
		list, err := live.GetRegionsByStore(ctx, sc.store, sc.storeType)
		if err != nil {
			return nil, fmt.Errorf("read the regions of store %d: %w", sc.store, err)
		}
		all := list.Regions
		sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
		cap.storeRegions = len(all)
		cap.kept = min(len(all), maxRegions)
		regions = append(regions, all[:cap.kept]...)
	}
	for _, r := range disjoint(regions, &cap.dropped) {
		cap.before[r.ID] = r
		cap.snap.Regions = append(cap.snap.Regions, snapshotRegion(r))
	}
	return cap, nil
}

// disjoint keeps each region once and drops any that overlaps one kept
// before it (a split or merge between two reads), counting them.
func disjoint(rs []pd.RegionInfo, dropped *int) []pd.RegionInfo {
	seen := map[pd.RegionID]bool{}
	var kept []pd.RegionInfo
	for _, r := range rs {
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		clash := false
		for _, k := range kept {
			if overlap(r, k) {
				clash = true
				break
			}
		}
		if clash {
			*dropped++
			continue
		}
		kept = append(kept, r)
	}
	return kept
}

func overlap(a, b pd.RegionInfo) bool {
	as, ae := strings.ToUpper(a.StartKey), strings.ToUpper(a.EndKey)
	bs, be := strings.ToUpper(b.StartKey), strings.ToUpper(b.EndKey)
	return (ae == "" || bs < ae) && (be == "" || as < be)
}

func snapshotStore(s pd.StoreInfo) pdsim.SnapshotStore {
	out := pdsim.SnapshotStore{
		ID: pdsim.StoreID(s.Store.ID), Address: s.Store.Address, Version: s.Store.Version,
		State: pdsim.StoreState(s.Store.State), NodeState: pdsim.NodeState(s.Store.NodeState),
		PhysicallyDestroyed: s.Store.PhysicallyDestroyed, StateName: string(s.Store.StateName),
		LastHeartbeat: s.Store.LastHeartbeatTime(),
		Capacity:      uint64(s.Status.Capacity), Available: uint64(s.Status.Available),
		LeaderWeight: s.Status.LeaderWeight, RegionWeight: s.Status.RegionWeight,
		LeaderCount: s.Status.LeaderCount, RegionCount: s.Status.RegionCount,
		LeaderSize: s.Status.LeaderSize, RegionSize: s.Status.RegionSize,
	}
	if s.Store.StartTimestamp > 0 {
		out.StartTime = time.Unix(s.Store.StartTimestamp, 0).UTC()
	}
	for _, l := range s.Store.Labels {
		out.Labels = append(out.Labels, pdsim.Label{Key: l.Key, Value: l.Value})
	}
	return out
}

func snapshotRegion(r pd.RegionInfo) pdsim.SnapshotRegion {
	out := pdsim.SnapshotRegion{
		ID: pdsim.RegionID(r.ID), StartKey: r.StartKey, EndKey: r.EndKey,
		Epoch:  pdsim.Epoch{ConfVer: r.Epoch.ConfVer, Version: r.Epoch.Version},
		Leader: pdsim.PeerID(r.Leader.ID), ApproxSize: r.ApproximateSize, ApproxKeys: r.ApproximateKeys,
	}
	for _, p := range r.Peers {
		role := pdsim.PeerRole(p.Role)
		if p.IsLearner && role == pdsim.RoleVoter {
			role = pdsim.RoleLearner
		}
		out.Peers = append(out.Peers, pdsim.Peer{ID: pdsim.PeerID(p.ID), StoreID: pdsim.StoreID(p.StoreID), Role: role})
	}
	for _, d := range r.DownPeers {
		if out.DownPeers == nil {
			out.DownPeers = map[pdsim.PeerID]time.Duration{}
		}
		out.DownPeers[pdsim.PeerID(d.Peer.ID)] = time.Duration(d.DownSeconds) * time.Second
	}
	for _, p := range r.PendingPeers {
		out.PendingPeers = append(out.PendingPeers, pdsim.PeerID(p.ID))
	}
	return out
}
