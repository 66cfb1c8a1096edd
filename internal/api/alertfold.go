package api

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// AlertMapper says which of the subject's own invariants an Alertmanager
// alert reports, when the alert and the invariant describe the same problem
// (PD's PD_miss_peer_region_count and the TiKV adapter's region-miss-peer):
// the invariant and the labels of its dedup key, built with ticket.Key.
// ok is false for alerts the subject has no invariant for.
//
// It is how the core learns the relation without knowing any adapter: the
// daemon's wiring passes the adapter's mapper in. labels is a copy the
// mapper may keep; it includes alertname. An answer that could not be an
// operator ticket (no invariant, an "alert:" one, a key too long) is
// ignored, and an alert is only ever folded into an active ticket whose
// subject is not Alertmanager, so a wrong mapper cannot make an alert
// touch another alert's ticket.
type AlertMapper func(alertname string, labels map[string]string) (invariant string, keyLabels map[string]string, ok bool)

// Folding.
//
// A firing alert that maps to an operator key with an active ticket is
// recorded on that ticket as a note ("Alertmanager also fires ...") instead
// of opening an alert: ticket: one ticket per problem, whichever saw it
// first. The note is written once per alert firing (its fingerprint and
// startsAt), not on every repeat delivery (Alertmanager re-sends a firing
// alert every repeat_interval). The identity lives in the note's data, so
// the rule holds across restarts with no state in memory.
//
// A resolved alert folded earlier only adds a note: the operator's ticket
// is the monitor's, resolved when the operator's own check clears, never
// because another system stopped complaining.
//
// An alert that maps to a key with no active ticket gets its own ticket as
// before, with the key in its evidence as maps_to. If that ticket is still
// active when a later delivery folds the alert into the operator's ticket,
// it is resolved then, naming the ticket that took over.

// mapsTo is the operator key the alert maps to, or "".
func (s *Server) mapsTo(a Alert) string {
	if s.mapAlert == nil {
		return ""
	}
	inv, keyLabels, ok := s.mapAlert(a.Labels["alertname"], maps.Clone(a.Labels))
	if !ok || strings.TrimSpace(inv) == "" || strings.HasPrefix(inv, alertInvariantPrefix) {
		return ""
	}
	key := ticket.Key(inv, keyLabels)
	if len(key) > ticket.MaxKeyLen {
		return ""
	}
	return key
}

// operatorTicket returns the active ticket for key if it is one of the
// operator's own (not an alert's).
func (s *Server) operatorTicket(ctx context.Context, key string) (ticket.Ticket, bool, error) {
	t, err := s.tickets.GetByKey(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return ticket.Ticket{}, false, nil
	}
	if err != nil {
		return ticket.Ticket{}, false, fmt.Errorf("look up ticket %s: %w", key, err)
	}
	return t, t.Active() && t.Subject != AlertmanagerSubject, nil
}

// foldSource marks the notes folding writes, in their Data.
const foldSource = "alertmanager"

