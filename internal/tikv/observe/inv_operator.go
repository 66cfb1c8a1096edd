package observe

import (
	"fmt"
	"sort"
	"time"

	"github.com/operator-dev/operator/internal/subject"
)

// operatorStuck: a running operator seen for at least
// OperatorStuckFraction of its timeout, or for OperatorStuckAfter whatever
// its timeout (PD's timeouts reach 43m for a merge). Its age counts from
// when this Subject first saw it, a lower bound of its real age. Labels
// {region, desc}; at most MaxStuckOperators, oldest first.
func (cfg Config) operatorStuck(d *Data, now time.Time) []subject.Violation {
	type stuck struct {
		op    TrackedOperator
		age   time.Duration
		limit time.Duration
	}
	var all []stuck
	for _, op := range d.Operators {
		age := max(now.Sub(op.FirstSeen), 0)
		limit := cfg.OperatorStuckAfter
		if t := op.Timeout.D(); t > 0 {
			limit = min(limit, time.Duration(float64(t)*cfg.OperatorStuckFraction))
		}
		if age >= limit {
			all = append(all, stuck{op, age, limit})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].age != all[j].age {
			return all[i].age > all[j].age
		}
		if all[i].op.RegionID != all[j].op.RegionID {
			return all[i].op.RegionID < all[j].op.RegionID
		}
		return all[i].op.Desc < all[j].op.Desc
	})
	total := len(all)
	all = all[:min(len(all), cfg.MaxStuckOperators)]
	out := make([]subject.Violation, 0, len(all))
	for _, s := range all {
		op := s.op
		timeout := op.Timeout.D()
		share := ""
		if timeout > 0 {
			share = fmt.Sprintf(", %.0f%% of its %s timeout", 100*s.age.Seconds()/timeout.Seconds(), timeout)
		}
		brief := ""
		if op.Brief != "" {
			brief = " (" + op.Brief + ")"
		}
		out = append(out, subject.Violation{
			Labels:   map[string]string{"region": op.RegionID.String(), "desc": op.Desc},
			Severity: subject.Warning,
			Summary: fmt.Sprintf("operator %s on region %d%s has been running for at least %s%s",
				op.Desc, op.RegionID, brief, human(s.age), share),
			Evidence: map[string]any{
				"region_id":               uint64(op.RegionID),
				"desc":                    op.Desc,
				"brief":                   op.Brief,
				"kind":                    op.Kind.String(),
				"status":                  op.Status.String(),
				"timeout_seconds":         timeout.Seconds(),
				"first_seen":              timeString(op.FirstSeen),
				"age_seconds":             round3(s.age.Seconds()),
				"stuck_after_seconds":     s.limit.Seconds(),
				"epoch_conf_ver":          op.RegionEpoch.ConfVer,
				"epoch_version":           op.RegionEpoch.Version,
				"stuck_total":             total,
				"untracked_running":       d.UntrackedOperators,
				"running_operators":       len(d.Operators),
				"stuck_fraction":          cfg.OperatorStuckFraction,
				"stuck_after_max_seconds": cfg.OperatorStuckAfter.Seconds(),
				"age_is_lower_bound":      true,
			},
		})
	}
	return out
}
