package pd

import (
	"fmt"
	"strings"
	"time"
)

// StoreState is a store's stored (metapb) state. JSON: an integer, omitted
// when 0 (Up). Down and Disconnected are not stored states: they are computed
// from heartbeat age and appear only in StoreMeta.StateName.
type StoreState int32

// Stored store states, as numbered by PD (metapb.StoreState).
const (
	StoreUp        StoreState = 0
	StoreOffline   StoreState = 1
	StoreTombstone StoreState = 2
)

func (s StoreState) String() string {
	switch s {
	case StoreUp:
		return "Up"
	case StoreOffline:
		return "Offline"
	case StoreTombstone:
		return "Tombstone"
	}
	return fmt.Sprintf("StoreState(%d)", int32(s))
}

func (s StoreState) valid() bool { return s >= StoreUp && s <= StoreTombstone }

// NodeState is the newer lifecycle of a store (metapb.NodeState). JSON: an
// integer, omitted when 0 (Preparing).
type NodeState int32

// Node states, as numbered by PD.
const (
	NodePreparing NodeState = 0
	NodeServing   NodeState = 1
	NodeRemoving  NodeState = 2
	NodeRemoved   NodeState = 3
)

func (s NodeState) String() string {
	switch s {
	case NodePreparing:
		return "Preparing"
	case NodeServing:
		return "Serving"
	case NodeRemoving:
		return "Removing"
	case NodeRemoved:
		return "Removed"
	}
	return fmt.Sprintf("NodeState(%d)", int32(s))
}

// StoreStateName is PD's computed store state, StoreMeta.StateName: the
// stored state, refined by heartbeat age for Up stores.
type StoreStateName string

// Computed store state names.
const (
	StateNameUp           StoreStateName = "Up"
	StateNameDisconnected StoreStateName = "Disconnected" // no heartbeat for > 20 s
	StateNameDown         StoreStateName = "Down"         // no heartbeat for > max-store-down-time
	StateNameOffline      StoreStateName = "Offline"
	StateNameTombstone    StoreStateName = "Tombstone"
)

// known reports whether the name is one PD's /stores/check accepts.
func (n StoreStateName) known() bool {
	switch StoreStateName(strings.ToLower(string(n))) {
	case "up", "disconnected", "down", "offline", "tombstone":
		return true
	}
	return false
}

// StoreLabel is one label of a store.
type StoreLabel struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// StoreMeta is the "store" half of a StoreInfo (metapb.Store plus the
// computed state_name). Zero values are omitted by PD.
type StoreMeta struct {
	ID             StoreID      `json:"id"`
	Address        string       `json:"address"`
	State          StoreState   `json:"state,omitempty"`
	Labels         []StoreLabel `json:"labels,omitempty"`
	Version        string       `json:"version,omitempty"`
	PeerAddress    string       `json:"peer_address,omitempty"`
	StatusAddress  string       `json:"status_address,omitempty"`
	GitHash        string       `json:"git_hash,omitempty"`
	StartTimestamp int64        `json:"start_timestamp,omitempty"` // unix seconds
	DeployPath     string       `json:"deploy_path,omitempty"`
	// LastHeartbeat is unix nanoseconds; absent for a store that never
	// heartbeated. Values exceed 2^53, so never route them through float64.
	LastHeartbeat       int64          `json:"last_heartbeat,omitempty"`
	PhysicallyDestroyed bool           `json:"physically_destroyed,omitempty"`
	NodeState           NodeState      `json:"node_state,omitempty"`
	StateName           StoreStateName `json:"state_name"`
}

// LastHeartbeatTime converts LastHeartbeat; zero when the store never
// heartbeated.
func (m StoreMeta) LastHeartbeatTime() time.Time {
	if m.LastHeartbeat == 0 {
		return time.Time{}
	}
	return time.Unix(0, m.LastHeartbeat).UTC()
}

