package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"iysgate/app/config"
	"iysgate/jobs"
)

// hookMsg is a webhook a receiver accepted.
type hookMsg struct {
	ID   string
	Type string
	Data map[string]any
}

// hookReceiver is a client's system on loopback: it verifies every
// request's signature with the Standard Webhooks reference library and
// answers as script says for the n-th request (1-based): "ok", "500" or
// "timeout" (no answer until the caller gives up).
type hookReceiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	wh       *standardwebhooks.Webhook
	script   func(n int) string
	n        int
	got      []hookMsg
	seen     map[string]int // accepted per webhook-id
	badSig   []string
	jitter   bool   // answer after a random few milliseconds
	redirect string // answer every request with a redirect there
}

func newHookReceiver(t *testing.T, script func(n int) string) *hookReceiver {
	r := &hookReceiver{script: script, seen: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.n++
	mode := "ok"
	if r.script != nil {
		mode = r.script(r.n)
	}
	wh, jitter := r.wh, r.jitter
	r.mu.Unlock()
	if r.redirect != "" {
		http.Redirect(w, req, r.redirect, http.StatusTemporaryRedirect)
		return
	}
	if jitter {
		time.Sleep(time.Duration(rand.IntN(15)) * time.Millisecond)
	}
	switch mode {
	case "500":
		http.Error(w, "geçici arıza", http.StatusInternalServerError)
		return
	case "timeout":
		<-req.Context().Done()
		return
	}
	if wh == nil || wh.Verify(body, req.Header) != nil {
		r.mu.Lock()
		r.badSig = append(r.badSig, req.Header.Get("webhook-id"))
		r.mu.Unlock()
		http.Error(w, "imza geçersiz", http.StatusUnauthorized)
		return
	}
	var p struct {
		Type      string
		Timestamp time.Time
		Data      map[string]any
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Timestamp.IsZero() {
		http.Error(w, "gövde okunamadı", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.got = append(r.got, hookMsg{ID: req.Header.Get("webhook-id"), Type: p.Type, Data: p.Data})
	r.seen[req.Header.Get("webhook-id")]++
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *hookReceiver) setSecret(t *testing.T, secret string) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.wh = wh
	r.mu.Unlock()
}

func (r *hookReceiver) messages() []hookMsg {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookMsg(nil), r.got...)
}

func (r *hookReceiver) requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// hookEnv is an appliance that may call loopback (the receivers), retries
// after 50 ms and gives a request 300 ms.
func hookEnv(t *testing.T, mod func(*config.Config)) *env {
	return newEnvWith(t, func(c *config.Config) {
		c.WebhookAllow = "127.0.0.1"
		c.WebhookRetryMin = 50 * time.Millisecond
		c.WebhookTimeout = 300 * time.Millisecond
		if mod != nil {
			mod(c)
		}
	})
}

type hookView struct {
	ID             int64
	BrandCode      string `json:"brand_code"`
	URL            string
	Events         []string
	Enabled        bool
	DisabledReason string `json:"disabled_reason"`
	Secret         string
	Pending        int64
}

// createHook registers an endpoint through the API and gives the receiver
// its secret.
func createHook(t *testing.T, api *client, r *hookReceiver, brandCode string, events ...string) hookView {
	t.Helper()
	res := api.postJSON("/api/v1/webhooks", map[string]any{"brand_code": brandCode, "url": r.srv.URL + "/iys", "events": events,
		"description": "CRM"})
	var h hookView
	if res.status != http.StatusCreated || json.Unmarshal([]byte(res.body), &h) != nil || !strings.HasPrefix(h.Secret, "whsec_") {
		t.Fatalf("create webhook: %d %s", res.status, res.body)
	}
	r.setSecret(t, h.Secret)
	return h
}

func waitWithin(t *testing.T, what string, max time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(max)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s in vain: %s", max, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// changes makes, for each of n recipients, the alternating changes ONAY,
// RET, ONAY, … (k of them), interleaved across recipients, through the
// consent API, and returns each recipient's statuses in order.
func changes(t *testing.T, api *client, brandCode string, n, k int) map[string][]string {
	t.Helper()
	want := map[string][]string{}
	t0 := time.Now().Add(-3 * time.Hour)
	for j := range k {
		for i := range n {
			phone := fmt.Sprintf("+9053900000%02d", i)
			status := []string{"ONAY", "RET"}[j%2]
			addConsent(t, api, brandCode, phone, status, t0.Add(time.Duration(j)*time.Minute))
			want[phone] = append(want[phone], status)
		}
	}
	return want
}

// checkOrder fails unless msgs hold every change of want exactly once, in
// each recipient's order.
func checkOrder(t *testing.T, msgs []hookMsg, want map[string][]string) {
	t.Helper()
	got := map[string][]string{}
	ids := map[string]bool{}
	for _, m := range msgs {
		if ids[m.ID] {
			t.Errorf("webhook-id %s accepted twice", m.ID)
		}
		ids[m.ID] = true
		if m.Type != "consent.changed" {
			t.Errorf("unexpected %s", m.Type)
			continue
		}
		r := m.Data["recipient"].(string)
		got[r] = append(got[r], m.Data["status"].(string))
	}
	for r, w := range want {
		if strings.Join(got[r], ",") != strings.Join(w, ",") {
			t.Errorf("%s received %v, want %v", r, got[r], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("received changes of %d recipients, want %d", len(got), len(want))
	}
}

// Every change reaches the receiver signed (the reference library verifies
// it), once, and each recipient's ONAY, RET, ONAY, … in order although
// the endpoint's requests go several at a time and answer in any order.
func TestWebhookSignedAndInOrderPerRecipient(t *testing.T) {
	t.Parallel()
	e := hookEnv(t, nil)
	b := e.brand("Kanca A.Ş.", "Kanca", "760001")
	api := e.apiClient(e.user("y@kanca.com.tr", "yonetici", b.ID))
	r := newHookReceiver(t, nil)
	r.jitter = true
	h := createHook(t, api, r, "760001", "consent.changed")
	want := changes(t, api, "760001", 6, 5)
	waitWithin(t, "30 changes received", 30*time.Second, func() bool { return len(r.messages()) >= 30 })
	msgs := r.messages()
	checkOrder(t, msgs, want)
	r.mu.Lock()
	if len(r.badSig) != 0 {
		t.Fatalf("%d requests with a bad signature: %v", len(r.badSig), r.badSig)
	}
	r.mu.Unlock()
	d := msgs[0].Data
	if d["brand_code"] != "760001" || d["origin"] != "manual" || d["type"] != "MESAJ" || d["source"] != "HS_WEB" ||
		d["actor"] != "y@kanca.com.tr" || d["recipient_type"] != "BIREYSEL" || d["consent_date"] == nil || d["event_id"] == nil {
		t.Fatalf("consent.changed data: %+v", d)
	}
	// The log shows every delivery delivered at the first attempt with
	// its answer's code.
	// (A delivery is logged once its answer is read, a moment after the
	// receiver has it.)
	var log struct {
		Deliveries []struct {
			MessageID    string `json:"message_id"`
			State        string
			Attempts     int
			ResponseCode int `json:"response_code"`
		}
	}
	waitWithin(t, "30 deliveries logged", 30*time.Second, func() bool {
		res := api.get("/api/v1/webhooks/" + itoa(h.ID) + "/deliveries?limit=500")
		if json.Unmarshal([]byte(res.body), &log) != nil || len(log.Deliveries) != 30 {
			t.Fatalf("delivery log: %d %s", res.status, res.body)
		}
		for _, x := range log.Deliveries {
			if x.State == "pending" {
				return false
			}
		}
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range log.Deliveries {
		if x.State != "delivered" || x.Attempts != 1 || x.ResponseCode != 204 || r.seen[x.MessageID] != 1 {
			t.Fatalf("delivery %+v (received %d times)", x, r.seen[x.MessageID])
		}
	}
}

// A receiver that answers 500, then does not answer in time, then
// recovers, gets every change exactly once (by webhook-id) and each
// recipient's in order; the log shows the attempts it took and why.
func TestWebhookReceiverFailsThenRecovers(t *testing.T) {
	t.Parallel()
	e := hookEnv(t, nil)
	b := e.brand("Arıza A.Ş.", "Arıza", "760002")
	api := e.apiClient(e.user("y@ariza.com.tr", "yonetici", b.ID))
	r := newHookReceiver(t, func(n int) string {
		switch {
		case n <= 10:
			return "500"
		case n <= 16:
			return "timeout"
		case n%5 == 0:
			return "500" // now and then still
		}
		return "ok"
	})
	h := createHook(t, api, r, "760002", "consent.changed")
	want := changes(t, api, "760002", 4, 4)
	var log struct {
		Deliveries []struct {
			State     string
			Attempts  int
			LastError string `json:"last_error"`
		}
	}
	// Every delivery recorded as delivered: nothing is sent after that, so
	// what the receiver has now is all it gets.
	waitWithin(t, "16 deliveries delivered", 60*time.Second, func() bool {
		res := api.get("/api/v1/webhooks/" + itoa(h.ID) + "/deliveries?state=delivered")
		return json.Unmarshal([]byte(res.body), &log) == nil && len(log.Deliveries) == 16
	})
	checkOrder(t, r.messages(), want)
	retried := 0
	for _, x := range log.Deliveries {
		if x.State != "delivered" {
			t.Fatalf("delivery not delivered: %+v", x)
		}
		if x.Attempts > 1 {
			retried++
			if !strings.Contains(x.LastError, "HTTP 500") && !strings.Contains(x.LastError, "zaman aşımı") {
				t.Errorf("a retried delivery's last error: %q", x.LastError)
			}
		}
	}
	if retried == 0 || r.requests() <= 16 {
		t.Fatalf("%d deliveries retried, %d requests: the failures were not exercised", retried, r.requests())
	}
}

// An endpoint that fails every attempt for IYSGATE_WEBHOOK_DISABLE_AFTER
// (here 1 s) is turned off, with a Turkish notice on its page and an audit
// entry; while it is off, new events are not recorded for it; turned on
// again, it gets what was waiting.
func TestWebhookDisabledAfterFailures(t *testing.T) {
	t.Parallel()
	e := hookEnv(t, func(c *config.Config) { c.WebhookDisableAfter = time.Second })
	b := e.brand("Kapalı A.Ş.", "Kapalı", "760003")
	y := e.user("y@kapali.com.tr", "yonetici", b.ID)
	api := e.apiClient(y)
	var mu sync.Mutex
	down := true
	r := newHookReceiver(t, func(int) string {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return "500"
		}
		return "ok"
	})
	h := createHook(t, api, r, "760003", "consent.changed")
	t0 := time.Now().Add(-time.Hour)
	addConsent(t, api, "760003", "+905391110001", "ONAY", t0)
	var v hookView
	waitWithin(t, "the endpoint turned off", 30*time.Second, func() bool {
		json.Unmarshal([]byte(api.get("/api/v1/webhooks/"+itoa(h.ID)).body), &v)
		return !v.Enabled
	})
	if !strings.Contains(v.DisabledReason, "1 saniye boyunca her denemede başarısız") || v.Pending != 1 {
		t.Fatalf("disabled endpoint: %+v", v)
	}
	var audits int
	e.st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'webhook' AND entity_id = $1
		AND after->>'event' = 'disable' AND actor = 'sistem'`, itoa(h.ID)).Scan(&audits)
	if audits != 1 {
		t.Fatalf("%d audit entries of the disabling", audits)
	}
	yc := e.client()
	yc.login(y.Email, y.Email+"-parola")
	page := yc.get("/webhooks/" + itoa(h.ID))
	if !strings.Contains(page.body, `id="webhook-disabled-notice"`) || !strings.Contains(page.body, "iysgate tarafından kapatıldı") {
		t.Fatalf("the page lacks the notice: %s", between(page.body, "<main>", "</h2>"))
	}
	if list := yc.get("/webhooks"); !strings.Contains(list.body, "iysgate kapattı") {
		t.Fatal("the list does not say iysgate turned it off")
	}
	// Off: a new change is not recorded for it.
	addConsent(t, api, "760003", "+905391110002", "ONAY", t0)
	var n int
	e.st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1`, h.ID).Scan(&n)
	if n != 1 {
		t.Fatalf("%d deliveries: a change made while the endpoint was off was recorded", n)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	if res := api.do("PATCH", "/api/v1/webhooks/"+itoa(h.ID), strings.NewReader(`{"enabled":true}`), "application/json"); res.status != 200 {
		t.Fatalf("turn on: %d %s", res.status, res.body)
	}
	waitWithin(t, "the waiting change delivered", 30*time.Second, func() bool { return len(r.messages()) == 1 })
	if m := r.messages()[0]; m.Data["recipient"] != "+905391110001" {
		t.Fatalf("delivered %+v", m)
	}
	if page := yc.get("/webhooks/" + itoa(h.ID)); strings.Contains(page.body, "webhook-disabled-notice") {
		t.Fatal("the notice stays after the endpoint was turned on")
	}
}

// The guard: at registration, a literal loopback, private, link-local or
// IPv6 loopback address and plain http are refused with a Turkish reason;
// at delivery, an endpoint whose address leads there (a name resolving to
// 127.0.0.1, or a row written before the rules) is refused before any
// request, with the reason in its log; a redirect is not followed.
func TestWebhookGuard(t *testing.T) {
	t.Parallel()
	e := newEnv(t) // no allow-list
	b := e.brand("Kalkan A.Ş.", "Kalkan", "760004")
	y := e.user("y@kalkan.com.tr", "yonetici", b.ID)
	api := e.apiClient(y)
	var hits atomic.Int64
	target := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1); w.WriteHeader(204) }))
	defer target.Close()
	port := target.URL[strings.LastIndex(target.URL, ":")+1:]
	for u, want := range map[string]string{
		"https://127.0.0.1:" + port + "/h":           "loopback",
		"https://10.20.30.40/h":                      "özel ağ",
		"https://169.254.169.254/latest/meta-data/":  "link-local",
		"https://[::1]:" + port + "/h":               "loopback",
		"https://localhost:" + port + "/h":           "loopback",
		"http://crm.kalkan.com.tr/h":                 "https kullanın",
		"https://kullanici:parola@crm.kalkan.com.tr": "parola",
	} {
		r := api.postJSON("/api/v1/webhooks", map[string]any{"brand_code": "760004", "url": u, "events": []string{"consent.changed"}})
		er := decodeErr(t, r)
		if r.status != 422 || len(er.Error.Fields) != 1 || er.Error.Fields[0].Field != "url" || !strings.Contains(er.Error.Fields[0].Message, want) {
			t.Errorf("register %s: %d %s", u, r.status, r.body)
		}
	}
	yc := e.client()
	yc.login(y.Email, y.Email+"-parola")
	page := yc.post("/webhooks", url.Values{"brand_id": {itoa(b.ID)}, "url": {"https://192.168.1.20/iys"}, "events": {"consent.changed"}, "enabled": {"1"}})
	if page.status != 422 || !strings.Contains(page.body, `id="webhook-url-error"`) || !strings.Contains(page.body, "özel ağ") {
		t.Fatalf("the form's refusal: %d %s", page.status, between(page.body, "webhook-url", "</label>"))
	}
	// Rows as if written before the rules (or under an allow-list since
	// narrowed): refused when the request would be made.
	ctx := context.Background()
	urls := map[string]string{
		"https://localhost:" + port + "/h": "loopback", "https://[::1]:" + port + "/h": "loopback",
		"https://10.255.255.1/h": "özel ağ", "https://169.254.169.254/latest/meta-data/": "link-local",
		"http://127.0.0.1:" + port + "/h": "loopback",
	}
	ids := map[int64]string{}
	for u := range urls {
		var id int64
		if err := e.st.Pool().QueryRow(ctx, `INSERT INTO webhook_endpoints (brand_id, url, events, secret, created_by)
			VALUES ($1, $2, '{consent.changed}', '\x00112233', 'test') RETURNING id`, b.ID, u).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id] = u
	}
	addConsent(t, api, "760004", "+905392220001", "ONAY", time.Now().Add(-time.Hour))
	for id, u := range ids {
		var attempts int
		var lastErr string
		waitWithin(t, "an attempt for "+u, 20*time.Second, func() bool {
			e.st.Pool().QueryRow(ctx, `SELECT attempts, COALESCE(last_error, '') FROM webhook_deliveries WHERE endpoint_id = $1`, id).Scan(&attempts, &lastErr)
			return attempts > 0
		})
		if !strings.Contains(lastErr, urls[u]) || !strings.Contains(lastErr, "IYSGATE_WEBHOOK_ALLOW") {
			t.Errorf("%s: last error %q, want it to say %q", u, lastErr, urls[u])
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the loopback server got %d requests", hits.Load())
	}
}

// A receiver's redirect is an answer (a failure in the log with its code),
// not a request to the address it names.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	e := hookEnv(t, nil)
	b := e.brand("Yön A.Ş.", "Yön", "760005")
	api := e.apiClient(e.user("y@yon.com.tr", "yonetici", b.ID))
	elsewhere := newHookReceiver(t, nil)
	r := newHookReceiver(t, nil)
	r.redirect = elsewhere.srv.URL + "/latest/meta-data/"
	h := createHook(t, api, r, "760005", "consent.changed")
	addConsent(t, api, "760005", "+905393330001", "ONAY", time.Now().Add(-time.Hour))
	var code int
	var lastErr string
	waitWithin(t, "the redirect recorded", 20*time.Second, func() bool {
		e.st.Pool().QueryRow(context.Background(), `SELECT COALESCE(response_code, 0), COALESCE(last_error, '') FROM webhook_deliveries WHERE endpoint_id = $1`, h.ID).
			Scan(&code, &lastErr)
		return code != 0
	})
	if code != 307 || !strings.Contains(lastErr, "yönlendirmeler izlenmez") {
		t.Fatalf("redirect: %d %q", code, lastErr)
	}
	if elsewhere.requests() != 0 {
		t.Fatal("the redirect was followed")
	}
}

// Only a brand's Yönetici (and the Admin) manage its endpoints: another
// brand's Yönetici finds none of them (404, on every route), Personel and
// Müşteri are refused (403).
func TestWebhookPermissions(t *testing.T) {
	t.Parallel()
	e := hookEnv(t, nil)
	a := e.brand("Bir A.Ş.", "Bir", "760006")
	b := e.brand("İki A.Ş.", "İki", "760007")
	ya := e.apiClient(e.user("y@bir.com.tr", "yonetici", a.ID))
	yb := e.user("y@iki.com.tr", "yonetici", b.ID)
	apiB := e.apiClient(yb)
	r := newHookReceiver(t, nil)
	h := createHook(t, ya, r, "760006", "consent.changed")
	addConsent(t, ya, "760006", "+905394440001", "ONAY", time.Now().Add(-time.Hour))
	waitWithin(t, "delivered", 20*time.Second, func() bool { return len(r.messages()) == 1 })
	var delivery int64
	e.st.Pool().QueryRow(context.Background(), `SELECT id FROM webhook_deliveries WHERE endpoint_id = $1`, h.ID).Scan(&delivery)
	id := itoa(h.ID)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/webhooks/" + id + "/deliveries", ""},
		{"PATCH", "/api/v1/webhooks/" + id, `{"enabled":false}`},
		{"DELETE", "/api/v1/webhooks/" + id, ""},
		{"POST", "/api/v1/webhooks/" + id + "/deliveries/" + itoa(delivery) + "/resend", "{}"},
	} {
		var body io.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		if res := apiB.do(c.method, c.path, body, "application/json"); res.status != 404 {
			t.Errorf("another brand's Yönetici: %s %s = %d %s", c.method, c.path, res.status, res.body)
		}
	}
	if res := apiB.get("/api/v1/webhooks"); !strings.Contains(res.body, `"webhooks":[]`) {
		t.Errorf("another brand's Yönetici lists %s", res.body)
	}
	if res := apiB.postJSON("/api/v1/webhooks", map[string]any{"brand_code": "760006", "url": r.srv.URL, "events": []string{"quota.low"}}); res.status != 403 {
		t.Errorf("another brand's Yönetici creates one for it: %d %s", res.status, res.body)
	}
	bc := e.client()
	bc.login(yb.Email, yb.Email+"-parola")
	for _, p := range []string{"/webhooks/" + id} {
		if res := bc.get(p); res.status != 404 {
			t.Errorf("another brand's Yönetici opens %s: %d", p, res.status)
		}
	}
	if res := bc.post("/webhooks/"+id+"/delete", url.Values{}); res.status != 404 {
		t.Errorf("another brand's Yönetici deletes it: %d", res.status)
	}
	if list := bc.get("/webhooks"); strings.Contains(list.body, r.srv.URL) {
		t.Error("another brand's Yönetici sees the endpoint in the list")
	}
	for _, role := range []string{"personel", "musteri"} {
		c := e.apiClient(e.user(role+"@bir.com.tr", role, a.ID))
		for _, res := range []response{c.get("/api/v1/webhooks"), c.get("/api/v1/webhooks/" + id + "/deliveries"),
			c.postJSON("/api/v1/webhooks", map[string]any{"brand_code": "760006", "url": r.srv.URL, "events": []string{"quota.low"}})} {
			if res.status != 403 {
				t.Errorf("%s: %d %s", role, res.status, res.body)
			}
		}
	}
	// The Admin manages any brand's; the endpoint is still there, unchanged.
	admin := e.apiClient(e.adminUser())
	if res := admin.get("/api/v1/webhooks/" + id + "/deliveries"); res.status != 200 || !strings.Contains(res.body, `"state":"delivered"`) {
		t.Fatalf("Admin reads the log: %d %s", res.status, res.body)
	}
	if res := admin.postJSON("/api/v1/webhooks/"+id+"/deliveries/"+itoa(delivery)+"/resend", map[string]any{}); res.status != 202 {
		t.Fatalf("Admin resends: %d %s", res.status, res.body)
	}
	// "Yeniden gönder": the same message again, with the same webhook-id.
	waitWithin(t, "resent", 20*time.Second, func() bool { return len(r.messages()) == 2 })
	if m := r.messages(); m[0].ID != m[1].ID {
		t.Fatalf("a resend has another webhook-id: %s, %s", m[0].ID, m[1].ID)
	}
}

