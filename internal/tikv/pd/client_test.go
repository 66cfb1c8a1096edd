package pd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// newTestClient points a client at h with fast retries.
func newTestClient(t *testing.T, h http.Handler, mod func(*Config)) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{Endpoint: srv.URL, ReadAttempts: 4, RetryBackoff: time.Millisecond, MaxRetryBackoff: 2 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, srv
}

const notStarted = "[PD:server:ErrServerNotStarted]server not started"

// startingPD answers 500 text/plain ErrServerNotStarted for the first n
// requests, like PD during its first ~1.6 s, then the real answer.
func startingPD(n int32, hits *atomic.Int32, answer string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= n {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, notStarted+"\n")
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		_, _ = io.WriteString(w, answer)
	})
}

func TestReadsRetryWhilePDStarts(t *testing.T) {
	var hits atomic.Int32
	c, _ := newTestClient(t, startingPD(2, &hits, `{"id":7711847962146545671,"max_peer_count":3}`), nil)
	got, err := c.GetCluster(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 7711847962146545671 || hits.Load() != 3 {
		t.Fatalf("id %d after %d requests, want exact id after 3", got.ID, hits.Load())
	}
}

func TestReadRetriesGiveUp(t *testing.T) {
	var hits atomic.Int32
	c, _ := newTestClient(t, startingPD(100, &hits, `{}`), nil)
	_, err := c.GetCluster(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrUnavailable || e.Code != "PD:server:ErrServerNotStarted" || e.Attempts != 4 {
		t.Fatalf("want ErrUnavailable after 4 attempts, got %#v", err)
	}
	if hits.Load() != 4 {
		t.Fatalf("%d requests, want 4", hits.Load())
	}
	want := "pd: GET /pd/api/v1/cluster: unavailable (500): " + notStarted + " (after 4 attempts)"
	if err.Error() != want {
		t.Fatalf("message\n got %q\nwant %q", err.Error(), want)
	}
}

func TestWritesAreNeverRetried(t *testing.T) {
	var hits atomic.Int32
	c, _ := newTestClient(t, startingPD(100, &hits, `"The operator is created."`), nil)
	err := c.CreateOperator(context.Background(), TransferLeader(281, 5))
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("want ErrUnavailable, got %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("write sent %d times, want exactly once", hits.Load())
	}
	if !strings.HasPrefix(err.Error(), "pd: transfer leader of region 281 to store 5: POST /pd/api/v1/operators: unavailable (500)") {
		t.Fatalf("message %q does not say what was being done", err)
	}
}

func TestOnlyUnavailableIsRetried(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   *ErrorKind
		tries  int32
	}{
		{"not bootstrapped", 500, `"[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped, please start TiKV first"`, ErrNotBootstrapped, 1},
		{"plain 500", 500, `"region has no peer in store 3"`, ErrInternal, 1},
		{"404", 404, `"[PD:core:ErrStoreNotFound]store 9 not found"`, ErrNotFound, 1},
		{"503 from a proxy", 503, `upstream unavailable`, ErrUnavailable, 4},
		{"502", 502, ``, ErrUnavailable, 4},
		{"403 from a proxy", 403, `forbidden`, ErrPermission, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}), nil)
			_, err := c.GetStore(context.Background(), 9)
			var e *Error
			if !errors.As(err, &e) || e.Kind != tc.kind || e.Status != tc.status {
				t.Fatalf("got %v, want kind %v status %d", err, tc.kind, tc.status)
			}
			if hits.Load() != tc.tries {
				t.Fatalf("%d requests, want %d", hits.Load(), tc.tries)
			}
		})
	}
}

