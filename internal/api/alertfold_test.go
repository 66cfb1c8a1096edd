package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/auth"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/ticket"
)

// fakeMapper stands in for an adapter's: two alerts map, the store one
// only for an instance it knows.
func fakeMapper(name string, labels map[string]string) (string, map[string]string, bool) {
	switch name {
	case "PD_miss_peer_region_count":
		return "region-miss-peer", nil, true
	case "TiKV_server_is_down":
		if labels["instance"] == "tikv-3:20160" {
			return "store-down", map[string]string{"store": "3"}, true
		}
	}
	return "", nil, false
}

func newFoldRig(t testing.TB, mapper AlertMapper) *apiRig {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "op.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &apiRig{st: st, now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	r.srv = httptest.NewServer(New(st, Options{Now: func() time.Time { return r.now }, ReopenWithin: time.Hour, AlertMapper: mapper}))
	t.Cleanup(r.srv.Close)
	r.token = r.addUser(t, "root", auth.Admin)
	return r
}

// openOperatorTicket opens a ticket the way the monitor does.
func (r *apiRig) openOperatorTicket(t *testing.T, inv string, labels map[string]string) ticket.Ticket {
	t.Helper()
	tk, _, err := r.st.OpenOrTouch(context.Background(), ticket.Ticket{
		DedupKey: ticket.Key(inv, labels), Invariant: inv, Subject: "tikv", Severity: ticket.Warning,
		State: ticket.Open, Summary: inv + " is broken", Labels: labels, Evidence: map[string]any{"from": "monitor"},
	}, time.Hour, r.now)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// amAlert is one alert of a webhook, as JSON.
func amAlert(status, name string, labels map[string]string, startsAt, fingerprint string) string {
	l := map[string]string{"alertname": name}
	for k, v := range labels {
		l[k] = v
	}
	start, _ := time.Parse(time.RFC3339, startsAt)
	b, _ := json.Marshal(Alert{Status: status, Labels: l, Annotations: map[string]string{"summary": name + " summary"},
		StartsAt: start, GeneratorURL: "http://prom/graph", Fingerprint: fingerprint})
	return string(b)
}

func (r *apiRig) post(t *testing.T, alerts ...string) []AlertResult {
	t.Helper()
	code, body := r.call(t, "POST", "/api/v1/alerts/alertmanager", webhook("firing", alerts...))
	var res []AlertResult
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil || len(res) != len(alerts) {
		t.Fatalf("webhook: %d %s", code, body)
	}
	return res
}

// foldNotes are the notes folding wrote on a ticket.
func (r *apiRig) foldNotes(t *testing.T, id ticket.ID) []ticket.Event {
	t.Helper()
	evs, err := r.st.Events(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []ticket.Event
	for _, e := range evs {
		if e.Kind == ticket.EventNote && e.Data["source"] == "alertmanager" {
			out = append(out, e)
		}
	}
	return out
}

func (r *apiRig) all(t *testing.T) []ticket.Ticket {
	t.Helper()
	ts, err := r.st.List(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestAlertFoldsIntoActiveOperatorTicket(t *testing.T) {
	r := newFoldRig(t, fakeMapper)
	op := r.openOperatorTicket(t, "store-down", map[string]string{"store": "3"})
	down := map[string]string{"instance": "tikv-3:20160", "level": "emergency"}
	firing := amAlert("firing", "TiKV_server_is_down", down, "2026-11-25T11:59:00Z", "fp1")

	res := r.post(t, firing)
	if res[0].Outcome != "folded" || res[0].Ticket != op.ID || res[0].MapsTo != "store-down/store=3" ||
		!strings.HasPrefix(res[0].Key, "alert:TiKV_server_is_down/") {
		t.Fatalf("first delivery: %+v", res[0])
	}
	notes := r.foldNotes(t, op.ID)
	if len(notes) != 1 || !strings.Contains(notes[0].Message, "Alertmanager also fires TiKV_server_is_down (instance=tikv-3:20160, level=emergency)") {
		t.Fatalf("notes after the first delivery: %+v", notes)
	}
	if ts := r.all(t); len(ts) != 1 {
		t.Fatalf("folding opened a ticket: %+v", ts)
	}

	// Alertmanager re-sends a firing alert every repeat_interval: nothing new.
	for range 3 {
		r.now = r.now.Add(4 * time.Hour)
		if res := r.post(t, firing); res[0].Outcome != "duplicate" || res[0].Ticket != op.ID {
			t.Fatalf("repeat delivery: %+v", res[0])
		}
	}
	if notes := r.foldNotes(t, op.ID); len(notes) != 1 {
		t.Fatalf("repeat deliveries wrote notes: %+v", notes)
	}

	// Resolved: a note, and the operator's ticket stays the monitor's.
	resolved := amAlert("resolved", "TiKV_server_is_down", down, "2026-11-25T11:59:00Z", "fp1")
	for i, want := range []string{"folded", "duplicate"} {
		code, body := r.call(t, "POST", "/api/v1/alerts/alertmanager", webhook("resolved", resolved))
		var res []AlertResult
		if json.Unmarshal([]byte(body), &res); code != 200 || res[0].Outcome != want || res[0].Ticket != op.ID {
			t.Fatalf("resolved delivery %d: %d %s", i, code, body)
		}
	}
	got, err := r.st.Get(context.Background(), op.ID)
	if err != nil || got.State != ticket.Open {
		t.Fatalf("a resolved alert changed the operator's ticket: %+v %v", got, err)
	}
	notes = r.foldNotes(t, op.ID)
	if len(notes) != 2 || !strings.Contains(notes[1].Message, "Alertmanager resolved TiKV_server_is_down") {
		t.Fatalf("notes after resolve: %+v", notes)
	}

	// The same alert firing again later is a new firing: a new note.
	again := amAlert("firing", "TiKV_server_is_down", down, "2026-11-25T20:00:00Z", "fp1")
	if res := r.post(t, again); res[0].Outcome != "folded" {
		t.Fatalf("new firing: %+v", res[0])
	}
	if notes := r.foldNotes(t, op.ID); len(notes) != 3 {
		t.Fatalf("notes after a new firing: %d", len(notes))
	}
}

func TestAlertFoldsIntoDiagnosedTicketAndLabelLessKeys(t *testing.T) {
	r := newFoldRig(t, fakeMapper)
	op := r.openOperatorTicket(t, "region-miss-peer", nil)
	if _, err := r.st.SetState(context.Background(), op.ID, ticket.Diagnosed, "looked at", r.now); err != nil {
		t.Fatal(err)
	}
	res := r.post(t, amAlert("firing", "PD_miss_peer_region_count", map[string]string{"instance": "pd-0:2379"}, "2026-11-25T11:59:00Z", "fp"))
	if res[0].Outcome != "folded" || res[0].Ticket != op.ID || res[0].MapsTo != "region-miss-peer" {
		t.Fatalf("fold into a diagnosed ticket: %+v", res[0])
	}
}

func TestAlertFoldingConcurrentDeliveriesWriteOneNote(t *testing.T) {
	r := newFoldRig(t, fakeMapper)
	op := r.openOperatorTicket(t, "region-miss-peer", nil)
	firing := amAlert("firing", "PD_miss_peer_region_count", map[string]string{"instance": "pd-0:2379"}, "2026-11-25T11:59:00Z", "fp")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := r.postRaw(t, "/api/v1/alerts/alertmanager", strings.NewReader(webhook("firing", firing)))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if notes := r.foldNotes(t, op.ID); len(notes) != 1 {
		t.Fatalf("%d notes from 8 concurrent deliveries", len(notes))
	}
}

func TestAlertWithoutActiveOperatorTicketKeepsItsOwn(t *testing.T) {
	r := newFoldRig(t, fakeMapper)
	down := map[string]string{"instance": "tikv-3:20160"}
	firing := amAlert("firing", "TiKV_server_is_down", down, "2026-11-25T11:59:00Z", "fp1")
	res := r.post(t, firing)
	if res[0].Outcome != "opened" || res[0].MapsTo != "store-down/store=3" {
		t.Fatalf("no operator ticket: %+v", res[0])
	}
	own, err := r.st.Get(context.Background(), res[0].Ticket)
	if err != nil || own.Subject != AlertmanagerSubject || own.Evidence["maps_to"] != "store-down/store=3" {
		t.Fatalf("alert ticket: %+v %v", own, err)
	}
	if _, ok := own.Labels["maps_to"]; ok {
		t.Fatalf("maps_to is in the labels (and so the dedup key): %v", own.Labels)
	}

	// A resolved operator ticket is no fold target either.
	op := r.openOperatorTicket(t, "store-down", map[string]string{"store": "3"})
	if _, err := r.st.Resolve(context.Background(), op.ID, "healed", r.now); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(time.Minute)
	if res := r.post(t, firing); res[0].Outcome != "updated" || res[0].Ticket != own.ID {
		t.Fatalf("with a resolved operator ticket: %+v", res[0])
	}

	// The monitor opens its ticket again: the next delivery folds, and the
	// alert's own ticket closes in its favour.
	r.now = r.now.Add(time.Minute)
	op = r.openOperatorTicket(t, "store-down", map[string]string{"store": "3"})
	res = r.post(t, firing)
	if res[0].Outcome != "folded" || res[0].Ticket != op.ID || !strings.Contains(res[0].Reason, "own ticket") {
		t.Fatalf("fold after the operator's ticket opened: %+v", res[0])
	}
	own, _ = r.st.Get(context.Background(), own.ID)
	if own.State != ticket.Resolved {
		t.Fatalf("alert's own ticket still %s after folding", own.State)
	}
	evs, _ := r.st.Events(context.Background(), own.ID)
	if last := evs[len(evs)-1]; !strings.Contains(last.Message, "folded into ticket") {
		t.Fatalf("alert ticket's resolve reason: %+v", last)
	}
	// Resolved by Alertmanager: a note on the operator's ticket only.
	code, body := r.call(t, "POST", "/api/v1/alerts/alertmanager",
		webhook("resolved", amAlert("resolved", "TiKV_server_is_down", down, "2026-11-25T11:59:00Z", "fp1")))
	if !strings.Contains(body, `"outcome": "folded"`) || code != 200 {
		t.Fatalf("resolve: %d %s", code, body)
	}
	if got, _ := r.st.Get(context.Background(), op.ID); got.State != ticket.Open {
		t.Fatalf("operator ticket %s after the alert resolved", got.State)
	}
}

func TestResolvedAlertNeverFoldedLeavesOperatorTicketAlone(t *testing.T) {
	r := newFoldRig(t, fakeMapper)
	op := r.openOperatorTicket(t, "region-miss-peer", nil)
	code, body := r.call(t, "POST", "/api/v1/alerts/alertmanager",
		webhook("resolved", amAlert("resolved", "PD_miss_peer_region_count", nil, "2026-11-25T11:00:00Z", "fp")))
	var res []AlertResult
	if json.Unmarshal([]byte(body), &res); code != 200 || res[0].Outcome != "ignored" {
		t.Fatalf("resolved, never folded: %d %s", code, body)
	}
	if notes := r.foldNotes(t, op.ID); len(notes) != 0 {
		t.Fatalf("notes: %+v", notes)
	}
}

func TestUnmappedAlertUnchangedWithMapper(t *testing.T) {
	r := newFoldRig(t, fakeMapper)
	r.openOperatorTicket(t, "store-down", map[string]string{"store": "3"})
	// Known name, unknown instance; and an unknown name.
	res := r.post(t, amAlert("firing", "TiKV_server_is_down", map[string]string{"instance": "tikv-9:20160"}, "2026-11-25T11:59:00Z", "a"),
		amAlert("firing", "PD_cluster_low_space", map[string]string{"instance": "pd-0:2379"}, "2026-11-25T11:59:00Z", "b"))
	for _, x := range res {
		if x.Outcome != "opened" || x.MapsTo != "" {
			t.Fatalf("unmapped alert: %+v", x)
		}
		tk, _ := r.st.Get(context.Background(), x.Ticket)
		if _, ok := tk.Evidence["maps_to"]; ok || tk.Subject != AlertmanagerSubject {
			t.Fatalf("unmapped alert's ticket: %+v", tk)
		}
	}
}

func TestGarbageFromTheMapperIsHarmless(t *testing.T) {
	ctx := context.Background()
	cases := map[string]AlertMapper{
		"empty invariant": func(string, map[string]string) (string, map[string]string, bool) { return "", nil, true },
		"blank invariant": func(string, map[string]string) (string, map[string]string, bool) { return "  ", nil, true },
		"alert invariant": func(string, map[string]string) (string, map[string]string, bool) {
			return "alert:Other", map[string]string{"instance": "x"}, true
		},
		"huge key": func(string, map[string]string) (string, map[string]string, bool) {
			return "store-down", map[string]string{"store": strings.Repeat("9", 2*ticket.MaxKeyLen)}, true
		},
		"mutates labels": func(_ string, l map[string]string) (string, map[string]string, bool) {
			l["instance"], l["alertname"] = "evil", "Evil"
			return "", nil, false
		},
		"another alert's ticket": func(string, map[string]string) (string, map[string]string, bool) {
			return "plain", nil, true
		},
		"escapes": func(string, map[string]string) (string, map[string]string, bool) {
			return "store-down/x", map[string]string{"store": "3,region=1"}, true
		},
	}
	for name, mapper := range cases {
		t.Run(name, func(t *testing.T) {
			r := newFoldRig(t, mapper)
			// A ticket of Alertmanager's own whose key a mapper could name.
			other, _, err := r.st.OpenOrTouch(ctx, ticket.Ticket{DedupKey: "plain", Invariant: "plain", Subject: AlertmanagerSubject,
				Severity: ticket.Warning, State: ticket.Open, Summary: "x"}, 0, r.now)
			if err != nil {
				t.Fatal(err)
			}
			r.openOperatorTicket(t, "store-down", map[string]string{"store": "3"})
			res := r.post(t, amAlert("firing", "A", map[string]string{"instance": "i"}, "2026-11-25T11:59:00Z", "f"))
			if res[0].Outcome != "opened" || res[0].Key != "alert:A/instance=i" || res[0].Ticket == other.ID {
				t.Fatalf("%+v", res[0])
			}
			if n := len(r.all(t)); n != 3 {
				t.Fatalf("%d tickets, want 3", n)
			}
			for _, tk := range r.all(t) {
				if notes := r.foldNotes(t, tk.ID); len(notes) != 0 {
					t.Fatalf("ticket %s got notes: %+v", tk.DedupKey, notes)
				}
			}
		})
	}
}

func TestFoldNoteBoundsOutsideText(t *testing.T) {
	r := newFoldRig(t, func(string, map[string]string) (string, map[string]string, bool) {
		return "region-miss-peer", nil, true
	})
	op := r.openOperatorTicket(t, "region-miss-peer", nil)
	labels := map[string]string{"a": "pd-0\x1b[31m:2379", "huge": strings.Repeat("é", 1000)}
	r.post(t, amAlert("firing", "PD_miss_peer_region_count", labels, "2026-11-25T11:59:00Z", "f"))
	notes := r.foldNotes(t, op.ID)
	if len(notes) != 1 {
		t.Fatalf("notes: %+v", notes)
	}
	m := notes[0].Message
	if strings.ContainsRune(m, 0x1b) || len(m) > 1200 || !strings.Contains(m, "…") || !strings.Contains(m, "a=pd-0 [31m:2379") {
		t.Fatalf("note message not bounded: %q", m)
	}
}

// Whatever Alertmanager (or anyone) sends, the operator's ticket is never
// resolved by the intake.
func FuzzAlertFolding(f *testing.F) {
	f.Add([]byte(webhook("firing", amAlert("firing", "TiKV_server_is_down", map[string]string{"instance": "tikv-3:20160"}, "2026-11-25T11:59:00Z", "f"))))
	f.Add([]byte(webhook("resolved", amAlert("resolved", "PD_miss_peer_region_count", nil, "2026-11-25T11:59:00Z", ""))))
	r := newFoldRig(f, fakeMapper)
	ctx := context.Background()
	var ops []ticket.ID
	for _, k := range []struct {
		inv    string
		labels map[string]string
	}{{"store-down", map[string]string{"store": "3"}}, {"region-miss-peer", nil}} {
		tk, _, err := r.st.OpenOrTouch(ctx, ticket.Ticket{DedupKey: ticket.Key(k.inv, k.labels), Invariant: k.inv, Subject: "tikv",
			Severity: ticket.Warning, State: ticket.Open, Summary: "x", Labels: k.labels}, 0, r.now)
		if err != nil {
			f.Fatal(err)
		}
		ops = append(ops, tk.ID)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		resp, err := r.postRaw(t, "/api/v1/alerts/alertmanager", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 && resp.StatusCode != 400 {
			t.Fatalf("status %d for %q", resp.StatusCode, body)
		}
		for _, id := range ops {
			if tk, err := r.st.Get(ctx, id); err != nil || tk.State != ticket.Open {
				t.Fatalf("operator ticket %d: %+v %v", id, tk, err)
			}
		}
	})
}
