package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/ticket"
)

func TestScreenShowsKillSwitchTicketsAndLiveRuns(t *testing.T) {
	d := start(t, cluster())
	d.wantScreen("kill switch: off",
		"TICKETS (1 active)", "critical", "store-down/store=4", "3m", "store 4 is down",
		"ACTION RUNS (2 live)",
		"transfer_leader region_id=49 to_store=2", "proposed", "low",
		"drain_store store_id=4", "executing", "high", "2h")
	if !strings.Contains(d.selectedLine(), "7") || !strings.Contains(d.selectedLine(), "transfer_leader") {
		t.Errorf("first run should be selected, got %q", d.selectedLine())
	}
	if len(d.ticks) != 1 {
		t.Errorf("Init armed %d refresh ticks, want 1", len(d.ticks))
	}
}

func TestKillSwitchOnStandsOut(t *testing.T) {
	src := cluster()
	src.ks = action.KillSwitch{On: true, Actor: "bob", Reason: "bad deploy", At: now}
	d := start(t, src)
	d.wantScreen("KILL SWITCH ON", "bob")
	d.rejectScreen("kill switch: off")
}

func TestSelectionMovesAndStopsAtTheEnds(t *testing.T) {
	d := start(t, cluster())
	steps := []struct {
		key, want string
	}{
		{"k", "transfer_leader"}, // already at the top
		{"j", "drain_store"},
		{"j", "drain_store"}, // already at the bottom
		{"up", "transfer_leader"},
		{"down", "drain_store"},
	}
	for _, s := range steps {
		d.key(s.key)
		if got := d.selectedLine(); !strings.Contains(got, s.want) {
			t.Fatalf("after %q the selected row is %q, want %s", s.key, got, s.want)
		}
	}
}

func TestSelectionFollowsTheRunAcrossRefresh(t *testing.T) {
	src := cluster()
	d := start(t, src)
	d.key("j") // drain_store, run 8, second row
	// Run 7 finishes; run 8 becomes the first row but stays selected.
	src.set(func(f *fakeSource) { f.runs = f.runs[1:] })
	d.tick()
	if got := d.selectedLine(); !strings.Contains(got, "drain_store") {
		t.Fatalf("selected row after refresh %q, want drain_store", got)
	}
	// The selected run goes too: the cursor falls back to the first row, or none.
	src.set(func(f *fakeSource) { f.runs = nil })
	d.tick()
	d.wantScreen("ACTION RUNS (0 live)")
	d.key("a")
	d.wantScreen("status: no action run selected")
}

func TestApproveSendsTheReasonAndShowsTheResult(t *testing.T) {
	src := cluster()
	d := start(t, src)
	d.key("a")
	d.wantScreen("approve run 7, reason (optional): _")
	d.typ("leadx")
	d.key("backspace")
	d.typ("er ok")
	d.wantScreen("approve run 7, reason (optional): leader ok_")
	d.key("enter")
	if len(src.approved) != 1 || src.approved[0] != (call{7, "leader ok"}) {
		t.Fatalf("approvals sent: %+v, want run 7 with reason %q", src.approved, "leader ok")
	}
	d.wantScreen("status: run 7 (transfer_leader) approved (1 of 1), now approved", help)
	// The screen was refreshed right away: the row shows the new state.
	if got := d.selectedLine(); !strings.Contains(got, "approved") || !strings.Contains(got, "1") {
		t.Errorf("selected row after approval %q, want state approved and 1 approval", got)
	}
	// An approved run cannot be approved again; nothing is sent.
	d.key("a")
	d.wantScreen("status: run 7 is approved; only a proposed run can be approved")
	if len(src.approved) != 1 {
		t.Errorf("a second approval was sent: %+v", src.approved)
	}
}

func TestEscapeCancelsWithoutSending(t *testing.T) {
	src := cluster()
	d := start(t, src)
	d.key("a")
	d.typ("oops")
	d.key("esc")
	d.wantScreen("status: run 7: nothing sent", help)
	d.key("q") // back to browsing: q quits again, it is not typed
	if len(src.approved) != 0 || !d.quit {
		t.Fatalf("approved %+v, quit %v; want nothing sent and a quit", src.approved, d.quit)
	}
}

func TestRejectRequiresAReason(t *testing.T) {
	src := cluster()
	d := start(t, src)
	d.key("r")
	d.key("enter")
	d.wantScreen("status: a reason is required to reject", "reject run 7, reason (required): _")
	if len(src.rejected) != 0 {
		t.Fatalf("an empty rejection was sent: %+v", src.rejected)
	}
	d.typ("wrong store")
	d.key("enter")
	if len(src.rejected) != 1 || src.rejected[0] != (call{7, "wrong store"}) {
		t.Fatalf("rejections sent: %+v", src.rejected)
	}
	d.wantScreen("status: run 7 (transfer_leader) rejected", "ACTION RUNS (1 live)")
	d.rejectScreen("transfer_leader region_id")
}

