package observe

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Region-list invariants, one per PD region check. Each raises at most one
// violation with no labels: its dedup key is just the invariant name, so it
// stays the same ticket while regions enter and leave the list. The total
// comes from PD's count; the first Config.RegionCheckLimit region ids (PD
// sorts them by id) and, where the regions say it, the stores involved are
// evidence.
//
// Why not one violation per store: PD returns whole regions only for the
// first page, so per-store totals would need the full list (a region scan
// at scale). The stores seen in the sample are in the evidence and summary.
//
// Two things PD lists are not problems of their own:
//   - a region mid-change: every peer move passes through a pending
//     replica and, between add and remove, an extra one. Regions a running
//     PD operator is working on are left out (checks marked inFlight), and
//     a check raises only when at least its minimum of regions provably
//     has no operator.
//   - a dead store's replicas: down-peer regions explained by a silent
//     store are evidence on its store-down ticket (see downPeerCauses).
// A region with a replica on an Offline store is a drain in progress, the
// SRE's own doing; a drain that stops is store-offline-stuck.

// regionCheckSpec says how one check reads.
type regionCheckSpec struct {
	severity subject.Severity
	min      func(Config) int
	one      string // "1 region <one>"
	many     string // "N regions <many>"
	// stores picks the stores a sampled region implicates (nil: none).
	stores func(d *Data, r pd.RegionInfo) []pd.StoreID
	// storesWhat names them in the summary: "down replicas".
	storesWhat string
	// inFlight leaves out regions a running PD operator is changing.
	inFlight bool
}

var regionChecks = map[pd.RegionCheck]regionCheckSpec{
	pd.CheckMissPeer: {
		severity: subject.Warning, min: func(c Config) int { return c.MissPeerMinRegions },
		one: "is missing a replica", many: "are missing a replica",
		inFlight: true,
	},
	pd.CheckDownPeer: {
		severity: subject.Warning, min: func(c Config) int { return c.DownPeerMinRegions },
		one: "has a down replica", many: "have a down replica",
		stores: func(_ *Data, r pd.RegionInfo) []pd.StoreID {
			var ids []pd.StoreID
			for _, p := range r.DownPeers {
				ids = append(ids, p.Peer.StoreID)
			}
			return ids
		},
		storesWhat: "down replicas",
	},
	pd.CheckPendingPeer: {
		severity: subject.Info, min: func(c Config) int { return c.PendingPeerMinRegions },
		one: "has a replica still catching up", many: "have a replica still catching up",
		stores: func(_ *Data, r pd.RegionInfo) []pd.StoreID {
			var ids []pd.StoreID
			for _, p := range r.PendingPeers {
				ids = append(ids, p.StoreID)
			}
			return ids
		},
		storesWhat: "pending replicas",
		inFlight:   true,
	},
	pd.CheckExtraPeer: {
		severity: subject.Info, min: func(c Config) int { return c.ExtraPeerMinRegions },
		one: "has more replicas than the placement rules ask for", many: "have more replicas than the placement rules ask for",
		inFlight: true,
	},
	pd.CheckOversizedRegion: {
		severity: subject.Info, min: func(c Config) int { return c.OversizedMinRegions },
		one: "is larger than the split size and should split", many: "are larger than the split size and should split",
	},
}

// summaryIDs is how many region ids a summary shows; the evidence has them all.
const summaryIDs = 5

