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

// ActionSpec describes one typed action an adapter offers. The executor,
// preflight and verification arrive with the action issue; the description
// is declared now so adapters and the core agree on its shape.
type ActionSpec struct {
	Name        string // "transfer-leader"
	Description string
	Params      []ParamSpec
	Risk        Risk
	Reversible  bool
	// Compensation names the action that undoes this one, if any.
	Compensation string
	// Timeout is how long the action may take before it counts as stuck.
	Timeout time.Duration
	// Credential names which credential executes it ("pd-write").
	Credential string
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
