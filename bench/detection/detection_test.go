package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/operator-dev/operator/internal/testenv"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func TestParseOptions(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		want    func(o options) bool
		wantErr string
	}{
		{name: "defaults", args: nil, want: func(o options) bool {
			return slices.Equal(o.Faults, []string{"kill-store", "fill-disk", "lose-peers"}) &&
				slices.Equal(o.Sizes, []int{10_000, 100_000, 1_000_000}) && o.Regions == 10_000 && o.Cycles == 20 && o.Control
		}},
		{name: "one fault, suffixed sizes", args: []string{"--faults", " lose-peers ", "--sizes", "10k,1M", "--regions", "2000"}, want: func(o options) bool {
			return slices.Equal(o.Faults, []string{"lose-peers"}) && slices.Equal(o.Sizes, []int{10_000, 1_000_000}) && o.Regions == 2000
		}},
		{name: "skip both runs", args: []string{"--faults", "", "--sizes", ""}, want: func(o options) bool {
			return len(o.Faults) == 0 && len(o.Sizes) == 0
		}},
		{name: "unknown fault", args: []string{"--faults", "kill-store,melt-cpu"}, wantErr: `unknown fault "melt-cpu"`},
		{name: "fault twice", args: []string{"--faults", "fill-disk,fill-disk"}, wantErr: "given twice"},
		{name: "bad size", args: []string{"--sizes", "10k,lots"}, wantErr: `"lots"`},
		{name: "zero size", args: []string{"--sizes", "0"}, wantErr: "between 1 and 10M"},
		{name: "huge size", args: []string{"--sizes", "11M"}, wantErr: "between 1 and 10M"},
		{name: "too few stores", args: []string{"--stores", "2"}, wantErr: "at least 3"},
		{name: "fewer regions than lost", args: []string{"--regions", "100"}, wantErr: "fewer than --miss-peer-regions"},
		{name: "no cycles", args: []string{"--cycles", "0"}, wantErr: "--cycles"},
		{name: "stray argument", args: []string{"now"}, wantErr: "unexpected arguments"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseOptions(tc.args, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseOptions(%q) = %v, want an error containing %q", tc.args, err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.want(o) {
				t.Fatalf("parseOptions(%q) = %+v, %v", tc.args, o, err)
			}
		})
	}
}

func TestFootprintRuns(t *testing.T) {
	cases := []struct {
		sizes   []int
		control bool
		want    []footprintRun
	}{
		{[]int{10_000, 1_000_000, 100_000}, true, []footprintRun{{10_000, true}, {1_000_000, true}, {100_000, true}, {1_000_000, false}}},
		{[]int{10_000}, false, []footprintRun{{10_000, true}}},
		{nil, true, nil},
	}
	for _, tc := range cases {
		if got := footprintRuns(options{Sizes: tc.sizes, Control: tc.control}); !slices.Equal(got, tc.want) {
			t.Errorf("footprintRuns(%v, control=%v) = %v, want %v", tc.sizes, tc.control, got, tc.want)
		}
	}
}

