package api

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/overview"
	"github.com/operator-dev/operator/internal/store/sqlite"
)

// newOverviewRig serves the API with an overview history.
func newOverviewRig(t *testing.T) (*apiRig, *overview.History) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "op.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := overview.NewHistory(10, 10)
	r := &apiRig{st: st, now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	r.srv = httptest.NewServer(New(st, Options{Now: func() time.Time { return r.now }, Overview: h.Latest}))
	t.Cleanup(r.srv.Close)
	r.token = r.addUser(t, "root", auth.Admin)
	return r, h
}

func TestOverviewEndpoint(t *testing.T) {
	r, h := newOverviewRig(t)
	viewer := r.addUser(t, "victor", auth.Viewer)

	if code, body := r.callAs(t, "", "GET", "/api/v1/overview", ""); code != 401 || !strings.Contains(body, "no bearer token") {
		t.Fatalf("without a token: %d %s", code, body)
	}
	if code, _ := r.callAs(t, "optk_made-up", "GET", "/api/v1/overview", ""); code != 401 {
		t.Fatalf("with an unknown token: %d", code)
	}
	code, body := r.callAs(t, viewer, "GET", "/api/v1/overview", "")
	var eb ErrorBody
	if code != 503 || json.Unmarshal([]byte(body), &eb) != nil ||
		eb.Error != "no cluster overview yet: the monitor has not completed a cycle" {
		t.Fatalf("before the first cycle: %d %s", code, body)
	}

	at := r.now.Add(-time.Second)
	h.Add(overview.Overview{At: at, NodeNoun: "store", ShardNoun: "region", Shards: 100,
		Nodes: []overview.Node{{ID: "1", Address: "tikv-1:20160", State: "Up", Zone: "z1", CapacityBytes: 1 << 40,
			AvailableBytes: 1 << 39, Leaders: 20, Shards: 60, WriteBytesPerSec: 1.5e6, ReadBytesPerSec: 2e6}},
		Health: []overview.Health{{Name: "miss-peer", Count: 3}}})
	code, body = r.callAs(t, viewer, "GET", "/api/v1/overview", "")
	if code != 200 {
		t.Fatalf("after a cycle: %d %s", code, body)
	}
	for _, want := range []string{`"node_noun": "store"`, `"capacity_bytes": 1099511627776`, `"write_bytes_per_sec": 1500000`,
		`"name": "miss-peer"`, `"shards": 100`} {
		if !strings.Contains(body, want) {
			t.Errorf("answer lacks %s:\n%s", want, body)
		}
	}
	var o overview.Overview
	if err := json.Unmarshal([]byte(body), &o); err != nil || !o.At.Equal(at) || len(o.Nodes) != 1 || o.Nodes[0].Zone != "z1" {
		t.Fatalf("decoded: %+v %v", o, err)
	}
}

func TestOverviewNotWired(t *testing.T) {
	r := newAPIRig(t)
	if code, body := r.call(t, "GET", "/api/v1/overview", ""); code != 503 || !strings.Contains(body, "no cluster overview yet") {
		t.Fatalf("a server without overviews: %d %s", code, body)
	}
}

func TestClientOverview(t *testing.T) {
	r, h := newOverviewRig(t)
	c := NewClient(r.srv.URL, r.token)
	_, err := c.Overview(t.Context())
	if err == nil || !strings.Contains(err.Error(), "no cluster overview yet") || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("before data: %v", err)
	}
	h.Add(overview.Overview{At: r.now, NodeNoun: "store", Nodes: []overview.Node{{ID: "7", CapacityBytes: 1 << 62}}})
	o, err := c.Overview(t.Context())
	if err != nil || o.NodeNoun != "store" || len(o.Nodes) != 1 || o.Nodes[0].ID != "7" || o.Nodes[0].CapacityBytes != 1<<62 ||
		o.Health == nil {
		t.Fatalf("after data: %+v %v", o, err)
	}
	if _, err := NewClient(r.srv.URL, "").Overview(t.Context()); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("without a token: %v", err)
	}
}
