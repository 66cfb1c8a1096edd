package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/operator-dev/operator/internal/overview"
)

// wantRow finds the screen line whose words are want, column by column.
func (d *driver) wantRow(want ...string) {
	d.t.Helper()
	for _, l := range strings.Split(d.screen(), "\n") {
		if slices.Equal(strings.Fields(l), want) {
			return
		}
	}
	d.t.Errorf("no row %q on screen:\n%s", want, d.screen())
}

func TestClusterPaneShowsEachStore(t *testing.T) {
	d := start(t, cluster())
	d.wantScreen("CLUSTER: 3 stores, 120 regions · 5s old", "region health: miss-peer 3")
	d.rejectScreen("pending-peer", "not read:") // a healthy check is not news
	d.wantRow("STORE", "STATE", "USED", "LEADERS", "REGIONS")
	d.wantRow("1", "Up", "40%", "40", "120")
	d.wantRow("2", "Up", "75%", "41", "118")
	d.wantRow("4", "Down", "0%", "0", "2")
	// It sits above the tickets, below the kill switch.
	s := d.screen()
	if ks, c, tk := strings.Index(s, "kill switch"), strings.Index(s, "CLUSTER"), strings.Index(s, "TICKETS"); !(ks < c && c < tk) {
		t.Errorf("order: kill switch at %d, cluster at %d, tickets at %d:\n%s", ks, c, tk, s)
	}
}

// Before the daemon's first monitor cycle the overview answers 503: the
// pane says there is none yet, and it is not reported as a failure.
func TestClusterPaneBeforeTheFirstOverview(t *testing.T) {
	src := cluster()
	src.overview = nil
	d := start(t, src)
	d.wantScreen("CLUSTER: no overview yet", "store-down/store=4", "transfer_leader")
	d.rejectScreen("refresh failed", "503", "STORE ")

	src.set(func(f *fakeSource) { f.overview = clusterOverview() })
	d.tick()
	d.wantScreen("CLUSTER: 3 stores, 120 regions")
	d.wantRow("4", "Down", "0%", "0", "2")

	// The overview goes away again (a daemon restart): the last one
	// stays, with its age, rather than a blank pane.
	src.set(func(f *fakeSource) { f.overview = nil })
	d.tick()
	d.wantScreen("CLUSTER: 3 stores, 120 regions · 5s old")
	d.rejectScreen("no overview yet", "refresh failed")
}

// A large cluster: the pane stays compact, and the store in trouble is
// shown even when the adapter lists it last.
func TestClusterPaneIsCompactAndShowsTheOddOneFirst(t *testing.T) {
	src := cluster()
	o := &overview.Overview{At: now, NodeNoun: "store", ShardNoun: "region", Shards: 1000}
	for i := 1; i <= 12; i++ {
		o.Nodes = append(o.Nodes, overview.Node{ID: fmt.Sprint(i), State: "Up", CapacityBytes: 10 * gib, AvailableBytes: 5 * gib})
	}
	o.Nodes[11].State = "Disconnected"
	src.overview = o
	d := start(t, src)
	d.wantScreen("CLUSTER: 12 stores, 1000 regions · 0s old", "... 4 more, all Up")
	d.wantRow("12", "Disconnected", "50%", "0", "0")
	d.wantRow("1", "Up", "50%", "0", "0")
	// The odd one first, then the usual ones in the adapter's order.
	var ids []string
	for _, l := range strings.Split(d.screen(), "\n") {
		if f := strings.Fields(l); len(f) == 5 && (f[1] == "Up" || f[1] == "Disconnected") {
			ids = append(ids, f[0])
		}
	}
	if want := []string{"12", "1", "2", "3", "4", "5", "6", "7"}; !slices.Equal(ids, want) {
		t.Errorf("store rows %q, want %q", ids, want)
	}
}

// What the adapter could not read is said, and a node without a capacity
// shows "?" rather than 0%; nouns default to the neutral ones.
func TestClusterPaneSaysWhatIsUnknown(t *testing.T) {
	src := cluster()
	src.overview = &overview.Overview{At: now, Shards: 1, Gaps: []string{"write and read rates: pd:hotspot-stores failed"},
		Nodes: []overview.Node{{ID: "n1", State: "Up", Leaders: 1, Shards: 1}}}
	d := start(t, src)
	d.wantScreen("CLUSTER: 1 node, 1 shard", "not read: write and read rates: pd:hotspot-stores failed")
	d.wantRow("NODE", "STATE", "USED", "LEADERS", "SHARDS")
	d.wantRow("n1", "Up", "?", "1", "1")
}
