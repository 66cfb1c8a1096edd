package pdsim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// propSim drives a small cluster through its HTTP API, its fault injector
// and its clock, choosing every step from a seeded generator.
type propSim struct {
	t     *testing.T
	rng   *rand.Rand
	clock *ManualClock
	c     *Cluster
	srv   *Server
	log   []string
}

func newPropSim(t *testing.T, seed uint64) *propSim {
	clock := NewManualClock(time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC))
	c := New(Options{Stores: 6, Regions: 24, Seed: int64(seed), Clock: clock})
	return &propSim{
		t: t, rng: rand.New(rand.NewPCG(seed, seed^0xdeadbeef)), clock: clock, c: c,
		srv: NewServer(c, "http://127.0.0.1:2379"),
	}
}

func (p *propSim) call(method, path, body string) (int, string) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	w := httptest.NewRecorder()
	p.srv.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

// pick helpers read the model under its lock.
func (p *propSim) regionIDs() []RegionID {
	p.c.mu.RLock()
	defer p.c.mu.RUnlock()
	ids := make([]RegionID, 0, len(p.c.byKey))
	for _, r := range p.c.byKey {
		ids = append(ids, r.ID)
	}
	return ids
}

func (p *propSim) storeIDs() []StoreID {
	p.c.mu.RLock()
	defer p.c.mu.RUnlock()
	return append([]StoreID(nil), p.c.storeOrder...)
}

func (p *propSim) region() (RegionID, int) {
	ids := p.regionIDs()
	i := p.rng.IntN(len(ids))
	return ids[i], i
}

func (p *propSim) store() StoreID {
	ids := p.storeIDs()
	return ids[p.rng.IntN(len(ids))]
}

func (p *propSim) peerStore(id RegionID) StoreID {
	p.c.mu.RLock()
	defer p.c.mu.RUnlock()
	r := p.c.regions[id]
	if r == nil || len(r.Peers) == 0 {
		return 0
	}
	return r.Peers[p.rng.IntN(len(r.Peers))].StoreID
}

func (p *propSim) post(body string) (int, string) {
	return p.call("POST", "/pd/api/v1/operators", body)
}

