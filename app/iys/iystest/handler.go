package iystest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// maxBody bounds a request body: generous for a full batch of consents.
func (s *Sim) maxBody() int64 { return 1<<20 + int64(s.cfg.MaxBatch)*2048 }

func (s *Sim) routes() *http.ServeMux {
	m := http.NewServeMux()
	const c = "/sps/{iysCode}/brands/{brandCode}/consents"
	m.HandleFunc("POST /oauth2/token", s.api(KindToken, s.handleToken))
	m.HandleFunc("POST "+c, s.api(KindConsentAdd, s.handleAdd))
	m.HandleFunc("POST "+c+"/request", s.api(KindConsentRequest, s.handleRequest))
	m.HandleFunc("GET "+c+"/request/{requestId}", s.api(KindConsentRequestResult, s.handleResult))
	m.HandleFunc("POST "+c+"/status", s.api(KindConsentStatus, s.handleStatus))
	m.HandleFunc("POST "+c+"/status/multiple", s.api(KindConsentStatusMultiple, s.handleStatusMultiple))
	m.HandleFunc("GET "+c+"/changes", s.api(KindConsentChanges, s.handleChanges))
	m.HandleFunc("GET /sps/{iysCode}/brands", s.api(KindBrands, s.handleBrands))
	m.HandleFunc("GET /_sim/stats", s.handleSimStats)
	m.HandleFunc("POST /_sim/citizen-ret", s.handleSimCitizenRet)
	m.HandleFunc("POST /_sim/faults", s.handleSimFaults)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, CodeNotFound, "")
	})
	return m
}

// call is one API call on its way through the simulator.
type call struct {
	s       *Sim
	w       http.ResponseWriter
	r       *http.Request
	kind    string
	now     time.Time
	account string
}

// api wraps an endpoint: latency, injected faults, authentication, rate
// limits and brand access, in that order, before the handler runs.
func (s *Sim) api(kind string, h func(*call)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := &call{s: s, w: w, r: r, kind: kind}
		if d := s.faults.getLatency(); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				s.count(kind, "canceled")
				return
			}
		}
		switch s.faults.pick() {
		case fault429:
			w.Header().Set("Retry-After", "1")
			c.fail(http.StatusTooManyRequests, CodeRateLimited, "")
			return
		case fault500:
			c.fail(http.StatusInternalServerError, CodeServerError, "")
			return
		case fault503:
			c.fail(http.StatusServiceUnavailable, CodeUnavailable, "")
			return
		case faultDrop:
			c.drop("dropped")
			return
		}
		c.now = s.now()
		if kind != KindToken {
			acct, ok := s.auth.authenticate(r, c.now)
			if !ok {
				w.Header().Set("WWW-Authenticate", "Bearer")
				c.fail(http.StatusUnauthorized, CodeUnauthorized, "")
				return
			}
			c.account = acct
			if !c.allow() || !c.brandAllowed() {
				return
			}
		}
		h(c)
	}
}

// allow applies the rate limit of the call's kind to its account.
func (c *call) allow() bool {
	s := c.s
	if !s.cfg.RateLimits {
		return true
	}
	window := s.cfg.RateWindow
	if c.kind == KindToken {
		window *= 60
	}
	ok, wait := s.limit.allow(c.account, c.kind, s.limits[c.kind], window, c.now)
	if !ok {
		secs := int64((wait + time.Second - 1) / time.Second)
		c.w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
		c.fail(http.StatusTooManyRequests, CodeRateLimited, "")
	}
	return ok
}

// brandAllowed checks the path's iysCode and brandCode against Config.Brands.
func (c *call) brandAllowed() bool {
	brands := c.s.cfg.Brands
	if len(brands) == 0 {
		return true
	}
	allowed, ok := brands[c.r.PathValue("iysCode")]
	if b := c.r.PathValue("brandCode"); ok && (b == "" || slices.Contains(allowed, b)) {
		return true
	}
	c.fail(http.StatusForbidden, CodeBrandNotAllowed, "")
	return false
}

// sp interns the call's (iysCode, brandCode). s.mu is held.
func (c *call) spLocked() uint32 {
	return c.s.spID(c.r.PathValue("iysCode"), c.r.PathValue("brandCode"))
}

// ok answers 200 with v.
func (c *call) ok(v any) {
	c.s.count(c.kind, "200")
	writeJSON(c.w, http.StatusOK, v)
}

// fail answers an error in İYS's shape.
func (c *call) fail(status int, code, field string) {
	c.s.count(c.kind, strconv.Itoa(status))
	writeError(c.w, status, code, field)
}

