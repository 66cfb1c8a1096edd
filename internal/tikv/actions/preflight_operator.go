package actions

import (
	"context"
	"errors"
	"fmt"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// cancelOperator checks that there is an operator to cancel, and records
// which one, so the approver sees what stops. It needs only a PD leader:
// cancelling is how one stops a bad change while scheduling is halted.
func (p *preflight) cancelOperator(ctx context.Context) error {
	r, err := p.region(ctx)
	if err != nil {
		return done(err)
	}
	p.res.Predicted["region_id"] = uint64(r.ID)
	p.blast(0, 1, 0)
	if err := p.pdLeader(ctx); err != nil {
		return done(err)
	}
	op, err := p.pdc.GetOperator(ctx, r.ID)
	if errors.Is(err, pd.ErrNotFound) {
		return done(p.fail("no operator is running on region %d: nothing to cancel", r.ID))
	}
	if err != nil {
		return fmt.Errorf("read operator of region %d: %w", r.ID, err)
	}
	if op.State.Ended() {
		return done(p.fail("no operator is running on region %d: the last one (%s: %s) already ended %s", r.ID, op.Desc, op.Brief, op.State))
	}
	p.res.Predicted["operator"] = op.Desc
	p.res.Predicted["operator_brief"] = op.Brief
	p.res.Predicted["operator_step"] = fmt.Sprintf("%d of %d", op.CurrentStep, len(op.Steps))
	p.ok("region %d has a running operator: %s (%s), step %d of %d", r.ID, op.Desc, op.Brief, op.CurrentStep, len(op.Steps))
	if !op.Kind.Has(pd.OpAdmin) {
		p.warn("%s is PD's own operator, not an admin one: PD may create a new one for region %d soon after the cancel", op.Desc, r.ID)
	}
	if op.CurrentStep > 0 {
		p.warn("the operator has done %d step(s); a cancel stops it there and does not undo them", op.CurrentStep)
	}
	return nil
}
