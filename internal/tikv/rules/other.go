package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/observe"
)

// ruleTable maps every invariant of the TiKV adapter (observe's doc.go)
// and the monitor's source-unavailable to its rule.
var ruleTable = map[string]func(*view) *result{
	observe.InvStoreDown:         storeDownRule,
	observe.InvStoreOfflineStuck: offlineStuckRule,
	observe.InvStoreLowSpace:     lowSpaceRule,
	observe.InvRegionMissPeer:    missPeerRule,
	observe.InvRegionDownPeer:    downPeerRule,
	observe.InvRegionPendingPeer: pendingPeerRule,
	observe.InvRegionExtraPeer:   extraPeerRule,
	observe.InvLeaderImbalance:   leaderImbalanceRule,
	observe.InvRegionImbalance:   regionImbalanceRule,
	observe.InvHotWriteRegion:    hotRegionRule(false),
	observe.InvHotReadRegion:     hotRegionRule(true),
	observe.InvHotWriteStore:     hotStoreRule(false),
	observe.InvHotReadStore:      hotStoreRule(true),
	observe.InvOperatorStuck:     operatorStuckRule,
	observe.InvRegionOversized:   oversizedRule,
	observe.InvStoreHighLatency:  latencyRule,
	observe.InvPDUnhealthy:       pdUnhealthyRule,
	observe.InvPDNoLeader:        pdNoLeaderRule,
	sourceUnavailable:            sourceUnavailableRule,
}

// sourceUnavailable is the monitor's invariant for a source that does not
// answer (monitor.SourceInvariant; not imported: the adapter must not
// depend on the core's monitor).
const sourceUnavailable = "source-unavailable"

// operatorStuckRule: an operator running far too long. PD would time it
// out only at its timeout, and until then the region takes no other
// operator; canceling it is cheap and PD's checkers plan again from the
// region's present state. An operator that already ended needs nothing.
func operatorStuckRule(v *view) *result {
	r := &result{}
	id := v.labelID("region")
	if id == 0 {
		return unknownRule(v)
	}
	desc := v.t.Labels["desc"]
	age, _ := v.num("age_seconds")
	timeout, _ := v.num("timeout_seconds")
	r.summary = fmt.Sprintf("An operator on region %d has run for at least %s (timeout %s).", id, secondsText(age), secondsText(timeout))
	r.cite(v.stores.ID())
	if op := v.operator; op != nil {
		r.cite(op.id)
		switch op.v.State {
		case "SUCCESS", "TIMEOUT", "CANCEL", "REPLACE":
			r.cause = fmt.Sprintf("The operator on region %d has ended since (%s): nothing is stuck now.", id, op.v.State)
			r.confidence = confLikely
			return r
		}
	}
	if ops := v.operators; ops != nil {
		r.cite(ops.id)
		running := false
		for _, o := range ops.v.Related {
			running = running || o.RegionID == id && (desc == "" || o.Desc == desc)
		}
		if !running && !ops.v.Truncated {
			r.cause = fmt.Sprintf("PD no longer runs that operator on region %d: it finished or was canceled since the ticket was raised.", id)
			r.confidence = confLikely
			return r
		}
	}
	cause := fmt.Sprintf("The operator on region %d has run for at least %s of its %s timeout", id, secondsText(age), secondsText(timeout))
	r.confidence = confLikely
	if op := v.operator; op != nil {
		if n := len(op.v.Steps); n > 0 {
			cause += fmt.Sprintf(", still at step %d of %d", op.v.CurrentStep+1, n)
		}
		for _, sid := range op.v.StoreIDs {
			if s, ok := v.store(sid); ok && s.StateName != "Up" && s.StateName != "Offline" {
				cause += fmt.Sprintf("; it needs store %d, which is %s, so it cannot finish", sid, s.StateName)
				r.confidence = confClear
				break
			}
		}
	}
	r.cause = cause + ". Until PD times it out the region cannot take another operator."
	r.propose(actions.CancelOperator, map[string]any{"region_id": id}, "soon",
		"Cancel it: PD's checkers then plan again from the region's present state, instead of the region waiting for the timeout.",
		fmt.Sprintf("The operator ends as CANCEL and region %d is free for new operators; the ticket resolves.", id))
	r.risk("If it was about to finish (a large snapshot in flight), the work is redone later.",
		"PD may create the same operator again if its reason remains (for example a target store that is down).")
	if strings.HasPrefix(desc, "admin") {
		r.risk("It was created through PD's API: someone asked for it; tell them.")
	}
	r.alt("none", nil, fmt.Sprintf("PD times it out only at its timeout (%s); until then the region is blocked for other operators.", secondsText(timeout)))
	return r
}

