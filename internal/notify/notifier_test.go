package notify

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRoutesByTier(t *testing.T) {
	team, oncall, incident := newHook(t), newHook(t), newHook(t, reply{status: 204})
	teamCh := slackOn(t, "slack #team", team.url())
	routes := Routes{
		Notable: []Channel{teamCh},
		// The team channel is listed again: it must still get a critical
		// message once.
		Critical: []Channel{slackOn(t, "slack #oncall", oncall.url()), webhookOn(t, "incident webhook", incident.url()), teamCh},
	}
	for _, tc := range []struct {
		tier                 Tier
		team, oncall, hookIn int
	}{
		{Routine, 0, 0, 0},
		{Notable, 1, 0, 0},
		{Critical, 1, 1, 1},
		{Tier(7), 1, 1, 1}, // unknown tiers are not silenced
	} {
		t.Run(tc.tier.String(), func(t *testing.T) {
			r := newRig(t, routes)
			before := [3]int{team.requests(), oncall.requests(), incident.requests()}
			if err := r.n.Send(context.Background(), Message{Tier: tc.tier, Kind: KindOutcome, Title: "t"}); err != nil {
				t.Fatalf("send: %v", err)
			}
			got := [3]int{team.requests() - before[0], oncall.requests() - before[1], incident.requests() - before[2]}
			if want := [3]int{tc.team, tc.oncall, tc.hookIn}; got != want {
				t.Errorf("requests to team, oncall, incident = %v, want %v", got, want)
			}
		})
	}
}

// Routine messages are logged and kept, never sent, and Send does not wait.
func TestRoutineIsLoggedNotSent(t *testing.T) {
	h := newHook(t)
	r := newRig(t, Routes{Notable: []Channel{slackOn(t, "slack #team", h.url())}})
	if err := r.n.Send(context.Background(), Message{Tier: Routine, Kind: KindOutcome, Title: "leader moved", RunID: 3}); err != nil {
		t.Fatal(err)
	}
	if err := r.n.Enqueue(context.Background(), Message{Tier: Routine, Kind: KindOutcome, Title: "region merged"}); err != nil {
		t.Fatal(err)
	}
	if h.requests() != 0 {
		t.Errorf("routine messages made %d requests", h.requests())
	}
	logs := r.logs.String()
	for _, want := range []string{"routine notification kept for the digest", "message.title=\"leader moved\"", "message.run_id=3"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if d, ok := r.n.Digest(epoch.Add(time.Hour)); !ok || !strings.Contains(d.Text, "leader moved") || !strings.Contains(d.Text, "region merged") {
		t.Errorf("digest = %+v, %v; want both routine messages", d, ok)
	}
}

func TestSendStampsTime(t *testing.T) {
	h := newHook(t, reply{status: 204})
	r := newRig(t, Routes{Notable: []Channel{webhookOn(t, "hook", h.url())}})
	if err := r.n.Send(context.Background(), Message{Tier: Notable, Kind: KindProposal, Title: "t"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(h.body(0)), `"at":"2025-03-14T09:26:53Z"`) {
		t.Errorf("body = %s, want the notifier's clock as at", h.body(0))
	}
}

func TestNoChannelForTierIsLogged(t *testing.T) {
	r := newRig(t, Routes{})
	if err := r.n.Send(context.Background(), critical("nowhere to go")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.logs.String(), "no channel configured for this tier") {
		t.Errorf("log = %s", r.logs.String())
	}
}

// Each channel fails or succeeds on its own: one broken webhook does not
// keep a critical alert from the others, and only it is dead-lettered.
func TestOneChannelFailingDoesNotStopTheOthers(t *testing.T) {
	good, bad := newHook(t), newHook(t, reply{status: 404, body: "no_service"})
	r := newRig(t, Routes{Notable: []Channel{slackOn(t, "good", good.url())}, Critical: []Channel{slackOn(t, "bad", bad.url())}})
	err := r.n.Send(context.Background(), critical("x"))
	if err == nil || !strings.Contains(err.Error(), "post to bad: 404 Not Found: no_service") {
		t.Errorf("err = %v", err)
	}
	if good.requests() != 1 {
		t.Errorf("good channel got %d requests, want 1", good.requests())
	}
	if l := r.letters.all(); len(l) != 1 || l[0].channel != "bad" {
		t.Errorf("dead letters = %+v, want one for bad", l)
	}
}

func TestDeadLetterFailureIsReported(t *testing.T) {
	h := newHook(t, reply{status: 400, body: "invalid_payload"})
	r := newRig(t, Routes{Notable: []Channel{slackOn(t, "s", h.url())}}, func(c *Config) {
		c.DeadLetter = func(context.Context, string, Message, error) error { return context.DeadlineExceeded }
	})
	err := r.n.Send(context.Background(), critical("x"))
	if err == nil || !strings.Contains(err.Error(), "record dead letter for s: context deadline exceeded") {
		t.Errorf("err = %v", err)
	}
	if !strings.Contains(r.logs.String(), "dead letter not recorded") {
		t.Errorf("log = %s", r.logs.String())
	}
}

func TestNewChecksRoutes(t *testing.T) {
	a, b := namedChannel("a"), namedChannel("a")
	for _, tc := range []struct {
		name   string
		routes Routes
		want   string
	}{
		{"duplicate name", Routes{Critical: []Channel{a, b}}, `critical route: two channels are named "a"`},
		{"nil channel", Routes{Notable: []Channel{nil}}, "notable route: channel 1 is nil"},
		{"no name", Routes{Notable: []Channel{namedChannel("")}}, "notable route: channel 1 has no name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{Routes: tc.routes})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestTierString(t *testing.T) {
	for tier, want := range map[Tier]string{Routine: "routine", Notable: "notable", Critical: "critical", Tier(9): "tier(9)"} {
		if tier.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(tier), tier.String(), want)
		}
	}
}

// namedChannel is a Channel that delivers nowhere; for configuration tests.
type namedChannel string

func (c namedChannel) Name() string                        { return string(c) }
func (c namedChannel) Send(context.Context, Message) error { return nil }
