package eval

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/operator-dev/operator/internal/tikv/observe"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

const goodScenario = `# a comment
name: good
description: everything the format has
cluster: {stores: 4, regions: 40, seed: 7, max-store-down-time: 1m, store-capacity: 20GiB, no-split: true}
prometheus: true
events:
  - at: 10s
    fault: {type: kill-store, store: 3}
  - at: 5s
    pd: {method: post, path: /pd/api/v1/schedulers/balance-leader-scheduler, body: '{"delay": 3600}'}
  - at: 20s
    override: {path: /pd/api/v1/leader, body: 'null'}
  - at: 30s
    override: {path: /pd/api/v1/leader, clear: true}
run: 45s
expect:
  ticket: store-down/store=3
  cause: [store 3, max-store-down-time]
  action: {type: set_store_weight, params: {store_id: 3, leader_weight: 1, region_weight: 0.5}}
`

func TestParseReadsEveryField(t *testing.T) {
	sc, err := Parse("good.yaml", strings.NewReader(goodScenario))
	if err != nil {
		t.Fatal(err)
	}
	c := sc.Cluster
	if sc.Name != "good" || !sc.Prometheus || c.Stores != 4 || c.Regions != 40 || c.Seed != 7 ||
		c.MaxStoreDownTime != time.Minute || c.StoreCapacity != 20<<30 || !c.NoSplit {
		t.Errorf("scenario %+v", sc)
	}
	if sc.Run != 50*time.Second {
		t.Errorf("run %s, want 45s rounded up to whole steps: 50s", sc.Run)
	}
	if len(sc.Events) != 4 || sc.Events[0].Fault == nil || sc.Events[0].Line != 7 ||
		sc.Events[1].PD == nil || sc.Events[1].PD.Method != "POST" || sc.Events[1].At != 5*time.Second ||
		sc.Events[2].Override.Status != 200 || !sc.Events[3].Override.Clear {
		t.Errorf("events %+v", sc.Events)
	}
	a := sc.Expect.Action
	if a.None || a.Type != "set_store_weight" || !paramsEqual(a.Type, a.Params, map[string]any{"store_id": "3", "leader_weight": 1.0, "region_weight": 0.5}) {
		t.Errorf("action %+v", a)
	}
	if got := a.String(); got != "set_store_weight leader_weight=1 region_weight=0.5 store_id=3" {
		t.Errorf("action text %q", got)
	}

	none, err := Parse("none.yaml", strings.NewReader("name: n\nrun: 10s\nexpect: {ticket: pd-no-leader, cause: [leader], action: none}\n"))
	if err != nil || !none.Expect.Action.None || none.Cluster.Stores != defaultStores || none.Cluster.Regions != defaultRegions {
		t.Fatalf("minimal scenario: %+v %v", none, err)
	}
}

