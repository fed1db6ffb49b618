package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// BeginLogin records a login attempt as failed and counts, under a
// per-account lock, the failures since `since` for the account (after its
// last success) and for the IP address, this attempt included. The caller
// marks the attempt a success with MarkLoginSucceeded once the password
// checks out; recording first keeps parallel guesses from each seeing a
// count under the limit.
func (s *Store) BeginLogin(ctx context.Context, email, ip string, since time.Time) (attemptID int64, byEmail, byIP int, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('login:' || lower($1)))", email); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "INSERT INTO login_attempts (email, ip, success) VALUES (lower($1), $2, false) RETURNING id",
			email, ip).Scan(&attemptID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM login_attempts a WHERE a.email = lower($1) AND a.at > $3 AND NOT a.success
			   AND a.at > COALESCE((SELECT max(at) FROM login_attempts s WHERE s.email = lower($1) AND s.success), '-infinity')),
			(SELECT count(*) FROM login_attempts a WHERE a.ip = $2 AND a.at > $3 AND NOT a.success)`,
			email, ip, since).Scan(&byEmail, &byIP)
	})
	return attemptID, byEmail, byIP, err
}

// MarkLoginSucceeded turns a recorded attempt into a success.
func (s *Store) MarkLoginSucceeded(ctx context.Context, attemptID int64) error {
	_, err := s.pool.Exec(ctx, "UPDATE login_attempts SET success = true, at = clock_timestamp() WHERE id = $1", attemptID)
	return err
}

// PruneLoginAttempts deletes attempts older than before and returns how many.
func (s *Store) PruneLoginAttempts(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM login_attempts WHERE at < $1", before)
	return tag.RowsAffected(), err
}