// Every event type, from every origin there is: a consent by hand, an
// import previewed, approved (its consents), refused in part by İYS and
// finished, a citizen's RET pulled from İYS, and the quota falling low.
func TestWebhookEventsFromEveryOrigin(t *testing.T) {
	t.Parallel()
	e := hookEnv(t, nil)
	b := e.company("Olay A.Ş.", "Olay", "760008")
	e.ready(b.CompanyID)
	e.grant(b.CompanyID, 5000)
	y := e.user("y@olay.com.tr", "yonetici", b.ID)
	api := e.apiClient(y)
	r := newHookReceiver(t, nil)
	createHook(t, api, r, "760008", "consent.changed", "consent.refused", "import.previewed", "import.finished", "quota.low")
	byType := func(typ string) []hookMsg {
		var out []hookMsg
		for _, m := range r.messages() {
			if m.Type == typ {
				out = append(out, m)
			}
		}
		return out
	}
	find := func(typ string, match func(d map[string]any) bool) map[string]any {
		t.Helper()
		var found map[string]any
		waitWithin(t, typ, 60*time.Second, func() bool {
			for _, m := range byType(typ) {
				if match(m.Data) {
					found = m.Data
					return true
				}
			}
			return false
		})
		return found
	}

	// By hand.
	addConsent(t, api, "760008", "+905395550001", "ONAY", time.Now().Add(-time.Hour))
	find("consent.changed", func(d map[string]any) bool { return d["origin"] == "manual" })

	// An import, one of whose consents İYS refuses (the citizen said RET on
	// İYS after our consent date).
	e.waitPullIdle()
	if err := e.app.Sim.CitizenRet("7760008", "760008", "+905395550107", "MESAJ", "BIREYSEL"); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-2 * time.Hour).Format("02.01.2006 15:04:05")
	var rows [][]any
	for i := range 10 {
		rows = append(rows, []any{"760008", "BIREYSEL", "Ad", "Soyad", fmt.Sprintf("0539 555 01 %02d", i), "", "", "ONAY", "", "HS_WEB", at})
	}
	id := upload(t, api, "olay.xlsx", workbook(t, rows))
	waitImport(t, api, id)
	p := find("import.previewed", func(d map[string]any) bool { return d["import_id"] == float64(id) })
	if p["filename"] != "olay.xlsx" || p["status"] != "preview" || p["summary"].(map[string]any)["MESAJ"].(map[string]any)["new"] != float64(10) {
		t.Fatalf("import.previewed: %+v", p)
	}
	approveAPI(t, api, id, "all")
	waitWithin(t, "10 changes of the import", 60*time.Second, func() bool {
		n := 0
		for _, m := range byType("consent.changed") {
			if m.Data["origin"] == "import" && m.Data["import_id"] == float64(id) {
				n++
			}
		}
		return n == 10
	})
	ref := find("consent.refused", func(d map[string]any) bool { return d["recipient"] == "+905395550107" })
	if ref["iys_code"] != "H178" || ref["iys_message"] == "" || ref["origin"] != "import" || ref["status"] != "ONAY" {
		t.Fatalf("consent.refused: %+v", ref)
	}
	f := find("import.finished", func(d map[string]any) bool { return d["import_id"] == float64(id) })
	if f["status"] != "done" || f["delivery"].(map[string]any)["accepted"] != float64(9) || f["delivery"].(map[string]any)["refused"] != float64(1) {
		t.Fatalf("import.finished: %+v", f)
	}

	// The citizen's own RET at İYS, pulled back.
	if err := e.app.Sim.CitizenRet("7760008", "760008", "+905395550001", "MESAJ", "BIREYSEL"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.River.Insert(context.Background(), jobs.PullChangesArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	c := find("consent.changed", func(d map[string]any) bool { return d["origin"] == "iys_citizen" && d["recipient"] == "+905395550001" })
	if c["status"] != "RET" || !strings.HasPrefix(c["source"].(string), "IYS_") || c["actor"] != "İYS" {
		t.Fatalf("the citizen's RET: %+v", c)
	}

	// The quota falls under 10%: 4.500 of 5.000 gone, then one more consent.
	if _, err := e.st.Pool().Exec(context.Background(), `UPDATE subscriptions SET spent = units - reserved - 500 WHERE company_id = $1`, b.CompanyID); err != nil {
		t.Fatal(err)
	}
	if q := getQuota(t, api, b.CompanyID); q.Remaining != 500 {
		t.Fatalf("set-up: %d left", q.Remaining)
	}
	addConsent(t, api, "760008", "+905395550002", "ONAY", time.Now().Add(-time.Hour))
	q := find("quota.low", func(map[string]any) bool { return true })
	if q["remaining"] != float64(499) || q["total"] != float64(5000) || q["company"].(map[string]any)["iys_code"] != "7760008" {
		t.Fatalf("quota.low: %+v", q)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.badSig) != 0 {
		t.Fatalf("bad signatures: %v", r.badSig)
	}
}

// The page: a Yönetici registers an endpoint with the form and sees its
// secret once; the list and the endpoint's page show it without the
// secret, with its deliveries and "Yeniden gönder".
func TestWebhookPages(t *testing.T) {
	t.Parallel()
	e := hookEnv(t, nil)
	b := e.brand("Sayfa A.Ş.", "Sayfa", "760009")
	y := e.user("y@sayfa.com.tr", "yonetici", b.ID)
	yc := e.client()
	yc.login(y.Email, y.Email+"-parola")
	if home := yc.get("/"); !strings.Contains(home.body, `href="/webhooks"`) {
		t.Fatal("the menu lacks Webhook'lar")
	}
	r := newHookReceiver(t, nil)
	page := yc.post("/webhooks", url.Values{"brand_id": {itoa(b.ID)}, "url": {r.srv.URL + "/iys"}, "description": {"CRM"},
		"events": {"consent.changed", "quota.low"}, "enabled": {"1"}})
	secret := between(page.body, `id="webhook-secret">`, "<")
	secret = html.UnescapeString(strings.TrimSuffix(strings.TrimPrefix(secret, `id="webhook-secret">`), "<"))
	if page.status != 201 || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("create: %d %s", page.status, between(page.body, "<main>", "</table>"))
	}
	r.setSecret(t, secret)
	list := yc.get("/webhooks")
	if strings.Contains(list.body, secret) || !strings.Contains(list.body, r.srv.URL+"/iys") || !strings.Contains(list.body, "quota.low") {
		t.Fatal("the list shows the secret, or not the endpoint")
	}
	var id int64
	e.st.Pool().QueryRow(context.Background(), `SELECT id FROM webhook_endpoints`).Scan(&id)
	addConsent(t, e.apiClient(y), "760009", "+905396660001", "ONAY", time.Now().Add(-time.Hour))
	waitWithin(t, "delivered", 20*time.Second, func() bool { return len(r.messages()) == 1 })
	hp := yc.get("/webhooks/" + itoa(id))
	if strings.Contains(hp.body, secret) || !strings.Contains(hp.body, "Teslim edildi") || !strings.Contains(hp.body, "905396660001 · MESAJ · ONAY") ||
		!strings.Contains(hp.body, "Yeniden gönder") || !strings.Contains(hp.body, "msg_") {
		t.Fatalf("the endpoint's page: %s", between(hp.body, `id="deliveries"`, "</table>"))
	}
	// Events unchecked: refused in Turkish, nothing changed.
	bad := yc.post("/webhooks/"+itoa(id), url.Values{"url": {r.srv.URL + "/iys"}, "enabled": {"1"}})
	if bad.status != 422 || !strings.Contains(bad.body, "En az bir olay türü seçin.") {
		t.Fatalf("no events: %d", bad.status)
	}
	if saved := yc.post("/webhooks/"+itoa(id), url.Values{"url": {r.srv.URL + "/yeni"}, "events": {"consent.refused"}}); saved.status != 303 {
		t.Fatalf("save: %d %s", saved.status, saved.body)
	}
	hp = yc.get("/webhooks/" + itoa(id))
	if !strings.Contains(hp.body, r.srv.URL+"/yeni") || !strings.Contains(hp.body, `id="webhook-off-notice"`) {
		t.Fatal("the saved settings (new URL, switched off) are not shown")
	}
	if del := yc.post("/webhooks/"+itoa(id)+"/delete", url.Values{}); del.status != 303 {
		t.Fatalf("delete: %d", del.status)
	}
	var n int
	e.st.Pool().QueryRow(context.Background(), `SELECT (SELECT count(*) FROM webhook_endpoints) + (SELECT count(*) FROM webhook_deliveries)`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d rows left after delete", n)
	}
}

