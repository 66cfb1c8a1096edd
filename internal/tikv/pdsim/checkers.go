package pdsim

import (
	"fmt"
	"sort"
	"time"
)

// patrol is PD's checkers and the few schedulers pdsim models, run once a
// simulated second. It only visits regions in the flagged sets (miss,
// extra, learner, offline, down, joint), never every region, so its cost
// follows the number of unhealthy regions, not the cluster size.
func (c *Cluster) patrol() {
	c.tombstoneEmptyStores()
	c.refillStoreLimits()
	if c.schedule.HaltScheduling || !c.bootstrapped {
		return
	}
	c.jointStateChecker()
	if !c.checkerPaused("rule") {
		// The patrol refreshes region statistics as it checks regions.
		c.publishStale()
		c.ruleChecker()
	}
	c.evictLeaders()
	c.balanceLeaders()
}

// replicaOps counts running operators of kind replica, against replica-schedule-limit.
func (c *Cluster) replicaOps() int {
	n := 0
	for _, op := range c.ops.running {
		if op.kind&kindReplica != 0 || op.desc == "remove-orphan-peer" {
			n++
		}
	}
	return n
}

// ruleChecker enforces the default placement rule (max-replicas voters):
// it undoes manual peer changes, makes up missing replicas and replaces
// peers on offline and down stores. Regions in a joint state are left to
// the joint-state checker.
func (c *Cluster) ruleChecker() {
	limit := int(c.schedule.ReplicaScheduleLimit)
	running := c.replicaOps()
	targets := c.healthyTargets()
	// visit tries fix on the flagged regions in id order until the
	// replica limit is reached or, for fixes that need a target store,
	// no store can take a peer any more this patrol.
	visit := func(flag checkFlags, needsTarget bool, fix func(r *Region) bool) {
		c.flagged[flag].each(func(id RegionID) bool {
			if running >= limit || (needsTarget && !targets.any()) {
				return false
			}
			r := c.regions[id]
			if r == nil || r.flags&flagJoint != 0 || c.leaderDead(r) {
				return true
			}
			// A scheduler's operator gives way to a repair; anything else
			// keeps the region busy.
			if op := c.ops.running[id]; op != nil && (!urgent(flag) || !replaceable(op)) {
				return true
			}
			if fix(r) {
				running = c.replicaOps()
			}
			return true
		})
	}
	visit(flagExtraPeer, false, c.fixExtra)
	visit(flagLearnerPeer, false, c.fixExtra)
	if c.schedule.EnableMakeUpReplica {
		visit(flagMissPeer, true, func(r *Region) bool { return c.fixMissing(r, targets) })
	}
	if c.schedule.EnableReplaceOfflineReplica && c.anyStore(c.isOffline) {
		visit(flagOfflinePeer, true, func(r *Region) bool {
			return c.fixOnStore(r, "replace-rule-offline-peer", c.isOffline, targets)
		})
	}
	if c.schedule.EnableRemoveDownReplica && c.anyStore(c.storeDown) {
		visit(flagDownPeer, true, func(r *Region) bool {
			return c.fixOnStore(r, "replace-rule-down-peer", c.storeDown, targets)
		})
	}
}

func (c *Cluster) isOffline(s *Store) bool { return s.State == StateOffline }

func (c *Cluster) anyStore(match func(*Store) bool) bool {
	for _, s := range c.stores {
		if match(s) {
			return true
		}
	}
	return false
}

// fixExtra removes a peer no rule asks for: a stray learner, or the newest
// voter beyond max-replicas (an admin add-peer is undone this way).
func (c *Cluster) fixExtra(r *Region) bool {
	want := int(c.replicate.MaxReplicas)
	var victim *Peer
	for i := range r.Peers {
		p := &r.Peers[i]
		if p.Role == RoleLearner && !r.Pending[p.ID] {
			victim = p
			break
		}
	}
	if victim == nil && r.voters() > want {
		for i := range r.Peers {
			p := &r.Peers[i]
			if p.ID == r.Leader {
				continue
			}
			if victim == nil || p.ID > victim.ID {
				victim = p
			}
		}
	}
	if victim == nil || !c.takeLimit(victim.StoreID, false) {
		return false
	}
	op := newOperator("remove-orphan-peer", fmt.Sprintf("rm peer: store %s", storeList(victim.StoreID)),
		r, kindRegion, c.removePeerSteps(r, victim.StoreID), c.now)
	return c.addOperator(op) == nil
}

