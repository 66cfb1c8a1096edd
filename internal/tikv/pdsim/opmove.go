package pdsim

import (
	"fmt"
	"sort"
)

// createTransferRegion moves a region's peers onto exactly the given stores.
// With placement rules on (the default) PD insists on peer roles.
func (c *Cluster) createTransferRegion(q opRequest) (any, error) {
	r, err := c.region(q.region)
	if err != nil {
		return nil, err
	}
	if c.replicate.EnablePlacementRules {
		for _, role := range q.roles {
			if role == "" {
				return nil, errStatus(500, "transfer region without peer role is not supported when placement rules enabled")
			}
		}
	}
	for _, id := range q.toStores {
		if err := c.checkStoreState(id); err != nil {
			return nil, err
		}
	}
	leaderTo := StoreID(0)
	for i, role := range q.roles {
		if role == "leader" {
			leaderTo = q.toStores[i]
		}
	}
	steps, from, to := c.alignSteps(r, q.toStores, leaderTo)
	if len(steps) == 0 {
		return nil, errStatus(500, "no operator step is built")
	}
	kind := kindAdmin | kindRegion
	for _, s := range steps {
		if s.kind == stepTransferLeader {
			kind |= kindLeader
		}
	}
	op := newOperator("admin-move-region", fmt.Sprintf("mv peer: store %s to %s", storeList(from...), storeList(to...)), r, kind, steps, c.now)
	return nil, c.addOperator(op)
}

// alignSteps builds the steps that give r voters on exactly the stores in
// target: add learners, move the leader onto a voter that stays, joint
// consensus promote/demote, remove the old peers. leaderTo, if set, gets
// the leader. A learner already on a target store is promoted; one on
// another store is removed without being demoted (it is no voter). When no
// voter stays, the leader goes to a new peer while it is an incoming voter
// in the joint state, so it is never left on a demoted peer.
func (c *Cluster) alignSteps(r *Region, target []StoreID, leaderTo StoreID) ([]step, []StoreID, []StoreID) {
	want := map[StoreID]bool{}
	for _, id := range target {
		want[id] = true
	}
	var adds, removes []StoreID
	for _, id := range sortedStoreIDs(target) {
		if r.peerOnStore(id) == nil {
			adds = append(adds, id)
		}
	}
	for _, p := range r.Peers {
		if !want[p.StoreID] {
			removes = append(removes, p.StoreID)
		}
	}
	sort.Slice(removes, func(i, j int) bool { return removes[i] < removes[j] })
	var steps []step
	var promote, demote []peerChange
	for _, id := range adds {
		p := PeerID(c.allocID())
		steps = append(steps, step{kind: stepAddLearner, peer: p, to: id})
		promote = append(promote, peerChange{PeerID: p, StoreID: id})
	}
	for _, id := range sortedStoreIDs(target) {
		if p := r.peerOnStore(id); p != nil && p.Role == RoleLearner {
			promote = append(promote, peerChange{PeerID: p.ID, StoreID: id})
		}
	}
	cur := r.leaderStore()
	newLeader := leaderTo
	if newLeader == 0 && !want[cur] {
		// The leader must sit on a store that keeps its voter.
		for _, p := range r.Peers {
			if want[p.StoreID] && p.Role == RoleVoter {
				newLeader = p.StoreID
				break
			}
		}
		if newLeader == 0 && len(promote) > 0 {
			newLeader = promote[0].StoreID
		}
	}
	moveLeader := newLeader != 0 && newLeader != cur
	// A leader going to a peer that is a voter already moves first; one
	// going to a peer that is promoted moves inside the joint state.
	early := false
	if p := r.peerOnStore(newLeader); moveLeader && p != nil && p.Role == RoleVoter {
		early = true
		steps = append(steps, step{kind: stepTransferLeader, from: cur, to: newLeader})
	}
	for _, id := range removes {
		if p := r.peerOnStore(id); p.Role != RoleLearner {
			demote = append(demote, peerChange{PeerID: p.ID, StoreID: id})
		}
	}
	if len(promote)+len(demote) > 0 {
		steps = append(steps, step{kind: stepEnterJoint, promote: promote, demote: demote})
		if moveLeader && !early {
			steps = append(steps, step{kind: stepTransferLeader, from: cur, to: newLeader})
		}
		steps = append(steps, step{kind: stepLeaveJoint, promote: promote, demote: demote})
	}
	for _, id := range removes {
		steps = append(steps, step{kind: stepRemovePeer, from: id, peer: r.peerOnStore(id).ID})
	}
	return steps, removes, adds
}

// createMerge merges source into an adjacent target: the source's peers are
// first aligned with the target's stores, then merged. Both regions carry an
// operator, as in PD.
func (c *Cluster) createMerge(q opRequest) (any, error) {
	src, err := c.region(q.region)
	if err != nil {
		return nil, err
	}
	dst, err := c.region(q.target)
	if err != nil {
		return nil, err
	}
	for _, r := range []*Region{src, dst} {
		if !c.healthyAndReplicated(r) {
			return nil, errStatus(500, "[PD:region:ErrRegionAbnormalPeer]region %d has abnormal peer", r.ID)
		}
	}
	// Adjacent means one's end is the other's start; the empty key at the
	// two ends of the key space does not join the last region to the first.
	leftOf := src.EndKey != "" && src.EndKey == dst.StartKey
	rightOf := src.StartKey != "" && src.StartKey == dst.EndKey
	if !leftOf && !rightOf {
		return nil, errStatus(500, "[PD:region:ErrRegionNotAdjacent]two regions are not adjacent")
	}
	if c.ops.running[src.ID] != nil || c.ops.running[dst.ID] != nil {
		return nil, errStatus(500, "%s", errAddOperator)
	}
	steps, _, _ := c.alignSteps(src, dst.storeIDs(), 0)
	steps = append(steps, step{kind: stepMerge, peer: PeerID(src.ID), target: dst.ID})
	brief := fmt.Sprintf("merge: region %d to %d", src.ID, dst.ID)
	kind := kindAdmin | kindRegion | kindLeader
	op := newOperator("admin-merge-region", brief, src, kind, steps, c.now)
	comp := newOperator("admin-merge-region", brief, dst, kind,
		[]step{{kind: stepMerge, peer: PeerID(src.ID), target: dst.ID, isPassive: true}}, c.now)
	comp.timeout = op.timeout
	op.companion, comp.companion = comp, op
	if err := c.addOperator(op); err != nil {
		return nil, err
	}
	c.ops.running[dst.ID] = comp
	delete(c.ops.records, dst.ID)
	return nil, nil
}

// healthyAndReplicated is what PD requires of both regions of a merge: no
// down or pending peers, and exactly the voters the placement rule asks for
// (no learners, no joint-state peers).
func (c *Cluster) healthyAndReplicated(r *Region) bool {
	if len(r.DownSince) > 0 || len(r.Pending) > 0 {
		return false
	}
	return c.replicated(r)
}

// replicated: the region fits the default placement rule.
func (c *Cluster) replicated(r *Region) bool {
	if len(r.Peers) != int(c.replicate.MaxReplicas) {
		return false
	}
	for _, p := range r.Peers {
		if p.Role != RoleVoter {
			return false
		}
	}
	return true
}