// A secret the receiver chose is taken at creation (and signs what is
// sent); one that is not a Standard Webhooks secret is refused in Turkish
// and creates nothing; a secret cannot be changed afterwards.
func TestWebhookOwnSecret(t *testing.T) {
	t.Parallel()
	e := hookEnv(t, nil)
	b := e.brand("Anahtar A.Ş.", "Anahtar", "760010")
	y := e.user("y@anahtar.com.tr", "yonetici", b.ID)
	api := e.apiClient(y)
	r := newHookReceiver(t, nil)
	for _, bad := range []string{"parola123", "whsec_kisa", "whsec_***"} {
		res := api.postJSON("/api/v1/webhooks", map[string]any{"brand_code": "760010", "url": r.srv.URL, "events": []string{"consent.changed"}, "secret": bad})
		er := decodeErr(t, res)
		if res.status != 422 || len(er.Error.Fields) != 1 || er.Error.Fields[0].Field != "secret" || !strings.Contains(er.Error.Fields[0].Message, "whsec_ ile başlamalı") {
			t.Errorf("secret %q: %d %s", bad, res.status, res.body)
		}
	}
	yc := e.client()
	yc.login(y.Email, y.Email+"-parola")
	page := yc.post("/webhooks", url.Values{"brand_id": {itoa(b.ID)}, "url": {r.srv.URL}, "events": {"consent.changed"}, "enabled": {"1"}, "secret": {"gizli"}})
	if page.status != 422 || !strings.Contains(page.body, `id="webhook-secret-error"`) || strings.Contains(page.body, `value="gizli"`) {
		t.Fatalf("the form's refusal: %d %s", page.status, between(page.body, "İmza anahtarı", "</label>"))
	}
	if n := count(t, e, `SELECT count(*) FROM webhook_endpoints`); n != 0 {
		t.Fatalf("%d endpoints after refusals", n)
	}
	const own = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // the specification's example
	res := api.postJSON("/api/v1/webhooks", map[string]any{"brand_code": "760010", "url": r.srv.URL, "events": []string{"consent.changed"}, "secret": own})
	var h hookView
	if res.status != 201 || json.Unmarshal([]byte(res.body), &h) != nil || h.Secret != own {
		t.Fatalf("create with a secret: %d %s", res.status, res.body)
	}
	r.setSecret(t, own)
	addConsent(t, api, "760010", "+905397770001", "ONAY", time.Now().Add(-time.Hour))
	waitWithin(t, "delivered", 20*time.Second, func() bool { return len(r.messages()) == 1 })
	if res := api.do("PATCH", "/api/v1/webhooks/"+itoa(h.ID), strings.NewReader(`{"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","enabled":false}`), "application/json"); res.status != 422 ||
		!strings.Contains(res.body, "sonradan değiştirilemez") {
		t.Fatalf("PATCH with a secret: %d %s", res.status, res.body)
	}
	if v := count(t, e, `SELECT count(*) FROM webhook_endpoints WHERE enabled`); v != 1 {
		t.Fatal("a refused PATCH changed the endpoint")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.badSig) != 0 {
		t.Fatalf("bad signatures: %v", r.badSig)
	}
}

