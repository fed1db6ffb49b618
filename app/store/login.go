package store

import (
	"context"
	"time"
)

// RecordLogin notes a login attempt for throttling.
func (s *Store) RecordLogin(ctx context.Context, email, ip string, success bool) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO login_attempts (email, ip, success) VALUES (lower($1), $2, $3)", email, ip, success)
	return err
}

// LoginFailures counts failed attempts since `since` for an account (after
// its last success) and for an IP address.
func (s *Store) LoginFailures(ctx context.Context, email, ip string, since time.Time) (byEmail, byIP int, err error) {
	err = s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM login_attempts a WHERE a.email = lower($1) AND a.at > $3 AND NOT a.success
		   AND a.at > COALESCE((SELECT max(at) FROM login_attempts s WHERE s.email = lower($1) AND s.success), '-infinity')),
		(SELECT count(*) FROM login_attempts a WHERE a.ip = $2 AND a.at > $3 AND NOT a.success)`,
		email, ip, since).Scan(&byEmail, &byIP)
	return byEmail, byIP, err
}

// PruneLoginAttempts deletes attempts older than before and returns how many.
func (s *Store) PruneLoginAttempts(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM login_attempts WHERE at < $1", before)
	return tag.RowsAffected(), err
}
