package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// replica is one running daemon of several sharing a store.
type replica struct {
	app    *App
	cancel context.CancelFunc
	done   chan error
	base   string
}

func startReplica(t *testing.T, cfg config.Config, id string) *replica {
	t.Helper()
	cfg.HA.ReplicaID = id
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, &cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &replica{app: a, cancel: cancel, done: make(chan error, 1), base: "http://" + a.Addr()}
	go func() { r.done <- a.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *replica) stop(t *testing.T) {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("a replica did not stop")
	}
}

func (r *replica) info(t *testing.T, token string) api.Info {
	t.Helper()
	resp, err := get(r.base+"/api/v1/info", token)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var in api.Info
	if err := json.NewDecoder(resp.Body).Decode(&in); err != nil || in.Replica == nil {
		t.Fatalf("GET /api/v1/info: %+v %v", in, err)
	}
	return in
}

// Two replicas on one store: exactly one leads and both serve the API
// and say who leads; when the leader stops, the other leads with a new
// fencing token without waiting for the lease to run out.
func TestTwoReplicasOneLeader(t *testing.T) {
	sim := httptest.NewServer(pdsim.NewServer(pdsim.New(pdsim.Options{Stores: 3, Regions: 30}), "http://127.0.0.1:2379"))
	defer sim.Close()
	cfg := testConfig(t, sim.URL)
	cfg.HA.LeaseTTL = config.Duration(3 * time.Second)
	a := startReplica(t, *cfg, "replica-a")
	token := userToken(t, cfg.DB.Path)
	waitFor(t, "replica-a to lead", func() bool { return a.info(t, token).Replica.Leader })
	b := startReplica(t, *cfg, "replica-b")
	ib := b.info(t, token)
	if ib.Replica.Leader || ib.Replica.Holder != "replica-b" || ib.Replica.Lease.Holder != "replica-a" {
		t.Fatalf("replica-b's view: %+v", ib.Replica)
	}
	if n := a.app.elector.Status().Lease.Token; n != 1 {
		t.Fatalf("first term's token %d", n)
	}
	a.stop(t)
	waitFor(t, "replica-b to lead after replica-a stopped", func() bool { return b.info(t, token).Replica.Leader })
	if tok := b.info(t, token).Replica.Lease.Token; tok != 2 {
		t.Fatalf("replica-b leads with token %d, want 2", tok)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 30s", what)
		}
		time.Sleep(50 * time.Millisecond) // polling real daemons; the deadline bounds it
	}
}

// A standby takes approvals through its API, so it reloads the policy
// file too, not only the leader.
func TestStandbyReloadsThePolicy(t *testing.T) {
	sim := httptest.NewServer(pdsim.NewServer(pdsim.New(pdsim.Options{Stores: 3, Regions: 30}), "http://127.0.0.1:2379"))
	defer sim.Close()
	cfg := testConfig(t, sim.URL)
	cfg.HA.LeaseTTL = config.Duration(3 * time.Second)
	cfg.Actions.Interval = config.Duration(100 * time.Millisecond)
	dir := t.TempDir()
	a := startReplica(t, *cfg, "replica-a")
	token := userToken(t, cfg.DB.Path)
	waitFor(t, "replica-a to lead", func() bool { return a.info(t, token).Replica.Leader })
	cfg.Actions.PolicyFile = filepath.Join(dir, "policy.yaml")
	example, err := os.ReadFile(filepath.Join("..", "policy", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.Actions.PolicyFile, example, 0o600); err != nil {
		t.Fatal(err)
	}
	b := startReplica(t, *cfg, "replica-b")
	if b.info(t, token).Replica.Leader {
		t.Fatal("replica-b leads")
	}
	before := b.app.policy.Current().Digest()
	edited := strings.Replace(string(example), "expire-after: 30m", "expire-after: 40m", 1)
	if edited == string(example) {
		t.Fatal("the example policy has no low-tier expire-after: 30m to edit")
	}
	if err := os.WriteFile(cfg.Actions.PolicyFile, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the standby to reload its policy", func() bool { return b.app.policy.Current().Digest() != before })
}
