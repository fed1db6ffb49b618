package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"iysgate/app/store"
	"iysgate/jobs"
)

type deliveryView struct {
	Status   string
	Delivery struct{ Pending, Accepted, Refused int64 }
}

// waitPullIdle waits until the pull that runs at start is over and no
// other is queued (the next comes after IYSPullInterval).
func (e *env) waitPullIdle() {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var done, active int
		if err := e.st.Pool().QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE state = 'completed'),
			count(*) FILTER (WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending'))
			FROM river_job WHERE kind = 'iys_pull_changes'`).Scan(&done, &active); err != nil {
			e.t.Fatal(err)
		}
		if done > 0 && active == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatal("the pull job did not finish")
}

func waitDelivered(t *testing.T, c *client, id int64) deliveryView {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var v deliveryView
	for time.Now().Before(deadline) {
		r := c.get("/api/v1/imports/" + itoa(id))
		json.Unmarshal([]byte(r.body), &v)
		if v.Status == "done" {
			return v
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("import %d not delivered: %+v", id, v)
	return v
}

// An approved import reaches İYS (the simulator) once per consent; İYS's
// refusal is recorded with its code and costs nothing; the quota falls by
// exactly the consents İYS accepted.
func TestDeliveryOfAnImport(t *testing.T) {
	e := newEnv(t)
	b := e.company("Teslim A.Ş.", "Teslim", "720001")
	e.ready(b.CompanyID)
	e.grant(b.CompanyID, 5000)
	y := e.user("y@teslim.com.tr", "yonetici", b.ID)
	api := e.apiClient(y)

	// On İYS's side one recipient rejected after our consent date: our
	// ONAY for them is older and İYS refuses it. (The pull that runs at
	// start is over first, so that iysgate does not learn of it.)
	e.waitPullIdle()
	at := time.Now().Add(-2 * time.Hour)
	if err := e.app.Sim.CitizenRet("7720001", "720001", "+905320000007", "MESAJ", "BIREYSEL"); err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	for i := range 30 {
		rows = append(rows, []any{"720001", "BIREYSEL", "Ad", "Soyad", fmt.Sprintf("0532 %07d", i), "", "", "ONAY", "", "HS_WEB", at.Format("02.01.2006 15:04:05")})
	}
	id := upload(t, api, "teslim.xlsx", workbook(t, rows))
	if v := waitImport(t, api, id); v.Summary["MESAJ"].Total != 30 || v.Summary["MESAJ"].New != 30 {
		t.Fatalf("preview of 30 new MESAJ consents: %+v", v.Summary)
	}
	if v := approveAPI(t, api, id, "all"); v.Error != nil {
		t.Fatalf("approve: %+v", v)
	}
	v := waitDelivered(t, api, id)
	if v.Delivery.Accepted != 29 || v.Delivery.Refused != 1 || v.Delivery.Pending != 0 {
		t.Fatalf("delivery %+v, want 29 accepted and 1 refused", v.Delivery)
	}
	st := e.app.Sim.Stats()
	if st.StoredTwice != 0 {
		t.Fatalf("the simulator stored %d movements twice", st.StoredTwice)
	}
	if q := getQuota(t, api, b.CompanyID); q.Spent != 29 || q.Reserved != 0 || q.Remaining != 5000-29 {
		t.Fatalf("quota after delivery %+v, want 29 spent", q)
	}
	var code string
	if err := e.st.Pool().QueryRow(context.Background(), `SELECT e.iys_code FROM consent_events e JOIN recipients r ON r.id = e.recipient_id
		WHERE r.recipient = '+905320000007' AND e.origin = 'import'`).Scan(&code); err != nil || code != "H178" {
		t.Fatalf("the refused item's code: %q %v", code, err)
	}
	// The refusal is in Hata Bildirimleri with İYS's code and a hint; the
	// batch on Gönderimler is done.
	yc := e.client()
	yc.login(y.Email, y.Email+"-parola")
	if page := yc.get("/imports/errors"); !strings.Contains(page.body, "H178") || !strings.Contains(page.body, "905320000007") {
		t.Fatalf("Hata Bildirimleri lacks İYS's refusal: %d %s", page.status, page.body)
	}
	if page := yc.get("/deliveries"); !strings.Contains(page.body, "Tamamlandı") || !strings.Contains(page.body, "İçe aktarım #"+itoa(id)) {
		t.Fatal("Gönderimler lacks the finished batch")
	}
	// Prometheus sees the items, the calls, the queue and the balance.
	body := e.client().get("/metrics").body
	for _, want := range []string{
		`iysgate_iys_items_total{outcome="accepted"} 29`,
		`iysgate_iys_items_total{outcome="refused"} 1`,
		`iysgate_iys_calls_total{endpoint="consent_request_v2",result="202"} 1`,
		`iysgate_iys_call_duration_seconds_count{endpoint="consent_request_result_v2"}`,
		`iysgate_iys_open_batches 0`,
		`iysgate_iys_lists_in_flight 0`,
		`iysgate_iys_held_companies 0`,
		`iysgate_iys_rate_per_second 10`,
		`iysgate_quota_remaining_units{company_id="` + itoa(b.CompanyID) + `"} 4971`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	promtoolCheck(t, body)
}

// A consent added by hand is delivered alone; a citizen's RET on İYS comes
// back with the pull and wins over the older local ONAY.
func TestSingleConsentAndPull(t *testing.T) {
	e := newEnv(t)
	b := e.company("Tekil A.Ş.", "Tekil", "720002")
	e.ready(b.CompanyID)
	e.grant(b.CompanyID, 5000)
	y := e.user("y@tekil.com.tr", "yonetici", b.ID)
	api := e.apiClient(y)
	r := api.postJSON("/api/v1/consents", map[string]any{"brand_code": "720002", "recipient": "0533 111 22 33", "type": "MESAJ",
		"status": "ONAY", "source": "HS_WEB", "consent_date": time.Now().Add(-time.Hour).Format("02.01.2006 15:04:05"), "recipient_type": "BIREYSEL"})
	if r.status != 201 && r.status != 200 {
		t.Fatalf("add consent: %d %s", r.status, r.body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, ok := e.app.Sim.Consent("7720002", "720002", "+905331112233", "BIREYSEL", "MESAJ"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the single consent never reached İYS")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The citizen rejects on İYS's side; the pull brings it back (the one
	// that runs at start is over first, so that ours is not merged into it).
	e.waitPullIdle()
	if err := e.app.Sim.CitizenRet("7720002", "720002", "+905331112233", "MESAJ", "BIREYSEL"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.River.Insert(context.Background(), jobs.PullChangesArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	for {
		h := api.get("/api/v1/consents/history?brand_code=720002&recipient=%2B905331112233")
		if strings.Contains(h.body, `"RET"`) && strings.Contains(h.body, `"iys"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the citizen's RET did not come back: %s", h.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The check before a campaign answers RET for them.
	r = api.postJSON("/api/v1/check", map[string]any{"brand_code": "720002", "type": "MESAJ", "recipients": []string{"0533 111 22 33"}})
	if r.status != 200 || !strings.Contains(r.body, `"status":"RET"`) {
		t.Fatalf("check after the pull: %d %s", r.status, r.body)
	}
	if q := getQuota(t, api, b.CompanyID); q.Spent != 1 {
		t.Fatalf("one delivered consent must cost one unit: %+v", q)
	}
	// A brand not pulled for 6 days is flagged on the dashboard.
	yc := e.client()
	yc.login(y.Email, y.Email+"-parola")
	if page := yc.get("/"); strings.Contains(page.body, "stale-pull") {
		t.Fatal("a freshly pulled brand is flagged")
	}
	if _, err := e.st.Pool().Exec(context.Background(), `UPDATE pull_cursors SET last_success_at = now() - interval '6 days 1 hour'`); err != nil {
		t.Fatal(err)
	}
	if page := yc.get("/"); !strings.Contains(page.body, "6 gündür alınamadı") {
		t.Fatal("the dashboard does not warn of a brand not pulled for 6 days")
	}
}

