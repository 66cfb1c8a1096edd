package diagnose

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// Request is what a provider gets for one ticket: the gathered context and
// the actions it may propose.
type Request struct {
	Context *subject.Context
	Actions []subject.ActionSpec
	// Schema is the JSON Schema of the answer (see AnswerSchema), for
	// providers that hand it to a model as a tool.
	Schema map[string]any
	// Watched says what the operator watches, for a model's instructions
	// ("a TiKV cluster (through PD and Prometheus)"); see Describer.
	Watched string
}

// Describer is implemented by a subject that can say, in a few words,
// what it watches.
type Describer interface {
	Description() string
}

// Answer is a provider's raw answer: the diagnosis as JSON in the shape of
// ticket.Diagnosis. It is checked before anything trusts it (see Check).
type Answer struct {
	Raw   json.RawMessage
	Model string
	Usage ticket.Usage
}

// Provider diagnoses one ticket. An error means no answer at all (the
// provider is down, timed out, gave up, or is out of budget); an answer
// that is nonsense is not an error, Check refuses it.
type Provider interface {
	Name() string
	Diagnose(ctx context.Context, req Request) (Answer, error)
}

// ErrBudget is returned (wrapped) by a provider that would exceed its
// token or cost budget for the ticket.
var ErrBudget = errors.New("diagnosis budget exhausted")
