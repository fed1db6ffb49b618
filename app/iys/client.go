package iys

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Config is how a [Client] reaches İYS. Only BaseURL, Username and
// Password are required.
type Config struct {
	BaseURL  string // e.g. https://api.iys.org.tr, or a simulator's URL
	Username string // İYS integration account; rate limits count per account
	Password string
	// HTTPClient sends the requests; nil = a client of its own that does
	// not follow redirects (a redirected POST would silently become a GET).
	HTTPClient *http.Client
	// Timeout bounds each HTTP attempt, on top of the caller's context; 0 =
	// 30 s. Waiting for a rate-limit turn is bounded by the caller's context
	// only, except for the token (see [Client]).
	Timeout time.Duration
	// Limits overrides entries of [DefaultLimits] (calls per window, by
	// kind); entries ≤ 0 are ignored.
	Limits map[string]int
	// RateWindow is the window of the limits (0 = one minute); the token's
	// is [TokenWindowFactor] times longer. Tests shrink it.
	RateWindow time.Duration
	// Limiter paces the calls; nil = an in-process [SlidingLimiter] built
	// from Limits and RateWindow. Give several Clients of one account the
	// same Limiter, or a database-backed one across processes.
	Limiter Limiter
	// Observe, if set, is told of every HTTP attempt (token calls and
	// retries included): its kind, the status code as text ("200", "429")
	// or "error"/"timeout" when no answer came, and how long it took.
	Observe func(kind, status string, d time.Duration)
	// Now is the clock for the token's lifetime; nil = time.Now.
	Now func() time.Time
	// MaxBatch is the most consents one [Client.AddAsync] may carry; 0 =
	// [DefaultMaxBatch].
	MaxBatch int
}

// Sizes fixed by the contract.
const (
	DefaultMaxBatch = 10000 // consents per async request (İYS's, unverified)
	MaxRecipients   = 1000  // recipients per multiple-status query
	MaxChanges      = 1000  // changes per page of the change feed
	maxAnswer       = 64 << 20
	maxErrorAnswer  = 1 << 20
)

// Client calls İYS for one account. It is safe for concurrent use; share
// one per account so that the token and the rate limits are shared.
//
// Token calls are paced like the others (10 per hour by default), but a
// token request never waits for a turn longer than Timeout: when the budget
// is spent (a storm of 401s, say) the call fails with a [Temporary] error
// wrapping [ErrRateLimited] instead of burning İYS's token budget.
type Client struct {
	base     string
	username string
	password string
	hc       *http.Client
	timeout  time.Duration
	limiter  Limiter
	observe  func(kind, status string, d time.Duration)
	now      func() time.Time
	maxBatch int

	// Retry policy of idempotent calls; variables so tests can shrink them.
	attempts     int           // tries of a read, the first included
	backoff      time.Duration // base of the exponential backoff
	maxRetryWait time.Duration // longer waits are left to the caller

	tokMu  sync.Mutex
	tok    token
	flight *tokenFlight

	holdMu sync.Mutex
	hold   map[string]time.Time // kind → no call before (after a 429)
}