// fold records alert a on the operator's active ticket op.
func (s *Server) fold(ctx context.Context, a Alert, op ticket.Ticket, now time.Time, res AlertResult) (AlertResult, error) {
	s.foldMu.Lock()
	defer s.foldMu.Unlock()
	evs, err := s.tickets.Events(ctx, op.ID)
	if err != nil {
		return res, fmt.Errorf("timeline of ticket %d: %w", op.ID, err)
	}
	id, startsAt := alertIdentity(a, res.Key)
	fired, recorded := foldedBefore(evs, id, startsAt, a.Status)
	res.Ticket = op.ID

	if a.Status == "resolved" {
		// An own ticket opened before the operator's is Alertmanager's to resolve.
		own, resolved, err := s.resolveAlertTicket(ctx, res.Key, "resolved by Alertmanager", now)
		if err != nil {
			return res, err
		}
		switch {
		case !fired && resolved:
			res.Ticket, res.Outcome = own, "resolved"
			return res, nil
		case !fired:
			// This firing never reached op's timeline: nothing to close there.
			res.Ticket, res.Outcome, res.Reason = 0, "ignored", "no active ticket for this alert"
			return res, nil
		case recorded:
			res.Outcome = "duplicate"
			res.Reason = fmt.Sprintf("already on the timeline of ticket %d (%s)", op.ID, op.DedupKey)
			return res, nil
		}
		msg := fmt.Sprintf("Alertmanager resolved %s (%s); the ticket is left to the operator's own check", clip(a.Labels["alertname"], 200), alertLabelText(a))
		if err := s.addFoldEvent(ctx, op, a, res.Key, id, startsAt, msg, now); err != nil {
			return res, err
		}
		res.Outcome = "folded"
		res.Reason = fmt.Sprintf("noted on ticket %d (%s), which stays %s until the operator's own check clears", op.ID, op.DedupKey, op.State)
		return res, nil
	}

	if recorded {
		res.Outcome = "duplicate"
		res.Reason = fmt.Sprintf("already on the timeline of ticket %d (%s)", op.ID, op.DedupKey)
	} else {
		msg := fmt.Sprintf("Alertmanager also fires %s (%s)", clip(a.Labels["alertname"], 200), alertLabelText(a))
		if sum := a.Annotations["summary"]; sum != "" && sum != a.Labels["alertname"] {
			msg += ": " + clip(sum, 300)
		}
		if err := s.addFoldEvent(ctx, op, a, res.Key, id, startsAt, msg, now); err != nil {
			return res, err
		}
		res.Outcome = "folded"
		res.Reason = fmt.Sprintf("recorded on ticket %d (%s)", op.ID, op.DedupKey)
	}
	// The alert's own ticket, opened while the operator had none, now
	// duplicates op: close it, naming the ticket that took over.
	own, err := s.tickets.GetByKey(ctx, res.Key)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return res, err
	default:
		why := fmt.Sprintf("folded into ticket %d (%s), which the operator's monitor owns", op.ID, op.DedupKey)
		if _, err := s.tickets.Resolve(ctx, own.ID, why, now); err != nil {
			if !errors.Is(err, store.ErrConflict) {
				return res, err
			}
			// A state that may not resolve: leave it to a human.
			s.log.Warn("alert ticket left open after folding", "ticket", own.ID, "into", op.ID, "err", err)
		} else {
			res.Reason += fmt.Sprintf("; the alert's own ticket %d is resolved in its favour", own.ID)
		}
	}
	return res, nil
}

func (s *Server) addFoldEvent(ctx context.Context, op ticket.Ticket, a Alert, key, id, startsAt, msg string, now time.Time) error {
	labels := make(map[string]string, len(a.Labels))
	for k, v := range a.Labels {
		if k != "alertname" {
			labels[k] = v
		}
	}
	_, err := s.tickets.AddEvent(ctx, ticket.Event{
		TicketID: op.ID, At: now, Kind: ticket.EventNote, Message: msg,
		Data: map[string]any{
			"source": foldSource, "alertname": a.Labels["alertname"], "alert_status": a.Status,
			"alert_id": id, "starts_at": startsAt, "alert_key": key, "labels": labels,
			"fingerprint": a.Fingerprint, "generator_url": a.GeneratorURL,
		},
	})
	if err != nil {
		return fmt.Errorf("note alert on ticket %d: %w", op.ID, err)
	}
	s.log.Info("alert folded into ticket", "ticket", op.ID, "key", op.DedupKey, "alert", a.Labels["alertname"], "status", a.Status)
	return nil
}

// alertIdentity names one firing of an alert: Alertmanager's fingerprint
// (a hash of the labels; the alert's own key when a sender leaves it out)
// and when it started. A new firing of the same alert starts later.
func alertIdentity(a Alert, key string) (id, startsAt string) {
	id = a.Fingerprint
	if id == "" {
		id = key
	}
	return id, a.StartsAt.UTC().Format(time.RFC3339Nano)
}

// foldedBefore reports whether this firing was folded into the timeline at
// all (fired), and whether an event with this status already was.
func foldedBefore(evs []ticket.Event, id, startsAt, status string) (fired, recorded bool) {
	for _, e := range evs {
		if e.Kind != ticket.EventNote || e.Data["source"] != foldSource ||
			e.Data["alert_id"] != id || e.Data["starts_at"] != startsAt {
			continue
		}
		fired = fired || e.Data["alert_status"] == "firing"
		recorded = recorded || e.Data["alert_status"] == status
	}
	return fired, recorded
}

// alertLabelText renders an alert's labels for a note, alertname left out,
// sorted, bounded: they are outside text.
func alertLabelText(a Alert) string {
	names := make([]string, 0, len(a.Labels))
	for k := range a.Labels {
		if k != "alertname" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = k + "=" + a.Labels[k]
	}
	if len(parts) == 0 {
		return "no labels"
	}
	return clip(strings.Join(parts, ", "), 400)
}

// clip bounds outside text for a one-line message: control characters
// (a terminal escape in a label) become spaces, and past n bytes it is cut
// at a rune boundary with an ellipsis.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
