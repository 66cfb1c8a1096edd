package subject

import "time"

// Risk is how much an action can hurt if it is wrong.
type Risk int

// Risk tiers, least to most dangerous.
const (
	RiskLow Risk = iota + 1
	RiskMedium
	RiskHigh
)

// Reversibility is whether an action can be undone.
type Reversibility string

// Reversibility levels.
const (
	// Reversible: its compensating action restores what it changed
	// exactly (a config value set back to the recorded previous one, a
	// leader moved back).
	Reversible Reversibility = "reversible"
	// PartiallyReversible: the compensating action undoes the state but
	// not the work (a drain cancelled leaves the replicas it already
	// moved where they went).
	PartiallyReversible Reversibility = "partial"
	// Irreversible: nothing undoes it (a split region stays split until
	// PD merges it on its own).
	Irreversible Reversibility = "irreversible"
)

// String is the tier's name: low, medium, high ("unrated" for the zero
// value).
func (r Risk) String() string {
	switch r {
	case RiskLow:
		return "low"
	case RiskMedium:
		return "medium"
	case RiskHigh:
		return "high"
	}
	return "unrated"
}

// ActionSpec describes one typed action an adapter offers: what it takes,
// how dangerous it is, and, in words an approver reads, how it runs and
// how its result is checked. The adapter carries the code for each line.
type ActionSpec struct {
	Name        string // "transfer_leader"
	Description string
	Params      []ParamSpec
	Risk        Risk
	// Reversibility says whether Compensation undoes it, fully or in
	// part; Compensation names that action ("" when irreversible).
	Reversibility Reversibility
	Compensation  string
	// BlastRadius is the most it can touch: stores, regions, bytes.
	BlastRadius string
	// Preconditions are what preflight checks, in words.
	Preconditions []string
	// Executes is the PD call it makes; Completion how its end is
	// observed; Verification what is checked after.
	Executes, Completion, Verification string
	// PausesCheckers lists PD checkers held paused while it runs because
	// they would undo it (the rule checker reverts a manual peer change).
	PausesCheckers []string
	// PausesSchedulers lists PD schedulers held paused while it runs
	// because they would work against it (balance-leader moving a leader
	// straight back); one already paused by someone else is left as is.
	PausesSchedulers []string
	// Timeout is how long the action may take before it counts as stuck.
	Timeout time.Duration
	// Credential names which credential executes it ("pd-write").
	Credential string
}

// Reversible reports whether an action has a compensating action.
func (a ActionSpec) Reversible() bool {
	return a.Reversibility == Reversible || a.Reversibility == PartiallyReversible
}

// ParamSpec is one parameter of an action.
type ParamSpec struct {
	Name     string
	Type     ParamType
	Required bool
	Help     string
	// Enum, when set, lists the only values a string parameter may take.
	Enum []string
	// Min and Max bound an int or number parameter, or a duration in
	// seconds (both zero: unbounded).
	Min, Max float64
}

// ParamType is a parameter's type. Entity types (store and region ids)
// must also name an entity the diagnosis context showed.
type ParamType string

const (
	ParamStoreID  ParamType = "store-id"
	ParamRegionID ParamType = "region-id"
	ParamInt      ParamType = "int"
	ParamNumber   ParamType = "number"
	ParamDuration ParamType = "duration" // Go syntax: "10m"
	ParamString   ParamType = "string"
	ParamBool     ParamType = "bool"
)

// Entity reports whether values of the type name cluster entities.
func (t ParamType) Entity() bool { return t == ParamStoreID || t == ParamRegionID }

// Action returns the spec with the name, if the list has it.
func Action(specs []ActionSpec, name string) (ActionSpec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return ActionSpec{}, false
}