// decode reads a JSON body into v, answering 400 when it cannot.
func (c *call) decode(v any) bool {
	body := http.MaxBytesReader(c.w, c.r.Body, c.s.maxBody())
	if err := json.NewDecoder(body).Decode(v); err != nil {
		c.fail(http.StatusBadRequest, CodeBadRequest, "")
		return false
	}
	return true
}

// drop closes the connection without an answer: the client sees a reset
// or an unexpected EOF. outcome is "dropped" (not processed) or "lost"
// (processed).
func (c *call) drop(outcome string) {
	c.s.count(c.kind, outcome)
	if hj, ok := c.w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	// HTTP/2 or a wrapped writer: net/http aborts the response silently.
	panic(http.ErrAbortHandler)
}

// answerMutation sends a mutating call's 200, or loses it as configured.
func (c *call) answerMutation(v any) {
	if c.s.faults.lose() {
		c.drop("lost")
		return
	}
	c.ok(v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, errorBody(CodeServerError, "")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

type wireError struct {
	Code     string   `json:"code"`
	Location []string `json:"location"`
	Message  string   `json:"message"`
}

func errorBody(code, field string) []byte {
	loc := []string{}
	if field != "" {
		loc = []string{field}
	}
	b, _ := json.Marshal(struct {
		Errors []wireError `json:"errors"`
	}{[]wireError{{Code: code, Location: loc, Message: Message(code)}}})
	return b
}

func writeError(w http.ResponseWriter, status int, code, field string) {
	b := errorBody(code, field)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// handleToken: POST /oauth2/token, password or refresh_token grant.
func (s *Sim) handleToken(c *call) {
	var req struct {
		Username     string `json:"username"`
		Password     string `json:"password"`
		RefreshToken string `json:"refresh_token"`
		GrantType    string `json:"grant_type"`
	}
	if !c.decode(&req) {
		return
	}
	switch req.GrantType {
	case "password":
		c.account = req.Username
	case "refresh_token":
		c.account = s.auth.refreshAccount(req.RefreshToken)
	default:
		c.fail(http.StatusBadRequest, CodeBadRequest, "grant_type")
		return
	}
	if !c.allow() {
		return
	}
	if req.GrantType == "password" {
		if !checkCredentials(s.cfg.Credentials, req.Username, req.Password) {
			c.fail(http.StatusUnauthorized, CodeUnauthorized, "")
			return
		}
	} else if _, ok := s.auth.useRefresh(req.RefreshToken, c.now); !ok {
		c.fail(http.StatusUnauthorized, CodeUnauthorized, "refresh_token")
		return
	}
	c.ok(s.auth.issue(c.account, s.cfg.TokenTTL, c.now))
}

type addAnswer struct {
	TransactionID string `json:"transactionId"`
	CreationDate  string `json:"creationDate"`
}

// handleAdd: POST …/consents, one consent decided at once.
func (s *Sim) handleAdd(c *call) {
	var w wireConsent
	if !c.decode(&w) {
		return
	}
	if !w.shapeOK() {
		c.fail(http.StatusBadRequest, CodeBadRequest, "retailerAccess")
		return
	}
	it := s.validate(&w, c.now)
	s.mu.Lock()
	s.settleLocked(c.now)
	res := s.decideLocked(c.spLocked(), &it, c.now)
	s.mu.Unlock()
	if res.problem != nil {
		c.fail(http.StatusUnprocessableEntity, res.problem.code, res.problem.field)
		return
	}
	c.answerMutation(addAnswer{TransactionID: s.txID(res.seq), CreationDate: formatNano(res.created)})
}

type subRequest struct {
	SubrequestID string `json:"subrequestId"`
	wireConsent
}

// handleRequest: POST …/consents/request, a batch decided asynchronously.
func (s *Sim) handleRequest(c *call) {
	body, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, s.maxBody()))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		c.fail(http.StatusBadRequest, CodeBatchTooLarge, "")
		return
	}
	var wires []wireConsent
	if err != nil || json.Unmarshal(body, &wires) != nil || len(wires) == 0 {
		c.fail(http.StatusBadRequest, CodeBadRequest, "")
		return
	}
	if len(wires) > s.cfg.MaxBatch {
		c.fail(http.StatusBadRequest, CodeBatchTooLarge, "")
		return
	}
	for i := range wires {
		if !wires[i].shapeOK() {
			c.fail(http.StatusBadRequest, CodeBadRequest, "")
			return
		}
	}
	items := make([]item, len(wires))
	for i := range wires {
		items[i] = s.validate(&wires[i], c.now)
	}
	s.mu.Lock()
	s.settleLocked(c.now)
	r := s.newRequestLocked(c.spLocked(), items, c.now)
	s.mu.Unlock()

	ans := struct {
		RequestID   string       `json:"requestId"`
		SubRequests []subRequest `json:"subRequests"`
	}{r.id, make([]subRequest, len(wires))}
	for i := range wires {
		ans.SubRequests[i] = subRequest{subrequestID(r.id, i), wires[i]}
	}
	c.answerMutation(ans)
}

