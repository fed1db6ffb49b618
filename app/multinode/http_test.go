package multinode

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// node is one running `iysgate serve`.
type node struct {
	name string
	base string // http://127.0.0.1:port
	proc *proc
}

// balancer reaches the nodes in turn, as a load balancer without sticky
// sessions does, skipping the ones that have exited.
type balancer struct {
	t     *testing.T
	nodes []*node
	next  int
	token string // API bearer token
	http  *http.Client
}

func (b *balancer) pick() *node {
	b.t.Helper()
	for range b.nodes {
		n := b.nodes[b.next%len(b.nodes)]
		b.next++
		if !n.proc.exited() {
			return n
		}
	}
	b.t.Fatal("no node is running")
	return nil
}

// call sends an API request to the next node, with in as its JSON body, and
// decodes a 2xx answer into out. It returns the status and the body.
func (b *balancer) call(method, path string, in, out any) (int, string) {
	b.t.Helper()
	var body io.Reader
	if in != nil {
		j, err := json.Marshal(in)
		if err != nil {
			b.t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	return b.send(b.pick(), method, path, body, "application/json", out)
}

func (b *balancer) send(n *node, method, path string, body io.Reader, contentType string, out any) (int, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, n.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s on %s: %v", method, path, n.name, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode/100 == 2 {
		if err := json.Unmarshal(raw, out); err != nil {
			b.t.Fatalf("%s %s on %s: %v in %.300s", method, path, n.name, err, raw)
		}
	}
	return res.StatusCode, string(raw)
}

// mustCall is call that fails the test unless the answer has status want.
func (b *balancer) mustCall(want int, method, path string, in, out any) {
	b.t.Helper()
	if status, body := b.call(method, path, in, out); status != want {
		b.t.Fatalf("%s %s: %d, want %d: %.500s", method, path, status, want, body)
	}
}

// upload sends a file to POST /api/v1/imports and returns the import's id.
func (b *balancer) upload(name string, data []byte) int64 {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	var res struct{ ID int64 }
	if status, raw := b.send(b.pick(), "POST", "/api/v1/imports", &body, mw.FormDataContentType(), &res); status != http.StatusAccepted || res.ID == 0 {
		b.t.Fatalf("upload %s: %d %.500s", name, status, raw)
	}
	return res.ID
}

// importView is GET /api/v1/imports/{id}.
type importView struct {
	Status   string
	Error    *struct{ Code, Message string }
	Delivery *struct{ Pending, Accepted, Refused int64 }
}

// waitImport polls the import until its status is one of want.
func (b *balancer) waitImport(id int64, timeout time.Duration, want ...string) importView {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var v importView
		b.mustCall(http.StatusOK, "GET", "/api/v1/imports/"+strconv.FormatInt(id, 10), nil, &v)
		for _, w := range want {
			if v.Status == w {
				return v
			}
		}
		if v.Status == "failed" || time.Now().After(deadline) {
			b.t.Fatalf("import %d: %+v (error %+v), want %v", id, v, v.Error, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// browser is a person's browser: one cookie jar for the site, whichever node
// answers (cookies do not depend on the port), the CSRF token of the last
// page, redirects not followed.
type browser struct {
	t    *testing.T
	http *http.Client
	csrf string
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"|"X-CSRF-Token": "([^"]+)"`)

// page is an answer to the browser.
type page struct {
	status   int
	body     string
	location string
}

func (b *browser) do(n *node, method, path string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, n.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s on %s: %v", method, path, n.name, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if m := csrfRe.FindStringSubmatch(string(raw)); m != nil {
		b.csrf = m[1] + m[2]
	}
	return page{status: res.StatusCode, body: string(raw), location: res.Header.Get("Location")}
}

func (b *browser) get(n *node, path string) page { return b.do(n, "GET", path, nil) }

func (b *browser) post(n *node, path string, form url.Values) page {
	return b.do(n, "POST", path, form)
}

// login signs in on node n.
func (b *browser) login(n *node, email, password string) {
	b.t.Helper()
	b.get(n, "/login")
	if p := b.post(n, "/login", url.Values{"email": {email}, "password": {password}}); p.status != http.StatusSeeOther || p.location != "/" {
		b.t.Fatalf("login %s on %s: %d %s", email, n.name, p.status, p.location)
	}
}

// iysCalls is the node's count of calls to İYS (iysgate_iys_calls_total,
// every endpoint and result), read from its /metrics.
func iysCalls(t *testing.T, n *node, metricsToken string) float64 {
	t.Helper()
	req, _ := http.NewRequest("GET", n.base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("/metrics of %s: %v", n.name, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics of %s: %d", n.name, res.StatusCode)
	}
	var sum float64
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "iysgate_iys_calls_total{") {
			continue
		}
		if v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); err == nil {
			sum += v
		}
	}
	return sum
}
