package notify

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// wireSlack is Slack's incoming-webhook payload, decoded independently of
// the types that encode it.
type wireSlack struct {
	Text   string `json:"text"`
	Blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Type  string `json:"type"`
			Text  string `json:"text"`
			Emoji *bool  `json:"emoji"`
		} `json:"text"`
		Fields []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"fields"`
		Elements []struct {
			Type string          `json:"type"`
			Text json.RawMessage `json:"text"`
			URL  string          `json:"url"`
		} `json:"elements"`
	} `json:"blocks"`
}

func decodeSlack(t *testing.T, b []byte) wireSlack {
	t.Helper()
	var w wireSlack
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&w); err != nil {
		t.Fatalf("decode slack payload: %v\n%s", err, b)
	}
	return w
}

func TestSlackWireFormat(t *testing.T) {
	h := newHook(t)
	s := slackOn(t, "slack webhook #1", h.url())
	m := Message{
		Tier:  Critical,
		Kind:  KindApprovalNeeded,
		Title: "Leader transfer for region <!channel>",
		Text:  "Store 5 & store 7 are hot; label zone=<http://evil.example|click here> says <@U123>",
		Link:  "http://daemon:8080/api/v1/actions/12",
		Fields: []Field{
			{Name: "Region", Value: "42"},
			{Name: "label <x>", Value: "a&b"},
		},
		RunID:     12,
		TicketID:  7,
		At:        epoch,
		Approving: "moves the leader of region 42 to store 5",
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("send: %v", err)
	}
	if h.requests() != 1 {
		t.Fatalf("requests = %d, want 1", h.requests())
	}
	if h.methods[0] != http.MethodPost || h.ctypes[0] != "application/json" {
		t.Errorf("request = %s %s, want POST application/json", h.methods[0], h.ctypes[0])
	}
	w := decodeSlack(t, h.body(0))

	if want := "[critical] Leader transfer for region &lt;!channel&gt;"; w.Text != want {
		t.Errorf("text = %q, want %q", w.Text, want)
	}
	var types []string
	for _, b := range w.Blocks {
		types = append(types, b.Type)
	}
	if got, want := strings.Join(types, ","), "header,section,section,section,actions,context"; got != want {
		t.Fatalf("block types = %s, want %s", got, want)
	}
	hdr := w.Blocks[0].Text
	if hdr.Type != "plain_text" || hdr.Text != "Leader transfer for region &lt;!channel&gt;" {
		t.Errorf("header = %+v", hdr)
	}
	body := w.Blocks[1].Text
	wantBody := "Store 5 &amp; store 7 are hot; label zone=&lt;http://evil.example|click here&gt; says &lt;@U123&gt;"
	if body.Type != "mrkdwn" || body.Text != wantBody {
		t.Errorf("section = %+v, want mrkdwn %q", body, wantBody)
	}
	fields := w.Blocks[2].Fields
	if len(fields) != 2 || fields[0].Text != "*Region*\n42" || fields[1].Text != "*label &lt;x&gt;*\na&amp;b" {
		t.Errorf("fields = %+v", fields)
	}
	for _, f := range fields {
		if f.Type != "mrkdwn" {
			t.Errorf("field type = %q, want mrkdwn", f.Type)
		}
	}
	if got := w.Blocks[3].Text.Text; got != "*Approving means:* moves the leader of region 42 to store 5" {
		t.Errorf("approving section = %q", got)
	}
	btn := w.Blocks[4].Elements
	if len(btn) != 1 || btn[0].Type != "button" || btn[0].URL != m.Link {
		t.Errorf("actions = %+v, want one button to %s", btn, m.Link)
	}
	var label struct{ Type, Text string }
	if err := json.Unmarshal(btn[0].Text, &label); err != nil || label.Type != "plain_text" || label.Text != "Open proposal" {
		t.Errorf("button label = %s (%v)", btn[0].Text, err)
	}
	cel := w.Blocks[5].Elements
	var small string
	if len(cel) != 1 || cel[0].Type != "mrkdwn" || json.Unmarshal(cel[0].Text, &small) != nil {
		t.Fatalf("context elements = %+v, want one mrkdwn text", cel)
	}
	if want := "*critical* · approval-needed · run 12 · ticket 7 · 2025-03-14 09:26:53 UTC"; small != want {
		t.Errorf("context = %q, want %q", small, want)
	}

	// Nothing that the message carried may reach Slack as a control
	// character: every < and > left in the payload is the escaper's.
	raw := string(h.body(0))
	for _, bad := range []string{"<!channel>", "<@U123>", "<http://evil"} {
		if strings.Contains(raw, bad) || strings.Contains(raw, strings.NewReplacer("<", `\u003c`, ">", `\u003e`).Replace(bad)) {
			t.Errorf("payload carries %q unescaped", bad)
		}
	}
}

func TestSlackLeavesOutWhatItCannotShow(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Message
	}{
		{"no link, text, fields or approving", Message{Tier: Notable, Kind: KindOutcome, Title: "done"}},
		{"javascript link", Message{Tier: Notable, Kind: KindOutcome, Title: "x", Link: "javascript:alert(1)"}},
		{"relative link", Message{Tier: Notable, Kind: KindOutcome, Title: "x", Link: "/api/v1/actions/3"}},
		{"blank text", Message{Tier: Notable, Kind: KindOutcome, Title: "x", Text: "  \n", Approving: " "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := decodeSlack(t, mustJSON(t, slackMessage(tc.m)))
			var types []string
			for _, b := range w.Blocks {
				types = append(types, b.Type)
			}
			if got := strings.Join(types, ","); got != "header,context" {
				t.Errorf("block types = %s, want header,context", got)
			}
		})
	}
}

func TestSlackTitleFallsBackToKind(t *testing.T) {
	w := decodeSlack(t, mustJSON(t, slackMessage(Message{Tier: Critical, Kind: KindKillSwitch})))
	if w.Blocks[0].Text.Text != "kill-switch" || w.Text != "[critical] kill-switch" {
		t.Errorf("header %q, text %q; want the kind", w.Blocks[0].Text.Text, w.Text)
	}
}

// A long text is cut to Slack's limits instead of being refused as
// invalid_blocks, and the cut never splits an entity.
func TestSlackClipsToBlockKitLimits(t *testing.T) {
	long := strings.Repeat("a&", 3000)
	var fields []Field
	for i := range 15 {
		fields = append(fields, Field{Name: "f" + itoa(i), Value: long})
	}
	w := decodeSlack(t, mustJSON(t, slackMessage(Message{Tier: Critical, Kind: "x", Title: long, Text: long, Fields: fields})))
	if n := len([]rune(w.Blocks[0].Text.Text)); n > slackHeaderLimit {
		t.Errorf("header has %d characters, limit %d", n, slackHeaderLimit)
	}
	sec := w.Blocks[1].Text.Text
	if len([]rune(sec)) > slackSectionLimit || !strings.HasSuffix(sec, "…") {
		t.Errorf("section has %d characters (limit %d), ends %q", len([]rune(sec)), slackSectionLimit, sec[len(sec)-8:])
	}
	entity := regexp.MustCompile(`&(amp|lt|gt);`)
	if strings.Contains(entity.ReplaceAllString(sec, ""), "&") {
		t.Error("section text has a bare or broken & entity")
	}
	fs := w.Blocks[2].Fields
	if len(fs) != slackMaxFields {
		t.Fatalf("%d fields, want %d", len(fs), slackMaxFields)
	}
	if last := fs[len(fs)-1].Text; last != "_and 6 more_" {
		t.Errorf("last field = %q, want _and 6 more_", last)
	}
	for _, f := range fs {
		if len([]rune(f.Text)) > slackFieldLimit {
			t.Errorf("field has %d characters, limit %d", len([]rune(f.Text)), slackFieldLimit)
		}
	}
}

func TestSlackAnswers(t *testing.T) {
	for _, tc := range []struct {
		reply      reply
		ok         bool
		permanent  bool
		reason     string
		retryAfter time.Duration
	}{
		{reply: reply{status: 200, body: "ok"}, ok: true},
		{reply: reply{status: 400, body: "invalid_payload"}, permanent: true, reason: "invalid_payload"},
		{reply: reply{status: 403, body: "action_prohibited"}, permanent: true, reason: "action_prohibited"},
		{reply: reply{status: 404, body: "no_service"}, permanent: true, reason: "no_service"},
		{reply: reply{status: 410, body: "channel_is_archived"}, permanent: true, reason: "channel_is_archived"},
		{reply: reply{status: 302}, permanent: true},
		{reply: reply{status: 429, body: "rate_limited", retryAfter: "7"}, reason: "rate_limited", retryAfter: 7 * time.Second},
		{reply: reply{status: 500, body: "rollup_error"}, reason: "rollup_error"},
		{reply: reply{status: 503}},
	} {
		t.Run(itoa(tc.reply.status), func(t *testing.T) {
			h := newHook(t, tc.reply)
			err := slackOn(t, "slack webhook #1", h.url()).Send(context.Background(), critical("t"))
			if tc.ok {
				if err != nil {
					t.Fatalf("send: %v", err)
				}
				return
			}
			var de *DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *DeliveryError", err)
			}
			if de.Status != tc.reply.status || de.Permanent != tc.permanent || de.Reason != tc.reason || de.RetryAfter != tc.retryAfter {
				t.Errorf("err = %+v, want status %d permanent %v reason %q retry after %s",
					de, tc.reply.status, tc.permanent, tc.reason, tc.retryAfter)
			}
			if !strings.HasPrefix(err.Error(), "post to slack webhook #1: "+itoa(tc.reply.status)) {
				t.Errorf("err = %q, want it to name the channel and status", err)
			}
			if h.requests() != 1 {
				t.Errorf("a channel makes one attempt; made %d", h.requests())
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
