package observe

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Stores and PD's config, as evidence.

// selection sizes past maxListedStores: each category contributes its top
// storeSelectEach, and the list stops at maxSelectedStores.
const (
	storeSelectEach   = 8
	maxSelectedStores = 48
	maxNotUpSelected  = 16
)

// liveStores are the non-Tombstone stores, in id order.
func (g *gathering) liveStores() []pd.StoreInfo {
	out := make([]pd.StoreInfo, 0, len(g.stores.Stores))
	for _, s := range g.stores.Stores {
		if !tombstone(s) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Store.ID < out[j].Store.ID })
	return out
}

// pdNow is PD's clock (from GET /stores), else the gather time.
func (g *gathering) pdNow() time.Time {
	if g.stores != nil && !g.stores.ServerTime.IsZero() {
		return g.stores.ServerTime
	}
	return g.now
}

func (g *gathering) storeByID(id pd.StoreID) (pd.StoreInfo, bool) {
	for _, s := range g.stores.Stores {
		if s.Store.ID == id && !tombstone(s) {
			return s, true
		}
	}
	return pd.StoreInfo{}, false
}

// storesEvidence lists every store, or past maxListedStores a selection
// with totals over all of them.
func (g *gathering) storesEvidence() *StoresEvidence {
	live := g.liveStores()
	out := &StoresEvidence{Total: len(live), Totals: storeTotals(live), PDTime: g.stores.ServerTime}
	chosen := live
	if len(live) > maxListedStores {
		chosen = g.selectStores(live)
	}
	evicted := map[pd.StoreID]bool{}
	if g.schedule != nil {
		for _, id := range schedulerStores(g.schedule, "evict-leader") {
			evicted[pd.StoreID(id)] = true
		}
	}
	out.Stores = make([]StoreView, 0, len(chosen))
	for _, s := range chosen {
		out.Stores = append(out.Stores, g.storeView(s, evicted[s.Store.ID]))
	}
	out.Listed = len(out.Stores)
	return out
}

func (g *gathering) storeView(s pd.StoreInfo, evicted bool) StoreView {
	st := s.Status
	v := StoreView{
		ID: uint64(s.Store.ID), Address: clip(s.Store.Address, maxLabelBytes), StateName: string(s.Store.StateName),
		RegionCount: st.RegionCount, LeaderCount: st.LeaderCount, RegionSizeMiB: st.RegionSize, LeaderSizeMiB: st.LeaderSize,
		CapacityBytes: uint64(st.Capacity), AvailableBytes: uint64(min(st.Available, st.Capacity)), UsedBytes: uint64(st.UsedSize),
		UsedRatio: round3(usedRatio(s)), LeaderWeight: st.LeaderWeight, RegionWeight: st.RegionWeight,
		PendingPeers: st.PendingPeerCount, SlowScore: st.SlowScore, SendingSnaps: st.SendingSnapCount,
		ReceivingSnaps: st.ReceivingSnapCount, IsBusy: st.IsBusy,
		EvictedLeader: evicted || st.PauseLeaderTransferIn,
	}
	if s.Store.NodeState != pd.NodeServing {
		v.NodeState = s.Store.NodeState.String()
	}
	if age, ok := heartbeatAge(s, g.pdNow()); ok {
		v.HeartbeatAge = math.Round(age.Seconds())
	} else {
		v.NeverHeartbeat = true
	}
	for _, l := range s.Store.Labels {
		// Verbatim, only bounded: this is the cluster's text, kept as data.
		v.Labels = append(v.Labels, LabelView{Key: clip(l.Key, maxLabelBytes), Value: clip(l.Value, maxLabelBytes)})
	}
	if g.schedule != nil {
		lim, own := g.schedule.StoreLimit[s.Store.ID]
		def := g.schedule.DefaultStoreLimit
		if own && (lim != def || s.Store.ID == g.focusStore) {
			v.Limit = &StoreLimits{AddPeer: lim.AddPeer, RemovePeer: lim.RemovePeer}
		}
	}
	return v
}

// usedRatio is the share of the disk in use, 0 when capacity is unknown.
func usedRatio(s pd.StoreInfo) float64 {
	c := s.Status.Capacity
	if c == 0 {
		return 0
	}
	return float64(c-min(s.Status.Available, c)) / float64(c)
}

