package actions

import (
	"context"
	"fmt"
	"strings"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// A Raft region stays available while a majority of its voters is
// healthy. These helpers count that majority the pessimistic way: a voter
// whose store is not Up (Disconnected, Down, or Offline and so about to
// lose it) or that the region reports down or pending is not counted.

// storeHealth reads the stores PD still counts (Tombstone ones are left
// out) and splits them into the Up ones and the others, with their state.
func (p *preflight) storeHealth(ctx context.Context) ([]pd.StoreInfo, map[pd.StoreID]pd.StoreStateName, error) {
	stores, err := p.pdc.GetStores(ctx, pd.GetStoresOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("read stores: %w", err)
	}
	var up []pd.StoreInfo
	unhealthy := map[pd.StoreID]pd.StoreStateName{}
	for _, s := range stores.Stores {
		switch s.Store.StateName {
		case pd.StateNameUp:
			up = append(up, s)
		case pd.StateNameTombstone:
		default: // Down, Disconnected, Offline
			unhealthy[s.Store.ID] = s.Store.StateName
		}
	}
	return up, unhealthy, nil
}

// voterHealth lists the region's voters and, for each one that cannot be
// counted on, why.
func voterHealth(r *pd.RegionInfo, unhealthy map[pd.StoreID]pd.StoreStateName) ([]pd.RegionPeer, map[pd.PeerID]string) {
	var voters []pd.RegionPeer
	why := map[pd.PeerID]string{}
	for _, q := range r.Peers {
		if !isVoter(q) {
			continue
		}
		voters = append(voters, q)
		var reasons []string
		if state, bad := unhealthy[q.StoreID]; bad {
			reasons = append(reasons, "store "+string(state))
		}
		if downIn(r.DownPeers, q.ID) {
			reasons = append(reasons, fmt.Sprintf("peer %d down", q.ID))
		}
		if peerIn(r.PendingPeers, q.ID) {
			reasons = append(reasons, fmt.Sprintf("peer %d pending", q.ID))
		}
		if len(reasons) > 0 {
			why[q.ID] = strings.Join(reasons, ", ")
		}
	}
	return voters, why
}

// healthyWithout counts the voters, and the healthy ones among them,
// leaving out the voter on store except (0 leaves out none).
func healthyWithout(voters []pd.RegionPeer, why map[pd.PeerID]string, except pd.StoreID) (healthy, total int) {
	for _, q := range voters {
		if except != 0 && q.StoreID == except {
			continue
		}
		total++
		if why[q.ID] == "" {
			healthy++
		}
	}
	return healthy, total
}

// describeVoters names the voters' stores and the unhealthy ones, for a
// refusal a human can check: "voters on stores 1, 2, 3; not healthy:
// store 2 (store Disconnected, peer 7 down)".
func describeVoters(voters []pd.RegionPeer, why map[pd.PeerID]string) string {
	out := "voters on stores " + peerStores(voters)
	var bad []string
	for _, q := range voters {
		if w := why[q.ID]; w != "" {
			bad = append(bad, fmt.Sprintf("store %d (%s)", q.StoreID, w))
		}
	}
	if len(bad) == 0 {
		return out + "; all healthy"
	}
	return out + "; not healthy: " + strings.Join(bad, ", ")
}
