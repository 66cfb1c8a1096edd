package observe

import (
	"strconv"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Data is the TiKV adapter's view of one observation: Snapshot.Data holds a
// *Data. A field is nil or empty when its source failed; the invariants that
// read it declare that source in Needs, so the monitor skips them then.
type Data struct {
	// Stores is GET /stores: Up and Offline stores (PD hides Tombstone ones
	// by default; any that appear are ignored by the invariants).
	Stores []pd.StoreInfo
	// PDTime is PD's clock when it answered GET /stores (zero if unknown).
	// Heartbeat ages are measured against it, so a skew between this host
	// and PD, or pdsim's simulated clock, cannot fake or hide a silent store.
	PDTime time.Time
	// ClusterStatus is GET /cluster/status.
	ClusterStatus *pd.ClusterStatus
	// Health is GET /health, one entry per PD member.
	Health []pd.MemberHealth
	// Leader is GET /leader; LeaderErr says why it failed, if it did.
	Leader    *pd.Member
	LeaderErr string
	// Schedule is GET /config/schedule (low-space-ratio,
	// max-store-down-time, schedulers-v2), read every cycle.
	Schedule *pd.ScheduleConfig
	// RegionChecks holds the first page of each GET /regions/check/{kind}:
	// Count is PD's total, Regions at most Config.RegionCheckLimit of them.
	RegionChecks map[pd.RegionCheck]*pd.RegionsInfo
	// HotWrite and HotRead are GET /hotspot/regions/write and /read.
	HotWrite *pd.StoreHotPeersInfos
	HotRead  *pd.StoreHotPeersInfos
	// HotStores is GET /hotspot/stores.
	HotStores *pd.HotStoreStats
	// Operators are the running operators (GET /operators?object) with
	// when this Subject first saw each. UntrackedOperators counts running
	// operators beyond Config.MaxTrackedOperators, left out of the memory.
	Operators          []TrackedOperator
	UntrackedOperators int
	// OperatorRegions holds the regions an operator was seen running on
	// within the last minute (see operatorAfterglow), when last seen.
	OperatorRegions map[pd.RegionID]time.Time
	// Offline is the drain progress of each Offline store, from the
	// Subject's memory across snapshots.
	Offline map[pd.StoreID]OfflineProgress
	// RecentlySilent holds, per store, when this Subject last saw it
	// silent (see Config.silent), for StoreRecoveryGrace: PD's down-peer
	// list lags a store's return by up to a region heartbeat.
	RecentlySilent map[pd.StoreID]time.Time
	// Latency is one quantile per TiKV instance from Prometheus; nil when
	// Prometheus is not configured or failed.
	Latency []StoreLatency
}

// TrackedOperator is a running operator and when it was first seen. Its
// real start may be earlier (PD's ?object form carries no start time), so
// the age derived from FirstSeen is a lower bound.
type TrackedOperator struct {
	pd.OperatorObject
	FirstSeen time.Time
}

// OfflineProgress remembers an Offline store's drain: the lowest region
// count seen since it went Offline (as far as this Subject knows) and when
// the count last went down (or when the store was first seen Offline).
type OfflineProgress struct {
	MinRegionCount int
	Since          time.Time
}

// StoreLatency is one instance's latency quantile, in seconds. Store is the
// store id when known: from the series' own `store` label, else from the
// store whose status_address is the series' `instance`.
type StoreLatency struct {
	Store    string
	Instance string
	Seconds  float64
}

// store returns the store with the id, if observed.
func (d *Data) store(id pd.StoreID) (pd.StoreInfo, bool) {
	for _, s := range d.Stores {
		if s.Store.ID == id {
			return s, true
		}
	}
	return pd.StoreInfo{}, false
}

// storeRef names a store for a summary: "store 4 (tikv-4:20160)".
func storeRef(s pd.StoreInfo) string {
	if s.Store.Address == "" {
		return "store " + s.Store.ID.String()
	}
	return "store " + s.Store.ID.String() + " (" + s.Store.Address + ")"
}

// storeRefByID names a store, with its address when the stores are known.
func (d *Data) storeRefByID(id pd.StoreID) string {
	if s, ok := d.store(id); ok {
		return storeRef(s)
	}
	return "store " + id.String()
}

// lastHeartbeat is the store's last heartbeat: last_heartbeat (unix ns)
// when present, else last_heartbeat_ts. Zero when the store never
// heartbeated (PD then omits last_heartbeat and writes 1970 as the ts).
func lastHeartbeat(s pd.StoreInfo) time.Time {
	if t := s.Store.LastHeartbeatTime(); !t.IsZero() {
		return t
	}
	if ts := s.Status.LastHeartbeatTS; ts.Unix() > 0 {
		return ts.UTC()
	}
	return time.Time{}
}

// heartbeatAge is how long ago the store heartbeated, never negative (a
// PD clock ahead of ours must not look like a fresh heartbeat from the
// future); ok is false when it never did.
func heartbeatAge(s pd.StoreInfo, now time.Time) (age time.Duration, ok bool) {
	hb := lastHeartbeat(s)
	if hb.IsZero() {
		return 0, false
	}
	return max(now.Sub(hb), 0), true
}

// tombstone reports a store that is gone for good.
func tombstone(s pd.StoreInfo) bool {
	return s.Store.State == pd.StoreTombstone || s.Store.StateName == pd.StateNameTombstone
}

func storeLabel(id pd.StoreID) map[string]string {
	return map[string]string{"store": id.String()}
}

func regionIDs(regions []pd.RegionInfo) []uint64 {
	out := make([]uint64, 0, len(regions))
	for _, r := range regions {
		out = append(out, uint64(r.ID))
	}
	return out
}

func joinIDs(ids []uint64) string {
	b := make([]byte, 0, len(ids)*6)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendUint(b, id, 10)
	}
	return string(b)
}

// clock is the time heartbeat ages are measured against: PD's own clock
// when GET /stores told it, else the snapshot's time.
func (d *Data) clock(now time.Time) time.Time {
	if d != nil && !d.PDTime.IsZero() {
		return d.PDTime
	}
	return now
}
