package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// WebhookVersion is the "version" of the generic webhook body. It changes
// only when a field changes meaning or goes away; new fields may be added
// within a version.
const WebhookVersion = 1

// WebhookConfig configures one generic JSON webhook.
type WebhookConfig struct {
	// Name is how logs, errors and dead letters call this channel.
	// Required: it stands for the URL everywhere.
	Name string
	// URL receives the POST. Treated as a secret: receivers often take
	// their token in the path or query.
	URL string
	// Timeout bounds one request (default DefaultTimeout).
	Timeout time.Duration
	// Client sends the requests (default: a plain http.Client). It is
	// copied; redirects are never followed.
	Client *http.Client
	// Now reads HTTP-date Retry-After headers (default time.Now).
	Now func() time.Time
}

// Webhook posts messages as JSON to any HTTP endpoint (an incident tool,
// a chat bridge, a script). It prints as its name.
type Webhook struct {
	endpoint
}

// NewWebhook checks cfg and returns the channel.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	e, err := newEndpoint(cfg.Name, cfg.URL, cfg.Client, cfg.Timeout, cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("configure webhook: %w", err)
	}
	return &Webhook{endpoint: e}, nil
}

func (w *Webhook) Name() string { return w.name }

// Send makes one attempt: 2xx is delivered; 408, 429 and 5xx may be
// retried; other statuses are permanent.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(webhookMessage(m))
	if err != nil {
		return fmt.Errorf("encode message for %s: %w", w.name, err)
	}
	a, err := w.post(ctx, body)
	if err != nil {
		return err
	}
	return classify(w.name, a)
}

// webhookBody is the generic webhook's wire format. Every key is always
// present (zero IDs as 0, missing text as ""), so receivers need no
// optional-field handling. Text is raw: the receiver escapes for its own
// format.
type webhookBody struct {
	Version   int            `json:"version"`
	Tier      string         `json:"tier"`
	Kind      string         `json:"kind"`
	Title     string         `json:"title"`
	Text      string         `json:"text"`
	Link      string         `json:"link"`
	Fields    []webhookField `json:"fields"`
	RunID     int64          `json:"run_id"`
	TicketID  int64          `json:"ticket_id"`
	At        string         `json:"at"` // RFC 3339, UTC
	Approving string         `json:"approving"`
}

type webhookField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func webhookMessage(m Message) webhookBody {
	fields := make([]webhookField, 0, len(m.Fields))
	for _, f := range m.Fields {
		fields = append(fields, webhookField{Name: f.Name, Value: f.Value})
	}
	return webhookBody{
		Version:   WebhookVersion,
		Tier:      m.Tier.String(),
		Kind:      m.Kind,
		Title:     m.Title,
		Text:      m.Text,
		Link:      m.Link,
		Fields:    fields,
		RunID:     m.RunID,
		TicketID:  m.TicketID,
		At:        m.At.UTC().Format(time.RFC3339Nano),
		Approving: m.Approving,
	}
}
