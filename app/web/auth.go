package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/auth"
	"iysgate/app/consent"
	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/policy"
)

const (
	userKey       = "user"
	sessionUserID = "uid"
	sessionFlash  = "flash"
	// sessionLoginAt (Unix microseconds) lets a password change end the
	// user's older sessions.
	sessionLoginAt = "login_at_us"
)

// Login throttling: failures counted over a window (see store.LoginCounts)
// by e-mail address, whether or not an account has it, so that the
// answers do not tell which accounts exist. An address is locked for an
// account after a few failures from it, and every address after many,
// except one the account signed in from in the last week (so that
// guesses from elsewhere cannot lock its owner out); an address trying
// many accounts that do not exist is stopped well above what an office
// behind one address mistypes. A right password is never refused for
// failures of other accounts.
const (
	throttleWindow           = 15 * time.Minute
	maxAccountFailuresFromIP = 5
	maxAccountFailures       = 20
	maxUnknownFailuresFromIP = 100
	throttledMessage         = "Çok fazla başarısız giriş denemesi yapıldı. Lütfen 15 dakika sonra tekrar deneyin."
	loginCookie              = "iysgate_giris"
	loginCookieLifetime      = time.Hour
)

// currentUser is the signed-in user of the request, or nil.
func currentUser(c *fiber.Ctx) *store.User {
	u, _ := c.Locals(userKey).(*store.User)
	return u
}

// actor describes the request's user for the audit log.
func actor(c *fiber.Ctx) store.Actor {
	a := store.Actor{IP: requestIP(c)}
	if u := currentUser(c); u != nil {
		a.UserID, a.Label = u.ID, u.Email
	}
	return a
}

// authenticate finds the user of the request: a bearer token on the API, the
// session cookie elsewhere. It never refuses; guard does.
func (s *Server) authenticate(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), "/api/") {
		if h := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(h, "Bearer ") {
			u, err := s.deps.Store.UserByTokenHash(c.UserContext(), auth.HashToken(strings.TrimPrefix(h, "Bearer ")))
			if err == nil {
				c.Locals(userKey, u)
			}
		}
		return c.Next()
	}
	if strings.HasPrefix(c.Path(), "/static/") || noSession(c.Path()) {
		return c.Next()
	}
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	if id, ok := sess.Get(sessionUserID).(int64); ok {
		u, err := s.deps.Store.UserByID(c.UserContext(), id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err // a database outage is not a logout
		}
		loginAt, _ := sess.Get(sessionLoginAt).(int64)
		if err == nil && u.DisabledAt == nil && !u.SignedOutBefore(time.UnixMicro(loginAt)) {
			c.Locals(userKey, u)
		} else {
			// A disabled or deleted user's session ends here.
			_ = sess.Destroy()
		}
	}
	return c.Next()
}

