package pdsim

import (
	"time"
)

// StoreID, RegionID and PeerID are distinct types so that one can never be
// passed where another is expected.
type (
	StoreID  uint64
	RegionID uint64
	PeerID   uint64
)

// StoreState is PD's stored store state (metapb.StoreState).
type StoreState int

// The stored states. Down and Disconnected are not states: PD derives them
// from the heartbeat age (see Store.stateName).
const (
	StateUp        StoreState = 0
	StateOffline   StoreState = 1
	StateTombstone StoreState = 2
)

// NodeState is PD's metapb.NodeState.
type NodeState int

// Node states as PD numbers them.
const (
	NodePreparing NodeState = 0
	NodeServing   NodeState = 1
	NodeRemoving  NodeState = 2
	NodeRemoved   NodeState = 3
)

// PeerRole is metapb.PeerRole.
type PeerRole int

// Peer roles as PD numbers them.
const (
	RoleVoter         PeerRole = 0
	RoleLearner       PeerRole = 1
	RoleIncomingVoter PeerRole = 2
	RoleDemotingVoter PeerRole = 3
)

func (r PeerRole) String() string {
	switch r {
	case RoleLearner:
		return "Learner"
	case RoleIncomingVoter:
		return "IncomingVoter"
	case RoleDemotingVoter:
		return "DemotingVoter"
	default:
		return "Voter"
	}
}

// Label is a store label.
type Label struct {
	Key   string
	Value string
}

// Store is one TiKV store as PD knows it.
type Store struct {
	ID                  StoreID
	Address             string
	Version             string
	Labels              []Label
	State               StoreState
	NodeState           NodeState
	PhysicallyDestroyed bool
	// Registered but never heartbeated: PD reports it Down at once.
	NeverHeartbeat bool
	// awaitingFirstHB: registered at bootstrap, first heartbeat still to come.
	awaitingFirstHB bool
	LastHeartbeat   time.Time
	StartTime       time.Time

	Capacity  uint64 // bytes
	Available uint64 // bytes
	// baseUsed is space used by things other than region data (logs, engine
	// overhead); region data is added on top.
	baseUsed uint64

	LeaderWeight float64
	RegionWeight float64

	// Maintained incrementally so /stores costs O(stores), not O(regions).
	leaderCount  int
	regionCount  int
	learnerCount int
	leaderSize   int64
	regionSize   int64
	leaderKeys   int64
	regionKeys   int64
	pendingCount int

	// Simulation-only state (faults).
	killed       bool          // no heartbeats, peers unreachable
	extraLatency time.Duration // slow store fault
	fillRate     uint64        // bytes per simulated second consumed by a disk-filling fault

	sendingSnaps   int
	receivingSnaps int

	// Removal progress, as /stores/progress reports it.
	removeStart     time.Time
	removeStartSize int64

	// Store limit (peers per minute) for add-peer and remove-peer.
	limitAddPeer    float64
	limitRemovePeer float64
	// prevRemoveLimit is the remove-peer limit before a removal lifted it.
	prevRemoveLimit float64
	tokensAdd       float64
	tokensRemove    float64
}

// Peer is one replica of a region.
type Peer struct {
	ID      PeerID
	StoreID StoreID
	Role    PeerRole
}

// Epoch is a region epoch.
type Epoch struct {
	ConfVer uint64
	Version uint64
}

// Region is one region as PD knows it from heartbeats. Keys are kept as the
// upper-case hex PD serves, so responses need no re-encoding.
type Region struct {
	ID       RegionID
	StartKey string
	EndKey   string
	Epoch    Epoch
	Peers    []Peer
	Leader   PeerID

	// Down peers, by peer id, with the time they went down.
	DownSince map[PeerID]time.Time
	Pending   map[PeerID]bool

	ApproxSize int64 // MiB
	ApproxKeys int64

	// Last heartbeat's counters (not rates), as PD shows them.
	WrittenBytes uint64
	ReadBytes    uint64
	WrittenKeys  uint64
	ReadKeys     uint64

	// Flow rates (per second) driven by hotspot faults; PD reports these
	// through /hotspot once a region stays hot for a few heartbeats.
	writeRate float64
	readRate  float64
	hotSince  time.Time
	hotHits   int

	flags checkFlags
	// shown is what PD's region statistics (regions/check/*) report, which
	// can lag flags: see stats.go.
	shown checkFlags
}

func (r *Region) peerOnStore(s StoreID) *Peer {
	for i := range r.Peers {
		if r.Peers[i].StoreID == s {
			return &r.Peers[i]
		}
	}
	return nil
}

func (r *Region) peerByID(id PeerID) *Peer {
	for i := range r.Peers {
		if r.Peers[i].ID == id {
			return &r.Peers[i]
		}
	}
	return nil
}

func (r *Region) leaderPeer() *Peer {
	if r.Leader == 0 {
		return nil
	}
	return r.peerByID(r.Leader)
}

func (r *Region) leaderStore() StoreID {
	if p := r.leaderPeer(); p != nil {
		return p.StoreID
	}
	return 0
}

func (r *Region) voters() int {
	n := 0
	for _, p := range r.Peers {
		if p.Role != RoleLearner {
			n++
		}
	}
	return n
}

// inJoint reports whether any peer is in a joint-consensus role.
func (r *Region) inJoint() bool {
	for _, p := range r.Peers {
		if p.Role == RoleIncomingVoter || p.Role == RoleDemotingVoter {
			return true
		}
	}
	return false
}

func (r *Region) learners() int {
	n := 0
	for _, p := range r.Peers {
		if p.Role == RoleLearner {
			n++
		}
	}
	return n
}

func (r *Region) storeIDs() []StoreID {
	ids := make([]StoreID, len(r.Peers))
	for i, p := range r.Peers {
		ids[i] = p.StoreID
	}
	return ids
}

// checkFlags are PD's region statistics types (regions/check/*).
type checkFlags uint16

const (
	flagMissPeer checkFlags = 1 << iota
	flagExtraPeer
	flagDownPeer
	flagPendingPeer
	flagOfflinePeer
	flagLearnerPeer
	flagEmptyRegion
	flagOversized
	flagUndersized
	// flagJoint is internal, not one of PD's statistics: the region has
	// peers in a joint state (IncomingVoter, DemotingVoter), which PD's
	// joint-state checker leaves. Only an operator that ended between its
	// enter-joint and leave-joint steps leaves a region like that.
	flagJoint
)

// statFlags are the flags PD's region statistics report.
const statFlags = flagMissPeer | flagExtraPeer | flagDownPeer | flagPendingPeer | flagOfflinePeer |
	flagLearnerPeer | flagEmptyRegion | flagOversized | flagUndersized

// allFlags are every flag the model tracks a set of regions for.
var allFlags = []checkFlags{flagMissPeer, flagExtraPeer, flagDownPeer, flagPendingPeer, flagOfflinePeer,
	flagLearnerPeer, flagEmptyRegion, flagOversized, flagUndersized, flagJoint}

// checkKinds maps the path segment of /regions/check/{kind} to its flag.
var checkKinds = map[string]checkFlags{
	"miss-peer":         flagMissPeer,
	"extra-peer":        flagExtraPeer,
	"down-peer":         flagDownPeer,
	"pending-peer":      flagPendingPeer,
	"offline-peer":      flagOfflinePeer,
	"learner-peer":      flagLearnerPeer,
	"empty-region":      flagEmptyRegion,
	"oversized-region":  flagOversized,
	"undersized-region": flagUndersized,
}
