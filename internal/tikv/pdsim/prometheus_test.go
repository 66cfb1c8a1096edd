package pdsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/promtest"
)

// TestPDAlertsFireAgainstPDSim runs a real Prometheus that scrapes pdsim and
// evaluates PD-style alert rules, then breaks the simulated cluster and
// waits for the alerts PD's own rules would raise.
func TestPDAlertsFireAgainstPDSim(t *testing.T) {
	clock := NewManualClock(time.Now())
	c := New(Options{Stores: 5, Regions: 200, Clock: clock})
	sim := httptest.NewServer(NewServer(c, "http://127.0.0.1:2379"))
	defer sim.Close()

	rules, err := filepath.Abs("testdata/pd-alerts.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: pd
    static_configs:
      - targets: [%q]
`, rules, strings.TrimPrefix(sim.URL, "http://"))
	api := promtest.Start(t, cfg) + "/api/v1"

	firing := func() map[string]bool {
		resp, err := http.Get(api + "/alerts")
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		var out struct {
			Data struct {
				Alerts []struct {
					Labels map[string]string `json:"labels"`
					State  string            `json:"state"`
				} `json:"alerts"`
			} `json:"data"`
		}
		if json.NewDecoder(resp.Body).Decode(&out) != nil {
			return nil
		}
		m := map[string]bool{}
		for _, a := range out.Data.Alerts {
			if a.State == "firing" {
				m[a.Labels["alertname"]] = true
			}
		}
		return m
	}
	// waitFor polls Prometheus (it runs on the wall clock) with a deadline.
	waitFor := func(what string, cond func(map[string]bool) bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			if m := firing(); m != nil && cond(m) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; firing: %v", what, firing())
			}
			<-tick.C
		}
	}

	waitFor("a healthy cluster with no alerts", func(m map[string]bool) bool {
		resp, err := http.Get(api + "/query?query=up")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var out struct {
			Data struct {
				Result []struct {
					Value []any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		json.NewDecoder(resp.Body).Decode(&out)
		return len(out.Data.Result) == 1 && out.Data.Result[0].Value[1] == "1" && len(m) == 0
	})

	if err := c.Inject(Fault{Type: "kill-store", Store: 3}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Second)
	// Surviving peers report the dead ones ~10s after the crash, before PD
	// calls the store Down: PD's down-peer alert fires with lost-connect.
	waitFor("PD_cluster_lost_connect_tikv_nums and PD_down_peer_region_nums", func(m map[string]bool) bool {
		return m["PD_cluster_lost_connect_tikv_nums"] && m["PD_down_peer_region_nums"] && !m["PD_cluster_offline_tikv_nums"]
	})
	clock.Advance(31 * time.Minute)
	waitFor("PD_cluster_offline_tikv_nums", func(m map[string]bool) bool {
		return m["PD_cluster_offline_tikv_nums"] && !m["PD_cluster_lost_connect_tikv_nums"]
	})
	if err := c.Inject(Fault{Type: "slow-store", Store: 2, Latency: "2s"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Inject(Fault{Type: "fill-disk", Store: 4, AvailableRatio: 0.05}); err != nil {
		t.Fatal(err)
	}
	waitFor("PD_cluster_slow_tikv_nums and PD_cluster_low_space", func(m map[string]bool) bool {
		return m["PD_cluster_slow_tikv_nums"] && m["PD_cluster_low_space"]
	})
}
