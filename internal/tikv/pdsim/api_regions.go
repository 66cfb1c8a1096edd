package pdsim

import (
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

func (s *Server) regionsRoutes() {
	s.handle("GET", "/pd/api/v1/regions", s.needsCluster(s.getRegions))
	s.handle("GET", "/pd/api/v1/regions/count", s.needsCluster(s.getRegionCount))
	s.handle("GET", "/pd/api/v1/region/id/{id}", s.needsCluster(s.getRegionByID))
	s.handle("GET", "/pd/api/v1/region/key/{key}", s.needsCluster(s.getRegionByKey))
	s.handle("GET", "/pd/api/v1/regions/key", s.needsCluster(s.getRegionsByKey))
	s.handle("GET", "/pd/api/v1/regions/store/{id}", s.needsCluster(s.getRegionsByStore))
	s.handle("GET", "/pd/api/v1/regions/sibling/{id}", s.needsCluster(s.getSiblings))
	s.handle("GET", "/pd/api/v1/regions/check/{kind}", s.needsCluster(s.getRegionsCheck))
	s.handle("GET", "/pd/api/v1/regions/check/hist-size", s.needsCluster(s.getHist(false)))
	s.handle("GET", "/pd/api/v1/regions/check/hist-keys", s.needsCluster(s.getHist(true)))
	s.handle("GET", "/pd/api/v1/regions/{metric}", s.needsCluster(s.getTopRegions))
	s.handle("GET", "/pd/api/v1/regions/replicated", s.needsCluster(s.getReplicated))
	s.handle("GET", "/pd/api/v1/regions/range-holes", s.needsCluster(s.getRangeHoles))
	s.handle("GET", "/pd/api/v1/stats/region", s.needsCluster(s.getRegionStats))
}

// getRegions streams every region: PD has no limit here, so at a million
// regions this is a very large body; it is written as it is built.
func (s *Server) getRegions(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		w.Header().Set("Content-Type", ctOctet)
		w.WriteHeader(200)
		b := make([]byte, 0, 64<<10)
		b = append(b, `{"count":`...)
		b = strconv.AppendInt(b, int64(len(c.byKey)), 10)
		b = append(b, `,"regions":[`...)
		for i, rg := range c.byKey {
			if i > 0 {
				b = append(b, ',')
			}
			b = c.appendRegion(b, rg)
			if len(b) > 48<<10 {
				if _, err := w.Write(b); err != nil {
					return
				}
				b = b[:0]
			}
		}
		b = append(b, "]}"...)
		w.Write(b)
	})
}

func (s *Server) getRegionCount(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		writeJSON(w, 200, map[string]any{"count": len(c.regions), "regions": nil})
	})
}

// withRegion parses {id} and runs f under the read lock with that region,
// answering PD's errors for a bad or unknown id.
func (s *Server) withRegion(w http.ResponseWriter, r *http.Request, f func(c *Cluster, rg *Region)) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		writeJSON(w, 400, err.Error())
		return
	}
	s.read(func(c *Cluster) {
		rg := c.regions[RegionID(id)]
		if rg == nil {
			writeErr(w, errStatus(404, "[PD:region:ErrRegionNotFound]region %d not found", id))
			return
		}
		f(c, rg)
	})
}

func (s *Server) getRegionByID(w http.ResponseWriter, r *http.Request) {
	s.withRegion(w, r, func(c *Cluster, rg *Region) {
		writeOctet(w, c.appendRegion(nil, rg))
	})
}

// getRegionByKey takes the path segment as raw bytes unless ?format=hex.
func (s *Server) getRegionByKey(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("key")
	key := strings.ToUpper(hex.EncodeToString([]byte(raw)))
	if r.URL.Query().Get("format") == "hex" {
		if _, err := hex.DecodeString(raw); err != nil {
			writeJSON(w, 400, err.Error())
			return
		}
		key = strings.ToUpper(raw)
	}
	s.read(func(c *Cluster) {
		rg := c.regionByKey(key)
		if rg == nil {
			writeJSON(w, 200, nil)
			return
		}
		writeOctet(w, c.appendRegion(nil, rg))
	})
}