func subrequestID(requestID string, i int) string { return requestID + "-" + strconv.Itoa(i) }

type itemError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type itemAnswer struct {
	Index         int        `json:"index"`
	Status        string     `json:"status"`
	SubrequestID  string     `json:"subrequestId"`
	TransactionID string     `json:"transactionId,omitempty"`
	CreationDate  string     `json:"creationDate,omitempty"`
	Error         *itemError `json:"error,omitempty"`
}

// handleResult: GET …/consents/request/{requestId}.
func (s *Sim) handleResult(c *call) {
	id := c.r.PathValue("requestId")
	s.mu.Lock()
	s.settleLocked(c.now)
	r := s.requests[id]
	sp, known := s.sps[spKey{c.r.PathValue("iysCode"), c.r.PathValue("brandCode")}]
	var decided int
	if r != nil {
		decided = r.decided
	}
	s.mu.Unlock()
	if r == nil || !known || r.sp != sp {
		c.fail(http.StatusNotFound, CodeNotFound, "requestId")
		return
	}
	// results[:decided] no longer change, so they are read without the lock.
	out := make([]itemAnswer, len(r.results))
	var lastCreated int64 = -1
	var lastDate string
	for i := range out {
		a := &out[i]
		a.Index, a.SubrequestID = i, subrequestID(id, i)
		if i >= decided {
			a.Status = "enqueue"
			continue
		}
		res := &r.results[i]
		if res.problem != nil {
			a.Status = "failure"
			a.Error = &itemError{Code: res.problem.code, Message: Message(res.problem.code)}
			continue
		}
		if sec := res.created / int64(time.Second); sec != lastCreated {
			lastCreated, lastDate = sec, formatUnix(sec)
		}
		a.Status, a.TransactionID, a.CreationDate = "success", s.txID(res.seq), lastDate
	}
	c.ok(out)
}

// queryKey reads and checks the type and recipient type of a status query.
func (c *call) queryKey(typ, recipientType string) (t, rt uint8, ok bool) {
	if t = parseType(typ); t == 0 {
		c.fail(http.StatusBadRequest, CodeTypeInvalid, "type")
		return 0, 0, false
	}
	if rt = parseRecipientType(recipientType); rt == 0 {
		c.fail(http.StatusBadRequest, CodeRecipientTypeInvalid, "recipientType")
		return 0, 0, false
	}
	return t, rt, true
}

// handleStatus: POST …/consents/status.
func (s *Sim) handleStatus(c *call) {
	var q struct {
		Recipient     string `json:"recipient"`
		RecipientType string `json:"recipientType"`
		Type          string `json:"type"`
	}
	if !c.decode(&q) {
		return
	}
	t, rt, ok := c.queryKey(q.Type, q.RecipientType)
	if !ok {
		return
	}
	if !validRecipient(t, q.Recipient) {
		c.fail(http.StatusBadRequest, CodeRecipientInvalid, "recipient")
		return
	}
	s.mu.Lock()
	s.settleLocked(c.now)
	k, r := s.lookupLocked(c.r.PathValue("iysCode"), c.r.PathValue("brandCode"), q.Recipient, rt, t)
	var sc StoredConsent
	if r != nil {
		sc = s.stored(k, r)
	}
	s.mu.Unlock()
	if r == nil {
		c.fail(http.StatusNotFound, CodeConsentNotFound, "")
		return
	}
	c.ok(sc)
}

// handleStatusMultiple: POST …/consents/status/multiple. The list holds the
// recipients that have a record, in the order asked, each once.
func (s *Sim) handleStatusMultiple(c *call) {
	var q struct {
		Type          string   `json:"type"`
		RecipientType string   `json:"recipientType"`
		Recipients    []string `json:"recipients"`
	}
	if !c.decode(&q) {
		return
	}
	if len(q.Recipients) > MaxRecipients {
		c.fail(http.StatusBadRequest, CodeTooManyRecipients, "recipients")
		return
	}
	t, rt, ok := c.queryKey(q.Type, q.RecipientType)
	if !ok {
		return
	}
	for _, r := range q.Recipients {
		if !validRecipient(t, r) {
			c.fail(http.StatusBadRequest, CodeRecipientInvalid, "recipients")
			return
		}
	}
	ans := struct {
		List []StoredConsent `json:"list"`
	}{[]StoredConsent{}}
	seen := make(map[string]bool, len(q.Recipients))
	s.mu.Lock()
	s.settleLocked(c.now)
	for _, rcp := range q.Recipients {
		if seen[rcp] {
			continue
		}
		seen[rcp] = true
		if k, r := s.lookupLocked(c.r.PathValue("iysCode"), c.r.PathValue("brandCode"), rcp, rt, t); r != nil {
			ans.List = append(ans.List, s.stored(k, r))
		}
	}
	s.mu.Unlock()
	c.ok(ans)
}

