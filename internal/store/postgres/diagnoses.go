package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

const diagnosisColumns = `id, ticket_id, round, provider, model, status, at, diagnosis::text, refusals::text, error, disputed,
	input_tokens, output_tokens, cost_usd, attempts, evidence_digest`

// diagnosisRow is one record encoded for SQL, so encoding problems are
// found before the write transaction starts.
type diagnosisRow struct {
	r         ticket.DiagnosisRecord
	at        time.Time
	diagnosis *string
	refusals  string
}

func newDiagnosisRow(r ticket.DiagnosisRecord) (diagnosisRow, error) {
	row := diagnosisRow{r: r}
	var err error
	if row.at, err = encodeTime(r.At); err != nil {
		return row, err
	}
	if r.Diagnosis != nil {
		d, err := encodeJSON(r.Diagnosis)
		if err != nil {
			return row, fmt.Errorf("diagnosis: %w", err)
		}
		row.diagnosis = &d
	}
	refusals := r.Refusals
	if refusals == nil {
		refusals = []ticket.Refusal{}
	}
	if row.refusals, err = encodeJSON(refusals); err != nil {
		return row, fmt.Errorf("refusals: %w", err)
	}
	return row, nil
}

func (row diagnosisRow) insert(ctx context.Context, tx pgx.Tx, round int) error {
	r := row.r
	_, err := tx.Exec(ctx, `INSERT INTO diagnoses (ticket_id, round, provider, model, status, at, diagnosis, refusals,
		error, disputed, input_tokens, output_tokens, cost_usd, attempts, evidence_digest)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		int64(r.TicketID), round, r.Provider, r.Model, string(r.Status), row.at, row.diagnosis, row.refusals,
		r.Error, r.Disputed, r.Usage.InputTokens, r.Usage.OutputTokens, r.Usage.CostUSD, r.Usage.Attempts, r.EvidenceDigest)
	if err != nil {
		return fmt.Errorf("insert %s diagnosis: %w", r.Provider, classify(err))
	}
	return nil
}

// SaveDiagnoses implements store.Diagnoses.
func (s *Store) SaveDiagnoses(ctx context.Context, id ticket.ID, recs []ticket.DiagnosisRecord, now time.Time) (ticket.Ticket, error) {
	what := fmt.Sprintf("save diagnosis round of ticket %d", id)
	checked, err := store.CheckDiagnoses(id, recs)
	if err != nil {
		return ticket.Ticket{}, fmt.Errorf("%s: %w", what, err)
	}
	rows := make([]diagnosisRow, len(checked))
	usable := false
	for i, r := range checked {
		if rows[i], err = newDiagnosisRow(r); err != nil {
			return ticket.Ticket{}, fmt.Errorf("%s: record %d (%s): %w", what, i, r.Provider, err)
		}
		usable = usable || store.Usable(r)
	}
	var out ticket.Ticket
	err = s.write(ctx, what, func(tx pgx.Tx) error {
		// The ticket's row lock makes read-then-insert of the round number
		// safe: rounds of one ticket are saved one after the other.
		cur, err := lockTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.State == ticket.Resolved {
			// Diagnosing would move it out of resolved, which only a reopen
			// may do: the same errors as a refused transition.
			return fmt.Errorf("%w: %w: ticket %d is resolved (it is diagnosed again if it reopens)",
				store.ErrConflict, ticket.ErrTransition, id)
		}
		var round int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(round), 0) + 1 FROM diagnoses WHERE ticket_id = $1`,
			int64(id)).Scan(&round); err != nil {
			return fmt.Errorf("next round: %w", classify(err))
		}
		for _, row := range rows {
			if err := row.insert(ctx, tx, round); err != nil {
				return err
			}
		}
		to := cur.State
		// Only open moves: diagnosed stays, and states added later (action
		// states) are not this method's to change.
		if usable && cur.State == ticket.Open {
			if err := ticket.CheckTransition(cur.State, ticket.Diagnosed); err != nil {
				return fmt.Errorf("%w: %w", store.ErrConflict, err)
			}
			if _, err := tx.Exec(ctx, `UPDATE tickets SET state = $1 WHERE id = $2`, string(ticket.Diagnosed), int64(id)); err != nil {
				return fmt.Errorf("update state: %w", classify(err))
			}
			to = ticket.Diagnosed
		}
		if _, err := insertEvent(ctx, tx, store.RoundEvent(id, round, checked, cur.State, to, now)); err != nil {
			return err
		}
		out, err = getTicket(ctx, tx, "id = $1", int64(id))
		return err
	})
	return out, err
}

