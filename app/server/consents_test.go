package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

func now() string {
	return time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("2006-01-02 15:04:05")
}

type apiErr struct {
	Error struct {
		Code    string
		Message string
		Fields  []struct{ Field, Code, Message string }
	}
}

func decodeErr(t *testing.T, r response) apiErr {
	t.Helper()
	var e apiErr
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		t.Fatalf("not a JSON error: %d %s", r.status, r.body)
	}
	return e
}

// The consent API applies İYS's rules: normalisation, the first-record
// rule, no-change, date order, and brand ownership; Müşteri only reads.
func TestConsentAPIRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek Gıda", "Örnek Market", "800001")
	other := e.brand("Başka Firma", "Başka Marka", "800002")
	personel := e.user("personel@ornek.com.tr", "personel", b.ID)
	musteri := e.user("musteri@ornek.com.tr", "musteri", b.ID)
	api := e.apiClient(personel)
	consent := func(status, date string) map[string]string {
		return map[string]string{"brand_code": "800001", "recipient": "0532 123 45 67", "recipient_type": "BIREYSEL",
			"type": "MESAJ", "status": status, "source": "HS_WEB", "consent_date": date, "first_name": "Ayşe", "last_name": "Yılmaz"}
	}
	t0 := time.Now().Add(-2 * time.Hour).In(time.FixedZone("TRT", 3*3600))
	d := func(off time.Duration) string { return t0.Add(off).Format("2006-01-02 15:04:05") }

	// A first RET is refused with its code; nothing is stored.
	r := api.postJSON("/api/v1/consents", consent("RET", d(0)))
	if r.status != 422 || decodeErr(t, r).Error.Code != "FIRST_RECORD_RET" {
		t.Fatalf("first RET: %d %s", r.status, r.body)
	}
	// ONAY is stored, normalised (the ordinary way of writing a number is
	// no correction to warn about), and waits for İYS.
	r = api.postJSON("/api/v1/consents", consent("ONAY", d(0)))
	if r.status != 201 {
		t.Fatalf("ONAY: %d %s", r.status, r.body)
	}
	var created struct {
		Consent  store.RecipientRow
		Warnings []struct{ Code string }
	}
	json.Unmarshal([]byte(r.body), &created)
	// İYS holds nothing yet: the ONAY is a pending change, not the state.
	if m := created.Consent.Mesaj; created.Consent.Recipient != "+905321234567" || m == nil || m.Status != "" ||
		m.Pending == nil || m.Pending.Status != "ONAY" || m.Pending.State != store.SyncPending || len(created.Warnings) != 0 {
		t.Fatalf("stored consent: %s", r.body)
	}
	// ONAY again: no change, nothing written.
	r = api.postJSON("/api/v1/consents", consent("ONAY", d(time.Minute)))
	if r.status != 200 || !strings.Contains(r.body, "NO_CHANGE") {
		t.Fatalf("ONAY after ONAY: %d %s", r.status, r.body)
	}
	// RET with an older date than the stored one: refused.
	r = api.postJSON("/api/v1/consents", consent("RET", d(-time.Minute)))
	if r.status != 422 || decodeErr(t, r).Error.Code != "DATE_NOT_LATER" {
		t.Fatalf("older RET: %d %s", r.status, r.body)
	}
	// A later RET is stored.
	if r = api.postJSON("/api/v1/consents", consent("RET", d(time.Minute))); r.status != 201 {
		t.Fatalf("RET: %d %s", r.status, r.body)
	}
	// Stateless rules come back with codes and fields.
	bad := consent("ONAY", "2014-01-01 10:00:00")
	bad["recipient"], bad["source"] = "12345", "IYS_WEB"
	r = api.postJSON("/api/v1/consents", bad)
	codes := map[string]string{}
	for _, f := range decodeErr(t, r).Error.Fields {
		codes[f.Code] = f.Field
	}
	if r.status != 422 || codes["PHONE_INVALID"] != "recipient" || codes["SOURCE_IYS_FORBIDDEN"] != "source" || codes["DATE_BEFORE_2015"] != "consent_date" {
		t.Fatalf("stateless errors: %d %v", r.status, codes)
	}
	// Another company's brand: refused with İYS's wording, 403 as on
	// every route.
	foreign := consent("ONAY", d(0))
	foreign["brand_code"] = "800002"
	r = api.postJSON("/api/v1/consents", foreign)
	if er := decodeErr(t, r); r.status != 403 || er.Error.Code != "BRAND_FORBIDDEN" ||
		er.Error.Message != "Size ait İYS numarası dışında bir numara ile izin gönderemezsiniz" {
		t.Fatalf("foreign brand: %d %s", r.status, r.body)
	}
	// Müşteri reads but cannot write.
	m := e.apiClient(musteri)
	if r := m.postJSON("/api/v1/consents", consent("ONAY", d(2*time.Minute))); r.status != 403 {
		t.Fatalf("Müşteri writing: %d", r.status)
	}
	if r := m.get("/api/v1/consents?tab=phone"); r.status != 200 || !strings.Contains(r.body, "+905321234567") {
		t.Fatalf("Müşteri reading: %d %s", r.status, r.body)
	}
	if r := m.get("/api/v1/consents?brand_code=800002"); r.status != 403 {
		t.Fatalf("Müşteri reading another brand: %d", r.status)
	}
	if r := m.get("/api/v1/consents/history?brand_code=800002&recipient=%2B905321234567"); r.status != 403 {
		t.Fatalf("history of another brand: %d", r.status)
	}
	// History: both changes, newest first, with origin and actor.
	r = m.get("/api/v1/consents/history?brand_code=800001&recipient=05321234567")
	var h struct{ Events []store.Event }
	json.Unmarshal([]byte(r.body), &h)
	if len(h.Events) != 2 || h.Events[0].Status != "RET" || h.Events[1].Status != "ONAY" ||
		h.Events[0].Origin != "manual" || h.Events[0].Actor != personel.Email || !slices.Contains([]store.SyncState{store.SyncPending, store.SyncSent, store.SyncRegistered}, h.Events[0].IYSState) {
		t.Fatalf("history: %s", r.body)
	}
	// Counters follow what İYS holds: one MESAJ consent, RET once İYS
	// has it.
	e.waitFinal("the RET")
	r = m.get("/api/v1/dashboard")
	var dash struct {
		Totals struct{ Mesaj, Onay, Ret int64 }
	}
	json.Unmarshal([]byte(r.body), &dash)
	if dash.Totals.Mesaj != 1 || dash.Totals.Ret != 1 || dash.Totals.Onay != 0 {
		t.Fatalf("dashboard: %s", r.body)
	}
	_ = other
}

