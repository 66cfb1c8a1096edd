package pdsim

import (
	"sort"
	"strconv"
	"time"
)

// appendPeer writes a peer the way PD's region API does: protobuf-style,
// zero fields omitted, role_name always present.
func appendPeer(b []byte, p Peer) []byte {
	b = append(b, `{"role_name":"`...)
	b = append(b, p.Role.String()...)
	b = append(b, '"')
	if p.Role == RoleLearner {
		b = append(b, `,"is_learner":true`...)
	}
	if p.ID != 0 {
		b = append(b, `,"id":`...)
		b = strconv.AppendUint(b, uint64(p.ID), 10)
	}
	if p.StoreID != 0 {
		b = append(b, `,"store_id":`...)
		b = strconv.AppendUint(b, uint64(p.StoreID), 10)
	}
	if p.Role != RoleVoter {
		b = append(b, `,"role":`...)
		b = strconv.AppendInt(b, int64(p.Role), 10)
	}
	return append(b, '}')
}

// appendRegion writes one region object in PD's field order.
func (c *Cluster) appendRegion(b []byte, r *Region) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, uint64(r.ID), 10)
	b = append(b, `,"start_key":"`...)
	b = append(b, r.StartKey...)
	b = append(b, `","end_key":"`...)
	b = append(b, r.EndKey...)
	b = append(b, `","epoch":{"conf_ver":`...)
	b = strconv.AppendUint(b, r.Epoch.ConfVer, 10)
	b = append(b, `,"version":`...)
	b = strconv.AppendUint(b, r.Epoch.Version, 10)
	b = append(b, `},"peers":[`...)
	for i, p := range r.Peers {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPeer(b, p)
	}
	b = append(b, `],"leader":`...)
	if lp := r.leaderPeer(); lp != nil {
		b = appendPeer(b, *lp)
	} else {
		b = appendPeer(b, Peer{})
	}
	if len(r.DownSince) > 0 {
		b = append(b, `,"down_peers":[`...)
		first := true
		for _, id := range sortedPeerIDs(r.DownSince) {
			p := r.peerByID(id)
			if p == nil {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, `{"peer":`...)
			b = appendPeer(b, *p)
			b = append(b, `,"down_seconds":`...)
			secs := int64(c.now.Sub(r.DownSince[id]) / time.Second)
			b = strconv.AppendInt(b, max(secs, 0), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(r.Pending) > 0 {
		b = append(b, `,"pending_peers":[`...)
		first := true
		for _, p := range r.Peers {
			if !r.Pending[p.ID] {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendPeer(b, p)
		}
		b = append(b, ']')
	}
	b = append(b, `,"cpu_usage":0,"written_bytes":`...)
	b = strconv.AppendUint(b, r.WrittenBytes, 10)
	b = append(b, `,"read_bytes":`...)
	b = strconv.AppendUint(b, r.ReadBytes, 10)
	b = append(b, `,"written_keys":`...)
	b = strconv.AppendUint(b, r.WrittenKeys, 10)
	b = append(b, `,"read_keys":`...)
	b = strconv.AppendUint(b, r.ReadKeys, 10)
	b = append(b, `,"approximate_size":`...)
	b = strconv.AppendInt(b, r.ApproxSize, 10)
	b = append(b, `,"approximate_keys":`...)
	b = strconv.AppendInt(b, r.ApproxKeys, 10)
	b = append(b, `,"approximate_kv_size":0,"approximate_columnar_kv_size":0}`...)
	return b
}

func sortedPeerIDs(m map[PeerID]time.Time) []PeerID {
	ids := make([]PeerID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// appendRegions writes {"count":N,"regions":[...]}.
func (c *Cluster) appendRegions(b []byte, rs []*Region) []byte {
	return c.appendRegionPage(b, len(rs), rs)
}

// appendRegionPage writes one page of a list whose total is count.
func (c *Cluster) appendRegionPage(b []byte, count int, rs []*Region) []byte {
	b = append(b, `{"count":`...)
	b = strconv.AppendInt(b, int64(count), 10)
	b = append(b, `,"regions":[`...)
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = c.appendRegion(b, r)
	}
	return append(b, "]}"...)
}

// storeJSON is one entry of /stores, in PD's field order with PD's omissions.
type storeJSON struct {
	Store  storeMetaJSON   `json:"store"`
	Status storeStatusJSON `json:"status"`
}

type labelJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type storeMetaJSON struct {
	ID                  uint64      `json:"id,omitempty"`
	Address             string      `json:"address,omitempty"`
	State               int         `json:"state,omitempty"`
	Labels              []labelJSON `json:"labels,omitempty"`
	Version             string      `json:"version,omitempty"`
	StatusAddress       string      `json:"status_address,omitempty"`
	GitHash             string      `json:"git_hash,omitempty"`
	StartTimestamp      int64       `json:"start_timestamp,omitempty"`
	DeployPath          string      `json:"deploy_path,omitempty"`
	LastHeartbeat       int64       `json:"last_heartbeat,omitempty"`
	PhysicallyDestroyed bool        `json:"physically_destroyed,omitempty"`
	NodeState           int         `json:"node_state,omitempty"`
	StateName           string      `json:"state_name"`
}

type storeStatusJSON struct {
	Capacity           string  `json:"capacity"`
	Available          string  `json:"available"`
	UsedSize           string  `json:"used_size"`
	LeaderCount        int     `json:"leader_count"`
	LeaderWeight       float64 `json:"leader_weight"`
	LeaderScore        float64 `json:"leader_score"`
	LeaderSize         int64   `json:"leader_size"`
	RegionCount        int     `json:"region_count"`
	RegionWeight       float64 `json:"region_weight"`
	RegionScore        float64 `json:"region_score"`
	RegionSize         int64   `json:"region_size"`
	LearnerCount       int     `json:"learner_count,omitempty"`
	WitnessCount       int     `json:"witness_count,omitempty"`
	PendingPeerCount   int     `json:"pending_peer_count,omitempty"`
	SlowScore          uint64  `json:"slow_score,omitempty"`
	SlowTrend          any     `json:"slow_trend,omitempty"`
	SendingSnapCount   int     `json:"sending_snap_count,omitempty"`
	ReceivingSnapCount int     `json:"receiving_snap_count,omitempty"`
	IsBusy             bool    `json:"is_busy,omitempty"`
	StartTS            string  `json:"start_ts"`
	LastHeartbeatTS    string  `json:"last_heartbeat_ts"`
	Uptime             string  `json:"uptime,omitempty"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (c *Cluster) storeView(s *Store) storeJSON {
	m := storeMetaJSON{
		ID: uint64(s.ID), Address: s.Address, State: int(s.State), Version: s.Version,
		StatusAddress: statusAddress(s), PhysicallyDestroyed: s.PhysicallyDestroyed,
		NodeState: int(s.NodeState), StateName: c.stateName(s),
	}
	if !s.StartTime.IsZero() {
		m.StartTimestamp = s.StartTime.Unix()
	}
	if !s.NeverHeartbeat && !s.LastHeartbeat.IsZero() {
		m.LastHeartbeat = s.LastHeartbeat.UnixNano()
	}
	for _, l := range s.Labels {
		m.Labels = append(m.Labels, labelJSON{Key: l.Key, Value: l.Value})
	}
	st := storeStatusJSON{
		Capacity:           humanBytes(s.Capacity),
		Available:          humanBytes(s.Available),
		UsedSize:           humanBytes(s.usedSize()),
		LeaderCount:        s.leaderCount,
		LeaderWeight:       s.LeaderWeight,
		LeaderScore:        c.leaderScore(s),
		LeaderSize:         s.leaderSize,
		RegionCount:        s.regionCount,
		RegionWeight:       s.RegionWeight,
		RegionScore:        c.regionScore(s),
		RegionSize:         s.regionSize,
		LearnerCount:       s.learnerCount,
		PendingPeerCount:   s.pendingCount,
		SendingSnapCount:   s.sendingSnaps,
		ReceivingSnapCount: s.receivingSnaps,
		StartTS:            rfc3339(s.StartTime),
		LastHeartbeatTS:    rfc3339(s.LastHeartbeat),
	}
	if s.NeverHeartbeat {
		st.LastHeartbeatTS = rfc3339(time.Time{})
	} else if !s.StartTime.IsZero() {
		st.Uptime = s.LastHeartbeat.Sub(s.StartTime).String()
	}
	if s.extraLatency > 0 {
		// TiKV's slow score rises with latency (1 healthy .. 100 slowest).
		st.SlowScore = uint64(min(100, 1+s.extraLatency/(10*time.Millisecond)))
	}
	return storeJSON{Store: m, Status: st}
}

func statusAddress(s *Store) string {
	if s.NeverHeartbeat {
		return ""
	}
	return "tikv-" + strconv.FormatUint(uint64(s.ID), 10) + ":20180"
}
