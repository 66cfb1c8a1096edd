package pdsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// timelineFixture is a TIMELINE_operator__* capture: one admin operator's
// life as GET /operators/{region} showed it, polled every 50 ms.
type timelineFixture struct {
	Prefix         string          `json:"prefix"`
	RegionID       uint64          `json:"region_id"`
	RequestBody    json.RawMessage `json:"request_body"`
	StatusTimeline []struct {
		TMs    int64  `json:"t_ms"`
		Status int    `json:"status"`
		Body   string `json:"body"`
	} `json:"status_timeline"`
	Note string `json:"note"`
}

// timelineSetup prepares pdsim for one timeline and scripts what happened
// during it besides polling.
type timelineSetup struct {
	prep func(s *testSim)
	// postStatus is the answer to the request (200 unless rejected).
	postStatus int
	// at runs actions at the given milliseconds after the request.
	at map[int64]func(s *testSim)
}

// timelineSetups covers every TIMELINE_* capture, by name.
var timelineSetups = map[string]timelineSetup{
	"TIMELINE_operator__transfer-leader": {},
	"TIMELINE_operator__transfer-region": {},
	// The rule checker removes the extra voter right after (remove-orphan-peer).
	"TIMELINE_operator__add-peer": {prep: func(s *testSim) { s.arrange(1029, 1, 2, 4) }},
	"TIMELINE_operator__add-peer__rule_checker_paused": {prep: func(s *testSim) {
		pauseRule(s)
		s.arrange(1029, 1, 5, 4)
	}},
	"TIMELINE_operator__add-learner": {prep: func(s *testSim) { pauseRule(s); s.arrange(1061, 4, 5, 3) }},
	// The rule checker makes the replica up again right after (add-rule-peer).
	"TIMELINE_operator__remove-peer": {prep: func(s *testSim) { s.arrange(1029, 1, 4, 5) }},
	"TIMELINE_operator__merge-region": {prep: func(s *testSim) {
		pauseRule(s)
		s.arrange(1069, 1, 3, 4)
		s.arrange(1073, 2, 3, 5)
	}},
	"TIMELINE_operator__transfer-peer": {prep: func(s *testSim) { pauseRule(s); s.arrange(1065, 5, 2, 4) }},
	"TIMELINE_operator__split-region-approximate": {prep: func(s *testSim) {
		pauseRule(s)
		s.arrange(1009, 1, 3, 5)
	}},
	"TIMELINE_operator__split-region-usekey": {prep: func(s *testSim) {
		pauseRule(s)
		s.arrange(1049, 1, 2, 5)
	}},
	// Canceled by hand after ~27 s.
	"TIMELINE_operator__split-region-scan": {prep: pauseRule, at: map[int64]func(s *testSim){
		27400: func(s *testSim) { s.mustDo("DELETE", "/pd/api/v1/operators/1045", "") },
	}},
	// The admin request is rejected (placement rules need peer roles); PD's
	// balance-region scheduler later moves a peer of the same region, which
	// pdsim's even cluster has no reason to do: it is injected when PD
	// created it.
	"TIMELINE_operator__scheduler_balance-region": {postStatus: 500, at: map[int64]func(s *testSim){
		36500: func(s *testSim) { s.injectMove("balance-region-scheduler", 1009, 2, 5) },
	}},
}

// timelineState is one distinct answer of GET /operators/{region}: the
// status code and the normalized text (which keeps the status word, the
// operator, its current step and its timeout).
func timelineState(code int, body string) string {
	return fmt.Sprintf("%d %s", code, normOp(body))
}

// TestContractTimelines replays each timeline's request and polls pdsim
// every 50 ms of simulated time: the captured sequence of distinct answers
// must appear in pdsim's, in order (pdsim, polled on a manual clock, may
// show steps the 50 ms polling of the real PD missed), and both must end
// with the same answer.
func TestContractTimelines(t *testing.T) {
	dir := fixturesOrSkip(t)
	for _, name := range fixtureNames(t, dir) {
		if !isTimeline(name) {
			continue
		}
		st, ok := timelineSetups[name]
		if !ok {
			t.Errorf("%s: no timeline setup", name)
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var tl timelineFixture
		if err := json.Unmarshal(b, &tl); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runTimeline(t, tl, st)
		})
	}
}

