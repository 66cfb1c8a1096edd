package pdsim

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

func (s *Server) operatorRoutes() {
	s.handle("GET", "/pd/api/v1/operators", s.needsCluster(s.getOperators))
	s.handle("POST", "/pd/api/v1/operators", s.needsCluster(s.postOperator))
	s.handle("DELETE", "/pd/api/v1/operators", s.needsCluster(s.deleteOperators))
	s.handle("GET", "/pd/api/v1/operators/records", s.needsCluster(s.getOperatorRecords))
	s.handle("GET", "/pd/api/v1/operators/{id}", s.needsCluster(s.getOperator))
	s.handle("DELETE", "/pd/api/v1/operators/{id}", s.needsCluster(s.deleteOperator))
}

var errOpNotFound = errStatus(500, "[PD:operator:ErrOperatorNotFound]operator not found")

type operatorObject struct {
	Desc        string      `json:"desc"`
	Brief       string      `json:"brief"`
	RegionID    uint64      `json:"region_id"`
	RegionEpoch epochObject `json:"region_epoch"`
	Kind        opKind      `json:"kind"`
	Timeout     string      `json:"timeout"`
	Status      opStatus    `json:"status"`
}

type epochObject struct {
	ConfVer uint64 `json:"conf_ver"`
	Version uint64 `json:"version"`
}

// getOperators lists running operators. With ?kind (repeatable) PD appends
// the operators of each kind in turn, so an operator of two asked kinds
// appears twice, and no match leaves a nil list: null. ?object answers
// objects, always as a list ([] when empty).
func (s *Server) getOperators(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	_, asObject := q["object"]
	kinds, filtered := q["kind"]
	s.read(func(c *Cluster) {
		var ops []*operator
		if !filtered {
			ops = []*operator{}
			for _, id := range c.runningIDs() {
				ops = append(ops, c.ops.running[id])
			}
		}
		for _, k := range kinds {
			for _, id := range c.runningIDs() {
				if op := c.ops.running[id]; matchKind(op, k) {
					ops = append(ops, op)
				}
			}
		}
		if asObject {
			out := make([]operatorObject, 0, len(ops))
			for _, op := range ops {
				out = append(out, operatorObject{
					Desc: op.desc, Brief: op.brief, RegionID: uint64(op.regionID),
					RegionEpoch: epochObject{op.epoch.ConfVer, op.epoch.Version},
					Kind:        op.kind, Timeout: op.timeout.String(), Status: op.status,
				})
			}
			writeJSON(w, 200, out)
			return
		}
		if ops == nil {
			writeJSON(w, 200, nil)
			return
		}
		out := make([]string, 0, len(ops))
		for _, op := range ops {
			out = append(out, op.text(c.startTime))
		}
		writeJSON(w, 200, out)
	})
}

// matchKind: PD's kind filters (waiting operators never exist in pdsim).
func matchKind(op *operator, kind string) bool {
	switch kind {
	case "admin":
		return op.kind&kindAdmin != 0
	case "leader":
		return op.kind&kindLeader != 0
	case "region":
		return op.kind&kindRegion != 0
	}
	return false
}

func regionIDParam(w http.ResponseWriter, r *http.Request) (RegionID, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		writeJSON(w, 400, err.Error())
		return 0, false
	}
	return RegionID(id), true
}

// getOperator answers the running operator, else the latest finished one
// (kept ~10 minutes), else PD's 500 "operator not found".
func (s *Server) getOperator(w http.ResponseWriter, r *http.Request) {
	id, ok := regionIDParam(w, r)
	if !ok {
		return
	}
	s.read(func(c *Cluster) {
		op := c.ops.running[id]
		if op == nil {
			op = c.ops.records[id]
		}
		if op == nil {
			writeErr(w, errOpNotFound)
			return
		}
		writeJSON(w, 200, fmt.Sprintf("status: %s, operator: %s", op.status.word(), op.text(c.startTime)))
	})
}