// latencyRule: one slow store among healthy ones is a store problem, and
// evicting its leaders takes it out of the request path without moving
// data. Several slow stores are a cluster-wide cause (load, a hot table,
// shared disks or network), which moving leaders would only shuffle.
func latencyRule(v *view) *result {
	r := &result{}
	lat, _ := v.num("latency_seconds")
	threshold, _ := v.num("threshold_seconds")
	id := v.labelID("store")
	who := "A TiKV instance"
	if id != 0 {
		who = fmt.Sprintf("Store %d", id)
	}
	r.summary = fmt.Sprintf("%s answers slowly: p99 %s against %s.", who, secondsText(lat), secondsText(threshold))
	r.cite(v.stores.ID(), v.config.ID())
	var series *found[observe.SeriesEvidence]
	for i, s := range v.series {
		if s.v.ThresholdSeconds > 0 {
			series = &v.series[i]
		}
	}
	if id == 0 {
		r.cause = "The slow instance maps to no store in PD (no store label and no store with that status address), so no store action can name it."
		r.confidence = confGuess
		return r
	}
	if series == nil {
		r.cite(v.missing(observe.EvidenceSeries)...)
		r.cause = fmt.Sprintf("Store %d is slow, but the latency of the other stores could not be read, so whether it is alone cannot be told.", id)
		r.confidence = confGuess
		r.alt(actions.EvictLeader, storeParams(id), "Only right if the store is the only slow one, which could not be checked.")
		return r
	}
	r.cite(series.id)
	slow := append(append([]string(nil), series.v.SlowStores...), series.v.SlowInstances...)
	sort.Strings(slow)
	up, _ := v.upStores()
	st, listed := v.store(id)
	evictParams := storeParams(id)
	switch {
	case listed && st.EvictedLeader:
		r.cause = fmt.Sprintf("Store %d is slow, and its leaders are already being kept off it (evict-leader-scheduler).", id)
		r.confidence = confLikely
		return r
	case len(slow) > 1:
		r.cause = fmt.Sprintf("%d TiKV instances are slow at once (%s): a cluster-wide cause (load, a hot table, shared disks or network), not one store.", len(slow), strings.Join(slow, ", "))
		r.confidence = confLikely
		r.alt(actions.EvictLeader, evictParams, "Several stores are slow: evicting one's leaders would move its load onto the others.")
		return r
	case len(slow) == 0:
		r.cause = fmt.Sprintf("Store %d's latency is back under the threshold over the last minutes.", id)
		r.confidence = confLikely
		return r
	case slow[0] != fmt.Sprint(id):
		r.cause = fmt.Sprintf("Over the last minutes the slow one is %s, not store %d.", slow[0], id)
		r.confidence = confGuess
		return r
	case up < 3:
		r.cause = fmt.Sprintf("Store %d is the only slow store, but only %d stores are Up: evicting its leaders would put all of them on the rest.", id, up)
		r.confidence = confLikely
		r.alt(actions.EvictLeader, evictParams, "Too few Up stores to take its leaders.")
		return r
	}
	r.cause = fmt.Sprintf("Store %d is the only slow store of %d Up stores (p99 %s against %s): a problem of that store (disk, CPU, a noisy neighbour), not of the cluster.", id, up, secondsText(lat), secondsText(threshold))
	if listed && st.SlowScore > 1 {
		r.cause += fmt.Sprintf(" PD sees it too: slow score %d.", st.SlowScore)
	}
	r.confidence = confLikely
	r.propose(actions.EvictLeader, evictParams, "soon",
		fmt.Sprintf("Evict store %d's leaders: leaders serve the reads and writes, so this takes it out of the request path while its replicas stay (no data moves). PD's evict-slow-store-scheduler does the same by itself only once TiKV's slow score crosses its bar.", id),
		fmt.Sprintf("Store %d's leader count drops to 0 within minutes and the cluster's p99 falls back under the threshold.", id))
	r.risk(
		"The other stores take its leader load.",
		fmt.Sprintf("Leaders stay off store %d until remove_evict_leaders: undo it once the store is fixed.", id),
		"If the latency comes from the clients or the network rather than the store, evicting changes nothing.",
	)
	return r
}

