package notify

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Retry-After comes from outside; whatever it says, the wait is never
// negative and the parser never panics.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"7", "0", "", "-1", "1.5", "99999999999999999999", "Fri, 14 Mar 2025 09:27:23 GMT", "Sun, 06 Nov 1994 08:49:37 GMT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseRetryAfter(s, epoch)
		if d < 0 || (!ok && d != 0) {
			t.Errorf("parseRetryAfter(%q) = %v, %v", s, d, ok)
		}
	})
}

var entity = regexp.MustCompile(`&(amp|lt|gt);`)

// Cluster text of any shape leaves slackClip with no control character,
// no broken entity, within the limit, and as valid UTF-8; and a Slack
// payload built from it is valid JSON.
func FuzzSlackClip(f *testing.F) {
	for _, s := range []string{"", "<!channel>", "a&b", "<http://x|y>", strings.Repeat("&", 200), "\xff\xfe<", "région ✓ <@U1>"} {
		f.Add(s, 50)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 8 || limit > 5000 {
			return
		}
		got := slackClip(s, limit)
		if len(got) > limit {
			t.Errorf("len %d > limit %d", len(got), limit)
		}
		if strings.ContainsAny(got, "<>") {
			t.Errorf("slackClip(%q) = %q keeps a control character", s, got)
		}
		if strings.Contains(entity.ReplaceAllString(got, ""), "&") {
			t.Errorf("slackClip(%q) = %q has a bare or broken &", s, got)
		}
		if !utf8.ValidString(got) {
			t.Errorf("slackClip(%q) = %q is not UTF-8", s, got)
		}
		m := Message{Tier: Critical, Kind: s, Title: s, Text: s, Fields: []Field{{Name: s, Value: s}}, Approving: s, Link: s, At: time.Unix(0, 0)}
		b, err := json.Marshal(slackMessage(m))
		if err != nil || !json.Valid(b) {
			t.Errorf("payload for %q: %v", s, err)
		}
	})
}