func (s *Server) deleteOperator(w http.ResponseWriter, r *http.Request) {
	id, ok := regionIDParam(w, r)
	if !ok {
		return
	}
	s.write(func(c *Cluster) {
		op := c.ops.running[id]
		if op == nil {
			writeErr(w, errOpNotFound)
			return
		}
		c.finishOperator(op, opCanceled)
		writeJSON(w, 200, "The pending operator is canceled.")
	})
}

func (s *Server) deleteOperators(w http.ResponseWriter, r *http.Request) {
	s.write(func(c *Cluster) {
		for _, id := range c.runningIDs() {
			// Canceling one half of a merge cancels the other with it.
			if op := c.ops.running[id]; op != nil {
				c.finishOperator(op, opCanceled)
			}
		}
		writeJSON(w, 200, "All pending operators are canceled.")
	})
}

func (s *Server) getOperatorRecords(w http.ResponseWriter, r *http.Request) {
	from := time.Time{}
	if v := r.URL.Query().Get("from"); v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeJSON(w, 400, err.Error())
			return
		}
		from = time.Unix(sec, 0)
	}
	s.read(func(c *Cluster) {
		var ops []*operator
		for _, op := range c.ops.records {
			if !op.finishAt.Before(from) {
				ops = append(ops, op)
			}
		}
		if len(ops) == 0 {
			writeErr(w, errOpNotFound)
			return
		}
		sort.Slice(ops, func(i, j int) bool { return ops[i].finishAt.Before(ops[j].finishAt) })
		out := make([]string, len(ops))
		for i, op := range ops {
			out[i] = fmt.Sprintf("%s (finishAt:%s, duration:%s)", op.text(c.startTime), goTime(op.finishAt, c.startTime), op.finishAt.Sub(op.startAt))
		}
		writeJSON(w, 200, out)
	})
}

// num reads a JSON number field the way PD's handler does: anything that
// is not a number counts as missing.
func num(in map[string]any, key string) (uint64, bool) {
	v, ok := in[key].(float64)
	if !ok || v < 0 {
		return 0, false
	}
	return uint64(v), true
}

func (s *Server) postOperator(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if err := readBody(r, &in); err != nil {
		writeInputErr(w, err)
		return
	}
	name, ok := in["name"].(string)
	if !ok {
		writeJSON(w, 400, "missing operator name")
		return
	}
	build, ok := operatorBuilders[name]
	if !ok {
		writeJSON(w, 400, "unknown operator")
		return
	}
	req, msg := build.parse(in)
	if msg != "" {
		writeJSON(w, 400, msg)
		return
	}
	s.write(func(c *Cluster) {
		res, err := build.create(c, req)
		if err != nil {
			writeErr(w, err)
			return
		}
		c.created.add(req.region)
		if res != nil {
			writeJSON(w, 200, res)
			return
		}
		writeJSON(w, 200, "The operator is created.")
	})
}

// createdCount counts the POST /operators PD accepted, in total and by
// region (the source, for a merge), so a test can prove that nothing was
// submitted twice. PD has no such count; it is shown on /pdsim/v1/status.
type createdCount struct {
	total    int
	byRegion map[RegionID]int
}

func (n *createdCount) add(region RegionID) {
	n.total++
	if region == 0 {
		return // scatter-regions names a list or a range, not one region
	}
	if n.byRegion == nil {
		n.byRegion = map[RegionID]int{}
	}
	n.byRegion[region]++
}

// opRequest is a parsed POST /operators body.
type opRequest struct {
	region, target   RegionID
	from, to         StoreID
	toStores         []StoreID
	roles            []string
	policy           string
	keys             []string
	regionIDs        []RegionID
	startKey, endKey string
}

type opBuilder struct {
	parse  func(in map[string]any) (opRequest, string)
	create func(c *Cluster, req opRequest) (any, error)
}

