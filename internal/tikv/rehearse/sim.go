package rehearse

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// sim is the in-process PD the action is rehearsed on: a pdsim cluster
// loaded from the snapshot, on a clock only the rehearsal moves, served on
// a loopback port so an ordinary pd.Client (the executor's) drives it.
// pd.Config has no transport hook; a loopback listener that lives for
// one rehearsal is the price of using the real client.
type sim struct {
	clock   *pdsim.ManualClock
	cluster *pdsim.Cluster
	pd      *pd.Client
	srv     *http.Server
	start   time.Time
}

func startSim(snap pdsim.Snapshot) (*sim, error) {
	// The simulator keeps the live heartbeat ages whatever its clock says
	// (NewFromSnapshot shifts them); starting at the live PD's time keeps
	// the times it shows recognisable.
	at := snap.Now
	if at.IsZero() {
		at = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	clock := pdsim.NewManualClock(at)
	c, err := pdsim.NewFromSnapshot(snap, pdsim.Options{Seed: 1, Clock: clock})
	if err != nil {
		return nil, fmt.Errorf("load the simulator: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the simulator: %w", err)
	}
	url := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: pdsim.NewServer(c, url), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	client, err := pd.New(pd.Config{Endpoint: url, ReadAttempts: 1, Timeout: time.Minute})
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("connect to the simulator: %w", err)
	}
	return &sim{clock: clock, cluster: c, pd: client, srv: srv, start: clock.Now()}, nil
}

func (s *sim) close() {
	s.pd.Close()
	s.srv.Close()
}

// elapsed is the simulated time since the rehearsal started.
func (s *sim) elapsed() time.Duration { return s.clock.Now().Sub(s.start) }

// run advances the clock until done reports true or bound passes, in
// steps of 100ms for the first 10s (leader transfers and small moves take
// a fraction of a second), then coarser. Every request the check makes
// brings the simulator up to the clock. It reports whether done held.
func (s *sim) run(ctx context.Context, bound time.Duration, done func() (bool, error)) (bool, error) {
	for {
		ok, err := done()
		if err != nil || ok {
			return ok, err
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		el := s.elapsed()
		if el >= bound {
			return false, nil
		}
		step := 100 * time.Millisecond
		switch {
		case el >= 10*time.Minute:
			step = 10 * time.Second
		case el >= 10*time.Second:
			step = time.Second
		}
		s.clock.Advance(min(step, bound-el))
	}
}
