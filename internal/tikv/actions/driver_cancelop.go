package actions

import (
	"context"
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// cancelOpFamily is cancel_operator: cancel whatever operator runs on a
// region, the one Plan saw.
type cancelOpFamily struct{ d *Driver }

type cancelWatch struct {
	Kind     string `json:"kind"` // "operator-cancel"
	RegionID uint64 `json:"region_id"`
	Desc     string `json:"desc"`      // the operator Plan saw running
	CreateAt string `json:"create_at"` // its creation time (RFC 3339), which tells it from a later one
}

func (w cancelWatch) is(op *pd.OperatorDetail) bool {
	if op == nil || op.Desc != w.Desc {
		return false
	}
	t, err := time.Parse(time.RFC3339Nano, w.CreateAt)
	return err != nil || op.CreateAt.IsZero() || op.CreateAt.Equal(t)
}

func (f cancelOpFamily) plan(ctx context.Context, p runParams) (action.Intent, error) {
	r, err := f.d.mustRegion(ctx, p.region)
	if err != nil {
		return action.Intent{}, err
	}
	op, err := f.d.getOperator(ctx, p.region)
	if err != nil {
		return action.Intent{}, err
	}
	if op == nil || op.State.Ended() {
		return action.Intent{}, fmt.Errorf("%w: region %d has no running operator to cancel", action.ErrInvalid, p.region)
	}
	w := cancelWatch{Kind: "operator-cancel", RegionID: uint64(p.region), Desc: op.Desc}
	if !op.CreateAt.IsZero() {
		w.CreateAt = op.CreateAt.UTC().Format(time.RFC3339Nano)
	}
	return action.Intent{
		Call:   fmt.Sprintf("DELETE /operators/%d (%s)", p.region, op.Desc),
		Watch:  jsonValue(w).(map[string]any),
		Before: map[string]any{"region": jsonValue(snapRegion(r)), "operator": jsonValue(opData(*op))},
	}, nil
}

func (f cancelOpFamily) submit(ctx context.Context, p runParams) error {
	return f.d.write.CancelOperator(ctx, p.region)
}

// observe: the operator Plan saw still running means the cancel did not
// happen; gone (CANCEL, or ended on its own) means the goal holds.
func (f cancelOpFamily) observe(ctx context.Context, p runParams, in action.Intent) (action.Observation, error) {
	var w cancelWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Observation{}, fmt.Errorf("intent watch: %w", err)
	}
	op, err := f.d.getOperator(ctx, pd.RegionID(w.RegionID))
	if err != nil {
		return action.Observation{}, err
	}
	what := fmt.Sprintf("operator %s on region %d", w.Desc, w.RegionID)
	switch {
	case w.is(op) && !op.State.Ended():
		return action.Observation{Phase: action.PhaseNotRun, Data: opData(*op), Detail: what + " is still running: the cancel did not happen"}, nil
	case w.is(op):
		return action.Observation{Phase: action.PhaseFinished, Data: opData(*op), Detail: fmt.Sprintf("%s ended: %s", what, op.State)}, nil
	}
	return action.Observation{Phase: action.PhaseFinished, Detail: what + " no longer runs (PD has no record of its end any more)"}, nil
}

func (f cancelOpFamily) verify(ctx context.Context, p runParams, in action.Intent) (action.Verification, error) {
	var w cancelWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Verification{}, fmt.Errorf("intent watch: %w", err)
	}
	op, err := f.d.getOperator(ctx, pd.RegionID(w.RegionID))
	if err != nil {
		return action.Verification{}, err
	}
	after := map[string]any{"operator": nil}
	if op != nil {
		after["operator"] = jsonValue(opData(*op))
	}
	what := fmt.Sprintf("operator %s on region %d", w.Desc, w.RegionID)
	if w.is(op) && !op.State.Ended() {
		return action.Verification{Detail: what + " is still running", After: after}, nil
	}
	detail := what + " no longer runs"
	if op != nil && !op.State.Ended() {
		detail += fmt.Sprintf(" (%s runs there now: PD started another)", op.Desc)
	}
	return action.Verification{OK: true, Detail: detail, After: after}, nil
}
