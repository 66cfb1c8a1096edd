package pdsim

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// Options configure a simulated cluster.
type Options struct {
	Stores  int
	Regions int
	Seed    int64
	Clock   Clock
	// NotBootstrapped starts a PD that no TiKV has bootstrapped yet: cluster
	// reads answer 500 ErrNotBootstrapped, as PD does.
	NotBootstrapped bool

	// StoreHeartbeat is how often live stores heartbeat (TiKV default 10s).
	StoreHeartbeat time.Duration
	// RegionHeartbeat is how often region leaders heartbeat (TiKV default 60s).
	RegionHeartbeat time.Duration
	// DisconnectAfter is the heartbeat age at which PD calls a store
	// Disconnected (20s in PD). Down comes from max-store-down-time.
	DisconnectAfter time.Duration
	// MaxStoreDownTime seeds schedule.max-store-down-time (PD default 30m).
	MaxStoreDownTime time.Duration

	// RegionSizeMiB and RegionKeys are each generated region's approximate size.
	RegionSizeMiB int64
	RegionKeys    int64
	// StoreCapacity is each store's capacity in bytes (default 1 TiB).
	StoreCapacity uint64
	// Labels gives store i (1-based) its labels, e.g. zones.
	Labels func(id StoreID) []Label

	// PendingFirstHeartbeat starts the stores registered but not yet
	// heartbeated, as PD sees them in the seconds after bootstrap: Down,
	// Preparing, zero capacity, until the first store heartbeat tick.
	PendingFirstHeartbeat bool
	// NoSplit makes split operators never complete, as with PD's own
	// pd-simulator (which does not implement split): they time out. It
	// also turns off TiKV's size-based auto split, as in the captures from
	// pd-simulator (which only splits when a case sets a split size), where
	// write hotspots grew their regions past region-max-size.
	NoSplit bool
}

func (o *Options) defaults() {
	if o.Stores <= 0 {
		o.Stores = 5
	}
	if o.Regions < 0 {
		o.Regions = 0
	}
	if o.Clock == nil {
		o.Clock = NewScaledClock(1)
	}
	if o.StoreHeartbeat <= 0 {
		o.StoreHeartbeat = 10 * time.Second
	}
	if o.RegionHeartbeat <= 0 {
		o.RegionHeartbeat = 60 * time.Second
	}
	if o.DisconnectAfter <= 0 {
		o.DisconnectAfter = 20 * time.Second
	}
	if o.MaxStoreDownTime <= 0 {
		o.MaxStoreDownTime = 30 * time.Minute
	}
	if o.RegionSizeMiB <= 0 {
		o.RegionSizeMiB = 96
	}
	if o.RegionKeys <= 0 {
		o.RegionKeys = 960000
	}
	if o.StoreCapacity == 0 {
		o.StoreCapacity = 1 << 40
	}
}

// Cluster is the simulated cluster plus PD's view of it. All fields are
// guarded by mu; handlers take the read lock after catching up.
type Cluster struct {
	mu    sync.RWMutex
	opts  Options
	clock Clock
	rng   *rand.Rand

	now          time.Time // the model's time: everything up to it is processed
	bootstrapped bool
	bootTime     time.Time
	startTime    time.Time
	clusterID    uint64
	memberID     uint64
	nextID       uint64

	stores     map[StoreID]*Store
	storeOrder []StoreID // registration order, for stable output
	regions    map[RegionID]*Region
	byKey      []*Region                 // sorted by StartKey
	flagged    map[checkFlags]*regionSet // true flags (what the checkers act on), by flag
	stats      regionStats

	schedule  scheduleConfig
	replicate replicationConfig
	schedulers
	checkers map[string]*pausable

	ops     operators
	created createdCount // accepted POST /operators, for /pdsim/v1/status
	faults  faultState
	pd      pdMembers             // PD's members and which leads (fault_leader.go)
	flows   map[RegionID]struct{} // regions with injected traffic
	maint   *maintenanceTask
	history []event // scenario timeline still to run
	metrics simMetrics

	// changes counts region and operator changes; a search that found
	// nothing need not be repeated until it moves (see balanceLeaders).
	changes uint64
	// balanceMiss remembers the last balance-leader search that found no
	// region to move: the pairs it tried and the changes count then.
	balanceMiss struct {
		changes uint64
		pairs   [][2]StoreID
	}

	nextStoreHB  time.Time
	nextRegionHB time.Time
	nextPatrol   time.Time
	nextBalance  time.Time
}

// New builds a cluster: stores 1..N, then regions whose ids come from the same
// allocator PD's simulator uses (peers first, then the region), so ids look
// like a real PD's.
func New(opts Options) *Cluster {
	opts.defaults()
	c := newCluster(opts)
	if !opts.NotBootstrapped {
		c.bootstrap(c.now)
	}
	return c
}