func TestTransportErrorsAreRetriedThenReported(t *testing.T) {
	// A listener that is closed: connection refused, every time.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := New(Config{Endpoint: "http://" + addr, ReadAttempts: 3, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetStores(context.Background(), GetStoresOptions{})
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrUnavailable || e.Status != 0 || e.Attempts != 3 {
		t.Fatalf("got %#v", err)
	}
	if !strings.HasPrefix(err.Error(), "pd: GET /pd/api/v1/stores: unavailable: ") || strings.Contains(err.Error(), `"http://`) {
		t.Fatalf("message %q", err)
	}
}

// blockingPD never answers until the test ends or the client hangs up.
func blockingPD(t *testing.T, arrived chan<- struct{}) http.Handler {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrived != nil {
			arrived <- struct{}{}
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
}

func TestTimeoutPerAttempt(t *testing.T) {
	c, _ := newTestClient(t, blockingPD(t, nil), func(c *Config) {
		c.Timeout = 50 * time.Millisecond
		c.ReadAttempts = 2
	})
	_, err := c.GetMembers(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrUnavailable || e.Attempts != 2 {
		t.Fatalf("got %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Fatalf("want a timeout that says so, got %v", err)
	}
}

func TestCallerCancelStopsRetries(t *testing.T) {
	arrived := make(chan struct{}, 10)
	c, _ := newTestClient(t, blockingPD(t, arrived), func(c *Config) { c.Timeout = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.GetMembers(ctx)
		done <- err
	}()
	<-arrived // the request is in flight
	cancel()
	err := <-done
	var e *Error
	if !errors.As(err, &e) || e.Attempts != 1 || !errors.Is(err, context.Canceled) {
		t.Fatalf("want one attempt ending in context.Canceled, got %v", err)
	}
}

func TestReadOnlyClientRefusesWrites(t *testing.T) {
	var hits atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, `{"count":0,"stores":[]}`)
	}), func(c *Config) { c.ReadOnly = true })
	ctx := context.Background()
	writes := map[string]func() error{
		"CreateOperator":    func() error { return c.CreateOperator(ctx, TransferLeader(1, 2)) },
		"SetStoreState":     func() error { return c.SetStoreState(ctx, 1, StoreOffline) },
		"DeleteStore":       func() error { return c.DeleteStore(ctx, 1, true) },
		"RemoveTombstones":  func() error { return c.RemoveTombstones(ctx) },
		"SetScheduleConfig": func() error { return c.SetScheduleConfig(ctx, SchedulePatch{HaltScheduling: Ptr(StringBool(true))}) },
		"AddScheduler":      func() error { return c.AddScheduler(ctx, "shuffle-leader-scheduler", 0) },
		"PauseScheduler":    func() error { return c.PauseScheduler(ctx, "balance-leader-scheduler", time.Minute) },
		"DeleteScheduler":   func() error { return c.DeleteScheduler(ctx, "balance-leader-scheduler") },
		"PauseChecker":      func() error { return c.PauseChecker(ctx, CheckerRule, time.Minute) },
		"CancelOperator":    func() error { return c.CancelOperator(ctx, 1) },
		"StartMaintenance":  func() error { return c.StartMaintenance(ctx, "tikv-restart", "store-1", "") },
		"DeleteMaintenance": func() error { return c.DeleteMaintenance(ctx, "tikv-restart", "store-1") },
	}
	for name, f := range writes {
		if err := f(); !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s on a read-only client: %v", name, err)
		}
	}
	if _, err := c.GetStores(ctx, GetStoresOptions{}); err != nil {
		t.Errorf("reads still work: %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("%d requests reached PD, want only the read", hits.Load())
	}
}

