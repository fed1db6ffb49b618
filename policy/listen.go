package policy

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Listen reloads the enforcer whenever the database announces a change of
// assignments (NOTIFY iysgate_policy, sent in the transaction that makes
// it). It returns when ctx ends, reconnecting after errors.
func (e *Enforcer) Listen(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) {
	for ctx.Err() == nil {
		if err := e.listenOnce(ctx, pool); err != nil && ctx.Err() == nil {
			log.Warn("policy listener stopped, retrying", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
		}
	}
}

func (e *Enforcer) listenOnce(ctx context.Context, pool *pgxpool.Pool) error {
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection keeps listening, so it must not return to the pool.
	conn := pc.Hijack()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN iysgate_policy"); err != nil {
		return err
	}
	// Changes made while we were not listening.
	if err := e.Reload(ctx); err != nil {
		return err
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		if err := e.Reload(ctx); err != nil {
			return err
		}
	}
}
