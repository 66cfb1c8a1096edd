package observe

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/subject"
)

// The evidence Gather collects, one exported type per kind. Data holds a
// pointer to one of these; after a trip through JSON (a stored context)
// it comes back as map[string]any, and DecodeEvidence turns either form
// back into the type. Text that came from the cluster (store addresses
// and labels, operator briefs, PD's error messages, alert annotations)
// lives only inside Data, never in an evidence Title.

// Evidence kinds.
const (
	EvidenceTicket       = "ticket"
	EvidenceStores       = "stores"
	EvidenceConfig       = "config"
	EvidenceRegion       = "region"
	EvidenceNeighbours   = "neighbours"
	EvidenceOperators    = "operators"
	EvidenceOperator     = "operator"
	EvidenceStoreRegions = "store-regions"
	EvidenceHot          = "hot"
	EvidenceSeries       = "series"
	EvidenceHistory      = "history"
	// EvidenceUnavailable stands where a piece could not be read; its
	// Data is an *UnavailableEvidence naming the kind it replaces.
	EvidenceUnavailable = "unavailable"
)

// DecodeEvidence returns data as a T: as is when it already is a T or *T
// (a context built in this process), else through a JSON round trip (a
// context read back from storage holds map[string]any).
func DecodeEvidence[T any](data any) (*T, error) {
	switch v := data.(type) {
	case *T:
		if v == nil {
			return nil, fmt.Errorf("decode %T: nil", v)
		}
		return v, nil
	case T:
		return &v, nil
	case nil:
		var zero T
		return nil, fmt.Errorf("decode %T: no data", zero)
	}
	b, err := json.Marshal(data)
	if err != nil {
		var zero T
		return nil, fmt.Errorf("decode %T: re-encode %T: %w", zero, data, err)
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		return nil, fmt.Errorf("decode %T: %w", *out, err)
	}
	return out, nil
}

// TicketEvidence is the ticket itself (kind "ticket").
type TicketEvidence struct {
	ID          int64             `json:"id,omitempty"`
	DedupKey    string            `json:"dedup_key"`
	Invariant   string            `json:"invariant"`
	Subject     string            `json:"subject"`
	Severity    string            `json:"severity"`
	State       string            `json:"state,omitempty"`
	Summary     string            `json:"summary"`
	Labels      map[string]string `json:"labels,omitempty"`
	Evidence    map[string]any    `json:"evidence,omitempty"`
	FirstSeen   time.Time         `json:"first_seen"`
	LastSeen    time.Time         `json:"last_seen"`
	Occurrences int               `json:"occurrences"`
	ReopenCount int               `json:"reopen_count,omitempty"`
}

// StoresEvidence is PD's store list (kind "stores"): every non-Tombstone
// store, or past maxListedStores a selection (the ticket's stores, the
// fullest, emptiest and busiest, those not Up) with totals over all.
type StoresEvidence struct {
	// Total counts the non-Tombstone stores; Listed the ones in Stores.
	Total  int         `json:"total"`
	Listed int         `json:"listed"`
	Stores []StoreView `json:"stores"`
	// Totals are over every non-Tombstone store, listed or not.
	Totals StoreTotals `json:"totals"`
	// PDTime is PD's clock when it answered; heartbeat ages use it.
	PDTime time.Time `json:"pd_time,omitzero"`
}

// StoreView is one store as an SRE reads it. Labels and Address are the
// cluster's text, verbatim.
type StoreView struct {
	ID             uint64       `json:"id"`
	Address        string       `json:"address"`
	StateName      string       `json:"state_name"`
	NodeState      string       `json:"node_state,omitempty"`
	Labels         []LabelView  `json:"labels,omitempty"`
	RegionCount    int          `json:"region_count"`
	LeaderCount    int          `json:"leader_count"`
	RegionSizeMiB  int64        `json:"region_size_mib"`
	LeaderSizeMiB  int64        `json:"leader_size_mib"`
	CapacityBytes  uint64       `json:"capacity_bytes"`
	AvailableBytes uint64       `json:"available_bytes"`
	UsedBytes      uint64       `json:"used_bytes"`
	UsedRatio      float64      `json:"used_ratio"`
	LeaderWeight   float64      `json:"leader_weight"`
	RegionWeight   float64      `json:"region_weight"`
	HeartbeatAge   float64      `json:"heartbeat_age_seconds"`
	NeverHeartbeat bool         `json:"never_heartbeated,omitempty"`
	PendingPeers   int          `json:"pending_peer_count,omitempty"`
	SlowScore      uint64       `json:"slow_score,omitempty"`
	SendingSnaps   uint32       `json:"sending_snap_count,omitempty"`
	ReceivingSnaps uint32       `json:"receiving_snap_count,omitempty"`
	IsBusy         bool         `json:"is_busy,omitempty"`
	EvictedLeader  bool         `json:"leader_transfer_in_paused,omitempty"`
	Limit          *StoreLimits `json:"store_limit,omitempty"`
}