func TestBadBodies(t *testing.T) {
	regions := func(c *Client) error { _, err := c.GetRegions(context.Background()); return err }
	store := func(c *Client) error { _, err := c.GetStore(context.Background(), 1); return err }
	ops := func(c *Client) error { _, err := c.GetOperators(context.Background()); return err }
	for _, tc := range []struct {
		name, body string
		call       func(*Client) error
		want       string
	}{
		{"truncated regions", `{"count":2,"regions":[{"id":1,"start_key":""},{"id":2,`, regions, "truncated"},
		{"garbage", `<html>proxy error</html>`, regions, "invalid character"},
		{"empty", ``, store, "empty body"},
		{"trailing data", `{"store":{"id":1},"status":{}} {}`, store, "after the JSON value"},
		{"wrong type", `{"store":{"id":"one"}}`, store, "cannot unmarshal"},
		{"unparseable operator", `["not an operator"]`, ops, "operator #0"},
		{"bad byte size", `{"store":{"id":1},"status":{"capacity":"lots"}}`, store, "byte size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/octet-stream")
				_, _ = io.WriteString(w, tc.body)
			}), nil)
			err := tc.call(c)
			var e *Error
			if !errors.As(err, &e) || e.Kind != ErrBadResponse || e.Attempts != 1 {
				t.Fatalf("want one ErrBadResponse, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "GET /pd/api/v1/") {
				t.Fatalf("%q should name the endpoint and say %q", err, tc.want)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	big := `{"count":3,"regions":[` + strings.Repeat(`{"id":1},`, 200) + `{"id":2}]}`
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, big)
	}), func(c *Config) { c.MaxBodyBytes = 512 })
	_, err := c.GetRegions(context.Background())
	if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "larger than 512 bytes") {
		t.Fatalf("got %v", err)
	}
	c2, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, big)
	}), func(c *Config) { c.MaxBodyBytes = int64(len(big)) })
	if got, err := c2.GetRegions(context.Background()); err != nil || len(got.Regions) != 201 {
		t.Fatalf("a body of exactly the limit: %v", err)
	}
}

func TestErrorBodyForms(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, body string
		status            int
		kind              *ErrorKind
		msg, code         string
	}{
		{"bare string", "application/json", `"[PD:core:ErrStoreNotFound]store 999 not found"` + "\n", 404, ErrNotFound, "[PD:core:ErrStoreNotFound]store 999 not found", "PD:core:ErrStoreNotFound"},
		{"code/msg object", "application/json", `{"code":"input","msg":"strconv.ParseUint: parsing \"abc\": invalid syntax","data":{}}`, 400, ErrBadRequest, `strconv.ParseUint: parsing "abc": invalid syntax`, ""},
		{"v2 conflict", "application/json; charset=utf-8", `{"error":"Another maintenance task is already running","existing_task":{"type":"tikv-restart","id":"store-1","start_timestamp":1795555146,"description":"rolling restart of store 1"}}`, 409, ErrConflict, "Another maintenance task is already running", ""},
		{"null", "application/json", `null`, 404, ErrNotFound, "", ""},
		{"router 404", "text/plain; charset=utf-8", "404 page not found\n", 404, ErrNotFound, "404 page not found", ""},
		{"405 empty", "", "", 405, ErrBadRequest, "", ""},
		{"operator busy", "application/json", `"[PD:operator:ErrAddOperator]failed to add operator, maybe already have one"`, 500, ErrConflict, "[PD:operator:ErrAddOperator]failed to add operator, maybe already have one", "PD:operator:ErrAddOperator"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}), nil)
			err := c.DeleteMaintenance(context.Background(), "tikv-restart", "store-2")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %T %v", err, err)
			}
			if e.Kind != tc.kind || e.Message != tc.msg || e.Code != tc.code || e.Status != tc.status {
				t.Fatalf("got kind %v msg %q code %q status %d", e.Kind, e.Message, e.Code, e.Status)
			}
		})
	}
}

