package pdsim

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

type storesJSON struct {
	Count  int         `json:"count"`
	Stores []storeJSON `json:"stores"`
}

func (s *Server) storesRoutes() {
	s.handle("GET", "/pd/api/v1/stores", s.needsCluster(s.getStores))
	s.handle("GET", "/pd/api/v1/stores/check", s.needsCluster(s.getStoresCheck))
	s.handle("GET", "/pd/api/v1/store/{id}", s.needsCluster(s.getStore))
	s.handle("DELETE", "/pd/api/v1/store/{id}", s.needsCluster(s.deleteStore))
	s.handle("POST", "/pd/api/v1/store/{id}/state", s.needsCluster(s.postStoreState))
	s.handle("POST", "/pd/api/v1/store/{id}/label", s.needsCluster(s.postStoreLabel))
	s.handle("DELETE", "/pd/api/v1/store/{id}/label", s.needsCluster(s.deleteStoreLabel))
	s.handle("POST", "/pd/api/v1/store/{id}/weight", s.needsCluster(s.postStoreWeight))
	s.handle("POST", "/pd/api/v1/store/{id}/limit", s.needsCluster(s.postStoreLimit))
	s.handle("GET", "/pd/api/v1/stores/limit", s.needsCluster(s.getStoresLimit))
	s.handle("POST", "/pd/api/v1/stores/limit", s.needsCluster(s.postStoresLimit))
	s.handle("DELETE", "/pd/api/v1/stores/remove-tombstone", s.needsCluster(s.removeTombstone))
	s.handle("GET", "/pd/api/v1/stores/progress", s.needsCluster(s.getStoresProgress))
	s.handle("GET", "/pd/api/v1/labels", s.needsCluster(s.getLabels))
	s.handle("GET", "/pd/api/v1/labels/stores", s.needsCluster(s.getLabelsStores))
}

// getStores filters on the stored state with numeric ?state= values;
// the default hides Tombstone stores.
func (s *Server) getStores(w http.ResponseWriter, r *http.Request) {
	want := map[StoreState]bool{StateUp: true, StateOffline: true}
	if vals, ok := r.URL.Query()["state"]; ok {
		want = map[StoreState]bool{}
		for _, v := range vals {
			n, err := strconv.Atoi(v)
			if err != nil {
				writeJSON(w, 500, err.Error())
				return
			}
			if n < 0 || n > 2 {
				writeJSON(w, 500, fmt.Sprintf("unknown StoreState: %d", n))
				return
			}
			want[StoreState(n)] = true
		}
	}
	s.read(func(c *Cluster) {
		out := storesJSON{Stores: []storeJSON{}}
		for _, st := range c.sortedStores() {
			if want[st.State] {
				out.Stores = append(out.Stores, c.storeView(st))
			}
		}
		out.Count = len(out.Stores)
		writeJSON(w, 200, out)
	})
}

// getStoresCheck filters on the derived state_name, case-insensitively.
func (s *Server) getStoresCheck(w http.ResponseWriter, r *http.Request) {
	var want map[string]bool
	if vals, ok := r.URL.Query()["state"]; ok {
		want = map[string]bool{}
		for _, v := range vals {
			name := strings.ToLower(v)
			switch name {
			case "up", "offline", "tombstone", "down", "disconnected":
				want[name] = true
			default:
				writeJSON(w, 400, "unknown StoreState: "+v)
				return
			}
		}
	}
	s.read(func(c *Cluster) {
		out := storesJSON{Stores: []storeJSON{}}
		for _, st := range c.sortedStores() {
			if want == nil || want[strings.ToLower(c.stateName(st))] {
				out.Stores = append(out.Stores, c.storeView(st))
			}
		}
		out.Count = len(out.Stores)
		writeJSON(w, 200, out)
	})
}

// storeID parses {id}; PD answers a non-number with an errcode object.
func storeID(w http.ResponseWriter, r *http.Request) (StoreID, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		writeInputErr(w, err)
		return 0, false
	}
	return StoreID(id), true
}

func (s *Server) getStore(w http.ResponseWriter, r *http.Request) {
	id, ok := storeID(w, r)
	if !ok {
		return
	}
	s.read(func(c *Cluster) {
		st := c.stores[id]
		if st == nil {
			writeErr(w, storeNotFound(404, id))
			return
		}
		writeJSON(w, 200, c.storeView(st))
	})
}

