package observe

import (
	"encoding/json"

	"github.com/operator-dev/operator/internal/subject"
)

// The context bound. Every list Gather builds is capped already; on a
// large cluster with a wordy ticket the whole can still pass
// maxContextBytes, so the steps below trim, least useful first, until it
// fits. They shorten lists inside evidence and never remove an item, so
// evidence ids stay what build gave them. Only if that is not enough is
// an item's data replaced by a note (its kind becomes "unavailable").

// budgetStep trims one thing; it reports whether it changed anything.
type budgetStep func(c *subject.Context) bool

var budgetSteps = []budgetStep{
	trimHistory, trimSeries, trimHot, trimOperators, trimStores, trimTicket, trimStoreRegions, trimRegionKeys,
}

// enforceBudget trims the context until its JSON fits maxContextBytes and
// reports whether it cut anything.
func enforceBudget(c *subject.Context) bool {
	cut := false
	for _, step := range budgetSteps {
		if contextSize(c) <= maxContextBytes {
			return cut
		}
		cut = step(c) || cut
	}
	for contextSize(c) > maxContextBytes {
		i, best := -1, 0
		for k, e := range c.Evidence {
			if e.Kind == EvidenceTicket || e.Kind == EvidenceUnavailable {
				continue
			}
			if n := jsonSize(e); n > best {
				i, best = k, n
			}
		}
		if i < 0 {
			break
		}
		e := &c.Evidence[i]
		e.Data = &UnavailableEvidence{Kind: e.Kind, What: e.Title, Error: "left out to keep the context within its bound"}
		e.Kind, e.Title = EvidenceUnavailable, "unavailable: left out to keep the context small"
		cut = true
	}
	return cut
}

func contextSize(c *subject.Context) int { return jsonSize(c) }

func jsonSize(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return maxContextBytes + 1 // unmeasurable: treat as too big
	}
	return len(b)
}

// each calls fn on every evidence item whose data is a *T.
func each[T any](c *subject.Context, fn func(*T) bool) bool {
	changed := false
	for _, e := range c.Evidence {
		if d, ok := e.Data.(*T); ok && d != nil {
			changed = fn(d) || changed
		}
	}
	return changed
}

func trimHistory(c *subject.Context) bool {
	return each(c, func(h *HistoryEvidence) bool {
		if len(h.Tickets) <= 5 {
			return false
		}
		h.Tickets = h.Tickets[:5]
		return true
	})
}

func trimSeries(c *subject.Context) bool {
	return each(c, func(s *SeriesEvidence) bool {
		changed := false
		if len(s.Series) > 2 {
			s.Series, changed = s.Series[:2], true
		}
		for i := range s.Series {
			if pts := s.Series[i].Points; len(pts) > 10 {
				// Every third point, and always the latest.
				var kept []SeriesPoint
				for k, p := range pts {
					if k%3 == 0 || k == len(pts)-1 {
						kept = append(kept, p)
					}
				}
				s.Series[i].Points, changed = kept, true
			}
		}
		return changed
	})
}

func trimHot(c *subject.Context) bool {
	return each(c, func(h *HotEvidence) bool {
		changed := false
		if len(h.StoreRegions) > 5 {
			h.StoreRegions, changed = h.StoreRegions[:5], true
		}
		if len(h.Stores) > 8 {
			// The first entries are the ones the ticket names (hotLoads
			// sorts them by id afterwards, so keep by relevance instead).
			keep := map[uint64]bool{h.StoreID: true}
			if h.Leader != nil {
				for _, id := range h.Leader.StoreIDs {
					keep[id] = true
				}
			}
			var kept []HotStoreLoad
			for _, l := range h.Stores {
				if keep[l.StoreID] {
					kept = append(kept, l)
				}
			}
			for _, l := range h.Stores {
				if !keep[l.StoreID] && len(kept) < 8 {
					kept = append(kept, l)
				}
			}
			h.Stores, changed = kept, true
		}
		return changed
	})
}

func trimOperators(c *subject.Context) bool {
	return each(c, func(o *OperatorsEvidence) bool {
		if len(o.Related) <= 5 {
			return false
		}
		o.Related, o.Truncated = o.Related[:5], true
		return true
	})
}

// trimStores keeps the stores the ticket names and the stores not Up,
// then the first of the rest, at most 16; the totals stay.
func trimStores(c *subject.Context) bool {
	named := map[uint64]bool{}
	if id, ok := parseID(c.Ticket.Labels["store"]); ok {
		named[id] = true
	}
	each(c, func(r *RegionEvidence) bool {
		for _, p := range r.Peers {
			named[p.StoreID] = true
		}
		return false
	})
	return each(c, func(s *StoresEvidence) bool {
		if len(s.Stores) <= 16 {
			return false
		}
		var kept []StoreView
		for _, v := range s.Stores {
			if (named[v.ID] || v.StateName != "Up") && len(kept) < 16 {
				kept = append(kept, v)
			}
		}
		for _, v := range s.Stores {
			if !named[v.ID] && v.StateName == "Up" && len(kept) < 16 {
				kept = append(kept, v)
			}
		}
		s.Stores, s.Listed = kept, len(kept)
		return true
	})
}

// trimTicket clips the ticket's evidence harder: strings to 256 bytes,
// lists and maps to 16 entries, in the evidence item and in the context's
// copy of the ticket (a fresh map; the caller's ticket is not touched).
func trimTicket(c *subject.Context) bool {
	tight := func(m map[string]any) (map[string]any, bool) {
		b, err := json.Marshal(m)
		if err != nil || len(b) <= 4<<10 {
			return m, false
		}
		var generic any
		if json.Unmarshal(b, &generic) != nil {
			return map[string]any{"left_out": "evidence too large to keep"}, true
		}
		v, _ := clipValueTo(generic, 256, 16, 0)
		out, _ := v.(map[string]any)
		return out, true
	}
	changed := each(c, func(t *TicketEvidence) bool {
		var cut bool
		t.Evidence, cut = tight(t.Evidence)
		return cut
	})
	if ev, cut := tight(c.Ticket.Evidence); cut {
		c.Ticket.Evidence, changed = ev, true
	}
	return changed
}

func trimStoreRegions(c *subject.Context) bool {
	return each(c, func(s *StoreRegionsEvidence) bool {
		if len(s.AtRiskSampleRegionIDs) <= 5 {
			return false
		}
		s.AtRiskSampleRegionIDs = s.AtRiskSampleRegionIDs[:5]
		return true
	})
}

// trimRegionKeys drops region keys, the longest strings a region has.
func trimRegionKeys(c *subject.Context) bool {
	a := each(c, func(r *RegionEvidence) bool {
		changed := r.StartKey != "" || r.EndKey != ""
		r.StartKey, r.EndKey = "", ""
		return changed
	})
	b := each(c, func(n *NeighboursEvidence) bool {
		changed := false
		for i := range n.Regions {
			changed = changed || n.Regions[i].StartKey != "" || n.Regions[i].EndKey != ""
			n.Regions[i].StartKey, n.Regions[i].EndKey = "", ""
		}
		return changed
	})
	return a || b
}
