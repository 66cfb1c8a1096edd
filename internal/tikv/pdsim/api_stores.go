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

// deleteStore starts a graceful removal; the mere presence of ?force (any
// value) also marks the store physically destroyed, as in PD.
func (s *Server) deleteStore(w http.ResponseWriter, r *http.Request) {
	id, ok := storeID(w, r)
	if !ok {
		return
	}
	_, force := r.URL.Query()["force"]
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

// postStoreState: the state is checked before the store, so an invalid
// state is a 400 even for a store that does not exist.
func (s *Server) postStoreState(w http.ResponseWriter, r *http.Request) {
	id, ok := storeID(w, r)
	if !ok {
		return
	}
	state := r.URL.Query().Get("state")
	up, offline := strings.EqualFold(state, "Up"), strings.EqualFold(state, "Offline")
	if !up && !offline {
		writeJSON(w, 400, "invalid state "+state)
		return
	}
	s.write(func(c *Cluster) {
		st := c.stores[id]
		if st == nil {
			writeErr(w, storeNotFound(404, id))
			return
		}
		var err *apiError
		if up {
			err = c.setUp(st)
		} else {
			err = c.setOffline(st, false)
		}
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, 200, "The store's state is updated.")
	})
}

// PD's label formats: keys are alphanumeric with '-', '_', '.', '/' inside
// (and an optional leading '$'); values may also be empty, which removes
// the label.
var (
	labelKeyFormat   = regexp.MustCompile(`^[$]?[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$`)
	labelValueFormat = regexp.MustCompile(`^[-A-Za-z0-9_./]*$`)
)

func validateLabel(k, v string) error {
	if k == "engine" {
		return fmt.Errorf("label key %q is reserved", k)
	}
	if !labelKeyFormat.MatchString(k) {
		return fmt.Errorf("%s does not match format %q", k, labelKeyFormat.String())
	}
	if !labelValueFormat.MatchString(v) {
		return fmt.Errorf("%s does not match format %q", v, labelValueFormat.String())
	}
	return nil
}

