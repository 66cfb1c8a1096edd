package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// simServer is pdsim served over loopback HTTP from this process, kept
// moving between requests as `operator pdsim` does, so scrapes see time pass.
type simServer struct {
	cluster *pdsim.Cluster
	url     string
	client  *pd.Client // read-write, for setup and probes
	srv     *http.Server
	cancel  context.CancelFunc
	done    chan struct{}
}

func serveSim(opts pdsim.Options) (*simServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for pdsim: %w", err)
	}
	url := "http://" + ln.Addr().String()
	c := pdsim.New(opts)
	client, err := pd.New(pd.Config{Endpoint: url, Timeout: 10 * time.Second})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("set up a PD client for pdsim: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &simServer{cluster: c, url: url, client: client, cancel: cancel, done: make(chan struct{}),
		srv: &http.Server{Handler: pdsim.NewServer(c, url), ReadHeaderTimeout: 10 * time.Second}}
	go s.srv.Serve(ln)
	go func() {
		defer close(s.done)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				c.Sync()
			}
		}
	}()
	return s, nil
}

func (s *simServer) close() {
	s.cancel()
	<-s.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.srv.Close()
	}
}

// firstRegions lists the first n regions in key order (n <= 1000).
func (s *simServer) firstRegions(ctx context.Context, n int) ([]pd.RegionInfo, error) {
	list, err := s.client.GetRegionsByKey(ctx, "", n)
	if err != nil {
		return nil, fmt.Errorf("list the first %d regions: %w", n, err)
	}
	if len(list.Regions) < n {
		return nil, fmt.Errorf("pdsim has %d regions, want %d", len(list.Regions), n)
	}
	return list.Regions, nil
}
