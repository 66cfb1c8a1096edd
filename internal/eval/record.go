package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/operator-dev/operator/internal/diagnose"
)

// recorder wraps the provider under judgement and keeps its raw answer for
// the judged ticket: a proposal the runner's checks refuse is not in the
// stored record, yet it is what the provider proposed and what precision
// counts.
type recorder struct {
	diagnose.Provider
	key string
	// onlyJudged makes the provider answer nothing but the judged ticket,
	// so a model costs one request per scenario; the rules provider
	// answers everything (the runner needs it to).
	onlyJudged bool

	mu  sync.Mutex
	raw json.RawMessage
}

// errNotJudged is what a model "answers" for tickets no scenario judges.
var errNotJudged = errors.New("eval: this ticket is not judged in this scenario, so the model was not asked")

func (r *recorder) Diagnose(ctx context.Context, req diagnose.Request) (diagnose.Answer, error) {
	judged := req.Context != nil && req.Context.Ticket.DedupKey == r.key
	if !judged && r.onlyJudged {
		return diagnose.Answer{}, errNotJudged
	}
	ans, err := r.Provider.Diagnose(ctx, req)
	if judged {
		r.mu.Lock()
		r.raw = ans.Raw
		r.mu.Unlock()
	}
	return ans, err
}

// proposed is the proposal in the last raw answer for the judged ticket,
// read leniently (nil when there is none, or the answer is not JSON).
func (r *recorder) proposed() *Proposal {
	r.mu.Lock()
	raw := r.raw
	r.mu.Unlock()
	return rawProposal(raw)
}

// Proposal is an action a provider proposed.
type Proposal struct {
	Type   string         `json:"type"`
	Params map[string]any `json:"params"`
}

func (p *Proposal) String() string {
	if p == nil {
		return "none"
	}
	return p.Type + " " + paramsText(p.Params)
}

func rawProposal(raw json.RawMessage) *Proposal {
	var w struct {
		Proposal *struct {
			Type   string         `json:"type"`
			Params map[string]any `json:"params"`
		} `json:"proposed_action"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if len(raw) == 0 || dec.Decode(&w) != nil || w.Proposal == nil {
		return nil
	}
	p := &Proposal{Type: w.Proposal.Type, Params: w.Proposal.Params}
	if p.Params == nil {
		p.Params = map[string]any{}
	}
	return p
}
