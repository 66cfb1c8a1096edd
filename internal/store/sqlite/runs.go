package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

const runColumns = `id, ticket_id, subject, action, params, state, version, risk, created_at, updated_at, dry_run, outcome, error, created_by, origin, plan_id, plan_step, compensates`

// CreateRun implements store.Runs.
func (s *Store) CreateRun(ctx context.Context, run action.Run, now time.Time) (action.Run, error) {
	what := fmt.Sprintf("create %s run of %s", run.Action, run.Subject)
	r, err := store.CheckNewRun(run, now)
	if err != nil {
		return action.Run{}, fmt.Errorf("%s: %w", what, err)
	}
	// Encode before the transaction: a value that cannot be stored is the
	// caller's mistake, found without taking the write lock.
	row, err := encodeRun(r, now)
	if err != nil {
		return action.Run{}, fmt.Errorf("%s: %w", what, err)
	}
	var out action.Run
	err = s.write(ctx, what, func(tx *sql.Tx) (err error) {
		out, err = insertRun(ctx, tx, row)
		return err
	})
	return out, err
}

// CreatePlan implements store.Runs.
func (s *Store) CreatePlan(ctx context.Context, steps []action.Run, now time.Time) ([]action.Run, error) {
	what := fmt.Sprintf("create a plan of %d steps", len(steps))
	if err := store.CheckNewPlan(steps); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	rows := make([]runRow, len(steps))
	for i, st := range steps {
		r, err := store.CheckNewRun(st, now)
		if err != nil {
			return nil, fmt.Errorf("%s: step %d: %w", what, i+1, err)
		}
		r.PlanStep = i + 1
		if rows[i], err = encodeRun(r, now); err != nil {
			return nil, fmt.Errorf("%s: step %d: %w", what, i+1, err)
		}
	}
	var out []action.Run
	err := s.write(ctx, what, func(tx *sql.Tx) error {
		out = out[:0]
		for i := range rows {
			if i > 0 {
				rows[i].run.PlanID = out[0].ID
			}
			r, err := insertRun(ctx, tx, rows[i])
			if err != nil {
				return fmt.Errorf("step %d: %w", i+1, err)
			}
			if i == 0 {
				// The plan is named by its first step.
				if _, err := tx.ExecContext(ctx, `UPDATE action_runs SET plan_id = id WHERE id = ?`, int64(r.ID)); err != nil {
					return fmt.Errorf("step 1: %w", classify(err))
				}
				r.PlanID = r.ID
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// runRow is a run encoded for its INSERT.
type runRow struct {
	run      action.Run
	params   string
	dryRun   sql.NullString
	at       string
	ticketID sql.NullInt64
}

func encodeRun(r action.Run, now time.Time) (runRow, error) {
	row := runRow{run: r}
	var err error
	if row.params, err = encodeObject(r.Params); err != nil {
		return row, fmt.Errorf("params: %w", err)
	}
	if r.DryRun != nil {
		if row.dryRun.String, err = encodeJSON(r.DryRun); err != nil {
			return row, fmt.Errorf("dry-run result: %w", err)
		}
		row.dryRun.Valid = true
	}
	if row.at, err = encodeTime(now); err != nil {
		return row, err
	}
	if r.TicketID != 0 {
		row.ticketID = sql.NullInt64{Int64: int64(r.TicketID), Valid: true}
	}
	return row, nil
}

// insertRun inserts one run and its audit record inside tx.
func insertRun(ctx context.Context, tx *sql.Tx, row runRow) (action.Run, error) {
	r := row.run
	if row.ticketID.Valid {
		if _, err := getTicket(ctx, tx, "id = ?", row.ticketID.Int64); err != nil {
			return action.Run{}, fmt.Errorf("ticket %d: %w", r.TicketID, err)
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO action_runs (ticket_id, subject, action, params, state, version, risk,
		created_at, updated_at, dry_run, outcome, error, created_by, origin, plan_id, plan_step, compensates)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, ?, ?, ?)`,
		row.ticketID, r.Subject, r.Action, row.params, string(r.State), r.Version, r.Risk, row.at, row.at, row.dryRun,
		r.CreatedBy, r.Origin, nullID(r.PlanID), r.PlanStep, nullID(r.Compensates))
	if err != nil {
		return action.Run{}, fmt.Errorf("insert run: %w", classify(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return action.Run{}, fmt.Errorf("insert run: %w", err)
	}
	out, err := getRun(ctx, tx, action.ID(id))
	if err != nil {
		return out, err
	}
	if r.PlanID == 0 && r.PlanStep == 1 {
		out.PlanID = out.ID // the first step of a plan, named in a moment
	}
	return out, auditInTx(ctx, tx, store.RunCreatedRecord(out))
}

func nullID(id action.ID) sql.NullInt64 {
	return sql.NullInt64{Int64: int64(id), Valid: id != 0}
}

// auditInTx writes a run's audit record in the run's own transaction.
func auditInTx(ctx context.Context, tx *sql.Tx, rec audit.Record) error {
	rec, err := audit.Prepare(rec)
	if err != nil {
		return fmt.Errorf("audit record: %w", err)
	}
	_, err = appendAudit(ctx, tx, rec)
	return err
}

// GetRun implements store.Runs.
func (s *Store) GetRun(ctx context.Context, id action.ID) (action.Run, error) {
	r, err := getRun(ctx, s.r, id)
	if err != nil {
		return r, fmt.Errorf("get run %d: %w", id, err)
	}
	return r, nil
}

// ListRuns implements store.Runs.
func (s *Store) ListRuns(ctx context.Context, f store.RunFilter) ([]action.Run, error) {
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	var (
		where []string
		args  []any
	)
	if len(f.States) > 0 {
		where = append(where, "state IN (?"+strings.Repeat(", ?", len(f.States)-1)+")")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if f.TicketID != 0 {
		where = append(where, "ticket_id = ?")
		args = append(args, int64(f.TicketID))
	}
	if f.PlanID != 0 {
		where = append(where, "plan_id = ?")
		args = append(args, int64(f.PlanID))
	}
	if f.InPlan {
		where = append(where, "plan_id IS NOT NULL")
	}
	if !f.UpdatedSince.IsZero() {
		// Stored times are fixed-width RFC 3339 UTC, so text order is
		// time order.
		since, err := encodeTime(f.UpdatedSince)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		where = append(where, "updated_at >= ?")
		args = append(args, since)
	}
	q := `SELECT ` + runColumns + ` FROM action_runs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	out, err := queryAll(ctx, s.r, scanRun, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// TransitionRun implements store.Runs.
func (s *Store) TransitionRun(ctx context.Context, id action.ID, expectedVersion int64, tr action.Transition) (action.Run, error) {
	what := fmt.Sprintf("move run %d to %s", id, tr.To)
	if err := tr.Validate(); err != nil {
		return action.Run{}, fmt.Errorf("%s: %w: %w", what, store.ErrInvalid, err)
	}
	at, err := encodeTime(tr.At)
	if err != nil {
		return action.Run{}, fmt.Errorf("%s: %w", what, err)
	}
	data, err := encodeObject(tr.Data)
	if err != nil {
		return action.Run{}, fmt.Errorf("%s: data: %w", what, err)
	}
	var out action.Run
	err = s.write(ctx, what, func(tx *sql.Tx) error {
		cur, err := getRun(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Version != expectedVersion {
			return fmt.Errorf("%w: run %d is %s at version %d, not version %d (someone else moved it)",
				store.ErrConflict, id, cur.State, cur.Version, expectedVersion)
		}
		next, applied, err := cur.Apply(tr)
		switch {
		case errors.Is(err, action.ErrTransition):
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case err != nil:
			return fmt.Errorf("%w: %w", store.ErrInvalid, err)
		}
		// The version condition repeats the check above in the statement
		// itself, so the lock holds even if this ever runs without the
		// single writer.
		res, err := tx.ExecContext(ctx, `UPDATE action_runs SET state = ?, version = ?, updated_at = ?, outcome = ?, error = ?
			WHERE id = ? AND version = ?`,
			string(next.State), next.Version, at, next.Outcome, next.Error, int64(id), expectedVersion)
		if err != nil {
			return fmt.Errorf("update run: %w", classify(err))
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("%w: run %d changed while it was being moved (%d rows, %v)", store.ErrConflict, id, n, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO run_transitions (run_id, from_state, to_state, at, actor, reason, data)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			int64(id), string(applied.From), string(applied.To), at, applied.Actor, applied.Reason, data); err != nil {
			return fmt.Errorf("record transition: %w", classify(err))
		}
		if out, err = getRun(ctx, tx, id); err != nil {
			return err
		}
		return auditInTx(ctx, tx, store.RunTransitionRecord(out, applied))
	})
	return out, err
}

// RunTransitions implements store.Runs.
func (s *Store) RunTransitions(ctx context.Context, id action.ID) ([]action.Transition, error) {
	what := fmt.Sprintf("transitions of run %d", id)
	if _, err := getRun(ctx, s.r, id); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := queryAll(ctx, s.r, scanTransition, `SELECT from_state, to_state, at, actor, reason, data FROM run_transitions
		WHERE run_id = ? ORDER BY id`, int64(id))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if out == nil {
		out = []action.Transition{} // never moved: empty, not nil
	}
	return out, nil
}

func scanTransition(sc interface{ Scan(...any) error }) (action.Transition, error) {
	var (
		tr           action.Transition
		from, to, at string
		data         string
	)
	if err := sc.Scan(&from, &to, &at, &tr.Actor, &tr.Reason, &data); err != nil {
		return tr, classify(err)
	}
	tr.From, tr.To = action.State(from), action.State(to)
	var err error
	if tr.At, err = decodeTime(at); err != nil {
		return tr, err
	}
	if tr.Data, err = decodeEvidence(data); err != nil {
		return tr, fmt.Errorf("data: %w", err)
	}
	if len(tr.Data) == 0 {
		tr.Data = nil // as it was given: none, not an empty object
	}
	return tr, nil
}

func getRun(ctx context.Context, q querier, id action.ID) (action.Run, error) {
	r, err := scanRun(q.QueryRowContext(ctx, `SELECT `+runColumns+` FROM action_runs WHERE id = ?`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return action.Run{}, store.ErrNotFound
	}
	return r, err
}

func scanRun(sc interface{ Scan(...any) error }) (action.Run, error) {
	var (
		r                    action.Run
		ticketID             sql.NullInt64
		params, state        string
		createdAt, updatedAt string
		dryRun               sql.NullString
		planID, compensates  sql.NullInt64
	)
	err := sc.Scan(&r.ID, &ticketID, &r.Subject, &r.Action, &params, &state, &r.Version, &r.Risk,
		&createdAt, &updatedAt, &dryRun, &r.Outcome, &r.Error, &r.CreatedBy, &r.Origin, &planID, &r.PlanStep, &compensates)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return r, err
		}
		return r, fmt.Errorf("read run: %w", classify(err))
	}
	r.TicketID = ticket.ID(ticketID.Int64)
	r.PlanID, r.Compensates = action.ID(planID.Int64), action.ID(compensates.Int64)
	// Not validated: a state a newer binary wrote is shown as stored (and
	// cannot move: the table lists nothing for it).
	r.State = action.State(state)
	if r.Params, err = decodeEvidence(params); err != nil {
		return r, fmt.Errorf("read run %d: params: %w", r.ID, err)
	}
	if len(r.Params) == 0 {
		r.Params = nil
	}
	if r.CreatedAt, err = decodeTime(createdAt); err != nil {
		return r, fmt.Errorf("read run %d: %w", r.ID, err)
	}
	if r.UpdatedAt, err = decodeTime(updatedAt); err != nil {
		return r, fmt.Errorf("read run %d: %w", r.ID, err)
	}
	if dryRun.Valid {
		r.DryRun = new(action.DryRunResult)
		if err := decodeJSON(dryRun.String, r.DryRun); err != nil {
			return r, fmt.Errorf("read run %d: decode stored dry-run result: %w", r.ID, err)
		}
	}
	return r, nil
}
