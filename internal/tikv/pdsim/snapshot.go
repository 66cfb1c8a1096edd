package pdsim

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Snapshot is what was read from a live PD to rehearse an action on: its
// stores, some of its regions (those the action touches and their
// neighbours, not the whole cluster), and its scheduling config.
// NewFromSnapshot builds a Cluster from it instead of a generated topology.
type Snapshot struct {
	// Now is when the snapshot was taken, on the live PD's clock. Heartbeat
	// times are taken relative to it, so the stores keep the heartbeat ages
	// (and derived states) they had, whatever the simulator's clock says.
	// Zero: the latest store heartbeat.
	Now     time.Time
	Stores  []SnapshotStore
	Regions []SnapshotRegion
	// Schedule is PD's schedule config as GET /config/schedule answers it,
	// decoded onto PD's defaults (unknown keys ignored, as PD does); nil
	// keeps the defaults. Its store-limit entries become the stores' limits.
	Schedule json.RawMessage
	// Replication is GET /config/replicate's answer; nil keeps the defaults.
	Replication json.RawMessage
	// Schedulers are the scheduler names GET /schedulers lists; nil keeps
	// pdsim's default set. pdsim only acts for the ones it models
	// (balance-leader, evict-leader); the others are listed and idle.
	Schedulers []string
	// Paused maps a paused scheduler to when it resumes (live clock).
	Paused map[string]time.Time
}

// SnapshotStore is one store as the live PD showed it.
type SnapshotStore struct {
	ID                  StoreID
	Address             string
	Version             string
	Labels              []Label
	State               StoreState
	NodeState           NodeState
	PhysicallyDestroyed bool
	// StateName is PD's derived state ("Up", "Disconnected", "Down",
	// "Offline", "Tombstone"). A Disconnected or Down store is taken to be
	// crashed: it does not heartbeat in the rehearsal either.
	StateName     string
	LastHeartbeat time.Time // zero: never heartbeated
	StartTime     time.Time
	Capacity      uint64 // bytes
	Available     uint64 // bytes
	LeaderWeight  float64
	RegionWeight  float64
	// The live totals over all the store's regions, most of which the
	// snapshot does not hold. Sizes in MiB.
	LeaderCount int
	RegionCount int
	LeaderSize  int64
	RegionSize  int64
}

// SnapshotRegion is one region as the live PD showed it. Keys are hex, as
// PD serves them (any case).
type SnapshotRegion struct {
	ID       RegionID
	StartKey string
	EndKey   string
	Epoch    Epoch
	Peers    []Peer
	Leader   PeerID // 0: no leader known
	// DownPeers maps a down peer to how long PD said it had been down.
	DownPeers    map[PeerID]time.Duration
	PendingPeers []PeerID
	ApproxSize   int64 // MiB
	ApproxKeys   int64
}

