package pd

import "time"

// StoreHotPeersInfos is GET /hotspot/regions/{write,read}: per store (keyed
// by the store ID as a decimal string, as PD writes it), the hot peers seen
// as any peer and as leader. Rates are per second.
type StoreHotPeersInfos struct {
	AsPeer   map[string]HotPeersStat `json:"as_peer"`
	AsLeader map[string]HotPeersStat `json:"as_leader"`
}

// HotPeersStat is one store's hot-peer summary.
type HotPeersStat struct {
	StoreByteRate  float64           `json:"store_bytes"`
	StoreKeyRate   float64           `json:"store_keys"`
	StoreQueryRate float64           `json:"store_query"`
	StoreCPURate   float64           `json:"store_cpu"`
	TotalBytesRate float64           `json:"total_flow_bytes"`
	TotalKeysRate  float64           `json:"total_flow_keys"`
	TotalQueryRate float64           `json:"total_flow_query"`
	TotalCPURate   float64           `json:"total_flow_cpu"`
	Count          int               `json:"regions_count"`
	Stats          []HotPeerStatShow `json:"statistics"`
}

// HotPeerStatShow is one hot peer.
type HotPeerStatShow struct {
	StoreID        StoreID   `json:"store_id"`
	Stores         []StoreID `json:"stores"`
	IsLeader       bool      `json:"is_leader"`
	IsLearner      bool      `json:"is_learner"`
	RegionID       RegionID  `json:"region_id"`
	HotDegree      int       `json:"hot_degree"`
	ByteRate       float64   `json:"flow_bytes"`
	KeyRate        float64   `json:"flow_keys"`
	QueryRate      float64   `json:"flow_query"`
	CPURate        float64   `json:"flow_cpu"`
	AntiCount      int       `json:"anti_count"`
	LastUpdateTime time.Time `json:"last_update_time,omitzero"`
}

// HotStoreStats is GET /hotspot/stores: per-store flow rates (per second).
type HotStoreStats struct {
	BytesWriteStats map[StoreID]float64 `json:"bytes-write-rate,omitempty"`
	BytesReadStats  map[StoreID]float64 `json:"bytes-read-rate,omitempty"`
	KeysWriteStats  map[StoreID]float64 `json:"keys-write-rate,omitempty"`
	KeysReadStats   map[StoreID]float64 `json:"keys-read-rate,omitempty"`
	QueryWriteStats map[StoreID]float64 `json:"query-write-rate,omitempty"`
	QueryReadStats  map[StoreID]float64 `json:"query-read-rate,omitempty"`
	CPUReadStats    map[StoreID]float64 `json:"cpu-read-rate,omitempty"`
}

// HotRegionsOptions narrows a hot-region query.
type HotRegionsOptions struct {
	// StoreID restricts the answer to one store; 0 means all stores.
	// An unknown store is a 500 ErrStoreNotFound (ErrNotFound here).
	StoreID StoreID
}
