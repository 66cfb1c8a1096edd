package rehearse

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// waitForOperator runs the simulator until the action's admin operator
// ends or the bound passes, and records its steps. PD shows one operator
// per region, so once a checker's operator takes the region over, the
// admin one is looked up in PD's records.
func waitForOperator(ctx context.Context, s *sim, pl *plan, opts Options, out *outcome) (bool, string, error) {
	var ours *pd.OperatorDetail
	ended, err := s.run(ctx, opts.bound(), func() (bool, error) {
		d, err := s.pd.GetOperator(ctx, pl.region)
		if err != nil && !errors.Is(err, pd.ErrNotFound) {
			return false, fmt.Errorf("read the operator of region %d: %w", pl.region, err)
		}
		if err == nil && admin(d) {
			ours = d
			return d.State.Ended(), nil
		}
		recs, err := s.pd.GetOperatorRecords(ctx, s.start)
		if err != nil {
			return false, fmt.Errorf("read operator records: %w", err)
		}
		for i := range recs {
			if recs[i].RegionID == pl.region && admin(&recs[i]) {
				ours = &recs[i]
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return false, "", err
	}
	if ours == nil {
		return false, fmt.Sprintf("no operator appeared on region %d", pl.region), nil
	}
	out.op = ours
	out.Steps = append(out.Steps, ours.Steps...)
	if !ended {
		return false, fmt.Sprintf("operator %s still running after %s (the action's bound), at step %d of %d",
			ours.Desc, opts.bound(), ours.CurrentStep, len(ours.Steps)), nil
	}
	success := ours.State == pd.OperatorSuccess || ours.Finished
	if pl.target != 0 {
		// A merge's source operator ends CANCEL when its region is gone;
		// the target's half says whether the merge happened.
		t, err := s.pd.GetOperator(ctx, pl.target)
		if err != nil && !errors.Is(err, pd.ErrNotFound) {
			return false, "", fmt.Errorf("read the operator of region %d: %w", pl.target, err)
		}
		success = err == nil && t.State == pd.OperatorSuccess
	}
	word := ours.StateWord
	if word == "" {
		word = ours.State.String()
	}
	if pl.target != 0 && success {
		word = "SUCCESS"
	}
	return success, fmt.Sprintf("operator %s ended %s", ours.Desc, word), nil
}

func admin(d *pd.OperatorDetail) bool { return strings.HasPrefix(d.Desc, "admin-") }

// waitForStore runs the simulator until none of the snapshot's regions
// keeps a peer (drain) or its leader (evict) on the store, or the bound
// passes. PD's own checkers and schedulers do the work, as on the live
// cluster.
func waitForStore(ctx context.Context, s *sim, pl *plan, opts Options, out *outcome) (bool, string, error) {
	typ := pd.RegionTypeAll
	what := "replica"
	if pl.wait == waitEvict {
		typ, what = pd.RegionTypeLeader, "leader"
	}
	left := 0
	done, err := s.run(ctx, opts.bound(), func() (bool, error) {
		rs, err := s.pd.GetRegionsByStore(ctx, pl.store, typ)
		if err != nil {
			return false, fmt.Errorf("read the regions of store %d: %w", pl.store, err)
		}
		left = len(rs.Regions)
		return left == 0, nil
	})
	if err != nil {
		return false, "", err
	}
	if !done {
		return false, fmt.Sprintf("%d %s(s) still on store %d after %s (the action's bound)", left, what, pl.store, opts.bound()), nil
	}
	st, err := s.pd.GetStore(ctx, pl.store)
	if err != nil {
		return false, "", fmt.Errorf("read store %d: %w", pl.store, err)
	}
	note := fmt.Sprintf("no %s of the snapshot's regions is left on store %d", what, pl.store)
	if pl.wait == waitDrain {
		note += fmt.Sprintf(", which is %s", st.Store.StateName)
		if n := st.Status.RegionCount; n > 0 {
			note += fmt.Sprintf(" with %d live region(s) the snapshot does not hold", n)
		}
	}
	return true, note, nil
}
