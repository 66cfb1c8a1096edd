package notify

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDigestSumsUpAndClears(t *testing.T) {
	r := newRig(t, Routes{})
	ctx := context.Background()
	for _, m := range []Message{
		{Tier: Routine, Kind: KindOutcome, Title: "leader of region 4 moved", RunID: 3, At: epoch.Add(time.Minute)},
		{Tier: Routine, Kind: KindProposal, Title: "auto-approved split", At: epoch.Add(2 * time.Minute)},
		{Tier: Routine, Kind: KindOutcome, Title: "region 9 merged", RunID: 4, At: epoch.Add(3 * time.Minute)},
	} {
		if err := r.n.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// Not routine: not in the digest.
	_ = r.n.Send(ctx, critical("store down"))

	day := epoch.Add(24 * time.Hour)
	d, ok := r.n.Digest(day)
	if !ok {
		t.Fatal("no digest after three routine messages")
	}
	if d.Tier != Routine || d.Kind != KindDigest || d.Title != "Daily digest: 3 routine events" || !d.At.Equal(day) {
		t.Errorf("digest = %+v", d)
	}
	wantText := "Routine events from 2025-03-14 09:26:53 to 2025-03-15 09:26:53 UTC:\n" +
		"• 09:27:53 outcome: leader of region 4 moved (run 3)\n" +
		"• 09:28:53 proposal: auto-approved split\n" +
		"• 09:29:53 outcome: region 9 merged (run 4)"
	if d.Text != wantText {
		t.Errorf("text =\n%s\nwant\n%s", d.Text, wantText)
	}
	if want := []Field{{Name: "outcome", Value: "2"}, {Name: "proposal", Value: "1"}}; !reflect.DeepEqual(d.Fields, want) {
		t.Errorf("fields = %v, want %v", d.Fields, want)
	}

	if d, ok := r.n.Digest(day.Add(time.Hour)); ok {
		t.Errorf("second digest = %+v; want none, the first cleared it", d)
	}

	_ = r.n.Send(ctx, Message{Tier: Routine, Kind: KindOutcome, Title: "later", At: day.Add(2 * time.Hour)})
	d, ok = r.n.Digest(day.Add(24 * time.Hour))
	if !ok || d.Title != "Daily digest: 1 routine event" || strings.Contains(d.Text, "merged") {
		t.Errorf("next digest = %+v, %v; want only the later message", d, ok)
	}
	if !strings.HasPrefix(d.Text, "Routine events from 2025-03-15 10:26:53 ") {
		t.Errorf("next digest starts %q; want the period to start at the previous (empty) digest", d.Text)
	}
}

func TestDigestListsUpToLimitAndCountsAll(t *testing.T) {
	r := newRig(t, Routes{}, func(c *Config) { c.DigestLimit = 2 })
	for i := range 5 {
		_ = r.n.Send(context.Background(), Message{Tier: Routine, Kind: KindOutcome, Title: "m" + itoa(i)})
	}
	d, _ := r.n.Digest(epoch.Add(time.Hour))
	if strings.Count(d.Text, "• ") != 2 || !strings.HasSuffix(d.Text, "\n… and 3 more") {
		t.Errorf("text = %q, want 2 entries and 3 more", d.Text)
	}
	if d.Title != "Daily digest: 5 routine events" || d.Fields[0].Value != "5" {
		t.Errorf("digest = %+v, want all 5 counted", d)
	}
}

func TestSendDigestGoesWhereNotableGoes(t *testing.T) {
	team, oncall := newHook(t), newHook(t)
	r := newRig(t, Routes{Notable: []Channel{slackOn(t, "team", team.url())}, Critical: []Channel{slackOn(t, "oncall", oncall.url())}})
	if err := r.n.SendDigest(context.Background(), epoch); err != nil || team.requests() != 0 {
		t.Fatalf("empty digest: err %v, %d requests; want nothing sent", err, team.requests())
	}
	_ = r.n.Send(context.Background(), Message{Tier: Routine, Kind: KindOutcome, Title: "done"})
	if err := r.n.SendDigest(context.Background(), epoch.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if team.requests() != 1 || oncall.requests() != 0 {
		t.Fatalf("team %d, oncall %d requests; want 1, 0", team.requests(), oncall.requests())
	}
	w := decodeSlack(t, team.body(0))
	if w.Text != "[routine] Daily digest: 1 routine event" {
		t.Errorf("slack text = %q", w.Text)
	}
}
