package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Notification channels. Every change of what a user may do or of what
// authenticates them is announced in the transaction that makes it, so
// that every node sharing the database forgets what it remembered.
const (
	// PolicyChannel carries a user's id when their roles, admin flag,
	// disabled or deleted state change: nodes reload their role
	// assignments and forget the user's tokens.
	PolicyChannel = "iysgate_policy"
	// AuthChannel carries what else ends or changes a token's user:
	// "user:<id>" (a token revoked), "*" (brand names, which a user's
	// memberships carry).
	AuthChannel = "iysgate_auth"
)

// authTTL bounds how long a node trusts a remembered token without the
// database, should a notification be lost in a way the listener cannot
// see (the listener itself flushes everything when its connection
// breaks).
const authTTL = 10 * time.Second

// listenProbe is how long the listener waits for a notification before it
// checks that its connection still answers (and how long it waits for
// the answer): a connection that broke silently flushes the cache within
// twice this, as a change must reach every node within about a second.
// The probe is one round trip a second.
const listenProbe = time.Second

// tokenUseFlush is how often the tokens' last use is written, in one
// statement for all of them: last_used_at stays within a minute without a
// write per call.
const tokenUseFlush = 15 * time.Second

// authCache remembers, per node, the user each bearer token authenticates,
// so that an API call costs no database round trip for authentication.
// It keeps entries only while the node listens to PolicyChannel and
// AuthChannel (live): every invalidation empties it or drops a user, and
// bumps gen, so that a lookup that read the database before the change
// cannot store its stale answer after it.
type authCache struct {
	mu     sync.RWMutex
	tokens map[string]*cachedToken // by token hash
	gen    uint64
	live   bool

	usedMu sync.Mutex
	used   map[int64]struct{} // tokens used since the last flush
}

type cachedToken struct {
	id      int64
	user    *User // never handed out: callers get copies
	expires time.Time
	// noted is set once the token's use is in used, to spare the lock.
	noted atomic.Bool
}

func newAuthCache() *authCache {
	return &authCache{tokens: map[string]*cachedToken{}, used: map[int64]struct{}{}}
}

// get returns a copy of the user of a remembered token.
func (c *authCache) get(hash []byte) (*User, bool) {
	c.mu.RLock()
	t := c.tokens[string(hash)]
	c.mu.RUnlock()
	if t == nil || time.Now().After(t.expires) {
		return nil, false
	}
	if !t.noted.Swap(true) {
		c.noteUse(t.id)
	}
	return t.user.clone(), true
}

// begin is called before reading the database: put stores the answer only
// if nothing was invalidated in between.
func (c *authCache) begin() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *authCache) put(gen uint64, hash []byte, tokenID int64, u *User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.gen != gen {
		return
	}
	t := &cachedToken{id: tokenID, user: u.clone(), expires: time.Now().Add(authTTL)}
	t.noted.Store(true) // the caller notes this use
	c.tokens[string(hash)] = t
}

// forgetUser drops a user's tokens.
func (c *authCache) forgetUser(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, t := range c.tokens {
		if t.user.ID == id {
			delete(c.tokens, h)
		}
	}
}

// setLive empties the cache; with live false it keeps nothing until
// setLive(true).
func (c *authCache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.live = live
	clear(c.tokens)
}

// forgetAll drops every entry.
func (c *authCache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.tokens)
}

func (c *authCache) noteUse(tokenID int64) {
	c.usedMu.Lock()
	c.used[tokenID] = struct{}{}
	c.usedMu.Unlock()
}

// takeUsed returns the tokens used since the last call and starts over;
// it drops the expired entries too, which nothing else would.
func (c *authCache) takeUsed() []int64 {
	// Flags first: a use after this is noted again, at worst in this
	// round as well.
	now := time.Now()
	c.mu.Lock()
	for h, t := range c.tokens {
		if now.After(t.expires) {
			delete(c.tokens, h)
		}
		t.noted.Store(false)
	}
	c.mu.Unlock()
	c.usedMu.Lock()
	ids := make([]int64, 0, len(c.used))
	for id := range c.used {
		ids = append(ids, id)
	}
	clear(c.used)
	c.usedMu.Unlock()
	slices.Sort(ids)
	return ids
}

func (u *User) clone() *User {
	v := *u
	v.Memberships = slices.Clone(u.Memberships)
	return &v
}

// Listening reports whether the node hears the change notifications now
// (see Listen), so that it remembers tokens.
func (s *Store) Listening() bool {
	s.auth.mu.RLock()
	defer s.auth.mu.RUnlock()
	return s.auth.live
}

