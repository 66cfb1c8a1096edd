package observe

import (
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// A store that stops heartbeating takes its replicas with it: PD then lists
// every region with a replica there under down-peer. That is one problem
// (the store), so those regions are evidence on the store-down ticket rather
// than a region-down-peer ticket of their own. A down replica is put down to
// its store when the store is silent now (see Config.silent), was silent
// within StoreRecoveryGrace (leaders report a recovered replica only in
// their next region heartbeat), or has not heartbeated for about as long
// as the replica has been down (down_seconds, give or take DisconnectAfter;
// the store went quiet first, even if it is not yet past DisconnectAfter).

// downPeerCause says which down replicas in PD's down-peer sample the
// observed stores explain.
type downPeerCause struct {
	// explained is true when every sampled down replica is on a silent
	// store and PD's total fits on those stores, so no region-down-peer
	// violation is needed.
	explained bool
	// total is PD's count of regions with a down replica.
	total int
	// byStore lists, per explaining store, the sampled regions with a down
	// replica there.
	byStore map[pd.StoreID][]uint64
}

// downPeerCauses attributes the down-peer sample to silent stores.
func (cfg Config) downPeerCauses(d *Data, now time.Time) downPeerCause {
	list := d.RegionChecks[pd.CheckDownPeer]
	if list == nil || list.Count == 0 || len(list.Regions) == 0 {
		return downPeerCause{}
	}
	c := downPeerCause{total: list.Count, byStore: map[pd.StoreID][]uint64{}}
	all := true
	for _, r := range list.Regions {
		if len(r.DownPeers) == 0 {
			all = false // PD listed it, but we cannot see why
			continue
		}
		for _, p := range r.DownPeers {
			if !cfg.explainsDownPeer(d, now, p) {
				all = false
				continue
			}
			ids := c.byStore[p.Peer.StoreID]
			if len(ids) == 0 || ids[len(ids)-1] != uint64(r.ID) {
				c.byStore[p.Peer.StoreID] = append(ids, uint64(r.ID))
			}
		}
	}
	if !all {
		return c
	}
	// The sample is PD's first page. Past it, the silent stores can hold at
	// most the regions they have replicas of; a larger total means down
	// replicas elsewhere too.
	if list.Count > len(list.Regions) {
		room := 0
		for id := range c.byStore {
			if s, ok := d.store(id); ok {
				room += s.Status.RegionCount
			}
		}
		if list.Count > room {
			return c
		}
	}
	c.explained = true
	return c
}

// explainsDownPeer reports whether the down replica's store explains it.
func (cfg Config) explainsDownPeer(d *Data, now time.Time, p pd.DownPeer) bool {
	s, ok := d.store(p.Peer.StoreID)
	if !ok {
		return false
	}
	pdNow := d.clock(now)
	if _, silent := cfg.silent(s, pdNow); silent {
		return true
	}
	if at, ok := d.RecentlySilent[s.Store.ID]; ok && now.Sub(at) <= cfg.StoreRecoveryGrace {
		return true
	}
	// The slack covers the store list and the down-peer list being read at
	// different moments (and PD rounding down_seconds): a live store's
	// heartbeat is at most ~10s old, while TiKV reports a replica down
	// only after max-peer-down-duration (10m by default).
	age, ever := heartbeatAge(s, pdNow)
	return ever && p.DownSeconds > 0 && age+cfg.DisconnectAfter >= time.Duration(p.DownSeconds)*time.Second
}

// downPeersOf returns PD's down-peer total and the sampled regions with a
// down replica on the store, when the store's silence explains the list.
func (cfg Config) downPeersOf(d *Data, now time.Time, id pd.StoreID) (int, []uint64) {
	c := cfg.downPeerCauses(d, now)
	if !c.explained {
		return 0, nil
	}
	ids := c.byStore[id]
	if len(ids) == 0 {
		return 0, nil
	}
	return c.total, ids
}
