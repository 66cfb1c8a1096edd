package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func testConfig(t *testing.T, pdURL string) *config.Config {
	cfg := config.Default()
	cfg.PD.Endpoint = pdURL
	cfg.DB.Path = filepath.Join(t.TempDir(), "state", "operator.db")
	cfg.API.Listen = "127.0.0.1:0"
	cfg.Monitor.Interval = config.Duration(time.Second)
	return cfg
}

func TestAppServesAndShutsDownCleanly(t *testing.T) {
	sim := httptest.NewServer(pdsim.NewServer(pdsim.New(pdsim.Options{Stores: 3, Regions: 30}), "http://127.0.0.1:2379"))
	defer sim.Close()
	cfg := testConfig(t, sim.URL)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	base := "http://" + a.Addr()
	token := userToken(t, cfg.DB.Path)
	for _, path := range []string{"/healthz", "/api/v1/tickets"} {
		resp, err := get(base+path, token)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
	// The first cycle runs at start; its metrics are there once it ends.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "operator_monitor_cycle_duration_seconds_count") && strings.Contains(string(b), `operator_tickets{state="open"} 0`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed a finished cycle:\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, err := os.Stat(cfg.DB.Path); err != nil {
		t.Fatalf("state store not created: %v", err)
	}
}

func TestAppNewFailsClearly(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, []byte("x"), 0o600)
	cases := map[string]struct {
		mutate func(c *config.Config)
		want   string
	}{
		"db under a file": {func(c *config.Config) { c.DB.Path = filepath.Join(blocker, "op.db") }, "state store"},
		"db not sqlite":   {func(c *config.Config) { c.DB.Path = blocker }, "not a database"},
		"listen taken":    {func(c *config.Config) { c.API.Listen = "256.0.0.1:1" }, "listen for the API"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t, "http://127.0.0.1:1")
			tc.mutate(cfg)
			_, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// A policy file that is bad at start stops the daemon with the file's
// line and column; a good one is loaded and audited.
func TestPolicyFileAtStart(t *testing.T) {
	sim := httptest.NewServer(pdsim.NewServer(pdsim.New(pdsim.Options{Stores: 3, Regions: 30}), "http://127.0.0.1:2379"))
	defer sim.Close()
	cfg := testConfig(t, sim.URL)
	cfg.Actions.PolicyFile = filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(cfg.Actions.PolicyFile, []byte("tiers:\n  low: {approvers: 9}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "policy.yaml:2:") || !strings.Contains(err.Error(), "actions.policy-file") {
		t.Fatalf("a bad policy at start = %v", err)
	}
	example, err := os.ReadFile(filepath.Join("..", "policy", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.Actions.PolicyFile, example, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("the example policy: %v", err)
	}
	defer a.store.Close()
	defer a.ln.Close()
	found := false
	a.store.Audit().All(t.Context(), func(r audit.Record) error { found = found || r.Kind == "policy-loaded"; return nil })
	if !found {
		t.Fatal("loading the policy was not audited")
	}
}

// The daemon serves the web console beside the API: /ui/ asks for a login.
func TestConsoleIsServed(t *testing.T) {
	sim := httptest.NewServer(pdsim.NewServer(pdsim.New(pdsim.Options{Stores: 3, Regions: 30}), "http://127.0.0.1:2379"))
	defer sim.Close()
	cfg := testConfig(t, sim.URL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get("http://" + a.Addr() + "/ui/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
		t.Fatalf("GET /ui/ = %d to %q, want a redirect to the login", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = client.Get("http://" + a.Addr() + "/ui/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "token") {
		t.Fatalf("GET /ui/login = %d %s", resp.StatusCode, b)
	}
}
