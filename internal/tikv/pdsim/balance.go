package pdsim

import (
	"fmt"
	"math"
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
	return op.kind&(kindAdmin|kindReplica) == 0 && op.desc != "remove-orphan-peer"
}

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
	type pair struct{ src, dst *Store }
	var pairs []pair
	for _, a := range healthy {
		for _, b := range healthy {
			if c.leaderScore(a)-c.leaderScore(b) > tolerance {
				pairs = append(pairs, pair{a, b})
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
	for _, pr := range pairs {
		if r := c.leaderToMove(pr.src.ID, pr.dst.ID); r != nil {
			op := newOperator("balance-leader-scheduler", fmt.Sprintf("transfer leader: store %d to %d", pr.src.ID, pr.dst.ID),
				r, kindLeader, []step{{kind: stepTransferLeader, from: pr.src.ID, to: pr.dst.ID}}, c.now)
			c.addOperator(op)
			return
		}
	}
}

// leaderToMove finds an idle region led from src with a healthy voter on dst,
// starting the scan at a random region so moves spread over the key space.
func (c *Cluster) leaderToMove(src, dst StoreID) *Region {
	start := c.rng.IntN(len(c.byKey))
	for i := range c.byKey {
		r := c.byKey[(start+i)%len(c.byKey)]
		if r.leaderStore() != src || c.ops.running[r.ID] != nil {
			continue
		}
		p := r.peerOnStore(dst)
		if p == nil || p.Role != RoleVoter || r.Pending[p.ID] {
			continue
		}
		if _, down := r.DownSince[p.ID]; down {
			continue
		}
		return r
	}
	return nil
}
