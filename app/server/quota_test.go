package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

type quotaView struct {
	Total, Spent, Reserved, Remaining, Waiting int64
}

func getQuota(t *testing.T, c *client, companyID int64) quotaView {
	t.Helper()
	r := c.get("/api/v1/quota?company_id=" + itoa(companyID))
	var q quotaView
	if r.status != 200 || json.Unmarshal([]byte(r.body), &q) != nil {
		t.Fatalf("quota: %d %s", r.status, r.body)
	}
	return q
}

// A Yönetici requests a package, the Admin approves it, the balance rises;
// an import the company cannot afford is refused with the numbers, and
// one it can afford holds exactly its consents.
func TestQuotaPurchaseAndImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.company("Kota A.Ş.", "Kota Market", "710001")
	other := e.company("Başka A.Ş.", "Başka", "710002")
	y := e.user("y@kota.com.tr", "yonetici", b.ID)
	m := e.user("m@kota.com.tr", "musteri", b.ID)
	yapi, mapi := e.apiClient(y), e.apiClient(m)
	admin := e.client()
	admin.login(adminEmail, adminPassword)

	if r := mapi.postJSON("/api/v1/subscriptions", map[string]any{"company_id": b.CompanyID, "units": 5000}); r.status != 403 {
		t.Fatalf("Müşteri requesting a package: %d", r.status)
	}
	if r := yapi.postJSON("/api/v1/subscriptions", map[string]any{"company_id": other.CompanyID, "units": 5000}); r.status != 404 {
		t.Fatalf("a Yönetici requesting for another company: %d", r.status)
	}
	if r := yapi.get("/api/v1/quota?company_id=" + itoa(other.CompanyID)); r.status != 404 {
		t.Fatalf("another company's quota: %d %s", r.status, r.body)
	}
	if r := yapi.postJSON("/api/v1/subscriptions", map[string]any{"company_id": b.CompanyID, "units": 1234}); r.status != 422 {
		t.Fatalf("a size outside the catalogue: %d %s", r.status, r.body)
	}

	// One row, two channels: an import of 2 consents, with no package yet.
	at := time.Now().Add(-time.Hour).Format("02.01.2006 15:04:05")
	wb := workbook(t, [][]any{{"710001", "BIREYSEL", "Ali", "Kaya", "05321110001", "", "ONAY", "ONAY", "", "HS_WEB", at}})
	id := upload(t, yapi, "kota.xlsx", wb)
	waitImport(t, yapi, id)
	approve := map[string]any{"mode": "all", "confirmed": true}
	if r := yapi.postJSON("/api/v1/imports/"+itoa(id)+"/approve", approve); r.status != 409 ||
		!strings.Contains(r.body, "Bu gönderim için 2 izin gerekli, kalan 0") {
		t.Fatalf("approval without quota: %d %s", r.status, r.body)
	}
	if n := count(t, e, "SELECT count(*) FROM consent_events"); n != 0 {
		t.Fatalf("a refused approval wrote %d events", n)
	}

	r := yapi.postJSON("/api/v1/subscriptions", map[string]any{"company_id": b.CompanyID, "units": 5000})
	var sub struct {
		ID     int64
		Status string
	}
	if r.status != 201 || json.Unmarshal([]byte(r.body), &sub) != nil || sub.Status != "pending" {
		t.Fatalf("request: %d %s", r.status, r.body)
	}
	yc := e.client()
	yc.login(y.Email, y.Email+"-parola")
	if page := yc.get("/subscriptions"); !strings.Contains(page.body, "Onay Bekliyor") {
		t.Fatal("Abonelikler does not show the pending request")
	}
	if q := getQuota(t, yapi, b.CompanyID); q.Total != 0 {
		t.Fatalf("a pending package counted: %+v", q)
	}
	if r := yapi.postJSON("/api/v1/subscriptions/"+itoa(sub.ID)+"/approve", nil); r.status != 403 {
		t.Fatalf("a Yönetici approving its own request: %d", r.status)
	}
	// The Admin sees it in the queue and approves it on the page.
	if page := admin.get("/subscriptions"); !strings.Contains(page.body, "pending-"+itoa(sub.ID)) {
		t.Fatal("the Admin's queue lacks the request")
	}
	if r := admin.post("/subscriptions/"+itoa(sub.ID)+"/approve", url.Values{}); r.status != 303 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	if r := admin.post("/subscriptions/"+itoa(sub.ID)+"/approve", url.Values{}); r.status != 409 {
		t.Fatalf("approving twice: %d", r.status)
	}
	if q := getQuota(t, yapi, b.CompanyID); q.Total != 5000 || q.Remaining != 5000 {
		t.Fatalf("after approval: %+v", q)
	}

	if v := approveAPI(t, yapi, id, "all"); v.Error != nil {
		t.Fatalf("approval with quota: %+v", v)
	}
	if q := getQuota(t, yapi, b.CompanyID); q.Reserved+q.Spent != 2 || q.Remaining != 4998 {
		t.Fatalf("an import of 2 consents must hold 2 units: %+v", q)
	}

	// A rejection needs a reason and shows it.
	r = yapi.postJSON("/api/v1/subscriptions", map[string]any{"company_id": b.CompanyID, "units": 25000})
	json.Unmarshal([]byte(r.body), &sub)
	if r := admin.post("/subscriptions/"+itoa(sub.ID)+"/reject", url.Values{"reason": {""}}); r.status != 422 {
		t.Fatalf("reject without a reason: %d", r.status)
	}
	adminAPI := e.apiClient(e.adminUser())
	if r := adminAPI.postJSON("/api/v1/subscriptions/"+itoa(sub.ID)+"/reject", map[string]string{"reason": "Ödeme alınmadı"}); r.status != 200 ||
		!strings.Contains(r.body, `"rejected"`) {
		t.Fatalf("reject: %d %s", r.status, r.body)
	}
	if page := yc.get("/subscriptions?company_id=" + itoa(b.CompanyID)); !strings.Contains(page.body, "Ödeme alınmadı") || !strings.Contains(page.body, "Reddedildi") {
		t.Fatal("Abonelikler does not show the rejection and its reason")
	}
	if page := yc.get("/"); !strings.Contains(page.body, "Kota · Kota A.Ş.") {
		t.Fatal("the dashboard lacks the quota box")
	}
	if page := yc.get("/"); strings.Contains(page.body, "quota-low") || strings.Contains(page.body, "quota-expiring") {
		t.Fatal("a fresh package is flagged as low or expiring")
	}
	// Under 10% left, and a package ending within 30 days: both warned of.
	if _, err := e.st.Pool().Exec(context.Background(), `UPDATE subscriptions SET spent = units - reserved - 400, ends_at = now() + interval '20 days'
		WHERE company_id = $1 AND status = 'active'`, b.CompanyID); err != nil {
		t.Fatal(err)
	}
	page := yc.get("/")
	if !strings.Contains(page.body, "quota-low") || !strings.Contains(page.body, "quota-expiring") {
		t.Fatal("the dashboard does not warn of a low or expiring balance")
	}
}
