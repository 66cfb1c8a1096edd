package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

const runColumns = `id, ticket_id, subject, action, params::text, state, version, risk, created_at, updated_at, dry_run::text,
	outcome, error, created_by, origin, plan_id, plan_step, compensates`

// CreateRun implements store.Runs.
func (s *Store) CreateRun(ctx context.Context, run action.Run, now time.Time) (action.Run, error) {
	what := fmt.Sprintf("create %s run of %s", run.Action, run.Subject)
	r, err := store.CheckNewRun(run, now)
	if err != nil {
		return action.Run{}, fmt.Errorf("%s: %w", what, err)
	}
	// Encode before the transaction: a value that cannot be stored is the
	// caller's mistake, found without a round trip.
	row, err := encodeRun(r, now)
	if err != nil {
		return action.Run{}, fmt.Errorf("%s: %w", what, err)
	}
	var out action.Run
	err = s.write(ctx, what, func(tx pgx.Tx) (err error) {
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
	err := s.write(ctx, what, func(tx pgx.Tx) error {
		out = out[:0] // a retried attempt starts over
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
				if _, err := tx.Exec(ctx, `UPDATE action_runs SET plan_id = id WHERE id = $1`, int64(r.ID)); err != nil {
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
	dryRun   *string
	at       time.Time
	ticketID *int64
}

func encodeRun(r action.Run, now time.Time) (runRow, error) {
	row := runRow{run: r}
	var err error
	if row.params, err = encodeObject(r.Params); err != nil {
		return row, fmt.Errorf("params: %w", err)
	}
	if r.DryRun != nil {
		d, err := encodeJSON(r.DryRun)
		if err != nil {
			return row, fmt.Errorf("dry-run result: %w", err)
		}
		row.dryRun = &d
	}
	if row.at, err = encodeTime(now); err != nil {
		return row, err
	}
	if r.TicketID != 0 {
		id := int64(r.TicketID)
		row.ticketID = &id
	}
	return row, nil
}

// insertRun inserts one run and its audit record inside tx.
func insertRun(ctx context.Context, tx pgx.Tx, row runRow) (action.Run, error) {
	r := row.run
	if row.ticketID != nil {
		if _, err := getTicket(ctx, tx, "id = $1", *row.ticketID); err != nil {
			return action.Run{}, fmt.Errorf("ticket %d: %w", r.TicketID, err)
		}
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO action_runs (ticket_id, subject, action, params, state, version, risk,
		created_at, updated_at, dry_run, outcome, error, created_by, origin, plan_id, plan_step, compensates)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, '', '', $10, $11, $12, $13, $14) RETURNING id`,
		row.ticketID, r.Subject, r.Action, row.params, string(r.State), r.Version, r.Risk, row.at, row.dryRun,
		r.CreatedBy, r.Origin, nullID(r.PlanID), r.PlanStep, nullID(r.Compensates)).Scan(&id)
	if err != nil {
		return action.Run{}, fmt.Errorf("insert run: %w", classify(err))
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

// nullID is an optional reference: NULL for 0.
func nullID(id action.ID) *int64 {
	if id == 0 {
		return nil
	}
	v := int64(id)
	return &v
}

// auditInTx writes an audit record in the transaction of the change it
// records.
func auditInTx(ctx context.Context, tx pgx.Tx, rec audit.Record) error {
	rec, err := audit.Prepare(rec)
	if err != nil {
		return fmt.Errorf("audit record: %w", err)
	}
	_, err = appendAudit(ctx, tx, rec)
	return err
}

// GetRun implements store.Runs.
func (s *Store) GetRun(ctx context.Context, id action.ID) (action.Run, error) {
	r, err := getRun(ctx, s.reads(), id)
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
	var w where
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, st := range f.States {
			states[i] = string(st)
		}
		w.add("state = ANY(?)", states)
	}
	if f.TicketID != 0 {
		w.add("ticket_id = ?", int64(f.TicketID))
	}
	if f.PlanID != 0 {
		w.add("plan_id = ?", int64(f.PlanID))
	}
	if f.InPlan {
		w.add("plan_id IS NOT NULL", nil)
	}
	if !f.UpdatedSince.IsZero() {
		since, err := encodeTime(f.UpdatedSince)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		w.add("updated_at >= ?", since)
	}
	q := `SELECT ` + runColumns + ` FROM action_runs` + w.clause() + ` ORDER BY id` + w.limit(f.Limit)
	out, err := queryAll(ctx, s.reads(), scanRun, q, w.args...)
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
	err = s.write(ctx, what, func(tx pgx.Tx) error {
		// Locked: a concurrent mover waits here and then reads the
		// winner's version, so it is refused below, not by a failed UPDATE.
		cur, err := lockRun(ctx, tx, id)
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
		// itself: the optimistic lock does not rest on the row lock alone.
		tag, err := tx.Exec(ctx, `UPDATE action_runs SET state = $1, version = $2, updated_at = $3, outcome = $4, error = $5
			WHERE id = $6 AND version = $7`,
			string(next.State), next.Version, at, next.Outcome, next.Error, int64(id), expectedVersion)
		if err != nil {
			return fmt.Errorf("update run: %w", classify(err))
		}
		if n := tag.RowsAffected(); n != 1 {
			return fmt.Errorf("%w: run %d changed while it was being moved (%d rows)", store.ErrConflict, id, n)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO run_transitions (run_id, from_state, to_state, at, actor, reason, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
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
	if _, err := getRun(ctx, s.reads(), id); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := queryAll(ctx, s.reads(), scanTransition, `SELECT from_state, to_state, at, actor, reason, data::text FROM run_transitions
		WHERE run_id = $1 ORDER BY id`, int64(id))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if out == nil {
		out = []action.Transition{} // never moved: empty, not nil
	}
	return out, nil
}

func scanTransition(row pgx.Row) (action.Transition, error) {
	var (
		tr             action.Transition
		from, to, data string
	)
	if err := row.Scan(&from, &to, &tr.At, &tr.Actor, &tr.Reason, &data); err != nil {
		return tr, classify(err)
	}
	tr.From, tr.To, tr.At = action.State(from), action.State(to), tr.At.UTC()
	var err error
	if tr.Data, err = decodeObject(data); err != nil {
		return tr, fmt.Errorf("data: %w", err)
	}
	if len(tr.Data) == 0 {
		tr.Data = nil // as it was given: none, not an empty object
	}
	return tr, nil
}

func getRun(ctx context.Context, q querier, id action.ID) (action.Run, error) {
	return scanRunRow(q.QueryRow(ctx, `SELECT `+runColumns+` FROM action_runs WHERE id = $1`, int64(id)))
}

// lockRun reads a run FOR NO KEY UPDATE: its movers take turns.
func lockRun(ctx context.Context, tx pgx.Tx, id action.ID) (action.Run, error) {
	return scanRunRow(tx.QueryRow(ctx, `SELECT `+runColumns+` FROM action_runs WHERE id = $1 FOR NO KEY UPDATE`, int64(id)))
}

func scanRunRow(row pgx.Row) (action.Run, error) {
	r, err := scanRun(row)
	if noRows(err) {
		return action.Run{}, store.ErrNotFound
	}
	return r, err
}

func scanRun(row pgx.Row) (action.Run, error) {
	var (
		r                             action.Run
		id                            int64
		ticketID, planID, compensates *int64
		params, state                 string
		dryRun                        *string
	)
	err := row.Scan(&id, &ticketID, &r.Subject, &r.Action, &params, &state, &r.Version, &r.Risk,
		&r.CreatedAt, &r.UpdatedAt, &dryRun, &r.Outcome, &r.Error, &r.CreatedBy, &r.Origin, &planID, &r.PlanStep, &compensates)
	if err != nil {
		if noRows(err) {
			return r, err
		}
		return r, fmt.Errorf("read run: %w", classify(err))
	}
	r.ID = action.ID(id)
	r.TicketID = ticket.ID(deref(ticketID))
	r.PlanID, r.Compensates = action.ID(deref(planID)), action.ID(deref(compensates))
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	// Not validated: a state a newer binary wrote is shown as stored (and
	// cannot move: the table lists nothing for it).
	r.State = action.State(state)
	if r.Params, err = decodeObject(params); err != nil {
		return r, fmt.Errorf("read run %d: params: %w", r.ID, err)
	}
	if len(r.Params) == 0 {
		r.Params = nil
	}
	if dryRun != nil {
		r.DryRun = new(action.DryRunResult)
		if err := decodeJSON(*dryRun, r.DryRun); err != nil {
			return r, fmt.Errorf("read run %d: decode stored dry-run result: %w", r.ID, err)
		}
	}
	return r, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