// postStoreLabel merges the labels into the store's, keys compared
// case-insensitively (?force replaces them all); an empty value removes
// that label.
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
	for _, k := range sortedKeys(in) {
		if err := validateLabel(k, in[k]); err != nil {
			writeInputErr(w, err)
			return
		}
	}
	_, force := r.URL.Query()["force"]
	s.write(func(c *Cluster) {
		st := c.stores[id]
		if st == nil {
			writeJSON(w, 500, fmt.Sprintf("[PD:cluster:ErrInvalidStoreID]invalid store id %d, not found", id))
			return
		}
		if force {
			st.Labels = nil
		}
		for _, k := range sortedKeys(in) {
			set := false
			for i := range st.Labels {
				if strings.EqualFold(st.Labels[i].Key, k) {
					st.Labels[i].Value, set = in[k], true
				}
			}
			if !set {
				st.Labels = append(st.Labels, Label{Key: k, Value: in[k]})
			}
		}
		kept := st.Labels[:0]
		for _, l := range st.Labels {
			if l.Value != "" {
				kept = append(kept, l)
			}
		}
		st.Labels = kept
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
	if !labelKeyFormat.MatchString(key) {
		writeInputErr(w, fmt.Errorf("%s does not match format %q", key, labelKeyFormat.String()))
		return
	}
	s.write(func(c *Cluster) {
		st := c.stores[id]
		if st == nil {
			writeJSON(w, 500, fmt.Sprintf("[PD:cluster:ErrInvalidStoreID]invalid store id %d, not found", id))
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
	leaderVal, ok := in["leader"]
	if !ok {
		writeJSON(w, 400, "leader weight unset")
		return
	}
	regionVal, ok := in["region"]
	if !ok {
		writeJSON(w, 400, "region weight unset")
		return
	}
	leader, ok := leaderVal.(float64)
	if !ok || leader < 0 {
		writeJSON(w, 400, "bad format leader weight")
		return
	}
	region, ok := regionVal.(float64)
	if !ok || region < 0 {
		writeJSON(w, 400, "bad format region weight")
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

// limitInput reads a store limit body as PD does: rate required and
// positive; type optional ("add-peer" or "remove-peer", both when absent,
// add-peer when empty); ttlSecond, if given, a number.
func limitInput(w http.ResponseWriter, r *http.Request) (rate float64, addPeer, removePeer, ok bool) {
	var in map[string]any
	if err := readBody(r, &in); err != nil {
		writeInputErr(w, err)
		return
	}
	rateVal, has := in["rate"]
	if !has {
		writeJSON(w, 400, "rate unset")
		return
	}
	rate, isNum := rateVal.(float64)
	if !isNum || rate <= 0 {
		writeJSON(w, 400, "invalid rate which should be larger than 0")
		return
	}
	addPeer, removePeer = true, true
	if typVal, has := in["type"]; has {
		typ, isStr := typVal.(string)
		switch {
		case !isStr:
			writeJSON(w, 400, "bad format type")
			return
		case typ == "" || typ == "add-peer":
			removePeer = false
		case typ == "remove-peer":
			addPeer = false
		default:
			writeJSON(w, 400, "unknown type")
			return
		}
	}
	if ttl := r.URL.Query().Get("ttlSecond"); ttl != "" {
		if _, err := strconv.Atoi(ttl); err != nil {
			writeJSON(w, 400, err.Error())
			return
		}
	}
	return rate, addPeer, removePeer, true
}

// postStoreLimit checks the store before it reads the body, as PD does.
func (s *Server) postStoreLimit(w http.ResponseWriter, r *http.Request) {
	id, ok := storeID(w, r)
	if !ok {
		return
	}
	s.c.Sync()
	s.c.mu.RLock()
	exists := s.c.stores[id] != nil
	s.c.mu.RUnlock()
	if !exists {
		writeErr(w, storeNotFound(500, id))
		return
	}
	rate, addPeer, removePeer, ok := limitInput(w, r)
	if !ok {
		return
	}
	s.write(func(c *Cluster) {
		st := c.stores[id]
		if st == nil {
			writeErr(w, storeNotFound(500, id))
			return
		}
		if addPeer {
			st.limitAddPeer = rate
		}
		if removePeer {
			st.limitRemovePeer = rate
		}
		writeJSON(w, 200, "The store's limit is updated.")
	})
}

type limitJSON struct {
	AddPeer    float64 `json:"add-peer"`
	RemovePeer float64 `json:"remove-peer"`
}

// getStoresLimit hides removed stores unless ?include_tombstone=true.
func (s *Server) getStoresLimit(w http.ResponseWriter, r *http.Request) {
	includeTombstone := false
	if v := r.URL.Query().Get("include_tombstone"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeJSON(w, 400, err.Error())
			return
		}
		includeTombstone = b
	}
	s.read(func(c *Cluster) {
		out := map[string]limitJSON{}
		for _, st := range c.stores {
			if st.State == StateTombstone && !includeTombstone {
				continue
			}
			out[strconv.FormatUint(uint64(st.ID), 10)] = limitJSON{st.limitAddPeer, st.limitRemovePeer}
		}
		writeJSON(w, 200, out)
	})
}

func (s *Server) postStoresLimit(w http.ResponseWriter, r *http.Request) {
	rate, addPeer, removePeer, ok := limitInput(w, r)
	if !ok {
		return
	}
	s.write(func(c *Cluster) {
		for _, st := range c.stores {
			if addPeer {
				st.limitAddPeer = rate
			}
			if removePeer {
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
				writeInputErr(w, err)
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
		// PD collects the pairs into a nil slice: no labels answers null.
		seen := map[Label]bool{}
		var out []labelJSON
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

// getLabelsStores filters stores by label as PD does: name and value are
// case-insensitive regular expressions matched anywhere in the key and the
// value of one of the store's labels, so a store without labels never
// matches, even with no parameters.
func (s *Server) getLabelsStores(w http.ResponseWriter, r *http.Request) {
	name, value := r.URL.Query().Get("name"), r.URL.Query().Get("value")
	keyRe, err := regexp.Compile("(?i)" + name)
	if err == nil {
		var valueRe *regexp.Regexp
		if valueRe, err = regexp.Compile("(?i)" + value); err == nil {
			s.read(func(c *Cluster) {
				out := storesJSON{Stores: []storeJSON{}}
				for _, st := range c.sortedStores() {
					for _, l := range st.Labels {
						if keyRe.MatchString(l.Key) && valueRe.MatchString(l.Value) {
							out.Stores = append(out.Stores, c.storeView(st))
							break
						}
					}
				}
				out.Count = len(out.Stores)
				writeJSON(w, 200, out)
			})
			return
		}
	}
	writeJSON(w, 500, err.Error())
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}
