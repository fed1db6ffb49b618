package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"iysgate/app/config"
	"iysgate/app/store"
)

func TestLoginLogout(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.login(adminEmail, adminPassword)
	c.csrf = ""
	b := e.brand("Firma", "Marka", "600003")
	r := c.do("POST", "/users", strings.NewReader(url.Values{"name": {"Ayşe"}, "email": {"ayse@ornek.com.tr"},
		"password": {"cok-gizli-parola"}, "password_confirm": {"cok-gizli-parola"}, "role_" + itoa(b.ID): {"personel"}}.Encode()), "application/x-www-form-urlencoded")
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "Güvenlik doğrulaması") {
		t.Fatalf("POST without CSRF token: %d", r.status)
	}
	if _, err := e.st.UserByEmail(context.Background(), "ayse@ornek.com.tr"); err != store.ErrNotFound {
		t.Fatalf("user created despite CSRF failure: %v", err)
	}
}

// A disabled user's session and tokens stop working at once.
func TestDisabledUserIsSignedOut(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Firma", "Marka", "600005")
	u := e.user("personel@ornek.com.tr", "personel", b.ID)
	c := e.client()
	c.login(u.Email, u.Email+"-parola")
	admin := e.client()
	admin.login(adminEmail, adminPassword)
	r := admin.post("/users/"+itoa(u.ID), url.Values{"name": {u.Name}, "email": {u.Email}, "role_" + itoa(b.ID): {"personel"},
		"password": {"yepyeni-parola-1"}, "password_confirm": {"yepyeni-parola-1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("password change: %d %s", r.status, r.body)
	}
	if r := c.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("old session after password change: %d", r.status)
	}
	c.login(u.Email, "yepyeni-parola-1")
}

// fromIP makes c's requests come from ip through the trusted proxy
// (127.0.0.1, see newProxiedEnv).
func (c *client) fromIP(ip string) *client {
	c.header = http.Header{"X-Forwarded-For": {"203.0.113.250, " + ip}}
	return c
}

// newProxiedEnv is an appliance behind a reverse proxy on loopback.
func newProxiedEnv(t *testing.T) *env {
	return newEnvWith(t, func(c *config.Config) { c.TrustedProxies = "127.0.0.1/32, ::1" })
}

func loginAs(c *client, email, password string) response {
	c.get("/login")
	return c.post("/login", url.Values{"email": {email}, "password": {password}})
}

// Failures against accounts that do not exist do not lock out a real
// account, even from the same address (an office behind one proxy).
func TestLoginThrottleSparesOtherAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	for i := range 40 {
		loginAs(c, "uydurma"+itoa(int64(i%3))+"@ornek.com.tr", "yanlis-parola-123")
	}
	if r := loginAs(e.client(), adminEmail, adminPassword); r.status != http.StatusSeeOther {
		t.Fatalf("Admin after 40 failures for made-up accounts: %d", r.status)
	}
}

// The per-address bound for accounts that do not exist: past it every
// wrong password gets the same refusal, whether or not the account exists
// (so that the answer tells no account apart), and a right one signs in.
func TestLoginThrottlePerAddressForUnknownAccounts(t *testing.T) {
	t.Parallel()
	e := newProxiedEnv(t)
	ctx := context.Background()
	if _, err := e.st.Pool().Exec(ctx, `INSERT INTO login_attempts (email, ip, success, known)
		SELECT 'yok' || i || '@ornek.com.tr', '198.51.100.7', false, false FROM generate_series(1, 100) i`); err != nil {
		t.Fatal(err)
	}
	from := func() *client { return e.client().fromIP("198.51.100.7") }
	unknown := loginAs(from(), "bir-yok@ornek.com.tr", "yanlis-parola-123")
	known := loginAs(from(), adminEmail, "yanlis-parola-123")
	if unknown.status != http.StatusTooManyRequests || known.status != http.StatusTooManyRequests {
		t.Fatalf("past the address bound: unknown %d, known %d; want 429 for both", unknown.status, known.status)
	}
	if r := loginAs(from(), adminEmail, adminPassword); r.status != http.StatusSeeOther {
		t.Fatalf("right password past the address bound: %d", r.status)
	}
	// Another address is not affected.
	if r := loginAs(e.client().fromIP("198.51.100.8"), "bir-yok@ornek.com.tr", "yanlis-parola-123"); r.status != http.StatusUnauthorized {
		t.Fatalf("another address: %d", r.status)
	}
}

