package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The preview as an agency employee reads it: one row per file row with
// the three permission columns, an invalid phone and address as the file
// wrote them, a row without a recipient counted and listed, pages both
// ways with the total (keeping the filter), what the send costs against
// the quota; under four eyes the Personel sees why the send buttons are
// inactive, and the Yönetici finds the list among "Onayınızı bekleyen
// listeler" and may send it.
func TestBrowserPreview(t *testing.T) {
	e := newEnv(t)
	b := e.brand("Önizleme A.Ş.", "Önizleme", "660001")
	if _, err := e.st.Pool().Exec(context.Background(), "UPDATE brands SET four_eyes = true WHERE id = $1", b.ID); err != nil {
		t.Fatal(err)
	}
	p := e.user("personel@onizleme.com.tr", "personel", b.ID)
	y := e.user("yonetici@onizleme.com.tr", "yonetici", b.ID)
	at := time.Now().Add(-time.Hour).Format("02.01.2006 15:04:05")
	rows := [][]any{
		{"660001", "BIREYSEL", "Ayşe", "Yılmaz", "0532 100 00 01", "ayse@ornek.com.tr", "ONAY", "ONAY", "ONAY", "HS_WEB", at},
		{"660001", "TACIR", "Ali", "Kaya", "12345", "ali@", "ONAY", "ONAY", "ONAY", "HS_WEB", at},
		{"660001", "BIREYSEL", "Boş", "Alıcı", "", "", "ONAY", "ONAY", "ONAY", "HS_WEB", at},
	}
	for i := 4; i <= 60; i++ {
		rows = append(rows, []any{"660001", "BIREYSEL", "Kişi", fmt.Sprint(i), fmt.Sprintf("0532 100 %04d", i), "", "ONAY", "RET", "", "HS_WEB", at})
	}
	api := e.apiClient(p)
	id := upload(t, api, "onizleme.xlsx", workbook(t, rows))
	v := waitImport(t, api, id)
	var all int
	for _, cs := range v.Summary {
		all += cs.New + cs.Changed
	}

	ctx := browser(t)
	do, text := steps(t, ctx)
	login := func(email string) {
		do(chromedp.Navigate(e.base+"/login"), chromedp.WaitVisible("#login-submit"),
			chromedp.SendKeys("#email", email), chromedp.SendKeys("#password", email+"-parola"),
			chromedp.Click("#login-submit"), chromedp.WaitVisible("#current-user"))
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	login(p.Email)
	page := e.base + "/imports/" + itoa(id)
	do(chromedp.Navigate(page), chromedp.WaitVisible("#import-rows"))

	// One row per recipient, three permission columns.
	if n := eval(`String(document.querySelectorAll("#import-rows tbody tr[data-row]").length)`); n != "50" {
		t.Errorf("rows on the first page: %s", n)
	}
	if n := eval(`String(document.querySelectorAll('#import-rows tr[data-row="2"] td.consent').length)`); n != "3" {
		t.Errorf("permission cells of row 2: %s", n)
	}
	if c := text(`#import-rows tr[data-row="2"] td.consent[data-type="MESAJ"]`); !strings.Contains(c, "Onay") || !strings.Contains(c, "Yeni") {
		t.Errorf("row 2 Mesaj İzni: %q", c)
	}
	if c := text(`#import-rows tr[data-row="5"] td.consent[data-type="MESAJ"]`); !strings.Contains(c, "Ret") || !strings.Contains(c, "Gönderilmeyecek") {
		t.Errorf("row 5 Mesaj İzni (a first record RET): %q", c)
	}
	if c := text(`#import-rows tr[data-row="5"] td.consent[data-type="EPOSTA"]`); c != "—" {
		t.Errorf("row 5 E-Posta İzni (none): %q", c)
	}
	// The invalid values as written, the recipient type shown.
	if c := text(`#import-rows tr[data-row="3"] td.phone .as-written`); c != "12345" {
		t.Errorf("invalid phone shown as %q", c)
	}
	if c := text(`#import-rows tr[data-row="3"] td.email .as-written`); c != "ali@" {
		t.Errorf("invalid address shown as %q", c)
	}
	if c := text(`#import-rows tr[data-row="3"] td.recipient-type`); c != "Tacir" {
		t.Errorf("recipient type: %q", c)
	}
	// The row without a recipient: counted, listed with its reason.
	if c := text("#rows-without-consent-count"); c != "1" {
		t.Errorf("rows without consent: %q", c)
	}
	if c := text(`#import-rows tr[data-row="4"].no-consent`); !strings.Contains(c, "Alıcı boş") {
		t.Errorf("the row without a recipient: %q", c)
	}
	// Pages both ways, with the total.
	if r := text("#rows-range"); r != "1–50 / 60 satır" {
		t.Errorf("first page: %q", r)
	}
	do(chromedp.Click("#rows-next"), chromedp.WaitVisible(`#import-rows tr[data-row="61"]`))
	if r := text("#rows-range"); r != "51–60 / 60 satır" {
		t.Errorf("second page: %q", r)
	}
	do(chromedp.Click("#rows-prev"), chromedp.WaitVisible(`#import-rows tr[data-row="2"]`))
	if r := text("#rows-range"); r != "1–50 / 60 satır" {
		t.Errorf("back on the first page: %q", r)
	}
	// A filter is kept across pages.
	do(chromedp.Navigate(page+"?filter=errors"), chromedp.WaitVisible("#rows-range"))
	if r := text("#rows-range"); !strings.HasSuffix(r, "satır") || strings.HasSuffix(r, "/ 60 satır") {
		t.Errorf("errors filter: %q", r)
	}

	// The cost against the quota, and the four-eyes rule.
	if c := text("#send-cost"); !strings.Contains(c, fmt.Sprintf("Bu gönderim %d izin harcar", all)) || !strings.Contains(c, "kalan kota 1.000.000") {
		t.Errorf("cost: %q (want %d units)", c, all)
	}
	if c := text("#four-eyes-notice"); c != "Bu markada listeleri Yönetici onaylar; listeniz Yöneticinin onayını bekliyor." {
		t.Errorf("four-eyes notice: %q", c)
	}
	if d := eval(`String(document.querySelector("#send-all").disabled && document.querySelector("#send-new").disabled)`); d != "true" {
		t.Error("the Personel's send buttons are active under four eyes")
	}
	do(chromedp.Click("#logout"), chromedp.WaitVisible("#login-submit"))

	// The Yönetici's list of imports waiting for them.
	login(y.Email)
	do(chromedp.Navigate(e.base+"/imports"), chromedp.WaitVisible("#pending-approvals"))
	if c := text(`#pending-approvals tr[data-import="` + itoa(id) + `"]`); !strings.Contains(c, "onizleme.xlsx") || !strings.Contains(c, p.Email) {
		t.Errorf("waiting list: %q", c)
	}
	do(chromedp.Click(`#pending-approvals tr[data-import="`+itoa(id)+`"] a`), chromedp.WaitVisible("#approve-form"))
	if d := eval(`String(document.querySelector("#send-all").disabled || document.querySelector("#four-eyes-notice") !== null)`); d != "false" {
		t.Error("the Yönetici cannot send")
	}
	do(chromedp.Click("#confirm-check"), chromedp.Click("#send-all"), chromedp.WaitVisible(".alert.success"))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`["Onaylandı", "Gönderiliyor", "Tamamlandı"].includes(document.querySelector("#import-stage").textContent)`,
		chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("stage after approval: %q (%v)", text("#import-stage"), err)
	}
	// Sent, the list keeps its rows, with İYS's state per consent.
	do(chromedp.Navigate(page), chromedp.WaitVisible(`#import-rows tr[data-row="2"] td.consent[data-type="ARAMA"] .iys-state`))
	if c := text(`#import-rows tr[data-row="2"] td.consent[data-type="ARAMA"] .iys-state`); c == "" {
		t.Error("no İYS state on the sent import's row")
	}
	do(chromedp.Navigate(e.base+"/imports"), chromedp.WaitVisible("#imports"))
	if n := eval(`String(document.querySelector("#pending-approvals") === null)`); n != "true" {
		t.Error("the sent list still waits for approval")
	}
}

