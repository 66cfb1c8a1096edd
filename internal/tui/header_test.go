package tui

import (
	"errors"

	"strings"
	"testing"

	"github.com/operator-dev/operator/internal/leader"
	"github.com/operator-dev/operator/internal/store"
)

func TestHeaderShowsBannerAndActionsMode(t *testing.T) {
	tests := []struct {
		name       string
		banner     string
		mode       string
		want, not  []string
		bannerLine bool // the banner is the screen's first line
	}{
		{name: "demo in execute mode", banner: "=== DEMO === simulated cluster", mode: "execute",
			want: []string{"actions mode: execute: approved runs are carried out"}, not: []string{"observe-only"}, bannerLine: true},
		{name: "production, observe-only", mode: "observe",
			want: []string{"actions mode: observe-only: approvals are refused"}, not: []string{"DEMO", "execute:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := cluster()
			src.info.Banner, src.info.ActionsMode = tt.banner, tt.mode
			d := start(t, src)
			d.wantScreen(tt.want...)
			d.rejectScreen(tt.not...)
			first := strings.SplitN(d.screen(), "\n", 2)[0]
			if tt.bannerLine && first != tt.banner {
				t.Errorf("first line %q, want the banner %q", first, tt.banner)
			}
			if !tt.bannerLine && !strings.HasPrefix(first, "operator top") {
				t.Errorf("first line %q, want the title", first)
			}
		})
	}
}

// The banner is on every screen, also before the rest has loaded and
// while a reason is being typed.
func TestBannerStaysOnEveryScreen(t *testing.T) {
	src := cluster()
	src.info.Banner = "DEMO"
	src.runsErr = errors.New("action runs are not enabled on this daemon (HTTP 503)")
	src.readErr = errors.New("cannot reach the operator daemon")
	src.infoErr = nil
	d := start(t, src)
	// Every read failed: loading, and no banner is invented.
	d.wantScreen("loading...")
	d.rejectScreen("DEMO", "actions mode")

	src.set(func(f *fakeSource) { f.readErr, f.runsErr = nil, nil })
	d.tick()
	d.wantScreen("DEMO", "actions mode: execute")
	d.key("a")
	d.wantScreen("DEMO", "approve run 7, reason (optional)")
}

// A daemon older than /api/v1/info: the header says the mode is unknown,
// and no refresh error is shown for it, as the rest of the screen is fine.
func TestHeaderWithoutInfo(t *testing.T) {
	src := cluster()
	src.infoErr = errors.New("GET /api/v1/info: HTTP 404: 404 page not found")
	d := start(t, src)
	d.wantScreen("actions mode: unknown", "store-down/store=4", "transfer_leader")
	d.rejectScreen("refresh failed", "404")
}

func TestReplicaLine(t *testing.T) {
	for _, tt := range []struct {
		me, holder string
		leader     bool
		want       string
	}{
		{"a", "a", true, "replica a (leader)"},
		{"b", "a", false, "replica b (standby; a leads)"},
		{"b", "", false, "replica b (standby; no leader yet)"},
	} {
		if got := replicaLine(tt.me, tt.leader, tt.holder); got != tt.want {
			t.Errorf("replicaLine(%q, %v, %q) = %q, want %q", tt.me, tt.leader, tt.holder, got, tt.want)
		}
	}
}

// The header says which replica the dashboard talks to and who leads.
func TestHeaderShowsReplica(t *testing.T) {
	src := cluster()
	src.info.ActionsMode = "execute"
	src.info.Replica = &leader.Status{Holder: "replica-b", Lease: store.Lease{Holder: "replica-a", Token: 3}}
	d := start(t, src)
	d.wantScreen("replica replica-b (standby; replica-a leads)")
}
