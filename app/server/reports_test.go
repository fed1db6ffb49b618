package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"iysgate/app/consent"
	"iysgate/app/store"
)

// Raporlar, its workbooks, its API and Gösterge's trend count only the
// brands in which the user sees consents: another company's brand never
// appears, not even when asked for by id. The consents added by hand are
// on their way (the company is not ready for İYS) and counted apart. A
// wrong period is refused with the field's message.
func TestReportsShowOnlyOwnBrands(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// Companies with a package but not ready for İYS (no integrator
	// assignment): what is added by hand stays on its way.
	own := e.company("Örnek Gıda A.Ş.", "Örnek Market", "600001")
	other := e.company("Başka Holding A.Ş.", "Başka Marka", "600002")
	e.grant(own.CompanyID, 1000000)
	e.grant(other.CompanyID, 1000000)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, b := range []*store.Brand{own, other} {
		c := consent.Consent{BrandCode: b.BrandCode, Recipient: "+905321112233", RecipientType: consent.RecipientBireysel,
			Type: consent.TypeMesaj, Status: consent.StatusOnay, Source: "HS_WEB", ConsentDate: at}
		if _, err := e.st.ApplyConsent(ctx, store.System, b.ID, c); err != nil {
			t.Fatal(err)
		}
	}
	// What İYS holds: a citizen's ONAY in the own brand, a RET in the other.
	for b, status := range map[*store.Brand]string{own: "ONAY", other: "RET"} {
		if _, err := e.st.ApplyPulled(ctx, b.ID, "IYS", []store.PulledChange{{Recipient: "+905321112299", RecipientType: "BIREYSEL",
			Type: "MESAJ", Status: status, Source: "IYS_WEB", ConsentDate: at}}, "c"); err != nil {
			t.Fatal(err)
		}
	}
	for _, role := range []string{"yonetici", "personel", "musteri"} {
		u := e.user(role+"@ornek.com.tr", role, own.ID)
		c := e.client()
		c.login(u.Email, u.Email+"-parola")
		for _, path := range []string{"/reports", "/reports?brand_id=" + itoa(other.ID), "/"} {
			r := c.get(path)
			if r.status != http.StatusOK || strings.Contains(r.body, "Başka") {
				t.Errorf("%s GET %s: %d, shows the other company: %v", role, path, r.status, strings.Contains(r.body, "Başka"))
			}
		}
		if r := c.get("/reports"); !strings.Contains(r.body, "Örnek Market") {
			t.Errorf("%s: Raporlar lacks its own brand", role)
		}
		if r := c.get("/reports?brand_id=" + itoa(other.ID)); !strings.Contains(r.body, "Bu dönemde kayıt yok.") {
			t.Errorf("%s: another company's brand by id shows figures", role)
		}
		sheets := workbookText(t, c.get("/reports/export"))
		if added := sheets["Eklenen izinler"]; strings.Contains(added, "Başka") || !strings.Contains(added, "Örnek Gıda A.Ş.|Örnek Market|Mesaj|1|0|1|1\nToplam|||1|0|1|1\n") {
			t.Errorf("%s: the workbook's Eklenen izinler: %q", role, sheets["Eklenen izinler"])
		}
		if !strings.Contains(sheets["Bilgi"], "Hazırlayan|"+u.Email) {
			t.Errorf("%s: the workbook's Bilgi sheet: %q", role, sheets["Bilgi"])
		}
		var rep struct{ Channels []store.ChannelFigures }
		api := e.apiClient(u)
		if r := api.get("/api/v1/reports?brand_id=" + itoa(other.ID)); r.status != 200 || json.Unmarshal([]byte(r.body), &rep) != nil || len(rep.Channels) != 0 {
			t.Errorf("%s: API report of another company's brand: %d %s", role, r.status, r.body)
		}
		if r := api.get("/api/v1/reports"); json.Unmarshal([]byte(r.body), &rep) != nil || len(rep.Channels) != 1 || rep.Channels[0].BrandID != own.ID {
			t.Errorf("%s: API report: %s", role, r.body)
		}
		if r := c.get("/dashboard/trend"); strings.Count(r.body, "<tr>") != 1+30+1 ||
			!strings.Contains(r.body, `<tfoot><tr><td>Toplam</td><td class="n">1</td><td class="n">0</td><td class="n">1</td></tr></tfoot>`) {
			t.Errorf("%s: Gösterge's trend, which should count its brand's 1 consent over 30 days: %s", role, r.body)
		}
	}

	admin := e.client()
	admin.login(adminEmail, adminPassword)
	if r := admin.get("/reports"); !strings.Contains(r.body, "Örnek Market") || !strings.Contains(r.body, "Başka Marka") {
		t.Error("the Admin's Raporlar lacks a brand")
	}
	if sheets := workbookText(t, admin.get("/reports/export?section=ret")); !strings.Contains(sheets["RET'ler"], "Başka Holding A.Ş.|Başka Marka|Mesaj|0|1|1") || len(sheets) != 2 {
		t.Errorf("the RET workbook: %q", sheets)
	}
	if r := admin.get("/reports/export?section=yok"); r.status != http.StatusNotFound {
		t.Errorf("an unknown section: %d", r.status)
	}
	for query, msg := range map[string]string{
		"from=2026-02-31":               "Başlangıç tarihi okunamadı",
		"from=2026-03-10&to=2026-03-01": "Bitiş tarihi başlangıç tarihinden önce olamaz.",
		"from=2024-01-01&to=2025-01-01": "Bir rapor en çok 366 günü kapsar",
	} {
		if r := admin.get("/reports?" + query); r.status != 200 || !strings.Contains(r.body, msg) {
			t.Errorf("%s: %d, lacks %q", query, r.status, msg)
		}
	}
	api := e.apiClient(e.adminUser())
	if r := api.get("/api/v1/reports?from=2026-02-31"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"DATE_INVALID"`) {
		t.Errorf("API, a wrong date: %d %s", r.status, r.body)
	}
}

// workbookText reads a downloaded workbook: per sheet, its rows, cells
// joined by "|", rows by newlines.
func workbookText(t *testing.T, r response) map[string]string {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("download: %d %.300s", r.status, r.body)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, row := range rows {
			b.WriteString(strings.Join(row, "|") + "\n")
		}
		out[name] = b.String()
	}
	return out
}
