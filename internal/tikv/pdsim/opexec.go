package pdsim

import (
	"time"
)

// stepCost is how long a step takes on a healthy cluster, roughly what PD's
// own simulator shows (transfer-leader ~0.2s, move peer ~0.9s for 96 MiB).
// It is always positive, so a catch-up always moves forward.
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
	var buf [6]StoreID
	for _, id := range c.stepStores(op, s, buf[:0]) {
		if st := c.stores[id]; st != nil {
			d += st.extraLatency
		}
	}
	return d
}

// stepStores appends to dst the stores that must be alive for a step to
// make progress: the region's leader, and the stores the step acts on.
func (c *Cluster) stepStores(op *operator, s step, dst []StoreID) []StoreID {
	if r := c.regions[op.regionID]; r != nil {
		dst = append(dst, r.leaderStore())
	}
	switch s.kind {
	case stepTransferLeader, stepAddLearner, stepPromoteLearner:
		dst = append(dst, s.to)
	case stepEnterJoint, stepLeaveJoint:
		for _, p := range s.promote {
			dst = append(dst, p.StoreID)
		}
	case stepMerge:
		// Both leaders take part in a merge.
		if t := c.regions[s.target]; t != nil {
			dst = append(dst, t.leaderStore())
		}
	}
	return dst
}

// stepBlocked: a step that TiKV cannot carry out now never completes; the
// operator then times out, as it would on a real cluster. That is a step
// whose stores are crashed or removed, a split PD's simulator would not do,
// or a change raft refuses: removing the leader's own peer, leaving a joint
// state while the leader is being demoted, handing leadership to a peer
// that is not a voter.
func (c *Cluster) stepBlocked(op *operator, s step) bool {
	var buf [6]StoreID
	for _, id := range c.stepStores(op, s, buf[:0]) {
		st := c.stores[id]
		if st == nil || st.killed || st.State == StateTombstone {
			return true
		}
	}
	r := c.regions[op.regionID]
	if r == nil {
		return false
	}
	switch s.kind {
	case stepSplit:
		return c.opts.NoSplit || len(c.splitKeys(r, s)) == 0
	case stepTransferLeader:
		p := r.peerOnStore(s.to)
		return p == nil || p.Role == RoleLearner
	case stepRemovePeer:
		p := r.peerOnStore(s.from)
		return p != nil && p.ID == r.Leader
	case stepLeaveJoint:
		p := r.leaderPeer()
		return p != nil && p.Role == RoleDemotingVoter
	}
	return false
}

// stepDeadline is when the current step completes, or zero if it cannot.
func (c *Cluster) stepDeadline(op *operator) time.Time {
	if op.currentStep >= len(op.steps) || !op.begun {
		return time.Time{}
	}
	s := op.steps[op.currentStep]
	if s.isPassive || c.stepBlocked(op, s) {
		return time.Time{}
	}
	return op.stepStart.Add(c.stepCost(op, s))
}

// startStep moves an operator onto its current step.
func (c *Cluster) startStep(op *operator) {
	op.stepStart = c.now
	op.begun = false
	c.beginStep(op)
}

// beginStep sends the current step to TiKV if it can go now. An add-learner
// step makes the new learner appear at once, pending until its snapshot
// (sent by the leader's store) is applied. If the stores it needs are down
// it waits, and its time only starts once it is sent.
func (c *Cluster) beginStep(op *operator) {
	if op.begun || op.currentStep >= len(op.steps) {
		return
	}
	s := op.steps[op.currentStep]
	if s.kind != stepAddLearner {
		op.begun = true
		return
	}
	r := c.regions[op.regionID]
	if r == nil || c.stepBlocked(op, s) || r.peerOnStore(s.to) != nil {
		return
	}
	from := r.leaderStore()
	c.mutate(r, func(r *Region) {
		r.Peers = append(r.Peers, Peer{ID: s.peer, StoreID: s.to, Role: RoleLearner})
		r.Epoch.ConfVer++
		if r.Pending == nil {
			r.Pending = map[PeerID]bool{}
		}
		r.Pending[s.peer] = true
	})
	op.expect = r.Epoch
	op.snap = &snapshot{peer: s.peer, from: from, to: s.to}
	if st := c.stores[s.to]; st != nil {
		st.receivingSnaps++
	}
	if st := c.stores[from]; st != nil {
		st.sendingSnaps++
	}
	op.begun = true
	op.stepStart = c.now
}

