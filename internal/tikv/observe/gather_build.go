package observe

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// evidenceList numbers evidence in the order it is added.
type evidenceList struct{ items []subject.Evidence }

func (l *evidenceList) add(kind, title string, data any) {
	l.items = append(l.items, subject.Evidence{ID: "e" + strconv.Itoa(len(l.items)+1), Kind: kind, Title: title, Data: data})
}

// unavailable stands in for a piece that could not be read. what is our
// own words; PD's or Prometheus' message goes into Data only.
func (l *evidenceList) unavailable(kind, what string, err error) {
	msg := "no answer"
	if err != nil {
		msg = clip(err.Error(), maxTextBytes)
	}
	l.add(EvidenceUnavailable, "unavailable: "+what, &UnavailableEvidence{Kind: kind, What: what, Error: msg})
}

// build turns what was read into the context, in the fixed order: ticket,
// stores, config, region(s) and neighbours, the region's operator, the
// running operators, store-regions, hot, series, history.
func (g *gathering) build(history []ticket.Ticket) *subject.Context {
	var l evidenceList
	l.add(EvidenceTicket, g.ticketTitle(), g.ticketEvidence())

	stores := g.storesEvidence()
	l.add(EvidenceStores, storesTitle(stores), stores)

	if cfg, ok := g.configEvidence(); ok {
		l.add(EvidenceConfig, configTitle(cfg), cfg)
	} else {
		l.unavailable(EvidenceConfig, "PD's schedule config", g.errs[SourceSchedule])
	}
	// The parts of the config read separately: each one missing is said
	// (a rule must not read a zero max-replicas as a setting).
	for _, part := range []struct{ source, what string }{
		{sourceReplicate, "PD's replication config (max-replicas, location labels)"},
		{sourceSchedulers, "PD's scheduler list"},
		{sourceSchedulers + "-paused", "which of PD's schedulers are paused"},
	} {
		if err := g.errs[part.source]; err != nil {
			l.unavailable(EvidenceConfig, part.what, err)
		}
	}

	var neighbours *NeighboursEvidence
	if g.focusRegion != 0 {
		g.addRegion(&l, g.focusRegion)
		if g.siblings != nil {
			neighbours = g.neighboursEvidence()
			l.add(EvidenceNeighbours, fmt.Sprintf("the %d neighbours of region %d", len(neighbours.Regions), g.focusRegion), neighbours)
		} else {
			l.unavailable(EvidenceNeighbours, fmt.Sprintf("the neighbours of region %d", g.focusRegion), g.errs[sourceSiblings])
		}
	}
	for _, id := range g.sampled {
		g.addRegion(&l, id)
	}
	if g.opDetail {
		if g.operator != nil {
			op := operatorEvidence(g.focusRegion, g.operator)
			l.add(EvidenceOperator, fmt.Sprintf("PD's operator on region %d: %s, at step %d of %d", g.focusRegion, op.State, op.CurrentStep, len(g.operator.Steps)), op)
		} else {
			l.unavailable(EvidenceOperator, fmt.Sprintf("PD's operator on region %d", g.focusRegion), g.errs[sourceOperator])
		}
	}

	var ops *OperatorsEvidence
	if g.ops != nil {
		ops = g.operatorsEvidence()
		l.add(EvidenceOperators, fmt.Sprintf("running operators: %d in all, %d on the ticket's regions or stores", ops.Total, len(ops.Related)), ops)
	} else {
		l.unavailable(EvidenceOperators, "PD's running operators", g.errs[SourceOperators])
	}

	if g.storeRegions {
		if sr, ok := g.storeRegionsEvidence(); ok {
			l.add(EvidenceStoreRegions, storeRegionsTitle(sr), sr)
		} else {
			l.unavailable(EvidenceStoreRegions, fmt.Sprintf("what taking store %d out would mean", g.focusStore), g.storeRegionsErr())
		}
	}

	var hot *HotEvidence
	if g.hotDir != "" {
		if g.hot != nil {
			hot = g.hotEvidence()
			l.add(EvidenceHot, hotTitle(hot), hot)
			if g.hotStoreRegion != 0 {
				g.addRegion(&l, g.hotStoreRegion)
			}
		} else {
			l.unavailable(EvidenceHot, "PD's "+g.hotDir+" hotspots", g.errs[g.hotSource()])
		}
	}

	for i, p := range g.series {
		if se := g.seriesOut[i]; se != nil {
			g.finishSeries(p, se)
			l.add(EvidenceSeries, "Prometheus: "+p.title+" over the last "+seriesWindow.String(), se)
		} else {
			l.unavailable(EvidenceSeries, "Prometheus: "+p.title, g.errs[seriesSource(i)])
		}
	}

	h := historyEvidence(g.t.ID, history)
	l.add(EvidenceHistory, fmt.Sprintf("history: %d earlier tickets on the same entities", h.Total), h)

	t := g.t
	if g.ticketClipped {
		// The context's copy of the ticket carries the clipped evidence
		// too (a fresh map: the caller's ticket is not touched).
		t.Evidence = l.items[0].Data.(*TicketEvidence).Evidence
	}
	return &subject.Context{
		Ticket: t, GatheredAt: g.now, Evidence: l.items,
		Entities:  g.entities(neighbours, ops, hot),
		Truncated: stores.Listed < stores.Total || g.ticketClipped,
	}
}