// Diagnoses implements store.Diagnoses.
func (s *Store) Diagnoses(ctx context.Context, id ticket.ID) ([]ticket.DiagnosisRecord, error) {
	out, err := s.diagnoses(ctx, id, `ticket_id = $1 ORDER BY round, id`)
	if err != nil {
		return nil, fmt.Errorf("diagnoses of ticket %d: %w", id, err)
	}
	return out, nil
}

// LatestDiagnoses implements store.Diagnoses.
func (s *Store) LatestDiagnoses(ctx context.Context, id ticket.ID) ([]ticket.DiagnosisRecord, error) {
	out, err := s.diagnoses(ctx, id, `ticket_id = $1 AND round = (SELECT MAX(round) FROM diagnoses WHERE ticket_id = $1) ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("latest diagnoses of ticket %d: %w", id, err)
	}
	return out, nil
}

// diagnoses reads the records matching cond ($1 is the ticket) of an
// existing ticket.
func (s *Store) diagnoses(ctx context.Context, id ticket.ID, cond string) ([]ticket.DiagnosisRecord, error) {
	if _, err := getTicket(ctx, s.reads(), "id = $1", int64(id)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.reads(), scanDiagnosis, `SELECT `+diagnosisColumns+` FROM diagnoses WHERE `+cond, int64(id))
}

// DiagnosisSpend implements store.Diagnoses.
func (s *Store) DiagnosisSpend(ctx context.Context, id ticket.ID) (ticket.Usage, error) {
	var u ticket.Usage
	if _, err := getTicket(ctx, s.reads(), "id = $1", int64(id)); err != nil {
		return u, fmt.Errorf("diagnosis spend of ticket %d: %w", id, err)
	}
	// SUM of bigint is numeric: cast back, so the scan is exact.
	err := s.reads().QueryRow(ctx, `SELECT COALESCE(SUM(input_tokens), 0)::bigint, COALESCE(SUM(output_tokens), 0)::bigint,
		COALESCE(SUM(cost_usd), 0)::double precision, COALESCE(SUM(attempts), 0)::bigint FROM diagnoses WHERE ticket_id = $1`, int64(id)).
		Scan(&u.InputTokens, &u.OutputTokens, &u.CostUSD, &u.Attempts)
	if err != nil {
		return u, fmt.Errorf("diagnosis spend of ticket %d: %w", id, classify(err))
	}
	return u, nil
}

func scanDiagnosis(row pgx.Row) (ticket.DiagnosisRecord, error) {
	var (
		r         ticket.DiagnosisRecord
		tid       int64
		status    string
		diagnosis *string
		refusals  string
		atts      int64
	)
	err := row.Scan(&r.ID, &tid, &r.Round, &r.Provider, &r.Model, &status, &r.At, &diagnosis, &refusals, &r.Error,
		&r.Disputed, &r.Usage.InputTokens, &r.Usage.OutputTokens, &r.Usage.CostUSD, &atts, &r.EvidenceDigest)
	if err != nil {
		return r, fmt.Errorf("read diagnosis: %w", classify(err))
	}
	// Status is not validated, like a ticket's state: a status this binary
	// does not know is shown as stored.
	r.TicketID, r.Status, r.At, r.Usage.Attempts = ticket.ID(tid), ticket.DiagnosisStatus(status), r.At.UTC(), int(atts)
	if diagnosis != nil {
		r.Diagnosis = new(ticket.Diagnosis)
		if err := decodeJSON(*diagnosis, r.Diagnosis); err != nil {
			return r, fmt.Errorf("read diagnosis %d: decode stored diagnosis: %w", r.ID, err)
		}
	}
	if err := decodeJSON(refusals, &r.Refusals); err != nil {
		return r, fmt.Errorf("read diagnosis %d: decode stored refusals: %w", r.ID, err)
	}
	if len(r.Refusals) == 0 {
		r.Refusals = nil // as it was saved: omitted, not an empty list
	}
	return r, nil
}
