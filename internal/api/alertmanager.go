package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// AlertmanagerSubject is the subject of tickets that come from Alertmanager.
const AlertmanagerSubject = ticket.SubjectAlertmanager

// alertInvariantPrefix starts the invariant of every alert's own ticket
// ("alert:PD_cluster_low_space"); the operator's invariants never do.
const alertInvariantPrefix = "alert:"

// WebhookMessage is Alertmanager's webhook payload, version 4.
type WebhookMessage struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
}

// Alert is one alert of a webhook message.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// AlertResult says what the intake did with each alert.
//
// Outcome is one of opened, reopened, updated, resolved, ignored (the
// alert's own ticket), or, for an alert folded into the operator's own
// active ticket for the same problem (see alertfold.go): folded (an event
// was written on it) or duplicate (a repeat delivery, already on its
// timeline; nothing written). Key is always the alert's own dedup key;
// Ticket is the ticket the alert went to; MapsTo is the operator's key
// the alert corresponds to, when it maps to one.
type AlertResult struct {
	Key     string    `json:"key"`
	Ticket  ticket.ID `json:"ticket,omitempty"`
	Outcome string    `json:"outcome"`
	MapsTo  string    `json:"maps_to,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}

// validate rejects payloads Alertmanager would not send, with a message
// naming the field.
func (m *WebhookMessage) validate() error {
	if m.Version != "4" {
		return fmt.Errorf("unsupported webhook version %q (want \"4\")", m.Version)
	}
	if len(m.Alerts) == 0 {
		return errors.New("no alerts in the payload")
	}
	for i, a := range m.Alerts {
		if a.Status != "firing" && a.Status != "resolved" {
			return fmt.Errorf("alert %d: status %q is neither firing nor resolved", i, a.Status)
		}
		if a.Labels["alertname"] == "" {
			return fmt.Errorf("alert %d: no alertname label", i)
		}
	}
	return nil
}

// alertKey dedups an alert by its name and labels, the way Alertmanager
// identifies it; the alertname is the invariant.
func alertKey(a Alert) (string, string, map[string]string) {
	labels := map[string]string{}
	for k, v := range a.Labels {
		if k != "alertname" {
			labels[k] = v
		}
	}
	inv := alertInvariantPrefix + a.Labels["alertname"]
	return ticket.Key(inv, labels), inv, labels
}

func severityOf(a Alert) ticket.Severity {
	// PD's and TiKV's rules use "level"; most others use "severity".
	for _, k := range []string{"severity", "level"} {
		switch strings.ToLower(a.Labels[k]) {
		case "critical", "emergency", "page":
			return ticket.Critical
		case "info", "none":
			return ticket.Info
		}
	}
	return ticket.Warning
}

func (s *Server) alertmanager(w http.ResponseWriter, r *http.Request) {
	var msg WebhookMessage
	dec := json.NewDecoder(io.LimitReader(r.Body, 8<<20))
	if err := dec.Decode(&msg); err != nil {
		writeError(w, http.StatusBadRequest, "alertmanager webhook: body is not a JSON webhook message: %v", err)
		return
	}
	if err := msg.validate(); err != nil {
		writeError(w, http.StatusBadRequest, "alertmanager webhook: %v", err)
		return
	}
	now := s.now()
	var results []AlertResult
	for _, a := range msg.Alerts {
		res, err := s.intake(r.Context(), a, now)
		if err != nil {
			s.storeError(w, "alertmanager webhook: record "+res.Key, err)
			return
		}
		results = append(results, res)
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Key < results[j].Key })
	writeJSON(w, http.StatusOK, results)
}

// intake records one alert: on the operator's own active ticket when the
// alert maps to one (fold), else on the alert's own ticket.
func (s *Server) intake(ctx context.Context, a Alert, now time.Time) (AlertResult, error) {
	key, inv, labels := alertKey(a)
	res := AlertResult{Key: key, MapsTo: s.mapsTo(a)}
	if res.MapsTo != "" {
		op, ok, err := s.operatorTicket(ctx, res.MapsTo)
		if err != nil {
			return res, err
		}
		if ok {
			return s.fold(ctx, a, op, now, res)
		}
	}
	if a.Status == "resolved" {
		id, ok, err := s.resolveAlertTicket(ctx, key, "resolved by Alertmanager", now)
		if err != nil {
			return res, err
		}
		if !ok {
			res.Outcome, res.Reason = "ignored", "no active ticket for this alert"
			return res, nil
		}
		res.Ticket, res.Outcome = id, "resolved"
		return res, nil
	}
	summary := a.Annotations["summary"]
	if d := a.Annotations["description"]; summary == "" {
		summary = d
	}
	if summary == "" {
		summary = a.Labels["alertname"] + " is firing"
	}
	evidence := map[string]any{"starts_at": a.StartsAt.UTC().Format(time.RFC3339), "generator_url": a.GeneratorURL, "fingerprint": a.Fingerprint}
	for k, v := range a.Annotations {
		evidence["annotation_"+k] = v
	}
	if res.MapsTo != "" {
		// The operator has no active ticket for this problem (yet): the
		// alert keeps its own, which names the operator's key so a human
		// sees the relation. Evidence, not a label: labels make the dedup
		// key, and the mapping can change (a store list not seen yet).
		evidence["maps_to"] = res.MapsTo
	}
	t := ticket.Ticket{
		DedupKey: key, Invariant: inv, Subject: AlertmanagerSubject, Severity: severityOf(a), State: ticket.Open,
		Summary: summary, Labels: labels, Evidence: evidence, FirstSeen: now, LastSeen: now, Occurrences: 1,
	}
	got, outcome, err := s.tickets.OpenOrTouch(ctx, t, s.reopenWithin, now)
	if err != nil {
		return res, err
	}
	res.Ticket = got.ID
	res.Outcome = map[store.Outcome]string{store.OutcomeOpened: "opened", store.OutcomeReopened: "reopened", store.OutcomeUpdated: "updated"}[outcome]
	return res, nil
}

// resolveAlertTicket resolves the alert's own active ticket, if it has one.
func (s *Server) resolveAlertTicket(ctx context.Context, key, reason string, now time.Time) (ticket.ID, bool, error) {
	t, err := s.tickets.GetByKey(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if _, err := s.tickets.Resolve(ctx, t.ID, reason, now); err != nil {
		return 0, false, err
	}
	return t.ID, true, nil
}
