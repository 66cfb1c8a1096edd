package pdsim

import (
	"fmt"
	"math"
	"time"
)

// stateName is PD's derived state_name: the stored state, or for an Up
// store its heartbeat age (Disconnected after 20s, Down after
// max-store-down-time). A store that never heartbeated is Down at once.
func (c *Cluster) stateName(s *Store) string {
	switch s.State {
	case StateOffline:
		return "Offline"
	case StateTombstone:
		return "Tombstone"
	}
	if s.NeverHeartbeat {
		return "Down"
	}
	age := c.now.Sub(s.LastHeartbeat)
	if age > c.schedule.MaxStoreDownTime.Duration {
		return "Down"
	}
	if age > c.opts.DisconnectAfter {
		return "Disconnected"
	}
	return "Up"
}

// upStoresAfterRemoving counts stores that would still hold replicas.
func (c *Cluster) upStores() int {
	n := 0
	for _, s := range c.stores {
		if s.State == StateUp && !s.PhysicallyDestroyed {
			n++
		}
	}
	return n
}

// unlimitedStoreLimit is PD's "no limit" store limit rate.
const unlimitedStoreLimit = 100000000

// setOffline starts a graceful removal, refusing like PD when too few Up
// stores would remain for max-replicas.
func (c *Cluster) setOffline(s *Store, force bool) *apiError {
	if s.State == StateTombstone {
		return errStatus(410, "[PD:core:ErrStoreRemoved]store %d has been removed", s.ID)
	}
	if s.State == StateUp {
		if left := c.upStores() - 1; left < int(c.replicate.MaxReplicas) {
			return errStatus(400, "[PD:core:ErrStoresNotEnough]can not remove store %d since the number of up stores would be %d while need %d",
				s.ID, left, c.replicate.MaxReplicas)
		}
		s.State = StateOffline
		s.NodeState = NodeRemoving
		s.removeStart = c.now
		s.removeStartSize = s.regionSize
		// PD lifts the removing store's remove-peer limit, remembering the
		// old one for a later Up.
		s.prevRemoveLimit, s.limitRemovePeer = s.limitRemovePeer, unlimitedStoreLimit
		c.reflagStore(s.ID)
	}
	if force {
		s.PhysicallyDestroyed = true
	}
	return nil
}

// setUp cancels a removal.
func (c *Cluster) setUp(s *Store) *apiError {
	if s.State == StateTombstone {
		return errStatus(410, "[PD:core:ErrStoreRemoved]store %d has been removed", s.ID)
	}
	if s.PhysicallyDestroyed {
		return errStatus(400, "[PD:core:ErrStoreDestroyed]store %d has been physically destroyed", s.ID)
	}
	if s.State == StateOffline {
		s.State = StateUp
		s.NodeState = NodeServing
		s.removeStart = time.Time{}
		if s.prevRemoveLimit > 0 {
			s.limitRemovePeer, s.prevRemoveLimit = s.prevRemoveLimit, 0
		}
		c.reflagStore(s.ID)
	}
	return nil
}

// reflagStore refreshes offline-peer statistics of the store's regions. PD
// only refreshes them on region heartbeats; pdsim does it at once, which is
// what PD shows as soon as anything moves.
func (c *Cluster) reflagStore(id StoreID) {
	for _, r := range c.byKey {
		if r.peerOnStore(id) != nil {
			c.reflag(r)
		}
	}
}

// progress is /stores/progress for a removing store.
type progress struct {
	Action       string  `json:"action"`
	StoreID      uint64  `json:"store_id,omitempty"`
	Progress     float64 `json:"progress"`
	CurrentSpeed float64 `json:"current_speed"`
	LeftSeconds  float64 `json:"left_seconds"`
}

func (c *Cluster) removeProgress(s *Store) (progress, bool) {
	if s.State == StateUp && s.NodeState == NodePreparing {
		return progress{Action: "preparing", StoreID: uint64(s.ID), LeftSeconds: math.MaxFloat64}, true
	}
	if s.State != StateOffline {
		return progress{}, false
	}
	p := progress{Action: "removing", StoreID: uint64(s.ID), LeftSeconds: math.MaxFloat64}
	total := float64(s.removeStartSize)
	moved := total - float64(s.regionSize)
	if total > 0 {
		p.Progress = math.Max(0, moved/total)
	}
	el := c.now.Sub(s.removeStart).Seconds()
	if el > 0 && moved > 0 {
		p.CurrentSpeed = moved / el
		p.LeftSeconds = float64(s.regionSize) / p.CurrentSpeed
	}
	return p, true
}

// humanBytes renders sizes as PD does (go-units, 4 significant digits, binary units).
func humanBytes(n uint64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := float64(n)
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.4g%s", v, units[i])
}

// regionScore is PD's region score, formula v2.
func (c *Cluster) regionScore(s *Store) float64 {
	const gib = float64(1 << 30)
	A := float64(s.Available) / gib
	C := float64(s.Capacity) / gib
	R := float64(s.regionSize)
	K, M, B := 1.0, 256.0, 1e7
	F := math.Max(50, C*(1-c.schedule.LowSpaceRatio))
	var score float64
	switch {
	case A >= C || C < 1:
		score = R
	case A > F:
		score = (K + M*(math.Log(C)-math.Log(A-F+1))/(C-A+F-1)) * R
	default:
		score = (K+M*math.Log(C)/C)*R + B*(F-A)/F
	}
	w := s.RegionWeight
	if w <= 0 {
		w = 1e-6
	}
	return score / w
}

func (c *Cluster) leaderScore(s *Store) float64 {
	w := s.LeaderWeight
	if w <= 0 {
		w = 1e-6
	}
	if c.schedule.LeaderSchedulePolicy == "size" {
		return float64(s.leaderSize) / w
	}
	return float64(s.leaderCount) / w
}
