package ticket

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Diagnosis is one provider's reading of a ticket: what is wrong, why, on
// which evidence, and what (if anything) to do. Its JSON names are the
// wire format a model fills in through the diagnosis tool.
type Diagnosis struct {
	Summary string `json:"summary"`
	Cause   string `json:"probable_cause"`
	// EvidenceIDs cite the context's evidence ("e3"); at least one.
	EvidenceIDs []string `json:"evidence_ids"`
	// Confidence is in [0, 1].
	Confidence float64  `json:"confidence"`
	Severity   Severity `json:"severity"`
	Risks      []string `json:"risks,omitempty"`
	// Proposal is the action to take, if one would help.
	Proposal *Proposal `json:"proposed_action,omitempty"`
	// Alternatives are the other actions (or doing nothing) considered.
	Alternatives []Alternative `json:"alternatives,omitempty"`
}

// Proposal is a typed action from the subject's registry.
type Proposal struct {
	Type   string         `json:"type"`
	Params map[string]any `json:"params"`
	// Rationale says why this action, on this evidence.
	Rationale string `json:"rationale"`
	// Urgency is one of Urgencies.
	Urgency         string `json:"urgency"`
	ExpectedOutcome string `json:"expected_outcome"`
}

// Urgencies a proposal may carry, most urgent first.
var Urgencies = []string{"immediate", "soon", "when-convenient"}

// Alternative is an option the provider weighed and did not pick. Type is a
// registry action or "none" (doing nothing).
type Alternative struct {
	Type   string         `json:"type"`
	Params map[string]any `json:"params,omitempty"`
	WhyNot string         `json:"why_not"`
}

// Validate checks the shape of a diagnosis on its own (not against a
// context: that is the diagnose package's job).
func (d Diagnosis) Validate() error {
	var problems []string
	if strings.TrimSpace(d.Summary) == "" {
		problems = append(problems, "summary is empty")
	}
	if strings.TrimSpace(d.Cause) == "" {
		problems = append(problems, "probable_cause is empty")
	}
	if len(d.EvidenceIDs) == 0 {
		problems = append(problems, "cites no evidence")
	}
	if math.IsNaN(d.Confidence) || d.Confidence < 0 || d.Confidence > 1 {
		problems = append(problems, fmt.Sprintf("confidence %v is outside [0, 1]", d.Confidence))
	}
	if !d.Severity.Valid() {
		problems = append(problems, "severity is not info, warning or critical")
	}
	if p := d.Proposal; p != nil {
		if p.Type == "" {
			problems = append(problems, "proposed action has no type")
		}
		if !validUrgency(p.Urgency) {
			problems = append(problems, fmt.Sprintf("urgency %q is not one of %s", p.Urgency, strings.Join(Urgencies, ", ")))
		}
		if strings.TrimSpace(p.Rationale) == "" {
			problems = append(problems, "proposed action has no rationale")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: diagnosis: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return nil
}

func validUrgency(u string) bool {
	for _, v := range Urgencies {
		if u == v {
			return true
		}
	}
	return false
}

// DiagnosisStatus says how a provider's attempt ended.
type DiagnosisStatus string

const (
	// DiagnosisOK: a valid diagnosis; its proposal, if any, passed every check.
	DiagnosisOK DiagnosisStatus = "ok"
	// DiagnosisProposalRefused: a valid diagnosis whose proposal was refused
	// (the reasons are in Refusals); the diagnosis is kept, the action is not.
	DiagnosisProposalRefused DiagnosisStatus = "proposal-refused"
	// DiagnosisRefused: the answer itself failed validation.
	DiagnosisRefused DiagnosisStatus = "refused"
	// DiagnosisFailed: the provider gave no answer (down, timed out, out of
	// budget); Error says why.
	DiagnosisFailed DiagnosisStatus = "failed"
)

// Refusal is one reason an answer or its proposal was not accepted.
type Refusal struct {
	// Field is where the problem is: "proposed_action.params.to_store".
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (r Refusal) String() string { return r.Field + ": " + r.Reason }

// Usage is what one attempt cost.
type Usage struct {
	InputTokens  int64   `json:"input_tokens,omitempty"`
	OutputTokens int64   `json:"output_tokens,omitempty"`
	CostUSD      float64 `json:"cost_usd,omitempty"`
	Attempts     int     `json:"attempts,omitempty"` // requests sent, retries included
}

// DiagnosisRecord is one provider's attempt on a ticket, as stored.
type DiagnosisRecord struct {
	ID       int64           `json:"id"` // assigned by the store
	TicketID ID              `json:"ticket_id"`
	At       time.Time       `json:"at"`
	Provider string          `json:"provider"` // "rules", "anthropic", "openai"
	Model    string          `json:"model,omitempty"`
	Status   DiagnosisStatus `json:"status"`
	// Diagnosis is set unless Status is failed or refused.
	Diagnosis *Diagnosis `json:"diagnosis,omitempty"`
	Refusals  []Refusal  `json:"refusals,omitempty"`
	Error     string     `json:"error,omitempty"`
	// Disputed is set when another provider's record in the same round
	// proposes a different action: Confidence is then capped and the
	// proposal can never be approved automatically.
	Disputed bool  `json:"disputed,omitempty"`
	Usage    Usage `json:"usage,omitempty"`
	// EvidenceDigest identifies the ticket's evidence the round was based
	// on; a new round starts when it changes materially.
	EvidenceDigest string `json:"evidence_digest"`
	// Round groups the records written together (one per provider).
	Round int `json:"round"`
}

// Validate checks a record before it is stored.
func (r DiagnosisRecord) Validate() error {
	switch {
	case r.TicketID <= 0:
		return fmt.Errorf("%w: diagnosis record has no ticket", ErrInvalid)
	case r.Provider == "":
		return fmt.Errorf("%w: diagnosis record has no provider", ErrInvalid)
	case r.At.IsZero():
		return fmt.Errorf("%w: diagnosis record has no time", ErrInvalid)
	}
	switch r.Status {
	case DiagnosisOK, DiagnosisProposalRefused:
		if r.Diagnosis == nil {
			return fmt.Errorf("%w: %s diagnosis record without a diagnosis", ErrInvalid, r.Status)
		}
		if err := r.Diagnosis.Validate(); err != nil {
			return err
		}
		if r.Status == DiagnosisProposalRefused && len(r.Refusals) == 0 {
			return fmt.Errorf("%w: refused proposal without a reason", ErrInvalid)
		}
	case DiagnosisRefused:
		if len(r.Refusals) == 0 {
			return fmt.Errorf("%w: refused diagnosis without a reason", ErrInvalid)
		}
	case DiagnosisFailed:
		if r.Error == "" {
			return fmt.Errorf("%w: failed diagnosis without an error", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: diagnosis status %q", ErrInvalid, r.Status)
	}
	return nil
}
