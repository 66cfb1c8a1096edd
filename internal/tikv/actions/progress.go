package actions

import (
	"context"
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

var _ action.ProgressReporter = (*Driver)(nil)

// Progress measures a drain: the store's regions when the drain was
// planned (the intent's before snapshot) against its regions now (GET
// /store/{id}), with the rate since the intent. A drain run completes as
// soon as PD is draining, so this is asked long after the run finished;
// the drain is done when the store is Tombstone, gone, or holds no region.
// Other actions finish with their run and are not measured.
func (d *Driver) Progress(ctx context.Context, run action.Run, in action.Intent, now time.Time) (action.Progress, bool, error) {
	if run.Action != DrainStore {
		return action.Progress{}, false, nil
	}
	var w storeStateWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Progress{}, false, fmt.Errorf("progress of run %d: intent watch: %w", run.ID, err)
	}
	var before storeSnap
	if err := recorded(in.Before, "store", &before); err != nil {
		return action.Progress{}, false, fmt.Errorf("progress of run %d: %w", run.ID, err)
	}
	total := int64(before.RegionCount)
	what := fmt.Sprintf("store %d", w.StoreID)
	st, err := d.getStore(ctx, pd.StoreID(w.StoreID))
	if err != nil {
		return action.Progress{}, false, fmt.Errorf("progress of run %d (drain %s): %w", run.ID, what, err)
	}
	if st == nil {
		p := action.Measure(total, 0, "regions", in.At, now)
		p.Note = what + " is gone from PD: drained to Tombstone and removed"
		return p, true, nil
	}
	left := int64(st.Status.RegionCount)
	p := action.Measure(total, left, "regions", in.At, now)
	switch st.Store.State {
	case pd.StoreTombstone:
		p = action.Measure(total, 0, "regions", in.At, now)
		p.Note = what + " is Tombstone: drained"
	case pd.StoreOffline:
		if left == 0 {
			p.Note = what + " is Offline with no region left: PD makes it Tombstone next"
		} else {
			p.Note = what + " is Offline: PD is moving its regions away"
		}
	default:
		// Up again: someone cancelled the drain. What moved stays moved,
		// but nothing more will, so there is no rate and no end.
		p.Rate, p.ETA, p.Finished = 0, 0, false
		p.Note = fmt.Sprintf("%s is %s: it is not draining (the drain was cancelled)", what, st.Store.StateName)
	}
	return p, true, nil
}
