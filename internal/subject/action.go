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
	Type     string // "store-id", "region-id", "int", "duration", "string"
	Required bool
	Help     string
}
