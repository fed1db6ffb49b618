package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"iysgate/app/store"
)

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

// userForm is the Kullanıcılar form for a user with role in each of
// brands ("admin": the Admin tick).
func userForm(name, email, role string, brands ...int64) url.Values {
	v := url.Values{"name": {name}, "email": {email}, "phone": {"0532 123 45 67"},
		"password": {"cok-gizli-parola"}, "password_confirm": {"cok-gizli-parola"}}
	if role == "admin" {
		v.Set("admin", "1")
	}
	for _, b := range brands {
		v.Set("role_"+itoa(b), role)
	}
	return v
}

// A Yönetici manages Personel and Müşteri users of its own brands only.
func TestYoneticiManagesOwnBrandsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mine := e.brand("Firma A", "Marka A", "610001")
	other := e.brand("Firma B", "Marka B", "610002")
	mgr := e.user("yonetici@a.com.tr", "yonetici", mine.ID)
	outsider := e.user("personel@b.com.tr", "personel", other.ID)
	c := e.client()
	c.login(mgr.Email, mgr.Email+"-parola")

	// The list shows only users of the manager's brands.
	list := c.get("/users")
	if strings.Contains(list.body, outsider.Email) || strings.Contains(list.body, adminEmail) {
		t.Error("Yönetici sees users outside its brands")
	}
	// Creating a Personel in its brand works.
	r := c.post("/users", userForm("Ali Veli", "ali@a.com.tr", "personel", mine.ID))
	if r.status != http.StatusSeeOther {
		t.Fatalf("create personel: %d %s", r.status, r.body)
	}
	created, err := e.st.UserByEmail(context.Background(), "ali@a.com.tr")
	if err != nil || len(created.Memberships) != 1 || created.Memberships[0] != (store.Membership{BrandID: mine.ID, BrandName: "Marka A", Role: "personel"}) {
		t.Fatalf("created user: %+v %v", created, err)
	}
	// Another brand, an Admin or a Yönetici: refused with a field error, nothing created.
	for _, tc := range []struct {
		form  url.Values
		field string
	}{
		{userForm("X", "x1@a.com.tr", "personel", other.ID), "Yalnızca yönettiğiniz markaları seçebilirsiniz."},
		{userForm("X", "x2@a.com.tr", "admin"), "Admin rolünü yalnızca Admin verebilir."},
		{userForm("X", "x3@a.com.tr", "yonetici", mine.ID), "Yönetici rolünü yalnızca Admin verebilir."},
	} {
		r := c.post("/users", tc.form)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, tc.field) {
			t.Errorf("%v: %d, want 422 with %q", tc.form, r.status, tc.field)
		}
		if _, err := e.st.UserByEmail(context.Background(), tc.form.Get("email")); err != store.ErrNotFound {
			t.Errorf("%s was created", tc.form.Get("email"))
		}
	}
	// Editing or disabling a user of another brand is forbidden.
	if r := c.get("/users/" + itoa(outsider.ID) + "/edit"); r.status != http.StatusForbidden {
		t.Errorf("edit outsider: %d", r.status)
	}
	if r := c.post("/users/"+itoa(outsider.ID)+"/disable", nil); r.status != http.StatusForbidden {
		t.Errorf("disable outsider: %d", r.status)
	}
	if u, _ := e.st.UserByID(context.Background(), outsider.ID); u.DisabledAt != nil {
		t.Error("outsider was disabled")
	}
}

// Inline Turkish errors for each field; the typed values are kept.
func TestUserFormValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Firma", "Marka", "620001")
	c := e.client()
	c.login(adminEmail, adminPassword)
	form := url.Values{"name": {""}, "email": {"gecersiz"}, "phone": {"abc"}, "password": {"kisa"},
		"password_confirm": {"farkli"}}
	r := c.post("/users", form)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.status)
	}
	for _, msg := range []string{"Ad Soyad zorunludur.", "Geçerli bir e-posta adresi girin", "Geçerli bir telefon numarası girin",
		"Parola en az 10, en çok 72 karakter olmalı.", "Parolalar eşleşmiyor.", "En az bir markada rol seçin."} {
		if !strings.Contains(r.body, msg) {
			t.Errorf("missing error %q", msg)
		}
	}
	if !strings.Contains(r.body, `value="gecersiz"`) {
		t.Error("typed e-mail lost")
	}
	// Duplicate e-mail.
	r = c.post("/users", userForm("Admin İkinci", adminEmail, "personel", b.ID))
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Bu e-posta adresiyle kayıtlı bir kullanıcı var.") {
		t.Errorf("duplicate e-mail: %d", r.status)
	}
}