// NewFromSnapshot builds a cluster holding exactly the snapshot's stores and
// regions: a region not in the snapshot does not exist in it. opts gives
// the clock and timings (Stores, Regions, Labels, region sizes and
// PendingFirstHeartbeat are ignored); with no Clock the cluster runs on a
// ManualClock stopped at the snapshot's time.
//
// The snapshot is partial, so the stores' leader and region counts and
// sizes start at the live totals, not at the sums over the snapshot's
// regions, and every later change moves them by what happened to the
// snapshot's regions (the counters are kept incrementally; see account).
// Used space is likewise the live figure: whatever the snapshot's regions
// do not explain counts as the store's base usage. Learner and pending
// peer counts cover only the snapshot's regions. Region traffic is not
// carried over (flows start at zero), so no hotspot and no write-driven
// auto split happens in the rehearsal.
func NewFromSnapshot(s Snapshot, opts Options) (*Cluster, error) {
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("pdsim: snapshot: %w", err)
	}
	at := s.Now
	if at.IsZero() {
		for _, st := range s.Stores {
			if st.LastHeartbeat.After(at) {
				at = st.LastHeartbeat
			}
		}
	}
	if at.IsZero() {
		return nil, errors.New("pdsim: snapshot: no time: Now is zero and no store ever heartbeated")
	}
	if opts.Clock == nil {
		opts.Clock = NewManualClock(at)
	}
	opts.NotBootstrapped = false
	opts.PendingFirstHeartbeat = false
	opts.defaults()
	c := newCluster(opts)
	// shift moves a live time onto the simulator's clock, keeping its age.
	shift := c.now.Sub(at)
	move := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.Add(shift)
	}

	if err := c.loadConfig(s); err != nil {
		return nil, fmt.Errorf("pdsim: snapshot: %w", err)
	}
	for name, until := range s.Paused {
		if p := c.sched[name]; p != nil {
			p.pausedAt, p.resumeAt = c.now, move(until)
		}
	}
	c.bootstrapped = true
	c.bootTime = c.now

	var maxID uint64
	for _, ss := range s.Stores {
		st := c.snapshotStore(ss, move)
		c.addStore(st)
		maxID = max(maxID, uint64(st.ID))
	}
	regions := make([]SnapshotRegion, len(s.Regions))
	copy(regions, s.Regions)
	sort.Slice(regions, func(i, j int) bool {
		return strings.ToUpper(regions[i].StartKey) < strings.ToUpper(regions[j].StartKey)
	})
	c.byKey = make([]*Region, 0, len(regions))
	for _, sr := range regions {
		r := snapshotRegion(sr, c.now)
		maxID = max(maxID, uint64(r.ID))
		for _, p := range r.Peers {
			maxID = max(maxID, uint64(p.ID))
		}
		c.regions[r.ID] = r
		c.byKey = append(c.byKey, r)
		c.account(r, +1)
		c.reflag(r)
		c.publish(r)
	}
	// Ids the rehearsal allocates (new peers, split regions) come after
	// every id the snapshot shows. The live PD's allocator is further on;
	// the rehearsal's ids are its own and never reach the live cluster.
	c.nextID = maxID
	for _, ss := range s.Stores {
		c.adoptLiveTotals(c.stores[ss.ID], ss)
	}
	return c, nil
}

// loadConfig installs the snapshot's schedule and replication config and
// scheduler list.
func (c *Cluster) loadConfig(s Snapshot) error {
	if len(s.Schedule) > 0 {
		cfg := c.schedule
		cfg.StoreLimit = nil
		if err := decodeInto(s.Schedule, &cfg, "ScheduleConfig"); err != nil {
			return fmt.Errorf("schedule config: %w", err)
		}
		if err := cfg.validate(); err != nil {
			return fmt.Errorf("schedule config: %w", err)
		}
		// store-limit is applied to the stores (snapshotStore);
		// schedulers-v2 is rebuilt from the schedulers when read.
		limits := cfg.StoreLimit
		c.schedule = cfg
		c.schedule.SchedulersV2 = nil
		c.schedule.StoreLimit = limits
	}
	if len(s.Replication) > 0 {
		repl := c.replicate
		if err := decodeInto(s.Replication, &repl, "ReplicationConfig"); err != nil {
			return fmt.Errorf("replication config: %w", err)
		}
		if repl.MaxReplicas == 0 {
			return errors.New("replication config: max-replicas is 0")
		}
		c.replicate = repl
	}
	if s.Schedulers != nil {
		c.schedulers = schedulers{sched: map[string]*pausable{}}
		for _, name := range s.Schedulers {
			if _, dup := c.sched[name]; !dup {
				c.addScheduler(name, &pausable{createdAt: c.now})
			}
		}
	}
	return nil
}

