package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// SlackConfig configures one Slack incoming webhook.
type SlackConfig struct {
	// Name is how logs, errors and dead letters call this channel, e.g.
	// "slack webhook #1". Required: it stands for the URL everywhere.
	Name string
	// URL is the incoming-webhook URL. It is a credential: anyone who has
	// it can post to the channel.
	URL string
	// Timeout bounds one request (default DefaultTimeout).
	Timeout time.Duration
	// Client sends the requests (default: a plain http.Client). It is
	// copied; redirects are never followed.
	Client *http.Client
	// Now reads HTTP-date Retry-After headers (default time.Now).
	Now func() time.Time
}

// Slack posts messages to a Slack incoming webhook as Block Kit blocks.
// It prints as its name: the URL is not reachable through fmt or slog.
type Slack struct {
	endpoint
}

// NewSlack checks cfg and returns the channel.
func NewSlack(cfg SlackConfig) (*Slack, error) {
	e, err := newEndpoint(cfg.Name, cfg.URL, cfg.Client, cfg.Timeout, cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("configure slack webhook: %w", err)
	}
	return &Slack{endpoint: e}, nil
}

func (s *Slack) Name() string { return s.name }

// Send makes one attempt. Slack answers 200 "ok"; its 4xx answers
// (invalid_payload, no_service, action_prohibited, channel_is_archived)
// are permanent, 429 and 5xx are worth retrying.
func (s *Slack) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(slackMessage(m))
	if err != nil {
		return fmt.Errorf("encode message for %s: %w", s.name, err)
	}
	a, err := s.post(ctx, body)
	if err != nil {
		return err
	}
	return classify(s.name, a)
}
