package main

import (
	"context"

	"fmt"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/action"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// watchLeaders shows where the leaders are once PD's balancer runs again:
// the transfers are PD's own, scheduled by the scheduler the action resumed.
func watchLeaders(ctx context.Context, s *stage, _ int64) error {
	line, err := s.storeCounts(ctx, func(st pd.StoreInfo) int { return st.Status.LeaderCount })
	if err != nil {
		return err
	}
	s.say.line("leaders per store now (PD's balance-leader-scheduler transfers them back): %s", line)
	return nil
}

// watchDrain follows the drain through the daemon's own progress measure
// (the run completed once PD was draining; moving every replica takes
// longer): regions moved of those on the store when it began, the rate
// and the ETA, as `operator actions show` and the console print them.
func watchDrain(ctx context.Context, s *stage, runID int64) error {
	last := ""
	nextSay := time.Time{}
	return s.until(ctx, fmt.Sprintf("store %d emptied by PD", deadStore), func() (bool, error) {
		v, err := s.viewer.Run(ctx, action.ID(runID))
		if err != nil || v.Progress == nil {
			return false, nil
		}
		p := *v.Progress
		if now := p.String(); now != last && (time.Now().After(nextSay) || p.Finished) {
			s.say.line("drain of store %d: %s", deadStore, now)
			last, nextSay = now, time.Now().Add(3*time.Second)
		}
		if p.Finished {
			s.say.line("store %d holds no regions: the host can be replaced", deadStore)
		}
		return p.Finished, nil
	})
}

// storeCounts renders one count per store ("1:210 2:198 ...").
func (s *stage) storeCounts(ctx context.Context, count func(pd.StoreInfo) int) (string, error) {
	sts, err := s.pd.GetStores(ctx, pd.GetStoresOptions{})
	if err != nil {
		return "", fmt.Errorf("read the stores: %w", err)
	}
	var parts []string
	for _, st := range sts.Stores {
		parts = append(parts, fmt.Sprintf("store %d: %d", st.Store.ID, count(st)))
	}
	return strings.Join(parts, ", "), nil
}