// notifyUser announces, in tx, that a user's roles or state changed.
func notifyUser(ctx context.Context, tx pgx.Tx, id int64) error {
	_, err := tx.Exec(ctx, "SELECT pg_notify('"+PolicyChannel+"', $1)", strconv.FormatInt(id, 10))
	return err
}

// notifyAuth announces, in tx, a change of what authenticates: payload
// "user:<id>" or "*".
func notifyAuth(ctx context.Context, tx pgx.Tx, payload string) error {
	_, err := tx.Exec(ctx, "SELECT pg_notify('"+AuthChannel+"', $1)", payload)
	return err
}

// Listen keeps this node's remembered authentication and permissions in
// step with the database until ctx ends: it listens to PolicyChannel and
// AuthChannel on a connection of its own, calls reload (the policy
// enforcer's) on every change of assignments, and after each
// (re)connection, since changes made while it was not listening were
// missed. While it is not connected the token cache holds nothing, and a
// connection that breaks, or stops answering, empties it at once. It also
// writes the tokens' last use every tokenUseFlush.
func (s *Store) Listen(ctx context.Context, log *slog.Logger, reload func(context.Context) error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.flushTokenUse(ctx, log)
	}()
	defer func() { <-done }()
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, reload)
		s.auth.setLive(false)
		if ctx.Err() != nil {
			return
		}
		log.Warn("yetki bildirimleri dinlenemiyor; API anahtarları her istekte veritabanından okunuyor, yeniden bağlanılacak", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

func (s *Store) listenOnce(ctx context.Context, reload func(context.Context) error) error {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection keeps listening, so it must not return to the pool.
	conn := pc.Hijack()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "SET application_name = 'iysgate listener'; LISTEN "+PolicyChannel+"; LISTEN "+AuthChannel); err != nil {
		return err
	}
	// From here on no change is missed: what was remembered before is
	// dropped, and the assignments are read afresh.
	s.auth.setLive(true)
	if err := reload(ctx); err != nil {
		return err
	}
	// Reloads run beside the reading, a burst of changes folded into one:
	// a reload waits for a connection of the pool, and the notifications
	// behind it (a token revoked) must not wait with it. A reload that
	// fails ends the session: the cache is emptied and the next session
	// reads everything afresh.
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	reloads := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-reloads:
			}
			rctx, cancel := context.WithTimeout(ctx, reloadTimeout)
			err := reload(rctx)
			cancel()
			if err != nil {
				stop(fmt.Errorf("reloading the policy: %w", err))
				return
			}
		}
	}()
	for {
		wctx, cancel := context.WithTimeout(ctx, listenProbe)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return context.Cause(ctx)
		case errors.Is(err, context.DeadlineExceeded):
			pctx, cancel := context.WithTimeout(ctx, listenProbe)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
			continue
		default:
			return err
		}
		if s.notified(n) {
			select {
			case reloads <- struct{}{}:
			default: // one is already due: it reads this change too
			}
		}
	}
}

// reloadTimeout bounds one reload of the policy.
const reloadTimeout = 30 * time.Second

// notified applies one notification at once and reports whether the
// policy is to be reloaded.
func (s *Store) notified(n *pgconn.Notification) (reload bool) {
	switch n.Channel {
	case PolicyChannel:
		if id, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
			s.auth.forgetUser(id)
		} else {
			s.auth.forgetAll()
		}
		return true
	case AuthChannel:
		if id, ok := strings.CutPrefix(n.Payload, "user:"); ok {
			if id, err := strconv.ParseInt(id, 10, 64); err == nil {
				s.auth.forgetUser(id)
				return false
			}
		}
		s.auth.forgetAll()
	}
	return false
}

// flushTokenUse writes the tokens' last use every tokenUseFlush, and once
// more when ctx ends.
func (s *Store) flushTokenUse(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(tokenUseFlush)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := s.FlushTokenUse(fctx); err != nil {
				log.Warn("API anahtarlarının son kullanımı yazılamadı", "err", err)
			}
			return
		case <-t.C:
			if err := s.FlushTokenUse(ctx); err != nil && ctx.Err() == nil {
				log.Warn("API anahtarlarının son kullanımı yazılamadı", "err", err)
			}
		}
	}
}

// FlushTokenUse writes the last use of the tokens used since the last
// flush (at most once a minute per token, to spare writes).
func (s *Store) FlushTokenUse(ctx context.Context) error {
	ids := s.auth.takeUsed()
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now()
		WHERE id = ANY($1) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, ids)
	if err != nil {
		for _, id := range ids { // the next round tries them again
			s.auth.noteUse(id)
		}
	}
	return err
}