func storeTotals(live []pd.StoreInfo) StoreTotals {
	t := StoreTotals{ByState: map[string]int{}, MinUsedRatio: 1}
	if len(live) == 0 {
		t.MinUsedRatio = 0
		return t
	}
	var sumUsed, sumRegions, sumLeaders float64
	for _, s := range live {
		t.ByState[string(s.Store.StateName)]++
		t.CapacityBytes += uint64(s.Status.Capacity)
		t.AvailableBytes += uint64(min(s.Status.Available, s.Status.Capacity))
		u := usedRatio(s)
		sumUsed += u
		t.MinUsedRatio = min(t.MinUsedRatio, u)
		t.MaxUsedRatio = max(t.MaxUsedRatio, u)
		sumRegions += float64(s.Status.RegionCount)
		sumLeaders += float64(s.Status.LeaderCount)
		t.MaxRegions = max(t.MaxRegions, s.Status.RegionCount)
		t.MaxLeaders = max(t.MaxLeaders, s.Status.LeaderCount)
	}
	n := float64(len(live))
	t.MinUsedRatio, t.MaxUsedRatio = round3(t.MinUsedRatio), round3(t.MaxUsedRatio)
	t.MeanUsedRatio = round3(sumUsed / n)
	t.MeanRegions, t.MeanLeaders = round3(sumRegions/n), round3(sumLeaders/n)
	return t
}

// selectStores picks, from a large cluster, the stores the ticket names
// (and those of its regions and hot entries), then the stores not Up, the
// fullest, the emptiest (where data would go) and the busiest by regions
// and by leaders, in that order of priority, at most maxSelectedStores.
// The result is in id order.
func (g *gathering) selectStores(live []pd.StoreInfo) []pd.StoreInfo {
	picked := map[pd.StoreID]bool{}
	var order []pd.StoreID
	take := func(id pd.StoreID) {
		if !picked[id] && len(order) < maxSelectedStores {
			picked[id] = true
			order = append(order, id)
		}
	}
	known := map[pd.StoreID]bool{}
	for _, s := range live {
		known[s.Store.ID] = true
	}
	for _, id := range g.ticketStores() {
		if known[id] {
			take(id)
		}
	}
	byDesc := func(less func(a, b pd.StoreInfo) bool, filter func(pd.StoreInfo) bool, n int) {
		c := make([]pd.StoreInfo, 0, len(live))
		for _, s := range live {
			if filter == nil || filter(s) {
				c = append(c, s)
			}
		}
		sort.SliceStable(c, func(i, j int) bool { return less(c[i], c[j]) })
		for _, s := range c[:min(len(c), n)] {
			take(s.Store.ID)
		}
	}
	notUp := func(s pd.StoreInfo) bool { return s.Store.StateName != pd.StateNameUp }
	up := func(s pd.StoreInfo) bool { return !notUp(s) }
	byDesc(func(a, b pd.StoreInfo) bool { return a.Store.ID < b.Store.ID }, notUp, maxNotUpSelected)
	byDesc(func(a, b pd.StoreInfo) bool { return usedRatio(a) > usedRatio(b) }, nil, storeSelectEach)
	byDesc(func(a, b pd.StoreInfo) bool { return usedRatio(a) < usedRatio(b) }, up, storeSelectEach)
	byDesc(func(a, b pd.StoreInfo) bool { return a.Status.RegionCount > b.Status.RegionCount }, nil, storeSelectEach)
	byDesc(func(a, b pd.StoreInfo) bool { return a.Status.LeaderCount > b.Status.LeaderCount }, nil, storeSelectEach)
	out := make([]pd.StoreInfo, 0, len(order))
	for _, s := range live {
		if picked[s.Store.ID] {
			out = append(out, s)
		}
	}
	return out
}

// ticketStores are the stores the ticket and the regions read for it
// name, the ticket's own first.
func (g *gathering) ticketStores() []pd.StoreID {
	var out []pd.StoreID
	seen := map[pd.StoreID]bool{}
	add := func(id uint64) {
		if id > 0 && !seen[pd.StoreID(id)] {
			seen[pd.StoreID(id)] = true
			out = append(out, pd.StoreID(id))
		}
	}
	add(uint64(g.focusStore))
	if g.tikv {
		for _, k := range []string{"store_id", "leader_store_id", "busiest_store_id"} {
			if f, ok := evidenceNumber(g.t.Evidence[k]); ok && f >= 1 {
				add(uint64(f))
			}
		}
		for _, id := range evidenceIDs(g.t.Evidence["replica_store_ids"]) {
			add(id)
		}
	}
	ids := make([]pd.RegionID, 0, len(g.regions))
	for id := range g.regions {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		if r := g.regions[id].info; r != nil {
			for _, p := range r.Peers {
				add(uint64(p.StoreID))
			}
		}
	}
	if g.hot != nil {
		for _, p := range g.hotPeersOfRegion() {
			add(uint64(p.StoreID))
		}
	}
	return out
}

func storesTitle(s *StoresEvidence) string {
	states := make([]string, 0, len(s.Totals.ByState))
	for st := range s.Totals.ByState {
		states = append(states, st)
	}
	sort.Slice(states, func(i, j int) bool {
		return stateOrder(states[i]) < stateOrder(states[j]) || stateOrder(states[i]) == stateOrder(states[j]) && states[i] < states[j]
	})
	parts := make([]string, len(states))
	for i, st := range states {
		// state_name is PD's word; only known words go into a title.
		word := st
		if stateOrder(st) == len(knownStates) {
			word = "in another state"
		}
		parts[i] = fmt.Sprintf("%d %s", s.Totals.ByState[st], word)
	}
	title := fmt.Sprintf("%d stores: %s", s.Total, strings.Join(parts, ", "))
	if s.Listed < s.Total {
		title += fmt.Sprintf(" (%d listed, totals over all)", s.Listed)
	}
	return title
}