// Onaylar: a number written five ways finds the same recipient; filters and
// keyset pages; another brand's consents stay invisible.
func TestOnaylarListAndExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Firma", "Marka A", "810001")
	other := e.brand("Firma 2", "Marka B", "810002")
	ctx := context.Background()
	admin, _ := e.st.UserByEmail(ctx, adminEmail)
	api := e.apiClient(admin)
	for i, rec := range []string{"05321110001", "05321110002", "05321110003", "=HYPERLINK(\"x\")@ornek.com", "ali@ornek.com.tr"} {
		typ, status := "MESAJ", "ONAY"
		if strings.Contains(rec, "@") {
			typ = "EPOSTA"
		}
		r := api.postJSON("/api/v1/consents", map[string]string{"brand_code": "810001", "recipient": rec, "recipient_type": "BIREYSEL",
			"type": typ, "status": status, "source": "HS_FIZIKSEL_ORTAM", "consent_date": now(), "first_name": "Kişi", "last_name": string(rune('A' + i))})
		if strings.HasPrefix(rec, "=") {
			if r.status != 422 {
				t.Fatalf("formula-looking e-mail accepted: %d", r.status)
			}
			continue
		}
		if r.status != 201 {
			t.Fatalf("%s: %d %s", rec, r.status, r.body)
		}
	}
	api.postJSON("/api/v1/consents", map[string]string{"brand_code": "810002", "recipient": "05329990000", "recipient_type": "BIREYSEL",
		"type": "ARAMA", "status": "ONAY", "source": "HS_WEB", "consent_date": now()})
	// Toplam counts what İYS holds: the consents are delivered first.
	e.waitFinal("the consents")

	personel := e.user("p@ornek.com.tr", "personel", b.ID)
	c := e.client()
	c.login(personel.Email, personel.Email+"-parola")
	for _, q := range []string{"0532 111 00 02", "+90 532 111 0002", "905321110002", "5321110002", "(0532) 111-00-02"} {
		r := c.get("/consents?q=" + url.QueryEscape(q))
		r.body = html.UnescapeString(r.body)
		if !strings.Contains(r.body, `data-recipient="+905321110002"`) || strings.Contains(r.body, `data-recipient="+905321110001"`) {
			t.Errorf("search %q did not find exactly +905321110002", q)
		}
	}
	page := c.get("/consents")
	page.body = html.UnescapeString(page.body)
	if strings.Contains(page.body, "+905329990000") {
		t.Error("another brand's consent is listed")
	}
	if !strings.Contains(page.body, `id="total-consents">3<`) {
		t.Errorf("Toplam İzin is not 3")
	}
	// Keyset pages of one through the API.
	pc := e.apiClient(personel)
	seen := map[string]bool{}
	cursor := ""
	for range 5 {
		r := pc.get("/api/v1/consents?limit=1&after=" + cursor)
		var p struct {
			Consents   []store.RecipientRow
			NextCursor string `json:"next_cursor"`
		}
		json.Unmarshal([]byte(r.body), &p)
		for _, row := range p.Consents {
			seen[row.Recipient] = true
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(seen) != 3 {
		t.Fatalf("pages gave %d recipients, want 3: %v", len(seen), seen)
	}
	// Filters: RET on MESAJ finds nothing yet; e-mail tab finds the address.
	if r := c.get("/consents?type=MESAJ&status=RET"); strings.Contains(r.body, "data-recipient=") {
		t.Error("RET filter matched ONAY consents")
	}
	if r := c.get("/consents?tab=email"); !strings.Contains(r.body, `data-recipient="ali@ornek.com.tr"`) {
		t.Error("e-mail tab misses the address")
	}

	// CSV export: BOM, ";" separated, the filtered rows only.
	r := c.get("/consents/export?format=csv&q=" + url.QueryEscape("05321110001"))
	if r.status != 200 || !strings.HasPrefix(r.body, "\ufeff") {
		t.Fatalf("csv: %d", r.status)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff")))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil || len(recs) != 2 || recs[1][2] != "+905321110001" || recs[0][0] != "Marka" {
		t.Fatalf("csv rows: %v %v", recs, err)
	}
	// xlsx export opens with excelize and holds the three phone recipients.
	r = c.get("/consents/export?format=xlsx")
	x, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	rows, _ := x.GetRows("Onaylar")
	if len(rows) != 4 || rows[0][2] != "Alıcı" {
		t.Fatalf("xlsx rows: %v", rows)
	}
	_ = other
	_ = http.StatusOK
}

// Companies and brands: validation, duplicates, the integrator
// confirmation with who and when, and what blocks İYS delivery.
func TestCompaniesAndSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	admin, _ := e.st.UserByEmail(ctx, adminEmail)
	api := e.apiClient(admin)
	r := api.postJSON("/api/v1/companies", map[string]any{"title": "", "iys_code": "12a", "tax_id": "1"})
	if er := decodeErr(t, r); r.status != 422 || len(er.Error.Fields) != 3 {
		t.Fatalf("invalid company: %d %s", r.status, r.body)
	}
	r = api.postJSON("/api/v1/companies", map[string]any{"title": "Örnek Tekstil A.Ş.", "iys_code": "654321", "tax_id": "1234567890"})
	var co store.Company
	json.Unmarshal([]byte(r.body), &co)
	if r.status != 201 || co.ID == 0 || co.IntegratorAssigned {
		t.Fatalf("create company: %d %s", r.status, r.body)
	}
	if co.MissingForIYS() == "" || !strings.Contains(co.MissingForIYS(), "BrandKod") {
		t.Fatalf("missing step: %q", co.MissingForIYS())
	}
	if r := api.postJSON("/api/v1/companies", map[string]any{"title": "Kopya", "iys_code": "654321"}); r.status != 409 {
		t.Fatalf("duplicate İYS code: %d", r.status)
	}
	r = api.postJSON("/api/v1/brands", map[string]any{"company_id": co.ID, "name": "Örnek Moda", "brand_code": "111222"})
	if r.status != 201 {
		t.Fatalf("brand: %d %s", r.status, r.body)
	}
	if r := api.postJSON("/api/v1/brands", map[string]any{"company_id": co.ID, "name": "Kopya", "brand_code": "111222"}); r.status != 409 {
		t.Fatalf("duplicate brand code: %d", r.status)
	}
	co2, _ := e.st.Company(ctx, co.ID)
	if !strings.Contains(co2.MissingForIYS(), "İş Ortağı Ataması") {
		t.Fatalf("missing step after brand: %q", co2.MissingForIYS())
	}
	r = api.do("PATCH", "/api/v1/companies/"+itoa(co.ID), strings.NewReader(`{"integrator_assigned": true}`), "application/json")
	json.Unmarshal([]byte(r.body), &co)
	if r.status != 200 || !co.IntegratorAssigned || co.IntegratorConfirmedBy != adminEmail || co.IntegratorConfirmedAt == nil ||
		co.Title != "Örnek Tekstil A.Ş." || co.MissingForIYS() != "" {
		t.Fatalf("integrator assignment: %d %s", r.status, r.body)
	}
	// The settings page names the state; the onboarding step is kept with its note.
	c := e.client()
	c.login(adminEmail, adminPassword)
	if r := c.post("/companies/"+itoa(co.ID)+"/onboarding/2", url.Values{"status": {"problem"}, "note": {"Sözleşme imzada"}}); r.status != 303 {
		t.Fatalf("onboarding step: %d", r.status)
	}
	page := c.get("/companies/" + itoa(co.ID))
	if !strings.Contains(page.body, `id="iys-ready"`) || !strings.Contains(page.body, "Sözleşme imzada") {
		t.Fatal("settings page lacks the ready state or the note")
	}
	entries, _ := e.st.ListAudit(ctx, store.AuditFilter{})
	var actions []string
	for _, en := range entries {
		actions = append(actions, en.Action)
	}
	for _, want := range []string{store.ActionCompanyWrite, store.ActionBrandWrite, store.ActionSettingWrite} {
		if !strings.Contains(strings.Join(actions, ","), want) {
			t.Errorf("audit lacks %s", want)
		}
	}
	// A Yönetici sees its company's settings read-only, not other companies.
	other, _ := e.st.CreateCompany(ctx, store.System, store.CompanyInput{Title: "Gizli A.Ş."})
	brands, _ := e.st.ListBrands(ctx, nil)
	y := e.user("y@ornek.com.tr", "yonetici", brands[0].ID)
	yc := e.client()
	yc.login(y.Email, y.Email+"-parola")
	if r := yc.get("/companies/" + itoa(co.ID)); r.status != 200 || strings.Contains(r.body, `id="save-company"`) {
		t.Fatalf("Yönetici on its company: %d", r.status)
	}
	if r := yc.get("/companies/" + itoa(other.ID)); r.status != 404 {
		t.Fatalf("Yönetici on another company: %d", r.status)
	}
}

