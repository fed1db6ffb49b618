package server_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"iysgate/app/consent"
	"iysgate/app/store"
)

// Denetim Kaydı names every record and every field that the store's audit
// entries hold in Turkish, with values as people read them (roles by
// their label, Evet/Hayır, brands and companies by name), and shows a
// change as before → after: no JSON, no English key.
func TestAuditInTurkish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	admin := store.Actor{UserID: e.adminUser().ID, Label: adminEmail, IP: "127.0.0.1"}
	b := e.company("Örnek Gıda A.Ş.", "Örnek Market", "600001") // with a package, assigned below
	e.grant(b.CompanyID, 1000000)
	if _, err := e.st.UpdateCompany(ctx, admin, b.CompanyID, store.CompanyInput{Title: "Örnek Gıda Ticaret A.Ş.", IYSCode: "7600001", IntegratorAssigned: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.UpdateBrand(ctx, admin, b.ID, "Örnek Süpermarket", "600001"); err != nil {
		t.Fatal(err)
	}
	must(t, e.st.SetFourEyes(ctx, admin, b.ID, true))
	must(t, e.st.SetOnboardingStep(ctx, admin, b.CompanyID, 2, store.StepDone, "Form gönderildi"))
	u := e.user("ayse@ornek.com.tr", "personel", b.ID)
	if _, err := e.st.UpdateUser(ctx, admin, u.ID, store.UserInput{Email: u.Email, Name: "Ayşe Yılmaz", Memberships: store.SameRole("yonetici", []int64{b.ID})}, nil); err != nil {
		t.Fatal(err)
	}
	// Kullanıcılar records a role per brand; entries written before it, one
	// role for the brands: both read alike.
	perBrand := func(role string) map[string]any { return map[string]any{"roles": map[string]string{itoa(b.ID): role}} }
	must(t, e.st.Audit(ctx, admin, store.ActionUserUpdate, "user", itoa(u.ID), perBrand("personel"), perBrand("yonetici")))
	oneRole := func(role string, brands ...int64) map[string]any {
		return map[string]any{"role": role, "brand_ids": brands}
	}
	must(t, e.st.Audit(ctx, admin, store.ActionUserUpdate, "user", itoa(u.ID), oneRole("personel"), oneRole("yonetici", b.ID)))
	if _, err := e.st.SetPassword(ctx, admin, u.ID, u.PasswordHash); err != nil {
		t.Fatal(err)
	}
	e.apiClient(u) // a token, revoked next
	tok, err := e.st.ListTokens(ctx, u.ID)
	if err != nil || len(tok) == 0 {
		t.Fatal(tok, err)
	}
	must(t, e.st.RevokeToken(ctx, admin, u.ID, tok[0].ID))
	api := e.apiClient(u)
	must(t, e.st.SetSetting(ctx, admin, "kdv_rate", "18"))
	must(t, e.st.UpdatePackage(ctx, admin, store.Package{ID: 1, PriceKurus: 80000, ValidityDays: 180, Active: true}))
	sub, err := e.st.RequestSubscription(ctx, admin, b.CompanyID, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.RejectSubscription(ctx, admin, sub.ID, "Ödeme alınmadı"); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	for i, st := range []consent.Status{consent.StatusOnay, consent.StatusRet} {
		c := consent.Consent{BrandCode: "600001", Recipient: "+905321112233", RecipientType: consent.RecipientBireysel,
			Type: consent.TypeMesaj, Status: st, Source: "HS_WEB", ConsentDate: at.Add(time.Duration(i) * time.Minute)}
		if _, err := e.st.ApplyConsent(ctx, admin, b.ID, c); err != nil {
			t.Fatal(err)
		}
	}
	csv := "marka_kodu,alici_tipi,telefon,mesaj_izni,kaynak,izin_tarihi\n600001,BIREYSEL,05321112244,ONAY,HS_WEB," +
		at.In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04:05") + "\n"
	sent := upload(t, api, "liste.csv", []byte(csv))
	waitImport(t, api, sent)
	approveAPI(t, api, sent, "new_only")
	thrown := upload(t, api, "atilan.csv", []byte(csv))
	waitImport(t, api, thrown)
	if r := api.do("DELETE", "/api/v1/imports/"+itoa(thrown), nil, ""); r.status >= 300 {
		t.Fatalf("discard: %d %s", r.status, r.body)
	}
	scrubList(t, api, "kampanya.csv", []byte("telefon\n05321112233\n"), map[string]string{"brand_code": "600001", "type": "MESAJ"})
	if _, err := e.st.Pool().Exec(ctx, `UPDATE sync_batches SET status = $1 WHERE id = (SELECT min(id) FROM sync_batches)`, store.BatchFailed); err != nil {
		t.Fatal(err)
	}
	var batch int64
	must(t, e.st.Pool().QueryRow(ctx, `SELECT id FROM sync_batches WHERE status = $1`, store.BatchFailed).Scan(&batch))
	must(t, e.st.RetryBatch(ctx, admin, batch))
	must(t, e.st.DisableUser(ctx, admin, u.ID))
	must(t, e.st.DeleteUser(ctx, admin, u.ID))
	c := e.client()
	if r := c.post("/login", url.Values{"email": {adminEmail}, "password": {"yanlış-parola-12"}}); r.status == 303 {
		t.Fatal("a wrong password signed in")
	}
	c.login(adminEmail, adminPassword)

	var page strings.Builder
	for next := "/audit"; next != ""; {
		r := c.get(next)
		if r.status != 200 {
			t.Fatalf("GET %s: %d", next, r.status)
		}
		page.WriteString(r.body)
		next = ""
		if m := regexp.MustCompile(`href="(/audit\?[^"]+)">Daha eski`).FindStringSubmatch(r.body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	body := html.UnescapeString(page.String())
	rows, err := e.st.Pool().Query(ctx, `SELECT DISTINCT k FROM audit_log,
		LATERAL (SELECT jsonb_object_keys(before) UNION SELECT jsonb_object_keys(after)) AS x(k)
		WHERE jsonb_typeof(before) = 'object' OR jsonb_typeof(after) = 'object'`)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for rows.Next() {
		var k string
		must(t, rows.Scan(&k))
		keys = append(keys, k)
	}
	must(t, rows.Err())
	if len(keys) < 30 {
		t.Fatalf("the seed wrote %d keys, fewer than the store's writers hold: %v", len(keys), keys)
	}
	for _, k := range keys {
		if strings.Contains(body, `<span class="field">`+k+`</span>`) {
			t.Errorf("Denetim Kaydı shows the key %q as it is stored", k)
		}
	}
	table := body[strings.Index(body, `<table id="audit">`):]
	if strings.ContainsAny(table, "{}") {
		t.Error("Denetim Kaydı shows JSON")
	}
	for _, want := range []string{
		`Firma: Örnek Gıda Ticaret A.Ş.`,
		`<span class="field">Unvan</span>: <del>Örnek Gıda A.Ş.</del> → <ins>Örnek Gıda Ticaret A.Ş.</ins>`,
		`<span class="field">Entegratör ataması</span>: <del>Hayır</del> → <ins>Evet</ins>`,
		`<span class="field">Marka adı</span>: <del>Örnek Market</del> → <ins>Örnek Süpermarket</ins>`,
		`<span class="field">Dört göz kuralı</span>: <ins>Evet</ins>`,
		`<span class="field">Başvuru adımı</span>: <ins>2. Başvuru Durumu</ins>`,
		`<span class="field">Adımın durumu</span>: <ins>Tamamlandı</ins>`,
		`Kullanıcı: Ayşe Yılmaz (ayse@ornek.com.tr)`,
		`<span class="field">Rol</span>: <del>Personel</del> → <ins>Yönetici</ins>`,
		`<span class="field">Markalar</span>: <del>—</del> → <ins>Örnek Süpermarket</ins>`,
		`<span class="field">Roller</span>: <del>Örnek Süpermarket: Personel</del> → <ins>Örnek Süpermarket: Yönetici</ins>`,
		`<span class="field">Roller</span>: <ins>Örnek Süpermarket: Personel</ins>`,
		`<span class="field">Parola</span>: <ins>değiştirildi</ins>`,
		`Kullanıcı: #` + itoa(u.ID) + ` (silinmiş)`,
		`<span class="field">Kullanıcı</span>: <ins>`,
		`Ayar: KDV oranı (%)`,
		`<span class="field">Değer</span>: <del>20</del> → <ins>18</ins>`,
		`Paket: İleti 5.000`,
		`<span class="field">Fiyat (KDV hariç)</span>: <del>750,00 TL</del> → <ins>800,00 TL</ins>`,
		`<span class="field">Geçerlilik</span>: <del>365 gün</del> → <ins>180 gün</ins>`,
		`Paket talebi #` + itoa(sub.ID) + `: Örnek Gıda Ticaret A.Ş., İleti 5.000`,
		`Paket talebi: reddedildi`,
		`<span class="field">Neden</span>: <ins>Ödeme alınmadı</ins>`,
		`İzin: +905321112233 · Mesaj`,
		`<span class="field">Durum</span>: <del>Onay</del> → <ins>Ret</ins>`,
		`<span class="field">Kaynak</span>: <ins>Web</ins>`,
		`İçe aktarım: dosya yüklendi`,
		`<span class="field">Dosya</span>: <ins>liste.csv</ins>`,
		`<span class="field">Gönderim</span>: <ins>Mevcuttakileri Güncellemeden Gönder</ins>`,
		`İçe aktarım: Listeyi Sil`,
		`<span class="field">Kanal</span>: <ins>Mesaj</ins>`,
		`<span class="field">Marka</span>: <ins>Örnek Süpermarket</ins>`,
		`İYS gönderimi: yeniden denendi`,
		`Gönderim #` + itoa(batch),
		`<span class="field">Neden</span>: <ins>e-posta ya da parola yanlış</ins>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("Denetim Kaydı lacks %s", want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
