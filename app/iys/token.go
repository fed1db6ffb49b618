package iys

import (
	"context"
	"errors"
	"net/http"
	"time"

	"iysgate/app/iys/iysapi"
)

// token is the cached OAuth2 token of a Client.
type token struct {
	access         string
	refresh        string
	renewAt        time.Time // renew from here on (90% of the lifetime)
	expires        time.Time // usable until here
	refreshExpires time.Time // the refresh grant works until here
}

// tokenFlight is the one token request in flight; waiters read err after
// done is closed.
type tokenFlight struct {
	done chan struct{}
	err  error
}

type tokenAnswer struct {
	AccessToken      string `json:"access_token"`
	RefreshToken     string `json:"refresh_token"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
	TokenType        string `json:"token_type"`
}

// token returns an access token to call with: the cached one while it is
// fresh, otherwise the result of the one renewal in flight, which this call
// starts if none is. A renewal that fails while the old token is still
// valid does not fail the call.
func (c *Client) token(ctx context.Context) (string, error) {
	for range 3 {
		c.tokMu.Lock()
		t := c.tok
		if t.access != "" && c.now().Before(t.renewAt) {
			c.tokMu.Unlock()
			return t.access, nil
		}
		f := c.flight
		if f == nil {
			f = &tokenFlight{done: make(chan struct{})}
			c.flight = f
			// Detached from the caller: one waiter giving up must not fail
			// the renewal the others wait for. Bounded by Timeout, which
			// also keeps the token from waiting long for a turn.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
			go func() {
				defer cancel()
				c.renew(fctx, f)
			}()
		}
		c.tokMu.Unlock()

		select {
		case <-f.done:
		case <-ctx.Done():
			return "", &Error{Kind: iysapi.KindToken, Message: "cancelled while waiting for the token", Err: ctx.Err()}
		}
		c.tokMu.Lock()
		t = c.tok
		c.tokMu.Unlock()
		switch {
		case t.access != "" && (f.err == nil || c.now().Before(t.expires)):
			return t.access, nil
		case f.err != nil:
			return "", f.err
		}
		// Renewed, but already invalidated by a 401: renew again.
	}
	return "", &Error{Kind: iysapi.KindToken, Message: "every new token was refused at once"}
}

// TokenStore keeps an account's token where every node of an installation
// finds it (app/store keeps it in PostgreSQL): İYS grants few token
// requests an hour per IP, so the nodes share one token and one node at a
// time renews it. A [Client] still keeps the token in memory until it is
// due for renewal; only the renewal goes through the store.
type TokenStore interface {
	// Renew calls renew with the token stored now (zero if none) under a
	// lock every node's Renew takes, stores what renew returns if it
	// differs, and returns it.
	Renew(ctx context.Context, renew func(stored StoredToken) StoredToken) (StoredToken, error)
}

// StoredToken is the token as a [TokenStore] keeps it.
type StoredToken struct {
	Access, Refresh                  string
	RenewAt, Expires, RefreshExpires time.Time
}

func (t token) stored() StoredToken {
	return StoredToken{Access: t.access, Refresh: t.refresh, RenewAt: t.renewAt, Expires: t.expires, RefreshExpires: t.refreshExpires}
}

func (s StoredToken) token() token {
	return token{access: s.Access, refresh: s.Refresh, renewAt: s.RenewAt, expires: s.Expires, refreshExpires: s.RefreshExpires}
}

// renew obtains a new token and publishes it. With a [TokenStore], the
// token another node stored meanwhile is taken instead when it is fresh and
// not the one İYS refused here, so that a token going stale, or İYS
// refusing it on every node at once, costs one token request.
func (c *Client) renew(ctx context.Context, f *tokenFlight) {
	c.tokMu.Lock()
	old, refused := c.tok, c.refused
	c.tokMu.Unlock()
	now := c.now()
	if c.tokens == nil {
		t, err := c.obtain(ctx, old, now)
		c.finish(f, t, err, now)
		return
	}
	var err error
	var obtained token
	got, serr := c.tokens.Renew(ctx, func(s StoredToken) StoredToken {
		cur := s.token()
		if cur.access != "" && cur.access != refused && now.Before(cur.renewAt) {
			return s
		}
		switch {
		case cur.access == "" && cur.refresh == "":
			cur = old // nothing stored yet: what this process holds
		case cur.access == refused:
			// Refused here: no node is to take it up again; its refresh
			// token is still tried first.
			cur.access, cur.renewAt, cur.expires = "", time.Time{}, time.Time{}
		}
		obtained, err = c.obtain(ctx, cur, now)
		return obtained.stored()
	})
	switch {
	case serr != nil && err == nil && obtained.access != "":
		// İYS gave a token that could not be stored: this process uses it
		// (İYS may have spent the refresh token for it); the others renew
		// on their own.
		got, err = obtained.stored(), nil
	case serr != nil:
		err = &Error{Kind: iysapi.KindToken, Message: "the shared token could not be read or stored", Err: errors.Join(ErrRateLimited, serr),
			RetryAfter: sharedErrorPause}
		got = old.stored()
	}
	c.finish(f, got.token(), err, now)
}

// obtain asks İYS for a new token, by the refresh grant while old's refresh
// token is valid, else (or when İYS refuses the refresh token) by the
// password grant. Each try spends one of İYS's few token requests an hour:
// none is retried, and after a 429 (H084) the limiter holds the token for
// the whole hour. On failure it returns old, put off (see [Client.finish]).
func (c *Client) obtain(ctx context.Context, old token, now time.Time) (token, error) {
	var ans tokenAnswer
	var err error
	refreshed := false
	if old.refresh != "" && now.Before(old.refreshExpires) {
		_, err = c.do(ctx, request{kind: iysapi.KindToken, noAuth: true, out: &ans,
			body: map[string]string{"refresh_token": old.refresh, "grant_type": "refresh_token"}})
		refreshed = err == nil
		var e *Error
		if err != nil && !(errors.As(err, &e) && e.HTTPStatus >= 400 && e.HTTPStatus < 500 && e.HTTPStatus != http.StatusTooManyRequests) {
			// Only a refusal of the refresh token itself justifies spending
			// another token call on the password grant right away.
			return putOff(old, now), err
		}
	}
	if !refreshed {
		ans = tokenAnswer{}
		_, err = c.do(ctx, request{kind: iysapi.KindToken, noAuth: true, out: &ans,
			body: map[string]string{"username": c.username, "password": c.password, "grant_type": "password"}})
	}
	if err == nil && ans.AccessToken == "" {
		err = &Error{Kind: iysapi.KindToken, HTTPStatus: http.StatusOK, Message: "answer without access_token"}
	}
	if err != nil {
		return putOff(old, now), err
	}
	life, refreshLife := iysapi.AccessTokenLife, iysapi.RefreshTokenLife // when the answer leaves them out
	if ans.ExpiresIn > 0 {
		life = time.Duration(ans.ExpiresIn) * time.Second
	}
	if ans.RefreshExpiresIn > 0 {
		refreshLife = time.Duration(ans.RefreshExpiresIn) * time.Second
	}
	t := token{
		access:         ans.AccessToken,
		refresh:        ans.RefreshToken,
		renewAt:        now.Add(life * 9 / 10),
		expires:        now.Add(life - min(life/20, time.Minute)),
		refreshExpires: now.Add(refreshLife * 9 / 10),
	}
	if ans.RefreshToken == "" {
		t.refreshExpires = time.Time{}
	}
	return t, nil
}

// putOff is t after a failed renewal: still in use while valid, with the
// next renewal put off to halfway to its expiry, so that a failing token
// endpoint does not get a call from every API call until the token budget
// is gone.
func putOff(t token, now time.Time) token {
	if t.access != "" && now.Before(t.expires) {
		t.renewAt = now.Add(max(t.expires.Sub(now)/2, 10*time.Second))
	}
	return t
}

// finish publishes the outcome of a renewal: t is the token to use from now
// on; after a failure (err), only if it is still valid and not the one İYS
// refused meanwhile.
func (c *Client) finish(f *tokenFlight, t token, err error, now time.Time) {
	c.tokMu.Lock()
	if err == nil || t.access != "" && t.access != c.refused && now.Before(t.expires) {
		c.tok = t
	}
	f.err = err
	c.flight = nil
	c.tokMu.Unlock()
	close(f.done)
}

// invalidate drops the access token after İYS refused it, unless another
// goroutine has already replaced it. The refresh token is kept: the next
// renewal tries it first.
func (c *Client) invalidate(access string) {
	c.tokMu.Lock()
	c.refused = access
	if c.tok.access == access {
		c.tok.access = ""
		c.tok.renewAt = time.Time{}
		c.tok.expires = time.Time{}
	}
	c.tokMu.Unlock()
}