func TestDaemonRefusalShowsInTheStatusLine(t *testing.T) {
	for _, msg := range []string{
		"you proposed this run; someone else must approve it (HTTP 403)",
		"run 7 moved since you read it (HTTP 409)",
		"approver role required (HTTP 401)",
	} {
		t.Run(msg, func(t *testing.T) {
			src := cluster()
			src.writeErr = errors.New(msg)
			d := start(t, src)
			d.key("a")
			d.key("enter")
			d.wantScreen("status: approve run 7: "+msg, "transfer_leader")
			if d.quit {
				t.Fatal("an API error quit the program")
			}
		})
	}
}

func TestRefreshFailureKeepsTheLastScreen(t *testing.T) {
	src := cluster()
	d := start(t, src)
	src.set(func(f *fakeSource) {
		f.readErr = errors.New("invalid or expired token: run `operator users token` (HTTP 401)")
	})
	d.tick()
	d.wantScreen("refresh failed: invalid or expired token", "HTTP 401", "store-down/store=4", "transfer_leader")
	src.set(func(f *fakeSource) { f.readErr = nil })
	d.tick()
	d.rejectScreen("refresh failed")
}

func TestFirstLoadFailureSaysSo(t *testing.T) {
	src := cluster()
	src.readErr = errors.New("cannot reach the operator daemon at http://127.0.0.1:9876")
	d := start(t, src)
	d.wantScreen("loading...", "refresh failed: cannot reach the operator daemon")
	d.key("a")
	d.wantScreen("no action run selected")
}

func TestRefreshPicksUpNewDataAndRearmsTheClock(t *testing.T) {
	src := cluster()
	d := start(t, src)
	d.rejectScreen("region-no-leader")
	src.set(func(f *fakeSource) {
		f.tickets = append(f.tickets, ticket.Ticket{ID: 4, DedupKey: "region-no-leader/region=12",
			Severity: ticket.Warning, State: ticket.Open, Summary: "region 12 has no leader", FirstSeen: now.Add(-30 * time.Second)})
		f.runs = append(f.runs, Run{Run: action.Run{ID: 9, Action: "add_peer", Params: map[string]any{"region_id": 12},
			State: action.Queued, Risk: "low", CreatedAt: now}})
		f.ks = action.KillSwitch{On: true, Actor: "carol", At: now}
	})
	d.tick()
	d.wantScreen("TICKETS (2 active)", "region-no-leader/region=12", "warning", "30s",
		"ACTION RUNS (3 live)", "add_peer region_id=12", "queued", "KILL SWITCH ON")
	if len(d.ticks) != 1 {
		t.Fatalf("after a tick %d ticks are pending, want the clock rearmed once", len(d.ticks))
	}
}

func TestDetailPaneToggles(t *testing.T) {
	d := start(t, cluster())
	d.rejectScreen("blast radius")
	d.key("enter")
	d.wantScreen("RUN 7: transfer_leader",
		"dry run: preconditions hold: region 49 has a healthy peer on store 2",
		"blast radius: 2 stores, 1 regions, 96 bytes", "outcome: not finished")
	d.key("j") // the pane follows the selection
	d.wantScreen("RUN 8: drain_store", "dry run: none recorded")
	d.key("d")
	d.rejectScreen("RUN 8", "dry run:")
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		d := start(t, cluster())
		d.key(k)
		if !d.quit {
			t.Errorf("%s did not quit", k)
		}
	}
	// While typing a reason q is a letter; ctrl+c still quits.
	d := start(t, cluster())
	d.key("a")
	d.key("q")
	if d.quit {
		t.Fatal("q typed into the reason quit the program")
	}
	d.wantScreen("reason (optional): q_")
	d.key("ctrl+c")
	if !d.quit {
		t.Fatal("ctrl+c did not quit while typing")
	}
}

func TestLongLinesAreClippedToTheWindow(t *testing.T) {
	src := cluster()
	src.tickets[0].Summary = strings.Repeat("x", 300)
	d := start(t, src)
	d.send(teaWindow(60))
	for _, l := range strings.Split(d.screen(), "\n") {
		if n := len([]rune(l)); n > 60 {
			t.Fatalf("line of %d columns in a 60-column window: %q", n, l)
		}
	}
}

func TestKeysArrivingTogetherAreEachObeyed(t *testing.T) {
	src := cluster()
	d := start(t, src)
	d.send(teaRunes("jkaok"))
	d.wantScreen("approve run 7, reason (optional): ok_")
	d.key("enter")
	if len(src.approved) != 1 || src.approved[0] != (call{7, "ok"}) {
		t.Fatalf("approvals sent: %+v", src.approved)
	}
}

// A daemon without an executor answers tickets but not runs: the tickets
// still show, and the runs are unknown rather than "none".
func TestPartsAreReadOnTheirOwn(t *testing.T) {
	src := cluster()
	src.runsErr = errors.New("action runs are not enabled on this daemon (HTTP 503)")
	d := start(t, src)
	d.wantScreen("store-down/store=4", "kill switch: unknown", "ACTION RUNS (unknown)",
		"refresh failed: action runs are not enabled")
	d.rejectScreen("0 live", "none")
}