// New makes a Client. It does not contact İYS: the token is obtained on the
// first call.
func New(cfg Config) *Client {
	c := &Client{
		base:         strings.TrimRight(cfg.BaseURL, "/"),
		username:     cfg.Username,
		password:     cfg.Password,
		hc:           cfg.HTTPClient,
		timeout:      cfg.Timeout,
		limiter:      cfg.Limiter,
		observe:      cfg.Observe,
		now:          cfg.Now,
		maxBatch:     cfg.MaxBatch,
		attempts:     3,
		backoff:      500 * time.Millisecond,
		maxRetryWait: time.Minute,
		hold:         map[string]time.Time{},
	}
	if c.hc == nil {
		// More idle connections than the default 2: workers call
		// concurrently, and every new connection is a TLS handshake whose
		// delay the limiter's margin has to absorb. Idle ones are dropped
		// well before a server or load balancer would close them, because
		// a POST sent on a connection closed under it is ambiguous.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32
		tr.IdleConnTimeout = 30 * time.Second
		c.hc = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.timeout <= 0 {
		c.timeout = 30 * time.Second
	}
	if c.limiter == nil {
		limits := make(map[string]int, len(DefaultLimits))
		for k, n := range DefaultLimits {
			limits[k] = n
		}
		for k, n := range cfg.Limits {
			if n > 0 {
				limits[k] = n
			}
		}
		c.limiter = NewLimiter(limits, cfg.RateWindow)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.maxBatch <= 0 {
		c.maxBatch = DefaultMaxBatch
	}
	return c
}

// MaxBatch is the most consents one [Client.AddAsync] may carry.
func (c *Client) MaxBatch() int { return c.maxBatch }

// request is one logical call: an endpoint, its body and where its answer
// goes.
type request struct {
	kind   string
	method string
	path   string // escaped
	query  url.Values
	body   any // nil = no body
	out    any // nil = answer discarded
	noAuth bool
}

// mutating reports whether the kind changes state in İYS: such calls are
// sent once and their failures may be ambiguous.
func mutating(kind string) bool { return kind == KindConsentAdd || kind == KindConsentRequest }

// do runs a call: token, rate-limit turn, HTTP attempt; one retry with a
// fresh token after a 401, and for idempotent kinds a few retries of
// temporary failures with jittered exponential backoff.
func (c *Client) do(ctx context.Context, r request) error {
	attempts := c.attempts
	if mutating(r.kind) {
		attempts = 1
	} else if r.kind == KindToken {
		attempts = min(attempts, 2) // each try spends İYS's small token budget
	}
	reauthorized := false
	for attempt := 1; ; {
		var bearer string
		if !r.noAuth {
			var err error
			if bearer, err = c.token(ctx); err != nil {
				return err
			}
		}
		if err := c.turn(ctx, r.kind); err != nil {
			return err
		}
		e := c.send(ctx, r, bearer)
		if e == nil {
			return nil
		}
		if e.HTTPStatus == http.StatusUnauthorized && !r.noAuth && !reauthorized {
			// The token was refused: not done, so even a mutating call may
			// be repeated once with a new token.
			reauthorized = true
			c.invalidate(bearer)
			continue
		}
		if e.HTTPStatus == http.StatusTooManyRequests && e.RetryAfter > 0 {
			c.holdKind(r.kind, e.RetryAfter)
		}
		if attempt >= attempts || !e.temporary() || ctx.Err() != nil {
			return e
		}
		wait := c.backoffFor(attempt, e.RetryAfter)
		if wait > c.maxRetryWait || !fits(ctx, wait) || sleep(ctx, wait) != nil {
			return e
		}
		attempt++
	}
}

// backoffFor is the wait before retry number attempt: full jitter over an
// exponential base, but never less than what İYS asked for.
func (c *Client) backoffFor(attempt int, retryAfter time.Duration) time.Duration {
	d := c.backoff << (attempt - 1)
	d = d/2 + rand.N(d/2+1)
	return max(d, retryAfter)
}

// turn waits until a call of kind may start: after any hold İYS imposed
// with a 429, then for the limiter.
func (c *Client) turn(ctx context.Context, kind string) error {
	c.holdMu.Lock()
	until := c.hold[kind]
	c.holdMu.Unlock()
	if wait := time.Until(until); wait > 0 {
		if !fits(ctx, wait) {
			return &Error{Kind: kind, Message: "İYS asked to wait past the deadline", RetryAfter: wait, Err: ErrRateLimited}
		}
		if err := sleep(ctx, wait); err != nil {
			return &Error{Kind: kind, Message: "cancelled while waiting for its turn", Err: err}
		}
	}
	if err := c.limiter.Wait(ctx, kind); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return err
		}
		return &Error{Kind: kind, Message: "waiting for its turn", Err: err}
	}
	return nil
}

