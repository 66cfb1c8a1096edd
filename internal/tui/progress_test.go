package tui

import (
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
)

// The detail of a run whose work is measured says how far it has got;
// a run with nothing to measure has no progress line.
func TestDetailShowsProgress(t *testing.T) {
	src := cluster()
	src.runs[1].Progress = &action.Progress{Done: 412, Total: 1000, Unit: "regions", Rate: 12.3, ETA: 48 * time.Second,
		Note: "store 4 is Offline: PD is moving its regions away"}
	d := start(t, src)
	d.key("enter")
	d.wantScreen("RUN 7: transfer_leader")
	d.rejectScreen("progress:")
	d.key("j")
	d.wantScreen("RUN 8: drain_store",
		"progress: 412/1000 regions (41%), 12.3 regions/s, ETA 48s; store 4 is Offline: PD is moving its regions away")
}