// LabelView is one store label.
type LabelView struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// StoreLimits is a store's add-peer and remove-peer rates (per minute).
type StoreLimits struct {
	AddPeer    float64 `json:"add_peer"`
	RemovePeer float64 `json:"remove_peer"`
}

// StoreTotals summarizes every non-Tombstone store.
type StoreTotals struct {
	// ByState counts stores by state_name (Up, Disconnected, Down, Offline).
	ByState        map[string]int `json:"by_state"`
	CapacityBytes  uint64         `json:"capacity_bytes"`
	AvailableBytes uint64         `json:"available_bytes"`
	MinUsedRatio   float64        `json:"min_used_ratio"`
	MeanUsedRatio  float64        `json:"mean_used_ratio"`
	MaxUsedRatio   float64        `json:"max_used_ratio"`
	MeanRegions    float64        `json:"mean_region_count"`
	MaxRegions     int            `json:"max_region_count"`
	MeanLeaders    float64        `json:"mean_leader_count"`
	MaxLeaders     int            `json:"max_leader_count"`
}

// ConfigEvidence is the part of PD's configuration that decides how PD
// schedules (kind "config"). A zero MaxReplicas means the replication
// config could not be read; Schedulers is nil when the scheduler list
// could not.
type ConfigEvidence struct {
	LeaderScheduleLimit     uint64  `json:"leader-schedule-limit"`
	RegionScheduleLimit     uint64  `json:"region-schedule-limit"`
	ReplicaScheduleLimit    uint64  `json:"replica-schedule-limit"`
	MergeScheduleLimit      uint64  `json:"merge-schedule-limit"`
	HotRegionScheduleLimit  uint64  `json:"hot-region-schedule-limit"`
	LeaderSchedulePolicy    string  `json:"leader-schedule-policy,omitempty"`
	LowSpaceRatio           float64 `json:"low-space-ratio"`
	HighSpaceRatio          float64 `json:"high-space-ratio"`
	MaxStoreDownTime        string  `json:"max-store-down-time"`
	MaxStoreDownTimeSeconds float64 `json:"max_store_down_time_seconds"`
	EnableRemoveDownReplica bool    `json:"enable-remove-down-replica"`
	EnableReplaceOffline    bool    `json:"enable-replace-offline-replica"`
	EnableMakeUpReplica     bool    `json:"enable-make-up-replica"`
	EnableRemoveExtra       bool    `json:"enable-remove-extra-replica"`
	HaltScheduling          bool    `json:"halt-scheduling"`
	// DefaultStoreLimit is the add-peer/remove-peer rate of stores without
	// their own (each store's own is on its StoreView).
	DefaultStoreLimit StoreLimits `json:"default-store-limit"`

	MaxReplicas          uint64   `json:"max-replicas"`
	LocationLabels       []string `json:"location-labels"`
	IsolationLevel       string   `json:"isolation-level,omitempty"`
	EnablePlacementRules bool     `json:"enable-placement-rules"`

	// Schedulers lists PD's schedulers with their pause state; nil when
	// the list could not be read.
	Schedulers []SchedulerView `json:"schedulers"`
	// EvictLeaderStores and GrantLeaderStores are the stores named by
	// evict-leader and grant-leader schedulers (schedulers-v2).
	EvictLeaderStores []uint64 `json:"evict_leader_stores,omitempty"`
	GrantLeaderStores []uint64 `json:"grant_leader_stores,omitempty"`
	// CheckersPaused maps a checker ("rule", "replica") to whether it is
	// paused; a checker that could not be read is absent.
	CheckersPaused map[string]bool `json:"checkers_paused,omitempty"`
}