func pdUnhealthyRule(v *view) *result {
	r := &result{}
	var bad []string
	if list, ok := v.ev["unhealthy_members"].([]any); ok {
		for _, m := range list {
			if s, ok := m.(string); ok {
				bad = append(bad, safeName(s))
			}
		}
	} else if list, ok := v.ev["unhealthy_members"].([]string); ok {
		for _, s := range list {
			bad = append(bad, safeName(s))
		}
	}
	r.summary = "PD is unhealthy."
	initialized, known := v.flag("is_initialized")
	switch {
	case known && !initialized:
		r.cause = "No TiKV has bootstrapped the cluster: PD answers but holds no cluster (a new deployment, or PD started on an empty data directory)."
	case len(bad) > 0:
		r.cause = fmt.Sprintf("PD member(s) %s fail their health check: down, or cut off from the other members (etcd). With three members one may be lost; without a majority of members PD serves no TSO and no routing.", strings.Join(bad, ", "))
	default:
		r.cause = "PD's /health lists no healthy member."
	}
	r.cause += " Check the PD processes, their disks and the network between them; no registry action touches PD members."
	r.confidence = confLikely
	return r
}

func pdNoLeaderRule(v *view) *result {
	r := &result{}
	r.summary = "PD has no leader."
	r.cause = "PD answers but names no leader: its members are electing one, or have lost their majority. Without a leader PD serves no TSO and no region routing, so TiKV clients stall. Check the PD members' processes and the network between them; no registry action touches PD."
	if msg := v.str("leader_error"); msg != "" {
		r.cause += " PD said: " + clipText(msg, 200)
	}
	r.confidence = confLikely
	return r
}

func sourceUnavailableRule(v *view) *result {
	r := &result{}
	src := safeName(v.t.Labels["source"])
	var names []string
	switch x := v.ev["failed_sources"].(type) {
	case []any:
		for _, n := range x {
			if s, ok := n.(string); ok {
				names = append(names, safeName(s))
			}
		}
	case []string:
		for _, s := range x {
			names = append(names, safeName(s))
		}
	}
	r.summary = fmt.Sprintf("%s is not answering the operator.", src)
	what := "the checks that need it are skipped, so problems there go unseen until it answers again"
	switch src {
	case "pd":
		what = "every PD-based check is skipped, so cluster problems go unseen; if PD is down for TiKV too, clients stall (no TSO, no routing)"
	case "prometheus":
		what = "store-high-latency is skipped; PD-based checks still run"
	}
	r.cause = fmt.Sprintf("%s failed to answer (%s): %s. Check it is up and reachable from the operator; no registry action restores a data source.", src, strings.Join(names, ", "), what)
	r.confidence = confLikely
	return r
}

// alertRule: a ticket from Alertmanager that maps to none of the
// operator's checks. The rules have no judgement of outside alerts; they
// cite the alert and propose nothing. Its text is outside text: only a
// sanitized alert name goes into the diagnosis.
func alertRule(v *view) *result {
	r := &result{}
	name := safeName(strings.TrimPrefix(v.t.Invariant, "alert:"))
	r.summary = fmt.Sprintf("Alertmanager alert %s is firing (%s).", name, v.t.Severity)
	r.cause = fmt.Sprintf("The alert rule %s fired; its annotations (summary, description, runbook) are in the ticket's evidence. It is not one of the operator's own checks, so the rule engine proposes no action for it.", name)
	if m := v.str("maps_to"); m != "" {
		r.cause += fmt.Sprintf(" It corresponds to the operator's check %s, which has no open ticket right now.", safeName(m))
	}
	r.confidence = confGuess
	return r
}

// unknownRule: an invariant the rules do not know (a newer adapter).
func unknownRule(v *view) *result {
	return &result{
		summary:    fmt.Sprintf("No rule for %s.", safeName(v.t.Invariant)),
		cause:      fmt.Sprintf("The offline rule engine has no rule for invariant %s (or the ticket lacks the labels its rule needs); read the ticket's evidence.", safeName(v.t.Invariant)),
		confidence: 0.3,
	}
}

// clipText cuts outside text for quoting, on a rune boundary.
func clipText(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
