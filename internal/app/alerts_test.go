package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// TestAlertFoldsIntoTheMonitorsTicket runs the daemon as wired against
// pdsim: the monitor opens store-down/store=3 for a killed store, then
// Alertmanager reports the same store down (tiup's blackbox rule, whose
// instance is the probed TiKV address). The alert lands on the monitor's
// ticket as one note, repeat deliveries add nothing, and no ticket opens.
func TestAlertFoldsIntoTheMonitorsTicket(t *testing.T) {
	// pdsim's clock only moves when told; the subject measures heartbeat
	// ages on PD's clock (its Date header), so the daemon's wall clock
	// does not matter.
	clock := pdsim.NewManualClock(time.Now().UTC().Truncate(time.Second))
	sim := pdsim.New(pdsim.Options{Stores: 5, Regions: 100, Clock: clock})
	srv := httptest.NewServer(pdsim.NewServer(sim, "http://127.0.0.1:2379"))
	defer srv.Close()
	cfg := testConfig(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	base := "http://" + a.Addr()
	token, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.AddUser(ctx, auth.User{Name: "alertmanager", Role: auth.Viewer, CreatedAt: time.Now(), CreatedBy: "test"}, hash); err != nil {
		t.Fatal(err)
	}
	client := api.NewClient(base, token)

	if err := sim.Inject(pdsim.Fault{Type: "kill-store", Store: 3}); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		clock.Advance(10 * time.Second)
	}
	var dead ticket.Ticket
	for deadline := time.Now().Add(15 * time.Second); dead.ID == 0; {
		ts, err := client.List(ctx, api.ListOptions{States: []ticket.State{ticket.Open}})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range ts {
			if tk.DedupKey == "store-down/store=3" {
				dead = tk
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the monitor never opened store-down/store=3; open: %+v", ts)
		}
		time.Sleep(50 * time.Millisecond)
	}
	before, err := client.List(ctx, api.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}

	payload, _ := json.Marshal(api.WebhookMessage{
		Version: "4", Status: "firing", Receiver: "operator", GroupKey: `{}:{alertname="TiKV_server_is_down"}`,
		Alerts: []api.Alert{{
			Status:      "firing",
			Labels:      map[string]string{"alertname": "TiKV_server_is_down", "instance": "tikv-3:20160", "group": "tikv", "level": "emergency", "env": "test"},
			Annotations: map[string]string{"summary": "TiKV server is down", "description": "cluster: test, instance: tikv-3:20160"},
			StartsAt:    time.Now().Add(-time.Minute).UTC(), GeneratorURL: "http://prometheus:9090/graph", Fingerprint: "5b1c6f1e3b6f6a1d",
		}},
	})
	deliver := func() api.AlertResult {
		t.Helper()
		// As Alertmanager sends it: its own token in http_config.authorization.
		req, err := http.NewRequest("POST", base+"/api/v1/alerts/alertmanager", bytes.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res []api.AlertResult
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != 200 || len(res) != 1 {
			t.Fatalf("webhook: %d %v %+v", resp.StatusCode, err, res)
		}
		return res[0]
	}
	notes := func() int {
		t.Helper()
		view, err := client.Get(ctx, dead.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range view.Events {
			if e.Kind == ticket.EventNote && strings.Contains(e.Message, "Alertmanager also fires TiKV_server_is_down") {
				n++
			}
		}
		return n
	}

	if res := deliver(); res.Outcome != "folded" || res.Ticket != dead.ID || res.MapsTo != "store-down/store=3" {
		t.Fatalf("first delivery: %+v", res)
	}
	if n := notes(); n != 1 {
		t.Fatalf("%d notes on the store-down ticket after the first delivery", n)
	}
	if res := deliver(); res.Outcome != "duplicate" || res.Ticket != dead.ID {
		t.Fatalf("repeat delivery: %+v", res)
	}
	if n := notes(); n != 1 {
		t.Fatalf("%d notes on the store-down ticket after a repeat", n)
	}
	after, err := client.List(ctx, api.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range after {
		if tk.Subject == api.AlertmanagerSubject {
			t.Fatalf("the alert opened a ticket of its own: %+v", tk)
		}
	}
	if len(after) != len(before) {
		t.Fatalf("tickets before the alert %d, after %d", len(before), len(after))
	}
}
