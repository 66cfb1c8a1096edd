package pdsim

import (
	"fmt"
	"strings"
	"time"
)

// Fault is one injected fault, posted to /pdsim/v1/faults or listed in a
// scenario file. Which fields matter depends on Type.
type Fault struct {
	// Type is one of: kill-store, restore-store, slow-store, fill-disk,
	// hotspot, leader-imbalance, lose-peers, down-peer, pending-peer,
	// add-store, pd-errors, pd-slow, pd-truncate, pd-leader-change,
	// clear-pd-faults, clear-hotspot, clock-jump.
	Type  string `json:"type" yaml:"type"`
	Store uint64 `json:"store,omitempty" yaml:"store,omitempty"`
	// Region selects one region (hotspot, lose-peers, down-peer, pending-peer).
	Region uint64 `json:"region,omitempty" yaml:"region,omitempty"`
	// Latency for slow-store and pd-slow, as a Go duration ("250ms").
	Latency string `json:"latency,omitempty" yaml:"latency,omitempty"`
	// BytesPerSecond: fill-disk rate, or hotspot flow per region.
	BytesPerSecond float64 `json:"bytes_per_second,omitempty" yaml:"bytes_per_second,omitempty"`
	// AvailableRatio: fill-disk at once down to this share of capacity free.
	AvailableRatio float64 `json:"available_ratio,omitempty" yaml:"available_ratio,omitempty"`
	// StartKey and EndKey (hex) select a key range for hotspot.
	StartKey string `json:"start_key,omitempty" yaml:"start_key,omitempty"`
	EndKey   string `json:"end_key,omitempty" yaml:"end_key,omitempty"`
	// Read makes a hotspot a read hotspot.
	Read bool `json:"read,omitempty" yaml:"read,omitempty"`
	// Count: lose-peers (peers lost), pd-errors (requests failed; 0 = until cleared).
	Count int `json:"count,omitempty" yaml:"count,omitempty"`
	// Fraction: leader-imbalance share of leaders moved to Store.
	Fraction float64 `json:"fraction,omitempty" yaml:"fraction,omitempty"`
	// Status: pd-errors HTTP status (default 500).
	Status int `json:"status,omitempty" yaml:"status,omitempty"`
	// By: clock-jump, how far PD's wall clock steps forward ("90s").
	By string `json:"by,omitempty" yaml:"by,omitempty"`
}

// faultState holds the PD-level faults the HTTP layer applies.
type faultState struct {
	errorsLeft  int // requests still to fail; -1 = until cleared
	errorStatus int // status to answer with
	slow        time.Duration
	truncate    bool
}

func (f *faultState) failing() bool { return f.errorsLeft != 0 }

// Inject applies a fault now. Errors name what was wrong with it.
func (c *Cluster) Inject(f Fault) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.catchUp()
	return c.inject(f)
}

func (c *Cluster) storeFor(f Fault) (*Store, error) {
	if f.Store == 0 {
		return nil, fmt.Errorf("fault %s needs a store", f.Type)
	}
	s := c.stores[StoreID(f.Store)]
	if s == nil {
		return nil, fmt.Errorf("fault %s: store %d does not exist", f.Type, f.Store)
	}
	return s, nil
}

func parseLatency(f Fault) (time.Duration, error) {
	d, err := time.ParseDuration(f.Latency)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("fault %s: latency %q is not a duration like 250ms", f.Type, f.Latency)
	}
	return d, nil
}

func (c *Cluster) inject(f Fault) error {
	switch f.Type {
	case "kill-store", "restore-store", "slow-store", "fill-disk", "leader-imbalance":
		s, err := c.storeFor(f)
		if err != nil {
			return err
		}
		return c.injectStore(s, f)
	case "hotspot":
		return c.injectHotspot(f)
	case "clear-hotspot":
		return c.clearHotspot(f)
	case "lose-peers":
		return c.losePeers(f)
	case "down-peer", "pending-peer":
		return c.stallPeer(f)
	case "add-store":
		c.addNewStore(f.Count == 0)
		return nil
	case "pd-errors":
		c.faults.errorsLeft = f.Count
		if f.Count == 0 {
			c.faults.errorsLeft = -1
		}
		c.faults.errorStatus = f.Status
		if c.faults.errorStatus == 0 {
			c.faults.errorStatus = 500
		}
		return nil
	case "pd-slow":
		d, err := parseLatency(f)
		if err != nil {
			return err
		}
		c.faults.slow = d
		return nil
	case "pd-truncate":
		c.faults.truncate = true
		return nil
	case "clear-pd-faults":
		c.faults = faultState{}
		return nil
	case "pd-leader-change":
		c.changeLeader()
		return nil
	case "clock-jump":
		return c.jumpClock(f)
	}
	return fmt.Errorf("unknown fault type %q (want one of kill-store, restore-store, slow-store, fill-disk, hotspot, leader-imbalance, lose-peers, down-peer, pending-peer, add-store, pd-errors, pd-slow, pd-truncate, pd-leader-change, clear-pd-faults, clear-hotspot, clock-jump)", f.Type)
}

