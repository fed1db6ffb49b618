package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"iysgate/app/config"
)

// Visitors who are not signed in leave nothing in the session table: the
// login form carries its own check.
func TestAnonymousRequestsStoreNoSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	for _, p := range []string{"/login", "/", "/imports", "/login?next=%2Fusers", "/bilinmeyen"} {
		c.get(p)
	}
	loginAs(c, "yok@ornek.com.tr", "yanlis-parola-123")
	if n := count(t, e, "SELECT count(*) FROM web_sessions"); n != 0 {
		t.Fatalf("anonymous requests stored %d sessions", n)
	}
	// A login form posted without its token (a forged cross-site post).
	c2 := e.client()
	c2.get("/login")
	c2.csrf = ""
	form := url.Values{"email": {adminEmail}, "password": {adminPassword}}.Encode()
	if r := c2.do("POST", "/login", strings.NewReader(form), "application/x-www-form-urlencoded"); r.status != http.StatusForbidden {
		t.Fatalf("login without the form's token: %d", r.status)
	}
	c.login(adminEmail, adminPassword)
	if n := count(t, e, "SELECT count(*) FROM web_sessions"); n != 1 {
		t.Fatalf("after one login: %d sessions", n)
	}
}

// The smaller holes: each answers as it should instead of leaking,
// caching, guessing or failing.
func TestHardening(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	b := e.company("Kota A.Ş.", "Kota Market", "980001")
	other := e.brand("Başka A.Ş.", "Başka", "980002")
	yonetici := e.user("y@kota.com.tr", "yonetici", b.ID)
	ui := e.client()
	ui.login(yonetici.Email, yonetici.Email+"-parola")
	api := e.apiClient(yonetici)

	// Abonelikler for a company the user may not see, or no company at all.
	for _, id := range []string{"-1", itoa(other.CompanyID), "x"} {
		if r := ui.get("/subscriptions?company_id=" + id); r.status != http.StatusNotFound {
			t.Errorf("/subscriptions?company_id=%s: %d", id, r.status)
		}
	}

	// An approval the company cannot afford is refused at once, even while
	// another transaction holds the company's packages.
	at := time.Now().Add(-time.Hour).Format("02.01.2006 15:04:05")
	id := upload(t, api, "kota.csv", []byte("marka_kodu,alici_tipi,telefon,arama_izni,mesaj_izni,kaynak,izin_tarihi\n"+
		"980001,BIREYSEL,05321110001,ONAY,ONAY,HS_WEB,"+at+"\n"))
	waitImport(t, api, id)
	tx, err := e.st.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE subscriptions IN EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	done := make(chan response, 1)
	go func() {
		done <- api.postJSON("/api/v1/imports/"+itoa(id)+"/approve", map[string]any{"mode": "all", "confirmed": true})
	}()
	select {
	case r := <-done:
		if r.status != http.StatusConflict || !strings.Contains(r.body, `"QUOTA"`) {
			t.Errorf("approval without quota: %d %s", r.status, r.body)
		}
	case <-time.After(20 * time.Second):
		t.Error("the refusal waited for the quota lock")
	}
	tx.Rollback(ctx)

	// Another company's user's address is not confirmed to a Yönetici.
	e.user("kisi@baska.com.tr", "personel", other.ID)
	r := api.postJSON("/api/v1/users", map[string]any{"name": "Kişi", "email": "kisi@baska.com.tr", "role": "personel",
		"password": "cok-gizli-parola", "brand_ids": []int64{b.ID}})
	if r.status != http.StatusUnprocessableEntity || strings.Contains(r.body, "kayıtlı") || !strings.Contains(r.body, "kullanılamıyor") {
		t.Errorf("another company's address: %d %s", r.status, r.body)
	}
	e.user("ekip@kota.com.tr", "musteri", b.ID)
	r = api.postJSON("/api/v1/users", map[string]any{"name": "Ekip", "email": "ekip@kota.com.tr", "role": "personel",
		"password": "cok-gizli-parola", "brand_ids": []int64{b.ID}})
	if r.status != http.StatusConflict || !strings.Contains(r.body, "kayıtlı bir kullanıcı var") {
		t.Errorf("an address of the Yönetici's own user: %d %s", r.status, r.body)
	}

	// The API is /api/v1, not /API/v1.
	if r := api.get("/API/v1/me"); r.status != http.StatusNotFound {
		t.Errorf("/API/v1/me: %d", r.status)
	}

	// The CSRF token is not taken from the query string.
	saved := ui.csrf
	ui.csrf = ""
	r = ui.do("POST", "/tokens?_csrf="+url.QueryEscape(saved), strings.NewReader("name=anahtar"), "application/x-www-form-urlencoded")
	ui.csrf = saved
	if r.status != http.StatusForbidden {
		t.Errorf("CSRF token in the query string: %d", r.status)
	}

	// Pages, API answers and downloads are not cached; assets are.
	for _, p := range []string{"/", "/consents/export?format=csv", "/imports/" + itoa(id)} {
		if r := ui.get(p); r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", p, r.header.Get("Cache-Control"))
		}
	}
	if r := api.get("/api/v1/me"); r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("/api/v1/me: Cache-Control %q", r.header.Get("Cache-Control"))
	}
	if r := ui.get("/static/app.css"); !strings.Contains(r.header.Get("Cache-Control"), "max-age") {
		t.Errorf("/static/app.css: Cache-Control %q", r.header.Get("Cache-Control"))
	}

	// A long one that fits is answered by the route (here: refused by it).
	if r := api.get("/api/v1/consents?q=" + strings.Repeat("a", 5000)); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a 5,000-character query: %d %.100s", r.status, r.body)
	}
}

