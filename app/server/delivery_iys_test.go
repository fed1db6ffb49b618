package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"iysgate/app/config"
	"iysgate/app/consent"
	"iysgate/app/iys/iystest"
	"iysgate/app/store"
	"iysgate/jobs"
)

// simEnv is an iysgate talking to a simulator of its own, whose operator
// endpoints the test reaches.
func simEnv(t *testing.T, cfg iystest.Config, mod func(*config.Config)) (*env, *iystest.Sim, string) {
	t.Helper()
	sim, srv := iystest.NewServer(t, cfg)
	e := newEnvWith(t, func(c *config.Config) {
		c.IYSBaseURL, c.IYSUsername, c.IYSPassword = srv.URL, "entegrator", "parola"
		if mod != nil {
			mod(c)
		}
	})
	return e, sim, srv.URL
}

// consent adds a consent by hand through the API.
func addConsent(t *testing.T, api *client, brandCode, phone, status string, at time.Time) {
	t.Helper()
	r := api.postJSON("/api/v1/consents", map[string]any{"brand_code": brandCode, "recipient": phone, "type": "MESAJ", "status": status,
		"source": "HS_WEB", "consent_date": at.In(time.FixedZone("TRT", 3*3600)).Format("2006-01-02 15:04:05"), "recipient_type": "BIREYSEL"})
	if r.status != 201 {
		t.Fatalf("add consent: %d %s", r.status, r.body)
	}
}

// eventOf is the İYS outcome of a recipient's last change on MESAJ.
func (e *env) eventOf(recipient string) (state store.SyncState, code, txn string) {
	e.t.Helper()
	if err := e.st.Pool().QueryRow(context.Background(), `SELECT e.iys_state, COALESCE(e.iys_code, ''), COALESCE(e.iys_transaction_id, '')
		FROM consent_events e JOIN recipients r ON r.id = e.recipient_id WHERE r.recipient = $1 AND e.type = 'MESAJ'
		ORDER BY e.id DESC LIMIT 1`, recipient).Scan(&state, &code, &txn); err != nil {
		e.t.Fatal(err)
	}
	return state, code, txn
}

