package iystest

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"
	"time"
)

// grant is what a token stands for.
type grant struct {
	account string
	expires time.Time
}

// authState holds the issued tokens.
type authState struct {
	mu        sync.Mutex
	access    map[string]grant
	refresh   map[string]grant
	sweepSize int // sweep expired tokens when the maps outgrow this
}

func newAuthState() authState {
	return authState{access: make(map[string]grant), refresh: make(map[string]grant), sweepSize: 1024}
}

// tokenAnswer is the answer to POST /oauth2/token.
type tokenAnswer struct {
	AccessToken      string `json:"access_token"`
	RefreshToken     string `json:"refresh_token"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
	TokenType        string `json:"token_type"`
}

// issue makes a new token pair for account.
func (a *authState) issue(account string, ttl time.Duration, now time.Time) tokenAnswer {
	ans := tokenAnswer{
		AccessToken:      rand.Text(),
		RefreshToken:     rand.Text(),
		ExpiresIn:        int64(ttl / time.Second),
		RefreshExpiresIn: int64(2 * ttl / time.Second),
		TokenType:        "bearer",
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.access)+len(a.refresh) > a.sweepSize {
		a.sweep(now)
	}
	a.access[ans.AccessToken] = grant{account, now.Add(ttl)}
	a.refresh[ans.RefreshToken] = grant{account, now.Add(2 * ttl)}
	return ans
}

// sweep drops expired tokens; it runs when the maps have doubled since
// the last sweep, so its cost stays proportional to issuing.
func (a *authState) sweep(now time.Time) {
	for _, m := range []map[string]grant{a.access, a.refresh} {
		for t, g := range m {
			if !now.Before(g.expires) {
				delete(m, t)
			}
		}
	}
	a.sweepSize = max(1024, 2*(len(a.access)+len(a.refresh)))
}

// useRefresh retires a refresh token and returns its account; ok is false
// when it is unknown or expired.
func (a *authState) useRefresh(token string, now time.Time) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	g, ok := a.refresh[token]
	if !ok {
		return "", false
	}
	delete(a.refresh, token)
	return g.account, now.Before(g.expires)
}

// refreshAccount is the account of a refresh token without using it, for
// counting the token call against the right account's limit.
func (a *authState) refreshAccount(token string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.refresh[token].account
}

// authenticate returns the account of the request's bearer token.
func (a *authState) authenticate(r *http.Request, now time.Time) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	a.mu.Lock()
	g, ok := a.access[token]
	a.mu.Unlock()
	if !ok || !now.Before(g.expires) {
		return "", false
	}
	return g.account, true
}

// checkCredentials compares in constant time, as a real server should.
func checkCredentials(want *[2]string, user, pass string) bool {
	if want == nil {
		return true
	}
	u := subtle.ConstantTimeCompare([]byte(user), []byte(want[0]))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(want[1]))
	return u&p == 1
}