// fixMissing adds a replica on the best store that has none.
func (c *Cluster) fixMissing(r *Region, targets *targetStores) bool {
	to := targets.pick(c, r)
	if to == 0 {
		return false
	}
	op := newOperator("add-rule-peer", fmt.Sprintf("add peer: store %s", storeList(to)),
		r, kindReplica|kindRegion, c.addPeerSteps(to, false), c.now)
	return c.addOperator(op) == nil
}

// fixOnStore moves the region's peer away from a store matching bad.
func (c *Cluster) fixOnStore(r *Region, desc string, bad func(*Store) bool, targets *targetStores) bool {
	for _, p := range r.Peers {
		s := c.stores[p.StoreID]
		if s == nil || !bad(s) {
			continue
		}
		to := targets.pick(c, r)
		if to == 0 {
			return false
		}
		steps, leader := c.movePeerSteps(r, p.StoreID, to)
		kind := kindReplica | kindRegion
		if leader {
			kind |= kindLeader
		}
		op := newOperator(desc, fmt.Sprintf("mv peer: store %s to %s", storeList(p.StoreID), storeList(to)), r, kind, steps, c.now)
		if old := c.ops.running[r.ID]; old != nil {
			c.finishOperator(old, opReplaced)
		}
		return c.addOperator(op) == nil
	}
	return false
}

// targetStores are the stores a new replica may go to in this patrol:
// Up, live, serving, not low on space. PD's store limit filter also
// excludes stores that have used up their add-peer tokens.
type targetStores struct{ stores []*Store }

func (c *Cluster) healthyTargets() *targetStores {
	t := &targetStores{}
	for _, s := range c.sortedStores() {
		if s.State != StateUp || s.killed || c.stateName(s) != "Up" || c.lowSpace(s) {
			continue
		}
		t.stores = append(t.stores, s)
	}
	return t
}

// any reports whether some target store can still take a peer.
func (t *targetStores) any() bool {
	for _, s := range t.stores {
		if s.tokensAdd >= 1 {
			return true
		}
	}
	return false
}

// pick takes an add-peer token on the store with the fewest regions that
// holds no peer of r and has a token left, and returns it, or 0.
func (t *targetStores) pick(c *Cluster, r *Region) StoreID {
	var best *Store
	for _, s := range t.stores {
		if s.tokensAdd < 1 || r.peerOnStore(s.ID) != nil {
			continue
		}
		if best == nil || s.regionCount < best.regionCount {
			best = s
		}
	}
	if best == nil || !c.takeLimit(best.ID, true) {
		return 0
	}
	return best.ID
}

// jointStateChecker is PD's joint-state checker: a region left with peers
// in a joint state (its operator ended between entering and leaving it) is
// made to leave it, the leader first moving off a demoted peer.
func (c *Cluster) jointStateChecker() {
	if c.checkerPaused("joint-state") {
		return
	}
	c.flagged[flagJoint].each(func(id RegionID) bool {
		r := c.regions[id]
		if r == nil || c.ops.running[id] != nil || c.leaderDead(r) {
			return true
		}
		var promote, demote []peerChange
		for _, p := range r.Peers {
			switch p.Role {
			case RoleIncomingVoter:
				promote = append(promote, peerChange{PeerID: p.ID, StoreID: p.StoreID})
			case RoleDemotingVoter:
				demote = append(demote, peerChange{PeerID: p.ID, StoreID: p.StoreID})
			}
		}
		var steps []step
		kind := kindRegion
		if lp := r.leaderPeer(); lp != nil && lp.Role == RoleDemotingVoter {
			for _, p := range r.Peers {
				if s := c.stores[p.StoreID]; s != nil && !s.killed && (p.Role == RoleVoter || p.Role == RoleIncomingVoter) {
					steps = append(steps, step{kind: stepTransferLeader, from: lp.StoreID, to: p.StoreID})
					kind |= kindLeader
					break
				}
			}
		}
		steps = append(steps, step{kind: stepLeaveJoint, promote: promote, demote: demote})
		c.addOperator(newOperator("leave-joint-state", "leave joint state", r, kind, steps, c.now))
		return true
	})
}

// lowSpace is PD's low-space test: available below (1 - low-space-ratio).
func (c *Cluster) lowSpace(s *Store) bool {
	if s.Capacity == 0 {
		return false
	}
	return float64(s.Available) < float64(s.Capacity)*(1-c.schedule.LowSpaceRatio)
}

