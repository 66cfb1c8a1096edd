package pd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pdfixture"
)

// fixture is one exchange captured from a real PD.
type fixture struct{ pdfixture.Exchange }

// timeline is a TIMELINE_operator__* file: one admin operator's life.
type timeline struct {
	Prefix         string `json:"prefix"`
	StatusTimeline []struct {
		TMs    int             `json:"t_ms"`
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	} `json:"status_timeline"`
	RegionWatchAfter []struct {
		OperatorStatus string `json:"operator_status"`
	} `json:"region_watch_after"`
}

// requireFixtures returns the fixture directory or skips the test.
func requireFixtures(t testing.TB) string {
	t.Helper()
	return pdfixture.Dir(t)
}

// loadFixtures reads every exchange fixture (not the timelines), sorted by name.
func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	dir := requireFixtures(t)
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []fixture
	for _, p := range paths {
		if strings.HasPrefix(filepath.Base(p), "TIMELINE_") {
			continue
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var fx fixture
		if err := json.Unmarshal(raw, &fx); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if fx.Name == "" {
			fx.Name = strings.TrimSuffix(filepath.Base(p), ".json")
		}
		out = append(out, fx)
	}
	if len(out) == 0 {
		t.Fatalf("no fixtures in %s", dir)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func loadTimelines(t testing.TB) map[string]timeline {
	t.Helper()
	dir := requireFixtures(t)
	paths, _ := filepath.Glob(filepath.Join(dir, "TIMELINE_operator__*.json"))
	out := map[string]timeline{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var tl timeline
		if err := json.Unmarshal(raw, &tl); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[filepath.Base(p)] = tl
	}
	return out
}

// responseBody is the exact body PD sent: body_raw when captured, else the
// parsed body re-marshalled (json.RawMessage keeps big numbers exact).
func (fx fixture) responseBody(t testing.TB) []byte {
	t.Helper()
	if fx.BodyRaw != nil {
		return []byte(*fx.BodyRaw)
	}
	switch fx.BodyFormat {
	case "empty":
		return nil
	case "text":
		var s string
		if err := json.Unmarshal(fx.Body, &s); err != nil {
			t.Fatalf("%s: text body: %v", fx.Name, err)
		}
		return []byte(s)
	}
	return []byte(fx.Body)
}

func (fx fixture) pathOnly() string {
	p, _, _ := strings.Cut(fx.Path, "?")
	return p
}

func (fx fixture) query() url.Values {
	_, q, _ := strings.Cut(fx.Path, "?")
	v, _ := url.ParseQuery(q)
	return v
}

func (fx fixture) requestBody() string {
	if fx.RequestBody == nil {
		return ""
	}
	return *fx.RequestBody
}

// fixtureServer replays fx. It records in hits how many requests arrived and
// reports (via t) any difference between what the client sent and what was
// captured: method, path, query and body.
func fixtureServer(t *testing.T, fx fixture, hits *atomic.Int32) *httptest.Server {
	t.Helper()
	body := fx.responseBody(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		got, _ := io.ReadAll(r.Body)
		if problem := requestDiff(fx, r, got); problem != "" {
			t.Errorf("%s: request differs from the captured one: %s", fx.Name, problem)
		}
		for k, v := range fx.Headers {
			if k == "Content-Length" || k == "Content-Type" {
				continue
			}
			w.Header().Set(k, v)
		}
		if fx.ContentType != nil {
			w.Header().Set("Content-Type", *fx.ContentType)
		} else {
			w.Header()["Content-Type"] = nil // no sniffing: PD sent none
		}
		w.WriteHeader(fx.Status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func requestDiff(fx fixture, r *http.Request, body []byte) string {
	if r.Method != fx.Method {
		return fmt.Sprintf("method %s, captured %s", r.Method, fx.Method)
	}
	if r.URL.EscapedPath() != fx.pathOnly() {
		return fmt.Sprintf("path %s, captured %s", r.URL.EscapedPath(), fx.pathOnly())
	}
	if got, want := r.URL.Query(), fx.query(); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
		return fmt.Sprintf("query %v, captured %v", got, want)
	}
	want := fx.requestBody()
	if fx.RequestContentType != nil && strings.Contains(*fx.RequestContentType, "json") && want != "" {
		if !sameJSON(body, []byte(want)) {
			return fmt.Sprintf("body %s, captured %s", body, want)
		}
		if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
			return fmt.Sprintf("content type %q for a JSON body", ct)
		}
		return ""
	}
	if string(body) != want {
		return fmt.Sprintf("body %q, captured %q", body, want)
	}
	return ""
}

// sameJSON compares two JSON documents by value; strings that are both Go
// durations compare as durations ("1m" == "1m0s", PD reads them alike).
func sameJSON(a, b []byte) bool {
	var va, vb any
	da, db := json.NewDecoder(bytes.NewReader(a)), json.NewDecoder(bytes.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&va) != nil || db.Decode(&vb) != nil {
		return false
	}
	return jsonEqual(va, vb)
}

func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k := range a {
			if !jsonEqual(a[k], b[k]) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], b[i]) {
				return false
			}
		}
		return true
	case string:
		bs, ok := b.(string)
		if !ok {
			return false
		}
		if a == bs {
			return true
		}
		da, ea := time.ParseDuration(a)
		db, eb := time.ParseDuration(bs)
		return ea == nil && eb == nil && da == db
	}
	return reflect.DeepEqual(a, b)
}

// fixtureMessage is PD's message in an error fixture, worked out here
// independently of the client: a JSON string, an object's "msg" or "error",
// nothing for null/empty, else the text.
func fixtureMessage(t testing.TB, fx fixture) string {
	t.Helper()
	body := bytes.TrimSpace(fx.responseBody(t))
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return string(body)
	}
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case map[string]any:
		if m, ok := v["msg"].(string); ok {
			return m
		}
		if m, ok := v["error"].(string); ok {
			return m
		}
	}
	return string(body)
}
