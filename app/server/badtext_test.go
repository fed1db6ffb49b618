package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"iysgate/app/store"
)

// Text that cannot be stored (a NUL byte, bytes that are not UTF-8, control
// or direction characters, more than the field allows) is refused with a
// 422 that names the field, on every text field of the API; nothing is
// stored, and nothing answers 500.
func TestBadText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek Gıda", "Örnek Market", "970001")
	admin := e.apiClient(e.adminUser())
	personel := e.apiClient(e.user("p@ornek.com.tr", "personel", b.ID))
	sub, err := e.st.RequestSubscription(t.Context(), store.System, b.CompanyID, 5000)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("2006-01-02 15:04:05")
	bad := map[string]string{
		"NUL":       "Ali\x00Veli",
		"control":   "Ali\x1bVeli",
		"direction": "Ali \u202eileV",
		"long":      strings.Repeat("ş", 1001),
	}
	before := count(t, e, "SELECT (SELECT count(*) FROM consents) + (SELECT count(*) FROM companies) + (SELECT count(*) FROM brands) + (SELECT count(*) FROM users) + (SELECT count(*) FROM api_tokens) + (SELECT count(*) FROM subscriptions WHERE status = 'rejected')")
	for kind, v := range bad {
		for _, tc := range []struct {
			c     *client
			path  string
			body  map[string]any
			field string
		}{
			{personel, "/api/v1/consents", map[string]any{"brand_code": "970001", "recipient": "05321112233", "recipient_type": "BIREYSEL",
				"type": "MESAJ", "status": "ONAY", "source": "HS_WEB", "consent_date": at, "first_name": v}, "firstName"},
			{personel, "/api/v1/consents", map[string]any{"brand_code": "970001", "recipient": "05321112233", "recipient_type": "BIREYSEL",
				"type": "MESAJ", "status": "ONAY", "source": "HS_WEB", "consent_date": at, "last_name": v}, "lastName"},
			{admin, "/api/v1/companies", map[string]any{"title": v}, "title"},
			{admin, "/api/v1/brands", map[string]any{"company_id": b.CompanyID, "name": v}, "name"},
			{admin, "/api/v1/users", map[string]any{"name": v, "email": "yeni@ornek.com.tr", "role": "personel",
				"password": "cok-gizli-parola", "brand_ids": []int64{b.ID}}, "name"},
			{personel, "/api/v1/tokens", map[string]any{"name": v}, "name"},
			{admin, "/api/v1/subscriptions/" + itoa(sub.ID) + "/reject", map[string]any{"reason": v}, "reason"},
		} {
			r := tc.c.postJSON(tc.path, tc.body)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"field":"`+tc.field+`"`) {
				t.Errorf("%s in %s of %s: %d %s", kind, tc.field, tc.path, r.status, r.body)
			}
		}
	}
	for _, q := range []string{"%00", "%FF%FE", "a%1Bb", url.QueryEscape(strings.Repeat("x", 201))} {
		for _, path := range []string{"/api/v1/consents?q=" + q, "/api/v1/consents/history?brand_code=970001&recipient=" + q} {
			if r := personel.get(path); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"field":"`) {
				t.Errorf("GET %s: %d %s", path, r.status, r.body)
			}
		}
	}
	// A NUL byte in a brand code is no brand, not a 500.
	if r := personel.get("/api/v1/consents/history?brand_code=97%000001&recipient=05321112233"); r.status != http.StatusForbidden {
		t.Errorf("NUL in brand_code: %d %s", r.status, r.body)
	}
	after := count(t, e, "SELECT (SELECT count(*) FROM consents) + (SELECT count(*) FROM companies) + (SELECT count(*) FROM brands) + (SELECT count(*) FROM users) + (SELECT count(*) FROM api_tokens) + (SELECT count(*) FROM subscriptions WHERE status = 'rejected')")
	if after != before {
		t.Fatalf("refused text changed %d rows", after-before)
	}
	// Invisible characters are dropped, white space tidied: the name is kept.
	r := personel.postJSON("/api/v1/consents", map[string]any{"brand_code": "970001", "recipient": "05321112233", "recipient_type": "BIREYSEL",
		"type": "MESAJ", "status": "ONAY", "source": "HS_WEB", "consent_date": at, "first_name": "  Ay\u200bşe\u00a0 Nur "})
	if r.status != http.StatusCreated || !strings.Contains(r.body, `"first_name":"Ayşe Nur"`) {
		t.Fatalf("a name with invisible characters: %d %s", r.status, r.body)
	}
	// Wrong JSON types name the field.
	if r := admin.postJSON("/api/v1/companies", map[string]any{"title": 12}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"field":"title"`) {
		t.Errorf("a number for a title: %d %s", r.status, r.body)
	}
}
