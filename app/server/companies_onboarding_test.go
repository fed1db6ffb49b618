package server_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The onboarding steps iysgate can know follow the data: the codes
// entered, an active package, the integrator assignment; the panel is
// ready only when all of them and the data declaration are there, and the
// page says together what is missing. Those steps cannot be set by hand.
func TestOnboardingFollowsTheData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.company("Adım A.Ş.", "Adım", "720021")
	admin := e.client()
	admin.login(adminEmail, adminPassword)
	steps := func() []string {
		t.Helper()
		body := between(admin.get("/companies/"+itoa(b.CompanyID)).body, `id="onboarding"`, "</table>")
		var out []string
		for _, m := range regexp.MustCompile(`<td class="step-([a-z_]+)">`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	page := admin.get("/companies/" + itoa(b.CompanyID)).body
	if got := strings.Join(steps(), ","); got != "done,waiting,waiting,waiting" {
		t.Errorf("steps 3–6 of a company with codes only: %s", got)
	}
	if !strings.Contains(page, "İYS numarası 7720021, 1 markanın kodu girildi.") ||
		!strings.Contains(page, "Eksik: İleti Paketi Sözleşmesi, İş Ortağı Ataması, veri beyanı.") {
		t.Errorf("the steps do not say what is there and what is missing: %s", between(page, `id="onboarding"`, "</table>"))
	}
	overview := admin.get("/settings").body
	if !strings.Contains(overview, `<td class="iys-code">7720021</td>`) || !strings.Contains(overview, `#integrator-assigned">Düzenle</a>`) {
		t.Errorf("İYS Ayarları lacks the İYS number or the way to the assignment: %s", between(overview, `id="settings"`, "</table>"))
	}
	e.grant(b.CompanyID, 5000)
	e.ready(b.CompanyID)
	if _, err := e.st.Pool().Exec(context.Background(), `UPDATE companies SET data_declared = true WHERE id = $1`, b.CompanyID); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(steps(), ","); got != "done,done,done,done" {
		t.Errorf("steps 3–6 once everything is there: %s", got)
	}
	r := admin.post("/companies/"+itoa(b.CompanyID)+"/onboarding/4", url.Values{"status": {"waiting"}, "note": {"elle"}})
	if r.status != 422 || !strings.Contains(r.body, "elle değiştirilemez") {
		t.Errorf("setting a derived step by hand: %d %s", r.status, between(r.body, `class="alert`, "</div>"))
	}
}

// İçe Aktar shows İYS's rules before a file is uploaded, as İzin Ekle
// does; Onaylar leads to the templates, Hata Bildirimleri and Raporlar.
func TestRulesAndShortcuts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Kısayol A.Ş.", "Kısayol", "720022")
	p := e.client()
	u := e.user("p@kisayol.com.tr", "personel", b.ID)
	p.login(u.Email, u.Email+"-parola")
	for _, path := range []string{"/imports", "/consents/new"} {
		if body := p.get(path).body; !strings.Contains(body, `id="rules-box"`) || !strings.Contains(body, "ilk kaydı <strong>RET</strong> olamaz") {
			t.Errorf("%s lacks İYS's rules", path)
		}
	}
	body := p.get("/consents").body
	for _, link := range []string{`href="/imports/template/bireysel"`, `href="/imports/template/tacir"`, `id="consents-errors-link"`, `id="consents-reports-link"`} {
		if !strings.Contains(body, link) {
			t.Errorf("Onaylar lacks %s", link)
		}
	}
}
