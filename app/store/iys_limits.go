package store

import (
	"context"
	"time"
)

// İYS's hourly lockouts outlive the process that met them: İYS restarts
// its token hour on any request during it, so a process started within the
// hour (after a crash, an upgrade) takes the hold over instead of asking.

// SaveLimitHold records that İYS holds calls of kind until then; a later
// hold of the same kind extends it.
func (s *Store) SaveLimitHold(ctx context.Context, kind string, until time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO iys_limit_holds (kind, until) VALUES ($1, $2)
		ON CONFLICT (kind) DO UPDATE SET until = GREATEST(iys_limit_holds.until, EXCLUDED.until)`, kind, until)
	return err
}

// LimitHolds returns the holds not yet over, by kind.
func (s *Store) LimitHolds(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.pool.Query(ctx, `SELECT kind, until FROM iys_limit_holds WHERE until > now()`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	holds := map[string]time.Time{}
	for rows.Next() {
		var kind string
		var until time.Time
		if err := rows.Scan(&kind, &until); err != nil {
			return nil, err
		}
		holds[kind] = until
	}
	return holds, rows.Err()
}