// addRegion adds one region read in full, or why it could not be.
func (g *gathering) addRegion(l *evidenceList, id pd.RegionID) {
	slot := g.regions[id]
	if slot == nil || slot.info == nil {
		l.unavailable(EvidenceRegion, "region "+id.String(), g.errs[sourceRegion(id)])
		return
	}
	r := g.regionEvidence(slot.info)
	l.add(EvidenceRegion, fmt.Sprintf("region %d: %d voters (%d healthy), leader on store %d, %d MiB",
		r.ID, r.Voters, r.HealthyVoters, r.LeaderStoreID, r.SizeMiB), r)
}

func (g *gathering) ticketTitle() string {
	t := g.t
	what := "an Alertmanager alert"
	if g.tikv {
		what = t.Invariant
	}
	return fmt.Sprintf("the ticket: %s, %s, seen %s since %s", what, t.Severity, plural(t.Occurrences, "time"), t.FirstSeen.UTC().Format("2006-01-02 15:04:05Z"))
}

// ticketEvidence copies the ticket. Its evidence is the invariant's own
// (bounded) or, for an alert, outside text: strings are clipped to
// maxTextBytes so one annotation cannot crowd out the rest.
func (g *gathering) ticketEvidence() *TicketEvidence {
	t := g.t
	ev, clipped := clipValue(t.Evidence, 0)
	g.ticketClipped = clipped
	m, _ := ev.(map[string]any)
	labels := make(map[string]string, len(t.Labels))
	for k, v := range t.Labels {
		labels[clip(k, maxLabelBytes)] = clip(v, maxTextBytes)
	}
	return &TicketEvidence{
		ID: int64(t.ID), DedupKey: clip(t.DedupKey, ticket.MaxKeyLen), Invariant: t.Invariant, Subject: t.Subject,
		Severity: t.Severity.String(), State: string(t.State), Summary: clip(t.Summary, maxTextBytes),
		Labels: labels, Evidence: m, FirstSeen: t.FirstSeen, LastSeen: t.LastSeen,
		Occurrences: t.Occurrences, ReopenCount: t.ReopenCount,
	}
}

// clipValue copies a JSON-like value with long strings clipped and at most
// 64 entries per list or map, reporting whether anything was cut.
func clipValue(v any, depth int) (any, bool) { return clipValueTo(v, maxTextBytes, 64, depth) }