func parseRegion(in map[string]any) (opRequest, string) {
	id, ok := num(in, "region_id")
	if !ok {
		return opRequest{}, "missing region id"
	}
	return opRequest{region: RegionID(id)}, ""
}

func parseRegionStore(key, missing string) func(in map[string]any) (opRequest, string) {
	return func(in map[string]any) (opRequest, string) {
		req, msg := parseRegion(in)
		if msg != "" {
			return req, msg
		}
		id, ok := num(in, key)
		if !ok {
			return req, missing
		}
		req.to = StoreID(id)
		return req, ""
	}
}

var operatorBuilders = map[string]opBuilder{
	"transfer-leader": {parseRegionStore("to_store_id", "missing store id to transfer leader to"), (*Cluster).createTransferLeader},
	"add-peer":        {parseRegionStore("store_id", "invalid store id to transfer peer to"), func(c *Cluster, q opRequest) (any, error) { return nil, c.createAddPeer(q, false) }},
	"add-learner":     {parseRegionStore("store_id", "invalid store id to transfer peer to"), func(c *Cluster, q opRequest) (any, error) { return nil, c.createAddPeer(q, true) }},
	"remove-peer":     {parseRegionStore("store_id", "invalid store id to transfer peer to"), (*Cluster).createRemovePeer},
	"transfer-peer":   {parseTransferPeer, (*Cluster).createTransferPeer},
	"transfer-region": {parseTransferRegion, (*Cluster).createTransferRegion},
	"merge-region":    {parseMerge, (*Cluster).createMerge},
	"split-region":    {parseSplit, (*Cluster).createSplit},
	"scatter-region":  {parseRegion, (*Cluster).createScatter},
	"scatter-regions": {parseScatterRegions, (*Cluster).createScatterRegions},
}

func parseTransferPeer(in map[string]any) (opRequest, string) {
	req, msg := parseRegion(in)
	if msg != "" {
		return req, msg
	}
	from, ok := num(in, "from_store_id")
	if !ok {
		return req, "invalid store id to transfer peer from"
	}
	to, ok := num(in, "to_store_id")
	if !ok {
		return req, "invalid store id to transfer peer to"
	}
	req.from, req.to = StoreID(from), StoreID(to)
	return req, ""
}

// parseTransferRegion reads to_store_ids and peer_roles as PD does: the ids
// must be a list of numbers; roles count only when they are a list as long
// as the ids, and a role that is not a string is left unset. Repeated ids
// collapse into one.
func parseTransferRegion(in map[string]any) (opRequest, string) {
	req, msg := parseRegion(in)
	if msg != "" {
		return req, msg
	}
	ids, ok := in["to_store_ids"].([]any)
	if !ok {
		return req, "invalid store ids to transfer region to"
	}
	var all []StoreID
	for _, v := range ids {
		f, ok := v.(float64)
		if !ok {
			return req, "invalid store ids to transfer region to"
		}
		all = append(all, StoreID(f))
	}
	roles := make([]string, len(all))
	if list, ok := in["peer_roles"].([]any); ok && len(list) == len(all) {
		for i, v := range list {
			roles[i], _ = v.(string)
		}
	}
	seen := map[StoreID]int{}
	for i, id := range all {
		if j, dup := seen[id]; dup {
			if roles[i] != "" {
				req.roles[j] = roles[i]
			}
			continue
		}
		seen[id] = len(req.toStores)
		req.toStores = append(req.toStores, id)
		req.roles = append(req.roles, roles[i])
	}
	if len(req.toStores) == 0 {
		return req, "missing store ids to transfer region to"
	}
	return req, ""
}

func parseMerge(in map[string]any) (opRequest, string) {
	src, ok := num(in, "source_region_id")
	if !ok {
		return opRequest{}, "missing region id"
	}
	dst, ok := num(in, "target_region_id")
	if !ok {
		return opRequest{}, "invalid target region id to merge to"
	}
	return opRequest{region: RegionID(src), target: RegionID(dst)}, ""
}

