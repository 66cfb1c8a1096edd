package execute

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/operator-dev/operator/internal/action"
)

// intentKey is where the executing transition's Data holds the intent.
const intentKey = "intent"

// intentData is the intent as transition data (JSON-shaped).
func intentData(in action.Intent) (map[string]any, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("encode intent: %w", err)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("encode intent: %w", err)
	}
	return map[string]any{intentKey: m}, nil
}

// loadIntent reads the intent recorded when run r moved to executing.
// found is false for a run that never executed.
func (e *Executor) loadIntent(ctx context.Context, r action.Run) (in action.Intent, since map[action.State]action.Transition, found bool, err error) {
	trs, err := e.store.RunTransitions(ctx, r.ID)
	if err != nil {
		return in, nil, false, fmt.Errorf("read the history of run %d: %w", r.ID, err)
	}
	since = map[action.State]action.Transition{}
	for _, tr := range trs {
		since[tr.To] = tr
	}
	tr, ok := since[action.Executing]
	if !ok {
		return in, since, false, nil
	}
	raw, ok := tr.Data[intentKey]
	if !ok {
		return in, since, false, fmt.Errorf("run %d: its executing transition has no intent", r.ID)
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return in, since, false, fmt.Errorf("run %d: re-encode intent: %w", r.ID, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		return in, since, false, fmt.Errorf("run %d: decode intent: %w", r.ID, err)
	}
	return in, since, true, nil
}