// waitFinal waits until no change is open.
func (e *env) waitFinal(what string) {
	e.t.Helper()
	// İYS answers within seconds here; the margin is the delivery sweep's
	// minute, which starts a company's run when a finishing one missed
	// work published as it ended (seen on loaded clean-clone runs).
	deadline := time.Now().Add(90 * time.Second)
	for {
		var open int
		if err := e.st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM consent_events
			WHERE iys_state = ANY($1)`, []store.SyncState{store.SyncQuota, store.SyncPending, store.SyncSent}).Scan(&open); err != nil {
			e.t.Fatal(err)
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: %d changes still open", what, open)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func importRows(t *testing.T, api *client, brandCode string, phones []string, status string, at time.Time) int64 {
	t.Helper()
	var rows [][]any
	for _, p := range phones {
		rows = append(rows, []any{brandCode, "BIREYSEL", "", "", p, "", "", status, "", "HS_WEB", at.Format("02.01.2006 15:04:05")})
	}
	id := upload(t, api, "liste.xlsx", workbook(t, rows))
	waitImport(t, api, id)
	approveAPI(t, api, id, "all")
	return id
}

// The simulator's refusal endpoint makes İYS refuse a recipient's next
// movement with a code; the app records the refusal with İYS's code and
// spends nothing for it: for a list refused whole on arrival (the item's
// index named, the others sent again), for a failure decided later, and for
// a single add's 400.
func TestRefusalRecordedWithIYSCode(t *testing.T) {
	e, sim, base := simEnv(t, iystest.Config{RateLimits: true, AsyncDelay: 100 * time.Millisecond}, nil)
	b := e.company("Red A.Ş.", "Red", "750001")
	e.ready(b.CompanyID)
	e.grant(b.CompanyID, 5000)
	api := e.apiClient(e.user("y@red.com.tr", "yonetici", b.ID))
	refuse := func(recipient, code string) {
		t.Helper()
		body := fmt.Sprintf(`{"iys_code":"7750001","brand_code":"750001","recipient":%q,"type":"MESAJ","code":%q}`, recipient, code)
		res, err := http.Post(base+"/_sim/refuse", "application/json", strings.NewReader(body))
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("/_sim/refuse: %v %v", res, err)
		}
		res.Body.Close()
	}
	refuse("+905330000001", "H467") // on arrival: the list refused whole
	refuse("+905330000002", "H178") // when decided
	refuse("+905330000009", "H175") // a single add's 400
	at := time.Now().Add(-time.Hour)
	importRows(t, api, "750001", []string{"0533 000 00 01", "0533 000 00 02", "0533 000 00 03", "0533 000 00 04"}, "ONAY", at)
	addConsent(t, api, "750001", "0533 000 00 09", "ONAY", at)
	e.waitFinal("the refusals")
	for recipient, code := range map[string]string{"+905330000001": "H467", "+905330000002": "H178", "+905330000009": "H175"} {
		if state, got, _ := e.eventOf(recipient); state != store.SyncRefused || got != code {
			t.Errorf("%s: %s %q, İYS refused it with %s", recipient, state, got, code)
		}
	}
	for _, r := range []string{"+905330000003", "+905330000004"} {
		if state, _, txn := e.eventOf(r); state != store.SyncRegistered || len(txn) != 64 {
			t.Errorf("%s, sent again after the list's refusal: %s %q", r, state, txn)
		}
	}
	if st := sim.Stats(); st.ConsentsStored != 2 || st.Requests["consent_request_v2"]["422"] != 1 || st.Requests["consent_add_v2"]["400"] != 1 {
		t.Errorf("simulator %+v", st)
	}
	if q := getQuota(t, api, b.CompanyID); q.Spent != 2 || q.Reserved != 0 {
		t.Errorf("quota %+v, want the 2 accepted spent", q)
	}
	yc := e.client()
	yc.login("y@red.com.tr", "y@red.com.tr-parola")
	if page := yc.get("/imports/errors"); !strings.Contains(page.body, "H467") || !strings.Contains(page.body, "3 iş gününden eski") {
		t.Errorf("Hata Bildirimleri lacks İYS's code and its Turkish explanation")
	}
}

// An answer lost after İYS stored the movement is settled without storing
// it twice: a single add by its V2 resend, which İYS answers with the same
// transactionId; a list by asking İYS (the multiple status query) before
// anything is sent again, and a RET, which that query cannot confirm, by a
// V2 resend İYS recognises. The simulator takes the hardest readings: a
// repeat with the same date is stored again, and a queued copy is not
// recognised.
func TestLostAnswersSettledWithoutDuplicates(t *testing.T) {
	e, sim, _ := simEnv(t, iystest.Config{RateLimits: true, AsyncDelay: 100 * time.Millisecond, SameDateStored: true}, nil)
	b := e.company("Kayıp A.Ş.", "Kayıp", "750002")
	e.ready(b.CompanyID)
	e.grant(b.CompanyID, 5000)
	api := e.apiClient(e.user("y@kayip.com.tr", "yonetici", b.ID))
	at := time.Now().Add(-2 * time.Hour)

	sim.SetFaults(iystest.Faults{LoseAnswers: 1})
	addConsent(t, api, "750002", "0533 000 00 01", "ONAY", at)
	waitFor(t, "the single add lost", func() bool { return sim.Stats().Requests["consent_add_v2"]["lost"] > 0 }, sim)
	sim.SetFaults(iystest.Faults{})
	e.waitFinal("the single add")
	state, _, txn := e.eventOf("+905330000001")
	stored, _ := sim.Consent("7750002", "750002", "+905330000001", "BIREYSEL", "MESAJ")
	if state != store.SyncRegistered || txn != stored.TransactionID || stored.Versions != 1 {
		t.Fatalf("single add: %s %q; İYS holds %+v", state, txn, stored)
	}

	phones := []string{"0533 000 00 02", "0533 000 00 03", "0533 000 00 04"}
	sim.SetFaults(iystest.Faults{LoseAnswers: 1})
	importRows(t, api, "750002", phones, "ONAY", at)
	waitFor(t, "the list lost", func() bool { return sim.Stats().Requests["consent_request_v2"]["lost"] > 0 }, sim)
	sim.SetFaults(iystest.Faults{})
	e.waitFinal("the ONAY list")
	if st := sim.Stats(); st.Requests["consent_request_v2"]["202"] != 0 || st.Requests["consent_status_multiple"]["200"] == 0 {
		t.Fatalf("the ONAY list was sent again instead of asked about: %v", st.Requests)
	}

	sim.SetFaults(iystest.Faults{LoseAnswers: 1})
	importRows(t, api, "750002", phones, "RET", at.Add(time.Hour))
	// (Within the delivery sweep's minute: a run of the company's job that
	// was finishing as the approval published its batches may miss them;
	// the sweep then starts one.)
	waitWithin(t, "the RET list lost", 90*time.Second, func() bool { return sim.Stats().Requests["consent_request_v2"]["lost"] > 1 })
	sim.SetFaults(iystest.Faults{})
	e.waitFinal("the RET list")

	st := sim.Stats()
	if st.StoredTwice != 0 || st.Movements != 7 || st.RecognisedResends < 4 {
		t.Fatalf("simulator %+v: want 7 movements, none twice, the resends recognised", st)
	}
	for _, p := range []string{"+905330000002", "+905330000003", "+905330000004"} {
		if state, _, _ := e.eventOf(p); state != store.SyncRegistered {
			t.Errorf("%s: %s", p, state)
		}
	}
	if q := getQuota(t, api, b.CompanyID); q.Spent != 7 || q.Reserved != 0 {
		t.Errorf("quota %+v, want 7 spent", q)
	}
}

func waitFor(t *testing.T, what string, ok func() bool, sim ...*iystest.Sim) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			for _, s := range sim {
				t.Logf("simulator: %+v", s.Stats())
			}
			t.Fatalf("waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A company İYS does not authorise (403 H521: its İYS subscription
// closed) is stopped with a Turkish reason instead of retried, until a
// person resumes it.
func TestCompanyStoppedByIYS(t *testing.T) {
	e, sim, _ := simEnv(t, iystest.Config{RateLimits: true, AsyncDelay: 100 * time.Millisecond}, nil)
	b := e.company("Kapalı A.Ş.", "Kapalı", "750003")
	e.ready(b.CompanyID)
	e.grant(b.CompanyID, 5000)
	api := e.apiClient(e.user("y@kapali.com.tr", "yonetici", b.ID))
	if err := sim.BlockCompany("7750003", "H521"); err != nil {
		t.Fatal(err)
	}
	addConsent(t, api, "750003", "0533 000 00 01", "ONAY", time.Now().Add(-time.Hour))
	ctx := context.Background()
	waitFor(t, "the hold", func() bool { h, _ := e.st.DeliveryHold(ctx, b.CompanyID); return h != nil })
	time.Sleep(2 * time.Second)
	if n := sim.Stats().Requests["consent_add_v2"]["403"]; n != 1 {
		t.Fatalf("İYS's refusal was tried %d times", n)
	}
	states, err := e.st.DeliveryStates(ctx, []int64{b.CompanyID}, false)
	if err != nil || len(states) != 1 || len(states[0].Waiting) != 1 || !strings.Contains(states[0].Waiting[0], "İYS aboneliği kapalı") {
		t.Fatalf("delivery state %+v %v", states, err)
	}
	if err := sim.BlockCompany("7750003", ""); err != nil {
		t.Fatal(err)
	}
	if held, err := e.app.Store.ResumeDelivery(ctx, store.System, b.CompanyID); err != nil || !held {
		t.Fatalf("resume: %v %v", held, err)
	}
	e.waitFinal("after resuming")
	if state, _, _ := e.eventOf("+905330000001"); state != store.SyncRegistered {
		t.Fatalf("after resuming: %s", state)
	}
}

// With the integrator code set, İYS's integrator query decides: a company
// İYS does not list waits with a Turkish reason (the manual tick does not
// override it), a channel İYS grants only reading waits, and delivery
// starts once İYS lists the agency.
func TestIntegratorCheckHoldsBack(t *testing.T) {
	e, sim, _ := simEnv(t, iystest.Config{RateLimits: true, AsyncDelay: 100 * time.Millisecond,
		Integrators: map[string][]iystest.Grant{"900900": {{IYSCode: "7750004", BrandCode: "750004",
			Access: map[string]string{"ARAMA": "write", "MESAJ": "write", "EPOSTA": "write"}}}}},
		func(c *config.Config) { c.IYSIntegratorCode = "900900" })
	listed := e.company("Listede A.Ş.", "Listede", "750004")
	other := e.company("Listede Değil A.Ş.", "Listede Değil", "750005")
	e.grant(listed.CompanyID, 5000)
	e.grant(other.CompanyID, 5000)
	e.ready(other.CompanyID) // ticked by hand, yet İYS does not list us
	admin := e.apiClient(e.adminUser())
	ctx := context.Background()
	check := func() {
		t.Helper()
		if _, err := e.app.River.Insert(ctx, jobs.CheckIntegratorArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		n := 0
		waitFor(t, "the integrator check", func() bool {
			_ = e.st.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'iys_check_integrator'
				AND state IN ('available', 'running', 'retryable', 'scheduled', 'pending')`).Scan(&n)
			return n == 0
		})
	}
	check()
	at := time.Now().Add(-time.Hour)
	addConsent(t, admin, "750004", "0533 000 00 01", "ONAY", at)
	addConsent(t, admin, "750005", "0533 000 00 02", "ONAY", at)
	waitFor(t, "the listed company's delivery", func() bool { s, _, _ := e.eventOf("+905330000001"); return s == store.SyncRegistered })
	time.Sleep(time.Second)
	if s, _, _ := e.eventOf("+905330000002"); s != store.SyncPending {
		t.Fatalf("the company İYS does not list: %s", s)
	}
	states, err := e.st.DeliveryStates(ctx, []int64{listed.CompanyID, other.CompanyID}, true) // in company order
	if err != nil || len(states) != 2 || len(states[1].Waiting) != 1 || states[1].Listed || states[1].CheckError != "" ||
		!strings.Contains(states[1].Waiting[0], "iş ortağı olarak göstermiyor") || len(states[0].Waiting) != 0 {
		t.Fatalf("delivery states %+v %v", states, err)
	}
	if a := states[0].Access; len(a) != 3 || a[1].Type != "MESAJ" || a[1].Access != "write" {
		t.Fatalf("İYS's access for the listed company: %+v", a)
	}
	// İYS now lists the agency for the other company, MESAJ to read only.
	sim.SetGrants("900900", []iystest.Grant{
		{IYSCode: "7750004", BrandCode: "750004", Access: map[string]string{"ARAMA": "write", "MESAJ": "write", "EPOSTA": "write"}},
		{IYSCode: "7750005", BrandCode: "750005", Access: map[string]string{"ARAMA": "write", "MESAJ": "read"}}})
	check()
	states, _ = e.st.DeliveryStates(ctx, []int64{other.CompanyID}, true)
	if len(states) != 1 || len(states[0].Waiting) != 2 || !strings.Contains(states[0].Waiting[0], "MESAJ izinlerinde ajansa yalnızca okuma yetkisi veriyor") {
		t.Fatalf("read-only MESAJ: %+v", states)
	}
	if s, _, _ := e.eventOf("+905330000002"); s != store.SyncPending {
		t.Fatalf("MESAJ read only: %s", s)
	}
	sim.SetGrants("900900", []iystest.Grant{
		{IYSCode: "7750005", BrandCode: "750005", Access: map[string]string{"ARAMA": "write", "MESAJ": "write", "EPOSTA": "write"}}})
	check()
	e.waitFinal("once İYS lists the agency")
	if s, _, _ := e.eventOf("+905330000002"); s != store.SyncRegistered {
		t.Fatalf("after İYS listed the agency: %s", s)
	}
}

