package main

import (
	"context"
	"fmt"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// Stores the faults hit. pdsim numbers its stores 1..N.
const (
	killedStore = 3
	filledStore = 2
)

// faultSpec is one fault and what each side raises for it.
type faultSpec struct {
	Name string
	// Row is the table's name for it, saying what is compared.
	Row string
	// Invariant and Labels pick the Operator's ticket.
	Invariant string
	Labels    map[string]string
	// Alert is the Prometheus alert (from pd.rules.yml).
	Alert string
	// inject applies the fault; regions are the lose-peers targets.
	inject func(c *pdsim.Cluster, regions []pd.RegionID) error
	// shown reports whether PD's own API already says so: the earliest
	// moment either side could know.
	shown func(ctx context.Context, c *pd.Client, p probeState) (bool, error)
}

// probeState is what the probes need from the run's setup.
type probeState struct {
	lowSpaceRatio float64
	missPeerMin   int // PD's alert threshold is "> 100"
}

var faults = []faultSpec{
	{
		Name:      "kill-store",
		Row:       fmt.Sprintf("killed store (store %d), as *disconnected*: `store-down` ticket (opens as a warning) vs `PD_cluster_lost_connect_tikv_nums`", killedStore),
		Invariant: "store-down", Labels: map[string]string{"store": fmt.Sprint(killedStore)},
		Alert: "PD_cluster_lost_connect_tikv_nums",
		inject: func(c *pdsim.Cluster, _ []pd.RegionID) error {
			return c.Inject(pdsim.Fault{Type: "kill-store", Store: killedStore})
		},
		shown: func(ctx context.Context, c *pd.Client, _ probeState) (bool, error) {
			s, err := c.GetStore(ctx, killedStore)
			if err != nil {
				return false, err
			}
			return s.Store.StateName == pd.StateNameDisconnected, nil
		},
	},
	{
		Name:      "fill-disk",
		Row:       fmt.Sprintf("filling disk (store %d to 10%% free): `store-low-space` ticket vs `PD_cluster_low_space`", filledStore),
		Invariant: "store-low-space", Labels: map[string]string{"store": fmt.Sprint(filledStore)},
		Alert: "PD_cluster_low_space",
		inject: func(c *pdsim.Cluster, _ []pd.RegionID) error {
			return c.Inject(pdsim.Fault{Type: "fill-disk", Store: filledStore, AvailableRatio: 0.1})
		},
		shown: func(ctx context.Context, c *pd.Client, p probeState) (bool, error) {
			s, err := c.GetStore(ctx, filledStore)
			if err != nil {
				return false, err
			}
			// PD's test: available below (1 - low-space-ratio) of capacity.
			return float64(s.Status.Available) < float64(s.Status.Capacity)*(1-p.lowSpaceRatio), nil
		},
	},
	{
		Name:      "lose-peers",
		Row:       "missing peers (regions lose a replica, rule checker paused): `region-miss-peer` ticket vs `PD_miss_peer_region_count`",
		Invariant: "region-miss-peer",
		Alert:     "PD_miss_peer_region_count",
		inject: func(c *pdsim.Cluster, regions []pd.RegionID) error {
			for _, id := range regions {
				if err := c.Inject(pdsim.Fault{Type: "lose-peers", Region: uint64(id), Count: 1}); err != nil {
					return err
				}
			}
			return nil
		},
		shown: func(ctx context.Context, c *pd.Client, p probeState) (bool, error) {
			r, err := c.GetRegionsCheck(ctx, pd.CheckMissPeer, pd.Page{Page: 1, Limit: 1})
			if err != nil {
				return false, err
			}
			return r.Count > p.missPeerMin, nil
		},
	},
}

func faultNames() []string {
	out := make([]string, len(faults))
	for i, f := range faults {
		out[i] = f.Name
	}
	return out
}

func faultByName(name string) (faultSpec, bool) {
	for _, f := range faults {
		if f.Name == name {
			return f, true
		}
	}
	return faultSpec{}, false
}