// guard lets a request through when its user holds perm (in any brand);
// handlers narrow to the brand at hand. Deny by default.
func (s *Server) guard(perm string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if perm == policy.Public {
			return c.Next()
		}
		u := currentUser(c)
		if u == nil {
			if wantsJSON(c) {
				c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="iysgate"`)
				return s.fail(c, fiber.StatusUnauthorized, "UNAUTHENTICATED", "Geçerli bir API anahtarı gerekli (Authorization: Bearer …).")
			}
			next := c.OriginalURL()
			if c.Method() != fiber.MethodGet {
				next = "/"
			}
			if c.Get("HX-Request") == "true" {
				c.Set("HX-Redirect", "/login")
				return c.SendStatus(fiber.StatusUnauthorized)
			}
			return c.Redirect("/login?next="+url.QueryEscape(next), fiber.StatusSeeOther)
		}
		if perm != policy.Authenticated && !s.deps.Policy.CanAny(u.ID, perm) {
			return s.fail(c, fiber.StatusForbidden, "FORBIDDEN", "Bu işlem için yetkiniz yok.")
		}
		return c.Next()
	}
}

type loginData struct {
	Email, Next, Error string
}

func (s *Server) loginPage(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	return s.renderLogin(c, fiber.StatusOK, loginData{Next: safeNext(c.Query("next"))})
}

// renderLogin writes the login form with a fresh login token: the form
// carries it and a cookie holds it (see loginTokenOK). Nothing is stored
// on the server for a visitor who is not signed in.
func (s *Server) renderLogin(c *fiber.Ctx, status int, data loginData) error {
	if currentUser(c) != nil {
		// The session's CSRF token serves (an old tab's form, say).
		return s.render(c, status, "login", "Giriş", data)
	}
	// A token already in the browser is kept, so that two login tabs both
	// work.
	token := c.Cookies(loginCookie)
	if len(token) != 32 {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		token = base64.RawURLEncoding.EncodeToString(b)
	}
	c.Cookie(&fiber.Cookie{Name: loginCookie, Value: token, Path: "/login", HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode,
		Secure: s.deps.Config.SecureCookies, Expires: time.Now().Add(loginCookieLifetime)})
	c.Locals(csrfKey, token)
	return s.render(c, status, "login", "Giriş", data)
}

// loginTokenOK checks the login form against forged cross-site posts (a
// victim signed in as the attacker): the form's token must equal the
// cookie's, which another site can neither read nor set.
func loginTokenOK(c *fiber.Ctx) bool {
	form := c.Request().PostArgs().Peek("_csrf")
	if h := c.Get("X-CSRF-Token"); h != "" {
		form = []byte(h)
	}
	cookie := c.Cookies(loginCookie)
	return len(form) > 0 && subtle.ConstantTimeCompare(form, []byte(cookie)) == 1
}

// safeNext keeps redirects after login on this site.
func safeNext(next string) string {
	for i := 0; i < len(next); i++ {
		if next[i] < 0x20 || next[i] == 0x7f || next[i] == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		!strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	return next
}

func (s *Server) login(c *fiber.Ctx) error {
	ctx := c.UserContext()
	// From the body only: a password in a query string would end up in logs.
	form := c.Request().PostArgs()
	email := strings.ToLower(strings.TrimSpace(string(form.Peek("email"))))
	password := string(form.Peek("password"))
	data := loginData{Email: email, Next: safeNext(string(form.Peek("next")))}
	ip := requestIP(c)
	// A signed-in user's post passed the session's CSRF check already.
	if currentUser(c) == nil && !loginTokenOK(c) {
		data.Error = "Giriş sayfasının süresi dolmuş; bilgilerinizi yeniden girip tekrar deneyin."
		return s.renderLogin(c, fiber.StatusForbidden, data)
	}

	// The attempt is recorded (as failed) and counted in one step under a
	// per-account lock, so that parallel guesses cannot slip past the limit.
	if clean, issue := consent.CleanText(email, validate.MaxEmail); issue != consent.TextOK || clean != email {
		// Not an address anyone has (NUL bytes, control characters, too
		// long): nothing to count or store, and the usual answer.
		auth.SpendTime(password)
		data.Email, data.Error = "", "E-posta adresi veya parola hatalı."
		return s.renderLogin(c, fiber.StatusUnauthorized, data)
	}
	attempt, known, n, err := s.deps.Store.BeginLogin(ctx, email, throttleKey(ip), time.Now().Add(-throttleWindow))
	if err != nil {
		return err
	}
	throttled := func() error {
		if err := s.deps.Store.MarkLoginThrottled(ctx, attempt); err != nil {
			return err
		}
		_ = s.deps.Store.Audit(ctx, store.Actor{Label: email, IP: ip}, store.ActionLoginFailed, "user", "", nil, map[string]any{"reason": "throttled"})
		data.Error = throttledMessage
		return s.renderLogin(c, fiber.StatusTooManyRequests, data)
	}
	if n.AccountFromIP >= maxAccountFailuresFromIP || (n.Account >= maxAccountFailures && !n.TrustedAddress) {
		return throttled()
	}
	u, err := s.deps.Store.UserByEmail(ctx, email)
	ok := false
	switch {
	case err == nil:
		ok = auth.CheckPassword(u.PasswordHash, password) && u.DisabledAt == nil
	case errors.Is(err, store.ErrNotFound):
		auth.SpendTime(password) // the same cost whether or not the account exists
	default:
		return err
	}
	// An address over its bound for unknown accounts gets the same answer
	// for every wrong password, so that the answer does not tell which
	// accounts exist; a right one still signs in.
	if !ok && n.UnknownFromIP >= maxUnknownFailuresFromIP {
		if !known {
			return throttled()
		}
		data.Error = throttledMessage
		return s.renderLogin(c, fiber.StatusTooManyRequests, data)
	}
	if ok {
		if err := s.deps.Store.MarkLoginSucceeded(ctx, attempt); err != nil {
			return err
		}
	}
	if !ok {
		_ = s.deps.Store.Audit(ctx, store.Actor{Label: email, IP: ip}, store.ActionLoginFailed, "user", "", nil, map[string]any{"reason": "credentials"})
		// The same words whether the account exists, is disabled or the password is wrong.
		data.Error = "E-posta adresi veya parola hatalı."
		return s.renderLogin(c, fiber.StatusUnauthorized, data)
	}
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	// A new session id at login defeats session fixation.
	if err := sess.Regenerate(); err != nil {
		return err
	}
	sess.Set(sessionUserID, u.ID)
	sess.Set(sessionLoginAt, time.Now().UnixMicro())
	if err := sess.Save(); err != nil {
		return err
	}
	_ = s.deps.Store.Audit(ctx, store.Actor{UserID: u.ID, Label: u.Email, IP: ip}, store.ActionLogin, "user", itoa(u.ID), nil, nil)
	return c.Redirect(data.Next, fiber.StatusSeeOther)
}

func (s *Server) logout(c *fiber.Ctx) error {
	a := actor(c)
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	if err := sess.Destroy(); err != nil {
		return err
	}
	_ = s.deps.Store.Audit(c.UserContext(), a, store.ActionLogout, "user", itoa(a.UserID), nil, nil)
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// flash keeps a message for the next page the user sees.
func (s *Server) flash(c *fiber.Ctx, msg string) {
	if sess, err := s.sessions.Get(c); err == nil {
		sess.Set(sessionFlash, msg)
		_ = sess.Save()
	}
}

func (s *Server) popFlash(c *fiber.Ctx) string {
	sess, err := s.sessions.Get(c)
	if err != nil {
		return ""
	}
	msg, _ := sess.Get(sessionFlash).(string)
	if msg != "" {
		sess.Delete(sessionFlash)
		_ = sess.Save()
	}
	return msg
}