// handleChanges: GET …/consents/changes?source=HS|IYS&after=&limit=.
func (s *Sim) handleChanges(c *call) {
	q := c.r.URL.Query()
	var family uint8
	switch q.Get("source") {
	case "HS":
		family = familyHS
	case "IYS":
		family = familyIYS
	default:
		c.fail(http.StatusBadRequest, CodeBadRequest, "source")
		return
	}
	limit := MaxChanges
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			c.fail(http.StatusBadRequest, CodeBadRequest, "limit")
			return
		}
		limit = min(n, MaxChanges)
	}
	after := q.Get("after")
	afterSeq := int64(-1)
	if after != "" {
		seq, ours, ok := s.parseTxID(after)
		if !ok {
			c.fail(http.StatusBadRequest, CodeBadRequest, "after")
			return
		}
		if ours {
			afterSeq = seq
		}
	}
	ans := struct {
		After string       `json:"after"`
		List  []wireChange `json:"list"`
	}{after, []wireChange{}}
	s.mu.Lock()
	s.settleLocked(c.now)
	if sp, ok := s.sps[spKey{c.r.PathValue("iysCode"), c.r.PathValue("brandCode")}]; ok {
		if f := s.feeds[feedKey{sp, family}]; f != nil {
			for _, ch := range f.page(afterSeq, limit, c.now.UnixNano(), s.cfg.ChangeDelay) {
				ans.List = append(ans.List, s.wireChange(&ch))
			}
		}
	}
	s.mu.Unlock()
	if n := len(ans.List); n > 0 {
		ans.After = ans.List[n-1].TransactionID
	}
	c.ok(ans)
}

type wireBrand struct {
	BrandCode string `json:"brandCode"`
	Name      string `json:"name"`
}

// handleBrands: GET /sps/{iysCode}/brands. With Config.Brands, the
// configured ones; otherwise the brands used with this iysCode so far.
// The simulator knows no names, so a brand's name is its code.
func (s *Sim) handleBrands(c *call) {
	iysCode := c.r.PathValue("iysCode")
	var codes []string
	if len(s.cfg.Brands) > 0 {
		codes = slices.Clone(s.cfg.Brands[iysCode])
	} else {
		s.mu.Lock()
		for _, k := range s.spNames {
			if k.iysCode == iysCode {
				codes = append(codes, k.brandCode)
			}
		}
		s.mu.Unlock()
	}
	slices.Sort(codes)
	out := make([]wireBrand, 0, len(codes))
	for _, b := range slices.Compact(codes) {
		out = append(out, wireBrand{BrandCode: b, Name: b})
	}
	c.ok(out)
}

// handleSimStats: GET /_sim/stats.
func (s *Sim) handleSimStats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

// handleSimCitizenRet: POST /_sim/citizen-ret.
func (s *Sim) handleSimCitizenRet(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IYSCode       string `json:"iys_code"`
		BrandCode     string `json:"brand_code"`
		Recipient     string `json:"recipient"`
		Type          string `json:"type"`
		RecipientType string `json:"recipient_type"`
		Source        string `json:"source"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "")
		return
	}
	id, err := s.citizenRet(req.IYSCode, req.BrandCode, req.Recipient, req.Type, req.RecipientType, req.Source)
	var re *ruleError
	if errors.As(err, &re) {
		writeError(w, http.StatusBadRequest, re.code, re.field)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		TransactionID string `json:"transactionId"`
	}{id})
}

// handleSimFaults: POST /_sim/faults {"fail_rate","lose_answers","latency_ms"}
// changes the faults of a running simulator (absent fields stay as they are).
func (s *Sim) handleSimFaults(w http.ResponseWriter, r *http.Request) {
	var req struct {
		FailRate    *float64 `json:"fail_rate"`
		LoseAnswers *float64 `json:"lose_answers"`
		LatencyMS   *int64   `json:"latency_ms"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "")
		return
	}
	f := &s.faults
	f.mu.Lock()
	if req.FailRate != nil {
		f.failRate = *req.FailRate
	}
	if req.LoseAnswers != nil {
		f.loseAnswers = *req.LoseAnswers
	}
	if req.LatencyMS != nil {
		f.latency = time.Duration(*req.LatencyMS) * time.Millisecond
	}
	ans := struct {
		FailRate    float64 `json:"fail_rate"`
		LoseAnswers float64 `json:"lose_answers"`
		LatencyMS   int64   `json:"latency_ms"`
	}{f.failRate, f.loseAnswers, f.latency.Milliseconds()}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, ans)
}
