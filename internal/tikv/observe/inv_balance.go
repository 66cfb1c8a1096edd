package observe

import (
	"fmt"
	"strconv"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Balance invariants compare the busiest healthy store with the mean over
// healthy stores. Counts are divided by the store's weight, as PD's own
// leader and region scores are, so a store given weight 2 may hold twice
// as much. One violation, no labels: the ticket is about the cluster's
// balance, and stays one ticket while the busiest store changes.
//
// Healthy means stored state Up and state_name Up (not Disconnected, Down
// or Offline) with a positive weight. For leaders, stores PD keeps leaders
// away from are left out as well: leader_weight 0, pause_leader_transfer_in
// (set by evict-leader), or named in an evict-leader entry of
// schedulers-v2.

type storeLoad struct {
	s      pd.StoreInfo
	count  int
	weight float64
}

func (l storeLoad) score() float64 { return float64(l.count) / l.weight }

// healthyUp is the common part of both eligibilities; it returns why a
// store is left out, or "".
func healthyUp(s pd.StoreInfo) string {
	switch {
	case tombstone(s):
		return "tombstone"
	case s.Store.State != pd.StoreUp:
		return "state " + s.Store.State.String()
	case s.Store.StateName != pd.StateNameUp:
		return "state_name " + string(s.Store.StateName)
	}
	return ""
}

// evictLeaderStores lists stores named by evict-leader entries of
// schedulers-v2 (PD records the store ids as the entry's args).
func evictLeaderStores(d *Data) map[pd.StoreID]bool {
	out := map[pd.StoreID]bool{}
	if d.Schedule == nil {
		return out
	}
	for _, sc := range d.Schedule.SchedulersV2 {
		if sc.Type != "evict-leader" || sc.Disable {
			continue
		}
		for _, a := range sc.Args {
			if id, err := strconv.ParseUint(a, 10, 64); err == nil && id > 0 {
				out[pd.StoreID(id)] = true
			}
		}
	}
	return out
}

func (cfg Config) leaderImbalance(d *Data, now time.Time) []subject.Violation {
	evicted := evictLeaderStores(d)
	var loads []storeLoad
	excluded := map[string]string{}
	for _, s := range d.Stores {
		why := healthyUp(s)
		switch {
		case why != "":
		case s.Status.LeaderWeight <= 0:
			why = "leader_weight 0"
		case s.Status.PauseLeaderTransferIn || evicted[s.Store.ID]:
			why = "evict-leader"
		}
		if why != "" {
			excluded[s.Store.ID.String()] = why
			continue
		}
		loads = append(loads, storeLoad{s, s.Status.LeaderCount, s.Status.LeaderWeight})
	}
	return imbalance(loads, excluded, cfg.LeaderImbalanceRatio, cfg.LeaderImbalanceMinDiff, "leaders", "leads %d regions")
}

func (cfg Config) regionImbalance(d *Data, now time.Time) []subject.Violation {
	var loads []storeLoad
	excluded := map[string]string{}
	for _, s := range d.Stores {
		why := healthyUp(s)
		if why == "" && s.Status.RegionWeight <= 0 {
			why = "region_weight 0"
		}
		if why != "" {
			excluded[s.Store.ID.String()] = why
			continue
		}
		loads = append(loads, storeLoad{s, s.Status.RegionCount, s.Status.RegionWeight})
	}
	return imbalance(loads, excluded, cfg.RegionImbalanceRatio, cfg.RegionImbalanceMinDiff, "regions", "holds %d regions")
}

// imbalance raises one violation when the busiest store's score is more
// than ratio times the mean and at least minDiff above it.
func imbalance(loads []storeLoad, excluded map[string]string, ratio, minDiff float64, what, holds string) []subject.Violation {
	if len(loads) < 2 {
		return nil
	}
	var sum float64
	busiest := loads[0]
	for _, l := range loads {
		sum += l.score()
		if l.score() > busiest.score() || l.score() == busiest.score() && l.s.Store.ID < busiest.s.Store.ID {
			busiest = l
		}
	}
	mean := sum / float64(len(loads))
	if mean <= 0 {
		return nil
	}
	r := busiest.score() / mean
	if r <= ratio || busiest.score()-mean < minDiff {
		return nil
	}
	counts := make(map[string]int, len(loads))
	scores := make(map[string]float64, len(loads))
	for _, l := range loads {
		counts[l.s.Store.ID.String()] = l.count
		scores[l.s.Store.ID.String()] = round3(l.score())
	}
	weighted := ""
	if busiest.weight != 1 {
		weighted = fmt.Sprintf(" (weight %g)", busiest.weight)
	}
	return []subject.Violation{{
		Severity: subject.Warning,
		Summary: fmt.Sprintf("%s are unbalanced: %s%s "+holds+", %.1fx the mean of %.4g over %d healthy stores",
			what, storeRef(busiest.s), weighted, busiest.count, r, mean, len(loads)),
		Evidence: map[string]any{
			"busiest_store_id": uint64(busiest.s.Store.ID),
			"busiest_count":    busiest.count,
			"busiest_score":    round3(busiest.score()),
			"mean_score":       round3(mean),
			"ratio":            round3(r),
			"ratio_threshold":  ratio,
			"min_diff":         minDiff,
			"stores":           len(loads),
			"counts":           counts,
			"scores":           scores,
			"excluded":         excluded,
		},
	}}
}