func (s *Server) deleteStore(w http.ResponseWriter, r *http.Request) {
	id, ok := storeID(w, r)
	if !ok {
		return
	}
	force := r.URL.Query().Get("force") == "true"
	s.write(func(c *Cluster) {
		st := c.stores[id]
		if st == nil {
			writeErr(w, storeNotFound(404, id))
			return
		}
		if err := c.setOffline(st, force); err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, 200, "The store is set as Offline.")
	})
}

func (s *Server) postStoreState(w http.ResponseWriter, r *http.Request) {
	id, ok := storeID(w, r)
	if !ok {
		return
	}
	state := r.URL.Query().Get("state")
	s.write(func(c *Cluster) {
		st := c.stores[id]
		if st == nil {
			writeErr(w, storeNotFound(404, id))
			return
		}
		var err *apiError
		switch strings.ToLower(state) {
		case "up":
			err = c.setUp(st)
		case "offline":
			err = c.setOffline(st, false)
		default:
			writeJSON(w, 400, "invalid state "+state)
			return
		}
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, 200, "The store's state is updated.")
	})
}

var labelKeyFormat = regexp.MustCompile(`^[$]?[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$`)

func (s *Server) postStoreLabel(w http.ResponseWriter, r *http.Request) {
	id, ok := storeID(w, r)
	if !ok {
		return
	}
	var in map[string]string
	if err := readBody(r, &in); err != nil {
		writeInputErr(w, err)
		return
	}
	for k := range in {
		if k == "engine" {
			writeInputErr(w, fmt.Errorf("label key %q is reserved", k))
			return
		}
		if !labelKeyFormat.MatchString(k) {
			writeInputErr(w, fmt.Errorf("%s does not match format %q", k, labelKeyFormat.String()))
			return
		}
	}
	s.write(func(c *Cluster) {
		st := c.stores[id]
		if st == nil {
			writeJSON(w, 500, fmt.Sprintf("[PD:cluster:ErrInvalidStoreID]invalid store id %d, not found", id))
			return
		}
		for _, k := range sortedKeys(in) {
			set := false
			for i := range st.Labels {
				if st.Labels[i].Key == k {
					st.Labels[i].Value, set = in[k], true
				}
			}
			if !set {
				st.Labels = append(st.Labels, Label{Key: k, Value: in[k]})
			}
		}
		writeJSON(w, 200, "The store's label is updated.")
	})
}

func (s *Server) deleteStoreLabel(w http.ResponseWriter, r *http.Request) {
	id, ok := storeID(w, r)
	if !ok {
		return
	}
	var key string
	if err := readBody(r, &key); err != nil {
		writeInputErr(w, err)
		return
	}
	s.write(func(c *Cluster) {
		st := c.stores[id]
		if st == nil {
			writeErr(w, storeNotFound(404, id))
			return
		}
		for i, l := range st.Labels {
			if l.Key == key {
				st.Labels = append(st.Labels[:i], st.Labels[i+1:]...)
				writeJSON(w, 200, fmt.Sprintf("The label %s is deleted for store %d.", key, id))
				return
			}
		}
		writeJSON(w, 500, fmt.Sprintf("the label key %s does not exist", key))
	})
}

func (s *Server) postStoreWeight(w http.ResponseWriter, r *http.Request) {
	id, ok := storeID(w, r)
	if !ok {
		return
	}
	var in map[string]any
	if err := readBody(r, &in); err != nil {
		writeInputErr(w, err)
		return
	}
	leader, lok := in["leader"].(float64)
	if !lok {
		writeJSON(w, 400, "leader weight unset")
		return
	}
	region, rok := in["region"].(float64)
	if !rok {
		writeJSON(w, 400, "region weight unset")
		return
	}
	if leader < 0 || region < 0 {
		writeJSON(w, 400, "weight can't be negative")
		return
	}
	s.write(func(c *Cluster) {
		st := c.stores[id]
		if st == nil {
			writeErr(w, storeNotFound(500, id))
			return
		}
		st.LeaderWeight, st.RegionWeight = leader, region
		writeJSON(w, 200, "The store's weight is updated.")
	})
}

func (s *Server) postStoreLimit(w http.ResponseWriter, r *http.Request) {
	id, ok := storeID(w, r)
	if !ok {
		return
	}
	var in map[string]any
	if err := readBody(r, &in); err != nil {
		writeInputErr(w, err)
		return
	}
	rate, ok := in["rate"].(float64)
	if !ok || rate <= 0 {
		writeJSON(w, 400, "invalid rate which should be larger than 0")
		return
	}
	typ, _ := in["type"].(string)
	if _, has := in["type"]; has && typ != "add-peer" && typ != "remove-peer" {
		writeJSON(w, 400, "unknown type")
		return
	}
	s.write(func(c *Cluster) {
		st := c.stores[id]
		if st == nil {
			writeErr(w, storeNotFound(500, id))
			return
		}
		if typ == "" || typ == "add-peer" {
			st.limitAddPeer = rate
		}
		if typ == "" || typ == "remove-peer" {
			st.limitRemovePeer = rate
		}
		writeJSON(w, 200, "The store's limit is updated.")
	})
}

