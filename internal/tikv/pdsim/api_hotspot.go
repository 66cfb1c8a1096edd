package pdsim

import (
	"net/http"
	"strconv"
	"time"
)

type hotPeerJSON struct {
	StoreID        uint64    `json:"store_id"`
	Stores         []uint64  `json:"stores"`
	IsLeader       bool      `json:"is_leader"`
	IsLearner      bool      `json:"is_learner"`
	RegionID       uint64    `json:"region_id"`
	HotDegree      int       `json:"hot_degree"`
	FlowBytes      float64   `json:"flow_bytes"`
	FlowKeys       float64   `json:"flow_keys"`
	FlowQuery      float64   `json:"flow_query"`
	FlowCPU        float64   `json:"flow_cpu"`
	AntiCount      int       `json:"anti_count"`
	LastUpdateTime time.Time `json:"last_update_time"`
}

type hotStoreJSON struct {
	StoreBytes     float64       `json:"store_bytes"`
	StoreKeys      float64       `json:"store_keys"`
	StoreQuery     float64       `json:"store_query"`
	StoreCPU       float64       `json:"store_cpu"`
	TotalFlowBytes float64       `json:"total_flow_bytes"`
	TotalFlowKeys  float64       `json:"total_flow_keys"`
	TotalFlowQuery float64       `json:"total_flow_query"`
	TotalFlowCPU   float64       `json:"total_flow_cpu"`
	RegionsCount   int           `json:"regions_count"`
	Statistics     []hotPeerJSON `json:"statistics"`
}

func (s *Server) hotspotRoutes() {
	s.handle("GET", "/pd/api/v1/hotspot/regions/write", s.needsCluster(s.getHotRegions(false)))
	s.handle("GET", "/pd/api/v1/hotspot/regions/read", s.needsCluster(s.getHotRegions(true)))
	s.handle("GET", "/pd/api/v1/hotspot/stores", s.needsCluster(s.getHotStores))
	s.handle("GET", "/pd/api/v1/hotspot/buckets", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{}) })
	s.handle("GET", "/pd/api/v1/hotspot/regions/history", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := readBody(r, &in); err != nil {
			writeJSON(w, 400, err.Error())
			return
		}
		writeJSON(w, 200, map[string]any{"history_hot_region": []any{}})
	})
}

// rate is a region's flow for the direction asked.
func rate(r *Region, read bool) float64 {
	if read {
		return r.readRate
	}
	return r.writeRate
}

// getHotRegions reports, per Up store, the hot peers PD's hot cache holds:
// regions that stayed above the threshold for hot-region-cache-hits-threshold
// reports. Writes count on every peer; reads on the leader.
func (s *Server) getHotRegions(read bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var only StoreID
		if v := r.URL.Query().Get("store_id"); v != "" {
			id, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				writeJSON(w, 400, "invalid store id: "+v)
				return
			}
			only = StoreID(id)
		}
		s.read(func(c *Cluster) {
			if only != 0 && c.stores[only] == nil {
				writeJSON(w, 500, storeNotFound(500, only).msg)
				return
			}
			asPeer, asLeader := map[string]*hotStoreJSON{}, map[string]*hotStoreJSON{}
			for _, st := range c.sortedStores() {
				if st.State == StateTombstone || (only != 0 && st.ID != only) {
					continue
				}
				k := strconv.FormatUint(uint64(st.ID), 10)
				asPeer[k] = &hotStoreJSON{Statistics: []hotPeerJSON{}}
				asLeader[k] = &hotStoreJSON{Statistics: []hotPeerJSON{}}
			}
			threshold := int(c.schedule.HotRegionCacheHitsThreshold)
			for _, rg := range c.flowRegions() {
				flow := rate(rg, read)
				for _, p := range rg.Peers {
					k := strconv.FormatUint(uint64(p.StoreID), 10)
					isLeader := p.ID == rg.Leader
					for _, leaderView := range []bool{false, true} {
						hs := asPeer[k]
						if leaderView {
							hs = asLeader[k]
						}
						// Reads are served by leaders; the leader view only has leaders.
						if hs == nil || ((read || leaderView) && !isLeader) {
							continue
						}
						hs.StoreBytes += flow
						hs.StoreKeys += flow / 1024
						if rg.hotHits < threshold || flow < hotMinBytesRate {
							continue
						}
						var stores []uint64
						for _, sid := range rg.storeIDs() {
							stores = append(stores, uint64(sid))
						}
						hs.TotalFlowBytes += flow
						hs.TotalFlowKeys += flow / 1024
						hs.RegionsCount++
						hs.Statistics = append(hs.Statistics, hotPeerJSON{
							StoreID: uint64(p.StoreID), Stores: stores, IsLeader: isLeader, IsLearner: p.Role == RoleLearner,
							RegionID: uint64(rg.ID), HotDegree: rg.hotHits, FlowBytes: flow, FlowKeys: flow / 1024,
							AntiCount: 2, LastUpdateTime: c.now.UTC().Truncate(time.Second),
						})
					}
				}
			}
			writeJSON(w, 200, map[string]any{"as_peer": asPeer, "as_leader": asLeader})
		})
	}
}

// getHotStores reports per-store flow rates from store heartbeats.
func (s *Server) getHotStores(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		names := []string{"bytes-write-rate", "bytes-read-rate", "keys-write-rate", "keys-read-rate", "query-write-rate", "query-read-rate", "cpu-read-rate"}
		out := map[string]map[string]float64{}
		for _, n := range names {
			out[n] = map[string]float64{}
		}
		for _, st := range c.sortedStores() {
			if st.State == StateTombstone {
				continue
			}
			k := strconv.FormatUint(uint64(st.ID), 10)
			for _, n := range names {
				out[n][k] = 0
			}
		}
		for _, rg := range c.flowRegions() {
			for _, p := range rg.Peers {
				k := strconv.FormatUint(uint64(p.StoreID), 10)
				if _, ok := out["bytes-write-rate"][k]; !ok {
					continue
				}
				out["bytes-write-rate"][k] += rg.writeRate
				out["keys-write-rate"][k] += rg.writeRate / 1024
				if p.ID == rg.Leader {
					out["bytes-read-rate"][k] += rg.readRate
					out["keys-read-rate"][k] += rg.readRate / 1024
				}
			}
		}
		writeJSON(w, 200, out)
	})
}
