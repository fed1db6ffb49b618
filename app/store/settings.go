package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Settings an Admin changes at run time live in the settings table (the
// rest are environment variables, app/config): the KDV rate of package
// prices and how long scrub results are kept.

// Setting reads a setting (kdv_rate, scrub_retention_days).
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	return v, mapErr(err)
}

// SetSetting changes a setting (Admin).
func (s *Store) SetSetting(ctx context.Context, a Actor, key, value string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var before string
		if err := tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1 FOR UPDATE`, key).Scan(&before); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE settings SET value = $2, updated_by = $3, updated_at = now() WHERE key = $1`, key, value, a.Label); err != nil {
			return err
		}
		return audit(ctx, tx, a, ActionSettingWrite, "setting", key, map[string]string{"value": before}, map[string]string{"value": value})
	})
}