func parseLimit(r *http.Request, def int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

// getRegionsByKey scans from a start key: the cheap way to page through
// regions, unlike /regions.
func (s *Server) getRegionsByKey(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := parseLimit(r, 16)
	if err != nil {
		writeJSON(w, 400, err.Error())
		return
	}
	if limit > 10240 || limit <= 0 {
		limit = 10240
	}
	start := strings.ToUpper(hex.EncodeToString([]byte(q.Get("key"))))
	end := strings.ToUpper(hex.EncodeToString([]byte(q.Get("end_key"))))
	if q.Get("format") == "hex" {
		start, end = strings.ToUpper(q.Get("key")), strings.ToUpper(q.Get("end_key"))
	}
	s.read(func(c *Cluster) {
		var out []*Region
		for i := c.regionIndex(start); i < len(c.byKey) && len(out) < limit; i++ {
			rg := c.byKey[i]
			if end != "" && rg.StartKey >= end {
				break
			}
			out = append(out, rg)
		}
		writeOctet(w, c.appendRegions(nil, out))
	})
}

// getRegionsByStore only accepts the region types PD knows. (Real PD leaks
// a lock on an unknown type; pdsim just refuses it the same way.)
func (s *Server) getRegionsByStore(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		writeJSON(w, 400, err.Error())
		return
	}
	typ := r.URL.Query().Get("type")
	if typ == "" {
		typ = "all"
	}
	switch typ {
	case "all", "leader", "follower", "learner":
	default:
		writeJSON(w, 400, "unknown sub tree region type "+typ)
		return
	}
	sid := StoreID(id)
	s.read(func(c *Cluster) {
		var out []*Region
		for _, rg := range c.byKey {
			p := rg.peerOnStore(sid)
			if p == nil {
				continue
			}
			isLeader := rg.Leader == p.ID
			switch typ {
			case "leader":
				if !isLeader {
					continue
				}
			case "follower":
				if isLeader || p.Role == RoleLearner {
					continue
				}
			case "learner":
				if p.Role != RoleLearner {
					continue
				}
			}
			out = append(out, rg)
		}
		writeOctet(w, c.appendRegions(nil, out))
	})
}

func (s *Server) getSiblings(w http.ResponseWriter, r *http.Request) {
	s.withRegion(w, r, func(c *Cluster, rg *Region) {
		pos := c.positionOf(rg)
		var out []*Region
		if pos > 0 {
			out = append(out, c.byKey[pos-1])
		}
		if pos >= 0 && pos+1 < len(c.byKey) {
			out = append(out, c.byKey[pos+1])
		}
		writeOctet(w, c.appendRegions(nil, out))
	})
}

// getRegionsCheck serves PD's region statistics; unknown kinds are a route
// miss (404 text), as in PD.
func (s *Server) getRegionsCheck(w http.ResponseWriter, r *http.Request) {
	flag, ok := checkKinds[r.PathValue("kind")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	s.read(func(c *Cluster) {
		set := c.stats.shown[flag]
		out := make([]*Region, 0, len(set))
		for id := range set {
			out = append(out, c.regions[id])
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		count := len(out)
		if limit > 0 {
			from := max(page-1, 0) * limit
			if from > len(out) {
				from = len(out)
			}
			out = out[from:min(from+limit, len(out))]
		}
		// count is the total, not the page length.
		writeOctet(w, c.appendRegionPage(nil, count, out))
	})
}

type histBucket struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	Count int   `json:"count"`
}

func (s *Server) getHist(keys bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.read(func(c *Cluster) {
			counts := map[int64]int{}
			for _, rg := range c.byKey {
				v := rg.ApproxSize
				if keys {
					v = rg.ApproxKeys
				}
				counts[v]++
			}
			out := []histBucket{}
			for v, n := range counts {
				out = append(out, histBucket{v, v, n})
			}
			sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
			writeJSON(w, 200, out)
		})
	}
}

// topMetrics are the /regions/{metric} top-N lists.
var topMetrics = map[string]func(r *Region) float64{
	"writeflow":  func(r *Region) float64 { return float64(r.WrittenBytes) },
	"readflow":   func(r *Region) float64 { return float64(r.ReadBytes) },
	"writequery": func(r *Region) float64 { return float64(r.WrittenKeys) },
	"readquery":  func(r *Region) float64 { return float64(r.ReadKeys) },
	"confver":    func(r *Region) float64 { return float64(r.Epoch.ConfVer) },
	"version":    func(r *Region) float64 { return float64(r.Epoch.Version) },
	"size":       func(r *Region) float64 { return float64(r.ApproxSize) },
	"keys":       func(r *Region) float64 { return float64(r.ApproxKeys) },
	"cpu":        func(r *Region) float64 { return 0 },
}

