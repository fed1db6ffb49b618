package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"iysgate/app/config"
	"iysgate/app/pg/pgtest"
	"iysgate/app/server"
	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

// Every role changes its own password on Hesabım: the session goes on,
// the user's other sessions end, the old password stops working.
func TestPasswordChangeForEveryRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek", "Marka", "610001")
	for _, role := range []string{"admin", "yonetici", "personel", "musteri"} {
		u := e.user(role+"-hesap@ornek.com.tr", role, b.ID)
		old := storetest.Password(u.Email)
		c, other := e.client(), e.client()
		c.login(u.Email, old)
		other.login(u.Email, old)
		if r := c.post("/account/password", url.Values{"current": {"yanlis-parola-1"}, "password": {"yepyeni-parola-1"},
			"password_confirm": {"yepyeni-parola-1"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Şu anki parolanız hatalı") {
			t.Fatalf("%s: wrong current password: %d", role, r.status)
		}
		if r := c.post("/account/password", url.Values{"current": {old}, "password": {"yepyeni-parola-1"},
			"password_confirm": {"yepyeni-parola-1"}}); r.status != http.StatusSeeOther {
			t.Fatalf("%s: change: %d %s", role, r.status, r.body)
		}
		if r := c.get("/account"); r.status != 200 || !strings.Contains(r.body, "Parolanız değiştirildi") {
			t.Fatalf("%s: this session after the change: %d", role, r.status)
		}
		if r := other.get("/"); r.status != http.StatusSeeOther {
			t.Errorf("%s: the other session after the change: %d", role, r.status)
		}
		if r := loginAs(e.client(), u.Email, old); r.status != http.StatusUnauthorized {
			t.Errorf("%s: the old password: %d", role, r.status)
		}
		e.client().login(u.Email, "yepyeni-parola-1")
	}
	// An Admin changing its own password on Kullanıcılar stays signed in.
	admin := e.client()
	admin.login(adminEmail, adminPassword)
	me := e.adminUser()
	r := admin.post("/users/"+itoa(me.ID), url.Values{"name": {me.Name}, "email": {me.Email}, "admin": {"1"},
		"password": {"baska-bir-parola"}, "password_confirm": {"baska-bir-parola"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/users" {
		t.Fatalf("own password on Kullanıcılar: %d %s", r.status, r.header.Get("Location"))
	}
	if r := admin.get("/users"); r.status != 200 {
		t.Fatalf("after one's own change on Kullanıcılar: %d", r.status)
	}
}

// The first Admin's generated password is written to a file only the
// service user reads, never to the terminal; the file goes at the first
// password change.
func TestFirstAdminPasswordFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newEnvWith(t, func(c *config.Config) { c.DataDir, c.AdminEmail, c.AdminPassword = dir, "ilk@ornek.com.tr", "" })
	out := e.setup.String()
	path := filepath.Join(dir, "ilk-admin-parolasi.txt")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("password file: %v %v", fi, err)
	}
	b, _ := os.ReadFile(path)
	var password string
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "Parola:  "); ok {
			password = p
		}
	}
	if password == "" || strings.Contains(out, password) || !strings.Contains(out, path) {
		t.Fatalf("terminal: %q; file: %q", out, b)
	}
	c := e.client()
	c.login("ilk@ornek.com.tr", password)
	if r := c.post("/account/password", url.Values{"current": {password}, "password": {"kendi-parolam-1"},
		"password_confirm": {"kendi-parolam-1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("change: %d", r.status)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the password file is still there: %v", err)
	}
}

// Sil: the user leaves the list and cannot sign in; its name stays on
// what it did (the audit log).
func TestDeleteUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek", "Marka", "610002")
	y := e.user("y@ornek.com.tr", "yonetici", b.ID)
	p := e.user("p@ornek.com.tr", "personel", b.ID)
	pc := e.client()
	pc.login(p.Email, storetest.Password(p.Email))
	pc.post("/tokens", url.Values{"name": {"anahtar"}})
	c := e.client()
	c.login(y.Email, storetest.Password(y.Email))
	if r := c.post("/users/"+itoa(y.ID)+"/delete", nil); !refused(r) && r.status != http.StatusUnprocessableEntity {
		t.Fatalf("deleting oneself: %d", r.status)
	}
	if r := c.post("/users/"+itoa(p.ID)+"/delete", nil); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := c.get("/users"); strings.Contains(r.body, p.Email) {
		t.Fatal("a deleted user is still listed")
	}
	if r := pc.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("the deleted user's session: %d", r.status)
	}
	if r := loginAs(e.client(), p.Email, storetest.Password(p.Email)); r.status != http.StatusUnauthorized {
		t.Fatalf("the deleted user's login: %d", r.status)
	}
	entries, _ := e.st.ListAudit(context.Background(), store.AuditFilter{Actor: p.Email})
	if len(entries) == 0 {
		t.Fatal("the deleted user's audit entries are gone")
	}
	// Its address is free for a new account.
	e.user(p.Email, "musteri", b.ID)
}

