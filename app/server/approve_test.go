package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"iysgate/app/config"
	"iysgate/app/store"
)

// approvalRows is a workbook of n rows, each with a MESAJ and an ARAMA
// consent for phone 0532 555 00 NN (NN = 1…n), all of one date: the
// approval writes them in row order.
func approvalRows(brandCode string, n int) [][]any {
	at := time.Now().Add(-time.Hour).Format("02.01.2006 15:04:05")
	var rows [][]any
	for i := 1; i <= n; i++ {
		rows = append(rows, []any{brandCode, "BIREYSEL", "Ayşe", "Yılmaz", fmt.Sprintf("0532 555 %04d", i), "", "ONAY", "ONAY", "", "HS_WEB", at})
	}
	return rows
}

// Approval runs as a job: the API answers 202 with the import approving,
// the progress (consents written of the total) is visible on the API and
// the page while the job writes its chunks, nothing of it reaches İYS
// before it is approved, and a node killed mid-approval leaves a job that
// resumes on the next node and writes every consent, event and batch
// exactly once.
func TestApprovalJobProgressAndKilledNode(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(c *config.Config) { c.ApproveChunk = 10 })
	b := e.brand("Onay Firması", "Onay Markası", "760001")
	e.ready(b.CompanyID)
	y := e.user("yonetici@onay.com.tr", "yonetici", b.ID)
	api := e.apiClient(y)
	const rows = 30 // 60 consents, 6 chunks
	id := upload(t, api, "onay.xlsx", workbook(t, approvalRows("760001", rows)))
	if v := waitImport(t, api, id); v.Status != "preview" || v.Summary["MESAJ"].New != rows {
		t.Fatalf("preview: %+v", v)
	}
	// The last row's recipient exists (with no consent) and a transaction
	// holds it: the job writes the chunks before it and waits there.
	ctx := context.Background()
	if _, err := e.st.Pool().Exec(ctx, `INSERT INTO recipients (brand_id, kind, recipient, recipient_type) VALUES ($1, 'phone', $2, 'BIREYSEL')`,
		b.ID, fmt.Sprintf("+90532555%04d", rows)); err != nil {
		t.Fatal(err)
	}
	hold, err := e.st.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback(ctx)
	if _, err := hold.Exec(ctx, `SELECT 1 FROM recipients WHERE recipient = $1 FOR UPDATE`, fmt.Sprintf("+90532555%04d", rows)); err != nil {
		t.Fatal(err)
	}

	r := api.postJSON("/api/v1/imports/"+itoa(id)+"/approve", map[string]any{"mode": "all", "confirmed": true})
	var v importView
	if r.status != 202 || json.Unmarshal([]byte(r.body), &v) != nil || v.Status != "approving" {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	waitFor(t, "the chunks before the held recipient", func() bool {
		json.Unmarshal([]byte(api.get("/api/v1/imports/"+itoa(id)).body), &v)
		return v.Approval.ItemsDone == 50
	})
	if v.Status != "approving" || v.Approval.ItemsTotal != 2*rows {
		t.Fatalf("mid-approval: %+v", v)
	}
	page := e.client()
	page.login(y.Email, y.Email+"-parola")
	if body := page.get("/imports/" + itoa(id)).body; !strings.Contains(body, `id="import-stage">Onaylanıyor`) ||
		!strings.Contains(between(body, `id="approve-progress"`, "</span>"), "50 / 60 izin kaydedildi") || strings.Contains(body, `id="approve-form"`) {
		t.Errorf("the page mid-approval: %s", between(body, `id="import-status"`, "</div>"))
	}
	// Half-written: its batches are prepared, none sent; the import is
	// not approved for any reader.
	if n := count(t, e, "SELECT count(*) FROM sync_batches WHERE import_id = "+itoa(id)+" AND status <> '"+string(store.BatchPreparing)+"'"); n != 0 {
		t.Errorf("%d batches sendable before the approval ended", n)
	}
	if n := count(t, e, "SELECT count(*) FROM imports WHERE status IN ('approved', 'sending', 'done')"); n != 0 {
		t.Errorf("an import reads as approved mid-approval")
	}
	if st := e.app.Sim.Stats(); st.ConsentsStored != 0 {
		t.Errorf("İYS stored %d consents mid-approval", st.ConsentsStored)
	}

	// The node dies; the next one resumes the job once the hold is gone.
	e.crash()
	hold.Rollback(ctx)
	v = waitImport(t, api, id)
	if v.Status != "approved" && v.Status != "sending" && v.Status != "done" {
		t.Fatalf("after the restart: %+v", v)
	}
	for q, want := range map[string]int{
		"SELECT count(*) FROM consent_events WHERE import_id = " + itoa(id):                             2 * rows,
		"SELECT count(DISTINCT (recipient_id, type)) FROM consent_events WHERE import_id = " + itoa(id): 2 * rows,
		"SELECT count(*) FROM consents":   2 * rows,
		"SELECT count(*) FROM recipients": rows,
		"SELECT count(*) FROM consent_events WHERE import_id = " + itoa(id) + " AND batch_id IS NULL":                              0,
		"SELECT count(DISTINCT (batch_id, batch_index)) FROM consent_events WHERE import_id = " + itoa(id):                         2 * rows,
		"SELECT COALESCE(sum(items), 0) FROM sync_batches WHERE import_id = " + itoa(id):                                           2 * rows,
		"SELECT count(*) FROM sync_batches WHERE import_id = " + itoa(id) + " AND status = '" + string(store.BatchPreparing) + "'": 0,
		"SELECT count(*) FROM import_approval_items":                                                                               0,
		"SELECT COALESCE(sum(units), 0) FROM quota_ledger WHERE kind = 'reserve' AND import_id = " + itoa(id):                      2 * rows,
	} {
		if n := count(t, e, q); n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
	// And İYS gets each consent once.
	waitDelivered(t, api, id)
	if st := e.app.Sim.Stats(); st.StoredTwice != 0 || st.ConsentsStored != 2*rows {
		t.Errorf("İYS stored %d consents, %d delivered twice", st.ConsentsStored, st.StoredTwice)
	}
}

// On the page, "Tümünü Gönder" answers with the import's page at once
// (303), which shows the stage and then the approved import.
func TestApprovalJobFromThePage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Sayfa Firması", "Sayfa Markası", "760002")
	y := e.user("yonetici@sayfa.com.tr", "yonetici", b.ID)
	api := e.apiClient(y)
	id := upload(t, api, "sayfa.xlsx", workbook(t, approvalRows("760002", 3)))
	waitImport(t, api, id)
	c := e.client()
	c.login(y.Email, y.Email+"-parola")
	r := c.post("/imports/"+itoa(id)+"/approve", url.Values{"mode": {"all"}, "confirmed": {"on"}})
	if r.status != 303 || r.header.Get("Location") != "/imports/"+itoa(id) {
		t.Fatalf("approve on the page: %d %s", r.status, r.header.Get("Location"))
	}
	if v := waitImport(t, api, id); !sentStatus(v.Status) {
		t.Fatalf("after the job: %+v", v)
	}
	if body := c.get("/imports/" + itoa(id)).body; !strings.Contains(body, "Onaylayan: "+y.Email) ||
		!strings.Contains(body, `id="import-stage">Onaylandı`) && !strings.Contains(body, `id="import-stage">Gönderiliyor`) && !strings.Contains(body, `id="import-stage">Tamamlandı`) {
		t.Errorf("the approved import's page: %s", between(body, `id="import-status"`, "</div>"))
	}
	if n := count(t, e, "SELECT count(*) FROM consents"); n != 6 {
		t.Errorf("consents: %d, want 6", n)
	}
}