// newCluster is a PD with no stores or regions yet, its clock and config
// set: New bootstraps it with generated stores and regions,
// NewFromSnapshot loads it from a snapshot of a live cluster.
func newCluster(opts Options) *Cluster {
	c := &Cluster{
		opts:    opts,
		clock:   opts.Clock,
		rng:     rand.New(rand.NewPCG(uint64(opts.Seed), uint64(opts.Seed)^0x9e3779b97f4a7c15)),
		stores:  map[StoreID]*Store{},
		regions: map[RegionID]*Region{},
		flagged: map[checkFlags]*regionSet{},
		flows:   map[RegionID]struct{}{},
	}
	c.stats = newRegionStats()
	for _, f := range allFlags {
		c.flagged[f] = &regionSet{}
	}
	now := c.clock.Now()
	c.now = now
	c.startTime = now
	c.clusterID = 7000000000000000000 + c.rng.Uint64N(1<<60)
	c.memberID = 7000000000000000000 + c.rng.Uint64N(1<<60)
	c.schedule = defaultScheduleConfig(opts.MaxStoreDownTime)
	c.replicate = defaultReplicationConfig()
	c.schedulers = newSchedulers()
	c.checkers = newCheckers()
	c.ops = newOperators()
	c.nextStoreHB = now.Add(opts.StoreHeartbeat)
	c.nextRegionHB = now.Add(opts.RegionHeartbeat)
	c.nextPatrol = now.Add(time.Second)
	return c
}

func (c *Cluster) allocID() uint64 {
	c.nextID++
	return c.nextID
}

func (c *Cluster) bootstrap(now time.Time) {
	c.bootstrapped = true
	c.bootTime = now
	n := c.opts.Stores
	for i := 1; i <= n; i++ {
		id := StoreID(i)
		s := &Store{
			ID:              id,
			Address:         fmt.Sprintf("tikv-%d:20160", i),
			Version:         "8.5.2",
			State:           StateUp,
			NodeState:       NodeServing,
			LastHeartbeat:   now,
			StartTime:       now,
			Capacity:        c.opts.StoreCapacity,
			baseUsed:        512 << 20,
			LeaderWeight:    1,
			RegionWeight:    1,
			limitAddPeer:    15,
			limitRemovePeer: 15,
		}
		if c.opts.Labels != nil {
			s.Labels = c.opts.Labels(id)
		}
		if c.opts.PendingFirstHeartbeat {
			s.NeverHeartbeat, s.awaitingFirstHB = true, true
			s.NodeState = NodePreparing
			s.LastHeartbeat, s.StartTime = time.Time{}, time.Time{}
			s.Capacity = 0
		}
		c.addStore(s)
	}
	c.nextID = uint64(n)
	replicas := c.replicate.MaxReplicas
	if int(replicas) > n {
		replicas = uint64(n)
	}
	total := c.opts.Regions
	c.byKey = make([]*Region, 0, total)
	for k := 0; k < total; k++ {
		r := &Region{
			Epoch:      Epoch{ConfVer: 1, Version: 1},
			ApproxSize: c.opts.RegionSizeMiB,
			ApproxKeys: c.opts.RegionKeys,
		}
		if k > 0 {
			r.StartKey = rowKey(k - 1)
		}
		if k < total-1 {
			r.EndKey = rowKey(k)
		}
		r.Peers = make([]Peer, 0, replicas)
		for j := 0; j < int(replicas); j++ {
			sid := StoreID((k+j)%n + 1)
			r.Peers = append(r.Peers, Peer{ID: PeerID(c.allocID()), StoreID: sid})
		}
		// The first peer leads, as in PD's simulator; with peers rotating
		// over the stores, leaders start balanced.
		r.Leader = r.Peers[0].ID
		r.ID = RegionID(c.allocID())
		c.regions[r.ID] = r
		c.byKey = append(c.byKey, r)
		c.account(r, +1)
		c.reflag(r)
		c.publish(r)
	}
	for _, s := range c.stores {
		c.refreshAvailable(s)
	}
}

// rowKey is the upper-case hex of a memcomparable-encoded TiDB row key for
// table 1 and row handle i, in the same shape PD shows for a real cluster.
func rowKey(i int) string {
	return fmt.Sprintf("7480000000000000FF015F728000000000FF%06XFF00000000FB", i)
}

func (c *Cluster) addStore(s *Store) {
	c.stores[s.ID] = s
	c.storeOrder = append(c.storeOrder, s.ID)
}