// Every mistake is reported with the file and its line, all at once.
func TestParseRejectsBadFilesClearly(t *testing.T) {
	const expect = "expect: {ticket: store-down/store=3, cause: [x], action: none}\n"
	cases := []struct {
		name, in string
		want     []string
	}{
		{"unknown key", "name: x\nrun: 10s\nevents:\n  - at: 1s\n    falt: {type: kill-store, store: 1}\n" + expect,
			[]string{"bad.yaml", "line 5: falt is not a known key"}},
		{"unknown fault field", "name: x\nrun: 10s\nevents:\n  - at: 1s\n    fault: {type: kill-store, stor: 1}\n" + expect,
			[]string{"line 5: stor is not a known key"}},
		{"unknown top-level key", "name: x\nrun: 10s\nexpected: {}\n" + expect, []string{"line 3: expected is not a known key"}},
		{"empty", "", []string{"bad.yaml", "empty"}},
		{"not yaml", "name: [x\n", []string{"bad.yaml", "line"}},
		{"several problems", "name: Bad_Name\nrun: soon\nevents:\n  - at: later\n    fault: {type: explode}\n  - at: 1s\n    pd: {method: FETCH, path: /api/v1/x}\n" + expect,
			[]string{"line 1: name \"Bad_Name\"", "line 2: run \"soon\"", "line 4: events[0]: at \"later\"", `line 4: events[0]: fault: unknown fault type "explode"`,
				`line 6: events[1]: pd.method "FETCH"`, `line 6: events[1]: pd.path "/api/v1/x"`}},
		{"fault with a bad latency", "name: x\nrun: 10s\nevents:\n  - at: 1s\n    fault: {type: slow-store, store: 1, latency: fast}\n" + expect,
			[]string{`line 4: events[0]: fault: latency "fast"`}},
		{"two kinds in one event", "name: x\nrun: 10s\nevents:\n  - at: 1s\n    fault: {type: kill-store, store: 1}\n    override: {path: /pd/api/v1/leader, body: x}\n" + expect,
			[]string{"line 4: events[0]: give exactly one of fault, pd and override"}},
		{"event after the run", "name: x\nrun: 10s\nevents:\n  - at: 1m\n    fault: {type: kill-store, store: 1}\n" + expect,
			[]string{"line 4: events[0]: at 1m0s is after the end of the run"}},
		{"bad override", "name: x\nrun: 10s\nevents:\n  - at: 1s\n    override: {path: /health, status: 999}\n" + expect,
			[]string{`override.path "/health"`, "override.status 999"}},
		{"run too long", "name: x\nrun: 100h\n" + expect, []string{"line 2: run 100h0m0s is longer than"}},
		{"no run", "name: x\n" + expect, []string{"run is missing"}},
		{"no expect", "name: x\nrun: 10s\n", []string{"expect is missing"}},
		{"expect without ticket, cause, action", "name: x\nrun: 10s\nexpect: {cause: []}\n",
			[]string{"expect.ticket is missing", "expect.cause is missing", "expect.action: is missing"}},
		{"action neither none nor a mapping", "name: x\nrun: 10s\nexpect: {ticket: t, cause: [x], action: nothing}\n",
			[]string{`line 3: expect.action: "nothing" is neither none nor`}},
		{"action not in the registry", "name: x\nrun: 10s\nexpect:\n  ticket: t\n  cause: [x]\n  action: {type: reboot-store, params: {store_id: 1}}\n",
			[]string{`line 6: expect.action: type "reboot-store" is not an action in the registry`}},
		{"action with an unknown param", "name: x\nrun: 10s\nexpect:\n  ticket: t\n  cause: [x]\n  action: {type: drain_store, params: {store: 1}}\n",
			[]string{"drain_store needs param store_id"}},
		{"action with an extra param", "name: x\nrun: 10s\nexpect:\n  ticket: t\n  cause: [x]\n  action: {type: drain_store, params: {store_id: 1, force: true}}\n",
			[]string{`drain_store takes no param "force"`}},
		{"action with an unknown key", "name: x\nrun: 10s\nexpect:\n  ticket: t\n  cause: [x]\n  action: {type: drain_store, parms: {store_id: 1}}\n",
			[]string{`line 6: expect.action: line 6: unknown key "parms"`}},
		{"bad cluster", "name: x\nrun: 10s\ncluster: {stores: -1, max-store-down-time: soon, store-capacity: lots}\n" + expect,
			[]string{"bad.yaml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", strings.NewReader(tc.in))
			if err == nil {
				t.Fatal("parsed")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestLoadChecksNamesAndReportsEveryFile(t *testing.T) {
	ok := "name: a\nrun: 10s\nexpect: {ticket: t, cause: [x], action: none}\n"
	fsys := fstest.MapFS{
		"a.yaml":      {Data: []byte(ok)},
		"b.yaml":      {Data: []byte(strings.Replace(ok, "name: a", "name: c", 1))},
		"broken.yaml": {Data: []byte("name: broken\n")},
		"notes.txt":   {Data: []byte("ignored")},
	}
	_, err := Load(fsys, "dir")
	if err == nil {
		t.Fatal("loaded")
	}
	for _, w := range []string{`scenario dir/b.yaml: name "c" differs from the file's name "b"`, "scenario dir/broken.yaml:\n  run is missing"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	scs, err := Load(fstest.MapFS{"a.yaml": {Data: []byte(ok)}}, "dir")
	if err != nil || len(scs) != 1 || scs[0].File != "dir/a.yaml" {
		t.Fatalf("%v %v", scs, err)
	}
	if _, err := Load(fstest.MapFS{}, "dir"); err == nil || !strings.Contains(err.Error(), "no scenarios") {
		t.Errorf("empty folder: %v", err)
	}
	if _, err := LoadDir(t.TempDir() + "/missing"); err == nil {
		t.Error("missing folder loaded")
	}
}

func TestSelect(t *testing.T) {
	scs := []*Scenario{{Name: "store-down-drain"}, {Name: "store-disconnected"}, {Name: "pd-unhealthy"}}
	got, err := Select(scs, "^store-")
	if err != nil || len(got) != 2 {
		t.Errorf("^store-: %v %v", got, err)
	}
	if _, err := Select(scs, "("); err == nil {
		t.Error("bad expression accepted")
	}
	if _, err := Select(scs, "nothing"); err == nil || !strings.Contains(err.Error(), `no scenario matches "nothing"`) {
		t.Errorf("no match: %v", err)
	}
}

func TestParamsCompareAfterNormalizing(t *testing.T) {
	cases := []struct {
		typ       string
		want, got map[string]any
		equal     bool
	}{
		{"drain_store", map[string]any{"store_id": 2}, map[string]any{"store_id": "2"}, true},
		{"set_store_weight", map[string]any{"store_id": 3, "leader_weight": 1, "region_weight": 0.5},
			map[string]any{"store_id": 3.0, "leader_weight": 1.0, "region_weight": 0.50}, true},
		{"pause_scheduler", map[string]any{"name": "balance-leader-scheduler", "for": "1h"},
			map[string]any{"name": "balance-leader-scheduler", "for": "60m"}, true},
		{"drain_store", map[string]any{"store_id": 2}, map[string]any{"store_id": 99}, false},
		{"split_region", map[string]any{"region_id": 9, "policy": "approximate"}, map[string]any{"region_id": 9, "policy": "scan"}, false},
		{"split_region", map[string]any{"region_id": 9, "policy": "approximate"}, map[string]any{"region_id": 9}, false},
	}
	for _, tc := range cases {
		if got := paramsEqual(tc.typ, tc.want, tc.got); got != tc.equal {
			t.Errorf("%s %v vs %v: equal %v, want %v", tc.typ, tc.want, tc.got, got, tc.equal)
		}
	}
}

// Every built-in scenario parses, is named after its file, and together
// they cover every invariant at least once, and "no action" at least
// twice.
func TestEmbeddedScenariosCoverEveryInvariant(t *testing.T) {
	scs, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) < 12 {
		t.Errorf("%d scenarios, want at least 12", len(scs))
	}
	covered := map[string]bool{}
	none := 0
	for _, sc := range scs {
		covered[invariantOf(sc.Expect.Ticket)] = true
		if sc.Expect.Action.None {
			none++
		}
	}
	for _, inv := range allInvariants(t) {
		if !covered[inv] {
			t.Errorf("no scenario judges a %s ticket", inv)
		}
	}
	if none < 2 {
		t.Errorf("%d scenarios expect no action, want at least 2", none)
	}
	if !covered["store-down"] {
		return
	}
	phases := map[string]bool{}
	for _, sc := range scs {
		if invariantOf(sc.Expect.Ticket) == "store-down" {
			phases[map[bool]string{true: "down", false: "disconnected"}[sc.Cluster.MaxStoreDownTime > 0 && sc.Cluster.MaxStoreDownTime < sc.Run]] = true
		}
	}
	if !phases["down"] || !phases["disconnected"] {
		t.Errorf("store-down scenarios cover phases %v, want both", phases)
	}
}

// allInvariants names every invariant of the TiKV subject, Prometheus's
// included.
func allInvariants(t *testing.T) []string {
	t.Helper()
	pdc, err := pd.New(pd.Config{Endpoint: "http://127.0.0.1:1", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pdc.Close()
	c, err := api.NewClient(api.Config{Address: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	subj, err := observe.New(observe.DefaultConfig(), pdc, promv1.NewAPI(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, inv := range subj.Invariants() {
		out = append(out, inv.Name())
	}
	return out
}