func (c *Cluster) injectStore(s *Store, f Fault) error {
	switch f.Type {
	case "kill-store":
		c.crash(s)
	case "restore-store":
		c.restore(s)
	case "slow-store":
		d, err := parseLatency(f)
		if err != nil {
			return err
		}
		s.extraLatency = d
	case "fill-disk":
		if f.AvailableRatio <= 0 && f.BytesPerSecond <= 0 {
			return fmt.Errorf("fault fill-disk needs bytes_per_second or available_ratio")
		}
		if f.AvailableRatio > 0 {
			if f.AvailableRatio >= 1 {
				return fmt.Errorf("fault fill-disk: available_ratio %v must be below 1", f.AvailableRatio)
			}
			want := uint64(float64(s.Capacity) * f.AvailableRatio)
			data := uint64(max(s.regionSize, 0)) << 20
			// Space beyond the regions' data is filler: set it so that
			// the ratio holds, or clear it when the data alone leaves less
			// free than asked (a "heal" to a ratio the regions cannot reach).
			s.baseUsed = 0
			if s.Capacity > want+data {
				s.baseUsed = s.Capacity - want - data
			}
			c.refreshAvailable(s)
		}
		s.fillRate = uint64(f.BytesPerSecond)
	case "leader-imbalance":
		frac := f.Fraction
		if frac <= 0 || frac > 1 {
			return fmt.Errorf("fault leader-imbalance: fraction %v must be in (0, 1]", frac)
		}
		if s.killed {
			return fmt.Errorf("fault leader-imbalance: store %d is down and cannot take leaders", s.ID)
		}
		c.pullLeaders(s, frac)
	}
	return nil
}

// pullLeaders moves a share of the leaders of regions with a voter on s to s.
func (c *Cluster) pullLeaders(s *Store, frac float64) {
	var cands []*Region
	for _, r := range c.byKey {
		if p := r.peerOnStore(s.ID); p != nil && p.Role == RoleVoter && r.Leader != p.ID {
			cands = append(cands, r)
		}
	}
	n := int(float64(len(cands)) * frac)
	for _, r := range cands[:n] {
		id := r.peerOnStore(s.ID).ID
		c.mutate(r, func(r *Region) { r.Leader = id })
	}
}

func (c *Cluster) injectHotspot(f Fault) error {
	if f.BytesPerSecond < 0 {
		return fmt.Errorf("fault hotspot: bytes_per_second must not be negative")
	}
	rate := f.BytesPerSecond
	if rate == 0 {
		rate = 32 << 20
	}
	targets, err := c.hotspotTargets(f)
	if err != nil {
		return err
	}
	for _, r := range targets {
		if f.Read {
			r.readRate = rate
		} else {
			r.writeRate = rate
		}
		c.flows[r.ID] = struct{}{}
	}
	return nil
}

// hotspotTargets are the regions a hotspot fault names: one region, or
// every region overlapping [start_key, end_key) (all of them when both are
// empty).
func (c *Cluster) hotspotTargets(f Fault) ([]*Region, error) {
	if f.Region != 0 {
		r := c.regions[RegionID(f.Region)]
		if r == nil {
			return nil, fmt.Errorf("fault %s: region %d does not exist", f.Type, f.Region)
		}
		return []*Region{r}, nil
	}
	var targets []*Region
	start, end := strings.ToUpper(f.StartKey), strings.ToUpper(f.EndKey)
	for _, r := range c.byKey {
		if (end == "" || r.StartKey < end) && (r.EndKey == "" || r.EndKey > start) {
			targets = append(targets, r)
		}
	}
	return targets, nil
}

// clearHotspot ends injected traffic on the named regions (all of them
// without a region or key range). The next region heartbeat reports the
// quiet interval and PD's hot cache forgets them.
func (c *Cluster) clearHotspot(f Fault) error {
	targets, err := c.hotspotTargets(f)
	if err != nil {
		return err
	}
	for _, r := range targets {
		r.writeRate, r.readRate = 0, 0
	}
	return nil
}