// snapshotStore builds a store from its snapshot, its limits from the
// schedule config's store-limit (else default-store-limit).
func (c *Cluster) snapshotStore(ss SnapshotStore, move func(time.Time) time.Time) *Store {
	st := &Store{
		ID: ss.ID, Address: ss.Address, Version: ss.Version,
		Labels: append([]Label(nil), ss.Labels...), State: ss.State, NodeState: ss.NodeState,
		PhysicallyDestroyed: ss.PhysicallyDestroyed,
		LastHeartbeat:       move(ss.LastHeartbeat), StartTime: move(ss.StartTime),
		NeverHeartbeat: ss.LastHeartbeat.IsZero(),
		Capacity:       ss.Capacity, Available: ss.Available,
		LeaderWeight: ss.LeaderWeight, RegionWeight: ss.RegionWeight,
		limitAddPeer: c.schedule.DefaultStoreLimit.AddPeer, limitRemovePeer: c.schedule.DefaultStoreLimit.RemovePeer,
	}
	if st.LeaderWeight == 0 && st.RegionWeight == 0 {
		st.LeaderWeight, st.RegionWeight = 1, 1
	}
	if lim, ok := c.schedule.StoreLimit[fmt.Sprint(ss.ID)]; ok {
		st.limitAddPeer, st.limitRemovePeer = lim.AddPeer, lim.RemovePeer
	}
	if st.State == StateOffline {
		st.NodeState = NodeRemoving
		st.removeStart = c.now
	}
	switch ss.StateName {
	case "Disconnected", "Down":
		// A silent store stays silent. Its heartbeat is set back if need
		// be so the derived state is the one the live PD showed (the two
		// PDs may disagree on max-store-down-time by a tick).
		st.killed = true
		limit := c.opts.DisconnectAfter
		if ss.StateName == "Down" {
			limit = c.schedule.MaxStoreDownTime.Duration
		}
		if latest := c.now.Add(-limit - time.Second); !st.NeverHeartbeat && st.LastHeartbeat.After(latest) {
			st.LastHeartbeat = latest
		}
	}
	return st
}

// snapshotRegion builds a region from its snapshot.
func snapshotRegion(sr SnapshotRegion, now time.Time) *Region {
	r := &Region{
		ID: sr.ID, StartKey: strings.ToUpper(sr.StartKey), EndKey: strings.ToUpper(sr.EndKey),
		Epoch: sr.Epoch, Peers: append([]Peer(nil), sr.Peers...), Leader: sr.Leader,
		ApproxSize: sr.ApproxSize, ApproxKeys: sr.ApproxKeys,
	}
	if len(sr.DownPeers) > 0 {
		r.DownSince = make(map[PeerID]time.Time, len(sr.DownPeers))
		for id, d := range sr.DownPeers {
			r.DownSince[id] = now.Add(-d)
		}
	}
	if len(sr.PendingPeers) > 0 {
		r.Pending = make(map[PeerID]bool, len(sr.PendingPeers))
		for _, id := range sr.PendingPeers {
			r.Pending[id] = true
		}
	}
	return r
}

// adoptLiveTotals sets a store's counters to the live totals where those
// are larger than what the snapshot's regions account for (they are, but
// for a region read a moment after the store list), and its base usage
// so that used space is the live figure.
func (c *Cluster) adoptLiveTotals(st *Store, ss SnapshotStore) {
	st.leaderCount = max(st.leaderCount, ss.LeaderCount)
	st.regionCount = max(st.regionCount, ss.RegionCount)
	st.leaderSize = max(st.leaderSize, ss.LeaderSize)
	st.regionSize = max(st.regionSize, ss.RegionSize)
	// Keys are not in the store list; the snapshot's regions give a floor.
	if st.Capacity > 0 && ss.Available <= st.Capacity {
		used := st.Capacity - ss.Available
		data := uint64(max(st.regionSize, 0)) << 20
		if used > data {
			st.baseUsed = used - data
		}
	}
	c.refreshAvailable(st)
}

