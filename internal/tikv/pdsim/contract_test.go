package pdsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/operator-dev/operator/internal/tikv/pdfixture"
)

// The contract tests replay every exchange captured from a real PD (the
// fixtures in shared/pd/fixtures, beside the repository checkout) against
// pdsim, after putting pdsim into the situation the capture describes, and
// compare status, Content-Type, significant headers and the body: error
// texts exactly (ids and numbers aside), JSON bodies by shape (field names,
// types, nesting, omitted fields), operator descriptions after normalizing
// ids and timestamps.
//
// Setups live in contract_setup_test.go, the shape comparison in
// contract_shape_test.go.

// fixture is one exchange captured from a real PD (see shared/pd/README.md §1).
type fixture = pdfixture.Exchange

// fixturesOrSkip returns the fixture directory, skipping (or failing under
// OPERATOR_FULL_TEST=1) when it is not there.
func fixturesOrSkip(t *testing.T) string {
	t.Helper()
	return pdfixture.Dir(t)
}

// fixtureNames lists every *.json capture by name (without .json).
func fixtureNames(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatalf("no fixtures in %s", dir)
	}
	return names
}

func loadFixture(t *testing.T, dir, name string) *fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx fixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &fx
}

func isTimeline(name string) bool { return strings.HasPrefix(name, "TIMELINE_") }
func isMetrics(name string) bool  { return strings.HasPrefix(name, "GET_metrics") }

// TestContractFixtures replays every capture except the timelines (see
// TestContractTimelines) and /metrics (covered by the metrics tests, see
// TestContractCoverage).
func TestContractFixtures(t *testing.T) {
	dir := fixturesOrSkip(t)
	for _, name := range fixtureNames(t, dir) {
		if isTimeline(name) || isMetrics(name) {
			continue
		}
		if _, skip := contractAllowlist[name]; skip {
			continue
		}
		fx := loadFixture(t, dir, name)
		st, ok := setupFor(name)
		if !ok {
			t.Errorf("%s: no setup (add one to contractSetups or the allowlist)", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			opts := Options{Stores: 5, Regions: 300, NoSplit: true}
			if st.opts != nil {
				st.opts(&opts)
			}
			s := newTestSim(t, opts)
			if st.prep != nil {
				st.prep(s)
			}
			if st.path != nil {
				fx.Path = st.path(s, fx.Path)
			}
			checkExchange(t, s, fx, st)
		})
	}
}

