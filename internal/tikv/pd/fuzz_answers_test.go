package pd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fuzzSecret is the credential the fuzzed client sends; no error may show
// it unless PD itself echoed it in the body.
const fuzzSecret = "Bearer fuzz-secret-0f9d2c"

// cannedPD answers every request with the same status and body, without a
// network: the fuzz target measures the decoders, not the kernel.
type cannedPD struct {
	status int
	body   []byte
}

func (c cannedPD) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	h := http.Header{"Content-Type": {"application/json"}, "Date": {"Tue, 24 Nov 2026 21:10:18 GMT"}}
	return &http.Response{StatusCode: c.status, Header: h, Body: io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: int64(len(c.body)), Request: req}, nil
}

func fuzzClient(tb testing.TB, status int, body []byte) *Client {
	c, err := New(Config{Endpoint: "http://pd.fuzz:2379", ReadAttempts: 1, Timeout: 10 * time.Second,
		MaxBodyBytes: 1 << 20, Header: http.Header{"Authorization": {fuzzSecret}}})
	if err != nil {
		tb.Fatal(err)
	}
	c.hc = &http.Client{Transport: cannedPD{status: status, body: body},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return c
}

// FuzzReadAnswers serves one (status, body) to every read of the client, as
// PD (or a proxy in front of it) could answer any of them. Whatever the
// answer: no panic; a failure is a *Error with a kind, the answer's status,
// a bounded message and never the credential; a success is a usable value
// that survives a JSON round trip unchanged.
func FuzzReadAnswers(f *testing.F) {
	f.Add(uint16(200), []byte(`{"count":1,"stores":[{"store":{"id":1,"state_name":"Up"},"status":{"capacity":"1TiB","available":"996.6GiB"}}]}`))
	f.Add(uint16(200), []byte(`{"count":1,"regions":[{"id":1,"peers":[{"id":2,"store_id":3}]}]}`))
	f.Add(uint16(500), []byte(`"[PD:core:ErrStoreNotFound]store 999 not found"`))
	f.Add(uint16(409), []byte(`{"error":"busy","existing_task":{"type":"t","id":"i","start_timestamp":1}}`))
	f.Add(uint16(200), []byte(`["status: RUNNING, operator: x"]`))
	f.Add(uint16(200), []byte(`null`))
	f.Fuzz(func(t *testing.T, st uint16, body []byte) {
		status := 100 + int(st)%500
		c := fuzzClient(t, status, body)
		ctx := context.Background()
		for _, r := range fuzzReads(c) {
			v, err := r.call(ctx)
			if err != nil {
				checkFuzzError(t, r.name, status, body, err)
				continue
			}
			if status < 200 || status > 299 {
				// Three reads say "none" with a not-found answer, by design;
				// "none" must then be an empty list, nothing invented.
				empty := (r.name == "GetEvictLeaderStores" || r.name == "GetMaintenance" || r.name == "GetOperatorRecords") &&
					reflect.ValueOf(v).Len() == 0
				if !empty {
					t.Fatalf("%s: status %d answered no error (%+v)", r.name, status, v)
				}
				continue
			}
			if v == nil {
				t.Fatalf("%s: no error and no value", r.name)
			}
			if r.again != nil {
				roundTrip(t, r.name, v, r.again)
			}
		}
		// A write reads only an error body; its success body is ignored.
		if err := c.CancelOperator(ctx, 7); err != nil {
			checkFuzzError(t, "CancelOperator", status, body, err)
		} else if status < 200 || status > 299 {
			t.Fatalf("CancelOperator: status %d answered no error", status)
		}
	})
}

type fuzzRead struct {
	name string
	call func(context.Context) (any, error)
	// again, if set, decodes the JSON of a successful value afresh, for
	// the round trip.
	again func([]byte) (any, error)
}

func again[T any](b []byte) (any, error) {
	var v T
	err := into(&v)(bytes.NewReader(b))
	return &v, err
}

func againRegions(b []byte) (any, error) {
	var v RegionsInfo
	err := regionsInto(&v)(bytes.NewReader(b))
	return &v, err
}

func fuzzReads(c *Client) []fuzzRead {
	wrap := func(name string, fn func(context.Context) (any, error), a func([]byte) (any, error)) fuzzRead {
		return fuzzRead{name, fn, a}
	}
	return []fuzzRead{
		wrap("GetStores", func(ctx context.Context) (any, error) { return nz(c.GetStores(ctx, GetStoresOptions{})) }, again[StoresInfo]),
		wrap("GetStoresCheck", func(ctx context.Context) (any, error) { return nz(c.GetStoresCheck(ctx, StateNameDown)) }, nil),
		wrap("GetStore", func(ctx context.Context) (any, error) { return nz(c.GetStore(ctx, 1)) }, again[StoreInfo]),
		wrap("GetStoreProgress", func(ctx context.Context) (any, error) { return nz(c.GetStoreProgress(ctx, 5)) }, again[StoreProgress]),
		wrap("GetStoreLimits", func(ctx context.Context) (any, error) { return c.GetStoreLimits(ctx) }, nil),
		wrap("GetRegion", func(ctx context.Context) (any, error) { return nz(c.GetRegion(ctx, 2)) }, again[RegionInfo]),
		wrap("GetRegions", func(ctx context.Context) (any, error) { return nz(c.GetRegions(ctx)) }, againRegions),
		wrap("GetRegionsCheck", func(ctx context.Context) (any, error) {
			return nz(c.GetRegionsCheck(ctx, CheckMissPeer, Page{Limit: 3}))
		}, againRegions),
		wrap("GetRegionCount", func(ctx context.Context) (any, error) {
			n, err := c.GetRegionCount(ctx)
			return &n, err
		}, nil),
		wrap("GetRegionStats", func(ctx context.Context) (any, error) { return nz(c.GetRegionStats(ctx)) }, nil),
		wrap("GetOperators", func(ctx context.Context) (any, error) { return c.GetOperators(ctx) }, nil),
		wrap("GetOperatorObjects", func(ctx context.Context) (any, error) { return c.GetOperatorObjects(ctx) }, nil),
		wrap("GetOperator", func(ctx context.Context) (any, error) { return nz(c.GetOperator(ctx, 9)) }, nil),
		wrap("GetOperatorRecords", func(ctx context.Context) (any, error) { return c.GetOperatorRecords(ctx, time.Time{}) }, nil),
		wrap("GetScheduleConfig", func(ctx context.Context) (any, error) { return nz(c.GetScheduleConfig(ctx)) }, nil),
		wrap("GetReplicationConfig", func(ctx context.Context) (any, error) { return nz(c.GetReplicationConfig(ctx)) }, again[ReplicationConfig]),
		wrap("GetSchedulers", func(ctx context.Context) (any, error) { return c.GetSchedulers(ctx, SchedulersAll) }, nil),
		wrap("GetPausedSchedulers", func(ctx context.Context) (any, error) { return c.GetPausedSchedulers(ctx) }, nil),
		wrap("GetChecker", func(ctx context.Context) (any, error) { return nz(c.GetChecker(ctx, "rule")) }, nil),
		wrap("GetEvictLeaderStores", func(ctx context.Context) (any, error) { return c.GetEvictLeaderStores(ctx) }, nil),
		wrap("GetHotWriteRegions", func(ctx context.Context) (any, error) {
			return nz(c.GetHotWriteRegions(ctx, HotRegionsOptions{}))
		}, again[StoreHotPeersInfos]),
		wrap("GetHotStores", func(ctx context.Context) (any, error) { return nz(c.GetHotStores(ctx)) }, again[HotStoreStats]),
		wrap("GetCluster", func(ctx context.Context) (any, error) { return nz(c.GetCluster(ctx)) }, again[Cluster]),
		wrap("GetClusterStatus", func(ctx context.Context) (any, error) { return nz(c.GetClusterStatus(ctx)) }, again[ClusterStatus]),
		wrap("GetHealth", func(ctx context.Context) (any, error) { return c.GetHealth(ctx) }, nil),
		wrap("GetMembers", func(ctx context.Context) (any, error) { return nz(c.GetMembers(ctx)) }, again[Members]),
		wrap("GetLeader", func(ctx context.Context) (any, error) { return nz(c.GetLeader(ctx)) }, again[Member]),
		wrap("GetVersion", func(ctx context.Context) (any, error) { return nz(c.GetVersion(ctx)) }, again[Version]),
		wrap("GetMaintenance", func(ctx context.Context) (any, error) { return c.GetMaintenance(ctx) }, nil),
		wrap("GetMaintenanceByType", func(ctx context.Context) (any, error) { return nz(c.GetMaintenanceByType(ctx, "t")) }, nil),
	}
}

// nz turns a typed nil pointer into an untyped nil, so "no error and no
// value" is caught.
func nz[T any](v *T, err error) (any, error) {
	if v == nil {
		return nil, err
	}
	return v, err
}

// maxFuzzErrorText bounds an error's text: PD's message is cut at
// maxMessage, and the rest is the request and the kind.
const maxFuzzErrorText = 2 * maxMessage

func checkFuzzError(t *testing.T, name string, status int, body []byte, err error) {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("%s: %T %v, want a *pd.Error", name, err, err)
	}
	if pe.Kind == nil {
		t.Fatalf("%s: error without a kind: %#v", name, pe)
	}
	if (status < 200 || status > 299) && pe.Status != status {
		t.Fatalf("%s: error status %d, answer %d", name, pe.Status, status)
	}
	if status >= 200 && status <= 299 && pe.Kind != ErrBadResponse {
		t.Fatalf("%s: a %d answer failed as %v, want bad response: %v", name, status, pe.Kind, err)
	}
	msg := err.Error()
	if msg == "" || len(msg) > maxFuzzErrorText {
		t.Fatalf("%s: error text of %d bytes: %.200q", name, len(msg), msg)
	}
	if strings.Contains(msg, "fuzz-secret") && !bytes.Contains(body, []byte("fuzz-secret")) {
		t.Fatalf("%s: error shows the credential: %q", name, msg)
	}
}

// roundTrip encodes a decoded value and decodes it again: the second value
// must encode to the same JSON (the first decode may normalize, e.g. a
// size to four significant digits; after that nothing may drift).
func roundTrip(t *testing.T, name string, v any, again func([]byte) (any, error)) {
	t.Helper()
	first, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: a decoded value does not encode: %v (%+v)", name, err, v)
	}
	w, err := again(first)
	if err != nil {
		t.Fatalf("%s: its own encoding does not decode: %v\n%s", name, err, first)
	}
	second, err := json.Marshal(w)
	if err != nil {
		t.Fatalf("%s: re-decoded value does not encode: %v", name, err)
	}
	third, err := again(second)
	if err != nil {
		t.Fatalf("%s: second encoding does not decode: %v\n%s", name, err, second)
	}
	fourth, _ := json.Marshal(third)
	if !bytes.Equal(second, fourth) {
		t.Fatalf("%s: round trip drifts:\n%s\n%s", name, second, fourth)
	}
}
