package execute

import (
	"context"
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/store"
)

// overLimits says why a run may not start ("" when it may): its blast
// radius against the configured limits, and the hourly budget.
func (e *Executor) overLimits(ctx context.Context, res action.DryRunResult) (string, error) {
	l := e.cfg.Limits
	if why := e.overBlast(res); why != "" {
		return why, nil
	}
	if l.MaxPerHour > 0 {
		n, err := e.startedSince(ctx, e.clock().Add(-time.Hour), "")
		if err != nil {
			return "", err
		}
		if n >= l.MaxPerHour {
			return fmt.Sprintf("%d runs started in the last hour, the most actions.max-per-hour allows", n), nil
		}
	}
	return "", nil
}

// overBlast says why an action's blast radius is over the configured
// limits ("" when it is not).
func (e *Executor) overBlast(res action.DryRunResult) string {
	l, b := e.cfg.Limits, res.Blast
	if b == nil {
		return ""
	}
	switch {
	case l.MaxStores > 0 && b.Stores > l.MaxStores:
		return fmt.Sprintf("it touches %d stores, more than actions.max-stores (%d)", b.Stores, l.MaxStores)
	case l.MaxRegions > 0 && b.Regions > l.MaxRegions:
		return fmt.Sprintf("it touches %d regions, more than actions.max-regions (%d)", b.Regions, l.MaxRegions)
	case l.MaxBytes > 0 && b.Bytes > l.MaxBytes:
		return fmt.Sprintf("it copies %d bytes, more than actions.max-bytes (%d)", b.Bytes, l.MaxBytes)
	}
	return ""
}

// startedSince counts runs (of the action, or all when it is "") that
// moved to executing at or after t. Runs
// are read by their last update (a run started after t was updated after
// t), then their histories say when they started.
func (e *Executor) startedSince(ctx context.Context, t time.Time, name string) (int, error) {
	rs, err := e.store.ListRuns(ctx, store.RunFilter{States: []action.State{action.Executing, action.Verifying,
		action.Completed, action.Failed, action.TimedOut, action.Cancelled}, UpdatedSince: t})
	if err != nil {
		return 0, fmt.Errorf("count recent runs: %w", err)
	}
	n := 0
	for _, r := range rs {
		if name != "" && r.Action != name {
			continue
		}
		trs, err := e.store.RunTransitions(ctx, r.ID)
		if err != nil {
			return 0, fmt.Errorf("count recent runs: %w", err)
		}
		for _, tr := range trs {
			if tr.To == action.Executing && !tr.At.Before(t) {
				n++
			}
		}
	}
	return n, nil
}
