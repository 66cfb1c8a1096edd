package pdsim

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentReadsDuringWrites hammers the read endpoints from several
// goroutines over real HTTP while another injects faults, posts operators
// and config, and moves the clock. Under `go test -race` it catches any
// read path that mutates shared state under the read lock, or any field
// read without the lock; without -race it still checks that every read
// answers and that the model stays consistent.
func TestConcurrentReadsDuringWrites(t *testing.T) {
	s := newTestSim(t, Options{Stores: 6, Regions: 60})
	// A posted schedulers-v2 decodes into a slice with room to grow (three
	// entries, capacity four): a reader that appended to the live config's
	// slice would race with the next reader.
	if code, body, _ := s.do("POST", "/pd/api/v1/config/schedule",
		`{"schedulers-v2":[{"type":"balance-leader"},{"type":"balance-region"},{"type":"hot-region"}]}`); code != 200 {
		t.Fatalf("post config: %d %s", code, body)
	}
	reads := []string{
		"/pd/api/v1/stores", "/pd/api/v1/stores/check?state=up", "/pd/api/v1/store/1",
		"/pd/api/v1/regions", "/pd/api/v1/regions/count", "/pd/api/v1/region/id/9",
		"/pd/api/v1/regions/key?key=&limit=5", "/pd/api/v1/regions/store/2", "/pd/api/v1/regions/sibling/9",
		"/pd/api/v1/regions/check/miss-peer", "/pd/api/v1/regions/check/down-peer",
		"/pd/api/v1/regions/check/pending-peer", "/pd/api/v1/regions/check/offline-peer",
		"/pd/api/v1/regions/check/hist-size", "/pd/api/v1/regions/size?limit=3",
		"/pd/api/v1/regions/replicated?startKey=&endKey=", "/pd/api/v1/regions/range-holes",
		"/pd/api/v1/stats/region", "/pd/api/v1/operators", "/pd/api/v1/operators?object",
		"/pd/api/v1/operators/9", "/pd/api/v1/operators/records",
		"/pd/api/v1/schedulers", "/pd/api/v1/schedulers?status=paused&timestamp=true",
		"/pd/api/v1/scheduler-config/evict-leader-scheduler/list", "/pd/api/v1/checker/rule",
		"/pd/api/v1/config", "/pd/api/v1/config/schedule", "/pd/api/v1/config/replicate",
		"/pd/api/v1/config/rules/region/9/detail", "/pd/api/v1/hotspot/regions/write",
		"/pd/api/v1/hotspot/regions/read", "/pd/api/v1/hotspot/stores",
		"/pd/api/v1/stores/progress?action=removing", "/pd/api/v1/stores/limit", "/pd/api/v1/labels",
		"/pd/api/v2/maintenance", "/pd/api/v1/cluster", "/pd/api/v1/members", "/pd/api/v1/health",
		"/pdsim/v1/status", "/metrics", "/pdsim/v1/tikv/1/metrics", "/pdsim/v1/tikv/3/metrics",
	}
	get := func(path string) error {
		resp, err := http.Get(s.srv.URL + path)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return fmt.Errorf("GET %s: %w", path, err)
		}
		if resp.StatusCode >= 500 && resp.StatusCode != 500 && resp.StatusCode != 503 {
			return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		return nil
	}

	// First a burst of readers on the same endpoints at once: two readers
	// only race when their read-locked sections overlap.
	var burst sync.WaitGroup
	burstErrs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		burst.Add(1)
		go func() {
			defer burst.Done()
			for i := 0; i < 40; i++ {
				for _, p := range []string{"/pd/api/v1/config/schedule", "/pd/api/v1/config", "/metrics"} {
					if err := get(p); err != nil {
						burstErrs <- err
						return
					}
				}
			}
		}()
	}
	burst.Wait()
	close(burstErrs)
	for err := range burstErrs {
		t.Fatal(err)
	}

	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				if err := get(reads[i%len(reads)]); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}

	writes := []func(i int){
		func(i int) { s.clock.Advance(time.Duration(i%7) * 700 * time.Millisecond) },
		func(i int) { s.c.Inject(Fault{Type: "kill-store", Store: uint64(i%6 + 1)}) },
		func(i int) { s.c.Inject(Fault{Type: "restore-store", Store: uint64((i+3)%6 + 1)}) },
		func(i int) { s.c.Inject(Fault{Type: "hotspot", Region: 9, BytesPerSecond: 4 << 20}) },
		func(i int) { s.c.Inject(Fault{Type: "lose-peers", Region: uint64(4*(i%50) + 5), Count: 1}) },
		func(i int) { s.c.Inject(Fault{Type: "leader-imbalance", Store: uint64(i%6 + 1), Fraction: 0.3}) },
		func(i int) {
			s.do("POST", "/pd/api/v1/operators", fmt.Sprintf(`{"name":"add-peer","region_id":%d,"store_id":%d}`, 4*(i%50)+5, i%6+1))
		},
		func(i int) {
			s.do("POST", "/pd/api/v1/operators", fmt.Sprintf(`{"name":"split-region","region_id":%d,"policy":"approximate"}`, 4*(i%50)+5))
		},
		func(i int) { s.do("DELETE", fmt.Sprintf("/pd/api/v1/operators/%d", 4*(i%50)+5), "") },
		func(i int) { s.do("POST", fmt.Sprintf("/pd/api/v1/store/%d/state?state=Offline", i%6+1), "") },
		func(i int) { s.do("POST", fmt.Sprintf("/pd/api/v1/store/%d/state?state=Up", i%6+1), "") },
		func(i int) {
			s.do("POST", "/pd/api/v1/schedulers", fmt.Sprintf(`{"name":"evict-leader-scheduler","store_id":%d}`, i%6+1))
		},
		func(i int) {
			s.do("POST", "/pd/api/v1/config/schedule", `{"leader-schedule-limit":`+fmt.Sprint(i%8+1)+`}`)
		},
		func(i int) { s.do("PUT", fmt.Sprintf("/pd/api/v2/maintenance/drain/%d", i), "") },
		func(i int) { s.do("DELETE", fmt.Sprintf("/pd/api/v2/maintenance/drain/%d", i-1), "") },
	}
	for i := 0; i < 600; i++ {
		writes[i%len(writes)](i)
	}
	close(done)
	wg.Wait()
	close(errs)
	var msgs []string
	for err := range errs {
		msgs = append(msgs, err.Error())
	}
	if len(msgs) > 0 {
		t.Fatalf("reads failed:\n%s", strings.Join(msgs, "\n"))
	}
	s.c.Sync()
	s.c.mu.RLock()
	defer s.c.mu.RUnlock()
	if err := checkInvariants(s.c); err != nil {
		t.Fatal(err)
	}
}
