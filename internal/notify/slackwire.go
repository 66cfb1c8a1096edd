package notify

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Slack's Block Kit limits (https://api.slack.com/reference/block-kit).
// A payload over them is refused with invalid_blocks, which would turn a
// long region list into a lost alert; text is cut instead.
const (
	slackHeaderLimit  = 150
	slackSectionLimit = 3000
	slackFieldLimit   = 2000
	slackMaxFields    = 10
	slackButtonLimit  = 75
	slackURLLimit     = 3000
	slackFallbackMax  = 3000
)

// slackPayload is the body of an incoming-webhook post. Text is the
// fallback shown in notifications and by clients that cannot show blocks.
type slackPayload struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []any       `json:"elements,omitempty"`
}

type slackText struct {
	Type  string `json:"type"` // "plain_text" or "mrkdwn"
	Text  string `json:"text"`
	Emoji *bool  `json:"emoji,omitempty"`
}

type slackButton struct {
	Type     string    `json:"type"`
	Text     slackText `json:"text"`
	URL      string    `json:"url"`
	ActionID string    `json:"action_id"`
}

func mrkdwn(s string) *slackText { return &slackText{Type: "mrkdwn", Text: s} }

// slackMessage lays a message out as blocks: header (title), section
// (text), section (fields), section (what approving means), actions (a
// link button), context (tier, kind, run, ticket, time). Every piece of
// the message's own text is escaped, the header's too: Slack gives &, <
// and > their meaning in every text object.
func slackMessage(m Message) slackPayload {
	title := m.Title
	if title == "" {
		title = m.Kind
	}
	no := false
	p := slackPayload{
		Text: slackClip(fmt.Sprintf("[%s] %s", m.Tier, title), slackFallbackMax),
		Blocks: []slackBlock{{
			Type: "header",
			Text: &slackText{Type: "plain_text", Text: slackClip(title, slackHeaderLimit), Emoji: &no},
		}},
	}
	if strings.TrimSpace(m.Text) != "" {
		p.Blocks = append(p.Blocks, slackBlock{Type: "section", Text: mrkdwn(slackClip(m.Text, slackSectionLimit))})
	}
	if fields := slackFields(m.Fields); len(fields) > 0 {
		p.Blocks = append(p.Blocks, slackBlock{Type: "section", Fields: fields})
	}
	if strings.TrimSpace(m.Approving) != "" {
		p.Blocks = append(p.Blocks, slackBlock{Type: "section",
			Text: mrkdwn("*Approving means:* " + slackClip(m.Approving, slackSectionLimit-len("*Approving means:* ")))})
	}
	if link, ok := slackLink(m.Link); ok {
		p.Blocks = append(p.Blocks, slackBlock{Type: "actions", Elements: []any{slackButton{
			Type:     "button",
			Text:     slackText{Type: "plain_text", Text: slackClip(linkLabel(m.Kind), slackButtonLimit)},
			URL:      link,
			ActionID: "open",
		}}})
	}
	p.Blocks = append(p.Blocks, slackBlock{Type: "context", Elements: []any{mrkdwn(slackContext(m))}})
	return p
}

// slackFields shows up to slackMaxFields fields (one section's worth); the
// last slot says how many more there were.
func slackFields(fs []Field) []slackText {
	var out []slackText
	for i, f := range fs {
		if f.Name == "" && f.Value == "" {
			continue
		}
		if len(out) == slackMaxFields-1 && len(fs)-i > 1 {
			out = append(out, *mrkdwn(fmt.Sprintf("_and %d more_", len(fs)-i)))
			break
		}
		name := slackClip(f.Name, slackFieldLimit/4)
		out = append(out, *mrkdwn("*" + name + "*\n" + slackClip(f.Value, slackFieldLimit-len(name)-3)))
	}
	return out
}

// slackLink is the link if Slack can show it as a button: http or https
// and short enough. Anything else is left out rather than risk Slack
// refusing the whole message.
func slackLink(raw string) (string, bool) {
	if raw == "" || len(raw) > slackURLLimit {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return raw, true
}

func linkLabel(kind string) string {
	switch kind {
	case KindProposal, KindApprovalNeeded:
		return "Open proposal"
	}
	return "Open in Operator"
}

// slackContext is the small print: tier, kind, run, ticket, time (UTC, so
// that everyone in the channel reads the same clock).
func slackContext(m Message) string {
	parts := []string{"*" + m.Tier.String() + "*"}
	if m.Kind != "" {
		parts = append(parts, slackClip(m.Kind, 100))
	}
	if m.RunID != 0 {
		parts = append(parts, fmt.Sprintf("run %d", m.RunID))
	}
	if m.TicketID != 0 {
		parts = append(parts, fmt.Sprintf("ticket %d", m.TicketID))
	}
	if !m.At.IsZero() {
		parts = append(parts, m.At.UTC().Format(time.DateTime)+" UTC")
	}
	return strings.Join(parts, " · ")
}
