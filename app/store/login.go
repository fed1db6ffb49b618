package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// LoginCounts are the failed login attempts that decide whether the next
// one is tried, each counted since the window's start and, for an
// account, since its last success. Attempts the throttle refused are never
// counted, so that a trickle of them cannot keep a lock on.
type LoginCounts struct {
	// AccountFromIP: failures of this account from this address.
	AccountFromIP int
	// Account: failures of this account from any address.
	Account int
	// UnknownFromIP: failures from this address for accounts that do not
	// exist (someone trying addresses, not a user mistyping a password).
	UnknownFromIP int
	// TrustedAddress: the account signed in from this address in the last
	// week, so failures from elsewhere do not lock it out here.
	TrustedAddress bool
}

// BeginLogin records a login attempt as failed and counts, under a
// per-account lock, the failures before it that throttle it; known tells
// whether the account exists. The caller marks the attempt
// with MarkLoginSucceeded or MarkLoginThrottled once it knows; recording
// first keeps parallel guesses from each seeing a count under the limit.
func (s *Store) BeginLogin(ctx context.Context, email, ip string, since time.Time) (attemptID int64, known bool, n LoginCounts, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('login:' || lower($1)))", email); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM users WHERE email = lower($1))", email).Scan(&known); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "INSERT INTO login_attempts (email, ip, success, known) VALUES (lower($1), $2, false, $3) RETURNING id",
			email, ip, known).Scan(&attemptID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `WITH since AS (SELECT greatest($3::timestamptz,
				COALESCE((SELECT max(at) FROM login_attempts s WHERE s.email = lower($1) AND s.success), '-infinity')) AS at)
			SELECT
			(SELECT count(*) FROM login_attempts a, since WHERE a.email = lower($1) AND a.ip = $2 AND a.at > since.at
			   AND NOT a.success AND NOT a.throttled AND a.id <> $4),
			(SELECT count(*) FROM login_attempts a, since WHERE a.email = lower($1) AND a.at > since.at
			   AND NOT a.success AND NOT a.throttled AND a.id <> $4),
			(SELECT count(*) FROM login_attempts a WHERE a.ip = $2 AND a.at > $3
			   AND NOT a.known AND NOT a.success AND NOT a.throttled AND a.id <> $4),
			EXISTS (SELECT 1 FROM login_attempts a WHERE a.email = lower($1) AND a.ip = $2 AND a.success
			   AND a.at > now() - interval '7 days')`,
			email, ip, since, attemptID).Scan(&n.AccountFromIP, &n.Account, &n.UnknownFromIP, &n.TrustedAddress)
	})
	return attemptID, known, n, err
}

// MarkLoginSucceeded turns a recorded attempt into a success.
func (s *Store) MarkLoginSucceeded(ctx context.Context, attemptID int64) error {
	_, err := s.pool.Exec(ctx, "UPDATE login_attempts SET success = true, at = clock_timestamp() WHERE id = $1", attemptID)
	return err
}

// MarkLoginThrottled records that the throttle refused an attempt, which
// then counts toward no limit.
func (s *Store) MarkLoginThrottled(ctx context.Context, attemptID int64) error {
	_, err := s.pool.Exec(ctx, "UPDATE login_attempts SET throttled = true WHERE id = $1", attemptID)
	return err
}

// PruneLoginAttempts deletes attempts older than before and returns how many.
func (s *Store) PruneLoginAttempts(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM login_attempts WHERE at < $1", before)
	return tag.RowsAffected(), err
}
