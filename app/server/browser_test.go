package server_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"iysgate/app/importer"
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

// steps returns helpers that run browser actions and read an element's
// text, failing the test on error.
func steps(t *testing.T, ctx context.Context) (func(...chromedp.Action[chromedp.Void]), func(string) string) {
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
	return do, text
}

// An admin signs in, creates a Personel user through the Kullanıcılar form,
// signs out; the new user signs in and is refused the Kullanıcılar page.
func TestBrowserAdminCreatesPersonel(t *testing.T) {
	e := newEnv(t)
	b := e.brand("Örnek Gıda A.Ş.", "Örnek Market", "700001")
	b2 := e.brand("Örnek Gıda A.Ş.", "Örnek Kafe", "700002")
	ctx := browser(t)

	do, text := steps(t, ctx)

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
		// A role per brand: Personel in one, Müşteri in the other.
		chromedp.SetValue("#role-"+itoa(b.ID), "personel"),
		chromedp.SetValue("#role-"+itoa(b2.ID), "musteri"),
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
	if list := text(`tr[data-email="ayse@ornek.com.tr"]`); !strings.Contains(list, "Ayşe Yılmaz") || !strings.Contains(list, "Örnek Market: Personel") ||
		!strings.Contains(list, "Örnek Kafe: Müşteri") {
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

// An admin creates a company and a brand, adds a consent through İzin Ekle,
// sees it on Onaylar and in İzin Geçmişi, changes it to RET, and the
// dashboard counts follow.
func TestBrowserConsentLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := browser(t)
	do, text := steps(t, ctx)
	trt := time.FixedZone("TRT", 3*3600)
	onayAt := time.Now().Add(-time.Hour).In(trt).Format("2006-01-02T15:04:05")
	retAt := time.Now().Add(-30 * time.Minute).In(trt).Format("2006-01-02T15:04:05")

	do(
		chromedp.Navigate(e.base+"/login"),
		chromedp.WaitVisible("#login-submit"),
		chromedp.SendKeys("#email", adminEmail),
		chromedp.SendKeys("#password", adminPassword),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#current-user"),
		chromedp.Navigate(e.base+"/companies"),
		chromedp.WaitVisible("#company-form"),
		chromedp.SendKeys("#company-title", "Örnek Gıda A.Ş."),
		chromedp.SendKeys("#company-iys-code", "654321"),
		chromedp.Click("#create-company"),
		chromedp.WaitVisible("#brand-form"),
		chromedp.SendKeys("#brand-name", "Örnek Market"),
		chromedp.SendKeys("#brand-code", "111222"),
		chromedp.Click("#create-brand"),
		chromedp.WaitVisible(`#company-brands input[value="111222"]`), // the new brand, after the reload
	)
	if brands := text("#company-brands"); !strings.Contains(brands, "Örnek Market") || !strings.Contains(brands, "111222") {
		t.Fatalf("brands on İYS Ayarları: %q", brands)
	}
	if missing := text("#iys-missing"); !strings.Contains(missing, "İş Ortağı Ataması") {
		t.Fatalf("missing step: %q", missing)
	}
	// The company gets its package and the assignment (their own tests
	// walk those pages), so that its consents reach İYS.
	var companyID int64
	must(t, e.st.Pool().QueryRow(context.Background(), `SELECT company_id FROM brands WHERE brand_code = '111222'`).Scan(&companyID))
	e.grant(companyID, 1000000)
	e.ready(companyID)
	do(
		chromedp.Navigate(e.base+"/consents/new"),
		chromedp.WaitVisible("#consent-form"),
		chromedp.SetValue("#consent-brand", "1"),
		chromedp.SendKeys("#consent-recipient", "0541 234 56 78"),
		chromedp.SendKeys("#consent-first-name", "Ayşe"),
		chromedp.SendKeys("#consent-last-name", "Yılmaz"),
		chromedp.SetValue("#consent-source", "HS_FIZIKSEL_ORTAM"),
		chromedp.Click("#type-ARAMA"), // MESAJ is ticked already: both channels
		chromedp.SetValue("#consent-status", "ONAY"),
		chromedp.SetValue("#consent-date", onayAt),
		chromedp.Click("#save-consent"),
		chromedp.WaitVisible("#history"),
	)
	if h := text("#history"); strings.Count(h, "Onay") < 2 || !strings.Contains(h, "Fiziksel Ortam") ||
		!strings.Contains(h, "sırada") && !strings.Contains(h, "gönderildi") && !strings.Contains(h, "İYS'de kayıtlı") {
		t.Fatalf("İzin Geçmişi after ONAY: %q", h)
	}
	if who := text("#history-recipient"); who != "+905412345678" {
		t.Fatalf("recipient normalised to %q", who)
	}
	// Onaylar and Gösterge count what İYS holds: once it accepted both.
	e.waitFinal("the two ONAY")
	do(chromedp.Navigate(e.base+"/consents"), chromedp.WaitVisible("#consents-table"))
	if list := text("#consents-table"); !strings.Contains(list, "Ayşe Yılmaz") || !strings.Contains(list, "+905412345678") {
		t.Fatalf("Onaylar: %q", list)
	}
	if n := text("#total-consents"); n != "2" {
		t.Fatalf("Toplam İzin %q, want 2", n)
	}
	do(chromedp.Navigate(e.base+"/"), chromedp.WaitVisible("#totals"))
	if onay, ret := text("#total-onay"), text("#total-ret"); onay != "2" || ret != "0" {
		t.Fatalf("dashboard before RET: onay %s ret %s", onay, ret)
	}
	// Düzenle: MESAJ to RET.
	do(
		chromedp.Navigate(e.base+"/consents"),
		chromedp.WaitVisible("#consents-table"),
		chromedp.Click(`#consents-table a[href^="/consents/new?recipient_id="]`),
		chromedp.WaitVisible("#consent-form"),
		chromedp.Click("#type-ARAMA"), // untick: only MESAJ changes
		chromedp.SetValue("#consent-status", "RET"),
		chromedp.SetValue("#consent-date", retAt),
		chromedp.Click("#save-consent"),
		chromedp.WaitVisible("#history"),
	)
	if h := text("#history"); !strings.Contains(h, "Ret") {
		t.Fatalf("İzin Geçmişi after RET: %q", h)
	}
	e.waitFinal("the RET")
	do(chromedp.Navigate(e.base+"/"), chromedp.WaitVisible("#totals"))
	if onay, ret, mesaj := text("#total-onay"), text("#total-ret"), text("#total-mesaj"); onay != "1" || ret != "1" || mesaj != "1" {
		t.Fatalf("dashboard after RET: onay %s ret %s mesaj %s", onay, ret, mesaj)
	}
}

// A Personel uploads the Bireysel template, watches the import reach the
// preview, sees the summary and the auto-correction notice, and approves
// with "Tümünü Gönder".
func TestBrowserImport(t *testing.T) {
	e := newEnv(t)
	b := e.brand("Örnek Gıda A.Ş.", "Örnek Market", "650123")
	u := e.user("personel@ornek.com.tr", "personel", b.ID)
	// The template as the user downloads it: its examples carry the user's
	// brand code, so that they are accepted as they are.
	c := e.client()
	c.login(u.Email, u.Email+"-parola")
	tpl := c.get("/imports/template/bireysel")
	if tpl.status != 200 {
		t.Fatalf("template: %d", tpl.status)
	}
	path := filepath.Join(t.TempDir(), "bireysel-ornek.xlsx")
	if err := os.WriteFile(path, []byte(tpl.body), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	do, text := steps(t, ctx)
	do(
		chromedp.Navigate(e.base+"/login"),
		chromedp.WaitVisible("#login-submit"),
		chromedp.SendKeys("#email", u.Email),
		chromedp.SendKeys("#password", u.Email+"-parola"),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#current-user"),
		chromedp.Navigate(e.base+"/imports"),
		chromedp.WaitVisible("#upload-form"),
		chromedp.SetUploadFiles("#upload-file", []string{path}),
		chromedp.Click("#upload-submit"),
		chromedp.WaitVisible("#import-status"),
		chromedp.WaitVisible("#import-summary"), // the page polls, then reloads for the preview
	)
	if s := text("#import-summary"); !strings.Contains(s, "Mesaj") || !strings.Contains(s, "E-Posta") {
		t.Fatalf("summary: %q", s)
	}
	if n := text(`#import-summary tr[data-channel="ARAMA"] td:nth-child(4)`); n != "2" {
		t.Errorf("ARAMA Yeni İleti %q, want 2", n)
	}
	// The examples' numbers are written the ordinary way: nothing to correct.
	if none, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#autocorrected") === null`)); err != nil || !none {
		t.Errorf("a correction notice on the template's examples (%v)", err)
	}
	if rows := text("#import-rows"); !strings.Contains(rows, "+905321234567") || !strings.Contains(rows, "ilk kayıt RET olamaz") {
		t.Errorf("preview rows: %q", rows)
	}
	do(
		chromedp.Click("#confirm-check"),
		chromedp.Click("#send-all"),
		chromedp.WaitVisible(".alert.success"),
	)
	// The page follows the approval job until the import is approved (or,
	// İYS being quick, already on its way or through).
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`["Onaylandı", "Gönderiliyor", "Tamamlandı"].includes(document.querySelector("#import-stage").textContent)`,
		chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("stage after approval: %q (%v)", text("#import-stage"), err)
	}
	// Row 1: ARAMA, MESAJ, EPOSTA; row 2: ARAMA (its MESAJ RET is a first record, refused).
	if n := count(t, e, "SELECT count(*) FROM consents"); n != 4 {
		t.Errorf("consents after approval: %d, want 4", n)
	}
}