// SchedulerView is one scheduler.
type SchedulerView struct {
	Name     string    `json:"name"`
	Paused   bool      `json:"paused"`
	ResumeAt time.Time `json:"resume_at,omitzero"`
	Disabled bool      `json:"disabled,omitempty"`
}

// Scheduler returns the named scheduler, if PD runs it.
func (c *ConfigEvidence) Scheduler(name string) (SchedulerView, bool) {
	for _, s := range c.Schedulers {
		if s.Name == name {
			return s, true
		}
	}
	return SchedulerView{}, false
}

// RegionEvidence is one region (kind "region"): its peers and their
// health, leader, size and traffic.
type RegionEvidence struct {
	ID              uint64     `json:"id"`
	StartKey        string     `json:"start_key"`
	EndKey          string     `json:"end_key"`
	ConfVer         uint64     `json:"conf_ver"`
	Version         uint64     `json:"version"`
	Peers           []PeerView `json:"peers"`
	LeaderStoreID   uint64     `json:"leader_store_id"`
	DownStoreIDs    []uint64   `json:"down_peer_store_ids,omitempty"`
	PendingStoreIDs []uint64   `json:"pending_peer_store_ids,omitempty"`
	SizeMiB         int64      `json:"approximate_size_mib"`
	Keys            int64      `json:"approximate_keys"`
	WrittenBytes    uint64     `json:"written_bytes"`
	ReadBytes       uint64     `json:"read_bytes"`
	WrittenKeys     uint64     `json:"written_keys"`
	ReadKeys        uint64     `json:"read_keys"`
	// Voters counts the voting peers; HealthyVoters those neither down
	// nor pending nor on a store that is not Up.
	Voters        int `json:"voters"`
	HealthyVoters int `json:"healthy_voters"`
}

// PeerView is one replica of a region.
type PeerView struct {
	ID          uint64 `json:"id"`
	StoreID     uint64 `json:"store_id"`
	Role        string `json:"role"`
	Leader      bool   `json:"leader,omitempty"`
	Down        bool   `json:"down,omitempty"`
	DownSeconds uint64 `json:"down_seconds,omitempty"`
	Pending     bool   `json:"pending,omitempty"`
	// StoreState is the state_name of the peer's store ("" when PD's
	// store list does not have it).
	StoreState string `json:"store_state"`
}

// IsVoter reports whether the peer votes (learners do not).
func (p PeerView) IsVoter() bool { return p.Role != "Learner" }

// NeighboursEvidence is a region's left and right siblings (kind
// "neighbours"), the candidates PD would merge it with.
type NeighboursEvidence struct {
	RegionID uint64        `json:"region_id"`
	Regions  []RegionBrief `json:"regions"`
}

// RegionBrief is a region in short.
type RegionBrief struct {
	ID            uint64   `json:"id"`
	StartKey      string   `json:"start_key"`
	EndKey        string   `json:"end_key"`
	SizeMiB       int64    `json:"approximate_size_mib"`
	Keys          int64    `json:"approximate_keys"`
	LeaderStoreID uint64   `json:"leader_store_id"`
	StoreIDs      []uint64 `json:"store_ids"`
}

// OperatorsEvidence is the running operators that touch the ticket's
// regions or stores, and how many run in all (kind "operators").
type OperatorsEvidence struct {
	Total int `json:"total"`
	// ByDesc counts all running operators by desc
	// ("balance-leader-scheduler": 3): what PD is busy with.
	ByDesc    map[string]int `json:"by_desc"`
	Related   []OperatorView `json:"related"`
	Truncated bool           `json:"truncated,omitempty"`
}

// OperatorView is one running operator. StoreIDs are read from its
// brief ("mv peer: store [2] to [4]").
type OperatorView struct {
	RegionID       uint64    `json:"region_id"`
	Desc           string    `json:"desc"`
	Brief          string    `json:"brief"`
	Kind           string    `json:"kind"`
	Status         string    `json:"status"`
	TimeoutSeconds float64   `json:"timeout_seconds"`
	StoreIDs       []uint64  `json:"store_ids,omitempty"`
	FirstSeen      time.Time `json:"first_seen,omitzero"`
	AgeSeconds     float64   `json:"age_seconds,omitempty"`
}

