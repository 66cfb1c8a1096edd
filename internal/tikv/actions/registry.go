// Package actions is the TiKV adapter's action registry: the only things
// Operator may ever ask PD to do, each with typed parameters, a risk tier,
// its compensating action, how long it may take and which credential runs
// it. Diagnosis proposals name these and nothing else; preflight,
// execution and verification attach to the same names.
package actions

import (
	"time"

	"github.com/operator-dev/operator/internal/subject"
)

// Action names.
const (
	TransferLeader            = "transfer_leader"
	TransferPeer              = "transfer_peer"
	AddPeer                   = "add_peer"
	RemovePeer                = "remove_peer"
	SplitRegion               = "split_region"
	MergeRegion               = "merge_region"
	CancelOperator            = "cancel_operator"
	DrainStore                = "drain_store"
	CancelDrain               = "cancel_drain"
	EvictLeader               = "evict_leaders"
	CancelEvictLeader         = "remove_evict_leaders"
	SetStoreWeight            = "set_store_weight"
	SetStoreLimit             = "set_store_limit"
	SetLeaderScheduleLimit    = "set_leader_schedule_limit"
	SetRegionScheduleLimit    = "set_region_schedule_limit"
	SetReplicaScheduleLimit   = "set_replica_schedule_limit"
	SetHotRegionScheduleLimit = "set_hot_region_schedule_limit"
	SetLowSpaceRatio          = "set_low_space_ratio"
	PauseScheduler            = "pause_scheduler"
	ResumeScheduler           = "resume_scheduler"
)

// CredentialPDWrite is the PD client with write access (pd.write-tls).
const CredentialPDWrite = "pd-write"

// CheckerRule is PD's rule checker, which puts a region back to its
// placement rules within a second: it would undo a manual peer change.
const CheckerRule = "rule"

// scheduleLimitActions maps each limit action to the schedule config key it
// sets.
var scheduleLimitActions = map[string]string{
	SetLeaderScheduleLimit:    "leader-schedule-limit",
	SetRegionScheduleLimit:    "region-schedule-limit",
	SetReplicaScheduleLimit:   "replica-schedule-limit",
	SetHotRegionScheduleLimit: "hot-region-schedule-limit",
}

// ScheduleLimitKey is the PD schedule config key a limit action sets ("" if
// the action is not one).
func ScheduleLimitKey(action string) string { return scheduleLimitActions[action] }

// ScheduleLimitAction is the action that sets PD schedule config key ("" if
// none does).
func ScheduleLimitAction(key string) string {
	for a, k := range scheduleLimitActions {
		if k == key {
			return a
		}
	}
	return ""
}

// PausableSchedulers are the schedulers pause_scheduler and
// resume_scheduler may name: PD's balance and hotspot schedulers. Store-
// specific schedulers (evict-leader) have their own actions.
var PausableSchedulers = []string{
	"balance-leader-scheduler", "balance-region-scheduler", "balance-hot-region-scheduler",
	"evict-slow-store-scheduler",
}

var (
	regionParam = subject.ParamSpec{Name: "region_id", Type: subject.ParamRegionID, Required: true, Help: "the region"}
	storeParam  = subject.ParamSpec{Name: "store_id", Type: subject.ParamStoreID, Required: true, Help: "the store"}
)

// Preconditions every action that PD runs as an operator shares.
var regionPreconditions = []string{
	"PD has a leader and scheduling is not halted",
	"the region exists, has no PD operator running and no pending or down replica",
}

