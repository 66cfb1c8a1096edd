package overview

import (
	"slices"
	"time"
)

// Overview is the cluster as of one observation.
type Overview struct {
	At time.Time `json:"at"`
	// NodeNoun and ShardNoun are what the cluster calls its nodes and
	// shards ("store", "region"), singular.
	NodeNoun  string `json:"node_noun"`
	ShardNoun string `json:"shard_noun"`
	// Nodes are in the adapter's order (TiKV: by store id).
	Nodes []Node `json:"nodes"`
	// Shards is the cluster's shard total.
	Shards int `json:"shards"`
	// Health counts shards per health check (TiKV: one per PD region
	// check, "miss-peer": 3); a check that could not be read is absent.
	Health []Health `json:"health"`
	// Gaps say what could not be read this time ("write and read rates:
	// pd:hotspot-stores failed"), so a zero is not mistaken for idle.
	Gaps []string `json:"gaps,omitempty"`
}

// Node is one node of the cluster.
type Node struct {
	ID      string `json:"id"`
	Address string `json:"address"`
	// State is the cluster's own word for it ("Up", "Disconnected").
	State            string  `json:"state"`
	Zone             string  `json:"zone,omitempty"`
	CapacityBytes    uint64  `json:"capacity_bytes"`
	AvailableBytes   uint64  `json:"available_bytes"`
	Leaders          int     `json:"leaders"`
	Shards           int     `json:"shards"`
	WriteBytesPerSec float64 `json:"write_bytes_per_sec"`
	ReadBytesPerSec  float64 `json:"read_bytes_per_sec"`
}

// UsedBytes is capacity minus available, never below zero (a node can
// report more available than capacity for a moment while it restarts).
func (n Node) UsedBytes() uint64 {
	if n.AvailableBytes >= n.CapacityBytes {
		return 0
	}
	return n.CapacityBytes - n.AvailableBytes
}

// UsedRatio is UsedBytes over capacity, 0 when the capacity is unknown.
func (n Node) UsedRatio() float64 {
	if n.CapacityBytes == 0 {
		return 0
	}
	return float64(n.UsedBytes()) / float64(n.CapacityBytes)
}

// Health is how many shards one health check counts.
type Health struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Clone copies the overview's slices, so a caller may keep or change the
// copy while the original is shared.
func (o Overview) Clone() Overview {
	o.Nodes = slices.Clone(o.Nodes)
	o.Health = slices.Clone(o.Health)
	o.Gaps = slices.Clone(o.Gaps)
	return o
}
