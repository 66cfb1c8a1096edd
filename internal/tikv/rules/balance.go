package rules

import (
	"fmt"

	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/observe"
)

// Balance rules: leader-imbalance and region-imbalance. PD's balance
// schedulers fix imbalance on their own; the rules look for what stops
// them (paused, removed, a zero limit, scheduling halted) and for what
// makes the imbalance intended (evict/grant-leader, weights, size-based
// leader policy, stores PD will not fill). Moving leaders or regions by
// hand is never proposed: the schedulers undo hand moves within minutes.

type balanceKind struct {
	what      string // "leaders", "regions"
	scheduler string
	limit     string
	weight    func(observe.StoreView) float64
}

var (
	leaderBalance = balanceKind{"leaders", "balance-leader-scheduler", "leader-schedule-limit",
		func(s observe.StoreView) float64 { return s.LeaderWeight }}
	regionBalance = balanceKind{"regions", "balance-region-scheduler", "region-schedule-limit",
		func(s observe.StoreView) float64 { return s.RegionWeight }}
)

func leaderImbalanceRule(v *view) *result { return imbalanceRule(v, leaderBalance) }
func regionImbalanceRule(v *view) *result { return imbalanceRule(v, regionBalance) }

func imbalanceRule(v *view, k balanceKind) *result {
	r := &result{}
	r.cite(v.stores.ID(), v.config.ID())
	busiest, _ := v.num("busiest_store_id")
	ratio, _ := v.num("ratio")
	id := uint64(busiest)
	r.summary = fmt.Sprintf("%s are unbalanced: store %d holds %.1fx the mean.", capital(k.what), id, ratio)
	r.alt(actions.TransferLeader, nil, "PD's balance schedulers move leaders and regions themselves, and undo moves made by hand within minutes.")
	if v.config == nil {
		r.cite(v.missing(observe.EvidenceConfig)...)
		r.cause = "PD's config could not be read, so whether its balance scheduler runs cannot be told."
		r.confidence = confGuess
		return r
	}
	c := v.config.v
	sched, running, known := v.scheduler(k.scheduler)
	switch {
	case c.HaltScheduling:
		r.cause = fmt.Sprintf("PD's scheduling is halted (halt-scheduling): %s balances nothing. Someone halted it on purpose; resuming is a human decision outside the registry.", k.scheduler)
		r.confidence = confClear
		return r
	case known && !running:
		r.cause = fmt.Sprintf("%s is not running (it was removed): PD does not balance %s. Re-adding it (pd-ctl scheduler add %s) is not a registry action.", k.scheduler, k.what, k.scheduler)
		r.confidence = confClear
		r.alt(actions.ResumeScheduler, map[string]any{"name": k.scheduler}, "Resume works only on a paused scheduler; this one is gone and must be re-added.")
		return r
	case running && sched.Paused:
		until := ""
		if !sched.ResumeAt.IsZero() {
			until = " until " + sched.ResumeAt.UTC().Format("2006-01-02 15:04Z")
		}
		r.cause = fmt.Sprintf("%s is paused%s: while it is, PD does not balance %s.", k.scheduler, until, k.what)
		r.confidence = confClear
		r.propose(actions.ResumeScheduler, map[string]any{"name": k.scheduler}, "when-convenient",
			fmt.Sprintf("Resume %s so PD balances %s again.", k.scheduler, k.what),
			fmt.Sprintf("PD moves %s off store %d at %s; the imbalance closes within minutes to hours.", k.what, id, k.limit))
		r.risk(fmt.Sprintf("Someone may have paused it on purpose (a maintenance, a migration); check before resuming.%s", historyNote(v, r)))
		return r
	}
	limit := c.LeaderScheduleLimit
	if k.what == "regions" {
		limit = c.RegionScheduleLimit
	}
	if limit == 0 {
		r.cause = fmt.Sprintf("%s is 0: %s may create no operator, so %s stay where they are.", k.limit, k.scheduler, k.what)
		r.confidence = confClear
		r.restoreLimit(k.limit, "when-convenient", "",
			fmt.Sprintf("PD starts moving %s off store %d; the imbalance closes.", k.what, id))
		r.risk(fmt.Sprintf("If 0 was set to keep %s still during a maintenance, restoring it restarts the moves.", k.what))
		return r
	}
	if why := intendedImbalance(v, k, id); why != "" {
		r.cause = why
		r.confidence = confLikely
		return r
	}
	r.cause = fmt.Sprintf("Nothing stops %s: it runs with %s %d%s, so PD should bring %s back into balance. If the imbalance persists, look for stores it cannot use (slow, busy, or refusing leaders).",
		k.scheduler, k.limit, limit, runningOps(v, r, k.scheduler), k.what)
	r.confidence = confGuess
	return r
}

// intendedImbalance explains an imbalance someone asked for.
func intendedImbalance(v *view, k balanceKind, busiest uint64) string {
	c := v.config.v
	if k.what == "leaders" {
		if len(c.GrantLeaderStores) > 0 {
			return fmt.Sprintf("grant-leader-scheduler sends leaders to stores %s: the imbalance is intended while it is in place.", idList(c.GrantLeaderStores))
		}
		if len(c.EvictLeaderStores) > 0 {
			return fmt.Sprintf("evict-leader-scheduler keeps leaders off stores %s, so the other stores carry them: the imbalance is intended while it is in place.", idList(c.EvictLeaderStores))
		}
		if c.LeaderSchedulePolicy == "size" {
			return "leader-schedule-policy is size: PD balances the size of the regions each store leads, not their count, so unequal counts are expected."
		}
	}
	if v.stores == nil {
		return ""
	}
	for _, s := range v.stores.v.Stores {
		w := k.weight(s)
		if s.StateName != "Up" || w == 1 || w <= 0 {
			continue
		}
		if s.ID == busiest && w > 1 {
			return fmt.Sprintf("Store %d has a %s weight of %g: PD gives it that many times the share of %s.", s.ID, k.what[:len(k.what)-1], w, k.what)
		}
		if s.ID != busiest && w < 1 {
			return fmt.Sprintf("Store %d has a %s weight of %g, so PD keeps fewer %s there and the others, store %d among them, hold more.", s.ID, k.what[:len(k.what)-1], w, k.what, busiest)
		}
	}
	if k.what == "regions" && v.config != nil {
		low := v.config.v.LowSpaceRatio
		for _, s := range v.stores.v.Stores {
			if s.StateName == "Up" && low > 0 && s.UsedRatio > low {
				return fmt.Sprintf("Store %d is past low-space-ratio (%.0f%% used): PD moves no region onto it, so the others hold more.", s.ID, s.UsedRatio*100)
			}
			if s.NodeState == "Preparing" {
				return fmt.Sprintf("Store %d is new (Preparing) and PD is still filling it.", s.ID)
			}
		}
	}
	return ""
}

// runningOps says how many of the scheduler's operators run now.
func runningOps(v *view, r *result, scheduler string) string {
	if v.operators == nil {
		return ""
	}
	r.cite(v.operators.id)
	return fmt.Sprintf(" and %d of its operators running", v.operators.v.ByDesc[scheduler])
}

// historyNote points at earlier tickets of the same kind.
func historyNote(v *view, r *result) string {
	if v.history == nil || v.history.v.Total == 0 {
		return ""
	}
	r.cite(v.history.id)
	return fmt.Sprintf(" There were %d earlier tickets on the same entities.", v.history.v.Total)
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