// /metrics: with a token set it needs the token; without one it answers
// this machine only (here: a client behind the trusted proxy is another
// machine).
func TestMetricsAccess(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(c *config.Config) { c.MetricsToken = "izleme-anahtari" })
	c := e.client()
	if r := c.get("/metrics"); r.status != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d", r.status)
	}
	c.header = http.Header{"Authorization": {"Bearer izleme-anahtari"}}
	if r := c.get("/metrics"); r.status != 200 || !strings.Contains(r.body, "iysgate_") {
		t.Fatalf("/metrics with the token: %d", r.status)
	}
	p := newProxiedEnv(t)
	if r := p.client().get("/metrics"); r.status != 200 {
		t.Fatalf("/metrics from this machine: %d", r.status)
	}
	if r := p.client().fromIP("198.51.100.20").get("/metrics"); r.status != http.StatusForbidden {
		t.Fatalf("/metrics from another machine: %d", r.status)
	}
}

// rawExchange writes req on a new connection and returns everything the
// server answers until it closes the connection or goes quiet.
func rawExchange(t *testing.T, e *env, req string) string {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, _ := io.ReadAll(conn)
	return string(b)
}

// A body a handler does not read is never taken for the next request on
// the connection; compressed and multipart bodies where no file is taken
// are refused before anything inflates or spools them.
func TestBodiesCannotSmuggle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inner := "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
	body := strings.Repeat("a", 8300) + inner
	for _, path := range []string{"/users", "/api/v1/users", "/imports", "/api/v1/imports"} {
		ct := "application/x-www-form-urlencoded"
		if strings.HasSuffix(path, "imports") {
			ct = "multipart/form-data; boundary=sinir"
		}
		out := rawExchange(t, e, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Type: "+ct+"\r\nContent-Length: "+
			strconv.Itoa(len(body))+"\r\n\r\n"+body)
		if n := strings.Count(out, "HTTP/1.1 "); n != 1 {
			t.Errorf("POST %s answered %d responses: %.300q", path, n, out)
		}
	}
	api := e.apiClient(e.adminUser())
	api.header = http.Header{"Content-Encoding": {"gzip"}}
	if r := api.postJSON("/api/v1/tokens", map[string]string{"name": "x"}); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("a gzip body: %d %s", r.status, r.body)
	}
	api.header = nil
	ui := e.client()
	ui.login(adminEmail, adminPassword)
	b, ct := multipartBody(10, map[string]string{"_csrf": ui.csrf, "name": "x"})
	if r := ui.do("POST", "/tokens", b, ct); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("a multipart body to a form: %d", r.status)
	}
}

// What the review found about addresses and accounts: a forwarded request
// is not local; the last X-Forwarded-For line counts; the answers to
// wrong passwords do not tell which accounts exist; a NUL in the e-mail
// is a wrong login, not a 500.
func TestAddressesAndAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.header = http.Header{"X-Forwarded-For": {"198.51.100.20"}}
	if r := c.get("/metrics"); r.status != http.StatusForbidden {
		t.Errorf("/metrics through a proxy on this machine: %d", r.status)
	}
	p := newProxiedEnv(t)
	pc := p.client()
	pc.header = http.Header{"X-Forwarded-For": {"127.0.0.1", "198.51.100.9"}}
	if r := pc.get("/metrics"); r.status != http.StatusForbidden {
		t.Errorf("/metrics with a forged first X-Forwarded-For line: %d", r.status)
	}
	pc.header = http.Header{"X-Forwarded-For": {"198.51.100.9:4711"}}
	loginAs(pc, "yok@ornek.com.tr", "yanlis-parola-123")
	var ip string
	p.st.Pool().QueryRow(context.Background(), "SELECT ip FROM login_attempts ORDER BY id DESC LIMIT 1").Scan(&ip)
	if ip != "198.51.100.9" {
		t.Errorf("an address with a port: recorded %q", ip)
	}
	var known, unknown response
	for range 6 {
		known = loginAs(e.client(), adminEmail, "yanlis-parola-123")
		unknown = loginAs(e.client(), "kimse@ornek.com.tr", "yanlis-parola-123")
	}
	if known.status != unknown.status {
		t.Errorf("the 6th wrong password: %d for an account, %d for none", known.status, unknown.status)
	}
	if r := loginAs(e.client(), "a\x00b@ornek.com.tr", "yanlis-parola-123"); r.status != http.StatusUnauthorized {
		t.Errorf("a NUL in the e-mail: %d", r.status)
	}
}