func parseSplit(in map[string]any) (opRequest, string) {
	req, msg := parseRegion(in)
	if msg != "" {
		return req, msg
	}
	policy, ok := in["policy"].(string)
	if !ok {
		return req, "missing split policy"
	}
	req.policy = policy
	if raw, has := in["keys"]; has {
		list, ok := raw.([]any)
		if !ok {
			return req, "bad format keys"
		}
		for _, k := range list {
			s, ok := k.(string)
			if !ok {
				return req, "bad format keys"
			}
			req.keys = append(req.keys, s)
		}
	}
	return req, ""
}

// parseScatterRegions: PD insists on a region_ids list (numbers only) even
// when a key range is given.
func parseScatterRegions(in map[string]any) (opRequest, string) {
	var req opRequest
	list, ok := in["region_ids"].([]any)
	if !ok {
		return req, "region_ids is invalid"
	}
	for _, v := range list {
		f, ok := v.(float64)
		if !ok {
			return req, "region_ids is invalid"
		}
		req.regionIDs = append(req.regionIDs, RegionID(f))
	}
	req.startKey, _ = in["start_key"].(string)
	req.endKey, _ = in["end_key"].(string)
	return req, ""
}

func (c *Cluster) region(id RegionID) (*Region, error) {
	r := c.regions[id]
	if r == nil {
		return nil, regionNotFound(id)
	}
	return r, nil
}

func (c *Cluster) createTransferLeader(q opRequest) (any, error) {
	r, err := c.region(q.region)
	if err != nil {
		return nil, err
	}
	p := r.peerOnStore(q.to)
	if p == nil || p.Role == RoleLearner {
		return nil, errStatus(500, "region has no voter in store %d", q.to)
	}
	from := r.leaderStore()
	if from == q.to {
		return nil, errStatus(500, "no operator step is built")
	}
	op := newOperator("admin-transfer-leader", fmt.Sprintf("transfer leader: store %d to %d", from, q.to), r,
		kindAdmin|kindLeader, []step{{kind: stepTransferLeader, from: from, to: q.to}}, c.now)
	return nil, c.addOperator(op)
}

// checkStoreState is PD's check on a store an operator moves a peer to.
func (c *Cluster) checkStoreState(id StoreID) error {
	st := c.stores[id]
	switch {
	case st == nil:
		return storeNotFound(500, id)
	case st.State == StateTombstone:
		return errStatus(500, "[PD:core:ErrStoreRemoved]store %d has been removed", id)
	case c.unhealthy(st):
		return errStatus(500, "[PD:core:ErrStoreUnhealthy]store %d is unhealthy", id)
	}
	return nil
}

// unhealthy: PD calls a store unhealthy once it has been down for more than
// ten minutes (a store that never heartbeated counts as down since 1970).
func (c *Cluster) unhealthy(st *Store) bool {
	if st.NeverHeartbeat {
		return true
	}
	return c.now.Sub(st.LastHeartbeat) > 10*time.Minute
}

func (c *Cluster) checkAddPeer(r *Region, to StoreID) error {
	if r.peerOnStore(to) != nil {
		return errStatus(500, "region already has peer in store %d", to)
	}
	return c.checkStoreState(to)
}

func (c *Cluster) createAddPeer(q opRequest, learner bool) error {
	r, err := c.region(q.region)
	if err != nil {
		return err
	}
	if err := c.checkAddPeer(r, q.to); err != nil {
		return err
	}
	desc := "admin-add-peer"
	if learner {
		desc = "admin-add-learner"
	}
	op := newOperator(desc, fmt.Sprintf("add peer: store %s", storeList(q.to)), r, kindAdmin|kindRegion, c.addPeerSteps(q.to, learner), c.now)
	return c.addOperator(op)
}

