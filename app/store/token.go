package store

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// APIToken is a user's API token; only the SHA-256 of the secret is stored.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// CreateToken stores a token's hash for a user and audits it.
func (s *Store) CreateToken(ctx context.Context, a Actor, userID int64, name, prefix string, hash []byte) (*APIToken, error) {
	t := APIToken{UserID: userID, Name: name, Prefix: prefix}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO api_tokens (user_id, name, prefix, token_hash) VALUES ($1, $2, $3, $4)
			RETURNING id, created_at`, userID, name, prefix, hash).Scan(&t.ID, &t.CreatedAt)
		if err != nil {
			return mapErr(err)
		}
		return audit(ctx, tx, a, ActionTokenCreate, "api_token", strconv.FormatInt(t.ID, 10), nil,
			map[string]any{"user_id": userID, "name": name, "prefix": prefix})
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// UserByTokenHash returns the active user owning an active token, from
// this node's memory when it can (see Listen), otherwise in one round
// trip; the token's use is written in batches (FlushTokenUse).
func (s *Store) UserByTokenHash(ctx context.Context, hash []byte) (*User, error) {
	if u, ok := s.auth.get(hash); ok {
		return u, nil
	}
	gen := s.auth.begin()
	var tokenID int64
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+`, t.id FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL AND u.deleted_at IS NULL`, hash), &tokenID)
	if err != nil {
		return nil, err
	}
	s.auth.noteUse(tokenID)
	s.auth.put(gen, hash, tokenID, u)
	return u, nil
}

// ListTokens lists a user's tokens, newest first.
func (s *Store) ListTokens(ctx context.Context, userID int64) ([]APIToken, error) {
	list, _, err := s.TokenPage(ctx, userID, Page{Limit: 1 << 30})
	return list, err
}

// TokenPage lists a page of a user's tokens, newest first, and returns the
// cursor of the next page (0: none).
func (s *Store) TokenPage(ctx context.Context, userID int64, p Page) ([]APIToken, int64, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, userID, p.below(), p.fetch())
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIToken, error) {
		var t APIToken
		err := r.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
		return t, err
	})
	if err != nil {
		return nil, 0, err
	}
	list, next := cut(p, list, func(t APIToken) int64 { return t.ID })
	return list, next, nil
}

// RevokeToken revokes one of a user's tokens.
func (s *Store) RevokeToken(ctx context.Context, a Actor, userID, tokenID int64) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL", tokenID, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if err := notifyAuth(ctx, tx, "user:"+strconv.FormatInt(userID, 10)); err != nil {
			return err
		}
		return audit(ctx, tx, a, ActionTokenRevoke, "api_token", strconv.FormatInt(tokenID, 10), nil, map[string]any{"revoked": true})
	})
	if err == nil {
		s.auth.forgetUser(userID)
	}
	return err
}
