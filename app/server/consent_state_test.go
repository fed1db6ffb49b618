package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"iysgate/app/iys/iystest"
	"iysgate/app/store/storetest"
)

// checkAnswer is one result of POST /api/v1/check.
type checkAnswer struct {
	Normalized string
	Status     string
	IYSState   *struct{ Status string } `json:"iys_state"`
	Pending    *struct{ Status string }
	Refused    *struct{ Code, Message string }
}

func checkOne(t *testing.T, c *client, brand, typ, recipient string) checkAnswer {
	t.Helper()
	r := c.postJSON("/api/v1/check", map[string]any{"brand_code": brand, "type": typ, "recipients": []string{recipient}})
	var body struct{ Results []checkAnswer }
	if err := json.Unmarshal([]byte(r.body), &body); err != nil || r.status != 200 || len(body.Results) != 1 {
		t.Fatalf("check %s: %d %s", recipient, r.status, r.body)
	}
	return body.Results[0]
}

// A consent İYS refuses is shown as refused with its reason beside what
// İYS holds (nothing), is not counted as Onay, is answered by the check
// API with its İYS state, and lands on no İzinli sheet: a user walks it in
// the browser.
func TestBrowserRefusedConsent(t *testing.T) {
	e := newEnv(t)
	b := e.company("Ret A.Ş.", "Ret Market", "730001")
	e.ready(b.CompanyID)
	e.grant(b.CompanyID, 5000)
	p := e.user("p@ret.com.tr", "personel", b.ID)
	api := e.apiClient(p)
	// İYS will refuse this recipient's next movement: its date is not later
	// than the one İYS holds (H178, a decided 400).
	if err := e.app.Sim.Refuse(iystest.Refusal{IYSCode: "7730001", BrandCode: "730001", Recipient: "+905321112233",
		Type: "MESAJ", Code: "H178"}); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	do, text := steps(t, ctx)
	trt := time.FixedZone("TRT", 3*3600)
	do(
		chromedp.Navigate(e.base+"/login"),
		chromedp.WaitVisible("#login-submit"),
		chromedp.SendKeys("#email", p.Email),
		chromedp.SendKeys("#password", storetest.Password(p.Email)),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#current-user"),
		chromedp.Navigate(e.base+"/consents/new"),
		chromedp.WaitVisible("#consent-form"),
		chromedp.SetValue("#consent-brand", itoa(b.ID)),
		chromedp.SendKeys("#consent-recipient", "0532 111 22 33"),
		chromedp.SetValue("#consent-source", "HS_WEB"),
		chromedp.SetValue("#consent-date", time.Now().Add(-time.Hour).In(trt).Format("2006-01-02T15:04:05")),
		chromedp.Click("#save-consent"),
	)
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.WaitVisible("#history")); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("after saving: %v; the page: %s", err, body)
	}
	// Delivery: the simulator refuses it.
	deadline := time.Now().Add(60 * time.Second)
	for checkOne(t, api, "730001", "MESAJ", "05321112233").Refused == nil {
		if time.Now().After(deadline) {
			t.Fatal("İYS's refusal never came back")
		}
		time.Sleep(200 * time.Millisecond)
	}
	do(
		chromedp.Navigate(e.base+"/consents?q=1112233"),
		chromedp.WaitVisible("#consents-table"),
	)
	row := text("#consents-table tbody")
	if !strings.Contains(row, "İYS reddetti (H178)") || !strings.Contains(row, "İYS'de yok") {
		t.Fatalf("Onaylar row of a refused consent: %q", row)
	}
	if n := text("#total-consents"); n != "0" {
		t.Fatalf("a refused consent is counted as registered: %s", n)
	}
	do(chromedp.Navigate(e.base+"/"), chromedp.WaitVisible("#totals"))
	if n := text("#total-onay"); n != "0" {
		t.Fatalf("Gösterge counts a refused consent as Onay: %s", n)
	}
	a := checkOne(t, api, "730001", "MESAJ", "05321112233")
	if a.Status != "YOK" || a.IYSState != nil || a.Pending != nil || a.Refused.Code != "H178" || a.Refused.Message == "" {
		t.Fatalf("check of a refused consent: %+v", a)
	}
	// Tarama puts it on no İzinli sheet.
	sc := scrubList(t, api, "kampanya.csv", []byte("telefon\n05321112233\n"), map[string]string{"brand_code": "730001", "type": "MESAJ"})
	res := api.get(sc.ResultURL)
	book, _ := sheets(t, []byte(res.body))
	if len(book["İzinli"]) > 1 || !strings.Contains(strings.Join(column(book["Kayıtsız-Geçersiz"], 4), ","), "H178") {
		t.Fatalf("scrub of a refused consent: İzinli %v, Kayıtsız-Geçersiz %v", book["İzinli"], book["Kayıtsız-Geçersiz"])
	}
}