// Store limits: tokens per store refilled at the configured peers/minute.
func (c *Cluster) refillStoreLimits() {
	for _, s := range c.stores {
		s.tokensAdd = minF(s.tokensAdd+s.limitAddPeer/60, max(s.limitAddPeer, 1))
		s.tokensRemove = minF(s.tokensRemove+s.limitRemovePeer/60, max(s.limitRemovePeer, 1))
	}
}

func minF(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func (c *Cluster) takeLimit(id StoreID, add bool) bool {
	s := c.stores[id]
	if s == nil {
		return false
	}
	if add {
		if s.tokensAdd < 1 {
			return false
		}
		s.tokensAdd--
		return true
	}
	if s.tokensRemove < 1 {
		return false
	}
	s.tokensRemove--
	return true
}

// evictLeaders runs evict-leader-scheduler: leaders leave its stores, a few
// per patrol, as PD's batch of 3 does.
func (c *Cluster) evictLeaders() {
	p := c.sched["evict-leader-scheduler"]
	if p == nil || p.paused(c.now) || p.disabled {
		return
	}
	for _, sid := range p.evictStores {
		// Nothing to scan for once the store leads nothing.
		if st := c.stores[sid]; st == nil || st.leaderCount == 0 {
			continue
		}
		moved := 0
		for _, r := range c.byKey {
			if moved >= 3 {
				break
			}
			if r.leaderStore() != sid || c.ops.running[r.ID] != nil {
				continue
			}
			for _, peer := range r.Peers {
				s := c.stores[peer.StoreID]
				// Leaders only go to healthy Up stores that take them.
				if peer.StoreID == sid || peer.Role != RoleVoter || s == nil || s.killed || s.State != StateUp ||
					c.stateName(s) != "Up" || r.Pending[peer.ID] {
					continue
				}
				op := newOperator("evict-leader-scheduler", fmt.Sprintf("transfer leader: store %d to %d", sid, peer.StoreID),
					r, kindLeader, []step{{kind: stepTransferLeader, from: sid, to: peer.StoreID}}, c.now)
				if c.addOperator(op) == nil {
					moved++
				}
				break
			}
		}
	}
}

// crash stops a store: no more heartbeats. About an election timeout later
// the surviving peers elect new leaders and report the dead peers as down,
// which is when PD's down-peer statistics first show them.
func (c *Cluster) crash(s *Store) {
	if s.killed {
		return
	}
	s.killed = true
	id := s.ID
	c.enqueue(c.now.Add(10*time.Second), func(c *Cluster) {
		st := c.stores[id]
		if st == nil || !st.killed {
			return
		}
		since := st.LastHeartbeat
		for _, r := range c.byKey {
			p := r.peerOnStore(id)
			if p == nil {
				continue
			}
			peerID := p.ID
			c.mutate(r, func(r *Region) {
				if r.DownSince == nil {
					r.DownSince = map[PeerID]time.Time{}
				}
				r.DownSince[peerID] = since
				if r.Leader == peerID {
					r.Leader = c.electLeader(r)
				}
			})
		}
	})
}

// electLeader picks a live voter with a quorum behind it, or keeps the old
// leader when the region lost its majority.
func (c *Cluster) electLeader(r *Region) PeerID {
	alive := 0
	var cand []Peer
	for _, p := range r.Peers {
		if p.Role == RoleLearner {
			continue
		}
		if s := c.stores[p.StoreID]; s != nil && !s.killed {
			alive++
			cand = append(cand, p)
		}
	}
	if alive*2 <= r.voters() || len(cand) == 0 {
		return r.Leader
	}
	sort.Slice(cand, func(i, j int) bool {
		return c.stores[cand[i].StoreID].leaderCount < c.stores[cand[j].StoreID].leaderCount
	})
	return cand[0].ID
}

// restore restarts a crashed store: it heartbeats again and its peers catch up.
func (c *Cluster) restore(s *Store) {
	if !s.killed {
		return
	}
	s.killed = false
	s.LastHeartbeat = c.now
	for _, r := range c.byKey {
		p := r.peerOnStore(s.ID)
		if p == nil || r.DownSince == nil {
			continue
		}
		if _, ok := r.DownSince[p.ID]; ok {
			peerID := p.ID
			c.mutate(r, func(r *Region) { delete(r.DownSince, peerID) })
		}
	}
	// Steps that waited for the store go on now.
	c.advanceOperators()
}
