package pdsim

import (
	"time"
)

// stepCost is how long a step takes on a healthy cluster, roughly what PD's
// own simulator shows (transfer-leader ~0.2s, move peer ~0.9s for 96 MiB).
func (c *Cluster) stepCost(op *operator, s step) time.Duration {
	var d time.Duration
	switch s.kind {
	case stepTransferLeader:
		d = 200 * time.Millisecond
	case stepAddLearner:
		// Snapshot transfer: ~100 MiB/s plus a fixed cost.
		d = 150*time.Millisecond + time.Duration(op.size)*1500*time.Microsecond
	case stepMerge:
		d = 300 * time.Millisecond
	case stepSplit:
		d = 100 * time.Millisecond
	default:
		d = 150 * time.Millisecond
	}
	for _, id := range c.stepStores(op, s) {
		if st := c.stores[id]; st != nil {
			d += st.extraLatency
		}
	}
	return d
}

// stepStores are the stores that must be alive for a step to make progress.
func (c *Cluster) stepStores(op *operator, s step) []StoreID {
	r := c.regions[op.regionID]
	var ids []StoreID
	if r != nil {
		ids = append(ids, r.leaderStore())
	}
	switch s.kind {
	case stepTransferLeader, stepAddLearner, stepPromoteLearner:
		ids = append(ids, s.to)
	case stepEnterJoint, stepLeaveJoint:
		for _, p := range s.promote {
			ids = append(ids, p.StoreID)
		}
	}
	return ids
}

// stepBlocked: a step whose stores are crashed never completes; the
// operator then times out, as it would on a real cluster.
func (c *Cluster) stepBlocked(op *operator, s step) bool {
	for _, id := range c.stepStores(op, s) {
		st := c.stores[id]
		if st == nil || st.killed {
			return true
		}
	}
	if s.kind == stepSplit && (c.opts.NoSplit || len(c.splitKeys(c.regions[op.regionID], s)) == 0) {
		return true
	}
	return false
}

// stepDeadline is when the current step completes, or zero if it cannot.
func (c *Cluster) stepDeadline(op *operator) time.Time {
	if op.currentStep >= len(op.steps) {
		return time.Time{}
	}
	s := op.steps[op.currentStep]
	if s.isPassive || c.stepBlocked(op, s) {
		return time.Time{}
	}
	return op.stepStart.Add(c.stepCost(op, s))
}

// startStep applies what happens as a step is sent to TiKV: a new learner
// appears as a pending peer until its snapshot is applied.
func (c *Cluster) startStep(op *operator) {
	op.stepStart = c.now
	op.stepApplied = false
	if op.currentStep >= len(op.steps) {
		return
	}
	s := op.steps[op.currentStep]
	r := c.regions[op.regionID]
	if r == nil || s.kind != stepAddLearner || c.stepBlocked(op, s) {
		return
	}
	c.mutate(r, func(r *Region) {
		r.Peers = append(r.Peers, Peer{ID: s.peer, StoreID: s.to, Role: RoleLearner})
		r.Epoch.ConfVer++
		if r.Pending == nil {
			r.Pending = map[PeerID]bool{}
		}
		r.Pending[s.peer] = true
	})
	c.stores[s.to].receivingSnaps++
	if ls := c.stores[r.leaderStore()]; ls != nil {
		ls.sendingSnaps++
	}
	op.stepApplied = true
}

func (c *Cluster) advanceOperators() {
	// Finish in region order so runs are deterministic.
	for _, id := range c.runningIDs() {
		op := c.ops.running[id]
		if op == nil {
			continue
		}
		for op.status == opStarted {
			if !c.now.Before(op.createAt.Add(op.timeout)) {
				c.finishOperator(op, opTimeout)
				break
			}
			dl := c.stepDeadline(op)
			if dl.IsZero() || dl.After(c.now) {
				break
			}
			c.applyStep(op, op.steps[op.currentStep])
			if op.status != opStarted {
				break
			}
			op.currentStep++
			if op.currentStep >= len(op.steps) {
				c.finishOperator(op, opSuccess)
				break
			}
			c.startStep(op)
		}
	}
}

func (c *Cluster) runningIDs() []RegionID {
	ids := make([]RegionID, 0, len(c.ops.running))
	for id := range c.ops.running {
		ids = append(ids, id)
	}
	sortRegionIDs(ids)
	return ids
}

func (c *Cluster) finishOperator(op *operator, st opStatus) {
	if op.status.finished() {
		return
	}
	r := c.regions[op.regionID]
	// An unfinished snapshot is abandoned with the operator.
	if st != opSuccess && op.stepApplied && r != nil && op.currentStep < len(op.steps) {
		s := op.steps[op.currentStep]
		if s.kind == stepAddLearner {
			c.releaseSnap(r, s)
		}
	}
	op.status = st
	op.finishAt = c.now
	if c.ops.running[op.regionID] == op {
		delete(c.ops.running, op.regionID)
	}
	c.ops.records[op.regionID] = op
	if c.ops.nextSweep.IsZero() {
		c.ops.nextSweep = c.now.Add(time.Minute)
	}
	ev := map[opStatus]string{opSuccess: "finish", opTimeout: "timeout", opCanceled: "cancel", opReplaced: "replace", opExpired: "expire"}[st]
	c.metrics.opEvent(op.desc, ev)
}

func (c *Cluster) releaseSnap(r *Region, s step) {
	if st := c.stores[s.to]; st != nil && st.receivingSnaps > 0 {
		st.receivingSnaps--
	}
	if ls := c.stores[r.leaderStore()]; ls != nil && ls.sendingSnaps > 0 {
		ls.sendingSnaps--
	}
	if r.Pending[s.peer] {
		c.mutate(r, func(r *Region) { delete(r.Pending, s.peer) })
	}
}

// applyStep makes a completed step's change to the region.
func (c *Cluster) applyStep(op *operator, s step) {
	r := c.regions[op.regionID]
	if r == nil {
		c.finishOperator(op, opCanceled)
		return
	}
	switch s.kind {
	case stepTransferLeader:
		if p := r.peerOnStore(s.to); p != nil {
			c.mutate(r, func(r *Region) { r.Leader = p.ID })
		}
	case stepAddLearner:
		c.releaseSnap(r, s)
	case stepPromoteLearner:
		c.mutate(r, func(r *Region) {
			if p := r.peerByID(s.peer); p != nil {
				p.Role = RoleVoter
			}
			r.Epoch.ConfVer++
		})
	case stepEnterJoint, stepLeaveJoint:
		c.mutate(r, func(r *Region) {
			for _, pc := range s.promote {
				if p := r.peerByID(pc.PeerID); p != nil {
					p.Role = map[bool]PeerRole{true: RoleIncomingVoter, false: RoleVoter}[s.kind == stepEnterJoint]
				}
			}
			for _, dc := range s.demote {
				if p := r.peerByID(dc.PeerID); p != nil {
					p.Role = map[bool]PeerRole{true: RoleDemotingVoter, false: RoleLearner}[s.kind == stepEnterJoint]
				}
			}
			r.Epoch.ConfVer += uint64(len(s.promote) + len(s.demote))
		})
	case stepRemovePeer:
		c.mutate(r, func(r *Region) {
			for i, p := range r.Peers {
				if p.StoreID == s.from {
					r.Peers = append(r.Peers[:i], r.Peers[i+1:]...)
					delete(r.DownSince, p.ID)
					delete(r.Pending, p.ID)
					break
				}
			}
			r.Epoch.ConfVer++
		})
	case stepMerge:
		c.applyMerge(op, r, s)
	case stepSplit:
		c.applySplit(r, s)
	}
}
