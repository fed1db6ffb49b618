package iystest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"iysgate/app/iys/iysapi"
)

// maxBody bounds a request body: generous for a full list of consents.
const maxBody = 4 << 20

func (s *Sim) routes() *http.ServeMux {
	handlers := map[iysapi.Kind]func(*call){
		iysapi.KindToken:               s.handleToken,
		iysapi.KindBrands:              s.handleBrands,
		iysapi.KindConsentAdd:          s.handleAdd,
		iysapi.KindConsentAddV2:        s.handleAdd,
		iysapi.KindConsentRequest:      s.handleList,
		iysapi.KindConsentRequestV2:    s.handleList,
		iysapi.KindRequestResult:       s.handleResult,
		iysapi.KindRequestResultV2:     s.handleResult,
		iysapi.KindConsentStatus:       s.handleStatus,
		iysapi.KindConsentStatusMulti:  s.handleStatusMulti,
		iysapi.KindConsentHistory:      s.handleHistory,
		iysapi.KindConsentChanges:      s.handleChanges,
		iysapi.KindIntegratorCompanies: s.handleIntegrator,
	}
	m := http.NewServeMux()
	for _, e := range iysapi.Endpoints() {
		m.HandleFunc(e.Route(), s.api(e, handlers[e.Kind]))
	}
	s.operatorRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorsBody(simError(codeNotFound)))
	})
	return m
}

// call is one API call on its way through the simulator.
type call struct {
	s       *Sim
	w       http.ResponseWriter
	r       *http.Request
	ep      iysapi.Endpoint
	now     time.Time
	ip      string
	account string
}

// api wraps an endpoint: latency, injected faults, authentication, rate
// limits and access to the company and brand, in that order.
func (s *Sim) api(ep iysapi.Endpoint, h func(*call)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := &call{s: s, w: w, r: r, ep: ep, now: s.now(), ip: clientIP(r)}
		s.limits.arrive(ep.Kind, c.now, s.cfg.Hour)
		if d := s.faults.get().Latency; d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				s.count(ep.Kind, "canceled")
				return
			}
			c.now = s.now()
		}
		switch s.faults.pick() {
		case faultTooMany:
			c.refuseRate("H124")
			return
		case faultServer:
			c.fail(apiErr("H015"))
			return
		case faultUnavailable:
			c.fail(apiErr("H192"))
			return
		case faultDrop:
			c.drop("dropped")
			return
		}
		if ep.Kind != iysapi.KindToken {
			acct, ok := s.auth.authenticate(r, c.now)
			if !ok {
				c.fail(apiErr("H351"))
				return
			}
			c.account = acct
			if !c.allow() || !c.companyAllowed() {
				return
			}
		}
		h(c)
	}
}

// clientIP is the address İYS counts the call against.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// allow applies the published limits, when they are on.
func (c *call) allow() bool {
	if !c.s.cfg.RateLimits {
		return true
	}
	code, ok := c.s.limits.allow(c.ip, c.ep.Kind, c.now, &c.s.cfg)
	if !ok {
		c.refuseRate(code)
	}
	return ok
}

// refuseRate answers 429 with code, and Retry-After only if configured
// (whether İYS sends one is unknowable).
func (c *call) refuseRate(code string) {
	if c.s.cfg.RetryAfter {
		wait := time.Second
		if code != "H124" {
			wait = c.s.cfg.Hour
		}
		c.w.Header().Set("Retry-After", strconv.Itoa(int(max(wait/time.Second, 1))))
	}
	c.fail(apiErr(code))
}

// companyAllowed checks the path's iysCode and brandCode against
// Config.Brands and the operator's blocks (403 with İYS's code).
func (c *call) companyAllowed() bool {
	iysCode, brand := c.r.PathValue("iysCode"), c.r.PathValue("brandCode")
	if iysCode == "" {
		return true
	}
	c.s.mu.Lock()
	code := c.s.blocked[iysCode]
	c.s.mu.Unlock()
	if code != "" {
		c.fail(apiErr(code))
		return false
	}
	brands := c.s.cfg.Brands
	if len(brands) == 0 || c.ep.Kind == iysapi.KindIntegratorCompanies {
		return true
	}
	if allowed, ok := brands[iysCode]; ok && (brand == "" || slices.Contains(allowed, brand)) {
		return true
	}
	c.fail(apiErr("H353"))
	return false
}

// answer sends the endpoint's success status with v.
func (c *call) answer(v any) {
	status := c.ep.Success[0]
	c.s.count(c.ep.Kind, strconv.Itoa(status))
	writeJSON(c.w, status, v)
}

// ok answers 200 with v (the token method).
func (c *call) ok(v any) {
	c.s.count(c.ep.Kind, "200")
	writeJSON(c.w, http.StatusOK, v)
}

// noContent answers 204.
func (c *call) noContent() {
	c.s.count(c.ep.Kind, "204")
	c.w.WriteHeader(http.StatusNoContent)
}

// answerMutation sends a processed add's answer, or loses it as configured.
func (c *call) answerMutation(v any) {
	if c.s.faults.lose() {
		c.drop("lost")
		return
	}
	c.answer(v)
}

// fail answers errs with the status of the first one's code.
func (c *call) fail(errs ...apiError) {
	status := statusOf(errs[0].Code)
	c.s.count(c.ep.Kind, strconv.Itoa(status))
	writeJSON(c.w, status, errorsBody(errs...))
}

// oauthError answers the token method's refusal.
func (c *call) oauthError(code, description string) {
	c.s.count(c.ep.Kind, "400")
	writeJSON(c.w, http.StatusBadRequest, map[string]string{"error": code, "error_description": description})
}

// drop closes the connection without an answer; outcome is "dropped" (not
// processed) or "lost" (processed).
func (c *call) drop(outcome string) {
	c.s.count(c.ep.Kind, outcome)
	if hj, ok := c.w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // HTTP/2: net/http aborts the response
}

// body reads the request body; an unreadable one answers 400 H014.
func (c *call) body() ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, maxBody))
	if err != nil {
		c.fail(apiErr("H014"))
		return nil, false
	}
	return b, true
}

// decode reads a JSON body into v; invalid JSON answers 400 H014.
func (c *call) decode(v any) bool {
	b, ok := c.body()
	if !ok {
		return false
	}
	if json.Unmarshal(b, v) != nil {
		c.fail(apiErr("H014"))
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorsBody(apiErr("H015")))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
