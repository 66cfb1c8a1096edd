package rules

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/observe"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// found is one decoded evidence item and its id.
type found[T any] struct {
	id string
	v  *T
}

// view is a context with its evidence decoded by kind. A piece that is
// absent, unavailable or undecodable is nil: every rule must cope.
type view struct {
	c        *subject.Context
	t        ticket.Ticket
	ticketID string
	ev       map[string]any // the ticket's evidence

	stores       *found[observe.StoresEvidence]
	config       *found[observe.ConfigEvidence]
	regions      []found[observe.RegionEvidence]
	neighbours   *found[observe.NeighboursEvidence]
	operator     *found[observe.OperatorEvidence]
	operators    *found[observe.OperatorsEvidence]
	storeRegions *found[observe.StoreRegionsEvidence]
	hot          *found[observe.HotEvidence]
	series       []found[observe.SeriesEvidence]
	history      *found[observe.HistoryEvidence]
	unavailable  []found[observe.UnavailableEvidence]
}

func decode[T any](e subject.Evidence) *found[T] {
	v, err := observe.DecodeEvidence[T](e.Data)
	if err != nil {
		return nil
	}
	return &found[T]{id: e.ID, v: v}
}

func newView(c *subject.Context) *view {
	v := &view{c: c, t: c.Ticket, ev: c.Ticket.Evidence}
	for _, e := range c.Evidence {
		switch e.Kind {
		case observe.EvidenceTicket:
			if v.ticketID != "" {
				continue
			}
			v.ticketID = e.ID
			if f := decode[observe.TicketEvidence](e); f != nil && v.t.Invariant == "" {
				// A context whose Ticket field was lost: the evidence has it.
				te := f.v
				v.t = ticket.Ticket{ID: ticket.ID(te.ID), DedupKey: te.DedupKey, Invariant: te.Invariant, Subject: te.Subject,
					Summary: te.Summary, Labels: te.Labels, Evidence: te.Evidence, FirstSeen: te.FirstSeen, LastSeen: te.LastSeen,
					Occurrences: te.Occurrences}
				v.t.Severity, _ = ticket.ParseSeverity(te.Severity)
				v.ev = te.Evidence
			}
		case observe.EvidenceStores:
			first(&v.stores, decode[observe.StoresEvidence](e))
		case observe.EvidenceConfig:
			first(&v.config, decode[observe.ConfigEvidence](e))
		case observe.EvidenceRegion:
			if f := decode[observe.RegionEvidence](e); f != nil {
				v.regions = append(v.regions, *f)
			}
		case observe.EvidenceNeighbours:
			first(&v.neighbours, decode[observe.NeighboursEvidence](e))
		case observe.EvidenceOperator:
			first(&v.operator, decode[observe.OperatorEvidence](e))
		case observe.EvidenceOperators:
			first(&v.operators, decode[observe.OperatorsEvidence](e))
		case observe.EvidenceStoreRegions:
			first(&v.storeRegions, decode[observe.StoreRegionsEvidence](e))
		case observe.EvidenceHot:
			first(&v.hot, decode[observe.HotEvidence](e))
		case observe.EvidenceSeries:
			if f := decode[observe.SeriesEvidence](e); f != nil {
				v.series = append(v.series, *f)
			}
		case observe.EvidenceHistory:
			first(&v.history, decode[observe.HistoryEvidence](e))
		case observe.EvidenceUnavailable:
			if f := decode[observe.UnavailableEvidence](e); f != nil {
				v.unavailable = append(v.unavailable, *f)
			}
		}
	}
	if v.ticketID == "" && len(c.Evidence) > 0 {
		// No ticket item: the first evidence is still something to cite.
		v.ticketID = c.Evidence[0].ID
	}
	return v
}

func first[T any](dst **found[T], f *found[T]) {
	if *dst == nil && f != nil {
		*dst = f
	}
}

func (f *found[T]) ID() string {
	if f == nil {
		return ""
	}
	return f.id
}

// missing lists the ids of unavailable items standing for a kind, for
// citing what could not be read.
func (v *view) missing(kind string) []string {
	var out []string
	for _, u := range v.unavailable {
		if u.v.Kind == kind {
			out = append(out, u.id)
		}
	}
	return out
}