// An account locked for one address is open from another; after many
// failures from many addresses it is locked everywhere. Attempts refused
// by the throttle never count, so a lock ends with its window even while
// someone keeps trying.
func TestLoginThrottlePerAccount(t *testing.T) {
	t.Parallel()
	e := newProxiedEnv(t)
	ctx := context.Background()
	for range 6 {
		loginAs(e.client().fromIP("198.51.100.1"), adminEmail, "yanlis-parola-123")
	}
	if r := loginAs(e.client().fromIP("198.51.100.1"), adminEmail, adminPassword); r.status != http.StatusTooManyRequests {
		t.Fatalf("locked address, right password: %d", r.status)
	}
	if r := loginAs(e.client().fromIP("198.51.100.2"), adminEmail, adminPassword); r.status != http.StatusSeeOther {
		t.Fatalf("another address, right password: %d", r.status)
	}
	// The success reset the account's count; a trickle from the locked
	// address is refused and not counted.
	for range 10 {
		loginAs(e.client().fromIP("198.51.100.3"), adminEmail, "yanlis-parola-123")
	}
	var throttled int
	e.st.Pool().QueryRow(ctx, "SELECT count(*) FROM login_attempts WHERE ip = '198.51.100.3' AND throttled").Scan(&throttled)
	if throttled != 5 {
		t.Fatalf("throttled attempts recorded: %d, want 5 (10 tries, 5 counted)", throttled)
	}
	// The window passes for the counted failures; the refused ones are recent.
	if _, err := e.st.Pool().Exec(ctx, "UPDATE login_attempts SET at = at - interval '16 minutes' WHERE NOT throttled"); err != nil {
		t.Fatal(err)
	}
	if r := loginAs(e.client().fromIP("198.51.100.3"), adminEmail, adminPassword); r.status != http.StatusSeeOther {
		t.Fatalf("after the window, with refused attempts inside it: %d", r.status)
	}
	// Many addresses, a failure each: the account is locked everywhere.
	for i := range 20 {
		loginAs(e.client().fromIP("192.0.2."+itoa(int64(i+1))), adminEmail, "yanlis-parola-123")
	}
	if r := loginAs(e.client().fromIP("192.0.2.200"), adminEmail, adminPassword); r.status != http.StatusTooManyRequests {
		t.Fatalf("after 20 failures from 20 addresses, a new address: %d", r.status)
	}
}

// X-Forwarded-For is believed only from a trusted proxy, and only as far as
// the last hop a trusted proxy appended.
func TestClientAddress(t *testing.T) {
	t.Parallel()
	ip := func(e *env, xff string) string {
		c := e.client()
		c.header = http.Header{"X-Forwarded-For": {xff}}
		loginAs(c, "yok@ornek.com.tr", "yanlis-parola-123")
		var got string
		e.st.Pool().QueryRow(context.Background(), "SELECT ip FROM login_attempts ORDER BY id DESC LIMIT 1").Scan(&got)
		return got
	}
	if got := ip(newEnv(t), "198.51.100.9"); got != "127.0.0.1" {
		t.Errorf("no trusted proxy: %q, want the peer 127.0.0.1", got)
	}
	proxied := newProxiedEnv(t)
	if got := ip(proxied, "10.9.9.9, 198.51.100.9"); got != "198.51.100.9" {
		t.Errorf("behind the proxy: %q, want the address it appended", got)
	}
	if got := ip(proxied, "198.51.100.9, 127.0.0.1"); got != "198.51.100.9" {
		t.Errorf("two trusted hops: %q", got)
	}
}
