package pd

import (
	"fmt"
	"strings"
	"time"
)

// OpKind is PD's operator kind bitmask (JSON: an integer in the ?object
// form; comma-separated names in the string form).
type OpKind uint32

// Operator kind bits, as numbered by PD.
const (
	OpAdmin         OpKind = 1 << iota // created through the API
	OpAffinity                         // by the affinity checker
	OpMerge                            // by the merge checker
	OpRange                            // by a range scheduler
	OpReplica                          // by the replica/rule checker
	OpSplit                            // a split
	OpHotRegion                        // by the hot-region scheduler
	OpRegion                           // adds or removes peers
	OpLeader                           // moves the leader
	OpWitnessLeader                    // moves a witness leader
	OpWitness                          // switches witness
	OpSplitScatter                     // by the split-scatter dispatcher
)

var opKindNames = [...]struct {
	bit  OpKind
	name string
}{
	{OpAdmin, "admin"}, {OpAffinity, "affinity"}, {OpMerge, "merge"}, {OpRange, "range"},
	{OpReplica, "replica"}, {OpSplit, "split"}, {OpHotRegion, "hot-region"}, {OpRegion, "region"},
	{OpLeader, "leader"}, {OpWitnessLeader, "witness-leader"}, {OpWitness, "witness"},
	{OpSplitScatter, "split-scatter"},
}

// Has reports whether every bit of flag is set.
func (k OpKind) Has(flag OpKind) bool { return flag != 0 && k&flag == flag }

// String lists the kind names in bit order, as PD does ("admin,leader");
// unknown bits are shown as a number.
func (k OpKind) String() string {
	var names []string
	rest := k
	for _, n := range opKindNames {
		if k&n.bit != 0 {
			names = append(names, n.name)
			rest &^= n.bit
		}
	}
	if rest != 0 {
		names = append(names, fmt.Sprintf("0x%x", uint32(rest)))
	}
	if len(names) == 0 {
		return "unknown"
	}
	return strings.Join(names, ",")
}

func opKindByName(name string) (OpKind, bool) {
	for _, n := range opKindNames {
		if n.name == name {
			return n.bit, true
		}
	}
	return 0, false
}

// OpStatus is the numeric operator status of the ?object form.
type OpStatus uint32

// Operator statuses, as numbered by PD.
const (
	OpStatusCreated  OpStatus = 0 // not started yet
	OpStatusStarted  OpStatus = 1 // running
	OpStatusSuccess  OpStatus = 2
	OpStatusCanceled OpStatus = 3
	OpStatusReplaced OpStatus = 4 // replaced by a higher-priority operator
	OpStatusExpired  OpStatus = 5 // never started in time
	OpStatusTimeout  OpStatus = 6 // ran too long
)

func (s OpStatus) String() string {
	switch s {
	case OpStatusCreated:
		return "Created"
	case OpStatusStarted:
		return "Started"
	case OpStatusSuccess:
		return "Success"
	case OpStatusCanceled:
		return "Canceled"
	case OpStatusReplaced:
		return "Replaced"
	case OpStatusExpired:
		return "Expired"
	case OpStatusTimeout:
		return "Timeout"
	}
	return fmt.Sprintf("OpStatus(%d)", uint32(s))
}

// Ended reports whether the status is final.
func (s OpStatus) Ended() bool { return s >= OpStatusSuccess && s <= OpStatusTimeout }

// OperatorObject is one running operator from GET /operators?object.
type OperatorObject struct {
	Desc        string      `json:"desc"`
	Brief       string      `json:"brief"`
	RegionID    RegionID    `json:"region_id"`
	RegionEpoch RegionEpoch `json:"region_epoch"`
	Kind        OpKind      `json:"kind"`
	Timeout     Duration    `json:"timeout"`
	Status      OpStatus    `json:"status"`
}

// OperatorState is the lifecycle word of GET /operators/{region}
// ("status: RUNNING, ..."). These are PD's protocol names and differ from
// the numeric OpStatus of the ?object form: an expired operator reads TIMEOUT,
// and one that was created but not started has no name at all.
type OperatorState uint8

// Operator lifecycle states.
const (
	OperatorStateUnknown OperatorState = iota // not given, or a word we do not know
	OperatorRunning
	OperatorSuccess
	OperatorTimeout
	OperatorCancel
	OperatorReplace
)

func (s OperatorState) String() string {
	switch s {
	case OperatorRunning:
		return "RUNNING"
	case OperatorSuccess:
		return "SUCCESS"
	case OperatorTimeout:
		return "TIMEOUT"
	case OperatorCancel:
		return "CANCEL"
	case OperatorReplace:
		return "REPLACE"
	}
	return "UNKNOWN"
}

// Ended reports whether the operator is over (success or not).
func (s OperatorState) Ended() bool { return s >= OperatorSuccess && s <= OperatorReplace }

// OperatorDetail is one operator parsed from PD's text form (see
// ParseOperatorString). Times are those PD printed, monotonic part dropped.
type OperatorDetail struct {
	// State is the lifecycle. For GET /operators/{region} it comes from the
	// "status:" prefix; for the list forms it is Running for GET /operators
	// (which lists running operators only), otherwise taken from a
	// " finished"/" timeout" suffix when present, else Unknown.
	State OperatorState
	// StateWord is the status word as PD wrote it ("RUNNING", or "5" for a
	// created-but-not-started operator); empty when there was no prefix.
	StateWord string

	Desc        string   // e.g. "admin-transfer-leader", "balance-region-scheduler"
	Brief       string   // e.g. "transfer leader: store 4 to 5"
	Kind        OpKind   // decoded kind bits
	KindNames   []string // kind names as written, including any unknown ones
	RegionID    RegionID
	Epoch       RegionEpoch // at creation
	CreateAt    time.Time
	StartAt     time.Time // zero when not started
	CurrentStep int       // index of the running step; == len(Steps) when done
	Size        int64     // approximate region size, MiB
	Steps       []string  // step descriptions, in order
	Timeout     time.Duration
	Finished    bool // the " finished" suffix: all steps done
	TimedOut    bool // the " timeout" suffix

	// FinishAt and Elapsed are set for GET /operators/records entries.
	FinishAt time.Time
	Elapsed  time.Duration

	Raw string // the text as received
}

// OperatorFilter narrows GET /operators.
type OperatorFilter uint8

// Operator list filters (PD's `kind` parameter).
const (
	FilterAdmin   OperatorFilter = iota + 1 // admin operators
	FilterLeader                            // leader transfers
	FilterRegion                            // peer moves
	FilterWaiting                           // operators waiting to be scheduled
)

func (f OperatorFilter) wire() (string, bool) {
	switch f {
	case FilterAdmin:
		return "admin", true
	case FilterLeader:
		return "leader", true
	case FilterRegion:
		return "region", true
	case FilterWaiting:
		return "waiting", true
	}
	return "", false
}