// holdKind keeps every caller from starting calls of kind for d: a 429
// means İYS counts more calls than this process did (another node, a clock
// difference), and hammering it would only prolong the refusal.
func (c *Client) holdKind(kind string, d time.Duration) {
	until := time.Now().Add(d)
	c.holdMu.Lock()
	if until.After(c.hold[kind]) {
		c.hold[kind] = until
	}
	c.holdMu.Unlock()
}

// apiError is İYS's error answer.
type apiError struct {
	Errors []struct {
		Code     string   `json:"code"`
		Location []string `json:"location"`
		Message  string   `json:"message"`
	} `json:"errors"`
}

// send makes one HTTP attempt and reads its answer into r.out.
func (c *Client) send(ctx context.Context, r request, bearer string) *Error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	// Whether the whole request reached the wire decides whether a lost
	// answer to a mutating call is ambiguous.
	var written atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				written.Store(true)
			}
		},
	})

	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	// Encoded ahead rather than piped so the request has a Content-Length:
	// some gateways refuse chunked POSTs, and 10,000 consents are ~2.5 MB.
	var body io.Reader
	if r.body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r.body); err != nil {
			return &Error{Kind: r.kind, Message: "encoding the request", Err: errors.Join(ErrInvalidCall, err)}
		}
		body = bytes.NewReader(buf.Bytes())
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return &Error{Kind: r.kind, Message: "building the request", Err: errors.Join(ErrInvalidCall, err)}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}

	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		status := "error"
		if isTimeout(err) {
			status = "timeout"
		}
		c.report(r.kind, status, start)
		return &Error{Kind: r.kind, Message: "no answer", Err: err, Ambiguous: mutating(r.kind) && written.Load()}
	}
	defer resp.Body.Close()

	if resp.StatusCode == http.StatusOK {
		err := decodeAnswer(resp.Body, r.out)
		c.report(r.kind, "200", start)
		if err != nil {
			// İYS said 200, so a mutating call did take effect, but what it
			// stored (transaction id, request id) is unknown: ambiguous.
			return &Error{Kind: r.kind, HTTPStatus: http.StatusOK, Message: "answer unreadable", Err: err, Ambiguous: mutating(r.kind)}
		}
		return nil
	}

	e := &Error{Kind: r.kind, HTTPStatus: resp.StatusCode, Ambiguous: mutating(r.kind) && ambiguousStatus(resp.StatusCode)}
	e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorAnswer))
	c.report(r.kind, strconv.Itoa(resp.StatusCode), start)
	var ae apiError
	if json.Unmarshal(raw, &ae) == nil && len(ae.Errors) > 0 {
		first := ae.Errors[0]
		e.Code, e.Field, e.Message = first.Code, strings.Join(first.Location, "."), first.Message
	} else if text := strings.TrimSpace(string(raw)); text != "" {
		e.Message = truncate(text, 200)
	} else {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// decodeAnswer reads a 200 answer into out (or drains it), refusing more
// than maxAnswer bytes and trailing garbage.
func decodeAnswer(body io.Reader, out any) error {
	lr := &limitReader{r: body, left: maxAnswer}
	if out == nil {
		_, err := io.Copy(io.Discard, lr)
		return err
	}
	dec := json.NewDecoder(lr)
	if err := dec.Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			return io.ErrUnexpectedEOF // an empty answer is a cut one
		}
		return err
	}
	// Read to the end so that a connection cut after the JSON still shows.
	if _, err := io.Copy(io.Discard, lr); err != nil {
		return err
	}
	return nil
}

// limitReader fails with errTooLarge, not a silent EOF, past its limit.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Probe one byte: an answer of exactly the limit is fine.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func (c *Client) report(kind, status string, start time.Time) {
	if c.observe != nil {
		c.observe(kind, status, time.Since(start))
	}
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
