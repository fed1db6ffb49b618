package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"iysgate/app/auth"
	"iysgate/app/config"
	"iysgate/app/pg/pgtest"
	"iysgate/app/server"
	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// env is a running iysgate on a fresh database, served on a loopback port.
type env struct {
	t     testing.TB
	setup bytes.Buffer // what EnsureAdmin wrote
	app   *server.App
	// st is the test's own store on the database, for arranging and
	// reading rows. It enqueues no delivery job (store.LeftToSweep): a
	// consent a test writes through it is delivered by the running
	// server's sweep; a test that must not wait a minute writes it over
	// the API, whose store enqueues.
	st   *store.Store
	base string
	cfg  config.Config
}

const adminEmail, adminPassword = "admin@ornek.com.tr", "yonetici-parolasi-1"

func newEnv(t testing.TB) *env { return newEnvWith(t, nil) }

// newEnvWith is newEnv with the configuration changed by mod first.
func newEnvWith(t testing.TB, mod func(*config.Config)) *env {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	cfg := config.Default()
	cfg.AdminEmail, cfg.AdminPassword = adminEmail, adminPassword
	cfg.ShutdownTimeout = 5 * time.Second
	// The in-process İYS simulator, at İYS's limits per second instead of
	// per minute, answering async requests in 200 ms.
	cfg.IYSRateWindow = time.Second
	cfg.SimAsyncDelay = 200 * time.Millisecond
	cfg.IYSPollInterval = 100 * time.Millisecond
	cfg.IYSResolveAfter = time.Second
	if mod != nil {
		mod(&cfg)
	}
	st := store.New(pool, store.LeftToSweep)
	e := &env{t: t, st: st, cfg: cfg}
	if err := server.EnsureAdmin(ctx, st, cfg, &e.setup); err != nil {
		t.Fatal(err)
	}
	e.start()
	t.Cleanup(func() { e.app.Shutdown(context.Background()) })
	return e
}

// start starts an App on the env's database and serves it on a new port.
func (e *env) start() {
	e.t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("IYSGATE_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	app, err := server.Start(context.Background(), e.cfg, e.st.Pool(), log)
	if err != nil {
		e.t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	go app.Serve(ln)
	e.app, e.base = app, "http://"+ln.Addr().String()
}

// crash stops the App at once, cancelling its running jobs mid-work, and
// starts a new one on the same database: a worker process dying.
func (e *env) crash() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e.app.Web.Shutdown(time.Second)
	if err := e.app.River.StopAndCancel(ctx); err != nil {
		e.t.Fatal(err)
	}
	e.app.Shutdown(ctx)
	e.start()
}

// brand creates a company with one brand, ready for İYS: it has a
// package and the integrator assignment, so its consents reach the
// simulator (e.waitFinal waits for İYS's answers). Quota tests use
// company() instead.
func (e *env) brand(title, name, code string) *store.Brand {
	e.t.Helper()
	b := e.company(title, name, code)
	e.grant(b.CompanyID, 1000000)
	e.ready(b.CompanyID)
	return b
}

// company creates a company with one brand and no package.
func (e *env) company(title, name, code string) *store.Brand {
	e.t.Helper()
	return storetest.Company(e.t, e.st, title, name, code)
}

// grant buys and approves a package of units for a company.
func (e *env) grant(companyID, units int64) {
	e.t.Helper()
	ctx := context.Background()
	sub, err := e.st.RequestSubscription(ctx, store.System, companyID, units)
	if err == nil {
		_, err = e.st.ApproveSubscription(ctx, store.System, sub.ID)
	}
	if err != nil {
		e.t.Fatal(err)
	}
}

// user creates a user with a role in the given brands (password:
// storetest.Password).
func (e *env) user(email, role string, brands ...int64) *store.User {
	e.t.Helper()
	u := storetest.User(e.t, e.st, email, role, brands...)
	if err := e.app.Policy.Reload(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// client is a browser-like HTTP client: cookies, the CSRF token of the last
// page, no automatic redirects.
type client struct {
	e      *env
	http   *http.Client
	csrf   string
	token  string      // bearer token for the API
	header http.Header // sent with every request
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
		// Every /api/v1 call is validated against the API's description
		// (openapi_test.go).
		Transport: &apiValidator{t: e.t, next: http.DefaultTransport},
	}}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"|"X-CSRF-Token": "([^"]+)"`)

type response struct {
	status int
	body   string
	header http.Header
}

func (c *client) do(method, path string, body io.Reader, contentType string) response {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.base+path, body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfRe.FindStringSubmatch(string(b)); m != nil {
		c.csrf = m[1] + m[2]
	}
	return response{status: res.StatusCode, body: string(b), header: res.Header}
}

func (c *client) get(path string) response { return c.do("GET", path, nil, "") }

func (c *client) post(path string, form url.Values) response {
	if c.csrf == "" && c.token == "" {
		c.get("/login")
	}
	return c.do("POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func (c *client) postJSON(path string, v any) response {
	b, _ := json.Marshal(v)
	return c.do("POST", path, strings.NewReader(string(b)), "application/json")
}

// login signs in and fails the test if that does not work.
func (c *client) login(email, password string) {
	c.e.t.Helper()
	c.get("/login")
	r := c.post("/login", url.Values{"email": {email}, "password": {password}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		c.e.t.Fatalf("login %s: %d %s", email, r.status, r.header.Get("Location"))
	}
	c.get("/")
}

// apiClient returns a client that calls the API with a new token of u.
func (e *env) apiClient(u *store.User) *client {
	token, prefix, hash := auth.NewToken()
	if _, err := e.st.CreateToken(context.Background(), store.System, u.ID, "test", prefix, hash); err != nil {
		e.t.Fatal(err)
	}
	c := e.client()
	c.token = token
	return c
}

// adminUser is the first Admin that EnsureAdmin created.
func (e *env) adminUser() *store.User {
	e.t.Helper()
	u, err := e.st.UserByEmail(context.Background(), adminEmail)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// ready marks a company as ready for İYS (integrator assigned), so that its
// consents are delivered to the simulator.
func (e *env) ready(companyID int64) {
	e.t.Helper()
	if _, err := e.st.Pool().Exec(context.Background(), `UPDATE companies SET integrator_assigned = true WHERE id = $1`, companyID); err != nil {
		e.t.Fatal(err)
	}
}

// between is the part of s from the first from up to the next to, for
// failure messages ("" when from is not in s).
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		s = s[:j+len(to)]
	}
	return s
}
