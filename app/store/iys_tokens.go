package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"iysgate/app/iys"
)

// IYSTokens is the shared [iys.TokenStore] of one İYS account: the nodes
// use the stored access token, and one at a time renews it, under the
// row's lock (the others wait for it, then take the new token).
type IYSTokens struct {
	s               *Store
	scope, username string
}

// renewGrace is how long a renewal's transaction may outlast its caller's
// deadline to store what İYS answered.
const renewGrace = 10 * time.Second

// IYSTokens returns the token store of username at scope (see
// [Store.IYSBudget]).
func (s *Store) IYSTokens(scope, username string) *IYSTokens {
	return &IYSTokens{s: s, scope: scope, username: username}
}

// Renew implements [iys.TokenStore]. The lock is held while renew asks
// İYS: that is the single flight across nodes. The transaction outlives
// the caller's deadline by a little, so that a token İYS gave near it is
// still stored (its refresh token is spent: the other nodes would each
// spend a request of their own); and PostgreSQL ends it when the node
// stops answering inside it (a frozen or cut-off node must not keep the
// other nodes from renewing).
func (t *IYSTokens) Renew(ctx context.Context, renew func(iys.StoredToken) iys.StoredToken) (iys.StoredToken, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	ctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline.Add(renewGrace))
	defer cancel()
	var got iys.StoredToken
	err := t.s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL idle_in_transaction_session_timeout = '90s'"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO iys_tokens (scope, username) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			t.scope, t.username); err != nil {
			return err
		}
		var cur iys.StoredToken
		if err := tx.QueryRow(ctx, `SELECT access, refresh, renew_at, expires, refresh_expires FROM iys_tokens
			WHERE scope = $1 AND username = $2 FOR UPDATE`, t.scope, t.username).
			Scan(&cur.Access, &cur.Refresh, &cur.RenewAt, &cur.Expires, &cur.RefreshExpires); err != nil {
			return err
		}
		got = renew(cur)
		if got == cur {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE iys_tokens SET access = $3, refresh = $4, renew_at = $5, expires = $6, refresh_expires = $7
			WHERE scope = $1 AND username = $2`,
			t.scope, t.username, got.Access, got.Refresh, got.RenewAt, got.Expires, got.RefreshExpires)
		return err
	})
	return got, err
}
