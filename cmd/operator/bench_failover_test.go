package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/api"
)

// BenchmarkFailover measures how long the standby replica takes to lead
// after the leader stops, two ways in the same run: SIGTERM (the leader
// releases its lease on the way out) and SIGKILL (the lease must run out:
// about one TTL). Replicas are real processes on one SQLite file with a 3s
// lease; the figure is the wall time from the signal to the standby's
// /api/v1/info saying it leads.
//
//	go test ./cmd/operator -run '^$' -bench Failover -benchtime 3x
func BenchmarkFailover(b *testing.B) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		b.Run(sig.String(), func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				total += failoverOnce(b, sig)
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/failover")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func failoverOnce(b *testing.B, sig syscall.Signal) time.Duration {
	dir := b.TempDir()
	db := filepath.Join(dir, "op.db")
	tf := addUserCLI(b, db, "viewer", "viewer")
	token, err := os.ReadFile(tf)
	if err != nil {
		b.Fatal(err)
	}
	sim := startChild(b, "pdsim", "--stores", "3", "--regions", "30", "--listen", "127.0.0.1:0")
	pdURL := sim.waitLog(b, "pdsim serving PD's HTTP API", "url")
	start := func(id string) (*child, *api.Client) {
		c := startChildEnv(b, nil, "run", "--pd-endpoint", pdURL, "--db-path", db, "--api-listen", "127.0.0.1:0",
			"--ha-replica-id", id, "--ha-lease-ttl", "3s")
		return c, api.NewClient(c.waitLog(b, "operator running", "api"), string(token))
	}
	a, _ := start("a")
	a.waitLog(b, "leader: this replica leads", "replica")
	_, cb := start("b")
	began := time.Now()
	if err := a.cmd.Process.Signal(sig); err != nil {
		b.Fatal(err)
	}
	for {
		in, err := cb.Info(b.Context())
		if err == nil && in.Replica != nil && in.Replica.Leader {
			return time.Since(began)
		}
		if time.Since(began) > time.Minute {
			b.Fatalf("the standby did not lead within a minute of %s", sig)
		}
		time.Sleep(10 * time.Millisecond) // polling a real process; the measured figure is 100x this
	}
}