func (c *Cluster) sortedStores() []*Store {
	out := make([]*Store, 0, len(c.storeOrder))
	for _, id := range c.storeOrder {
		if s, ok := c.stores[id]; ok {
			out = append(out, s)
		}
	}
	return out
}

// account adds (sign +1) or removes (sign -1) a region's contribution to its
// stores' counters. Every region mutation is wrapped in account(-1) ...
// account(+1) so the counters never drift.
func (c *Cluster) account(r *Region, sign int) {
	c.changes++
	lead := r.Leader
	for _, p := range r.Peers {
		s := c.stores[p.StoreID]
		if s == nil {
			continue
		}
		s.regionCount += sign
		s.regionSize += int64(sign) * r.ApproxSize
		s.regionKeys += int64(sign) * r.ApproxKeys
		if p.Role == RoleLearner {
			s.learnerCount += sign
		}
		if r.Pending[p.ID] {
			s.pendingCount += sign
		}
		if p.ID == lead {
			s.leaderCount += sign
			s.leaderSize += int64(sign) * r.ApproxSize
			s.leaderKeys += int64(sign) * r.ApproxKeys
		}
	}
}

// mutate applies f to region r keeping store counters and statistics right.
func (c *Cluster) mutate(r *Region, f func(r *Region)) {
	c.account(r, -1)
	f(r)
	c.account(r, +1)
	c.reflag(r)
	c.publish(r)
	for _, p := range r.Peers {
		if s := c.stores[p.StoreID]; s != nil {
			c.refreshAvailable(s)
		}
	}
}

// refreshAvailable recomputes a store's free space from the data it holds.
// Each replica occupies its approximate size on disk.
func (c *Cluster) refreshAvailable(s *Store) {
	used := s.baseUsed + uint64(max(s.regionSize, 0))<<20
	if used > s.Capacity {
		used = s.Capacity
	}
	s.Available = s.Capacity - used
}

// usedSize is what PD calls used_size.
func (s *Store) usedSize() uint64 { return s.Capacity - s.Available }

// reflag recomputes which regions/check/* lists a region belongs to, the way
// PD's region statistics do when a heartbeat changes a region.
func (c *Cluster) reflag(r *Region) {
	f := c.flagsOf(r)
	if f != r.flags {
		for _, flag := range allFlags {
			if f&flag != 0 {
				c.flagged[flag].add(r.ID)
			} else if r.flags&flag != 0 {
				c.flagged[flag].remove(r.ID)
			}
		}
		r.flags = f
	}
	c.stats.track(r)
}

// flagsOf computes a region's true flags from its current shape and the
// current config: PD's statistics types, plus the internal joint flag.
func (c *Cluster) flagsOf(r *Region) checkFlags {
	var f checkFlags
	voters := r.voters()
	want := int(c.replicate.MaxReplicas)
	if len(r.Peers) < want {
		f |= flagMissPeer
	}
	if len(r.Peers) > want || voters > want {
		f |= flagExtraPeer
	}
	if len(r.DownSince) > 0 {
		f |= flagDownPeer
	}
	if len(r.Pending) > 0 {
		f |= flagPendingPeer
	}
	for _, p := range r.Peers {
		if s := c.stores[p.StoreID]; s != nil && s.State == StateOffline {
			f |= flagOfflinePeer
			break
		}
	}
	if r.learners() > 0 {
		f |= flagLearnerPeer
	}
	if r.ApproxSize <= 1 {
		f |= flagEmptyRegion
	}
	// TiKV's default region-max-size / region-max-keys.
	if r.ApproxSize >= 144 || r.ApproxKeys >= 1440000 {
		f |= flagOversized
	}
	if r.ApproxSize <= int64(c.schedule.MaxMergeRegionSize) && r.ApproxKeys <= int64(c.schedule.MaxMergeRegionKeys) {
		f |= flagUndersized
	}
	if r.inJoint() {
		f |= flagJoint
	}
	return f
}

// regionIndex returns the position of the region containing key (hex).
func (c *Cluster) regionIndex(key string) int {
	i := sort.Search(len(c.byKey), func(i int) bool {
		e := c.byKey[i].EndKey
		return e == "" || e > key
	})
	return i
}

func (c *Cluster) regionByKey(key string) *Region {
	i := c.regionIndex(key)
	if i < len(c.byKey) && c.byKey[i].StartKey <= key {
		return c.byKey[i]
	}
	return nil
}

func (c *Cluster) positionOf(r *Region) int {
	i := sort.Search(len(c.byKey), func(i int) bool { return c.byKey[i].StartKey >= r.StartKey })
	if i < len(c.byKey) && c.byKey[i] == r {
		return i
	}
	return -1
}
