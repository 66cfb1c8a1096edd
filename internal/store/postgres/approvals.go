package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/store"
)

// AddApproval implements store.Runs.
func (s *Store) AddApproval(ctx context.Context, id action.ID, expectedVersion int64, a action.Approval) ([]action.Approval, error) {
	what := fmt.Sprintf("record %s's approval of run %d", a.Actor, id)
	if a.Actor == "" || a.At.IsZero() {
		return nil, fmt.Errorf("%s: %w: an approver and a time are required", what, store.ErrInvalid)
	}
	at, err := encodeTime(a.At)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var out []action.Approval
	err = s.write(ctx, what, func(tx pgx.Tx) error {
		// Locked, so approvals of one run are counted one at a time.
		run, err := lockRun(ctx, tx, id)
		if err != nil {
			return err
		}
		if run.State != action.Proposed || run.Version != expectedVersion {
			return fmt.Errorf("%w: run %d is %s at version %d, not proposed at version %d", store.ErrConflict, id, run.State, run.Version, expectedVersion)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM run_approvals WHERE run_id = $1 AND actor = $2`, int64(id), a.Actor).Scan(&n); err != nil {
			return classify(err)
		}
		if n > 0 {
			return fmt.Errorf("%w: %s already approved run %d; a second approval must come from someone else", store.ErrConflict, a.Actor, id)
		}
		// The primary key (run_id, actor) refuses a second approval by the
		// same person even past the check above: ErrConflict as well.
		if _, err := tx.Exec(ctx, `INSERT INTO run_approvals (run_id, actor, role, at, reason, digest) VALUES ($1, $2, $3, $4, $5, $6)`,
			int64(id), a.Actor, a.Role, at, a.Reason, a.Digest); err != nil {
			return fmt.Errorf("insert approval: %w", classify(err))
		}
		if out, err = approvals(ctx, tx, id); err != nil {
			return err
		}
		return auditInTx(ctx, tx, audit.Record{At: a.At, Actor: a.Actor, Kind: audit.KindApproval,
			Subject: store.RunSubject(run.Action, run.Params), Ref: store.RunRef(id),
			Data: map[string]any{"run": int64(id), "role": a.Role, "reason": a.Reason, "digest": a.Digest, "approvals": len(out)}})
	})
	return out, err
}

// Approvals implements store.Runs.
func (s *Store) Approvals(ctx context.Context, id action.ID) ([]action.Approval, error) {
	out, err := approvals(ctx, s.reads(), id)
	if err != nil {
		return nil, fmt.Errorf("approvals of run %d: %w", id, err)
	}
	return out, nil
}

// ClearApprovals implements store.Runs.
func (s *Store) ClearApprovals(ctx context.Context, id action.ID, actor, reason string, now time.Time) error {
	what := fmt.Sprintf("clear the approvals of run %d", id)
	return s.write(ctx, what, func(tx pgx.Tx) error {
		run, err := lockRun(ctx, tx, id)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM run_approvals WHERE run_id = $1`, int64(id))
		if err != nil {
			return classify(err)
		}
		return auditInTx(ctx, tx, audit.Record{At: now, Actor: actor, Kind: "approvals-cleared",
			Subject: store.RunSubject(run.Action, run.Params), Ref: store.RunRef(id),
			Data: map[string]any{"run": int64(id), "reason": reason, "cleared": tag.RowsAffected()}})
	})
}

// MarkEscalated implements store.Runs.
func (s *Store) MarkEscalated(ctx context.Context, id action.ID, now time.Time) (bool, error) {
	at, err := encodeTime(now)
	if err != nil {
		return false, err
	}
	var marked bool
	err = s.write(ctx, fmt.Sprintf("mark run %d escalated", id), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE action_runs SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL`, at, int64(id))
		if err != nil {
			return classify(err)
		}
		marked = tag.RowsAffected() == 1
		return nil
	})
	return marked, err
}

func approvals(ctx context.Context, q querier, id action.ID) ([]action.Approval, error) {
	return queryAll(ctx, q, func(row pgx.Row) (action.Approval, error) {
		var a action.Approval
		if err := row.Scan(&a.Actor, &a.Role, &a.At, &a.Reason, &a.Digest); err != nil {
			return a, classify(err)
		}
		a.At = a.At.UTC()
		return a, nil
	}, `SELECT actor, role, at, reason, digest FROM run_approvals WHERE run_id = $1 ORDER BY at, actor`, int64(id))
}