func TestParseAPIAddr(t *testing.T) {
	cases := []struct {
		name, log, want string
	}{
		{"found after other lines", `{"time":"2026-01-01T00:00:00Z","level":"INFO","msg":"migrating"}
not json at all
{"time":"2026-01-01T00:00:00Z","level":"INFO","msg":"operator running","api":"http://127.0.0.1:40123","pd":"http://x"}
`, "http://127.0.0.1:40123"},
		{"not yet running", `{"msg":"migrating"}`, ""},
		{"running line without a URL", `{"msg":"operator running","api":"127.0.0.1:1"}`, ""},
		{"text format is not read", `time=x level=INFO msg="operator running" api=http://127.0.0.1:1`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseAPIAddr([]byte(tc.log))
			if got != tc.want || ok != (tc.want != "") {
				t.Fatalf("parseAPIAddr = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

func TestParseCycleStats(t *testing.T) {
	cases := []struct {
		name, body string
		want       cycleStats
		wantErr    string
	}{
		{"labelled histogram", `# HELP operator_monitor_cycle_duration_seconds Time one monitor cycle took.
# TYPE operator_monitor_cycle_duration_seconds histogram
operator_monitor_cycle_duration_seconds_bucket{subject="tikv",le="0.005"} 3
operator_monitor_cycle_duration_seconds_sum{subject="tikv"} 0.25
operator_monitor_cycle_duration_seconds_count{subject="tikv"} 21
operator_monitor_cycle_duration_seconds_summary_like 99
go_goroutines 12
`, cycleStats{Count: 21, Sum: 0.25}, ""},
		{"two label sets add up", `operator_monitor_cycle_duration_seconds_sum{subject="a"} 1
operator_monitor_cycle_duration_seconds_sum{subject="b"} 2
operator_monitor_cycle_duration_seconds_count{subject="a"} 3
operator_monitor_cycle_duration_seconds_count{subject="b"} 4 1700000000000
`, cycleStats{Count: 7, Sum: 3}, ""},
		{"no labels", "operator_monitor_cycle_duration_seconds_sum 1.5\noperator_monitor_cycle_duration_seconds_count 2\n", cycleStats{Count: 2, Sum: 1.5}, ""},
		{"absent", "go_goroutines 12\n", cycleStats{}, "no operator_monitor_cycle_duration_seconds"},
		{"bad value", `operator_monitor_cycle_duration_seconds_sum{subject="tikv"} lots`, cycleStats{}, "lots"},
		{"unclosed labels", `operator_monitor_cycle_duration_seconds_sum{subject="tikv" 1`, cycleStats{}, "unclosed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCycleStats([]byte(tc.body))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseCycleStats = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestParseProc(t *testing.T) {
	status := "Name:\toperator\nVmPeak:\t 1300000 kB\nVmHWM:\t   65432 kB\nVmRSS:\t   61234 kB\nThreads:\t9\nVmSwap:\tlots\n"
	if v, err := parseStatusKiB([]byte(status), "VmRSS"); err != nil || v != 61234 {
		t.Errorf("VmRSS = %d, %v", v, err)
	}
	if v, err := parseStatusKiB([]byte(status), "VmHWM"); err != nil || v != 65432 {
		t.Errorf("VmHWM = %d, %v", v, err)
	}
	if _, err := parseStatusKiB([]byte(status), "VmSwap"); err == nil {
		t.Error("VmSwap without kB parsed")
	}
	if _, err := parseStatusKiB([]byte(status), "VmData"); err == nil {
		t.Error("a missing key parsed")
	}
	// Field 2 may hold spaces and parentheses: count from the last ')'.
	stat := "4242 (op (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 137 42 0 0 20 0 9 0 123 1300000000 15000 18446744073709551615"
	if v, err := parseStatCPU([]byte(stat)); err != nil || v != 179 {
		t.Errorf("utime+stime = %d, %v; want 179", v, err)
	}
	for _, bad := range []string{"4242 operator S 1", "4242 (op) S 1 2 3", "4242 (op) S 1 4242 4242 0 -1 4194560 900 0 0 0 x 42 0"} {
		if _, err := parseStatCPU([]byte(bad)); err == nil {
			t.Errorf("parseStatCPU(%q) did not fail", bad)
		}
	}
	// And the real thing, for this process.
	ps, err := readProc(os.Getpid())
	if err != nil {
		testenv.Missing(t, "no /proc here: %v", err)
	}
	if ps.RSSKiB <= 0 || ps.HWMKiB < ps.RSSKiB {
		t.Errorf("readProc(self) = %+v", ps)
	}
}

func TestWebhook(t *testing.T) {
	payload := func(status, name, startsAt string) string {
		return `{"version":"4","status":"` + status + `","receiver":"harness","groupLabels":{"alertname":"` + name + `"},
"alerts":[{"status":"` + status + `","labels":{"alertname":"` + name + `","instance":"127.0.0.1:1"},"startsAt":"` + startsAt + `","endsAt":"0001-01-01T00:00:00Z"}]}`
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	now := t0
	log := newWebhookLog(func() time.Time { return now })
	srv := httptest.NewServer(log)
	defer srv.Close()
	post := func(body string) int {
		resp, err := http.Post(srv.URL+"/alerts", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(payload("resolved", "PD_cluster_low_space", "2026-01-02T03:00:00Z")); got != 200 {
		t.Fatalf("resolved: %d", got)
	}
	if _, ok := log.get("PD_cluster_low_space"); ok {
		t.Fatal("a resolved alert counted as an arrival")
	}
	post(payload("firing", "PD_cluster_low_space", "2026-01-02T03:03:00Z"))
	now = t0.Add(time.Minute)
	post(payload("firing", "PD_cluster_low_space", "2026-01-02T03:03:30Z"))
	a, ok := log.get("PD_cluster_low_space")
	if !ok || !a.At.Equal(t0) || !a.StartsAt.Equal(time.Date(2026, 1, 2, 3, 3, 0, 0, time.UTC)) {
		t.Fatalf("first arrival = %+v, %v", a, ok)
	}
	for _, bad := range []string{"{", `{"version":"3","alerts":[]}`} {
		if got := post(bad); got != http.StatusBadRequest {
			t.Errorf("POST %q = %d, want 400", bad, got)
		}
	}
}

func TestParsePromAlerts(t *testing.T) {
	body := `{"status":"success","data":{"alerts":[
{"labels":{"alertname":"PD_cluster_low_space","instance":"a"},"state":"pending","activeAt":"2026-01-02T03:04:05.5Z","value":"1e+00"},
{"labels":{"alertname":"PD_cluster_low_space","instance":"b"},"state":"firing","activeAt":"2026-01-02T03:04:00Z","value":"1e+00"},
{"labels":{},"state":"firing","activeAt":"2026-01-02T03:04:00Z"}]}}`
	got, err := parsePromAlerts([]byte(body))
	if err != nil || len(got) != 1 || !got["PD_cluster_low_space"].Equal(time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)) {
		t.Fatalf("parsePromAlerts = %v, %v", got, err)
	}
	for _, bad := range []string{"", `{"status":"error","error":"boom"}`} {
		if _, err := parsePromAlerts([]byte(bad)); err == nil {
			t.Errorf("parsePromAlerts(%q) did not fail", bad)
		}
	}
}

func TestParseVersionAndCount(t *testing.T) {
	if got := parseVersion("prometheus, version 2.42.0+ds (branch: debian/sid, revision: x)\n  build user: y\n"); got != "prometheus 2.42.0+ds" {
		t.Errorf("parseVersion = %q", got)
	}
	if got := parseVersion("something else\n"); got != "something else" {
		t.Errorf("parseVersion = %q", got)
	}
	for n, want := range map[int]string{10_000: "10k", 1_000_000: "1M", 1500: "1500", 2_500_000: "2500k"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
	if got := cpuModel([]byte("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n")); got != "AMD EPYC 7B13" {
		t.Errorf("cpuModel = %q", got)
	}
}

func TestFaultMatchesTicket(t *testing.T) {
	kill, _ := faultByName("kill-store")
	cases := []struct {
		t    apiTicket
		want bool
	}{
		{apiTicket{Invariant: "store-down", Labels: map[string]string{"store": "3"}}, true},
		{apiTicket{Invariant: "store-down", Labels: map[string]string{"store": "4"}}, false},
		{apiTicket{Invariant: "store-low-space", Labels: map[string]string{"store": "3"}}, false},
	}
	for _, tc := range cases {
		if got := kill.matches(tc.t); got != tc.want {
			t.Errorf("matches(%+v) = %v", tc.t, got)
		}
	}
	miss, _ := faultByName("lose-peers")
	if !miss.matches(apiTicket{Invariant: "region-miss-peer"}) {
		t.Error("region-miss-peer does not match lose-peers")
	}
}

// TestRulesArePDsAndMatchPDSim checks the embedded rules: each fault's alert
// is there with PD's `for: 1m`, and every series type a rule selects is one
// pdsim (like PD) exports, so no rule is silently dead.
func TestRulesArePDsAndMatchPDSim(t *testing.T) {
	var file struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
				For   string `yaml:"for"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(pdRules, &file); err != nil {
		t.Fatal(err)
	}
	exprs := map[string]string{}
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			if r.For != "1m" {
				t.Errorf("%s: for %q, PD's rules say 1m", r.Alert, r.For)
			}
			exprs[r.Alert] = r.Expr
		}
	}
	for _, f := range faults {
		if exprs[f.Alert] == "" {
			t.Errorf("fault %s: alert %s is not in pd.rules.yml", f.Name, f.Alert)
		}
	}
	if !strings.Contains(exprs["PD_miss_peer_region_count"], "> 100") {
		t.Errorf("PD_miss_peer_region_count lost PD's threshold: %s", exprs["PD_miss_peer_region_count"])
	}

	c := pdsim.New(pdsim.Options{Stores: 3, Regions: 10, Clock: pdsim.NewManualClock(time.Now())})
	rec := httptest.NewRecorder()
	pdsim.NewServer(c, "http://127.0.0.1:2379").ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	metrics := rec.Body.String()
	sel := regexp.MustCompile(`([a-z_]+)\{type="([^"]+)"\}`)
	for alert, expr := range exprs {
		for _, m := range sel.FindAllStringSubmatch(expr, -1) {
			series := regexp.MustCompile(`(?m)^` + m[1] + `\{[^}]*\btype="` + regexp.QuoteMeta(m[2]) + `"`)
			if !series.MatchString(metrics) {
				t.Errorf("%s selects %s{type=%q}, which pdsim does not export", alert, m[1], m[2])
			}
		}
	}
}

// TestConfigsCheck runs promtool and amtool over the generated configs.
func TestConfigsCheck(t *testing.T) {
	tools := map[string]string{}
	for _, name := range []string{"promtool", "amtool"} {
		p, err := exec.LookPath(name)
		if err != nil {
			testenv.Missing(t, "%s not found: apt-get install prometheus prometheus-alertmanager (./scripts/test installs them)", name)
		}
		tools[name] = p
	}
	dir := t.TempDir()
	rules := filepath.Join(dir, "pd.rules.yml")
	prom := filepath.Join(dir, "prometheus.yml")
	am := filepath.Join(dir, "alertmanager.yml")
	os.WriteFile(rules, pdRules, 0o600)
	os.WriteFile(prom, []byte(prometheusConfig(rules, "127.0.0.1:2379", "127.0.0.1:9093")), 0o600)
	os.WriteFile(am, []byte(alertmanagerConfig("http://127.0.0.1:1/alerts")), 0o600)
	for _, args := range [][]string{
		{tools["promtool"], "check", "config", prom},
		{tools["amtool"], "check-config", am},
	} {
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if !bytes.Contains(out, []byte("SUCCESS")) {
			t.Errorf("%s said:\n%s", strings.Join(args, " "), out)
		}
	}
}
