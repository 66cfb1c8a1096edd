package pdsim

import (
	"fmt"
	"strings"
	"time"
)

// opKind is PD's OpKind bitmask.
type opKind uint32

const (
	kindAdmin opKind = 1 << iota
	kindAffinity
	kindMerge
	kindRange
	kindReplica
	kindSplit
	kindHotRegion
	kindRegion
	kindLeader
	kindWitnessLeader
	kindWitness
	kindSplitScatter
)

var kindNames = []string{"admin", "affinity", "merge", "range", "replica", "split", "hot-region", "region", "leader", "witness-leader", "witness", "split-scatter"}

func (k opKind) String() string {
	var parts []string
	for i, n := range kindNames {
		if k&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if len(parts) == 0 {
		return "unknown"
	}
	return strings.Join(parts, ",")
}

// opStatus is PD's OpStatus as the ?object form numbers it.
type opStatus int

const (
	opCreated opStatus = iota
	opStarted
	opSuccess
	opCanceled
	opReplaced
	opExpired
	opTimeout
)

// word is the status as GET /operators/{id} prints it (PD's protocol names).
func (s opStatus) word() string {
	switch s {
	case opSuccess:
		return "SUCCESS"
	case opCanceled:
		return "CANCEL"
	case opReplaced:
		return "REPLACE"
	case opExpired, opTimeout:
		return "TIMEOUT"
	default:
		return "RUNNING"
	}
}

func (s opStatus) finished() bool { return s >= opSuccess }

type stepKind int

const (
	stepTransferLeader stepKind = iota
	stepAddLearner
	stepPromoteLearner
	stepEnterJoint
	stepLeaveJoint
	stepRemovePeer
	stepMerge
	stepSplit
)

type peerChange struct {
	PeerID  PeerID
	StoreID StoreID
}

// step is one operator step. Its String matches PD's step descriptions.
type step struct {
	kind     stepKind
	from, to StoreID
	peer     PeerID
	promote  []peerChange
	demote   []peerChange
	target   RegionID // merge
	policy   string   // split: APPROXIMATE, SCAN, USEKEY
	keys     []string // split keys, hex
	// isPassive marks the source-side merge step: the region disappears.
	isPassive bool
}

func (s step) String() string {
	switch s.kind {
	case stepTransferLeader:
		return fmt.Sprintf("transfer leader from store %d to store %d", s.from, s.to)
	case stepAddLearner:
		return fmt.Sprintf("add learner peer %d on store %d", s.peer, s.to)
	case stepPromoteLearner:
		return fmt.Sprintf("promote learner peer %d on store %d to voter", s.peer, s.to)
	case stepEnterJoint, stepLeaveJoint:
		var b strings.Builder
		if s.kind == stepEnterJoint {
			b.WriteString("use joint consensus")
		} else {
			b.WriteString("leave joint state")
		}
		for _, p := range s.promote {
			fmt.Fprintf(&b, ", promote learner peer %d on store %d to voter", p.PeerID, p.StoreID)
		}
		for _, p := range s.demote {
			fmt.Fprintf(&b, ", demote voter peer %d on store %d to learner", p.PeerID, p.StoreID)
		}
		return b.String()
	case stepRemovePeer:
		return fmt.Sprintf("remove peer on store %d", s.from)
	case stepMerge:
		return fmt.Sprintf("merge region %d into region %d", s.peer, s.target)
	case stepSplit:
		return fmt.Sprintf("split region with policy %s", s.policy)
	}
	return "unknown step"
}

// PD's step timeouts: fast steps wait 0.6 s/MiB (at least 1m), slow steps
// 6 s/MiB (at least 10m). The operator's timeout is the sum over its steps.
func fastWait(sizeMiB int64) time.Duration {
	w := time.Duration(int64(0.6*float64(sizeMiB))) * time.Second
	return max(w, time.Minute)
}

func slowWait(sizeMiB int64) time.Duration {
	w := time.Duration(6*sizeMiB) * time.Second
	return max(w, 10*time.Minute)
}

func (s step) timeout(sizeMiB int64) time.Duration {
	switch s.kind {
	case stepAddLearner, stepMerge:
		return slowWait(sizeMiB)
	case stepEnterJoint, stepLeaveJoint:
		return fastWait(sizeMiB) * time.Duration(1+len(s.promote)+len(s.demote))
	default:
		return fastWait(sizeMiB)
	}
}

// operator is one PD operator.
type operator struct {
	desc        string
	brief       string
	regionID    RegionID
	epoch       Epoch
	kind        opKind
	steps       []step
	currentStep int
	status      opStatus
	size        int64
	timeout     time.Duration
	createAt    time.Time
	startAt     time.Time
	finishAt    time.Time
	stepStart   time.Time
	// begun records that the current step reached TiKV. Only an add-learner
	// step has an effect before it completes (the learner appears, pending,
	// and a snapshot starts); while its stores are down it waits unbegun.
	begun bool
	// snap is the snapshot in flight for the learner being added, if any.
	snap *snapshot
	// expect is the region epoch the operator expects: the epoch at
	// creation plus the operator's own changes. A region whose epoch
	// differs was changed by something else; PD then cancels the operator
	// as stale, since its remaining steps no longer fit the region.
	expect Epoch
	// companion is the other half of a merge (both regions carry one).
	companion *operator
}

// snapshot is a learner's snapshot being sent from the leader's store.
// Both ends are remembered: the leader may move before it lands, and the
// counters must be released on the stores that were charged.
type snapshot struct {
	peer     PeerID
	from, to StoreID
}

func newOperator(desc, brief string, r *Region, kind opKind, steps []step, now time.Time) *operator {
	op := &operator{
		desc: desc, brief: brief, regionID: r.ID, epoch: r.Epoch, expect: r.Epoch, kind: kind,
		steps: steps, size: r.ApproxSize, createAt: now, startAt: now, stepStart: now,
		status: opStarted,
	}
	for _, s := range steps {
		op.timeout += s.timeout(r.ApproxSize)
	}
	return op
}

// goTime renders t the way Go's time.Time.String does for a time with a
// monotonic reading, which is how PD prints createAt/startAt.
func goTime(t, processStart time.Time) string {
	mono := t.Sub(processStart).Seconds()
	return fmt.Sprintf("%s m=+%.9f", t.UTC().Format("2006-01-02 15:04:05.999999999 -0700 MST"), mono)
}

// text is PD's Operator.String(), optionally followed by the end marker.
func (op *operator) text(processStart time.Time) string {
	steps := make([]string, len(op.steps))
	for i, s := range op.steps {
		steps[i] = fmt.Sprintf("%d:{%s}", i, s)
	}
	out := fmt.Sprintf("%s {%s} (kind:%s, region:%d(%d, %d), createAt:%s, startAt:%s, currentStep:%d, size:%d, steps:[%s], timeout:[%s])",
		op.desc, op.brief, op.kind, op.regionID, op.epoch.Version, op.epoch.ConfVer,
		goTime(op.createAt, processStart), goTime(op.startAt, processStart),
		op.currentStep, op.size, strings.Join(steps, ", "), op.timeout)
	switch op.status {
	case opSuccess:
		out += " finished"
	case opTimeout, opExpired:
		out += " timeout"
	}
	return out
}

// operators holds running operators and the latest finished one per region
// (PD's records cache, kept about ten minutes).
type operators struct {
	running   map[RegionID]*operator
	records   map[RegionID]*operator
	nextSweep time.Time
}

func newOperators() operators {
	return operators{running: map[RegionID]*operator{}, records: map[RegionID]*operator{}}
}

// recordTTL is how long a finished operator stays queryable.
const recordTTL = 10 * time.Minute