// A consent saved while its company has no unit left is stored but not
// sent: İzin Ekle says so (it is not in İYS until a package is approved),
// the API answers it pending with the state kota, and Onaylar shows it waiting for quota,
// not as what İYS holds.
func TestConsentWaitingForQuotaSaysSo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.company("Kotasız A.Ş.", "Kotasız", "720011")
	e.ready(b.CompanyID)
	p := e.user("p@kotasiz.com.tr", "personel", b.ID)
	web := e.client()
	web.login(p.Email, storetest.Password(p.Email))
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("2006-01-02T15:04:05")
	r := web.post("/consents", url.Values{"brand_id": {itoa(b.ID)}, "recipient": {"0532 111 00 11"}, "recipient_type": {"BIREYSEL"},
		"status": {"ONAY"}, "source": {"HS_WEB"}, "consent_date": {at}, "types": {"MESAJ"}})
	if r.status != 303 {
		t.Fatalf("İzin Ekle: %d %s", r.status, r.body)
	}
	page := web.get(r.header.Get("Location"))
	if !strings.Contains(page.body, "kalan izin kotası yok") || !strings.Contains(page.body, "kayıtlı değildir") {
		t.Errorf("the saved notice does not say the consent waits for quota: %s", between(page.body, `class="alert`, "</div>"))
	}
	api := e.apiClient(p)
	res := api.postJSON("/api/v1/consents", map[string]any{"brand_code": "720011", "recipient": "0532 111 00 12", "type": "MESAJ",
		"status": "ONAY", "source": "HS_WEB", "consent_date": strings.Replace(at, "T", " ", 1), "recipient_type": "BIREYSEL"})
	if res.status != 201 || !strings.Contains(res.body, `"status":""`) || !strings.Contains(res.body, `"state":"quota"`) {
		t.Fatalf("API: %d %s", res.status, res.body)
	}
	list := web.get("/consents?q=0532+111+00+12")
	if !strings.Contains(list.body, "kota bekliyor") {
		t.Errorf("Onaylar does not show the consent waiting for quota: %s", between(list.body, `id="consents-table"`, "</table>"))
	}
}
