package notify

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"testing"
	"time"
)

func TestWebhookBody(t *testing.T) {
	h := newHook(t, reply{status: 204})
	w := webhookOn(t, "incident webhook", h.url())
	at := time.Date(2025, 3, 14, 10, 26, 53, 500_000_000, time.FixedZone("CET", 3600))
	m := Message{
		Tier:      Notable,
		Kind:      KindProposal,
		Title:     "Split region <42>",
		Text:      "hot & big",
		Link:      "http://daemon/api/v1/actions/12",
		Fields:    []Field{{Name: "region", Value: "42"}, {Name: "size", Value: "300MiB"}},
		RunID:     12,
		TicketID:  7,
		At:        at,
		Approving: "splits region 42 in two",
	}
	if err := w.Send(context.Background(), m); err != nil {
		t.Fatalf("send: %v", err)
	}
	if h.methods[0] != "POST" || h.ctypes[0] != "application/json" {
		t.Errorf("request = %s %s, want POST application/json", h.methods[0], h.ctypes[0])
	}
	var got map[string]any
	if err := json.Unmarshal(h.body(0), &got); err != nil {
		t.Fatalf("decode: %v\n%s", err, h.body(0))
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	wantKeys := []string{"approving", "at", "fields", "kind", "link", "run_id", "text", "ticket_id", "tier", "title", "version"}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("keys = %v, want %v", keys, wantKeys)
	}
	want := map[string]any{
		"version":   1.0,
		"tier":      "notable",
		"kind":      "proposal",
		"title":     "Split region <42>", // raw: the receiver escapes for its format
		"text":      "hot & big",
		"link":      "http://daemon/api/v1/actions/12",
		"fields":    []any{map[string]any{"name": "region", "value": "42"}, map[string]any{"name": "size", "value": "300MiB"}},
		"run_id":    12.0,
		"ticket_id": 7.0,
		"at":        "2025-03-14T09:26:53.5Z",
		"approving": "splits region 42 in two",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body = %#v\nwant   %#v", got, want)
	}
	parsed, err := time.Parse(time.RFC3339, got["at"].(string))
	if err != nil || !parsed.Equal(at) {
		t.Errorf("at = %v (%v), want RFC 3339 of %v", parsed, err, at)
	}
}

// Receivers get every key every time: an empty list, not null; zeros, not
// missing keys.
func TestWebhookBodyKeepsEmptyKeys(t *testing.T) {
	var got map[string]any
	if err := json.Unmarshal(mustJSON(t, webhookMessage(Message{Tier: Critical, At: epoch})), &got); err != nil {
		t.Fatal(err)
	}
	if f, ok := got["fields"].([]any); !ok || len(f) != 0 {
		t.Errorf("fields = %#v, want []", got["fields"])
	}
	for _, k := range []string{"link", "text", "approving", "run_id", "ticket_id"} {
		if _, ok := got[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
}

func TestWebhookAnswers(t *testing.T) {
	for _, tc := range []struct {
		status    int
		ok        bool
		permanent bool
	}{
		{status: 200, ok: true},
		{status: 202, ok: true},
		{status: 204, ok: true},
		{status: 400, permanent: true},
		{status: 401, permanent: true},
		{status: 404, permanent: true},
		{status: 408},
		{status: 429},
		{status: 500},
		{status: 502},
	} {
		t.Run(itoa(tc.status), func(t *testing.T) {
			h := newHook(t, reply{status: tc.status})
			err := webhookOn(t, "hook", h.url()).Send(context.Background(), critical("t"))
			if tc.ok {
				if err != nil {
					t.Fatalf("send: %v", err)
				}
				return
			}
			var de *DeliveryError
			if !errors.As(err, &de) || de.Status != tc.status || de.Permanent != tc.permanent {
				t.Errorf("err = %v, want status %d permanent %v", err, tc.status, tc.permanent)
			}
		})
	}
}