// exchange sends the fixture's request to pdsim.
func (s *testSim) exchange(fx *fixture) (*http.Response, []byte) {
	s.t.Helper()
	var body io.Reader
	if fx.RequestBody != nil {
		body = strings.NewReader(*fx.RequestBody)
	}
	req, err := http.NewRequest(fx.Method, s.srv.URL+fx.Path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if fx.RequestContentType != nil {
		req.Header.Set("Content-Type", *fx.RequestContentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", fx.Method, fx.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: reading body: %v", fx.Method, fx.Path, err)
	}
	return resp, b
}

// significantHeaders are compared both ways; Content-Length versus chunked
// encoding, Date and Content-Type (compared separately) are not.
var significantHeaders = []string{
	"Tidb-Error-Code",
	"Access-Control-Allow-Origin",
	"Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers",
	"X-Content-Type-Options",
}

func checkExchange(t *testing.T, s *testSim, fx *fixture, st fxSetup) {
	t.Helper()
	resp, body := s.exchange(fx)
	if resp.StatusCode != fx.Status {
		t.Errorf("status: PD %d, pdsim %d (body %s)", fx.Status, resp.StatusCode, clip(body))
	}
	gotCT, hasCT := resp.Header["Content-Type"]
	switch {
	case fx.ContentType == nil && hasCT:
		t.Errorf("Content-Type: PD sends none, pdsim sends %q", gotCT)
	case fx.ContentType != nil && !hasCT:
		t.Errorf("Content-Type: PD sends %q, pdsim sends none", *fx.ContentType)
	case fx.ContentType != nil && resp.Header.Get("Content-Type") != *fx.ContentType:
		t.Errorf("Content-Type: PD %q, pdsim %q", *fx.ContentType, resp.Header.Get("Content-Type"))
	}
	for _, h := range significantHeaders {
		want, inPD := fx.Headers[h]
		got := resp.Header.Get(h)
		_, inSim := resp.Header[http.CanonicalHeaderKey(h)]
		if inPD != inSim || want != got {
			t.Errorf("header %s: PD %q (present %v), pdsim %q (present %v)", h, want, inPD, got, inSim)
		}
	}
	for h := range fx.Headers {
		switch http.CanonicalHeaderKey(h) {
		case "Content-Length", "Transfer-Encoding", "Date", "Content-Type":
			continue
		}
		found := false
		for _, sh := range significantHeaders {
			if http.CanonicalHeaderKey(sh) == http.CanonicalHeaderKey(h) {
				found = true
			}
		}
		if !found {
			t.Errorf("header %s in the capture is not checked; add it to significantHeaders", h)
		}
	}
	switch fx.BodyFormat {
	case "empty":
		if len(body) != 0 {
			t.Errorf("body: PD sends none, pdsim sends %s", clip(body))
		}
		return
	case "text":
		var want string
		if err := json.Unmarshal(fx.Body, &want); err != nil {
			t.Fatalf("text body: %v", err)
		}
		if string(body) != want {
			t.Errorf("body: PD %q, pdsim %q", want, clip(body))
		}
		return
	case "json":
	default:
		t.Fatalf("unknown body_format %q", fx.BodyFormat)
	}
	if fx.BodyRaw != nil {
		// Indentation shows only in non-empty objects and arrays.
		trivial := func(b string) bool {
			b = strings.TrimSpace(b)
			return len(b) < 2 || !strings.ContainsAny(b[1:], "{[\":,")
		}
		w, g := layout(*fx.BodyRaw), layout(string(body))
		if trivial(*fx.BodyRaw) || trivial(string(body)) {
			w = fmt.Sprint("newline-terminated: ", strings.HasSuffix(*fx.BodyRaw, "\n"))
			g = fmt.Sprint("newline-terminated: ", strings.HasSuffix(string(body), "\n"))
		}
		if w != g {
			t.Errorf("body layout: PD's is %v, pdsim's %v", w, g)
		}
	}
	want, err := decodeJSON(fx.Body)
	if err != nil {
		t.Fatalf("fixture body: %v", err)
	}
	got, err := decodeJSON(body)
	if err != nil {
		t.Errorf("pdsim body is not JSON (%v): %s", err, clip(body))
		return
	}
	for _, d := range compareBodies(fx, want, got, st) {
		t.Error(d)
	}
}

// layout describes how a JSON body is written: v1 handlers indent by two
// spaces and end with a newline, region endpoints and v2 write compact JSON
// without one.
func layout(raw string) string {
	out := "compact"
	if strings.Contains(raw, "\n  ") {
		out = "indented"
	}
	if strings.HasSuffix(raw, "\n") {
		out += ", newline-terminated"
	}
	return out
}

// compareBodies applies the comparison that fits the exchange.
func compareBodies(fx *fixture, want, got any, st fxSetup) []string {
	if fx.Status >= 400 {
		// Errors: the same kind of body and the exact text.
		return compareErrorValues("", want, got)
	}
	if ws, ok := want.(string); ok {
		gs, ok := got.(string)
		if !ok {
			return []string{"body: PD answers a JSON string, pdsim " + kindOf(got)}
		}
		if isOperatorPath(fx.Path) {
			return compareOpText(ws, gs)
		}
		if normDigits(ws) != normDigits(gs) {
			return []string{"body: PD says " + quote(ws) + ", pdsim says " + quote(gs)}
		}
		return nil
	}
	if fx.Method == http.MethodGet && isOperatorList(fx.Path) {
		return compareOpList(want, got, st)
	}
	rules := defaultRules()
	if fx.Truncated != nil {
		truncatedList(&rules)
	}
	if st.rules != nil {
		st.rules(&rules)
	}
	if fx.Method == http.MethodGet && isOperatorObjectList(fx.Path) {
		want, got = dropBackground(want), dropBackground(got)
		if isEmptyList(want) && isEmptyList(got) {
			return nil
		}
		diffs := compareShapes("", shapeOf(want), shapeOf(got), rules)
		return append(diffs, compareOpObjects(want, got, st)...)
	}
	return compareShapes("", shapeOf(want), shapeOf(got), rules)
}

// truncatedList: the capture cut a long list to its first elements; the
// elements it dropped may carry the fields PD omits while empty or zero (a
// learner's role, a region's down or pending peers, a store's transient
// counters), so pdsim's full list may show them.
func truncatedList(r *shapeRules) {
	for _, f := range omittedWhenZero {
		r.extraOK[f] = "the capture dropped most of the list"
	}
}

// omittedWhenZero are the fields PD leaves out of peers, regions and stores
// while they are empty, false or zero.
var omittedWhenZero = []string{
	"peers.is_learner", "peers.role", "leader.is_learner", "leader.role", "peer.is_learner", "peer.role",
	"regions.down_peers", "regions.pending_peers",
	"store.state", "store.labels", "store.physically_destroyed", "store.node_state",
	"status.learner_count", "status.witness_count", "status.pending_peer_count", "status.slow_score",
	"status.sending_snap_count", "status.receiving_snap_count", "status.is_busy",
}

// dropBackground removes PD's own background operators (see backgroundOps)
// from an ?object list.
func dropBackground(v any) any {
	l, ok := v.([]any)
	if !ok {
		return v
	}
	out := []any{}
	for _, e := range l {
		m, _ := e.(map[string]any)
		if d, _ := m["desc"].(string); backgroundOps[d] {
			continue
		}
		out = append(out, e)
	}
	return out
}

func isEmptyList(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) == 0
}