// step performs one random action and returns its description.
func (p *propSim) step() string {
	rid, pos := p.region()
	s1, s2 := p.store(), p.store()
	switch k := p.rng.IntN(30); k {
	case 0, 1, 2, 3, 4:
		d := []time.Duration{0, time.Millisecond, 100 * time.Millisecond, 300 * time.Millisecond, time.Second,
			5 * time.Second, 20 * time.Second, time.Minute, 10 * time.Minute, 40 * time.Minute}[p.rng.IntN(10)]
		p.clock.Advance(d)
		return fmt.Sprintf("advance %v", d)
	case 5:
		b := fmt.Sprintf(`{"name":"transfer-leader","region_id":%d,"to_store_id":%d}`, rid, p.peerStore(rid))
		code, _ := p.post(b)
		return fmt.Sprintf("%s -> %d", b, code)
	case 6:
		name := []string{"add-peer", "add-learner"}[p.rng.IntN(2)]
		b := fmt.Sprintf(`{"name":%q,"region_id":%d,"store_id":%d}`, name, rid, s1)
		code, _ := p.post(b)
		return fmt.Sprintf("%s -> %d", b, code)
	case 7:
		b := fmt.Sprintf(`{"name":"remove-peer","region_id":%d,"store_id":%d}`, rid, p.peerStore(rid))
		code, _ := p.post(b)
		return fmt.Sprintf("%s -> %d", b, code)
	case 8:
		b := fmt.Sprintf(`{"name":"transfer-peer","region_id":%d,"from_store_id":%d,"to_store_id":%d}`, rid, p.peerStore(rid), s1)
		code, _ := p.post(b)
		return fmt.Sprintf("%s -> %d", b, code)
	case 9:
		ids := p.storeIDs()
		p.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		n := 2 + p.rng.IntN(2)
		roles := []string{`"leader"`, `"voter"`, `"voter"`, `"follower"`}
		var ss, rs []string
		for i := 0; i < n && i < len(ids); i++ {
			ss = append(ss, fmt.Sprint(ids[i]))
			rs = append(rs, roles[p.rng.IntN(len(roles))])
		}
		b := fmt.Sprintf(`{"name":"transfer-region","region_id":%d,"to_store_ids":[%s],"peer_roles":[%s]}`, rid, strings.Join(ss, ","), strings.Join(rs, ","))
		code, _ := p.post(b)
		return fmt.Sprintf("%s -> %d", b, code)
	case 10, 11:
		ids := p.regionIDs()
		other := pos + 1
		if p.rng.IntN(2) == 0 {
			other = pos - 1
		}
		if other < 0 || other >= len(ids) {
			return "merge: no neighbour"
		}
		if p.rng.IntN(2) == 0 {
			// Make the pair mergeable first: same stores as the target.
			p.arrangeLike(rid, ids[other])
		}
		b := fmt.Sprintf(`{"name":"merge-region","source_region_id":%d,"target_region_id":%d}`, rid, ids[other])
		code, _ := p.post(b)
		return fmt.Sprintf("%s -> %d", b, code)
	case 12:
		b := fmt.Sprintf(`{"name":"split-region","region_id":%d,"policy":"approximate"}`, rid)
		if p.rng.IntN(2) == 0 {
			p.c.mu.RLock()
			r := p.c.regions[rid]
			key := middleKey(r.StartKey, r.EndKey)
			p.c.mu.RUnlock()
			b = fmt.Sprintf(`{"name":"split-region","region_id":%d,"policy":"usekey","keys":[%q]}`, rid, key)
		}
		code, _ := p.post(b)
		return fmt.Sprintf("%s -> %d", b, code)
	case 13:
		code, _ := p.call("DELETE", fmt.Sprintf("/pd/api/v1/operators/%d", rid), "")
		return fmt.Sprintf("cancel operator of %d -> %d", rid, code)
	case 14:
		if p.rng.IntN(4) == 0 {
			code, _ := p.call("DELETE", "/pd/api/v1/operators", "")
			return fmt.Sprintf("cancel all -> %d", code)
		}
		return "noop"
	case 15:
		state := []string{"Offline", "Up", "Up"}[p.rng.IntN(3)]
		code, _ := p.call("POST", fmt.Sprintf("/pd/api/v1/store/%d/state?state=%s", s1, state), "")
		return fmt.Sprintf("store %d %s -> %d", s1, state, code)
	case 16:
		q := ""
		if p.rng.IntN(3) == 0 {
			q = "?force=true"
		}
		code, _ := p.call("DELETE", fmt.Sprintf("/pd/api/v1/store/%d%s", s1, q), "")
		code2, _ := p.call("DELETE", "/pd/api/v1/stores/remove-tombstone", "")
		return fmt.Sprintf("delete store %d%s -> %d, remove-tombstone -> %d", s1, q, code, code2)
	case 17, 18:
		typ := []string{"kill-store", "restore-store", "restore-store"}[p.rng.IntN(3)]
		err := p.c.Inject(Fault{Type: typ, Store: uint64(s1)})
		return fmt.Sprintf("%s %d: %v", typ, s1, err)
	case 19:
		lat := []string{"0s", "500ms", "1h"}[p.rng.IntN(3)]
		err := p.c.Inject(Fault{Type: "slow-store", Store: uint64(s1), Latency: lat})
		return fmt.Sprintf("slow-store %d %s: %v", s1, lat, err)
	case 20, 21:
		n := 1 + p.rng.IntN(2)
		err := p.c.Inject(Fault{Type: "lose-peers", Region: uint64(rid), Count: n})
		return fmt.Sprintf("lose-peers %d x%d: %v", rid, n, err)
	case 22:
		frac := []float64{0.3, 1}[p.rng.IntN(2)]
		err := p.c.Inject(Fault{Type: "leader-imbalance", Store: uint64(s2), Fraction: frac})
		return fmt.Sprintf("leader-imbalance %d %v: %v", s2, frac, err)
	case 23:
		switch p.rng.IntN(6) {
		case 0, 1:
			n := p.rng.IntN(2)
			err := p.c.Inject(Fault{Type: "add-store", Count: n})
			return fmt.Sprintf("add-store count %d: %v", n, err)
		case 2:
			// Hot regions split as they grow: ending the writes now and
			// then keeps the region count, and each step, bounded.
			err := p.c.Inject(Fault{Type: "clear-hotspot"})
			return fmt.Sprintf("clear-hotspot: %v", err)
		}
		// 64 KiB/s grows a region 3 MiB per heartbeat: an auto split every
		// half hour or so, many in a run.
		err := p.c.Inject(Fault{Type: "hotspot", Region: uint64(rid), BytesPerSecond: 64 << 10})
		return fmt.Sprintf("hotspot %d: %v", rid, err)
	case 24:
		v := []string{"true", "false", "false"}[p.rng.IntN(3)]
		code, _ := p.call("POST", "/pd/api/v1/config/schedule", `{"halt-scheduling":"`+v+`"}`)
		return fmt.Sprintf("halt-scheduling %s -> %d", v, code)
	case 25:
		b := []string{`{"max-store-down-time":"1m"}`, `{"max-store-down-time":"30m"}`,
			`{"enable-remove-down-replica":"false"}`, `{"enable-remove-down-replica":"true"}`,
			`{"max-merge-region-size":100}`, `{"max-merge-region-size":54}`}[p.rng.IntN(6)]
		code, _ := p.call("POST", "/pd/api/v1/config/schedule", b)
		return fmt.Sprintf("config %s -> %d", b, code)
	case 26:
		name := []string{"rule", "joint-state"}[p.rng.IntN(2)]
		delay := []int{0, 0, 120}[p.rng.IntN(3)]
		code, _ := p.call("POST", "/pd/api/v1/checker/"+name, fmt.Sprintf(`{"delay":%d}`, delay))
		return fmt.Sprintf("checker %s delay %d -> %d", name, delay, code)
	case 27:
		if p.rng.IntN(2) == 0 {
			code, _ := p.call("POST", "/pd/api/v1/schedulers", fmt.Sprintf(`{"name":"evict-leader-scheduler","store_id":%d}`, s1))
			return fmt.Sprintf("evict-leader %d -> %d", s1, code)
		}
		code, _ := p.call("DELETE", "/pd/api/v1/schedulers/evict-leader-scheduler", "")
		return fmt.Sprintf("remove evict-leader -> %d", code)
	case 28:
		code, _ := p.call("POST", "/pd/api/v1/config/replicate", []string{`{"max-replicas":3}`, `{"max-replicas":3}`, `{"max-replicas":4}`}[p.rng.IntN(3)])
		return fmt.Sprintf("max-replicas -> %d", code)
	default:
		return p.reads()
	}
}

