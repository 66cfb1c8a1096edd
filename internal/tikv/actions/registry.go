// Package actions is the TiKV adapter's action registry: the only things
// Operator may ever ask PD to do, each with typed parameters, a risk tier,
// its compensating action, how long it may take and which credential runs
// it. Diagnosis proposals name these and nothing else; execution, preflight
// and verification attach to the same names.
package actions

import (
	"time"

	"github.com/operator-dev/operator/internal/subject"
)

// Action names.
const (
	TransferLeader    = "transfer-leader"
	TransferPeer      = "transfer-peer"
	AddPeer           = "add-peer"
	RemovePeer        = "remove-peer"
	SplitRegion       = "split-region"
	CancelOperator    = "cancel-operator"
	DrainStore        = "drain-store"
	CancelDrain       = "cancel-drain"
	EvictLeader       = "evict-leader"
	CancelEvictLeader = "cancel-evict-leader"
	SetStoreWeight    = "set-store-weight"
	SetStoreLimit     = "set-store-limit"
	SetScheduleLimit  = "set-schedule-limit"
	SetSpaceRatio     = "set-space-ratio"
	PauseScheduler    = "pause-scheduler"
	ResumeScheduler   = "resume-scheduler"
)

// CredentialPDWrite is the PD client with write access (pd.write-tls).
const CredentialPDWrite = "pd-write"

// ScheduleLimits are the PD schedule limits set-schedule-limit may change.
var ScheduleLimits = []string{
	"leader-schedule-limit", "region-schedule-limit", "replica-schedule-limit",
	"merge-schedule-limit", "hot-region-schedule-limit",
}

// PausableSchedulers are the schedulers pause-scheduler and
// resume-scheduler may name: PD's balance and hotspot schedulers. Store-
// specific schedulers (evict-leader) have their own actions.
var PausableSchedulers = []string{
	"balance-leader-scheduler", "balance-region-scheduler", "balance-hot-region-scheduler",
	"evict-slow-store-scheduler",
}

var (
	regionParam = subject.ParamSpec{Name: "region_id", Type: subject.ParamRegionID, Required: true, Help: "the region"}
	storeParam  = subject.ParamSpec{Name: "store_id", Type: subject.ParamStoreID, Required: true, Help: "the store"}
)

