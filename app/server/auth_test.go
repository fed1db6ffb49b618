package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"iysgate/app/store"
)

func TestLoginLogout(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	r := c.get("/users")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next=%2Fusers" {
		t.Fatalf("anonymous /users: %d %s", r.status, r.header.Get("Location"))
	}
	page := c.get("/login")
	if !strings.Contains(page.body, "Giriş Yap") {
		t.Fatal("login page is not the Turkish form")
	}
	// The session cookie is HttpOnly and SameSite.
	r = c.post("/login", url.Values{"email": {adminEmail}, "password": {adminPassword}, "next": {"/users"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/users" {
		t.Fatalf("login: %d %s", r.status, r.header.Get("Location"))
	}
	var cookie string
	for _, sc := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, "iysgate_oturum=") {
			cookie = sc
		}
	}
	if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(strings.ToLower(cookie), "samesite=lax") {
		t.Errorf("session cookie flags: %q", cookie)
	}
	if r := c.get("/users"); r.status != 200 || !strings.Contains(r.body, adminEmail) {
		t.Fatalf("after login /users: %d", r.status)
	}
	// An open redirect through next is refused.
	c2 := e.client()
	c2.get("/login")
	r = c2.post("/login", url.Values{"email": {adminEmail}, "password": {adminPassword}, "next": {"//evil.example"}})
	if r.header.Get("Location") != "/" {
		t.Errorf("next=//evil.example redirected to %q", r.header.Get("Location"))
	}
	// Logout ends the session.
	if r := c.post("/logout", nil); r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.status)
	}
	if r := c.get("/users"); r.status != http.StatusSeeOther {
		t.Fatalf("after logout /users: %d", r.status)
	}
	entries, err := e.st.ListAudit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, en := range entries {
		actions = append(actions, en.Action)
	}
	got := strings.Join(actions, ",")
	if !strings.Contains(got, "logout") || !strings.Contains(got, "login") {
		t.Errorf("audit log lacks login/logout: %s", got)
	}
}

// A wrong password and an unknown account get the same words; after five
// failures the account is locked for a while, even with the right password.
func TestLoginErrorsAndThrottle(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.get("/login")
	wrong := c.post("/login", url.Values{"email": {adminEmail}, "password": {"yanlis-parola-123"}})
	unknown := c.post("/login", url.Values{"email": {"yok@ornek.com.tr"}, "password": {"yanlis-parola-123"}})
	const msg = "E-posta adresi veya parola hatalı."
	if wrong.status != http.StatusUnauthorized || !strings.Contains(wrong.body, msg) {
		t.Fatalf("wrong password: %d", wrong.status)
	}
	if unknown.status != http.StatusUnauthorized || !strings.Contains(unknown.body, msg) {
		t.Fatalf("unknown account: %d", unknown.status)
	}
	for range 4 {
		c.post("/login", url.Values{"email": {adminEmail}, "password": {"yanlis-parola-123"}})
	}
	r := c.post("/login", url.Values{"email": {adminEmail}, "password": {adminPassword}})
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "15 dakika sonra") {
		t.Fatalf("after 5 failures the right password still logged in: %d", r.status)
	}
	// Another account from another client is not affected by this lock.
	b := e.brand("Firma", "Marka", "600002")
	u := e.user("personel@ornek.com.tr", "personel", b.ID)
	e.client().login(u.Email, u.Email+"-parola")
	failed, err := e.st.ListAudit(context.Background(), store.AuditFilter{Action: store.ActionLoginFailed})
	if err != nil || len(failed) < 6 {
		t.Fatalf("failed logins audited: %d %v", len(failed), err)
	}
}

// Forms without the CSRF token are refused and change nothing.
func TestCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(adminEmail, adminPassword)
	c.csrf = ""
	b := e.brand("Firma", "Marka", "600003")
	r := c.do("POST", "/users", strings.NewReader(url.Values{"name": {"Ayşe"}, "email": {"ayse@ornek.com.tr"},
		"password": {"cok-gizli-parola"}, "password_confirm": {"cok-gizli-parola"}, "role": {"personel"},
		"brands": {itoa(b.ID)}}.Encode()), "application/x-www-form-urlencoded")
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "Güvenlik doğrulaması") {
		t.Fatalf("POST without CSRF token: %d", r.status)
	}
	if _, err := e.st.UserByEmail(context.Background(), "ayse@ornek.com.tr"); err != store.ErrNotFound {
		t.Fatalf("user created despite CSRF failure: %v", err)
	}
}

// A disabled user's session and tokens stop working at once.
func TestDisabledUserIsSignedOut(t *testing.T) {
	e := newEnv(t)
	b := e.brand("Firma", "Marka", "600004")
	u := e.user("musteri@ornek.com.tr", "musteri", b.ID)
	c := e.client()
	c.login(u.Email, u.Email+"-parola")
	api := e.apiClient(u)
	if r := api.get("/api/v1/me"); r.status != 200 {
		t.Fatalf("token before disable: %d", r.status)
	}
	admin := e.client()
	admin.login(adminEmail, adminPassword)
	if r := admin.post("/users/"+itoa(u.ID)+"/disable", nil); r.status != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}
	if r := c.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("disabled user's session still works: %d", r.status)
	}
	if r := api.get("/api/v1/me"); r.status != http.StatusUnauthorized {
		t.Errorf("disabled user's token still works: %d", r.status)
	}
	c2 := e.client()
	c2.get("/login")
	if r := c2.post("/login", url.Values{"email": {u.Email}, "password": {u.Email + "-parola"}}); r.status != http.StatusUnauthorized {
		t.Errorf("disabled user logged in: %d", r.status)
	}
}

func itoa(n int64) string { return formatInt(n) }

// Parallel guesses cannot slip past the limit: the attempt is recorded
// before it is counted.
func TestLoginThrottleUnderParallelGuesses(t *testing.T) {
	e := newEnv(t)
	done := make(chan int, 20)
	for range 20 {
		go func() {
			c := e.client()
			c.get("/login")
			done <- c.post("/login", url.Values{"email": {adminEmail}, "password": {"yanlis-parola-123"}}).status
		}()
	}
	for range 20 {
		<-done
	}
	c := e.client()
	c.get("/login")
	if r := c.post("/login", url.Values{"email": {adminEmail}, "password": {adminPassword}}); r.status != http.StatusTooManyRequests {
		t.Fatalf("after 20 parallel failures the right password got %d", r.status)
	}
}

// Changing a user's password ends their open sessions.
func TestPasswordChangeEndsSessions(t *testing.T) {
	e := newEnv(t)
	b := e.brand("Firma", "Marka", "600005")
	u := e.user("personel@ornek.com.tr", "personel", b.ID)
	c := e.client()
	c.login(u.Email, u.Email+"-parola")
	admin := e.client()
	admin.login(adminEmail, adminPassword)
	r := admin.post("/users/"+itoa(u.ID), url.Values{"name": {u.Name}, "email": {u.Email}, "role": {"personel"},
		"brands": {itoa(b.ID)}, "password": {"yepyeni-parola-1"}, "password_confirm": {"yepyeni-parola-1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("password change: %d %s", r.status, r.body)
	}
	if r := c.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("old session after password change: %d", r.status)
	}
	c.login(u.Email, "yepyeni-parola-1")
}
