package observe

import (
	"sort"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// memory is what the Subject remembers between snapshots, because PD's
// answers do not say it:
//
//   - offline: per Offline store, the lowest region count seen and when it
//     last went down. PD reports a drain's progress only as the current
//     count, so "has not decreased for 30m" needs history. One entry per
//     store that is Offline in the latest successful GET /stores; entries
//     of stores no longer Offline (Up again, Tombstone, gone) are dropped,
//     so the map never holds more entries than there are stores.
//
//   - ops: per (region, desc), when a running operator was first seen,
//     since GET /operators?object carries no start time. An entry whose
//     brief or epoch changed is a new operator and starts over. Entries of
//     operators no longer running are dropped; at most
//     Config.MaxTrackedOperators are kept.
//
//   - silent: per store, when it was last seen silent, kept for
//     Config.StoreRecoveryGrace and dropped after (or when the store is
//     gone), so down replicas PD still lists just after a store's return
//     are put down to it.
//
//   - opRegions: per region, when an operator was last seen running on it,
//     for operatorAfterglow. The operator list and the region-check lists
//     are separate requests: an operator that finishes between them leaves
//     its region listed (extra or pending replica) with no operator to show
//     for it. At most Config.MaxTrackedOperators entries.
//
// All are updated only from sources that answered, so a failed cycle
// neither forgets nor invents progress. The memory is not persisted: after
// a restart the clocks start again from the first snapshot, which can only
// delay a stuck verdict, never raise a false one.
type memory struct {
	offline map[pd.StoreID]OfflineProgress
	ops     map[opKey]opSeen
	silent  map[pd.StoreID]time.Time
	// opRegions: per region, when a running operator was last seen on it.
	opRegions map[pd.RegionID]time.Time
}

type opKey struct {
	region pd.RegionID
	desc   string
}

type opSeen struct {
	brief     string
	epoch     pd.RegionEpoch
	firstSeen time.Time
}

func newMemory() *memory {
	return &memory{offline: map[pd.StoreID]OfflineProgress{}, ops: map[opKey]opSeen{}, silent: map[pd.StoreID]time.Time{}, opRegions: map[pd.RegionID]time.Time{}}
}

// observeStores updates the drain memory from a successful store list and
// returns a copy for the snapshot.
func (m *memory) observeStores(stores []pd.StoreInfo, now time.Time) map[pd.StoreID]OfflineProgress {
	seen := make(map[pd.StoreID]bool, len(stores))
	for _, s := range stores {
		if s.Store.State != pd.StoreOffline || tombstone(s) {
			continue
		}
		id := s.Store.ID
		seen[id] = true
		count := s.Status.RegionCount
		p, ok := m.offline[id]
		if !ok || count < p.MinRegionCount {
			p = OfflineProgress{MinRegionCount: count, Since: now}
		}
		m.offline[id] = p
	}
	for id := range m.offline {
		if !seen[id] {
			delete(m.offline, id)
		}
	}
	out := make(map[pd.StoreID]OfflineProgress, len(m.offline))
	for id, p := range m.offline {
		out[id] = p
	}
	return out
}

// observeOperators updates the first-seen memory from a successful
// operator list and returns the tracked operators (in region, desc order)
// and how many were left untracked for want of room.
func (m *memory) observeOperators(ops []pd.OperatorObject, now time.Time, limit int) ([]TrackedOperator, int) {
	sorted := append([]pd.OperatorObject(nil), ops...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].RegionID != sorted[j].RegionID {
			return sorted[i].RegionID < sorted[j].RegionID
		}
		return sorted[i].Desc < sorted[j].Desc
	})
	running := make(map[opKey]bool, len(sorted))
	for _, op := range sorted {
		running[opKey{op.RegionID, op.Desc}] = true
	}
	// Drop finished operators first, so their room goes to new ones.
	for k := range m.ops {
		if !running[k] {
			delete(m.ops, k)
		}
	}
	out := make([]TrackedOperator, 0, min(len(sorted), limit))
	untracked := 0
	for _, op := range sorted {
		k := opKey{op.RegionID, op.Desc}
		seen, ok := m.ops[k]
		if ok && (seen.brief != op.Brief || seen.epoch != op.RegionEpoch) {
			ok = false // same region and desc, but another operator
		}
		if !ok {
			if _, had := m.ops[k]; !had && len(m.ops) >= limit {
				untracked++
				continue
			}
			seen = opSeen{brief: op.Brief, epoch: op.RegionEpoch, firstSeen: now}
			m.ops[k] = seen
		}
		out = append(out, TrackedOperator{OperatorObject: op, FirstSeen: seen.firstSeen})
	}
	return out, untracked
}

// observeSilence records the stores silent now and returns, for a
// snapshot, those seen silent within grace.
func (m *memory) observeSilence(stores []pd.StoreInfo, silent func(pd.StoreInfo) bool, now time.Time, grace time.Duration) map[pd.StoreID]time.Time {
	present := make(map[pd.StoreID]bool, len(stores))
	for _, s := range stores {
		present[s.Store.ID] = true
		if silent(s) {
			m.silent[s.Store.ID] = now
		}
	}
	out := make(map[pd.StoreID]time.Time, len(m.silent))
	for id, at := range m.silent {
		if !present[id] || now.Sub(at) > grace {
			delete(m.silent, id)
			continue
		}
		out[id] = at
	}
	return out
}

// operatorAfterglow is how long a region counts as under an operator after
// one was last seen on it: longer than the gap between two requests of one
// snapshot, short enough that a region left half-changed is reported in the
// next cycles.
const operatorAfterglow = time.Minute

// observeOperatorRegions records the regions with a running operator and
// returns those seen with one within operatorAfterglow.
func (m *memory) observeOperatorRegions(ops []pd.OperatorObject, now time.Time, limit int) map[pd.RegionID]time.Time {
	for id, at := range m.opRegions {
		if now.Sub(at) > operatorAfterglow {
			delete(m.opRegions, id)
		}
	}
	for _, op := range ops {
		if _, ok := m.opRegions[op.RegionID]; ok || len(m.opRegions) < limit {
			m.opRegions[op.RegionID] = now
		}
	}
	out := make(map[pd.RegionID]time.Time, len(m.opRegions))
	for id, at := range m.opRegions {
		out[id] = at
	}
	return out
}
