package pdsim

// regionStats is what PD's region statistics show (regions/check/* and
// pd_regions_status). PD updates them when a region heartbeat brings a
// changed region, or when its checkers patrol the region; it does not
// recompute them when a store changes state. So after a store goes Offline
// while nothing moves (scheduling halted, or the rule checker paused),
// check/offline-peer stays empty in PD (shared/pd/README.md, section 14.12),
// and so it does here. The checkers themselves act on the true flags.
type regionStats struct {
	shown map[checkFlags]map[RegionID]struct{}
	// stale holds regions whose true flags differ from what is shown.
	stale map[RegionID]struct{}
}

func newRegionStats() regionStats {
	st := regionStats{shown: map[checkFlags]map[RegionID]struct{}{}, stale: map[RegionID]struct{}{}}
	for _, f := range checkKinds {
		st.shown[f] = map[RegionID]struct{}{}
	}
	return st
}

// track notes whether a region's statistics are behind its true flags.
func (st *regionStats) track(r *Region) {
	if r.flags&statFlags != r.shown {
		st.stale[r.ID] = struct{}{}
	} else {
		delete(st.stale, r.ID)
	}
}

// publish makes the statistics show a region as it is: a heartbeat with a
// change, or a patrol, reached PD.
func (c *Cluster) publish(r *Region) {
	st := &c.stats
	if f := r.flags & statFlags; r.shown != f {
		for _, flag := range checkKinds {
			if f&flag != 0 {
				st.shown[flag][r.ID] = struct{}{}
			} else if r.shown&flag != 0 {
				delete(st.shown[flag], r.ID)
			}
		}
		r.shown = f
	}
	delete(st.stale, r.ID)
}

// publishStale is the checkers' patrol catching up on every region whose
// statistics are behind.
func (c *Cluster) publishStale() {
	for id := range c.stats.stale {
		if r := c.regions[id]; r != nil {
			c.publish(r)
		} else {
			delete(c.stats.stale, id)
		}
	}
}

// forget drops a region that no longer exists from the statistics.
func (st *regionStats) forget(id RegionID) {
	for _, f := range checkKinds {
		delete(st.shown[f], id)
	}
	delete(st.stale, id)
}
