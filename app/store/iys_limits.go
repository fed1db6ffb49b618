package store

import (
	"context"
	"time"

	"iysgate/app/iys"
	"iysgate/app/iys/iysapi"
)

// İYS counts its limits per IP address, so every node of an installation
// draws from one budget, kept here: the starts of the last second, the
// hourly kinds' starts of the last hour, İYS's holds (a token request
// during H084's hour restarts the hour, so a node, a restarted one too,
// must not ask before it ends) and the rate İYS's 429s lowered. One turn is
// one call of the function iys_take_turn (migration 00023): one round trip
// under the budget row's lock.

// IYSBudget is the shared [iys.Budget] of one scope: the address of the
// İYS called (the server's iysScope).
type IYSBudget struct {
	s     *Store
	scope string
}

// IYSBudget returns the budget of scope, and drops what is left of
// scopes unused for a day (in-process simulators long gone, an İYS no
// longer configured): their holds are over and their tokens stale.
func (s *Store) IYSBudget(ctx context.Context, scope string) (*IYSBudget, error) {
	_, err := s.pool.Exec(ctx, `WITH gone AS (
			DELETE FROM iys_budget WHERE scope <> '' AND scope <> $1 AND used_at < now() - interval '1 day' RETURNING scope)
		, calls AS (DELETE FROM iys_hourly_calls WHERE scope IN (SELECT scope FROM gone))
		, tokens AS (DELETE FROM iys_tokens WHERE scope IN (SELECT scope FROM gone))
		DELETE FROM iys_limit_holds WHERE until < now()`, scope)
	if err != nil {
		return nil, err
	}
	return &IYSBudget{s: s, scope: scope}, nil
}

// Take implements [iys.Budget].
func (b *IYSBudget) Take(ctx context.Context, r iys.TurnRequest) (iys.Turn, error) {
	var t iys.Turn
	err := b.s.pool.QueryRow(ctx, `SELECT wait, of_kind, rate FROM iys_take_turn($1, $2, $3, $4, $5, $6, $7)`,
		b.scope, string(r.Kind), r.Rate, r.Window, r.Hourly, r.Hour, r.Margin).Scan(&t.Wait, &t.OfKind, &t.Rate)
	return t, err
}

// Refused implements [iys.Budget].
func (b *IYSBudget) Refused(ctx context.Context, kind iysapi.Kind, hold time.Duration, slow bool) error {
	_, err := b.s.pool.Exec(ctx, `WITH slowed AS (
			UPDATE iys_budget SET rate = CASE WHEN slowed_at <= clock_timestamp() - interval '1 second' THEN greatest(1, rate / 2) ELSE rate END,
				slowed_at = clock_timestamp()
			WHERE scope = $1 AND $4)
		INSERT INTO iys_limit_holds (scope, kind, until) SELECT $1, $2, clock_timestamp() + $3::interval WHERE $3::interval > interval '0'
		ON CONFLICT (scope, kind) DO UPDATE SET until = GREATEST(iys_limit_holds.until, EXCLUDED.until)`,
		b.scope, string(kind), hold, slow)
	return err
}

// Holds returns the holds not yet over, by kind ("" every kind), for the
// operators' log at start-up.
func (b *IYSBudget) Holds(ctx context.Context) (map[iysapi.Kind]time.Time, error) {
	rows, err := b.s.pool.Query(ctx, `SELECT kind, until FROM iys_limit_holds WHERE scope = $1 AND until > now()`, b.scope)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	holds := map[iysapi.Kind]time.Time{}
	for rows.Next() {
		var kind string
		var until time.Time
		if err := rows.Scan(&kind, &until); err != nil {
			return nil, err
		}
		holds[iysapi.Kind(kind)] = until
	}
	return holds, rows.Err()
}