func (c *Cluster) createRemovePeer(q opRequest) (any, error) {
	r, err := c.region(q.region)
	if err != nil {
		return nil, err
	}
	if r.peerOnStore(q.to) == nil {
		return nil, errStatus(500, "region has no peer in store %d", q.to)
	}
	kind := kindAdmin | kindRegion
	if r.leaderStore() == q.to {
		kind |= kindLeader
	}
	op := newOperator("admin-remove-peer", fmt.Sprintf("rm peer: store %s", storeList(q.to)), r, kind, c.removePeerSteps(r, q.to), c.now)
	return nil, c.addOperator(op)
}

func (c *Cluster) createTransferPeer(q opRequest) (any, error) {
	r, err := c.region(q.region)
	if err != nil {
		return nil, err
	}
	if r.peerOnStore(q.from) == nil {
		return nil, errStatus(500, "region has no peer in store %d", q.from)
	}
	if err := c.checkStoreState(q.to); err != nil {
		return nil, err
	}
	if r.peerOnStore(q.to) != nil {
		return nil, errStatus(500, "region already has peer in store %d", q.to)
	}
	steps, leader := c.movePeerSteps(r, q.from, q.to)
	kind := kindAdmin | kindRegion
	if leader {
		kind |= kindLeader
	}
	op := newOperator("admin-move-peer", fmt.Sprintf("mv peer: store %s to %s", storeList(q.from), storeList(q.to)), r, kind, steps, c.now)
	return nil, c.addOperator(op)
}

func (c *Cluster) createScatter(q opRequest) (any, error) {
	r, err := c.region(q.region)
	if err != nil {
		return nil, err
	}
	if c.isHot(r) {
		return nil, errStatus(500, "region %d is a hot region", r.ID)
	}
	// pdsim keeps regions evenly placed, so scattering needs no operator:
	// PD answers "created" and nothing appears, as observed.
	return nil, nil
}

// isHot: PD's hot cache counts the region hot.
func (c *Cluster) isHot(r *Region) bool {
	return r.hotHits >= int(c.schedule.HotRegionCacheHitsThreshold) &&
		(r.writeRate >= hotMinBytesRate || r.readRate >= hotMinBytesRate)
}

// createScatterRegions answers the share of the regions scattered: regions
// PD does not know count as failures, not as an error.
func (c *Cluster) createScatterRegions(q opRequest) (any, error) {
	if q.startKey != "" && q.endKey != "" {
		for _, k := range []string{q.startKey, q.endKey} {
			if _, err := hex.DecodeString(k); err != nil {
				return map[string]any{"processed-percentage": 0, "error": err.Error()}, nil
			}
		}
		return map[string]any{"processed-percentage": 100, "error": ""}, nil
	}
	done, failed := 0, 0
	for _, id := range q.regionIDs {
		if c.regions[id] == nil {
			failed++
		} else {
			done++
		}
	}
	pct := 100
	if failed > 0 {
		pct = 100 - 100*failed/(done+failed)
	}
	return map[string]any{"processed-percentage": pct, "error": ""}, nil
}

func (c *Cluster) createSplit(q opRequest) (any, error) {
	r, err := c.region(q.region)
	if err != nil {
		return nil, err
	}
	policy, err := splitPolicy(q.policy)
	if err != nil {
		return nil, err
	}
	brief := fmt.Sprintf("split: region %d use policy %s", r.ID, policy)
	var keys []string
	if policy == "USEKEY" {
		if err := validateHexKeys(q.keys); err != nil {
			return nil, err
		}
		// PD decodes the keys and prints them back as upper-case hex.
		for _, k := range q.keys {
			keys = append(keys, strings.ToUpper(k))
		}
		if len(keys) > 0 {
			brief += fmt.Sprintf(" and keys [%s]", strings.Join(keys, " "))
		}
	}
	op := newOperator("admin-split-region", brief, r, kindAdmin,
		[]step{{kind: stepSplit, policy: policy, keys: keys}}, c.now)
	return nil, c.addOperator(op)
}