// How soon the preview of a 2,500-row file appears after the upload, as
// the browser sees it (logged, not asserted).
func TestBrowserPreviewTiming(t *testing.T) {
	e := newEnv(t)
	b := e.brand("Hız A.Ş.", "Hız", "660002")
	u := e.user("personel@hiz.com.tr", "personel", b.ID)
	at := time.Now().Add(-time.Hour).Format("02.01.2006 15:04:05")
	var rows [][]any
	for i := range 2500 {
		rows = append(rows, []any{"660002", "BIREYSEL", "Ayşe", "Yılmaz", fmt.Sprintf("0532 %03d %04d", i/10000, i%10000), "", "ONAY", "ONAY", "", "HS_WEB", at})
	}
	path := filepath.Join(t.TempDir(), "hiz.xlsx")
	if err := os.WriteFile(path, workbook(t, rows), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	do, _ := steps(t, ctx)
	do(chromedp.Navigate(e.base+"/login"), chromedp.WaitVisible("#login-submit"),
		chromedp.SendKeys("#email", u.Email), chromedp.SendKeys("#password", u.Email+"-parola"),
		chromedp.Click("#login-submit"), chromedp.WaitVisible("#current-user"))
	for run := range 3 {
		do(chromedp.Navigate(e.base+"/imports"), chromedp.WaitVisible("#upload-form"), chromedp.SetUploadFiles("#upload-file", []string{path}))
		start := time.Now()
		do(chromedp.Click("#upload-submit"), chromedp.WaitVisible("#import-summary"))
		el := time.Since(start)
		// The server's part: from the upload to the preview.
		var server time.Duration
		e.st.Pool().QueryRow(context.Background(), `SELECT (EXTRACT(EPOCH FROM updated_at - created_at) * 1e9)::bigint FROM imports ORDER BY id DESC LIMIT 1`).Scan(&server)
		t.Logf("run %d: the preview of 2,500 rows appeared %s after pressing Yükle (server work %s)", run+1, el.Round(time.Millisecond), server.Round(time.Millisecond))
	}
}
