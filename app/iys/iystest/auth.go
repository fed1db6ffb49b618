package iystest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"iysgate/app/iys/iysapi"
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
	return authState{access: map[string]grant{}, refresh: map[string]grant{}, sweepSize: 1024}
}

// tokenAnswer is the token method's answer (Oauth2Response).
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

// sweep drops expired tokens once the maps have doubled since the last
// sweep, so its cost stays proportional to issuing.
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

// useRefresh retires a refresh token (whether İYS does is unknowable;
// single use is the stricter) and returns its account.
func (a *authState) useRefresh(token string, now time.Time) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	g, ok := a.refresh[token]
	delete(a.refresh, token)
	return g.account, ok && now.Before(g.expires)
}

// authenticate returns the account of the request's bearer token.
func (a *authState) authenticate(r *http.Request, now time.Time) (string, bool) {
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	a.mu.Lock()
	g, ok := a.access[token]
	a.mu.Unlock()
	return g.account, ok && now.Before(g.expires)
}

// expire forgets every token, as İYS restarting its sessions would.
func (a *authState) expire() {
	a.mu.Lock()
	a.access, a.refresh = map[string]grant{}, map[string]grant{}
	a.mu.Unlock()
}

// ExpireTokens makes İYS forget every token it issued: clients must log in
// again (and spend their hourly token budget).
func (s *Sim) ExpireTokens() { s.auth.expire() }

// tokenRequest is the token method's body, as JSON or as a form.
type tokenRequest struct {
	GrantType    *string `json:"grant_type"`
	Username     *string `json:"username"`
	Password     *string `json:"password"`
	RefreshToken *string `json:"refresh_token"`
}

// readTokenRequest reads the body as a form when it says so, as JSON
// otherwise (the method takes both).
func readTokenRequest(r *http.Request) (tokenRequest, bool) {
	var req tokenRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return req, false
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return req, false
		}
		for name, dst := range map[string]**string{"grant_type": &req.GrantType, "username": &req.Username,
			"password": &req.Password, "refresh_token": &req.RefreshToken} {
			if v, ok := form[name]; ok && len(v) > 0 {
				*dst = &v[0]
			}
		}
		return req, true
	}
	return req, json.Unmarshal(body, &req) == nil
}

// handleToken: POST /oauth2/token, password or refresh_token grant. Its
// refusals are OAuth2's: 400 {"error", "error_description"}.
func (s *Sim) handleToken(c *call) {
	req, ok := readTokenRequest(c.r)
	if !ok {
		c.oauthError(iysapi.TokenInvalidRequest, iysapi.TokenDescriptions.MissingGrant)
		return
	}
	if !c.allow() { // every well-formed token request spends the budget
		return
	}
	d := iysapi.TokenDescriptions
	switch {
	case req.GrantType == nil:
		c.oauthError(iysapi.TokenInvalidRequest, d.MissingGrant)
	case *req.GrantType == "password":
		switch {
		case req.Username == nil || *req.Username == "":
			c.oauthError(iysapi.TokenInvalidRequest, d.MissingUsername)
		case req.Password == nil || *req.Password == "":
			c.oauthError(iysapi.TokenInvalidRequest, d.MissingPassword)
		case !checkCredentials(s.cfg.Credentials, *req.Username, *req.Password):
			c.oauthError(iysapi.TokenInvalidRequest, d.BadCredentials)
		default:
			c.ok(s.auth.issue(*req.Username, s.cfg.TokenTTL, c.now))
		}
	case *req.GrantType == "refresh_token":
		if req.RefreshToken == nil || *req.RefreshToken == "" {
			c.oauthError(iysapi.TokenInvalidRequest, d.MissingRefresh)
			return
		}
		account, ok := s.auth.useRefresh(*req.RefreshToken, c.now)
		if !ok {
			c.oauthError(iysapi.TokenInvalidGrant, d.BadCredentials)
			return
		}
		c.ok(s.auth.issue(account, s.cfg.TokenTTL, c.now))
	default:
		c.oauthError(iysapi.TokenInvalidRequest, d.UnknownGrant)
	}
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