// A RET on its way counts as RET at once; an ONAY on its way is not yet
// İzinli and goes to Tarama's Bekleyen sheet.
func TestPendingChangesInAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.company("Bekle A.Ş.", "Bekle", "730002") // not ready for İYS: changes stay pending
	e.grant(b.CompanyID, 5000)
	api := e.apiClient(e.user("p@bekle.com.tr", "personel", b.ID))
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("2006-01-02 15:04:05")
	add := func(recipient, typ, status string) {
		t.Helper()
		r := api.postJSON("/api/v1/consents", map[string]any{"brand_code": "730002", "recipient": recipient, "recipient_type": "BIREYSEL",
			"type": typ, "status": status, "source": "HS_WEB", "consent_date": at})
		if r.status != 201 {
			t.Fatalf("add %s %s: %d %s", recipient, status, r.status, r.body)
		}
	}
	add("05321110001", "MESAJ", "ONAY")
	if a := checkOne(t, api, "730002", "MESAJ", "05321110001"); a.Status != "YOK" || a.Pending == nil || a.Pending.Status != "ONAY" {
		t.Fatalf("a pending ONAY: %+v", a)
	}
	// İYS holds an ONAY (pulled); the person then says no here.
	if _, err := e.st.Pool().Exec(t.Context(), `UPDATE consents SET status = 'ONAY', pending_event_id = NULL, pending_status = NULL
		WHERE recipient_id = (SELECT id FROM recipients WHERE recipient = '+905321110001')`); err != nil {
		t.Fatal(err)
	}
	at = time.Now().Add(-30 * time.Minute).In(time.FixedZone("TRT", 3*3600)).Format("2006-01-02 15:04:05")
	add("05321110001", "MESAJ", "RET")
	if a := checkOne(t, api, "730002", "MESAJ", "05321110001"); a.Status != "RET" || a.IYSState.Status != "ONAY" || a.Pending.Status != "RET" {
		t.Fatalf("a pending RET over İYS's ONAY: %+v", a)
	}
	add("05321110002", "MESAJ", "ONAY")
	sc := scrubList(t, api, "liste.csv", []byte("telefon\n05321110001\n05321110002\n"), map[string]string{"brand_code": "730002", "type": "MESAJ"})
	book, _ := sheets(t, []byte(api.get(sc.ResultURL).body))
	if len(book["Ret"]) != 2 || len(book["Bekleyen"]) != 2 || len(book["İzinli"]) != 1 {
		t.Fatalf("sheets: Ret %v, Bekleyen %v, İzinli %v", book["Ret"], book["Bekleyen"], book["İzinli"])
	}
}

// One address in any case is one recipient everywhere; Onaylar finds
// people however their names are typed (Turkish i's, case), by any part of
// an address and by a phone's last digits.
func TestEmailCaseAndSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Ara A.Ş.", "Ara", "730003")
	api := e.apiClient(e.user("p@ara.com.tr", "personel", b.ID))
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600))
	n := 0
	add := func(recipient, typ, first, last string) int {
		t.Helper()
		n++
		r := api.postJSON("/api/v1/consents", map[string]any{"brand_code": "730003", "recipient": recipient, "recipient_type": "BIREYSEL",
			"type": typ, "status": "ONAY", "source": "HS_WEB", "consent_date": at.Add(time.Duration(n) * time.Minute).Format("2006-01-02 15:04:05"),
			"first_name": first, "last_name": last})
		return r.status
	}
	if s := add("Ali.Veli@GMAIL.COM", "EPOSTA", "Ali", "Veli"); s != 201 {
		t.Fatalf("first spelling: %d", s)
	}
	// The same address again is the same recipient: the same status is no change.
	for _, spelling := range []string{"ali.veli@gmail.com", " ALI.VELI@gmail.com "} {
		if s := add(spelling, "EPOSTA", "", ""); s != 200 {
			t.Errorf("%q again: %d, want 200 NO_CHANGE", spelling, s)
		}
		if a := checkOne(t, api, "730003", "EPOSTA", spelling); a.Normalized != "ali.veli@gmail.com" {
			t.Errorf("check %q normalised to %q", spelling, a.Normalized)
		}
	}
	if c := count(t, e, "SELECT count(*) FROM recipients WHERE kind = 'email'"); c != 1 {
		t.Fatalf("%d e-mail recipients, want 1", c)
	}
	add("05321234567", "MESAJ", "Hüseyin", "Kılıç")
	add("05331234568", "MESAJ", "İpek", "Ünal")
	add("05341234569", "MESAJ", "Selin", "Öz2")
	for q, want := range map[string]string{
		"KILIÇ": "Kılıç", "kılıç": "Kılıç", "kilic": "", "ipek": "İpek", "İPEK": "İpek", "IPEK": "İpek", "ıpek": "İpek",
		"gmail": "ali.veli@gmail.com", "VELI@GMAIL": "ali.veli@gmail.com", "4567": "Kılıç", "0532 123 45 67": "Kılıç", "+90 (533) 123 4568": "İpek", "Öz2": "Öz2",
	} {
		tab := "phone"
		if strings.Contains(want, "@") {
			tab = "email"
		}
		r := api.get("/api/v1/consents?tab=" + tab + "&q=" + url.QueryEscape(q))
		found := strings.Contains(r.body, want)
		if want == "" {
			found = !strings.Contains(r.body, `"recipient"`)
		}
		if r.status != 200 || !found {
			t.Errorf("search %q: %d %.300s (want %q)", q, r.status, r.body, want)
		}
	}
}
