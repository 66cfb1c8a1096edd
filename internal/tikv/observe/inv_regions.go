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
}

var regionChecks = map[pd.RegionCheck]regionCheckSpec{
	pd.CheckMissPeer: {
		severity: subject.Warning, min: func(c Config) int { return c.MissPeerMinRegions },
		one: "is missing a replica", many: "are missing a replica",
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
	},
	pd.CheckExtraPeer: {
		severity: subject.Info, min: func(c Config) int { return c.ExtraPeerMinRegions },
		one: "has more replicas than the placement rules ask for", many: "have more replicas than the placement rules ask for",
	},
	pd.CheckOfflinePeer: {
		severity: subject.Info, min: func(c Config) int { return c.OfflinePeerMinRegions },
		one: "has a replica on an Offline store", many: "have a replica on an Offline store",
		stores: func(d *Data, r pd.RegionInfo) []pd.StoreID {
			var ids []pd.StoreID
			for _, p := range r.Peers {
				if s, ok := d.store(p.StoreID); ok && s.Store.State == pd.StoreOffline {
					ids = append(ids, p.StoreID)
				}
			}
			return ids
		},
		storesWhat: "Offline replicas",
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
	return func(d *Data, _ time.Time) []subject.Violation {
		list := d.RegionChecks[kind]
		if list == nil || list.Count < spec.min(cfg) || list.Count == 0 {
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
