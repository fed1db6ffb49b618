// Package store holds every query of iysgate, one file per aggregate, over a
// pgx pool. It knows nothing of HTTP or River; callers pass an Actor so that
// each change and its audit entry are written in one transaction.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is the database of iysgate.
type Store struct {
	pool     *pgxpool.Pool
	dispatch Dispatch
	auth     *authCache // what bearer tokens authenticate (see Listen)
	checks   checkGroup // single checks waiting for a statement
}

// New returns a Store over pool that hands the sync batches its writes
// make to delivery by d. It panics when d has no hook and is not
// LeftToSweep: a programming error, met by the first test that makes such
// a store.
func New(pool *pgxpool.Pool, d Dispatch) *Store {
	if d.Hook == nil && !d.sweep {
		panic("store.New: a Dispatch without a Hook (store.LeftToSweep if the sweep is to deliver)")
	}
	return &Store{pool: pool, dispatch: d, auth: newAuthCache()}
}

// Pool is the underlying pool, for River and the session storage.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Actor is who makes a change, for the audit log.
type Actor struct {
	UserID int64  // 0 for the system or the command line
	Label  string // e-mail, "sistem" or "komut satırı"
	IP     string
}

// System is the actor of changes made by iysgate itself.
var System = Actor{Label: "sistem"}

// ErrNotFound is returned when a row does not exist (or is not visible).
var ErrNotFound = errors.New("kayıt bulunamadı")

// ErrDuplicate is returned when a unique value (e-mail, code) is taken.
var ErrDuplicate = errors.New("bu değer zaten kayıtlı")

// ErrForbidden is returned when a change is no longer allowed for the actor.
var ErrForbidden = errors.New("bu işlem için yetkiniz yok")

// ErrInvalidRef is returned when a change names a row that does not exist
// (a brand id, a company id).
var ErrInvalidRef = errors.New("başvurulan kayıt yok")

// tx runs fn in a transaction, committing when it returns nil.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// txRetry is tx for the writers of a consent's rows, run again (a few
// times) when PostgreSQL ended the transaction to break a deadlock (40P01)
// or a serialization failure (40001): they lock consents in their own
// orders (a pulled page in İYS's order, a list's outcomes in the list's, a
// change by hand), and the loser of such a cycle has done nothing yet. fn
// must set, not accumulate, what it returns, and read nothing it cannot
// read again (no upload stream: those use tx).
func (s *Store) txRetry(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, s.pool, fn)
		var pgErr *pgconn.PgError
		if attempt == 5 || !errors.As(err, &pgErr) || (pgErr.Code != "40P01" && pgErr.Code != "40001") {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * 10 * time.Millisecond):
		}
	}
}

// mapErr turns driver errors into the store's errors.
func mapErr(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return ErrDuplicate
	}
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return ErrInvalidRef
	}
	return err
}