// In the browser: a Yönetici registers an endpoint with the form (a
// private address first, refused in Turkish), copies the secret shown once,
// a consent reaches the receiver signed with it, the endpoint's page logs
// the delivery, and "Yeniden gönder" sends the same message again.
func TestWebhookBrowserRegisterAndResend(t *testing.T) {
	e := hookEnv(t, nil)
	b := e.brand("Tarayıcı A.Ş.", "Tarayıcı", "760011")
	y := e.user("y@tarayici.com.tr", "yonetici", b.ID)
	r := newHookReceiver(t, nil)
	ctx := browser(t)
	do, text := steps(t, ctx)
	do(chromedp.Navigate(e.base+"/login"), chromedp.WaitVisible("#login-submit"),
		chromedp.SendKeys("#email", y.Email), chromedp.SendKeys("#password", y.Email+"-parola"),
		chromedp.Click("#login-submit"), chromedp.WaitVisible("#current-user"),
		chromedp.Click("#settings-menu summary"), chromedp.Click(`#settings-menu a[href="/webhooks"]`), chromedp.WaitVisible("#webhook-form"),
		chromedp.SetValue("#webhook-brand", itoa(b.ID)),
		chromedp.SendKeys("#webhook-url", "https://192.168.10.5/iys"),
		chromedp.Click(`input[name="events"][value="consent.changed"]`),
		chromedp.Click("#create-webhook"),
		chromedp.WaitVisible("#webhook-url-error"),
	)
	if msg := text("#webhook-url-error"); !strings.Contains(msg, "özel ağ") || !strings.Contains(msg, "gönderilmez") {
		t.Fatalf("the refusal: %q", msg)
	}
	if n := count(t, e, `SELECT count(*) FROM webhook_endpoints`); n != 0 {
		t.Fatalf("%d endpoints after the refusal", n)
	}
	do(chromedp.SetValue("#webhook-url", r.srv.URL+"/iys"),
		chromedp.SetValue("#webhook-brand", itoa(b.ID)),
		chromedp.Click("#create-webhook"), chromedp.WaitVisible("#webhook-secret"))
	secret := text("#webhook-secret")
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	r.setSecret(t, secret)
	addConsent(t, e.apiClient(y), "760011", "+905398880001", "ONAY", time.Now().Add(-time.Hour))
	waitWithin(t, "delivered", 20*time.Second, func() bool { return len(r.messages()) == 1 })
	var hook, delivery int64
	e.st.Pool().QueryRow(context.Background(), `SELECT endpoint_id, id FROM webhook_deliveries`).Scan(&hook, &delivery)
	row := "#delivery-" + itoa(delivery)
	// The log says delivered once the job has recorded it.
	waitWithin(t, "recorded", 20*time.Second, func() bool {
		return count(t, e, `SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'`) == 1
	})
	do(chromedp.Navigate(e.base+"/webhooks/"+itoa(hook)), chromedp.WaitVisible(row))
	if s := text(row); !strings.Contains(s, "Teslim edildi") || !strings.Contains(s, "905398880001") || !strings.Contains(s, "204") {
		t.Fatalf("the log's row: %q", s)
	}
	do(chromedp.Click("#resend-"+itoa(delivery)), chromedp.WaitVisible(".alert.success"))
	if msg := text(".alert.success"); !strings.Contains(msg, "yeniden sıraya alındı") {
		t.Fatalf("notice: %q", msg)
	}
	waitWithin(t, "resent", 20*time.Second, func() bool { return len(r.messages()) == 2 })
	if m := r.messages(); m[0].ID != m[1].ID {
		t.Fatalf("the resend's webhook-id %s, first %s", m[1].ID, m[0].ID)
	}
}