// Label returns the value of a store label and whether it is set.
func (m StoreMeta) Label(key string) (string, bool) {
	for _, l := range m.Labels {
		if l.Key == key {
			return l.Value, true
		}
	}
	return "", false
}

// SlowTrend is TiKV's slow-trend detector output for a store.
type SlowTrend struct {
	CauseValue  float64 `json:"cause_value"`
	CauseRate   float64 `json:"cause_rate"`
	ResultValue float64 `json:"result_value"`
	ResultRate  float64 `json:"result_rate"`
}

// StoreStatus is the "status" half of a StoreInfo. Sizes named *_size in
// this struct (LeaderSize, RegionSize) are MiB; Capacity, Available and
// UsedSize are bytes.
type StoreStatus struct {
	Capacity               ByteSize           `json:"capacity"`
	Available              ByteSize           `json:"available"`
	UsedSize               ByteSize           `json:"used_size"`
	LeaderCount            int                `json:"leader_count"`
	LeaderWeight           float64            `json:"leader_weight"`
	LeaderScore            float64            `json:"leader_score"`
	LeaderSize             int64              `json:"leader_size"`
	RegionCount            int                `json:"region_count"`
	RegionWeight           float64            `json:"region_weight"`
	RegionScore            float64            `json:"region_score"`
	RegionSize             int64              `json:"region_size"`
	LearnerCount           int                `json:"learner_count,omitempty"`
	WitnessCount           int                `json:"witness_count,omitempty"`
	PendingPeerCount       int                `json:"pending_peer_count,omitempty"`
	SlowScore              uint64             `json:"slow_score,omitempty"`
	NetworkSlowScore       map[StoreID]uint64 `json:"network_slow_score,omitempty"`
	SlowTrend              *SlowTrend         `json:"slow_trend,omitempty"`
	SendingSnapCount       uint32             `json:"sending_snap_count,omitempty"`
	ReceivingSnapCount     uint32             `json:"receiving_snap_count,omitempty"`
	IsBusy                 bool               `json:"is_busy,omitempty"`
	StartTS                time.Time          `json:"start_ts,omitzero"`
	LastHeartbeatTS        time.Time          `json:"last_heartbeat_ts,omitzero"`
	Uptime                 Duration           `json:"uptime,omitempty"`
	PauseLeaderTransferIn  bool               `json:"pause_leader_transfer_in,omitempty"`
	PauseLeaderTransferOut bool               `json:"pause_leader_transfer_out,omitempty"`
}

// StoreInfo is one store as returned by GET /store/{id} and in store lists.
type StoreInfo struct {
	Store  StoreMeta   `json:"store"`
	Status StoreStatus `json:"status"`
}

// StoresInfo is a store list (GET /stores, /stores/check).
type StoresInfo struct {
	Count  int         `json:"count"`
	Stores []StoreInfo `json:"stores"`
	// ServerTime is PD's clock when it answered (the HTTP Date header, to
	// the second), zero when absent. Heartbeat ages measured against it are
	// immune to skew between this host's clock and PD's.
	ServerTime time.Time `json:"-"`
}

// ProgressAction selects which kind of store progress GET /stores/progress
// reports.
type ProgressAction uint8

// Progress actions.
const (
	ProgressRemoving  ProgressAction = iota + 1 // a store being drained (Offline)
	ProgressPreparing                           // a new store filling up
)

func (a ProgressAction) String() string {
	switch a {
	case ProgressRemoving:
		return "removing"
	case ProgressPreparing:
		return "preparing"
	}
	return fmt.Sprintf("ProgressAction(%d)", uint8(a))
}

// StoreProgress is the drain or fill progress of a store. LeftSeconds is
// math.MaxFloat64 until PD has measured a speed.
type StoreProgress struct {
	Action       string  `json:"action"`
	StoreID      StoreID `json:"store_id,omitempty"` // absent in the ?action= form
	Progress     float64 `json:"progress"`           // 0..1
	CurrentSpeed float64 `json:"current_speed"`      // MiB/s
	LeftSeconds  float64 `json:"left_seconds"`
}