func (s *Server) getTopRegions(w http.ResponseWriter, r *http.Request) {
	metric, ok := topMetrics[r.PathValue("metric")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	limit, err := parseLimit(r, 16)
	if err != nil {
		writeJSON(w, 400, err.Error())
		return
	}
	s.read(func(c *Cluster) {
		out := append([]*Region(nil), c.byKey...)
		sort.SliceStable(out, func(i, j int) bool { return metric(out[i]) > metric(out[j]) })
		if limit >= 0 && limit < len(out) {
			out = out[:limit]
		}
		writeOctet(w, c.appendRegions(nil, out))
	})
}

// getReplicated answers REPLICATED unless a region in [startKey, endKey)
// does not fit the placement rule (INPROGRESS). Both keys are hex and
// required: without them PD's route does not match.
func (s *Server) getReplicated(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !q.Has("startKey") || !q.Has("endKey") {
		http.NotFound(w, r)
		return
	}
	var keys [2]string
	for i, name := range []string{"startKey", "endKey"} {
		raw, err := hex.DecodeString(q.Get(name))
		if err != nil {
			writeJSON(w, 400, err.Error())
			return
		}
		keys[i] = strings.ToUpper(hex.EncodeToString(raw))
	}
	s.read(func(c *Cluster) {
		state := "REPLICATED"
		for i := c.regionIndex(keys[0]); i < len(c.byKey); i++ {
			rg := c.byKey[i]
			if keys[1] != "" && rg.StartKey >= keys[1] {
				break
			}
			if !c.replicated(rg) {
				state = "INPROGRESS"
				break
			}
		}
		writeJSON(w, 200, state)
	})
}

func (s *Server) getRangeHoles(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		holes := [][]string{}
		prev := ""
		for _, rg := range c.byKey {
			if rg.StartKey != prev {
				holes = append(holes, []string{prev, rg.StartKey})
			}
			prev = rg.EndKey
		}
		writeJSON(w, 200, holes)
	})
}

type regionStatsJSON struct {
	Count                   int              `json:"count"`
	EmptyCount              int              `json:"empty_count"`
	StorageSize             int64            `json:"storage_size"`
	UserStorageSize         int64            `json:"user_storage_size"`
	UserColumnarStorageSize int64            `json:"user_columnar_storage_size"`
	StorageKeys             int64            `json:"storage_keys"`
	StoreLeaderCount        map[string]int   `json:"store_leader_count"`
	StorePeerCount          map[string]int   `json:"store_peer_count"`
	StoreLeaderSize         map[string]int64 `json:"store_leader_size"`
	StoreLeaderKeys         map[string]int64 `json:"store_leader_keys"`
	StorePeerSize           map[string]int64 `json:"store_peer_size"`
	StorePeerKeys           map[string]int64 `json:"store_peer_keys,omitempty"`
}

func (s *Server) getRegionStats(w http.ResponseWriter, r *http.Request) {
	_, countOnly := r.URL.Query()["count"]
	s.read(func(c *Cluster) {
		out := regionStatsJSON{Count: len(c.byKey)}
		if countOnly {
			writeJSON(w, 200, out)
			return
		}
		out.StoreLeaderCount, out.StorePeerCount = map[string]int{}, map[string]int{}
		out.StoreLeaderSize, out.StoreLeaderKeys = map[string]int64{}, map[string]int64{}
		out.StorePeerSize, out.StorePeerKeys = map[string]int64{}, map[string]int64{}
		for _, rg := range c.byKey {
			out.StorageSize += rg.ApproxSize
			out.StorageKeys += rg.ApproxKeys
			if rg.ApproxSize <= 1 {
				out.EmptyCount++
			}
		}
		for _, st := range c.stores {
			if st.regionCount == 0 && st.State == StateTombstone {
				continue
			}
			k := strconv.FormatUint(uint64(st.ID), 10)
			out.StoreLeaderCount[k] = st.leaderCount
			out.StorePeerCount[k] = st.regionCount
			out.StoreLeaderSize[k] = st.leaderSize
			out.StoreLeaderKeys[k] = st.leaderKeys
			out.StorePeerSize[k] = st.regionSize
			out.StorePeerKeys[k] = st.regionKeys
		}
		writeJSON(w, 200, out)
	})
}
