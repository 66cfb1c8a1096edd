package pdsim

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// urgent reports whether repairs of this kind may replace a scheduler's
// operator: offline and down peers threaten availability; balance does not.
func urgent(flag checkFlags) bool { return flag == flagOfflinePeer || flag == flagDownPeer }

// replaceable is PD's priority rule as pdsim models it: operators created by
// schedulers (medium priority) give way to the rule checker's high-priority
// repairs. Admin operators and repairs are never replaced.
func replaceable(op *operator) bool {
	return op.kind&(kindAdmin|kindReplica) == 0 && op.desc != "remove-orphan-peer" && op.desc != "leave-joint-state"
}

// leaderPair is a source and a target store for a leader move.
type leaderPair struct{ src, dst *Store }

// balanceInterval is how often balance-leader-scheduler looks for work.
const balanceInterval = 5 * time.Second

// balanceLeaders is a small model of PD's balance-leader-scheduler: while
// the leader scores of healthy stores differ by more than a tolerance, it
// moves one leader at a time from the highest-scored store to the lowest,
// up to leader-schedule-limit operators at once. Like PD's, it undoes a
// manual leader imbalance within minutes unless it is paused or removed.
func (c *Cluster) balanceLeaders() {
	if !c.schedulerActive("balance-leader-scheduler") || c.now.Before(c.nextBalance) {
		return
	}
	c.nextBalance = c.now.Add(balanceInterval)
	running := 0
	for _, op := range c.ops.running {
		if op.desc == "balance-leader-scheduler" {
			running++
		}
	}
	if running >= int(c.schedule.LeaderScheduleLimit) {
		return
	}
	evicted := map[StoreID]bool{}
	if p := c.sched["evict-leader-scheduler"]; p != nil {
		for _, id := range p.evictStores {
			evicted[id] = true
		}
	}
	var healthy []*Store
	total := 0.0
	for _, s := range c.sortedStores() {
		if s.State != StateUp || s.killed || c.stateName(s) != "Up" || evicted[s.ID] {
			continue
		}
		healthy = append(healthy, s)
		total += c.leaderScore(s)
	}
	if len(healthy) < 2 || len(c.byKey) == 0 {
		return
	}
	// PD tolerates a small spread so it does not chase single leaders back
	// and forth: here 5% of the mean, and never less than 3 leaders.
	tolerance := math.Max(3, 0.05*total/float64(len(healthy)))
	// Like PD, try the most unbalanced pairs first: leaders out of the
	// highest store, or into the lowest, whichever pair shares a region.
	var pairs []leaderPair
	for _, a := range healthy {
		for _, b := range healthy {
			if c.leaderScore(a)-c.leaderScore(b) > tolerance {
				pairs = append(pairs, leaderPair{a, b})
			}
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		di := c.leaderScore(pairs[i].src) - c.leaderScore(pairs[i].dst)
		dj := c.leaderScore(pairs[j].src) - c.leaderScore(pairs[j].dst)
		if di != dj {
			return di > dj
		}
		return pairs[i].src.ID < pairs[j].src.ID || (pairs[i].src.ID == pairs[j].src.ID && pairs[i].dst.ID < pairs[j].dst.ID)
	})
	if len(pairs) == 0 {
		return
	}
	// The same pairs in an unchanged model have no region to move either:
	// do not scan every region again (a pair of stores that share no
	// region would otherwise cost a full scan every few seconds forever).
	keys := make([][2]StoreID, len(pairs))
	for i, pr := range pairs {
		keys[i] = [2]StoreID{pr.src.ID, pr.dst.ID}
	}
	if c.balanceMiss.changes == c.changes && slices.Equal(c.balanceMiss.pairs, keys) {
		return
	}
	i, r := c.leaderToMove(pairs)
	if r == nil {
		c.balanceMiss.changes, c.balanceMiss.pairs = c.changes, keys
		return
	}
	pr := pairs[i]
	op := newOperator("balance-leader-scheduler", fmt.Sprintf("transfer leader: store %d to %d", pr.src.ID, pr.dst.ID),
		r, kindLeader, []step{{kind: stepTransferLeader, from: pr.src.ID, to: pr.dst.ID}}, c.now)
	c.addOperator(op)
}

// leaderToMove finds, for the first pair (in the order given) that has one,
// an idle region led from its source with a healthy voter on its target.
// It makes one pass over the regions, starting at a random one so moves
// spread over the key space, and stops early once the first pair has a
// region: a pair of stores that share no region costs one pass, not one
// per pair.
func (c *Cluster) leaderToMove(pairs []leaderPair) (int, *Region) {
	index := make(map[[2]StoreID]int, len(pairs))
	for i, pr := range pairs {
		index[[2]StoreID{pr.src.ID, pr.dst.ID}] = i
	}
	found := make([]*Region, len(pairs))
	left := len(pairs)
	start := c.rng.IntN(len(c.byKey))
	sources := make(map[StoreID]bool, len(pairs))
	for _, pr := range pairs {
		sources[pr.src.ID] = true
	}
	for i := range c.byKey {
		r := c.byKey[(start+i)%len(c.byKey)]
		src := r.leaderStore()
		if !sources[src] || c.ops.running[r.ID] != nil {
			continue
		}
		for _, p := range r.Peers {
			k, ok := index[[2]StoreID{src, p.StoreID}]
			if !ok || found[k] != nil || p.Role != RoleVoter || r.Pending[p.ID] {
				continue
			}
			if _, down := r.DownSince[p.ID]; down {
				continue
			}
			found[k] = r
			left--
		}
		if left == 0 || found[0] != nil {
			break
		}
	}
	for i, r := range found {
		if r != nil {
			return i, r
		}
	}
	return 0, nil
}