// labelID reads a ticket label as an id (0 when absent or not a number).
func (v *view) labelID(name string) uint64 {
	id, err := strconv.ParseUint(strings.TrimSpace(v.t.Labels[name]), 10, 64)
	if err != nil {
		return 0
	}
	return id
}

// num reads a number from the ticket's evidence, in any form it takes
// (Go numbers, float64 or json.Number after JSON).
func (v *view) num(key string) (float64, bool) { return number(v.ev[key]) }

func number(x any) (float64, bool) {
	switch n := x.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint32:
		return float64(n), true
	case float64:
		return n, !math.IsNaN(n) && !math.IsInf(n, 0)
	case float32:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func (v *view) str(key string) string {
	s, _ := v.ev[key].(string)
	return s
}

func (v *view) flag(key string) (bool, bool) {
	b, ok := v.ev[key].(bool)
	return b, ok
}

// ids reads a list of ids from the ticket's evidence.
func (v *view) ids(key string) []uint64 {
	var out []uint64
	switch x := v.ev[key].(type) {
	case []uint64:
		out = append(out, x...)
	case []any:
		for _, e := range x {
			if n, ok := e.(json.Number); ok {
				if id, err := strconv.ParseUint(n.String(), 10, 64); err == nil {
					out = append(out, id)
				}
				continue
			}
			if f, ok := number(e); ok && f >= 1 && f == math.Trunc(f) {
				out = append(out, uint64(f))
			}
		}
	case []int:
		for _, id := range x {
			out = append(out, uint64(id))
		}
	}
	return out
}

// counts reads a {"store id": count} map from the ticket's evidence.
func (v *view) counts(key string) map[uint64]float64 {
	out := map[uint64]float64{}
	add := func(k string, val any) {
		id, err := strconv.ParseUint(k, 10, 64)
		if f, ok := number(val); err == nil && ok {
			out[id] = f
		}
	}
	switch m := v.ev[key].(type) {
	case map[string]int:
		for k, n := range m {
			add(k, n)
		}
	case map[string]int64:
		for k, n := range m {
			add(k, n)
		}
	case map[string]float64:
		for k, n := range m {
			add(k, n)
		}
	case map[string]any:
		for k, n := range m {
			add(k, n)
		}
	}
	return out
}

// store returns a listed store.
func (v *view) store(id uint64) (observe.StoreView, bool) {
	if v.stores == nil {
		return observe.StoreView{}, false
	}
	for _, s := range v.stores.v.Stores {
		if s.ID == id {
			return s, true
		}
	}
	return observe.StoreView{}, false
}

// upStores is how many stores PD calls Up (all of them, listed or not);
// ok is false without the store list.
func (v *view) upStores() (int, bool) {
	if v.stores == nil {
		return 0, false
	}
	return v.stores.v.Totals.ByState[string(pd.StateNameUp)], true
}

// region returns the region evidence for an id (0: the first).
func (v *view) region(id uint64) *found[observe.RegionEvidence] {
	for i, r := range v.regions {
		if id == 0 || r.v.ID == id {
			return &v.regions[i]
		}
	}
	return nil
}

// scheduler reports a PD scheduler's state: known is false when the
// config or its scheduler list is missing.
func (v *view) scheduler(name string) (s observe.SchedulerView, running, known bool) {
	if v.config == nil || v.config.v.Schedulers == nil {
		return s, false, false
	}
	s, running = v.config.v.Scheduler(name)
	return s, running, true
}

// Formatting.

func bytesText(b float64) string {
	if b < 0 || math.IsNaN(b) {
		b = 0
	}
	return pd.ByteSize(b).String()
}

func rateText(b float64) string { return bytesText(b) + "/s" }

func secondsText(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute).String()
	case d >= 10*time.Second:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Millisecond).String() // latencies: "1.5s", "500ms"
}

func idList(ids []uint64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(id, 10)
	}
	return strings.Join(parts, ", ")
}

func sortedIDs(set map[uint64]bool) []uint64 {
	out := make([]uint64, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// plural: "1 region", "3 regions".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// safeName keeps outside text (an alert's name) to letters, digits and
// _:.- and at most 80 bytes, so it can be named in our own prose.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 80 {
			break
		}
		if r == '_' || r == ':' || r == '.' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "(unnamed)"
	}
	return b.String()
}