// The API: JSON errors with codes, 201 with the user, Müşteri refused.
func TestUsersAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Firma", "Marka", "630001")
	admin, _ := e.st.UserByEmail(context.Background(), adminEmail)
	api := e.apiClient(admin)
	r := api.postJSON("/api/v1/users", map[string]any{"name": "Zeynep", "email": "zeynep@ornek.com.tr",
		"password": "cok-gizli-parola", "role": "musteri", "brand_ids": []int64{b.ID}})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var u store.User
	if err := json.Unmarshal([]byte(r.body), &u); err != nil || u.Email != "zeynep@ornek.com.tr" || len(u.Memberships) != 1 || u.Memberships[0].Role != "musteri" {
		t.Fatalf("created: %s", r.body)
	}
	r = api.postJSON("/api/v1/users", map[string]any{"name": "", "email": "x", "role": "musteri"})
	var body struct {
		Error struct {
			Code   string
			Fields []struct{ Field, Code, Message string }
		}
	}
	if err := json.Unmarshal([]byte(r.body), &body); err != nil || r.status != 422 || body.Error.Code != "VALIDATION" || len(body.Error.Fields) < 3 {
		t.Fatalf("validation error: %d %s", r.status, r.body)
	}
	musteri, _ := e.st.UserByEmail(context.Background(), "zeynep@ornek.com.tr")
	r = e.apiClient(musteri).postJSON("/api/v1/users", map[string]any{"name": "Y"})
	if err := json.Unmarshal([]byte(r.body), &body); err != nil || r.status != 403 || body.Error.Code != "FORBIDDEN" {
		t.Fatalf("Müşteri creating a user: %d %s", r.status, r.body)
	}
	if r := e.client().get("/api/v1/users"); r.status != 401 || !strings.Contains(r.body, `"code":"UNAUTHENTICATED"`) {
		t.Fatalf("no token: %d %s", r.status, r.body)
	}
}

// A role per brand: the form gives Personel in one brand and Müşteri in
// another, and each brand enforces its own.
func TestRolePerBrand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	market := e.brand("Firma", "Market", "640001")
	kafe := e.brand("Firma", "Kafe", "640002")
	admin := e.client()
	admin.login(adminEmail, adminPassword)
	form := userForm("Ayşe", "ayse@firma.com.tr", "personel", market.ID)
	form.Set("role_"+itoa(kafe.ID), "musteri")
	if r := admin.post("/users", form); r.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	u, err := e.st.UserByEmail(context.Background(), "ayse@firma.com.tr")
	if err != nil || u.RoleIn(market.ID) != "personel" || u.RoleIn(kafe.ID) != "musteri" {
		t.Fatalf("memberships: %+v %v", u, err)
	}
	api := e.apiClient(u)
	add := func(code string) int {
		return api.postJSON("/api/v1/consents", map[string]string{"brand_code": code, "recipient": "05321234567", "recipient_type": "BIREYSEL",
			"type": "MESAJ", "status": "ONAY", "source": "HS_WEB"}).status
	}
	if st := add(market.BrandCode); st != http.StatusCreated {
		t.Errorf("Personel of Market adding a consent: %d", st)
	}
	if st := add(kafe.BrandCode); st != http.StatusForbidden {
		t.Errorf("Müşteri of Kafe adding a consent: %d, want 403", st)
	}
	// The edit form shows each brand's role; dropping one keeps the other.
	edit := admin.get("/users/" + itoa(u.ID) + "/edit")
	if !strings.Contains(edit.body, `<option value="musteri" selected>`) || !strings.Contains(edit.body, `<option value="personel" selected>`) {
		t.Errorf("edit form does not show the roles: %s", between(edit.body, `id="brand-roles"`, "</fieldset>"))
	}
	form = userForm("Ayşe", "ayse@firma.com.tr", "musteri", kafe.ID)
	form.Del("password")
	form.Del("password_confirm")
	if r := admin.post("/users/"+itoa(u.ID), form); r.status != http.StatusSeeOther {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	if u, _ = e.st.UserByID(context.Background(), u.ID); len(u.Memberships) != 1 || u.RoleIn(kafe.ID) != "musteri" {
		t.Errorf("after dropping Market: %+v", u.Memberships)
	}
	// The API takes a role per brand too, or one role for several brands, not both.
	adminUser, _ := e.st.UserByEmail(context.Background(), adminEmail)
	aapi := e.apiClient(adminUser)
	r := aapi.postJSON("/api/v1/users", map[string]any{"name": "Can", "email": "can@firma.com.tr", "password": "cok-gizli-parola",
		"memberships": []map[string]any{{"brand_id": market.ID, "role": "yonetici"}, {"brand_id": kafe.ID, "role": "personel"}}})
	if r.status != http.StatusCreated || !strings.Contains(r.body, `"role":"yonetici"`) || !strings.Contains(r.body, `"role":"personel"`) {
		t.Errorf("API with memberships: %d %s", r.status, r.body)
	}
	r = aapi.postJSON("/api/v1/users", map[string]any{"name": "Cem", "email": "cem@firma.com.tr", "password": "cok-gizli-parola",
		"role": "personel", "brand_ids": []int64{market.ID}, "memberships": []map[string]any{{"brand_id": kafe.ID, "role": "musteri"}}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "AMBIGUOUS") {
		t.Errorf("API with both forms: %d %s", r.status, r.body)
	}
}