// A recipient's ONAY and, right after, its RET reach İYS in that order:
// the RET sent first would be refused as a first record.
func TestDeliveryKeepsOrderPerRecipient(t *testing.T) {
	e := newEnv(t)
	b := e.company("Sıra A.Ş.", "Sıra", "720003")
	e.ready(b.CompanyID)
	e.grant(b.CompanyID, 5000)
	api := e.apiClient(e.user("y@sira.com.tr", "yonetici", b.ID))
	t0 := time.Now().Add(-2 * time.Hour)
	for i, status := range []string{"ONAY", "RET", "ONAY", "RET"} {
		r := api.postJSON("/api/v1/consents", map[string]any{"brand_code": "720003", "recipient": "0534 000 00 01", "type": "MESAJ",
			"status": status, "source": "HS_WEB", "consent_date": t0.Add(time.Duration(i) * time.Minute).Format("2006-01-02 15:04:05"), "recipient_type": "BIREYSEL"})
		if r.status != 201 {
			t.Fatalf("consent %d: %d %s", i, r.status, r.body)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var open, refused int
		if err := e.st.Pool().QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE iys_state = ANY($1)),
			count(*) FILTER (WHERE iys_state = $2) FROM consent_events`, []store.SyncState{store.SyncPending, store.SyncSent}, store.SyncRefused).Scan(&open, &refused); err != nil {
			t.Fatal(err)
		}
		if refused > 0 {
			t.Fatalf("%d changes refused by İYS: delivered out of order", refused)
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the four changes were not delivered")
		}
		time.Sleep(100 * time.Millisecond)
	}
	sc, ok := e.app.Sim.Consent("7720003", "720003", "+905340000001", "BIREYSEL", "MESAJ")
	if !ok || sc.Status != "RET" || sc.Versions != 4 {
		t.Fatalf("İYS holds %+v, want the fourth change (RET) as version 4", sc)
	}
}

// A file that changes one recipient twice on a channel (ONAY, then RET a
// minute later) is approved as two changes in two lists, sent in order:
// İYS refuses a list holding a key twice (H194), and the RET sent first
// would be refused as a first record.
func TestImportWithARecipientTwice(t *testing.T) {
	e := newEnv(t)
	b := e.company("Çift A.Ş.", "Çift", "720004")
	e.ready(b.CompanyID)
	e.grant(b.CompanyID, 5000)
	api := e.apiClient(e.user("y@cift.com.tr", "yonetici", b.ID))
	t0 := time.Now().Add(-2 * time.Hour).In(time.FixedZone("TRT", 3*3600))
	at := func(m int) string { return t0.Add(time.Duration(m) * time.Minute).Format("02.01.2006 15:04:05") }
	csv := "marka_kodu,alici_tipi,telefon,mesaj_izni,kaynak,izin_tarihi\n" +
		"720004,BIREYSEL,05340000002,ONAY,HS_WEB," + at(0) + "\n" +
		"720004,BIREYSEL,05340000003,ONAY,HS_WEB," + at(0) + "\n" +
		"720004,BIREYSEL,05340000002,RET,HS_WEB," + at(1) + "\n"
	id := upload(t, api, "iki-kez.csv", []byte(csv))
	if v := waitImport(t, api, id); v.Status != "preview" {
		t.Fatalf("import: %+v", v)
	}
	approveAPI(t, api, id, "all")
	d := waitDelivered(t, api, id)
	if n := count(t, e, `SELECT count(*) FROM consent_events WHERE iys_state = '`+string(store.SyncRefused)+`'`); n != 0 {
		t.Fatalf("%d changes refused by İYS (delivery %+v)", n, d)
	}
	if n := count(t, e, `SELECT count(*) FROM sync_batches`); n != 2 {
		t.Errorf("%d lists, want 2: the second change of a recipient in a list of its own", n)
	}
	sc, ok := e.app.Sim.Consent("7720004", "720004", "+905340000002", "BIREYSEL", "MESAJ")
	if !ok || sc.Status != "RET" || sc.Versions != 2 {
		t.Fatalf("İYS holds %+v, want the RET as the second version", sc)
	}
}

// An Admin's import spanning two companies charges each its own consents,
// also when one company becomes ready for İYS only after the approval (its
// consents then go out in a batch made by the sweep).
func TestDeliveryAcrossCompanies(t *testing.T) {
	e := newEnv(t)
	a := e.company("Bir A.Ş.", "Bir", "740001")
	b := e.company("İki A.Ş.", "İki", "740002")
	e.ready(a.CompanyID)
	e.grant(a.CompanyID, 5000)
	e.grant(b.CompanyID, 25000)
	// B's package ends first: settling A's consents must still not touch it.
	if _, err := e.st.Pool().Exec(context.Background(), `UPDATE subscriptions SET ends_at = now() + interval '40 days' WHERE company_id = $1`, b.CompanyID); err != nil {
		t.Fatal(err)
	}
	api := e.apiClient(e.adminUser())
	at := time.Now().Add(-time.Hour).Format("02.01.2006 15:04:05")
	var rows [][]any
	for i := range 3 {
		rows = append(rows, []any{"740001", "BIREYSEL", "", "", fmt.Sprintf("0536 000 00 %02d", i), "", "", "ONAY", "", "HS_WEB", at})
	}
	for i := range 2 {
		rows = append(rows, []any{"740002", "BIREYSEL", "", "", fmt.Sprintf("0537 000 00 %02d", i), "", "", "ONAY", "", "HS_WEB", at})
	}
	id := upload(t, api, "iki-firma.xlsx", workbook(t, rows))
	waitImport(t, api, id)
	if v := approveAPI(t, api, id, "all"); v.Error != nil {
		t.Fatalf("approve: %+v", v)
	}
	wait := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: A %+v, B %+v", what, getQuota(t, api, a.CompanyID), getQuota(t, api, b.CompanyID))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	wait("A's consents delivered", func() bool { return getQuota(t, api, a.CompanyID).Spent == 3 })
	if qb := getQuota(t, api, b.CompanyID); qb.Spent != 0 || qb.Reserved != 2 {
		t.Fatalf("B, not ready for İYS, must hold 2 and spend nothing: %+v", qb)
	}
	e.ready(b.CompanyID)
	if _, err := e.app.River.Insert(context.Background(), jobs.SweepDeliveryArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	wait("B's consents delivered after the sweep", func() bool {
		q := getQuota(t, api, b.CompanyID)
		return q.Spent == 2 && q.Reserved == 0
	})
	if qa := getQuota(t, api, a.CompanyID); qa.Spent != 3 || qa.Reserved != 0 {
		t.Fatalf("A after B's delivery: %+v", qa)
	}
	wait("import done", func() bool {
		return strings.Contains(api.get("/api/v1/imports/"+itoa(id)).body, `"status":"done"`)
	})
}
