package notify

import (
	"log/slog"
	"time"
)

// Kinds of message the daemon sends. Kind is free text on the wire; these
// are the ones the daemon uses, named once so that the digest groups them.
const (
	KindProposal       = "proposal"
	KindApprovalNeeded = "approval-needed"
	KindEscalation     = "escalation"
	KindFailure        = "failure"
	KindOutcome        = "outcome"
	KindKillSwitch     = "kill-switch"
	KindDigest         = "digest"
)

// Field is one name/value pair shown with a message (region, store, risk).
type Field struct {
	Name  string
	Value string
}

// Message is one notification. Title, Text, Fields and Approving may carry
// text from the cluster (labels, store addresses); channels escape it for
// their format, so callers pass it as it is.
type Message struct {
	Tier Tier
	Kind string
	// Title is one line; Text may be several.
	Title string
	Text  string
	// Link is where to look (the proposal in the daemon's API or console).
	// Optional; only http and https links are shown.
	Link   string
	Fields []Field
	// RunID and TicketID are 0 when the message is about neither.
	RunID    int64
	TicketID int64
	// At is when it happened; the Notifier stamps its clock when zero.
	At time.Time
	// Approving says what approving does, for approval requests.
	Approving string
}

// LogValue is what a log line shows of a message: enough to find it, not
// the whole text.
func (m Message) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("tier", m.Tier.String()),
		slog.String("kind", m.Kind),
		slog.String("title", m.Title),
	}
	if m.RunID != 0 {
		attrs = append(attrs, slog.Int64("run_id", m.RunID))
	}
	if m.TicketID != 0 {
		attrs = append(attrs, slog.Int64("ticket_id", m.TicketID))
	}
	return slog.GroupValue(attrs...)
}