// Listeyi Sil asks first: dismissed, the list stays; accepted, it is gone.
func TestBrowserDiscardAsksFirst(t *testing.T) {
	e := newEnv(t)
	b := e.brand("Örnek Gıda A.Ş.", "Örnek Market", "650124")
	u := e.user("personel@ornek.com.tr", "personel", b.ID)
	api := e.apiClient(u)
	id := upload(t, api, "kampanya.xlsx", workbook(t, [][]any{
		{"650124", "BIREYSEL", "Ayşe", "Yılmaz", "05321234567", "", "ONAY", "ONAY", "", "HS_WEB", ""},
	}))
	if v := waitImport(t, api, id); v.Status != "preview" {
		t.Fatalf("import: %s", v.Status)
	}
	ctx := browser(t)
	do, text := steps(t, ctx)
	do(chromedp.Navigate(e.base+"/login"), chromedp.WaitVisible("#login-submit"),
		chromedp.SendKeys("#email", u.Email), chromedp.SendKeys("#password", u.Email+"-parola"),
		chromedp.Click("#login-submit"), chromedp.WaitVisible("#current-user"),
		chromedp.Navigate(e.base+"/imports/"+itoa(id)), chromedp.WaitVisible("#discard"))
	// The browser runs now: answer its questions as told.
	answers, asked := make(chan bool, 2), make(chan string, 2)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			asked <- ev.Message
			accept := <-answers
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
		}
	}()
	question := func() string {
		t.Helper()
		select {
		case m := <-asked:
			return m
		case <-time.After(10 * time.Second):
			t.Fatal("Listeyi Sil asked nothing")
			return ""
		}
	}
	status := func() string {
		var s string
		e.st.Pool().QueryRow(context.Background(), "SELECT status FROM imports WHERE id = $1", id).Scan(&s)
		return s
	}
	answers <- false
	do(chromedp.Click("#discard"))
	if msg := question(); !strings.Contains(msg, "kampanya.xlsx silinsin mi?") {
		t.Errorf("question: %q", msg)
	}
	time.Sleep(300 * time.Millisecond)
	if st := status(); st != "preview" {
		t.Fatalf("after a dismissed question the list is %s", st)
	}
	answers <- true
	do(chromedp.Click("#discard"), chromedp.WaitVisible(".alert.success"))
	question()
	if msg := text(".alert.success"); !strings.Contains(msg, "kampanya.xlsx silindi") {
		t.Errorf("notice: %q", msg)
	}
	if st := status(); st != "discarded" {
		t.Errorf("after an accepted question the list is %s", st)
	}
}

