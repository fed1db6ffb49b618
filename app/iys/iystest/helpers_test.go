package iystest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"iysgate/app/consent"
)

// t0 is the fixed "now" of most tests: Wednesday 12 March 2025, noon in
// Istanbul (no holiday near it).
var t0 = time.Date(2025, 3, 12, 12, 0, 0, 0, consent.Location())

// The scope of most tests.
const (
	iysCode  = "600001"
	brand    = "700001"
	consents = "/sps/" + iysCode + "/brands/" + brand + "/consents"
)

// clock is a settable time source.
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

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// date formats a time the way İYS wants consentDate.
func date(t time.Time) string { return consent.FormatIYS(t) }

// client talks to a simulator over HTTP.
type client struct {
	t     testing.TB
	base  string
	hc    *http.Client
	token string
}

// newSim starts a simulator on a test server with a clock at t0 (unless
// cfg.Now is set) and a client holding a token.
func newSim(t testing.TB, cfg Config) (*Sim, *client, *clock) {
	t.Helper()
	clk := &clock{t: t0}
	if cfg.Now == nil {
		cfg.Now = clk.Now
	}
	sim, srv := NewServer(t, cfg)
	// No keep-alive: a dropped connection is never retried by the transport
	// behind the test's back.
	c := &client{t: t, base: srv.URL, hc: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}}
	user, pass := "user", "pass"
	if cfg.Credentials != nil {
		user, pass = cfg.Credentials[0], cfg.Credentials[1]
	}
	c.token = c.login(user, pass)
	return sim, c, clk
}

type answer struct {
	status int
	header http.Header
	body   []byte
	err    error // transport error: the connection broke
}

// code is the first error code of an error answer.
func (a answer) code() string {
	var e struct {
		Errors []wireError `json:"errors"`
	}
	_ = json.Unmarshal(a.body, &e)
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

func (a answer) location() []string {
	var e struct {
		Errors []wireError `json:"errors"`
	}
	_ = json.Unmarshal(a.body, &e)
	if len(e.Errors) == 0 {
		return nil
	}
	return e.Errors[0].Location
}

// call sends a request with the client's token; body is JSON-encoded
// unless it is already []byte.
func (c *client) call(method, path string, body any) answer {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

// must checks the status of an answer and decodes its body into v (if
// not nil).
func (c *client) must(a answer, status int, v any) {
	c.t.Helper()
	if a.err != nil {
		c.t.Fatalf("transport error: %v", a.err)
	}
	if a.status != status {
		c.t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	if v != nil {
		if err := json.Unmarshal(a.body, v); err != nil {
			c.t.Fatalf("decode %s: %v", a.body, err)
		}
	}
}

func (c *client) tokenCall(body any) answer {
	saved := c.token
	c.token = ""
	defer func() { c.token = saved }()
	return c.call("POST", "/oauth2/token", body)
}

func (c *client) login(user, pass string) string {
	c.t.Helper()
	var tok tokenAnswer
	c.must(c.tokenCall(map[string]string{"username": user, "password": pass, "grant_type": "password"}), 200, &tok)
	return tok.AccessToken
}

func (c *client) add(w wireConsent) answer {
	c.t.Helper()
	return c.call("POST", consents, w)
}

// wantCode checks an error answer's status and code.
func wantCode(t testing.TB, a answer, status int, code string) {
	t.Helper()
	if a.err != nil {
		t.Fatalf("transport error: %v (want %d %s)", a.err, status, code)
	}
	if a.status != status || a.code() != code {
		t.Fatalf("got %d %s, want %d %s: %s", a.status, a.code(), status, code, a.body)
	}
}

// request sends an async request and returns its id.
func (c *client) request(items []wireConsent) string {
	c.t.Helper()
	var ans struct {
		RequestID   string `json:"requestId"`
		SubRequests []struct {
			SubrequestID string `json:"subrequestId"`
			Recipient    string `json:"recipient"`
		} `json:"subRequests"`
	}
	c.must(c.call("POST", consents+"/request", items), 200, &ans)
	if ans.RequestID == "" || len(ans.SubRequests) != len(items) {
		c.t.Fatalf("request answer: %+v", ans)
	}
	for i, s := range ans.SubRequests {
		if s.SubrequestID == "" || s.Recipient != items[i].Recipient {
			c.t.Fatalf("subRequest %d: %+v", i, s)
		}
	}
	return ans.RequestID
}

func (c *client) result(id string) []itemAnswer {
	c.t.Helper()
	var out []itemAnswer
	c.must(c.call("GET", consents+"/request/"+id, nil), 200, &out)
	return out
}

// onay is a BIREYSEL MESAJ ONAY from HS_WEB.
func onay(recipient string, at time.Time) wireConsent {
	return wireConsent{Recipient: recipient, Type: "MESAJ", Status: "ONAY", RecipientType: "BIREYSEL", Source: "HS_WEB", ConsentDate: date(at)}
}

// ret is onay's RET.
func ret(recipient string, at time.Time) wireConsent {
	w := onay(recipient, at)
	w.Status = "RET"
	return w
}

const phone = "+905321234567"