// validate names every problem at once, so a bad snapshot is fixed in one go.
func (s Snapshot) validate() error {
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	if len(s.Stores) == 0 {
		bad("no stores")
	}
	stores := map[StoreID]bool{}
	for i, st := range s.Stores {
		switch {
		case st.ID == 0:
			bad("store #%d has id 0", i+1)
		case stores[st.ID]:
			bad("store %d is listed twice", st.ID)
		}
		stores[st.ID] = true
		if st.State < StateUp || st.State > StateTombstone {
			bad("store %d has unknown state %d", st.ID, st.State)
		}
		if st.Available > st.Capacity {
			bad("store %d has %d bytes available of a %d-byte capacity", st.ID, st.Available, st.Capacity)
		}
	}
	regions := map[RegionID]bool{}
	peers := map[PeerID]RegionID{}
	for i, r := range s.Regions {
		what := fmt.Sprintf("region %d", r.ID)
		switch {
		case r.ID == 0:
			bad("region #%d has id 0", i+1)
			what = fmt.Sprintf("region #%d", i+1)
		case regions[r.ID]:
			bad("region %d is listed twice", r.ID)
		}
		regions[r.ID] = true
		for _, k := range []struct{ name, key string }{{"start", r.StartKey}, {"end", r.EndKey}} {
			if _, err := hex.DecodeString(k.key); err != nil {
				bad("%s: %s key %q is not hex", what, k.name, k.key)
			}
		}
		if r.EndKey != "" && strings.ToUpper(r.StartKey) >= strings.ToUpper(r.EndKey) {
			bad("%s: start key %s is not before end key %s", what, r.StartKey, r.EndKey)
		}
		if r.ApproxSize < 0 || r.ApproxKeys < 0 {
			bad("%s: negative size or key count", what)
		}
		if len(r.Peers) == 0 {
			bad("%s has no peers", what)
		}
		onStore := map[StoreID]bool{}
		mine := map[PeerID]bool{}
		for _, p := range r.Peers {
			switch {
			case p.ID == 0:
				bad("%s has a peer with id 0", what)
			case !stores[p.StoreID]:
				bad("%s: peer %d is on store %d, which the snapshot does not list", what, p.ID, p.StoreID)
			case onStore[p.StoreID]:
				bad("%s has two peers on store %d", what, p.StoreID)
			}
			if other, dup := peers[p.ID]; dup && p.ID != 0 {
				bad("peer %d belongs to both region %d and region %d", p.ID, other, r.ID)
			}
			if p.Role < RoleVoter || p.Role > RoleDemotingVoter {
				bad("%s: peer %d has unknown role %d", what, p.ID, p.Role)
			}
			onStore[p.StoreID], mine[p.ID], peers[p.ID] = true, true, r.ID
		}
		if r.Leader != 0 && !mine[r.Leader] {
			bad("%s: leader %d is not one of its peers", what, r.Leader)
		}
		for id := range r.DownPeers {
			if !mine[id] {
				bad("%s: down peer %d is not one of its peers", what, id)
			}
		}
		for _, id := range r.PendingPeers {
			if !mine[id] {
				bad("%s: pending peer %d is not one of its peers", what, id)
			}
		}
	}
	problems = append(problems, overlaps(s.Regions)...)
	return errors.Join(problems...)
}

// overlaps reports regions whose key ranges overlap. Gaps are expected: the
// snapshot holds only some regions.
func overlaps(rs []SnapshotRegion) []error {
	sorted := make([]SnapshotRegion, 0, len(rs))
	for _, r := range rs {
		if r.EndKey == "" || strings.ToUpper(r.StartKey) < strings.ToUpper(r.EndKey) {
			sorted = append(sorted, r)
		}
	}
	sort.Slice(sorted, func(i, j int) bool {
		return strings.ToUpper(sorted[i].StartKey) < strings.ToUpper(sorted[j].StartKey)
	})
	var out []error
	for i := 1; i < len(sorted); i++ {
		prev, cur := sorted[i-1], sorted[i]
		if prev.EndKey == "" || strings.ToUpper(prev.EndKey) > strings.ToUpper(cur.StartKey) {
			out = append(out, fmt.Errorf("regions %d and %d overlap (%q..%q and %q..%q)",
				prev.ID, cur.ID, prev.StartKey, prev.EndKey, cur.StartKey, cur.EndKey))
		}
	}
	return out
}
