package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"iysgate/app/consent"
	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

// hook registers an endpoint of a brand for events.
func hook(t *testing.T, st *store.Store, brandID int64, enabled bool, events ...string) *store.Webhook {
	t.Helper()
	w, err := st.CreateWebhook(context.Background(), store.System, store.WebhookInput{BrandID: brandID, URL: "https://crm.ornek.com.tr/h",
		Events: events, Enabled: enabled}, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// outbox is what an endpoint has pending, each with its data decoded.
type outboxRow struct {
	store.OutgoingHook
	data map[string]any
}

func outbox(t *testing.T, st *store.Store, endpointID int64) []outboxRow {
	t.Helper()
	hs, err := st.PendingWebhookDeliveries(context.Background(), endpointID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]outboxRow, len(hs))
	for i, h := range hs {
		out[i].OutgoingHook = h
		if err := json.Unmarshal(h.Data, &out[i].data); err != nil {
			t.Fatalf("delivery %d: data %s: %v", h.ID, h.Data, err)
		}
	}
	return out
}

func exec(t *testing.T, st *store.Store, sql string, args ...any) {
	t.Helper()
	if _, err := st.Pool().Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

// The outbox holds a consent movement for each enabled endpoint of the
// movement's brand that subscribes to consent.changed, and for nobody
// else: not another brand's, not a disabled one, not one subscribed to
// other events.
func TestWebhookOutboxOnlyForSubscribers(t *testing.T) {
	t.Parallel()
	st, a := setup(t)
	ctx := context.Background()
	other := storetest.Brand(t, st, a.CompanyID, "Öteki", "654322")
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	if _, err := st.ApplyConsent(ctx, store.System, a.ID, onay("+905320000001", consent.TypeMesaj, consent.StatusOnay, at)); err != nil {
		t.Fatal(err)
	}
	var n int
	st.Pool().QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d deliveries without any endpoint", n)
	}
	sub := hook(t, st, a.ID, true, "consent.changed", "consent.refused")
	off := hook(t, st, a.ID, false, "consent.changed")
	quotaOnly := hook(t, st, a.ID, true, "quota.low")
	elsewhere := hook(t, st, other.ID, true, "consent.changed")
	if _, err := st.ApplyConsent(ctx, store.System, a.ID, onay("+905320000001", consent.TypeMesaj, consent.StatusRet, at.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	got := outbox(t, st, sub.ID)
	if len(got) != 1 || got[0].Type != "consent.changed" || got[0].data["status"] != "RET" || got[0].data["origin"] != "manual" ||
		got[0].data["recipient"] != "+905320000001" || got[0].data["brand_code"] != "654321" || got[0].data["type"] != "MESAJ" {
		t.Fatalf("subscriber's outbox: %+v", got)
	}
	for name, w := range map[string]*store.Webhook{"disabled": off, "quota.low only": quotaOnly, "another brand's": elsewhere} {
		if got := outbox(t, st, w.ID); len(got) != 0 {
			t.Errorf("the %s endpoint got %d deliveries", name, len(got))
		}
	}
}

// Pulled changes carry their origin: the citizen's own (an IYS_ source)
// or another provider's (iys_pull); a change kept aside as a conflict is
// not a movement of the consent and is not sent.
func TestWebhookOriginsOfPulledChanges(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	w := hook(t, st, b.ID, true, "consent.changed")
	at := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	if _, err := st.ApplyPulled(ctx, b.ID, "IYS", []store.PulledChange{
		{Recipient: "+905330000001", RecipientType: "BIREYSEL", Type: "MESAJ", Status: "RET", Source: "IYS_MOBIL", ConsentDate: at, TransactionID: "t1"},
		{Recipient: "+905330000002", RecipientType: "BIREYSEL", Type: "ARAMA", Status: "ONAY", Source: "HS_WEB", ConsentDate: at, TransactionID: "t2"},
	}, "c1"); err != nil {
		t.Fatal(err)
	}
	// The same moment with another status: a conflict.
	if _, err := st.ApplyPulled(ctx, b.ID, "HS", []store.PulledChange{
		{Recipient: "+905330000002", RecipientType: "BIREYSEL", Type: "ARAMA", Status: "RET", Source: "HS_WEB", ConsentDate: at, TransactionID: "t3"},
	}, "c2"); err != nil {
		t.Fatal(err)
	}
	got := outbox(t, st, w.ID)
	if len(got) != 2 || got[0].data["origin"] != "iys_citizen" || got[0].data["source"] != "IYS_MOBIL" ||
		got[1].data["origin"] != "iys_pull" || got[1].data["status"] != "ONAY" {
		t.Fatalf("pulled changes: %+v", got)
	}
	if got[0].OrderKey == got[1].OrderKey {
		t.Fatal("two recipients share an order key")
	}
}

// An İYS refusal of a movement is consent.refused with İYS's code and
// message, once (a later update of the event does not repeat it).
func TestWebhookRefusal(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	w := hook(t, st, b.ID, true, "consent.refused")
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	res, err := st.ApplyConsent(ctx, store.System, b.ID, onay("+905340000001", consent.TypeEposta, consent.StatusOnay, at))
	if err != nil {
		t.Fatal(err)
	}
	if got := outbox(t, st, w.ID); len(got) != 0 {
		t.Fatalf("a recorded movement is not a refusal: %+v", got)
	}
	exec(t, st, `UPDATE consent_events SET iys_state = '`+string(store.SyncRefused)+`', iys_code = 'H175', iys_message = 'İlk kayıt RET olamaz' WHERE id = $1`, res.EventID)
	exec(t, st, `UPDATE consent_events SET iys_message = 'İlk kayıt RET olamaz.' WHERE id = $1`, res.EventID)
	got := outbox(t, st, w.ID)
	if len(got) != 1 || got[0].Type != "consent.refused" || got[0].data["iys_code"] != "H175" || got[0].data["iys_message"] != "İlk kayıt RET olamaz." ||
		got[0].data["event_id"] != float64(res.EventID) || got[0].data["status"] != "ONAY" {
		t.Fatalf("refusal: %+v", got)
	}
}

// An import's preview and end are sent to the endpoints of its brands
// with the import as it was then.
func TestWebhookImportEvents(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	u := storetest.User(t, st, "p@ornek.com.tr", "personel", b.ID)
	w := hook(t, st, b.ID, true, "import.previewed", "import.finished")
	var id int64
	if err := st.Pool().QueryRow(ctx, `INSERT INTO imports (user_id, actor, brand_id, filename, status) VALUES ($1, 'p@ornek.com.tr', $2, 'liste.xlsx', 'validating') RETURNING id`,
		u.ID, b.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	exec(t, st, `UPDATE imports SET rows_done = 10 WHERE id = $1`, id) // not a status change
	exec(t, st, `UPDATE imports SET status = 'preview', rows_total = 10, summary = '{"MESAJ":{"total":10}}' WHERE id = $1`, id)
	exec(t, st, `UPDATE imports SET status = 'approved', mode = 'all', approved_by = 'y@ornek.com.tr', approved_at = now() WHERE id = $1`, id)
	exec(t, st, `UPDATE imports SET status = 'done' WHERE id = $1`, id)
	got := outbox(t, st, w.ID)
	if len(got) != 2 || got[0].Type != "import.previewed" || got[1].Type != "import.finished" {
		t.Fatalf("import events: %+v", got)
	}
	p, f := got[0].data, got[1].data
	if p["status"] != "preview" || p["filename"] != "liste.xlsx" || p["rows"] != float64(10) || p["approved_by"] != nil ||
		p["summary"].(map[string]any)["MESAJ"] == nil || p["brand_codes"].([]any)[0] != "654321" {
		t.Fatalf("previewed: %+v", p)
	}
	if f["status"] != "done" || f["approved_by"] != "y@ornek.com.tr" || f["delivery"].(map[string]any)["accepted"] != float64(0) {
		t.Fatalf("finished: %+v", f)
	}
	if got[0].OrderKey != got[1].OrderKey {
		t.Fatal("an import's events are not kept in order")
	}
}

// quota.low is sent when a company's remaining units fall under 10% of
// its valid packages' units (the dashboard's Quota.Low), once, and again
// only after the balance rose above it; the SQL decision follows the Go
// one at every step.
func TestWebhookQuotaLow(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	w := hook(t, st, b.ID, true, "quota.low")
	grant(t, st, b.CompanyID, 5000)
	steps := []struct {
		do   func() error
		sent int // quota.low deliveries so far
	}{
		{func() error { return st.ReserveForImport(ctx, b.CompanyID, 4250, 1) }, 0}, // 750 left: 15%
		{func() error { return st.ReserveForImport(ctx, b.CompanyID, 251, 1) }, 1},  // 499 left: under 10%
		{func() error { return st.ReserveForImport(ctx, b.CompanyID, 1, 1) }, 1},    // still low: not again
		{func() error { return st.SettleImport(ctx, 1, 4000, 0) }, 1},               // debits leave the balance
		{func() error { return st.SettleImport(ctx, 1, 0, 502) }, 1},                // released: 1.000 left
		{func() error { return st.ReserveForImport(ctx, b.CompanyID, 600, 2) }, 2},  // low again
		{func() error { _ = grant(t, st, b.CompanyID, 5000); return nil }, 2},       // a package: 10.000, 5.400 left
	}
	for i, s := range steps {
		if err := s.do(); err != nil {
			t.Fatal(err)
		}
		var sent int
		var low bool
		st.Pool().QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1`, w.ID).Scan(&sent)
		st.Pool().QueryRow(ctx, `SELECT low FROM webhook_quota_state WHERE company_id = $1`, b.CompanyID).Scan(&low)
		if q := quota(t, st, b.CompanyID); sent != s.sent || low != q.Low() {
			t.Fatalf("step %d: %d quota.low sent (want %d); SQL says low=%v, Quota.Low()=%v for %+v", i, sent, s.sent, low, q.Low(), q)
		}
	}
	got := outbox(t, st, w.ID)
	if got[0].data["remaining"] != float64(499) || got[0].data["total"] != float64(5000) || got[0].data["brand_code"] != "654321" ||
		got[0].data["company"].(map[string]any)["title"] != "Örnek" {
		t.Fatalf("quota.low data: %+v", got[0].data)
	}
}
