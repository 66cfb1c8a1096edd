package store

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/ticket"
)

// The rules of a diagnosis round that do not depend on the database live
// here, so every backend refuses the same records and writes the same
// timeline event.

// CheckDiagnoses validates the records of one round for ticket id and
// returns them ready to insert: TicketID set (a zero one is taken to be
// id), ID and Round cleared for the backend to assign. Any problem is
// ErrInvalid naming the record, and the whole round is refused.
func CheckDiagnoses(id ticket.ID, recs []ticket.DiagnosisRecord) ([]ticket.DiagnosisRecord, error) {
	if len(recs) == 0 {
		return nil, fmt.Errorf("%w: a diagnosis round needs at least one record", ErrInvalid)
	}
	out := make([]ticket.DiagnosisRecord, len(recs))
	for i, r := range recs {
		if r.TicketID == 0 {
			r.TicketID = id
		}
		if r.TicketID != id {
			return nil, fmt.Errorf("%w: record %d (%s) is for ticket %d, not %d", ErrInvalid, i, r.Provider, r.TicketID, id)
		}
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("%w: record %d (%s): %w", ErrInvalid, i, r.Provider, err)
		}
		if err := checkUsage(r.Usage); err != nil {
			return nil, fmt.Errorf("%w: record %d (%s): %w", ErrInvalid, i, r.Provider, err)
		}
		r.ID, r.Round = 0, 0
		out[i] = r
	}
	return out, nil
}

// checkUsage refuses usage that would corrupt a budget sum.
func checkUsage(u ticket.Usage) error {
	switch {
	case u.InputTokens < 0 || u.OutputTokens < 0:
		return fmt.Errorf("negative token count (%d in, %d out)", u.InputTokens, u.OutputTokens)
	case math.IsNaN(u.CostUSD) || math.IsInf(u.CostUSD, 0) || u.CostUSD < 0:
		return fmt.Errorf("cost %v is not a non-negative number", u.CostUSD)
	case u.Attempts < 0:
		return fmt.Errorf("negative attempt count %d", u.Attempts)
	}
	return nil
}

// Usable reports whether a record carries a diagnosis a human can act on:
// ok, or a valid diagnosis whose proposal was refused. Only a round with a
// usable record moves a ticket to diagnosed.
func Usable(r ticket.DiagnosisRecord) bool {
	return r.Status == ticket.DiagnosisOK || r.Status == ticket.DiagnosisProposalRefused
}

// RoundEvent is the one timeline event a round writes. It is "diagnosed"
// when a record is usable and a note otherwise (a round of failures
// attaches no diagnosis, so it must not read as one on the timeline).
// Data holds the round and, when the round moved the ticket, from and to.
//
//	diagnosed: rules ok (proposes transfer_leader), anthropic proposal refused (proposed_action.params.to_store_id: store 99 ...)
func RoundEvent(id ticket.ID, round int, recs []ticket.DiagnosisRecord, from, to ticket.State, now time.Time) ticket.Event {
	parts := make([]string, len(recs))
	usable := false
	for i, r := range recs {
		parts[i] = r.Provider + " " + outcome(r)
		usable = usable || Usable(r)
	}
	e := ticket.Event{TicketID: id, At: now, Kind: ticket.EventDiagnosed,
		Message: "diagnosed: " + strings.Join(parts, ", "),
		Data:    map[string]any{"round": round}}
	if !usable {
		e.Kind = ticket.EventNote
		e.Message = fmt.Sprintf("diagnosis round %d found nothing usable: %s", round, strings.Join(parts, ", "))
	}
	if from != to {
		e.Data["from"], e.Data["to"] = string(from), string(to)
	}
	return e
}

// outcome says in a few words how one record ended.
func outcome(r ticket.DiagnosisRecord) string {
	var s string
	switch r.Status {
	case ticket.DiagnosisOK:
		s = "ok (no action"
		if r.Diagnosis != nil && r.Diagnosis.Proposal != nil {
			s = "ok (proposes " + r.Diagnosis.Proposal.Type
		}
		if r.Disputed {
			s += ", disputed"
		}
		return s + ")"
	case ticket.DiagnosisProposalRefused:
		return "proposal refused (" + firstRefusal(r.Refusals) + ")"
	case ticket.DiagnosisRefused:
		return "refused (" + firstRefusal(r.Refusals) + ")"
	case ticket.DiagnosisFailed:
		return "failed (" + clip(r.Error) + ")"
	}
	return string(r.Status)
}

func firstRefusal(rs []ticket.Refusal) string {
	if len(rs) == 0 {
		return "no reason given"
	}
	s := clip(rs[0].String())
	if len(rs) > 1 {
		s += fmt.Sprintf("; %d more", len(rs)-1)
	}
	return s
}

// clip keeps one reason short enough for a timeline line; the full text is
// in the stored record.
func clip(s string) string {
	const limit = 100
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "..."
	}
	return s
}
