package pd

import "fmt"

// The region query parameters below are small integer enums, not strings, on
// purpose: an unknown `type` sent to GET /regions/store/{id} wedges PD (it
// answers 400 but leaks a lock, and every later /regions/store request hangs
// until PD is restarted). Only the listed constants map to a wire value;
// anything else is refused before a request is built.

// RegionType filters GET /regions/store/{id} by the role the store plays.
type RegionType uint8

// Region types. The zero value is not valid: say RegionTypeAll.
const (
	RegionTypeAll      RegionType = iota + 1 // every region with a peer on the store
	RegionTypeLeader                         // regions led from the store
	RegionTypeFollower                       // regions with a follower there
	RegionTypeLearner                        // regions with a learner there
)

// wire returns the `type` query value; "" means send no parameter (PD's
// default, all).
func (t RegionType) wire() (string, bool) {
	switch t {
	case RegionTypeAll:
		return "", true
	case RegionTypeLeader:
		return "leader", true
	case RegionTypeFollower:
		return "follower", true
	case RegionTypeLearner:
		return "learner", true
	}
	return "", false
}

func (t RegionType) String() string {
	if t == RegionTypeAll {
		return "all"
	}
	if s, ok := t.wire(); ok {
		return s
	}
	return fmt.Sprintf("RegionType(%d)", uint8(t))
}

// RegionCheck names one of PD's region health lists, GET /regions/check/{kind}.
type RegionCheck uint8

// Region checks.
const (
	CheckMissPeer RegionCheck = iota + 1
	CheckExtraPeer
	CheckPendingPeer
	CheckDownPeer
	CheckLearnerPeer
	CheckEmptyRegion
	CheckOfflinePeer
	CheckOversizedRegion
	CheckUndersizedRegion
)

var regionCheckNames = [...]string{
	CheckMissPeer:         "miss-peer",
	CheckExtraPeer:        "extra-peer",
	CheckPendingPeer:      "pending-peer",
	CheckDownPeer:         "down-peer",
	CheckLearnerPeer:      "learner-peer",
	CheckEmptyRegion:      "empty-region",
	CheckOfflinePeer:      "offline-peer",
	CheckOversizedRegion:  "oversized-region",
	CheckUndersizedRegion: "undersized-region",
}

func (k RegionCheck) wire() (string, bool) {
	if k == 0 || int(k) >= len(regionCheckNames) {
		return "", false
	}
	return regionCheckNames[k], true
}

func (k RegionCheck) String() string {
	if s, ok := k.wire(); ok {
		return s
	}
	return fmt.Sprintf("RegionCheck(%d)", uint8(k))
}

// TopMetric is the ordering of a top-N region list, GET /regions/{metric}.
type TopMetric uint8

// Top-N metrics.
const (
	TopWriteFlow  TopMetric = iota + 1 // written bytes
	TopReadFlow                        // read bytes
	TopWriteQuery                      // write queries
	TopReadQuery                       // read queries
	TopConfVer                         // epoch conf_ver (membership churn)
	TopVersion                         // epoch version (split/merge churn)
	TopSize                            // approximate size
	TopKeys                            // approximate keys
	TopCPU                             // CPU usage
)

var topMetricNames = [...]string{
	TopWriteFlow:  "writeflow",
	TopReadFlow:   "readflow",
	TopWriteQuery: "writequery",
	TopReadQuery:  "readquery",
	TopConfVer:    "confver",
	TopVersion:    "version",
	TopSize:       "size",
	TopKeys:       "keys",
	TopCPU:        "cpu",
}

func (m TopMetric) wire() (string, bool) {
	if m == 0 || int(m) >= len(topMetricNames) {
		return "", false
	}
	return topMetricNames[m], true
}

func (m TopMetric) String() string {
	if s, ok := m.wire(); ok {
		return s
	}
	return fmt.Sprintf("TopMetric(%d)", uint8(m))
}

// Page asks for one page of a region check list. The zero value asks for
// everything.
type Page struct {
	Page  int // 1-based page number; 0 leaves it to PD
	Limit int // page size; 0 leaves it to PD
}

// MaxRegionLimit is PD's cap on `limit` for region scans: larger values are
// silently lowered to it, so the client refuses them instead of returning a
// shorter page than asked for.
const MaxRegionLimit = 10240