// Registry returns the action specs, in a stable order. The result is a
// fresh copy: callers may not change the registry.
func Registry() []subject.ActionSpec {
	specs := []subject.ActionSpec{
		{
			Name:        TransferLeader,
			Description: "Move a region's Raft leader to a store that already holds one of its voters (PD operator transfer-leader). Moves read and write traffic of that region; no data moves.",
			Params: []subject.ParamSpec{regionParam,
				{Name: "to_store_id", Type: subject.ParamStoreID, Required: true, Help: "a store holding a voter of the region"}},
			Risk: subject.RiskLow, Reversibility: subject.Reversible, Compensation: TransferLeader,
			BlastRadius:      "one region's leadership; no data moves",
			Preconditions:    append(regionPreconditions, "the target store is Up, not low on space and holds a voter of the region", "the region's write rate is below the hot threshold (else a warning)"),
			Executes:         "POST /operators {name: transfer-leader}",
			Completion:       "PD's operator for the region finishes (or its record says SUCCESS)",
			Verification:     "the region's leader is on the target store",
			PausesSchedulers: []string{"balance-leader-scheduler"},
			Timeout:          time.Minute,
		},
		{
			Name:        TransferPeer,
			Description: "Move one replica of a region from one store to another (PD operator transfer-peer: add a learner, promote, remove the old peer). Copies the region's data.",
			Params: []subject.ParamSpec{regionParam,
				{Name: "from_store_id", Type: subject.ParamStoreID, Required: true, Help: "the store losing the replica"},
				{Name: "to_store_id", Type: subject.ParamStoreID, Required: true, Help: "the store gaining it (none of the region's replicas there yet)"}},
			Risk: subject.RiskMedium, Reversibility: subject.Reversible, Compensation: TransferPeer,
			BlastRadius:      "one region's replica: its size in bytes copied to one store",
			Preconditions:    append(regionPreconditions, "the source store holds a replica, the target is Up, has room and holds none"),
			Executes:         "POST /operators {name: transfer-peer}",
			Completion:       "PD's operator for the region finishes",
			Verification:     "the region has a replica on the target store and none on the source",
			PausesCheckers:   []string{CheckerRule},
			PausesSchedulers: []string{"balance-region-scheduler"},
			Timeout:          10 * time.Minute,
		},
		{
			Name:        AddPeer,
			Description: "Add a replica of a region on a store (PD operator add-peer). For a region missing a replica PD's checkers did not restore.",
			Params:      []subject.ParamSpec{regionParam, storeParam},
			Risk:        subject.RiskMedium, Reversibility: subject.Reversible, Compensation: RemovePeer,
			BlastRadius:    "one region's size in bytes copied to one store",
			Preconditions:  append(regionPreconditions, "the store is Up, has room and holds no replica of the region"),
			Executes:       "POST /operators {name: add-peer}",
			Completion:     "PD's operator for the region finishes",
			Verification:   "the region has a voter on the store",
			PausesCheckers: []string{CheckerRule},
			Timeout:        10 * time.Minute,
		},
		{
			Name:        RemovePeer,
			Description: "Remove a region's replica from a store (PD operator remove-peer). Lowers redundancy until PD adds one back elsewhere; never for a region that would lose quorum.",
			Params:      []subject.ParamSpec{regionParam, storeParam},
			Risk:        subject.RiskHigh, Reversibility: subject.Reversible, Compensation: AddPeer,
			BlastRadius:    "one region's replica on one store",
			Preconditions:  append(regionPreconditions, "the store holds a replica of the region", "the region keeps a Raft majority of healthy voters without it"),
			Executes:       "POST /operators {name: remove-peer}",
			Completion:     "PD's operator for the region finishes",
			Verification:   "the region has no replica on the store",
			PausesCheckers: []string{CheckerRule},
			Timeout:        10 * time.Minute,
		},
		{
			Name:        SplitRegion,
			Description: "Split a region in two (PD operator split-region), to spread a hotspot or an oversized region: at its approximate middle, at the middle TiKV finds by scanning, or at a given key.",
			Params: []subject.ParamSpec{regionParam,
				{Name: "policy", Type: subject.ParamString, Required: true, Enum: []string{"approximate", "scan", "usekey"},
					Help: "approximate (cheap, from TiKV's size estimate), scan (reads the keys) or usekey (at key)"},
				{Name: "key", Type: subject.ParamString, Help: "with usekey only: the split key, hex-encoded, strictly inside the region"}},
			Risk: subject.RiskLow, Reversibility: subject.Irreversible,
			BlastRadius:   "one region becomes two; no data moves",
			Preconditions: append(regionPreconditions, "the region is large enough to be worth splitting (else a warning)", "with usekey, the key is inside the region"),
			Executes:      "POST /operators {name: split-region}",
			Completion:    "PD's operator for the region finishes",
			Verification:  "the region's key range shrank and a new region holds the rest",
			Timeout:       10 * time.Minute,
		},
		{
			Name:        MergeRegion,
			Description: "Merge a small region into its neighbour (PD operator merge-region), to cut the region count after data was deleted.",
			Params: []subject.ParamSpec{regionParam,
				{Name: "target_region_id", Type: subject.ParamRegionID, Required: true, Help: "an adjacent region that absorbs it"}},
			Risk: subject.RiskMedium, Reversibility: subject.Irreversible,
			BlastRadius:   "two adjacent regions; the smaller one's data may move to line up their replicas",
			Preconditions: append(regionPreconditions, "the target region is adjacent, has no operator and no unhealthy replica"),
			Executes:      "POST /operators {name: merge-region}",
			Completion:    "PD's operator for the region finishes",
			Verification:  "the source region is gone and the target covers both key ranges",
			Timeout:       10 * time.Minute,
		},
		{
			Name:        CancelOperator,
			Description: "Cancel the PD operator running on a region (DELETE /operators/{region}), e.g. one stuck far past its expected time.",
			Params:      []subject.ParamSpec{regionParam},
			Risk:        subject.RiskLow, Reversibility: subject.Irreversible,
			BlastRadius:   "one region's running operator",
			Preconditions: []string{"PD has a leader", "an operator is running on the region"},
			Executes:      "DELETE /operators/{region}",
			Completion:    "immediate",
			Verification:  "no operator runs on the region",
			Timeout:       time.Minute,
		},
		{
			Name:        DrainStore,
			Description: "Take a store out of the cluster (DELETE /store/{id}): it turns Offline and PD moves every replica off it, then it becomes Tombstone. Only when the other stores can hold its data and no region would lose quorum.",
			Params:      []subject.ParamSpec{storeParam},
			Risk:        subject.RiskHigh, Reversibility: subject.PartiallyReversible, Compensation: CancelDrain,
			BlastRadius: "every region with a replica on the store: their bytes are copied to the other stores",
			Preconditions: []string{"PD has a leader and scheduling is not halted", "the store exists and is Up or Disconnected/Down",
				"no region would drop below a Raft majority given every store down or being drained", "the remaining stores can hold its data"},
			Executes:     "DELETE /store/{id}",
			Completion:   "the store reaches Tombstone (its region count falls to zero)",
			Verification: "the store is Offline and its region count is falling, then zero",
			Timeout:      24 * time.Hour,
		},
		{
			Name:        CancelDrain,
			Description: "Stop draining an Offline store and bring it back Up (POST /store/{id}/state?state=Up).",
			Params:      []subject.ParamSpec{storeParam},
			Risk:        subject.RiskMedium, Reversibility: subject.Reversible, Compensation: DrainStore,
			BlastRadius:   "one store's state; replicas already moved stay where they are",
			Preconditions: []string{"PD has a leader", "the store is Offline (not yet Tombstone)"},
			Executes:      "POST /store/{id}/state?state=Up",
			Completion:    "immediate",
			Verification:  "the store is Up",
			Timeout:       time.Minute,
		},
		{
			Name:        EvictLeader,
			Description: "Move every Raft leader off a store and keep them off (evict-leader-scheduler for that store), e.g. for a slow store. Its replicas stay.",
			Params:      []subject.ParamSpec{storeParam},
			Risk:        subject.RiskMedium, Reversibility: subject.Reversible, Compensation: CancelEvictLeader,
			BlastRadius:   "every leader on the store moves to another store; no data moves",
			Preconditions: []string{"PD has a leader and scheduling is not halted", "the store is Up", "at least two other Up stores can take its leaders"},
			Executes:      "POST /schedulers {name: evict-leader-scheduler, store_id}",
			Completion:    "the store's leader count reaches zero",
			Verification:  "evict-leader-scheduler names the store and its leader count is falling",
			Timeout:       30 * time.Minute,
		},
		{
			Name:        CancelEvictLeader,
			Description: "Let leaders return to a store (remove it from evict-leader-scheduler).",
			Params:      []subject.ParamSpec{storeParam},
			Risk:        subject.RiskLow, Reversibility: subject.Reversible, Compensation: EvictLeader,
			BlastRadius:   "leaders may move back to one store",
			Preconditions: []string{"PD has a leader", "evict-leader-scheduler names the store"},
			Executes:      "DELETE /schedulers/evict-leader-scheduler-{id}",
			Completion:    "immediate",
			Verification:  "evict-leader-scheduler no longer names the store",
			Timeout:       time.Minute,
		},
		{
			Name:        SetStoreWeight,
			Description: "Set a store's leader and region weights (POST /store/{id}/weight): PD balances leaders and regions in proportion to them. Lower region weight on a store short of disk.",
			Params: []subject.ParamSpec{storeParam,
				{Name: "leader_weight", Type: subject.ParamNumber, Required: true, Min: 0, Max: 100, Help: "PD's leader-weight (default 1)"},
				{Name: "region_weight", Type: subject.ParamNumber, Required: true, Min: 0, Max: 100, Help: "PD's region-weight (default 1)"}},
			Risk: subject.RiskMedium, Reversibility: subject.Reversible, Compensation: SetStoreWeight,
			BlastRadius:   "PD rebalances leaders and regions toward or away from one store over time",
			Preconditions: []string{"PD has a leader", "the store exists and is not Tombstone", "weights are in range"},
			Executes:      "POST /store/{id}/weight",
			Completion:    "immediate",
			Verification:  "the store reports the new weights (the previous ones are recorded for the undo)",
			Timeout:       time.Minute,
		},
		{
			Name:        SetStoreLimit,
			Description: "Set how many add-peer or remove-peer operations per minute PD lets a store take part in (POST /store/{id}/limit), to speed up or throttle a drain or repair.",
			Params: []subject.ParamSpec{storeParam,
				{Name: "type", Type: subject.ParamString, Required: true, Enum: []string{"add-peer", "remove-peer"}},
				{Name: "rate", Type: subject.ParamNumber, Required: true, Min: 1, Max: 200, Help: "operations per minute (PD's default 15)"}},
			Risk: subject.RiskMedium, Reversibility: subject.Reversible, Compensation: SetStoreLimit,
			BlastRadius:   "how fast replicas move to or from one store",
			Preconditions: []string{"PD has a leader", "the store exists and is not Tombstone", "the rate is in range"},
			Executes:      "POST /store/{id}/limit",
			Completion:    "immediate",
			Verification:  "PD's store limits show the new rate (the previous one is recorded for the undo)",
			Timeout:       time.Minute,
		},
		limitSpec(SetLeaderScheduleLimit, "how many leader transfers PD schedules at once (PD's default 4)", subject.RiskLow),
		limitSpec(SetRegionScheduleLimit, "how many region moves PD's balance schedules at once (PD's default 2048)", subject.RiskMedium),
		limitSpec(SetReplicaScheduleLimit, "how many replica repairs PD's checkers run at once (PD's default 64)", subject.RiskMedium),
		limitSpec(SetHotRegionScheduleLimit, "how many hotspot moves PD schedules at once (PD's default 4)", subject.RiskLow),
		{
			Name:        SetLowSpaceRatio,
			Description: "Change PD's low-space-ratio (POST /config/schedule): the used-disk share at which PD stops moving regions onto a store.",
			Params: []subject.ParamSpec{
				{Name: "value", Type: subject.ParamNumber, Required: true, Min: 0.5, Max: 0.95, Help: "PD's default is 0.8"}},
			Risk: subject.RiskMedium, Reversibility: subject.Reversible, Compensation: SetLowSpaceRatio,
			BlastRadius:   "cluster-wide: which stores PD counts as low on space",
			Preconditions: []string{"PD has a leader", "the value is in range and above high-space-ratio"},
			Executes:      "POST /config/schedule {low-space-ratio}",
			Completion:    "immediate",
			Verification:  "PD's schedule config holds the new value (the previous one is recorded for the undo)",
			Timeout:       time.Minute,
		},
		{
			Name:        PauseScheduler,
			Description: "Pause one of PD's balance or hotspot schedulers for a while (POST /schedulers/{name} with delay).",
			Params: []subject.ParamSpec{
				{Name: "name", Type: subject.ParamString, Required: true, Enum: PausableSchedulers},
				{Name: "for", Type: subject.ParamDuration, Required: true, Min: 60, Max: 24 * 3600, Help: "how long, from 1m to 24h"}},
			Risk: subject.RiskMedium, Reversibility: subject.Reversible, Compensation: ResumeScheduler,
			BlastRadius:   "cluster-wide: that scheduler's balancing stops for the period",
			Preconditions: []string{"PD has a leader", "PD runs the scheduler"},
			Executes:      "POST /schedulers/{name} {delay}",
			Completion:    "immediate",
			Verification:  "PD lists the scheduler as paused",
			Timeout:       time.Minute,
		},
		{
			Name:        ResumeScheduler,
			Description: "Resume a paused PD scheduler (POST /schedulers/{name} with delay 0).",
			Params:      []subject.ParamSpec{{Name: "name", Type: subject.ParamString, Required: true, Enum: PausableSchedulers}},
			Risk:        subject.RiskLow, Reversibility: subject.Reversible, Compensation: PauseScheduler,
			BlastRadius:   "cluster-wide: that scheduler balances again",
			Preconditions: []string{"PD has a leader", "PD runs the scheduler"},
			Executes:      "POST /schedulers/{name} {delay: 0}",
			Completion:    "immediate",
			Verification:  "PD no longer lists the scheduler as paused",
			Timeout:       time.Minute,
		},
	}
	for i := range specs {
		specs[i].Credential = CredentialPDWrite
		specs[i].Preconditions = append([]string(nil), specs[i].Preconditions...)
	}
	return specs
}

// limitSpec is one schedule-limit action. At least 1: a limit of 0 stops
// PD from scheduling that kind at all (repairs included), never a fix.
func limitSpec(name, what string, risk subject.Risk) subject.ActionSpec {
	key := scheduleLimitActions[name]
	return subject.ActionSpec{
		Name:        name,
		Description: "Set PD's " + key + ": " + what + ".",
		Params: []subject.ParamSpec{
			{Name: "value", Type: subject.ParamInt, Required: true, Min: 1, Max: 1024}},
		Risk: risk, Reversibility: subject.Reversible, Compensation: name,
		BlastRadius:   "cluster-wide: how many operators of that kind PD runs at once",
		Preconditions: []string{"PD has a leader", "the value is a whole number in range"},
		Executes:      "POST /config/schedule {" + key + "}",
		Completion:    "immediate",
		Verification:  "PD's schedule config holds the new value (the previous one is recorded for the undo)",
		Timeout:       time.Minute,
	}
}