// Two lists that each fit the quota but not together pass the request's
// quick check; the job of the second to reserve refuses it: that import
// is back in preview with the Turkish reason, and nothing of it was
// written, held or batched.
func TestApprovalJobRefusedByQuotaChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.company("Kota Firması", "Kota Markası", "760003")
	e.grant(b.CompanyID, 5000)
	// Three units left of the package.
	if _, err := e.st.Pool().Exec(context.Background(), "UPDATE subscriptions SET spent = units - 3 WHERE company_id = $1", b.CompanyID); err != nil {
		t.Fatal(err)
	}
	y := e.user("yonetici@kota2.com.tr", "yonetici", b.ID)
	api := e.apiClient(y)
	first := upload(t, api, "bir.xlsx", workbook(t, approvalRows("760003", 1)))
	other := approvalRows("760003", 2)[1:] // another recipient
	second := upload(t, api, "iki.xlsx", workbook(t, other))
	waitImport(t, api, first)
	waitImport(t, api, second)
	// Both requests are in before either job reserves.
	ctx := context.Background()
	lock, err := e.st.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec(ctx, "LOCK TABLE subscriptions IN EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{first, second} {
		if r := api.postJSON("/api/v1/imports/"+itoa(id)+"/approve", map[string]any{"mode": "all", "confirmed": true}); r.status != 202 {
			t.Fatalf("approve %d: %d %s", id, r.status, r.body)
		}
	}
	lock.Rollback(ctx)
	a, c := waitImport(t, api, first), waitImport(t, api, second)
	refused, approved := second, a
	if a.Status == "preview" {
		refused, approved = first, c
	}
	v := waitImport(t, api, refused)
	if approved.Status != "approved" || v.Status != "preview" || v.Error == nil || v.Error.Code != "QUOTA" ||
		!strings.Contains(v.Error.Message, "Bu gönderim için 2 izin gerekli, kalan 1") {
		t.Fatalf("approved %+v, refused %+v", approved, v)
	}
	for _, q := range []string{
		"SELECT count(*) FROM consent_events WHERE import_id = " + itoa(refused),
		"SELECT count(*) FROM sync_batches WHERE import_id = " + itoa(refused),
		"SELECT count(*) FROM quota_holds WHERE import_id = " + itoa(refused),
		"SELECT count(*) FROM quota_ledger WHERE import_id = " + itoa(refused),
		"SELECT count(*) FROM import_approval_items",
	} {
		if n := count(t, e, q); n != 0 {
			t.Errorf("%s: %d", q, n)
		}
	}
	// Its page says why, and the list can be sent again once paid for.
	pc := e.client()
	pc.login(y.Email, y.Email+"-parola")
	if body := pc.get("/imports/" + itoa(refused)).body; !strings.Contains(between(body, `id="approve-failed"`, "</div>"), "kalan 1") ||
		!strings.Contains(body, `id="approve-form"`) || !strings.Contains(between(body, `id="cost-short"`, "</div>"), "Kalan kota bu gönderime yetmiyor: 2 izin gerekli, kalan 1") {
		t.Errorf("the refused import's page: %s", between(body, `id="import-status"`, "</div>"))
	}
	e.grant(b.CompanyID, 5000)
	if v := approveAPI(t, api, refused, "all"); v.Status != "approved" || v.Error != nil {
		t.Fatalf("approved again: %+v", v)
	}
}
