package server_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts Debian's chromium (headless, no network chatter) and
// returns a chromedp context. Outside CI the test skips when there is no
// chromium; in CI (CI=true) a missing browser fails.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("IYSGATE_CHROMIUM")
	if path == "" {
		for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if found, err := exec.LookPath(p); err == nil {
				path = found
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium not found (apt-get install chromium)")
		}
		t.Skip("tarayıcı testi atlandı: chromium bulunamadı (Debian: apt-get install chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// An admin signs in, creates a Personel user through the Kullanıcılar form,
// signs out; the new user signs in and is refused the Kullanıcılar page.
func TestBrowserAdminCreatesPersonel(t *testing.T) {
	e := newEnv(t)
	b := e.brand("Örnek Gıda A.Ş.", "Örnek Market", "700001")
	ctx := browser(t)

	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}

	do(chromedp.Navigate(e.base+"/"), chromedp.WaitVisible("#login-submit"))
	if banner := text("#sim-banner"); !strings.Contains(banner, "SİMÜLASYON MODU") {
		t.Errorf("simulation banner: %q", banner)
	}
	do(
		chromedp.SendKeys("#email", adminEmail),
		chromedp.SendKeys("#password", adminPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#current-user"),
		chromedp.Navigate(e.base+"/users"),
		chromedp.WaitVisible("#new-user"),
		chromedp.Click("#new-user"),
		chromedp.WaitVisible("#user-form"),
		// First a mistake: the inline error appears in place (htmx).
		chromedp.SendKeys("#name", "Ayşe Yılmaz"),
		chromedp.SendKeys("#user-email", "ayse@ornek.com.tr"),
		chromedp.SendKeys("#user-password", "cok-gizli-parola"),
		chromedp.SendKeys("#user-password-confirm", "baska-parola-123"),
		chromedp.SetValue("#brands", itoa(b.ID)),
		chromedp.SetValue("#role", "personel"),
		chromedp.Click("#save-user"),
		chromedp.WaitVisible(".field-error"),
	)
	if msg := text(".field-error"); msg != "Parolalar eşleşmiyor." {
		t.Fatalf("inline error: %q", msg)
	}
	do(
		chromedp.SetValue("#user-password", "cok-gizli-parola"),
		chromedp.SetValue("#user-password-confirm", "cok-gizli-parola"),
		chromedp.Click("#save-user"),
		chromedp.WaitVisible(`tr[data-email="ayse@ornek.com.tr"]`),
	)
	if list := text("#users"); !strings.Contains(list, "Ayşe Yılmaz") || !strings.Contains(list, "Personel") || !strings.Contains(list, "Örnek Market") {
		t.Fatalf("users list: %q", list)
	}
	do(
		chromedp.Click("#logout"),
		chromedp.WaitVisible("#login-submit"),
		chromedp.SendKeys("#email", "ayse@ornek.com.tr"),
		chromedp.SendKeys("#password", "cok-gizli-parola"),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#current-user"),
	)
	if nav := text("header.top nav"); strings.Contains(nav, "Kullanıcılar") {
		t.Errorf("Personel's menu offers Kullanıcılar: %q", nav)
	}
	do(chromedp.Navigate(e.base+"/users"), chromedp.WaitVisible("#error-page"))
	if heading := text("#error-page h1"); heading != "Erişim engellendi" {
		t.Errorf("Personel on /users sees %q, want the refusal", heading)
	}
}