// Registry returns the action specs, in a stable order. The result is a
// fresh copy: callers may not change the registry.
func Registry() []subject.ActionSpec {
	return []subject.ActionSpec{
		{
			Name:        TransferLeader,
			Description: "Move a region's Raft leader to a store that already holds one of its voters (PD operator transfer-leader). Moves read and write traffic of that region; no data moves.",
			Params: []subject.ParamSpec{regionParam,
				{Name: "to_store_id", Type: subject.ParamStoreID, Required: true, Help: "a store holding a voter of the region"}},
			Risk: subject.RiskLow, Reversible: true, Compensation: TransferLeader,
			Timeout: time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        TransferPeer,
			Description: "Move one replica of a region from one store to another (PD operator transfer-peer: add a learner, promote, remove the old peer). Copies the region's data.",
			Params: []subject.ParamSpec{regionParam,
				{Name: "from_store_id", Type: subject.ParamStoreID, Required: true, Help: "the store losing the replica"},
				{Name: "to_store_id", Type: subject.ParamStoreID, Required: true, Help: "the store gaining it (none of the region's replicas there yet)"}},
			Risk: subject.RiskMedium, Reversible: true, Compensation: TransferPeer,
			Timeout: 10 * time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        AddPeer,
			Description: "Add a replica of a region on a store (PD operator add-peer). For a region missing a replica PD's checkers did not restore.",
			Params:      []subject.ParamSpec{regionParam, storeParam},
			Risk:        subject.RiskMedium, Reversible: true, Compensation: RemovePeer,
			Timeout: 10 * time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        RemovePeer,
			Description: "Remove a region's replica from a store (PD operator remove-peer). Lowers redundancy until PD adds one back elsewhere; never for a region that would lose quorum.",
			Params:      []subject.ParamSpec{regionParam, storeParam},
			Risk:        subject.RiskHigh, Reversible: true, Compensation: AddPeer,
			Timeout: 10 * time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        SplitRegion,
			Description: "Split a region in two at its approximate middle (PD operator split-region), to spread a hotspot or an oversized region.",
			Params: []subject.ParamSpec{regionParam,
				{Name: "policy", Type: subject.ParamString, Required: true, Enum: []string{"approximate", "scan"},
					Help: "approximate (cheap, from TiKV's size estimate) or scan (reads the keys)"}},
			Risk: subject.RiskLow, Reversible: false,
			Timeout: 10 * time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        CancelOperator,
			Description: "Cancel the PD operator running on a region (DELETE /operators/{region}), e.g. one stuck far past its expected time.",
			Params:      []subject.ParamSpec{regionParam},
			Risk:        subject.RiskLow, Reversible: false,
			Timeout: time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        DrainStore,
			Description: "Take a store out of the cluster (DELETE /store/{id}): it turns Offline and PD moves every replica off it, then it becomes Tombstone. Only when the other stores can hold its data and no region would lose quorum.",
			Params:      []subject.ParamSpec{storeParam},
			Risk:        subject.RiskHigh, Reversible: true, Compensation: CancelDrain,
			Timeout: 24 * time.Hour, Credential: CredentialPDWrite,
		},
		{
			Name:        CancelDrain,
			Description: "Stop draining an Offline store and bring it back Up (POST /store/{id}/state?state=Up).",
			Params:      []subject.ParamSpec{storeParam},
			Risk:        subject.RiskMedium, Reversible: true, Compensation: DrainStore,
			Timeout: time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        EvictLeader,
			Description: "Move every Raft leader off a store and keep them off (evict-leader-scheduler for that store), e.g. for a slow store. Its replicas stay.",
			Params:      []subject.ParamSpec{storeParam},
			Risk:        subject.RiskMedium, Reversible: true, Compensation: CancelEvictLeader,
			Timeout: 30 * time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        CancelEvictLeader,
			Description: "Let leaders return to a store (remove it from evict-leader-scheduler).",
			Params:      []subject.ParamSpec{storeParam},
			Risk:        subject.RiskLow, Reversible: true, Compensation: EvictLeader,
			Timeout: time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        SetStoreWeight,
			Description: "Set a store's leader and region weights (POST /store/{id}/weight): PD balances leaders and regions in proportion to them. Lower region weight on a store short of disk.",
			Params: []subject.ParamSpec{storeParam,
				{Name: "leader_weight", Type: subject.ParamNumber, Required: true, Min: 0, Max: 100, Help: "PD's leader-weight (default 1)"},
				{Name: "region_weight", Type: subject.ParamNumber, Required: true, Min: 0, Max: 100, Help: "PD's region-weight (default 1)"}},
			Risk: subject.RiskMedium, Reversible: true, Compensation: SetStoreWeight,
			Timeout: time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        SetStoreLimit,
			Description: "Set how many add-peer or remove-peer operations per minute PD lets a store take part in (POST /store/{id}/limit), to speed up or throttle a drain or repair.",
			Params: []subject.ParamSpec{storeParam,
				{Name: "type", Type: subject.ParamString, Required: true, Enum: []string{"add-peer", "remove-peer"}},
				{Name: "rate", Type: subject.ParamNumber, Required: true, Min: 1, Max: 200, Help: "operations per minute (PD's default 15)"}},
			Risk: subject.RiskMedium, Reversible: true, Compensation: SetStoreLimit,
			Timeout: time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        SetScheduleLimit,
			Description: "Change one of PD's schedule limits (how many operators of a kind run at once, cluster-wide).",
			Params: []subject.ParamSpec{
				{Name: "name", Type: subject.ParamString, Required: true, Enum: ScheduleLimits},
				// At least 1: a limit of 0 stops PD from scheduling that
				// kind at all (repairs included), never a fix.
				{Name: "value", Type: subject.ParamInt, Required: true, Min: 1, Max: 1024}},
			Risk: subject.RiskMedium, Reversible: true, Compensation: SetScheduleLimit,
			Timeout: time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        SetSpaceRatio,
			Description: "Change PD's low-space-ratio or high-space-ratio (POST /config), the used-disk shares at which PD stops moving regions onto a store or starts preferring free space.",
			Params: []subject.ParamSpec{
				{Name: "name", Type: subject.ParamString, Required: true, Enum: []string{"low-space-ratio", "high-space-ratio"}},
				{Name: "value", Type: subject.ParamNumber, Required: true, Min: 0.5, Max: 0.95}},
			Risk: subject.RiskMedium, Reversible: true, Compensation: SetSpaceRatio,
			Timeout: time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        PauseScheduler,
			Description: "Pause one of PD's balance or hotspot schedulers for a while (POST /schedulers/{name} with delay).",
			Params: []subject.ParamSpec{
				{Name: "name", Type: subject.ParamString, Required: true, Enum: PausableSchedulers},
				{Name: "for", Type: subject.ParamDuration, Required: true, Min: 60, Max: 24 * 3600, Help: "how long, from 1m to 24h"}},
			Risk: subject.RiskMedium, Reversible: true, Compensation: ResumeScheduler,
			Timeout: time.Minute, Credential: CredentialPDWrite,
		},
		{
			Name:        ResumeScheduler,
			Description: "Resume a paused PD scheduler (POST /schedulers/{name} with delay 0).",
			Params:      []subject.ParamSpec{{Name: "name", Type: subject.ParamString, Required: true, Enum: PausableSchedulers}},
			Risk:        subject.RiskLow, Reversible: true, Compensation: PauseScheduler,
			Timeout: time.Minute, Credential: CredentialPDWrite,
		},
	}
}