// defaultRules are the relaxations that hold for every exchange.
func defaultRules() shapeRules {
	return shapeRules{
		extraOK: map[string]string{
			// pd-simulator registers stores without a status address or a
			// start timestamp; a real TiKV reports both, and PD serves them
			// (omitted only while empty), so pdsim, which plays real TiKVs,
			// may send them.
			"store.status_address":  "real TiKV stores report a status address",
			"store.start_timestamp": "real TiKV stores report their start time",
		},
		missingOK: map[string]string{},
	}
}

func isOperatorPath(p string) bool {
	return strings.HasPrefix(p, "/pd/api/v1/operators/") && !strings.HasPrefix(p, "/pd/api/v1/operators/records")
}

func isOperatorList(p string) bool {
	if strings.HasPrefix(p, "/pd/api/v1/operators/records") {
		return true
	}
	if !strings.HasPrefix(p, "/pd/api/v1/operators") || strings.HasPrefix(p, "/pd/api/v1/operators/") {
		return false
	}
	return !strings.Contains(p, "object")
}

func isOperatorObjectList(p string) bool {
	return strings.HasPrefix(p, "/pd/api/v1/operators?") && strings.Contains(p, "object")
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func clip(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "..."
	}
	return string(b)
}

// compareOpText compares two operator descriptions ("status: RUNNING,
// operator: admin-transfer-leader {...} (...)") after normalization.
func compareOpText(want, got string) []string {
	if normOp(want) != normOp(got) {
		return []string{"operator: PD says\n\t" + want + "\npdsim says\n\t" + got + "\n(normalized: PD " + normOp(want) + "\n pdsim " + normOp(got) + ")"}
	}
	return nil
}

// backgroundOps are operators the captured PD created on its own for
// reasons pdsim's cluster does not have: the labeler split at pd-simulator's
// keyspace boundary (recreated every minute forever), the balance
// schedulers reacting to the hot-write case's skewed region sizes, and the
// scatter operators left by an earlier scatter-regions request. They are
// dropped from captured operator lists before comparing.
// pdsim registers shuffle-leader-scheduler but does not run it, so its
// operators are background too. They are dropped from both sides: a setup
// that injects one (to reproduce GET /operators/{region}) does not change
// the lists.
var backgroundOps = map[string]bool{
	"labeler-split-region":         true,
	"balance-region-scheduler":     true,
	"balance-leader-scheduler":     true,
	"balance-hot-region-scheduler": true,
	"shuffle-leader-scheduler":     true,
	"scatter-region":               true,
}