// arrangeLike points a transfer-region of rid at other's stores.
func (p *propSim) arrangeLike(rid, other RegionID) {
	p.c.mu.RLock()
	o := p.c.regions[other]
	var ss, rs []string
	for i, s := range o.storeIDs() {
		ss = append(ss, fmt.Sprint(s))
		rs = append(rs, map[bool]string{true: `"leader"`, false: `"voter"`}[i == 0])
	}
	p.c.mu.RUnlock()
	p.post(fmt.Sprintf(`{"name":"transfer-region","region_id":%d,"to_store_ids":[%s],"peer_roles":[%s]}`, rid, strings.Join(ss, ","), strings.Join(rs, ",")))
	p.clock.Advance(5 * time.Second)
}

// reads fetches the JSON endpoints a client polls and checks they parse.
func (p *propSim) reads() string {
	for _, path := range []string{
		"/pd/api/v1/regions", "/pd/api/v1/stores", "/pd/api/v1/operators",
		"/pd/api/v1/regions/check/down-peer", "/pd/api/v1/regions/check/pending-peer",
		"/pd/api/v1/regions/check/miss-peer", "/pd/api/v1/stats/region", "/pd/api/v1/hotspot/regions/write",
	} {
		code, body := p.call("GET", path, "")
		if code != http.StatusOK {
			p.t.Fatalf("GET %s: %d %s\n%s", path, code, body, strings.Join(p.log, "\n"))
		}
		if !json.Valid([]byte(body)) {
			p.t.Fatalf("GET %s: invalid JSON %s\n%s", path, body, strings.Join(p.log, "\n"))
		}
	}
	return "reads"
}

func (p *propSim) check(stepNo int) {
	p.c.Sync()
	p.c.mu.RLock()
	err := checkInvariants(p.c)
	p.c.mu.RUnlock()
	if err != nil {
		tail := p.log
		if len(tail) > 40 {
			tail = tail[len(tail)-40:]
		}
		p.t.Fatalf("after step %d: %v\nlast steps:\n%s", stepNo, err, strings.Join(tail, "\n"))
	}
}

// TestModelInvariantsUnderRandomOperations applies long random sequences of
// API calls, faults and clock jumps and checks after every step that the
// model is consistent (see checkInvariants).
func TestModelInvariantsUnderRandomOperations(t *testing.T) {
	steps := 3000
	if testing.Short() || raceEnabled {
		// The race detector makes each step several times slower; the
		// random sequences are the same, only shorter.
		steps = 1000
	}
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			p := newPropSim(t, seed)
			p.check(0)
			for i := 1; i <= steps; i++ {
				desc := p.step()
				p.log = append(p.log, fmt.Sprintf("%d @%s: %s", i, p.clock.Now().Format("15:04:05.000"), desc))
				p.check(i)
			}
		})
	}
}