// A Yönetici asks for a package, the Admin approves it and the balance
// rises; an import is sent and the balance falls by exactly the consents
// İYS (the simulator) accepted.
func TestBrowserQuota(t *testing.T) {
	e := newEnv(t)
	b := e.company("Örnek Gıda A.Ş.", "Örnek Market", "123456")
	e.ready(b.CompanyID)
	y := e.user("yonetici@ornek.com.tr", "yonetici", b.ID)
	var tpl bytes.Buffer
	if err := importer.WriteTemplate(&tpl, "bireysel", b.BrandCode); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bireysel-ornek.xlsx")
	if err := os.WriteFile(path, tpl.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	do, text := steps(t, ctx)
	login := func(email, password string) {
		do(chromedp.Navigate(e.base+"/login"), chromedp.WaitVisible("#login-submit"),
			chromedp.SendKeys("#email", email), chromedp.SendKeys("#password", password),
			chromedp.Click("#login-submit"), chromedp.WaitVisible("#current-user"))
	}
	login(y.Email, y.Email+"-parola")
	do(chromedp.Navigate(e.base+"/subscriptions"), chromedp.WaitVisible("#package-select"),
		chromedp.SetValue("#package-select", "5000"), chromedp.Click("#request-package"), chromedp.WaitVisible(".alert.success"))
	if s := text("#subscriptions"); !strings.Contains(s, "Onay Bekliyor") {
		t.Fatalf("the request is not pending: %q", s)
	}
	do(chromedp.Click("#logout"), chromedp.WaitVisible("#login-submit"))

	login(adminEmail, adminPassword)
	do(chromedp.Navigate(e.base+"/subscriptions"), chromedp.WaitVisible("#pending-queue"),
		chromedp.Click("#pending-queue button.approve"), chromedp.WaitVisible(".alert.success"),
		chromedp.Navigate(e.base+"/subscriptions?company_id="+itoa(b.CompanyID)), chromedp.WaitVisible("#quota-total"))
	if total := text("#quota-total"); total != "5.000" {
		t.Fatalf("balance after approval: %q", total)
	}
	do(chromedp.Click("#logout"), chromedp.WaitVisible("#login-submit"))

	login(y.Email, y.Email+"-parola")
	do(chromedp.Navigate(e.base+"/imports"), chromedp.WaitVisible("#upload-form"),
		chromedp.SetUploadFiles("#upload-file", []string{path}), chromedp.Click("#upload-submit"),
		chromedp.WaitVisible("#import-summary"),
		chromedp.Click("#confirm-check"), chromedp.Click("#send-all"), chromedp.WaitVisible(".alert.success"))
	// The page follows delivery until nothing is pending.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#delivery-pending") !== null && document.querySelector("#delivery-pending").textContent === "0"`,
		chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("delivery did not finish on the import page: %v", err)
	}
	accepted := text("#delivery-accepted")
	do(chromedp.Navigate(e.base+"/subscriptions"), chromedp.WaitVisible("#quota-spent"))
	if spent := text("#quota-spent"); spent != accepted || accepted == "0" {
		t.Fatalf("spent %q, İYS accepted %q", spent, accepted)
	}
	if remaining := text("#quota-remaining"); atoi(t, remaining) != 5000-atoi(t, accepted) {
		t.Fatalf("remaining %q after %s accepted", remaining, accepted)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.ReplaceAll(s, ".", ""))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
