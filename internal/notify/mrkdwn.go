package notify

import "strings"

// Slack reads &, < and > as control characters in every text object:
// <!channel>, <@U123> and <http://x|click> are mentions and links. Text
// from the cluster (a region label, a store address) is escaped so that it
// is shown, never parsed. Slack decodes exactly these three entities.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// slackEscape escapes s for a Slack text object.
func slackEscape(s string) string { return slackEscaper.Replace(s) }

// slackClip escapes s (invalid UTF-8 made valid) and cuts it to at most limit bytes (Slack's limits are
// in characters; bytes are never fewer), never inside an entity or a rune,
// ending with "…" when cut. Cutting after escaping would break "&amp;".
func slackClip(s string, limit int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if e := slackEscape(s); len(e) <= limit {
		return e
	}
	const more = "…"
	var b strings.Builder
	for _, r := range s {
		piece := slackEscape(string(r))
		if b.Len()+len(piece)+len(more) > limit {
			break
		}
		b.WriteString(piece)
	}
	b.WriteString(more)
	return b.String()
}