// A form answered with an error (here Hesabım's, with a wrong current
// password) is shown at its page's address, not at the form's POST address:
// reloading opens Hesabım again instead of an error page.
func TestBrowserFormErrorStaysOnItsPage(t *testing.T) {
	e := newEnv(t)
	ctx := browser(t)
	do, text := steps(t, ctx)
	do(chromedp.Navigate(e.base+"/login"), chromedp.WaitVisible("#login-submit"),
		chromedp.SendKeys("#email", adminEmail), chromedp.SendKeys("#password", adminPassword),
		chromedp.Click("#login-submit"), chromedp.WaitVisible("#current-user"),
		chromedp.Navigate(e.base+"/account"), chromedp.WaitVisible("#password-form"),
		chromedp.SendKeys("#current-password", "yanlis-parola-1"),
		chromedp.SendKeys("#new-password", "yepyeni-parola-1"),
		chromedp.SendKeys("#new-password-confirm", "yepyeni-parola-1"),
		chromedp.Submit("#password-form"),
		chromedp.WaitVisible(".field-error"),
	)
	if msg := text(".field-error"); !strings.Contains(msg, "Şu anki parolanız hatalı") {
		t.Fatalf("error: %q", msg)
	}
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search`))
	if err != nil {
		t.Fatal(err)
	}
	if path != "/account" {
		t.Fatalf("after the error the address is %q, want /account", path)
	}
	do(chromedp.Reload(), chromedp.WaitVisible("#password-form"))
	if n := text("#password-form"); strings.Contains(n, "hatalı") {
		t.Errorf("the reloaded page still shows the error: %q", n)
	}
}

// A long error under a narrow field of İzin Ekle (the consent date) wraps
// inside its column: the columns keep the widths they had before the
// error and nothing sticks out of the form, at 1366 px and on a
// phone-sized window.
func TestBrowserNarrowFieldErrorKeepsTheGrid(t *testing.T) {
	e := newEnv(t)
	b := e.brand("Örnek Gıda A.Ş.", "Örnek Market", "650125")
	ctx := browser(t)
	do, _ := steps(t, ctx)
	do(chromedp.Navigate(e.base+"/login"), chromedp.WaitVisible("#login-submit"),
		chromedp.SendKeys("#email", adminEmail), chromedp.SendKeys("#password", adminPassword),
		chromedp.Click("#login-submit"), chromedp.WaitVisible("#current-user"))
	// The form's right edge, how far its content sticks out, and each
	// column's width and right edge.
	measure := func() []float64 {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
			const el = document.querySelector("#consent-form"), form = el.getBoundingClientRect();
			const cols = [...document.querySelectorAll("#consent-form .grid3 > label")].map(l => l.getBoundingClientRect());
			return [form.right, el.scrollWidth - el.clientWidth, ...cols.flatMap(c => [c.width, c.right])];
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, width := range []int64{1366, 420} {
		do(chromedp.EmulateViewport(width, 900),
			chromedp.Navigate(e.base+"/consents/new"), chromedp.WaitVisible("#consent-form"),
			chromedp.SetValue("#consent-brand", itoa(b.ID)),
			chromedp.SendKeys("#consent-recipient", "0541 234 56 78"),
			chromedp.SetValue("#consent-source", "HS_WEB"),
			chromedp.SetValue("#consent-date", "2015-01-01T10:00:05"))
		before := measure()
		do(chromedp.Click("#save-consent"), chromedp.WaitVisible(".grid3 .field-error"))
		after := measure()
		if after[1] > 0 {
			t.Errorf("%d px: the form's content is %.0f px wider than the form", width, after[1])
		}
		for i := 2; i < len(after); i += 2 {
			if d := after[i] - before[i]; d < -1 || d > 1 {
				t.Errorf("%d px: column %d is %.0f px wide after the error, %.0f before", width, i/2, after[i], before[i])
			}
			if after[i+1] > after[0]+1 {
				t.Errorf("%d px: column %d ends at %.0f, past the form's %.0f", width, i/2, after[i+1], after[0])
			}
		}
	}
}

// Several nodes starting together on an empty database create the first
// Admin once, and none of them fails to start for it.
func TestFirstAdminOnceAcrossNodes(t *testing.T) {
	t.Parallel()
	st := store.New(pgtest.Pool(t), store.LeftToSweep)
	cfg := config.Default()
	cfg.AdminEmail, cfg.AdminPassword = "ilk@ornek.com.tr", "ilk-admin-parolasi"
	const nodes = 4
	errs := make(chan error, nodes)
	for range nodes {
		go func() { errs <- server.EnsureAdmin(context.Background(), st, cfg, io.Discard) }()
	}
	for range nodes {
		if err := <-errs; err != nil {
			t.Errorf("a node starting: %v", err)
		}
	}
	if n, err := st.CountUsers(context.Background()); err != nil || n != 1 {
		t.Fatalf("%d users (%v), want the one Admin", n, err)
	}
}
