package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/store"
)

const settingKillSwitch = "kill_switch"

// KillSwitch implements store.Switches.
func (s *Store) KillSwitch(ctx context.Context) (action.KillSwitch, error) {
	var (
		ks  action.KillSwitch
		raw string
	)
	err := s.reads().QueryRow(ctx, `SELECT value::text FROM settings WHERE name = $1`, settingKillSwitch).Scan(&raw)
	switch {
	case noRows(err):
		return action.KillSwitch{}, nil
	case err != nil:
		return ks, fmt.Errorf("read the kill switch: %w", classify(err))
	}
	if err := decodeJSON(raw, &ks); err != nil {
		return ks, fmt.Errorf("read the kill switch: %w", err)
	}
	return ks, nil
}

// SetKillSwitch implements store.Switches.
func (s *Store) SetKillSwitch(ctx context.Context, ks action.KillSwitch) (action.KillSwitch, error) {
	onOff := map[bool]string{true: "on", false: "off"}[ks.On]
	what := "turn the kill switch " + onOff
	if err := ks.Validate(); err != nil {
		return ks, fmt.Errorf("%s: %w: %w", what, store.ErrInvalid, err)
	}
	ks.At = ks.At.UTC()
	value, err := encodeJSON(ks)
	if err != nil {
		return ks, fmt.Errorf("%s: %w", what, err)
	}
	at, err := encodeTime(ks.At)
	if err != nil {
		return ks, fmt.Errorf("%s: %w", what, err)
	}
	err = s.write(ctx, what, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at, actor, reason) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
			actor = excluded.actor, reason = excluded.reason`,
			settingKillSwitch, value, at, ks.Actor, ks.Reason); err != nil {
			return fmt.Errorf("store setting: %w", classify(err))
		}
		return auditInTx(ctx, tx, audit.Record{At: ks.At, Actor: ks.Actor, Kind: "kill-switch",
			Subject: "kill switch " + onOff, Ref: "settings/kill_switch",
			Data: map[string]any{"on": ks.On, "reason": ks.Reason}})
	})
	if err != nil {
		return ks, err
	}
	return ks, nil
}