func clipValueTo(v any, maxText, maxEntries, depth int) (any, bool) {
	if depth > 8 {
		return nil, true
	}
	switch x := v.(type) {
	case string:
		c := clip(x, maxText)
		return c, len(c) != len(x)
	case map[string]any:
		if x == nil {
			return nil, false
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(map[string]any, min(len(x), maxEntries))
		cut := len(keys) > maxEntries
		for _, k := range keys[:min(len(keys), maxEntries)] {
			c, cc := clipValueTo(x[k], maxText, maxEntries, depth+1)
			out[clip(k, maxLabelBytes)] = c
			cut = cut || cc
		}
		return out, cut
	case []any:
		out := make([]any, 0, min(len(x), maxEntries))
		cut := len(x) > maxEntries
		for _, e := range x[:min(len(x), maxEntries)] {
			c, cc := clipValueTo(e, maxText, maxEntries, depth+1)
			out = append(out, c)
			cut = cut || cc
		}
		return out, cut
	}
	// Typed values from this process (numbers, []uint64, maps of counts)
	// are the invariants' own and already bounded.
	return v, false
}

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// historyEvidence lists past tickets newest first, at most maxHistory.
// The ticket itself, if the caller's history has it, is left out: it is
// the first evidence already.
func historyEvidence(self ticket.ID, history []ticket.Ticket) *HistoryEvidence {
	hs := make([]ticket.Ticket, 0, len(history))
	for _, t := range history {
		if self == 0 || t.ID != self {
			hs = append(hs, t)
		}
	}
	sort.SliceStable(hs, func(i, j int) bool {
		if !hs[i].LastSeen.Equal(hs[j].LastSeen) {
			return hs[i].LastSeen.After(hs[j].LastSeen)
		}
		return hs[i].ID > hs[j].ID
	})
	out := &HistoryEvidence{Total: len(hs), Tickets: []HistoryTicket{}}
	for _, t := range hs[:min(len(hs), maxHistory)] {
		out.Tickets = append(out.Tickets, HistoryTicket{
			ID: int64(t.ID), DedupKey: clip(t.DedupKey, 256), State: string(t.State), Severity: t.Severity.String(),
			FirstSeen: t.FirstSeen, LastSeen: t.LastSeen, Summary: clip(t.Summary, 300), Occurrences: t.Occurrences,
		})
	}
	return out
}

// entities are what an action may name: every non-Tombstone store, and
// the regions this context shows (the ticket's, its neighbours, those of
// related operators and hot entries). An alert's labels name nothing.
func (g *gathering) entities(nb *NeighboursEvidence, ops *OperatorsEvidence, hot *HotEvidence) map[subject.ParamType][]string {
	stores := map[uint64]bool{}
	for _, s := range g.stores.Stores {
		if !tombstone(s) {
			stores[uint64(s.Store.ID)] = true
		}
	}
	regions := map[uint64]bool{}
	if g.tikv {
		if g.focusRegion != 0 {
			regions[uint64(g.focusRegion)] = true
		}
		for _, k := range []string{"sample_region_ids", "down_peer_sample_region_ids", "offline_peer_sample_region_ids"} {
			for _, id := range evidenceIDs(g.t.Evidence[k]) {
				regions[id] = true
			}
		}
		if id, ok := evidenceNumber(g.t.Evidence["region_id"]); ok && id >= 1 {
			regions[uint64(id)] = true
		}
	}
	if nb != nil {
		for _, r := range nb.Regions {
			regions[r.ID] = true
		}
	}
	if ops != nil {
		for _, op := range ops.Related {
			regions[op.RegionID] = true
		}
	}
	if hot != nil {
		if hot.RegionID != 0 {
			regions[hot.RegionID] = true
		}
		for _, p := range hot.StoreRegions {
			regions[p.RegionID] = true
		}
	}
	delete(regions, 0)
	return map[subject.ParamType][]string{
		subject.ParamStoreID:  sortedIDStrings(stores),
		subject.ParamRegionID: sortedIDStrings(regions),
	}
}

func sortedIDStrings(set map[uint64]bool) []string {
	ids := make([]uint64, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatUint(id, 10)
	}
	return out
}

// parseID reads a positive decimal id (a label value).
func parseID(s string) (uint64, bool) {
	id, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	return id, err == nil && id > 0
}

// evidenceNumber reads a number from ticket evidence in any of the forms
// it takes: Go numbers from this process, float64 or json.Number after a
// trip through JSON.
func evidenceNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	case int32:
		return float64(x), true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// evidenceIDs reads a list of positive ids from ticket evidence ([]uint64
// in this process, []any after JSON).
func evidenceIDs(v any) []uint64 {
	var out []uint64
	switch x := v.(type) {
	case []uint64:
		for _, id := range x {
			if id > 0 {
				out = append(out, id)
			}
		}
	case []any:
		for _, e := range x {
			if n, ok := e.(json.Number); ok {
				if id, err := strconv.ParseUint(n.String(), 10, 64); err == nil && id > 0 {
					out = append(out, id)
				}
				continue
			}
			if f, ok := evidenceNumber(e); ok && f >= 1 && f < 1<<53 && f == float64(uint64(f)) {
				out = append(out, uint64(f))
			}
		}
	case []int:
		for _, id := range x {
			if id > 0 {
				out = append(out, uint64(id))
			}
		}
	}
	return out
}