// OperatorEvidence is PD's record of the ticket region's operator (kind
// "operator", GET /operators/{region}): its steps and where it is.
type OperatorEvidence struct {
	RegionID       uint64    `json:"region_id"`
	State          string    `json:"state"`
	Desc           string    `json:"desc"`
	Brief          string    `json:"brief"`
	Kind           string    `json:"kind"`
	CreateAt       time.Time `json:"create_at,omitzero"`
	StartAt        time.Time `json:"start_at,omitzero"`
	CurrentStep    int       `json:"current_step"`
	Steps          []string  `json:"steps"`
	TimeoutSeconds float64   `json:"timeout_seconds"`
	StoreIDs       []uint64  `json:"store_ids,omitempty"`
}

// StoreRegionsEvidence is what taking one store out would mean (kind
// "store-regions"), for store-down, store-offline-stuck and
// store-low-space tickets.
type StoreRegionsEvidence struct {
	StoreID       uint64 `json:"store_id"`
	StateName     string `json:"state_name"`
	RegionCount   int    `json:"region_count"`
	LeaderCount   int    `json:"leader_count"`
	RegionSizeMiB int64  `json:"region_size_mib"`
	UsedBytes     uint64 `json:"used_bytes"`

	// Quorum: PD's down-peer and pending-peer lists (their totals, and up
	// to storeRegionsCheckLimit regions of each) checked for regions with
	// a replica here that would keep fewer than a majority of healthy
	// voters without it.
	DownPeerRegionsTotal    int      `json:"down_peer_regions_total"`
	PendingPeerRegionsTotal int      `json:"pending_peer_regions_total"`
	RegionsChecked          int      `json:"regions_checked"`
	CheckComplete           bool     `json:"check_complete"`
	AtRiskTotal             int      `json:"at_risk_total"`
	AtRiskSampleRegionIDs   []uint64 `json:"at_risk_sample_region_ids"`
	// OtherSilentStoreIDs are the other stores not heartbeating: regions
	// with voters on a majority of silent stores have no leader, send no
	// heartbeat, and so are in none of PD's lists.
	OtherSilentStoreIDs []uint64 `json:"other_silent_store_ids,omitempty"`

	// Capacity: the room above the low-space line (available minus
	// capacity*(1-low-space-ratio)) on the other healthy Up stores, versus
	// NeedBytes: the store's data (the larger of PD's region size and its
	// used disk) or, for store-low-space, what would bring it under
	// high-space-ratio.
	LowSpaceRatio   float64 `json:"low_space_ratio"`
	HighSpaceRatio  float64 `json:"high_space_ratio"`
	OthersRoomBytes uint64  `json:"others_room_bytes"`
	NeedBytes       uint64  `json:"need_bytes"`
	OthersCanHold   bool    `json:"others_can_hold"`
	ShortBytes      uint64  `json:"short_bytes,omitempty"`
	// OtherUpStores counts healthy Up stores other than this one, against
	// MaxReplicas (0: unknown).
	OtherUpStores int    `json:"other_up_stores"`
	MaxReplicas   uint64 `json:"max_replicas"`
	// IsolationLabel is the label replicas are spread over (isolation-level,
	// else the first location label) and IsolationDomains how many values
	// of it the other Up stores have.
	IsolationLabel   string `json:"isolation_label,omitempty"`
	IsolationDomains int    `json:"isolation_domains,omitempty"`
}

// HotEvidence is PD's hotspot view for a hot ticket (kind "hot").
type HotEvidence struct {
	Direction string `json:"direction"` // "write" or "read"
	// For a region ticket: its leader entry and every peer's entry.
	RegionID uint64        `json:"region_id,omitempty"`
	Leader   *HotPeerView  `json:"leader,omitempty"`
	Peers    []HotPeerView `json:"peers,omitempty"`
	// For a store ticket: the hot regions it leads, hottest first.
	StoreID      uint64        `json:"store_id,omitempty"`
	StoreRegions []HotPeerView `json:"store_regions,omitempty"`
	// Stores is the per-store load: the ticket's and the region's stores
	// first, then the most loaded, at most maxHotStores.
	Stores []HotStoreLoad `json:"stores"`
}