func TestErrorMessageReadsWell(t *testing.T) {
	e := &Error{Method: "GET", Path: "/pd/api/v1/store/999", Status: 404, Kind: ErrNotFound,
		Code: "PD:core:ErrStoreNotFound", Message: "[PD:core:ErrStoreNotFound]store 999 not found", Attempts: 1}
	if got, want := e.Error(), "pd: GET /pd/api/v1/store/999: not found (404): [PD:core:ErrStoreNotFound]store 999 not found"; got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	e = &Error{Op: "start maintenance tikv-restart/store-2", Method: "PUT", Path: "/pd/api/v2/maintenance/tikv-restart/store-2",
		Status: 409, Kind: ErrConflict, Message: "Another maintenance task is already running",
		Existing: &MaintenanceTask{Type: "tikv-restart", ID: "store-1", Description: "rolling restart of store 1"}}
	if got, want := e.Error(), `pd: start maintenance tikv-restart/store-2: PUT /pd/api/v2/maintenance/tikv-restart/store-2: conflict (409): Another maintenance task is already running (held by tikv-restart/store-1: "rolling restart of store 1")`; got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Endpoint: "pd:2379"},
		{Endpoint: "ftp://pd:2379"},
		{Endpoint: "http://"},
		{Endpoint: "http://pd:2379?x=1"},
		{Endpoint: "http://pd:2379", TLS: TLSConfig{CAFile: "/ca.pem"}},
		{Endpoint: "https://pd:2379", TLS: TLSConfig{CertFile: "/c.pem"}},
		{Endpoint: "https://pd:2379", TLS: TLSConfig{CAFile: "/does/not/exist.pem"}},
		{Endpoint: "http://pd:2379", Timeout: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
	c, err := New(Config{Endpoint: "http://pd:2379/prefix/"})
	if err != nil || c.Endpoint() != "http://pd:2379/prefix" {
		t.Fatalf("%v %v", c, err)
	}
}

func TestEndpointPrefixAndHeaders(t *testing.T) {
	c, srv := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/proxy/pd/api/v1/ping" || r.Header.Get("Authorization") != "Bearer x" || r.Header.Get("User-Agent") != "operator-pd-client" {
			w.WriteHeader(http.StatusTeapot)
		}
	}), nil)
	c2, err := New(Config{Endpoint: srv.URL + "/proxy", Header: http.Header{"Authorization": {"Bearer x"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = c
}

func ExampleError() {
	e := &Error{Method: "GET", Path: "/pd/api/v1/operators/42", Status: 500, Kind: ErrNotFound,
		Code: "PD:operator:ErrOperatorNotFound", Message: "[PD:operator:ErrOperatorNotFound]operator not found"}
	fmt.Println(errors.Is(e, ErrNotFound), e)
	// Output: true pd: GET /pd/api/v1/operators/42: not found (500): [PD:operator:ErrOperatorNotFound]operator not found
}

func TestPathsAndQueriesOnTheWire(t *testing.T) {
	var got []string
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.RequestURI())
		switch {
		case strings.HasPrefix(r.URL.Path, "/pd/api/v1/regions"):
			_, _ = io.WriteString(w, `{"count":0,"regions":[]}`)
		case strings.HasPrefix(r.URL.Path, "/pd/api/v1/region/"):
			_, _ = io.WriteString(w, `{"id":1}`)
		default:
			_, _ = io.WriteString(w, `"ok"`)
		}
	}), nil)
	ctx := context.Background()
	_, _ = c.GetRegionByKey(ctx, "7480000000000000FF")
	_, _ = c.GetRegionsByKey(ctx, "7480", 10)
	_, _ = c.GetRegionsByStore(ctx, 4, RegionTypeLeader)
	_, _ = c.GetRegionsCheck(ctx, CheckDownPeer, Page{Page: 2, Limit: 50})
	_ = c.StartMaintenance(ctx, "tikv-upgrade", "ünï.1", "rolling upgrade")
	want := []string{
		"GET /pd/api/v1/region/key/7480000000000000FF?format=hex",
		"GET /pd/api/v1/regions/key?format=hex&key=7480&limit=10",
		"GET /pd/api/v1/regions/store/4?type=leader",
		"GET /pd/api/v1/regions/check/down-peer?limit=50&page=2",
		"PUT /pd/api/v2/maintenance/tikv-upgrade/%C3%BCn%C3%AF.1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("sent\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