func (c *Cluster) advanceOperators() {
	// Finish in region order so runs are deterministic.
	for _, id := range c.runningIDs() {
		op := c.ops.running[id]
		if op == nil {
			continue
		}
		for op.status == opStarted {
			if c.cancelIfStale(op) {
				break
			}
			if !c.now.Before(op.createAt.Add(op.timeout)) {
				c.finishOperator(op, opTimeout)
				break
			}
			c.beginStep(op)
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

// cancelIfStale ends an operator whose region is gone or was changed by
// something other than the operator itself (its epoch moved on): PD's
// heartbeat check finds it stale and cancels it.
//
// PD only counts conf version changes there, so a split under a peer move
// (TiKV splitting a region its writes grew) leaves the move running; the
// operator takes the new version as expected. A merge or split operator
// was planned on the range, so any change makes it stale.
func (c *Cluster) cancelIfStale(op *operator) bool {
	if op.status.finished() {
		return true
	}
	r := c.regions[op.regionID]
	if r != nil && r.Epoch == op.expect {
		return false
	}
	if r != nil && r.Epoch.ConfVer == op.expect.ConfVer && !op.rangeBound() {
		op.expect.Version = r.Epoch.Version
		return false
	}
	c.finishOperator(op, opCanceled)
	return true
}

// rangeBound reports whether the operator merges or splits: its steps
// depend on the region's key range, not just on its peers.
func (op *operator) rangeBound() bool {
	for _, s := range op.steps {
		if s.kind == stepMerge || s.kind == stepSplit {
			return true
		}
	}
	return false
}

func (c *Cluster) runningIDs() []RegionID {
	ids := make([]RegionID, 0, len(c.ops.running))
	for id := range c.ops.running {
		ids = append(ids, id)
	}
	sortRegionIDs(ids)
	return ids
}

// finishOperator ends an operator. A snapshot still in flight is abandoned:
// the learner it was for stays in the region, no longer pending, and the
// rule checker removes it later, as PD's does. A merge that ends other than
// by success takes its other half with it.
func (c *Cluster) finishOperator(op *operator, st opStatus) {
	if op.status.finished() {
		return
	}
	c.releaseSnap(op)
	c.changes++
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
	if comp := op.companion; comp != nil && st != opSuccess && !comp.status.finished() {
		c.finishOperator(comp, opCanceled)
	}
}

// releaseSnap ends the operator's snapshot, if one is in flight, on the
// stores it was charged to.
func (c *Cluster) releaseSnap(op *operator) {
	sn := op.snap
	if sn == nil {
		return
	}
	op.snap = nil
	if st := c.stores[sn.to]; st != nil {
		st.receivingSnaps--
	}
	if st := c.stores[sn.from]; st != nil {
		st.sendingSnaps--
	}
	if r := c.regions[op.regionID]; r != nil && r.Pending[sn.peer] {
		c.mutate(r, func(r *Region) { delete(r.Pending, sn.peer) })
	}
}

// applyStep makes a completed step's change to the region. A step whose
// change is already there (the peer it removes is gone) completes without
// one, as PD's step checks see it finished.
func (c *Cluster) applyStep(op *operator, s step) {
	r := c.regions[op.regionID]
	if r == nil {
		c.finishOperator(op, opCanceled)
		return
	}
	switch s.kind {
	case stepTransferLeader:
		if p := r.peerOnStore(s.to); p != nil && p.Role != RoleLearner {
			c.mutate(r, func(r *Region) { r.Leader = p.ID })
		}
	case stepAddLearner:
		c.releaseSnap(op)
	case stepPromoteLearner:
		if p := r.peerByID(s.peer); p != nil && p.Role == RoleLearner {
			c.mutate(r, func(r *Region) {
				r.peerByID(s.peer).Role = RoleVoter
				r.Epoch.ConfVer++
			})
		}
	case stepEnterJoint, stepLeaveJoint:
		promoted, demoted := RoleIncomingVoter, RoleDemotingVoter
		if s.kind == stepLeaveJoint {
			promoted, demoted = RoleVoter, RoleLearner
		}
		c.mutate(r, func(r *Region) {
			changed := 0
			for _, pc := range s.promote {
				if p := r.peerByID(pc.PeerID); p != nil && p.Role != promoted {
					p.Role = promoted
					changed++
				}
			}
			for _, dc := range s.demote {
				if p := r.peerByID(dc.PeerID); p != nil && p.Role != demoted {
					p.Role = demoted
					changed++
				}
			}
			r.Epoch.ConfVer += uint64(changed)
		})
	case stepRemovePeer:
		if p := r.peerOnStore(s.from); p != nil {
			id := p.ID
			c.mutate(r, func(r *Region) {
				for i := range r.Peers {
					if r.Peers[i].ID == id {
						r.Peers = append(r.Peers[:i], r.Peers[i+1:]...)
						break
					}
				}
				delete(r.DownSince, id)
				delete(r.Pending, id)
				r.Epoch.ConfVer++
			})
		}
	case stepMerge:
		c.applyMerge(op, r, s)
		return
	case stepSplit:
		c.applySplit(r, s)
	}
	op.expect = r.Epoch
}
