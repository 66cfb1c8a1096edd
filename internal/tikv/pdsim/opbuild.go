package pdsim

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// apiError is an error with the HTTP status PD answers it with.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errStatus(status int, format string, args ...any) *apiError {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

var errAddOperator = errors.New("[PD:operator:ErrAddOperator]failed to add operator, maybe already have one")

func regionNotFound(id RegionID) *apiError {
	return errStatus(500, "[PD:region:ErrRegionNotFound]region %d not found", id)
}

func storeNotFound(status int, id StoreID) *apiError {
	return errStatus(status, "[PD:core:ErrStoreNotFound]store %d not found", id)
}

// movePeerSteps builds PD's joint-consensus move: add learner on to, enter
// joint state (promote it, demote the old voter), transfer the leader away
// first if it sits on from, leave joint state, remove the old peer.
func (c *Cluster) movePeerSteps(r *Region, from, to StoreID) ([]step, bool) {
	old := r.peerOnStore(from)
	newPeer := PeerID(c.allocID())
	if old.Role == RoleLearner {
		// A learner moves without joint consensus: a new learner, then
		// the old one goes.
		return []step{
			{kind: stepAddLearner, peer: newPeer, to: to},
			{kind: stepRemovePeer, from: from, peer: old.ID},
		}, false
	}
	pc := []peerChange{{PeerID: newPeer, StoreID: to}}
	dc := []peerChange{{PeerID: old.ID, StoreID: from}}
	steps := []step{
		{kind: stepAddLearner, peer: newPeer, to: to},
		{kind: stepEnterJoint, promote: pc, demote: dc},
	}
	leaderMoves := r.leaderStore() == from
	if leaderMoves {
		steps = append(steps, step{kind: stepTransferLeader, from: from, to: to})
	}
	steps = append(steps,
		step{kind: stepLeaveJoint, promote: pc, demote: dc},
		step{kind: stepRemovePeer, from: from, peer: old.ID},
	)
	return steps, leaderMoves
}

func (c *Cluster) addPeerSteps(to StoreID, learnerOnly bool) []step {
	p := PeerID(c.allocID())
	steps := []step{{kind: stepAddLearner, peer: p, to: to}}
	if !learnerOnly {
		steps = append(steps, step{kind: stepPromoteLearner, peer: p, to: to})
	}
	return steps
}

// removePeerSteps removes the peer on store from, moving the leader away first.
func (c *Cluster) removePeerSteps(r *Region, from StoreID) []step {
	var steps []step
	if r.leaderStore() == from {
		for _, p := range r.Peers {
			if p.StoreID != from && p.Role == RoleVoter {
				steps = append(steps, step{kind: stepTransferLeader, from: from, to: p.StoreID})
				break
			}
		}
	}
	old := r.peerOnStore(from)
	return append(steps, step{kind: stepRemovePeer, from: from, peer: old.ID})
}

// splitPolicy validates a split policy the way PD does (any case).
func splitPolicy(p string) (string, error) {
	switch strings.ToLower(p) {
	case "approximate":
		return "APPROXIMATE", nil
	case "scan":
		return "SCAN", nil
	case "usekey":
		return "USEKEY", nil
	}
	return "", errStatus(500, "check policy %s is not supported", p)
}

func validateHexKeys(keys []string) error {
	for _, k := range keys {
		if _, err := hex.DecodeString(k); err != nil {
			return errStatus(500, "split key %s is not in hex format", k)
		}
	}
	return nil
}

// addOperator registers a running operator, refusing like PD when the region
// already has one (admin or PD's own).
func (c *Cluster) addOperator(op *operator) error {
	if _, busy := c.ops.running[op.regionID]; busy {
		return errStatus(500, "%s", errAddOperator)
	}
	c.ops.running[op.regionID] = op
	// A new operator replaces the region's finished record, as in PD.
	delete(c.ops.records, op.regionID)
	c.metrics.opEvent(op.desc, "create")
	c.startStep(op)
	return nil
}

func storeList(ids ...StoreID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