type limitJSON struct {
	AddPeer    float64 `json:"add-peer"`
	RemovePeer float64 `json:"remove-peer"`
}

func (s *Server) getStoresLimit(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		out := map[string]limitJSON{}
		for _, st := range c.stores {
			if st.State == StateTombstone {
				continue
			}
			out[strconv.FormatUint(uint64(st.ID), 10)] = limitJSON{st.limitAddPeer, st.limitRemovePeer}
		}
		writeJSON(w, 200, out)
	})
}

func (s *Server) postStoresLimit(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if err := readBody(r, &in); err != nil {
		writeInputErr(w, err)
		return
	}
	rate, ok := in["rate"].(float64)
	if !ok || rate <= 0 {
		writeJSON(w, 400, "invalid rate which should be larger than 0")
		return
	}
	typ, _ := in["type"].(string)
	if _, has := in["type"]; has && typ != "add-peer" && typ != "remove-peer" {
		writeJSON(w, 400, "unknown type")
		return
	}
	s.write(func(c *Cluster) {
		for _, st := range c.stores {
			if typ == "" || typ == "add-peer" {
				st.limitAddPeer = rate
			}
			if typ == "" || typ == "remove-peer" {
				st.limitRemovePeer = rate
			}
		}
		writeJSON(w, 200, "Set store limit successfully.")
	})
}

func (s *Server) removeTombstone(w http.ResponseWriter, r *http.Request) {
	s.write(func(c *Cluster) {
		for id, st := range c.stores {
			if st.State == StateTombstone {
				delete(c.stores, id)
			}
		}
		writeJSON(w, 200, "Remove tombstone successfully.")
	})
}

func (s *Server) getStoresProgress(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	idStr, action := q.Get("id"), q.Get("action")
	if idStr == "" && action == "" {
		writeJSON(w, 400, "need query parameters")
		return
	}
	s.read(func(c *Cluster) {
		if idStr != "" {
			id, err := strconv.ParseUint(idStr, 10, 64)
			if err != nil {
				writeJSON(w, 400, "invalid store id")
				return
			}
			if st := c.stores[StoreID(id)]; st != nil {
				if p, ok := c.removeProgress(st); ok {
					writeJSON(w, 200, p)
					return
				}
			}
			writeJSON(w, 404, fmt.Sprintf("[PD:progress:ErrProgressNotFound]no progress found for the given store ID: %s", idStr))
			return
		}
		if action == "removing" || action == "preparing" {
			var agg progress
			found := false
			for _, st := range c.sortedStores() {
				if p, ok := c.removeProgress(st); ok && p.Action == action {
					if !found {
						agg = p
					}
					found = true
				}
			}
			if found {
				agg.StoreID = 0
				writeJSON(w, 200, agg)
				return
			}
		}
		writeJSON(w, 404, fmt.Sprintf("[PD:progress:ErrProgressNotFound]no progress found for the action: %s", action))
	})
}

func (s *Server) getLabels(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		seen := map[Label]bool{}
		out := []labelJSON{}
		for _, st := range c.sortedStores() {
			for _, l := range st.Labels {
				if !seen[l] {
					seen[l] = true
					out = append(out, labelJSON{l.Key, l.Value})
				}
			}
		}
		writeJSON(w, 200, out)
	})
}

func (s *Server) getLabelsStores(w http.ResponseWriter, r *http.Request) {
	name, value := r.URL.Query().Get("name"), r.URL.Query().Get("value")
	s.read(func(c *Cluster) {
		out := storesJSON{Stores: []storeJSON{}}
		for _, st := range c.sortedStores() {
			if st.State == StateTombstone {
				continue
			}
			match := name == ""
			for _, l := range st.Labels {
				if strings.EqualFold(l.Key, name) && (value == "" || strings.EqualFold(l.Value, value)) {
					match = true
				}
			}
			if match {
				out.Stores = append(out.Stores, c.storeView(st))
			}
		}
		out.Count = len(out.Stores)
		writeJSON(w, 200, out)
	})
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}