// HotPeerView is one hot peer (rates per second).
type HotPeerView struct {
	RegionID       uint64   `json:"region_id"`
	StoreID        uint64   `json:"store_id"`
	StoreIDs       []uint64 `json:"store_ids"`
	IsLeader       bool     `json:"is_leader"`
	BytesPerSecond float64  `json:"bytes_per_second"`
	KeysPerSecond  float64  `json:"keys_per_second"`
	QueryPerSecond float64  `json:"query_per_second"`
	HotDegree      int      `json:"hot_degree"`
}

// HotStoreLoad is one store's hot flow (bytes per second). Leader* is
// what its hot leaders carry in the ticket's direction (as_leader); the
// *Rate fields are the store's whole flow from /hotspot/stores.
type HotStoreLoad struct {
	StoreID        uint64  `json:"store_id"`
	LeaderBytes    float64 `json:"leader_bytes"`
	PeerBytes      float64 `json:"peer_bytes"`
	HotLeaders     int     `json:"hot_leader_regions"`
	WriteBytesRate float64 `json:"write_bytes_rate"`
	ReadBytesRate  float64 `json:"read_bytes_rate"`
	WriteKeysRate  float64 `json:"write_keys_rate"`
	ReadKeysRate   float64 `json:"read_keys_rate"`
}

// SeriesEvidence is one Prometheus range query (kind "series").
type SeriesEvidence struct {
	Query       string    `json:"query"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	StepSeconds float64   `json:"step_seconds"`
	Series      []Series  `json:"series"`
	// For a store's available bytes: the fill rate (bytes per second, a
	// least-squares slope; negative when space is being freed) and, when
	// filling, how long until the disk is full and until it crosses PD's
	// low-space line.
	StoreID           uint64   `json:"store_id,omitempty"`
	FillBytesPerSec   *float64 `json:"fill_bytes_per_second,omitempty"`
	SecondsToFull     *float64 `json:"seconds_to_full,omitempty"`
	SecondsToLowSpace *float64 `json:"seconds_to_low_space,omitempty"`
	// For latency: the threshold, and the stores whose latest value is
	// above it.
	ThresholdSeconds float64  `json:"threshold_seconds,omitempty"`
	SlowStores       []string `json:"slow_stores,omitempty"`
	SlowInstances    []string `json:"slow_instances,omitempty"`
}

// Series is one labelled series.
type Series struct {
	Labels map[string]string `json:"labels"`
	Points []SeriesPoint     `json:"points"`
}

// SeriesPoint is one sample: unix seconds and value.
type SeriesPoint struct {
	T int64   `json:"t"`
	V float64 `json:"v"`
}

// HistoryEvidence is the recent tickets on the same entities, newest
// first (kind "history").
type HistoryEvidence struct {
	Total   int             `json:"total"`
	Tickets []HistoryTicket `json:"tickets"`
}

// HistoryTicket is one past ticket in short.
type HistoryTicket struct {
	ID          int64     `json:"id,omitempty"`
	DedupKey    string    `json:"dedup_key"`
	State       string    `json:"state"`
	Severity    string    `json:"severity"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	Summary     string    `json:"summary"`
	Occurrences int       `json:"occurrences,omitempty"`
}

// UnavailableEvidence stands for a piece that could not be read.
type UnavailableEvidence struct {
	// Kind is the evidence kind it replaces ("region", "series").
	Kind  string `json:"kind"`
	What  string `json:"what"`
	Error string `json:"error"`
}

// FindEvidence looks up evidence by kind in a context; ok is false when it
// is absent or could not be decoded. The first of the kind wins.
func FindEvidence[T any](c *subject.Context, kind string) (id string, v *T, ok bool) {
	for _, e := range c.Evidence {
		if e.Kind != kind {
			continue
		}
		d, err := DecodeEvidence[T](e.Data)
		if err != nil {
			return "", nil, false
		}
		return e.ID, d, true
	}
	return "", nil, false
}