// compareOpList compares GET /operators (and /operators/records) bodies: a
// JSON array of operator descriptions, or null when a kind filter matches
// nothing. Captured background operators are dropped first; the rest must
// match one to one after normalization (or by desc alone for lists whose
// operators come and go with a drain, see fxSetup.looseOps).
func compareOpList(want, got any, st fxSetup) []string {
	if want == nil || got == nil {
		if (want == nil) != (got == nil) {
			return []string{"body: PD answers " + kindOf(want) + ", pdsim " + kindOf(got)}
		}
		return nil
	}
	wl, ok1 := want.([]any)
	gl, ok2 := got.([]any)
	if !ok1 || !ok2 {
		return []string{"body: PD answers " + kindOf(want) + ", pdsim " + kindOf(got)}
	}
	var ws, gs []string
	for _, v := range wl {
		s, ok := v.(string)
		if !ok {
			return []string{"PD's list holds " + kindOf(v)}
		}
		if !backgroundOps[opDesc(s)] {
			ws = append(ws, s)
		}
	}
	for _, v := range gl {
		s, ok := v.(string)
		if !ok {
			return []string{"pdsim's list holds " + kindOf(v) + ", PD's strings"}
		}
		if opDesc(s) == "" {
			return []string{"pdsim's list holds a string that is no operator description: " + s}
		}
		if !backgroundOps[opDesc(s)] {
			gs = append(gs, s)
		}
	}
	return matchOps(ws, gs, st.looseOps)
}

// compareOpObjects compares the operators of GET /operators?object by desc
// (and by brief, kind and timeout unless loose).
func compareOpObjects(want, got any, st fxSetup) []string {
	key := func(v any) (string, string) {
		m, _ := v.(map[string]any)
		desc, _ := m["desc"].(string)
		brief, _ := m["brief"].(string)
		kind, _ := m["kind"].(json.Number)
		timeout, _ := m["timeout"].(string)
		status, _ := m["status"].(json.Number)
		return desc, desc + " {" + normDigits(brief) + "} kind:" + kind.String() + " timeout:" + timeout + " status:" + status.String()
	}
	wl, _ := want.([]any)
	gl, _ := got.([]any)
	var ws, gs []string
	for _, v := range wl {
		d, k := key(v)
		if !backgroundOps[d] {
			ws = append(ws, k)
		}
	}
	for _, v := range gl {
		d, k := key(v)
		if !backgroundOps[d] {
			gs = append(gs, k)
		}
	}
	return matchOps(ws, gs, st.looseOps)
}

// matchOps pairs captured and simulated operators. Strict: the same
// normalized texts, as multisets. Loose: the same set of descs.
func matchOps(ws, gs []string, loose bool) []string {
	if loose {
		wd, gd := map[string]bool{}, map[string]bool{}
		for _, s := range ws {
			wd[opDesc(s)] = true
		}
		for _, s := range gs {
			gd[opDesc(s)] = true
		}
		var diffs []string
		for d := range wd {
			if !gd[d] {
				diffs = append(diffs, "PD lists a "+d+" operator, pdsim none")
			}
		}
		for d := range gd {
			if !wd[d] {
				diffs = append(diffs, "pdsim lists a "+d+" operator, PD none")
			}
		}
		sort.Strings(diffs)
		return diffs
	}
	count := map[string]int{}
	for _, s := range ws {
		count[normOp(s)]++
	}
	for _, s := range gs {
		count[normOp(s)]--
	}
	var diffs []string
	for k, n := range count {
		switch {
		case n > 0:
			diffs = append(diffs, "PD lists (normalized) "+k+", pdsim does not")
		case n < 0:
			diffs = append(diffs, "pdsim lists (normalized) "+k+", PD does not")
		}
	}
	sort.Strings(diffs)
	return diffs
}