// flowRegions returns regions carrying injected traffic, in key order. It
// only reads: handlers call it under the read lock.
func (c *Cluster) flowRegions() []*Region {
	out := make([]*Region, 0, len(c.flows))
	for id := range c.flows {
		if r := c.regions[id]; r != nil {
			out = append(out, r)
		}
	}
	sortRegions(out)
	return out
}

func (c *Cluster) losePeers(f Fault) error {
	r := c.regions[RegionID(f.Region)]
	if r == nil {
		return fmt.Errorf("fault lose-peers: region %d does not exist", f.Region)
	}
	n := f.Count
	if n <= 0 {
		n = 1
	}
	if n >= len(r.Peers) {
		return fmt.Errorf("fault lose-peers: region %d has %d peers; losing %d would leave none", f.Region, len(r.Peers), n)
	}
	c.mutate(r, func(r *Region) {
		for lost := 0; lost < n; {
			for i, p := range r.Peers {
				if p.ID != r.Leader {
					r.Peers = append(r.Peers[:i], r.Peers[i+1:]...)
					delete(r.DownSince, p.ID)
					delete(r.Pending, p.ID)
					r.Epoch.ConfVer++
					lost++
					break
				}
			}
		}
	})
	// The region's next heartbeat shows PD a new epoch: an operator
	// planned against the old one is stale.
	if op := c.ops.running[r.ID]; op != nil {
		c.cancelIfStale(op)
	}
	return nil
}

// stallPeer makes one follower of a region stop keeping up while its store
// stays Up, the replica-level failures a store-level fault cannot show:
// down-peer (it stops answering its leader: a stuck apply, a corrupted
// peer; the leader reports it down) or pending-peer (it falls behind its
// leader's log: a slow disk). PD replaces down replicas only on stores that
// are Down, and nothing catches a pending one up, so either stays until the
// peer is removed. Store picks the replica (default: the region's first
// follower); a leader reports its followers, never itself, so the leader's
// replica is refused.
func (c *Cluster) stallPeer(f Fault) error {
	r := c.regions[RegionID(f.Region)]
	if r == nil {
		return fmt.Errorf("fault %s: region %d does not exist", f.Type, f.Region)
	}
	var victim *Peer
	if f.Store != 0 {
		victim = r.peerOnStore(StoreID(f.Store))
		if victim == nil {
			return fmt.Errorf("fault %s: region %d has no replica on store %d", f.Type, f.Region, f.Store)
		}
		if victim.ID == r.Leader {
			return fmt.Errorf("fault %s: region %d's replica on store %d is its leader, which reports its followers, not itself", f.Type, f.Region, f.Store)
		}
	} else {
		for i := range r.Peers {
			if r.Peers[i].ID != r.Leader {
				victim = &r.Peers[i]
				break
			}
		}
		if victim == nil {
			return fmt.Errorf("fault %s: region %d has no follower", f.Type, f.Region)
		}
	}
	id := victim.ID
	c.mutate(r, func(r *Region) {
		if f.Type == "down-peer" {
			if r.DownSince == nil {
				r.DownSince = map[PeerID]time.Time{}
			}
			r.DownSince[id] = c.now
			return
		}
		if r.Pending == nil {
			r.Pending = map[PeerID]bool{}
		}
		r.Pending[id] = true
	})
	return nil
}

// addNewStore registers a new, empty store; with neverHeartbeat it stays
// the way PD shows a TiKV that registered and then died: Down at once.
func (c *Cluster) addNewStore(neverHeartbeat bool) *Store {
	id := StoreID(c.allocID())
	s := &Store{
		ID: id, Address: fmt.Sprintf("tikv-%d:20160", id), Version: "8.5.2",
		NodeState: NodePreparing, LeaderWeight: 1, RegionWeight: 1,
		limitAddPeer: c.schedule.DefaultStoreLimit.AddPeer, limitRemovePeer: c.schedule.DefaultStoreLimit.RemovePeer,
		NeverHeartbeat: neverHeartbeat,
	}
	if !neverHeartbeat {
		s.Capacity = c.opts.StoreCapacity
		s.baseUsed = 512 << 20
		s.LastHeartbeat = c.now
		s.StartTime = c.now
		c.refreshAvailable(s)
	}
	c.addStore(s)
	return s
}
