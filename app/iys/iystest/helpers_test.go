package iystest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"iysgate/app/consent"
)

// clock is a settable clock for the simulator.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// monday10 is a Monday 10:00 in Istanbul, far from holidays.
var monday10 = time.Date(2026, time.March, 2, 10, 0, 0, 0, consent.Location())

func date(t time.Time) string { return consent.FormatIYS(t) }

// client is a raw HTTP client of one simulator with a token.
type client struct {
	t     testing.TB
	base  string
	token string
}

// newSim starts a simulator on a settable clock at monday10 and returns a
// logged-in client.
func newSim(t testing.TB, cfg Config) (*Sim, *client, *clock) {
	t.Helper()
	clk := &clock{t: monday10}
	if cfg.Now == nil {
		cfg.Now = clk.Now
	}
	s, srv := NewServer(t, cfg)
	c := &client{t: t, base: srv.URL}
	user, pass := "entegrator", "parola"
	if cfg.Credentials != nil {
		user, pass = cfg.Credentials[0], cfg.Credentials[1]
	}
	c.token = c.login(user, pass)
	return s, c, clk
}

// answer is a decoded HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// apiErrors decodes İYS's error answer.
func (a answer) apiErrors() []apiError {
	var e errorsAnswer
	_ = json.Unmarshal(a.body, &e)
	return e.Errors
}

// codes lists the error codes of the answer, in order.
func (a answer) codes() []string {
	var out []string
	for _, e := range a.apiErrors() {
		out = append(out, e.Code)
	}
	return out
}

func (c *client) do(method, path, contentType string, body io.Reader) answer {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

// call sends body (JSON unless it is a json.RawMessage or nil) and returns
// the answer.
func (c *client) call(method, path string, body any) answer {
	c.t.Helper()
	if body == nil {
		return c.do(method, path, "", nil)
	}
	b, ok := body.(json.RawMessage)
	if !ok {
		var err error
		if b, err = json.Marshal(body); err != nil {
			c.t.Fatal(err)
		}
	}
	return c.do(method, path, "application/json", bytes.NewReader(b))
}

// must checks the status and decodes the body into v (if not nil).
func (c *client) must(a answer, status int, v any) {
	c.t.Helper()
	if a.status != status {
		c.t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	if v != nil {
		if err := json.Unmarshal(a.body, v); err != nil {
			c.t.Fatalf("decoding %s: %v", a.body, err)
		}
	}
}

func (c *client) login(user, pass string) string {
	c.t.Helper()
	saved := c.token
	c.token = ""
	a := c.call("POST", "/oauth2/token", map[string]string{"username": user, "password": pass, "grant_type": "password"})
	c.token = saved
	var tok tokenAnswer
	c.must(a, 200, &tok)
	return tok.AccessToken
}

func (c *client) form(path string, v url.Values) answer {
	c.t.Helper()
	saved := c.token
	c.token = ""
	defer func() { c.token = saved }()
	return c.do("POST", path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

const (
	sp       = "/sps/700100/brands/700101"
	iysCode  = "700100"
	brandOne = "700101"
)

// consent builds a consent body.
type consentBody map[string]any

func onay(recipient string, at time.Time) consentBody {
	typ := "MESAJ"
	if strings.Contains(recipient, "@") {
		typ = "EPOSTA"
	}
	return consentBody{"recipient": recipient, "type": typ, "status": "ONAY", "recipientType": "BIREYSEL", "source": "HS_WEB", "consentDate": date(at)}
}

func ret(recipient string, at time.Time) consentBody {
	b := onay(recipient, at)
	b["status"] = "RET"
	return b
}

func (b consentBody) with(k string, v any) consentBody {
	out := consentBody{}
	for x, y := range b {
		out[x] = y
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

// add sends a single add (V1 unless v2).
func (c *client) add(b consentBody, v2 bool) answer {
	c.t.Helper()
	return c.call("POST", prefix(v2)+sp+"/consents", b)
}

func prefix(v2 bool) string {
	if v2 {
		return "/v2"
	}
	return ""
}

// listAnswer is the 202 answer of a list.
type listAnswer struct {
	RequestID   string           `json:"requestId"`
	SubRequests []map[string]any `json:"subRequests"`
}

// list sends a list and expects 202.
func (c *client) list(items []consentBody, v2 bool) listAnswer {
	c.t.Helper()
	var ans listAnswer
	c.must(c.call("POST", prefix(v2)+sp+"/consents/request", items), 202, &ans)
	return ans
}

// result reads a list's result.
func (c *client) result(id string, v2 bool) []resultItem {
	c.t.Helper()
	var out []resultItem
	c.must(c.call("GET", prefix(v2)+sp+"/consents/request/"+id, nil), 200, &out)
	return out
}

// status reads a key's current movement; nil when İYS has none.
func (c *client) status(recipient, typ string) *statusAnswer {
	c.t.Helper()
	a := c.call("POST", sp+"/consents/status", map[string]string{"recipient": recipient, "recipientType": "BIREYSEL", "type": typ})
	if a.status == 404 {
		return nil
	}
	var s statusAnswer
	c.must(a, 200, &s)
	return &s
}

func wantCodes(t testing.TB, a answer, status int, codes ...string) {
	t.Helper()
	if a.status != status || strings.Join(a.codes(), ",") != strings.Join(codes, ",") {
		t.Fatalf("got %d %v, want %d %v: %s", a.status, a.codes(), status, codes, a.body)
	}
}
