package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/notify"
	"github.com/operator-dev/operator/internal/policy"
	"github.com/operator-dev/operator/internal/subject"
)

// newPolicy loads the approval policy file, if one is configured, and
// keeps it current; every change (and every refused edit) is audited. A
// file that is bad at start is an error: the daemon does not start on a
// policy nobody can read.
func newPolicy(cfg *config.Config, specs []subject.ActionSpec, log audit.Log, slogger *slog.Logger) (*policy.Watcher, error) {
	if cfg.Actions.PolicyFile == "" {
		return nil, nil
	}
	known := map[string]string{}
	for _, s := range specs {
		known[s.Name] = s.Risk.String()
	}
	record := func(kind string, data map[string]any) {
		if _, err := log.Append(context.Background(), audit.Record{At: time.Now(), Actor: "policy-file", Kind: kind,
			Subject: cfg.Actions.PolicyFile, Ref: "policy", Data: data}); err != nil {
			slogger.Error("could not audit a policy change", "err", err)
		}
	}
	w, err := policy.NewWatcher(policy.WatchConfig{Path: cfg.Actions.PolicyFile, Known: known,
		OnChange: func(old, new *policy.Policy) {
			slogger.Warn("approval policy reloaded", "file", cfg.Actions.PolicyFile, "digest", new.Digest())
			record("policy-changed", map[string]any{"from": old.Digest(), "to": new.Digest()})
		},
		OnError: func(err error) {
			slogger.Error("approval policy file refused; the previous policy stays in force", "file", cfg.Actions.PolicyFile, "err", err)
			record("policy-refused", map[string]any{"error": err.Error()})
		},
	})
	if err != nil {
		return nil, fmt.Errorf("actions.policy-file: %w", err)
	}
	record("policy-loaded", map[string]any{"digest": w.Current().Digest()})
	return w, nil
}

// newNotifier builds the channels the config names; nil when none is.
// The URLs come from the environment and go nowhere else.
func newNotifier(cfg *config.Config, env func(string) (string, bool), log audit.Log, slogger *slog.Logger) (*notify.Notifier, error) {
	url := func(name string) string {
		if name == "" || env == nil {
			return ""
		}
		v, _ := env(name)
		return strings.TrimSpace(v)
	}
	var routes notify.Routes
	if u := url(cfg.Notify.SlackURLEnv); u != "" {
		s, err := notify.NewSlack(notify.SlackConfig{Name: "slack (" + cfg.Notify.SlackURLEnv + ")", URL: u})
		if err != nil {
			return nil, fmt.Errorf("notify.slack-url-env %s: %w", cfg.Notify.SlackURLEnv, err)
		}
		routes.Notable = append(routes.Notable, s)
	} else if cfg.Notify.SlackURLEnv != "" {
		slogger.Warn("notify.slack-url-env names a variable that is not set: no Slack notifications", "variable", cfg.Notify.SlackURLEnv)
	}
	if u := url(cfg.Notify.WebhookURLEnv); u != "" {
		w, err := notify.NewWebhook(notify.WebhookConfig{Name: "webhook (" + cfg.Notify.WebhookURLEnv + ")", URL: u})
		if err != nil {
			return nil, fmt.Errorf("notify.webhook-url-env %s: %w", cfg.Notify.WebhookURLEnv, err)
		}
		routes.Critical = append(routes.Critical, w)
		if len(routes.Notable) == 0 {
			routes.Notable = append(routes.Notable, w)
			routes.Critical = nil
		}
	} else if cfg.Notify.WebhookURLEnv != "" {
		slogger.Warn("notify.webhook-url-env names a variable that is not set: no webhook notifications", "variable", cfg.Notify.WebhookURLEnv)
	}
	if len(routes.Notable) == 0 {
		return nil, nil
	}
	return notify.New(notify.Config{Routes: routes, Log: slogger,
		// What could not be delivered is kept where everything else is.
		DeadLetter: func(ctx context.Context, channel string, m notify.Message, err error) error {
			_, aerr := log.Append(ctx, audit.Record{At: time.Now(), Actor: "notifier", Kind: "notification-dead-letter",
				Subject: m.Title, Ref: fmt.Sprintf("run/%d", m.RunID),
				Data: map[string]any{"channel": channel, "kind": m.Kind, "tier": m.Tier.String(), "error": err.Error()}})
			return aerr
		}})
}