func runTimeline(t *testing.T, tl timelineFixture, st timelineSetup) {
	s := newTestSim(t, Options{Stores: 5, Regions: 300, NoSplit: true})
	if st.prep != nil {
		st.prep(s)
	}
	var want []string
	for _, e := range tl.StatusTimeline {
		body := e.Body
		var str string
		if json.Unmarshal([]byte(body), &str) == nil {
			body = str
		}
		state := timelineState(e.Status, body)
		if len(want) == 0 || want[len(want)-1] != state {
			want = append(want, state)
		}
	}
	if len(want) == 0 {
		t.Fatal("empty timeline")
	}
	code, body, _ := s.do("POST", "/pd/api/v1/operators", string(tl.RequestBody))
	wantPost := st.postStatus
	if wantPost == 0 {
		wantPost = http.StatusOK
	}
	if code != wantPost {
		t.Fatalf("POST %s: %d %s, want %d", tl.RequestBody, code, body, wantPost)
	}
	last := tl.StatusTimeline[len(tl.StatusTimeline)-1].TMs
	var got []string
	path := fmt.Sprintf("/pd/api/v1/operators/%d", tl.RegionID)
	for ms := int64(0); ms <= last+5000; ms += 50 {
		for at, action := range st.at {
			if at > ms-50 && at <= ms {
				action(s)
			}
		}
		code, body, _ := s.do("GET", path, "")
		var str string
		if err := json.Unmarshal([]byte(body), &str); err != nil {
			t.Fatalf("GET %s: %d %s is no JSON string", path, code, body)
		}
		state := timelineState(code, str)
		if len(got) == 0 || got[len(got)-1] != state {
			got = append(got, state)
		}
		s.clock.Advance(50 * time.Millisecond)
	}
	t.Logf("pdsim answers:\n\t%s", strings.Join(got, "\n\t"))
	if !isSubsequence(want, got) {
		t.Errorf("PD's sequence of answers is not pdsim's:\nPD:\n\t%s\npdsim:\n\t%s", strings.Join(want, "\n\t"), strings.Join(got, "\n\t"))
		return
	}
	if want[len(want)-1] != got[len(got)-1] {
		t.Errorf("final answer: PD %s\npdsim %s", want[len(want)-1], got[len(got)-1])
	}
	if w, g := statusWord(want[len(want)-1]), statusWord(got[len(got)-1]); w != g {
		t.Errorf("final status: PD %s, pdsim %s", w, g)
	}
}

var statusWordRe = regexp.MustCompile(`status: ([A-Z]+)`)

func statusWord(state string) string {
	if m := statusWordRe.FindStringSubmatch(state); m != nil {
		return m[1]
	}
	return state
}

func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && want[i] == g {
			i++
		}
	}
	return i == len(want)
}

// metricsFixtures are the GET_metrics* captures; the /metrics contract is
// tested by metrics_test.go (metricsScenarios), not here.
var metricsFixtures = []string{
	"GET_metrics",
	"GET_metrics__after_failure_recovery",
	"GET_metrics__all_stores_disconnected",
	"GET_metrics__all_stores_down",
	"GET_metrics__hot_cluster",
	"GET_metrics__one_store_disconnected",
	"GET_metrics__one_store_down",
}

// TestContractCoverage checks that every capture is replayed somewhere:
// by TestContractFixtures (a setup), by TestContractTimelines, by the
// metrics tests, or listed in the allowlist with a reason; and that no
// table names a capture that does not exist.
func TestContractCoverage(t *testing.T) {
	dir := fixturesOrSkip(t)
	names := fixtureNames(t, dir)
	exists := map[string]bool{}
	for _, n := range names {
		exists[n] = true
	}
	metrics := map[string]bool{}
	for _, n := range metricsFixtures {
		metrics[n] = true
	}
	for _, n := range names {
		_, setup := contractSetups[n]
		_, allowed := contractAllowlist[n]
		_, timeline := timelineSetups[n]
		var homes []string
		if setup {
			homes = append(homes, "contractSetups")
		}
		if allowed {
			homes = append(homes, "contractAllowlist")
		}
		if timeline {
			homes = append(homes, "timelineSetups")
		}
		if metrics[n] {
			homes = append(homes, "metricsFixtures")
		}
		switch {
		case len(homes) == 0:
			t.Errorf("%s is covered by no test", n)
		case len(homes) > 1:
			t.Errorf("%s is in several tables: %v", n, homes)
		case isTimeline(n) && !timeline:
			t.Errorf("%s is a timeline but is not in timelineSetups", n)
		case isMetrics(n) && !metrics[n]:
			t.Errorf("%s is a metrics capture but is not in metricsFixtures", n)
		}
	}
	for _, table := range []map[string]bool{keys(contractSetups), keys(contractAllowlist), keys(timelineSetups), metrics} {
		for n := range table {
			if !exists[n] {
				t.Errorf("%s names no capture", n)
			}
		}
	}
	for n, reason := range contractAllowlist {
		if strings.TrimSpace(reason) == "" {
			t.Errorf("allowlisted %s has no reason", n)
		}
	}
	// The metrics captures must be named by the metrics tests.
	var src strings.Builder
	tests, _ := filepath.Glob("*_test.go")
	for _, f := range tests {
		if strings.HasPrefix(f, "contract_") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	for _, n := range metricsFixtures {
		if !strings.Contains(src.String(), `"`+n+`"`) {
			t.Errorf("%s: no metrics test names this capture", n)
		}
	}
}

func keys[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}