func (cfg Config) regionCheck(kind pd.RegionCheck) func(*Data, time.Time) []subject.Violation {
	spec := regionChecks[kind]
	return func(d *Data, now time.Time) []subject.Violation {
		list := d.RegionChecks[kind]
		if list == nil || list.Count < spec.min(cfg) || list.Count == 0 {
			return nil
		}
		if kind == pd.CheckDownPeer && cfg.downPeerCauses(d, now).explained {
			return nil
		}
		ids := regionIDs(list.Regions)
		ev := map[string]any{
			"check":             kind.String(),
			"count":             list.Count,
			"sample_region_ids": ids,
			"sample_limit":      cfg.RegionCheckLimit,
			"min_regions":       spec.min(cfg),
		}
		var busy []uint64
		if spec.inFlight {
			var atLeast int
			busy, atLeast = unattended(d, list)
			if atLeast < spec.min(cfg) {
				return nil
			}
			if len(busy) > 0 {
				ev["sample_regions_with_operator"] = busy
			}
			ev["regions_without_operator_at_least"] = atLeast
		}
		var b strings.Builder
		if list.Count == 1 {
			fmt.Fprintf(&b, "1 region %s", spec.one)
		} else {
			fmt.Fprintf(&b, "%d regions %s", list.Count, spec.many)
		}
		if len(ids) > 0 {
			shown := ids[:min(len(ids), summaryIDs)]
			word := "first"
			if len(ids) == 1 && list.Count == 1 {
				word = "region"
			}
			fmt.Fprintf(&b, " (%s: %s", word, joinIDs(shown))
			if list.Count > len(shown) {
				b.WriteString(", …")
			}
			b.WriteString(")")
		}
		if len(busy) > 0 {
			fmt.Fprintf(&b, ", %d of them being changed by a PD operator", len(busy))
		}
		if spec.stores != nil {
			tally := map[pd.StoreID]int{}
			for _, r := range list.Regions {
				for _, id := range spec.stores(d, r) {
					tally[id]++
				}
			}
			if len(tally) > 0 {
				ev["sample_stores"] = tallyEvidence(tally)
				fmt.Fprintf(&b, "; %s on %s", spec.storesWhat, tallyText(tally))
			}
		}
		if kind == pd.CheckOversizedRegion {
			sizes := map[string]int64{}
			for _, r := range list.Regions {
				sizes[r.ID.String()] = r.ApproximateSize
			}
			ev["sample_sizes_mib"] = sizes
		}
		return []subject.Violation{{Severity: spec.severity, Summary: b.String(), Evidence: ev}}
	}
}

// unattended splits a check list into the sampled regions a running (or
// just finished, see operatorAfterglow) operator is changing (busy) and a lower bound on the listed regions no
// operator is changing: the sampled ones without one, plus the unsampled
// ones that cannot all be covered by the operators on regions outside the
// sample (untracked operators counted as possibly covering them).
func unattended(d *Data, list *pd.RegionsInfo) (busy []uint64, atLeast int) {
	withOp := make(map[pd.RegionID]bool, len(d.Operators)+len(d.OperatorRegions))
	for _, op := range d.Operators {
		withOp[op.RegionID] = true
	}
	for id := range d.OperatorRegions {
		withOp[id] = true
	}
	sampled := make(map[pd.RegionID]bool, len(list.Regions))
	for _, r := range list.Regions {
		if sampled[r.ID] {
			continue
		}
		sampled[r.ID] = true
		if withOp[r.ID] {
			busy = append(busy, uint64(r.ID))
		} else {
			atLeast++
		}
	}
	elsewhere := d.UntrackedOperators
	for id := range withOp {
		if !sampled[id] {
			elsewhere++
		}
	}
	atLeast += max(0, list.Count-len(sampled)-elsewhere)
	return busy, atLeast
}

// tallyEvidence: {"2": 10, "3": 1}, store id to regions in the sample.
func tallyEvidence(t map[pd.StoreID]int) map[string]int {
	out := make(map[string]int, len(t))
	for id, n := range t {
		out[id.String()] = n
	}
	return out
}

// tallyText: "store 2" or "stores 2, 3" (most implicated first).
func tallyText(t map[pd.StoreID]int) string {
	ids := make([]pd.StoreID, 0, len(t))
	for id := range t {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if t[ids[i]] != t[ids[j]] {
			return t[ids[i]] > t[ids[j]]
		}
		return ids[i] < ids[j]
	})
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(uint64(id), 10)
	}
	if len(parts) == 1 {
		return "store " + parts[0]
	}
	return "stores " + strings.Join(parts, ", ")
}
