package iys

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fake is a small stand-in for İYS: just enough of the contract to drive
// the client, plus counters and injected failures. It is not the
// simulator: no rules beyond what the tests need.
type fake struct {
	srv *httptest.Server

	mu        sync.Mutex
	grants    []string               // grant_type of every token request, in order
	valid     map[string]bool        // access tokens accepted
	refreshes map[string]bool        // refresh tokens accepted
	expiresIn int                    // lifetime given to new tokens
	seq       int                    // token and id counter
	arrivals  map[string][]time.Time // start of every request by kind
	bodies    map[string][][]byte    // request bodies by kind
	queries   map[string][]string    // raw queries by kind
	replies   map[string][]reply     // injected answers by kind, taken first
	stored    map[string]Stored      // by recipient|recipientType|type
	requests  map[string][]Consent   // async requests by id
	polls     map[string]int         // result polls by request id
	changes   []Change
}

// reply is an injected answer.
type reply struct {
	status     int
	code       string
	field      string
	retryAfter string
	body       string        // raw body instead of İYS's error shape
	drop       bool          // read the request, then close the connection
	delay      time.Duration // wait before answering
}

func newFake(t *testing.T) *fake {
	f := &fake{
		valid: map[string]bool{}, refreshes: map[string]bool{}, expiresIn: 7200,
		arrivals: map[string][]time.Time{}, bodies: map[string][][]byte{}, queries: map[string][]string{},
		replies: map[string][]reply{}, stored: map[string]Stored{}, requests: map[string][]Consent{}, polls: map[string]int{},
	}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) inject(kind string, rs ...reply) {
	f.mu.Lock()
	f.replies[kind] = append(f.replies[kind], rs...)
	f.mu.Unlock()
}

func (f *fake) count(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.arrivals[kind])
}

func (f *fake) grantLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.grants...)
}

// revoke makes İYS forget every access token (as after a restart).
func (f *fake) revoke() {
	f.mu.Lock()
	clear(f.valid)
	f.mu.Unlock()
}

func kindOf(method, path string) string {
	p := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/oauth2/token":
		return KindToken
	case len(p) == 3 && p[0] == "sps" && p[2] == "brands":
		return KindBrands
	case len(p) < 5 || p[0] != "sps" || p[2] != "brands" || p[4] != "consents":
		return ""
	case len(p) == 5:
		return KindConsentAdd
	case len(p) == 6 && p[5] == "request":
		return KindConsentRequest
	case len(p) == 7 && p[5] == "request" && method == http.MethodGet:
		return KindConsentRequestResult
	case len(p) == 6 && p[5] == "status":
		return KindConsentStatus
	case len(p) == 7 && p[5] == "status" && p[6] == "multiple":
		return KindConsentStatusMultiple
	case len(p) == 6 && p[5] == "changes":
		return KindConsentChanges
	}
	return ""
}

func fail(w http.ResponseWriter, status int, code, field string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	loc := []string{}
	if field != "" {
		loc = append(loc, field)
	}
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"code": code, "location": loc, "message": "fake " + code}}})
}

func answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func key(recipient, recipientType, typ string) string {
	return recipient + "|" + recipientType + "|" + typ
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	kind := kindOf(r.Method, r.URL.Path)
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.arrivals[kind] = append(f.arrivals[kind], arrived)
	f.bodies[kind] = append(f.bodies[kind], body)
	f.queries[kind] = append(f.queries[kind], r.URL.RawQuery)
	var injected *reply
	if q := f.replies[kind]; len(q) > 0 {
		injected = &q[0]
		f.replies[kind] = q[1:]
	}
	authorized := f.valid[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	f.mu.Unlock()

	if kind == "" {
		fail(w, http.StatusNotFound, CodeNotFound, "")
		return
	}
	if injected != nil {
		time.Sleep(injected.delay)
		switch {
		case injected.drop:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		case injected.retryAfter != "":
			w.Header().Set("Retry-After", injected.retryAfter)
		}
		if injected.body != "" {
			w.WriteHeader(injected.status)
			io.WriteString(w, injected.body)
			return
		}
		if injected.status != 0 {
			fail(w, injected.status, injected.code, injected.field)
			return
		}
	}
	if kind == KindToken {
		f.token(w, body)
		return
	}
	if !authorized {
		fail(w, http.StatusUnauthorized, CodeUnauthorized, "")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch kind {
	case KindConsentAdd:
		var c Consent
		json.Unmarshal(body, &c)
		k := key(c.Recipient, c.RecipientType, c.Type)
		if old, ok := f.stored[k]; ok && old.Status == c.Status {
			fail(w, http.StatusUnprocessableEntity, CodeSameStatus, "status")
			return
		}
		f.seq++
		s := Stored{Consent: c, TransactionID: "tx" + strconv.Itoa(f.seq), CreationDate: "2025-06-02 10:00:00"}
		f.stored[k] = s
		answer(w, AddResult{TransactionID: s.TransactionID, CreationDate: s.CreationDate})
	case KindConsentRequest:
		var cs []Consent
		json.Unmarshal(body, &cs)
		f.seq++
		id := "req" + strconv.Itoa(f.seq)
		f.requests[id] = cs
		subs := make([]SubRequest, len(cs))
		for i, c := range cs {
			subs[i] = SubRequest{SubrequestID: fmt.Sprintf("%s-%d", id, i), Consent: c}
		}
		answer(w, AsyncRequest{RequestID: id, SubRequests: subs})
	case KindConsentRequestResult:
		id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		cs, ok := f.requests[id]
		if !ok {
			fail(w, http.StatusNotFound, CodeNotFound, "requestId")
			return
		}
		f.polls[id]++
		items := make([]ItemResult, len(cs))
		for i, c := range cs {
			items[i] = ItemResult{Index: i, SubrequestID: fmt.Sprintf("%s-%d", id, i), Status: ItemEnqueue}
			if f.polls[id] > 1 { // final from the second poll on
				f.seq++
				items[i].Status, items[i].TransactionID, items[i].CreationDate = ItemSuccess, "tx"+strconv.Itoa(f.seq), "2025-06-02 10:00:00"
				if c.Status == "RET" {
					items[i] = ItemResult{Index: i, SubrequestID: items[i].SubrequestID, Status: ItemFailure, Error: &ItemError{Code: CodeFirstRet, Message: "fake"}}
				}
			}
		}
		answer(w, items)
	case KindConsentStatus:
		var q struct{ Recipient, RecipientType, Type string }
		json.Unmarshal(body, &q)
		s, ok := f.stored[key(q.Recipient, q.RecipientType, q.Type)]
		if !ok {
			fail(w, http.StatusNotFound, CodeConsentNotFound, "")
			return
		}
		answer(w, s)
	case KindConsentStatusMultiple:
		var q struct {
			Type, RecipientType string
			Recipients          []string
		}
		json.Unmarshal(body, &q)
		if len(q.Recipients) > MaxRecipients {
			fail(w, http.StatusBadRequest, CodeTooManyRecipients, "recipients")
			return
		}
		list := []Stored{}
		for _, rc := range q.Recipients {
			if s, ok := f.stored[key(rc, q.RecipientType, q.Type)]; ok {
				list = append(list, s)
			}
		}
		answer(w, map[string]any{"list": list})
	case KindConsentChanges:
		after, _ := strconv.Atoi(r.URL.Query().Get("after"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if limit <= 0 || limit > MaxChanges {
			limit = MaxChanges
		}
		end := min(after+limit, len(f.changes))
		page := ChangePage{After: strconv.Itoa(end), List: f.changes[min(after, end):end]}
		if after >= len(f.changes) {
			page.After = r.URL.Query().Get("after")
		}
		answer(w, page)
	case KindBrands:
		// brandCode as a number, as İYS may write it.
		io.WriteString(w, `[{"brandCode":654321,"name":"Marka A"},{"brandCode":"000123","name":"Marka B"}]`)
	}
}

func (f *fake) token(w http.ResponseWriter, body []byte) {
	var q map[string]string
	if json.Unmarshal(body, &q) != nil {
		fail(w, http.StatusBadRequest, "SIM_BAD_REQUEST", "")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.grants = append(f.grants, q["grant_type"])
	switch q["grant_type"] {
	case "password":
		if q["username"] != "user" || q["password"] != "pass" {
			fail(w, http.StatusUnauthorized, CodeUnauthorized, "username")
			return
		}
	case "refresh_token":
		if !f.refreshes[q["refresh_token"]] {
			fail(w, http.StatusUnauthorized, CodeUnauthorized, "refresh_token")
			return
		}
		delete(f.refreshes, q["refresh_token"])
	default:
		fail(w, http.StatusBadRequest, "SIM_BAD_REQUEST", "grant_type")
		return
	}
	f.seq++
	access, refresh := "access"+strconv.Itoa(f.seq), "refresh"+strconv.Itoa(f.seq)
	f.valid[access], f.refreshes[refresh] = true, true
	answer(w, map[string]any{"access_token": access, "refresh_token": refresh, "expires_in": f.expiresIn,
		"refresh_expires_in": 2 * f.expiresIn, "token_type": "bearer"})
}

// noLimit lets every call through at once.
type noLimit struct{}

func (noLimit) Wait(ctx context.Context, kind string) error { return ctx.Err() }

// client makes a Client for f with fast retries; mod adjusts its Config.
func (f *fake) client(mod func(*Config)) *Client {
	cfg := Config{BaseURL: f.srv.URL, Username: "user", Password: "pass", Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c := New(cfg)
	c.backoff = 5 * time.Millisecond
	return c
}

var sp = SP{IYSCode: "123456", BrandCode: "654321"}

func onay(recipient string) Consent {
	return Consent{Recipient: recipient, Type: "MESAJ", Status: "ONAY", RecipientType: "BIREYSEL", Source: "HS_WEB", ConsentDate: "2025-06-02 09:00:00"}
}