var knownStates = []string{"Up", "Disconnected", "Down", "Offline"}

func stateOrder(s string) int {
	for i, k := range knownStates {
		if s == k {
			return i
		}
	}
	return len(knownStates)
}

// configEvidence is PD's scheduling config, with the replication config
// and schedulers where they answered.
func (g *gathering) configEvidence() (*ConfigEvidence, bool) {
	sc := g.schedule
	if sc == nil {
		return nil, false
	}
	c := &ConfigEvidence{
		LeaderScheduleLimit: sc.LeaderScheduleLimit, RegionScheduleLimit: sc.RegionScheduleLimit,
		ReplicaScheduleLimit: sc.ReplicaScheduleLimit, MergeScheduleLimit: sc.MergeScheduleLimit,
		HotRegionScheduleLimit: sc.HotRegionScheduleLimit, LeaderSchedulePolicy: sc.LeaderSchedulePolicy,
		LowSpaceRatio: sc.LowSpaceRatio, HighSpaceRatio: sc.HighSpaceRatio,
		MaxStoreDownTime: sc.MaxStoreDownTime.String(), MaxStoreDownTimeSeconds: sc.MaxStoreDownTime.D().Seconds(),
		EnableRemoveDownReplica: bool(sc.EnableRemoveDownReplica), EnableReplaceOffline: bool(sc.EnableReplaceOfflineReplica),
		EnableMakeUpReplica: bool(sc.EnableMakeUpReplica), EnableRemoveExtra: bool(sc.EnableRemoveExtraReplica),
		HaltScheduling:    bool(sc.HaltScheduling),
		DefaultStoreLimit: StoreLimits{AddPeer: sc.DefaultStoreLimit.AddPeer, RemovePeer: sc.DefaultStoreLimit.RemovePeer},
		EvictLeaderStores: schedulerStores(sc, "evict-leader"),
		GrantLeaderStores: schedulerStores(sc, "grant-leader"),
		LocationLabels:    []string{},
	}
	if r := g.replicate; r != nil {
		c.MaxReplicas = r.MaxReplicas
		c.IsolationLevel = r.IsolationLevel
		c.EnablePlacementRules = bool(r.EnablePlacementRules)
		for _, l := range r.LocationLabels {
			if l = strings.TrimSpace(l); l != "" {
				c.LocationLabels = append(c.LocationLabels, clip(l, maxLabelBytes))
			}
		}
	}
	// Without the pause list, whether a scheduler runs is unknown: leave
	// the list out rather than call paused ones running.
	if g.scheds != nil && g.errs[sourceSchedulers+"-paused"] == nil {
		paused := map[string]time.Time{}
		for _, p := range g.paused {
			paused[p.Name] = p.ResumeAt
		}
		disabled := map[string]bool{}
		for _, d := range g.disabled {
			disabled[d] = true
		}
		names := append([]string(nil), g.scheds...)
		sort.Strings(names)
		c.Schedulers = make([]SchedulerView, 0, len(names))
		for _, n := range names {
			at, p := paused[n]
			c.Schedulers = append(c.Schedulers, SchedulerView{Name: clip(n, maxLabelBytes), Paused: p, ResumeAt: at, Disabled: disabled[n]})
		}
	}
	for i, name := range checkersRead {
		if st := g.checkers[i]; st != nil {
			if c.CheckersPaused == nil {
				c.CheckersPaused = map[string]bool{}
			}
			c.CheckersPaused[name] = st.Paused
		}
	}
	return c, true
}

// schedulerStores lists the stores of a per-store scheduler type in
// schedulers-v2 (PD keeps their ids as the entry's args).
func schedulerStores(sc *pd.ScheduleConfig, typ string) []uint64 {
	var out []uint64
	for _, s := range sc.SchedulersV2 {
		if s.Type != typ || s.Disable {
			continue
		}
		for _, a := range s.Args {
			if id, err := strconv.ParseUint(a, 10, 64); err == nil && id > 0 {
				out = append(out, id)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func configTitle(c *ConfigEvidence) string {
	paused := 0
	for _, s := range c.Schedulers {
		if s.Paused {
			paused++
		}
	}
	sched := "schedulers unknown"
	if c.Schedulers != nil {
		sched = fmt.Sprintf("%d schedulers (%d paused)", len(c.Schedulers), paused)
	}
	repl := "max-replicas unknown"
	if c.MaxReplicas > 0 {
		repl = fmt.Sprintf("max-replicas %d", c.MaxReplicas)
	}
	halt := ""
	if c.HaltScheduling {
		halt = ", scheduling halted"
	}
	return fmt.Sprintf("PD's scheduling config: %s, %s%s", repl, sched, halt)
}