// A brand with nothing new at İYS (204) counts as pulled, not as failing;
// a recipient adding the brand in İYS comes back with İYS's source.
func TestPullNothingNewAndIYSSources(t *testing.T) {
	e, sim, _ := simEnv(t, iystest.Config{RateLimits: true}, nil)
	b := e.company("Sessiz A.Ş.", "Sessiz", "750006")
	e.ready(b.CompanyID)
	e.grant(b.CompanyID, 5000)
	ctx := context.Background()
	e.waitPullIdle()
	pull := func() {
		t.Helper()
		if _, err := e.app.River.Insert(ctx, jobs.PullChangesArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		e.waitPullIdle()
	}
	pull()
	var ok, failed int
	if err := e.st.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE last_success_at IS NOT NULL), count(*) FILTER (WHERE last_error IS NOT NULL)
		FROM pull_cursors WHERE brand_id = $1`, b.ID).Scan(&ok, &failed); err != nil || ok != 2 || failed != 0 {
		t.Fatalf("a pull with nothing new: %d sources pulled, %d failing (%v)", ok, failed, err)
	}
	if stale, err := e.st.StalePulls(ctx, []int64{b.ID}, time.Minute); err != nil || len(stale) != 0 {
		t.Fatalf("a quiet brand is flagged: %+v %v", stale, err)
	}
	if sim.Stats().Requests["consent_changes"]["204"] < 2 {
		t.Fatalf("İYS answered %v", sim.Stats().Requests["consent_changes"])
	}
	if _, err := sim.CitizenMove(iystest.Citizen{IYSCode: "7750006", BrandCode: "750006", Recipient: "+905330000001", Type: "MESAJ",
		Status: "ONAY", CitizenName: "Ayşe Yılmaz"}); err != nil {
		t.Fatal(err)
	}
	pull()
	var source, label string
	if err := e.st.Pool().QueryRow(ctx, `SELECT e.source FROM consent_events e JOIN recipients r ON r.id = e.recipient_id
		WHERE r.recipient = '+905330000001' AND e.origin = 'iys'`).Scan(&source); err != nil {
		t.Fatal(err)
	}
	label = consent.Source(source).Label()
	if source != "IYS_WEB_YENI" || !strings.HasPrefix(label, "İYS Web") {
		t.Fatalf("pulled source %q labelled %q", source, label)
	}
}
