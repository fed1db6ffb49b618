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

	"iysgate/app/iys/iysapi"
)

// Config is how a [Client] reaches İYS. Only BaseURL, Username and
// Password are required.
type Config struct {
	BaseURL  string // https://api.iys.org.tr, the sandbox, or a simulator
	Username string // the integrator's API account
	Password string
	// HTTPClient sends the requests; nil = a client of its own that does
	// not follow redirects (a redirected POST would silently become a GET).
	HTTPClient *http.Client
	// Timeout bounds each HTTP attempt on top of the caller's context; 0 =
	// 30 s.
	Timeout time.Duration
	// Limiter paces the calls; nil = a [FairLimiter] of Limits. Share one
	// between the Clients of one installation.
	Limiter Limiter
	Limits  Limits
	// Tokens, if set, keeps the token shared with the other nodes; nil =
	// this Client's alone.
	Tokens TokenStore
	// V1 sends adds by İYS's V1 methods, which do not recognise a resend;
	// the default is V2.
	V1 bool
	// MaxRecipients is the most recipients of one multiple status query:
	// unknowable, 100 (H127's text, the default) or 1000 (the method's
	// description).
	MaxRecipients int
	// Observe, if set, is told of every HTTP attempt (token calls and
	// retries included): its kind, the status as text ("200", "429") or
	// "error"/"timeout" when no answer came, and how long it took.
	Observe func(kind, result string, d time.Duration)
	// Now is the clock of the token's lifetime; nil = time.Now.
	Now func() time.Time
}

// Sizes the client keeps to.
const (
	maxAnswer      = 64 << 20
	maxErrorAnswer = 1 << 20
)

// Client calls İYS for one account. It is safe for concurrent use; share
// one per account so that the token and the limits are shared.
type Client struct {
	base          string
	username      string
	password      string
	hc            *http.Client
	timeout       time.Duration
	limiter       Limiter
	v1            bool
	maxRecipients int
	observe       func(kind, result string, d time.Duration)
	now           func() time.Time

	// Retry policy of reads; variables so tests can shrink them.
	attempts int           // tries of a read, the first included
	backoff  time.Duration // base of the exponential backoff

	tokens  TokenStore
	tokMu   sync.Mutex
	tok     token
	refused string // the access token İYS last refused
	flight  *tokenFlight
}

// New makes a Client. It does not contact İYS: the token is obtained on the
// first call.
func New(cfg Config) *Client {
	c := &Client{
		base:          strings.TrimRight(cfg.BaseURL, "/"),
		username:      cfg.Username,
		password:      cfg.Password,
		hc:            cfg.HTTPClient,
		timeout:       cfg.Timeout,
		limiter:       cfg.Limiter,
		tokens:        cfg.Tokens,
		v1:            cfg.V1,
		maxRecipients: cfg.MaxRecipients,
		observe:       cfg.Observe,
		now:           cfg.Now,
		attempts:      3,
		backoff:       500 * time.Millisecond,
	}
	if c.hc == nil {
		// More idle connections than the default 2: calls run concurrently,
		// and each new connection is a TLS handshake whose delay the
		// limiter's margin must absorb. Idle ones are dropped well before a
		// server would close them: a POST sent on a connection closed under
		// it is ambiguous.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32
		tr.IdleConnTimeout = 30 * time.Second
		c.hc = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.timeout <= 0 {
		c.timeout = 30 * time.Second
	}
	if c.limiter == nil {
		c.limiter = NewLimiter(cfg.Limits)
	}
	if c.maxRecipients <= 0 {
		c.maxRecipients = iysapi.MaxRecipientsH127
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// V2 reports whether adds go by İYS's V2 methods, which recognise a resend.
func (c *Client) V2() bool { return !c.v1 }

// partyKey carries the party of calls in a context.
type partyKey struct{}

// WithParty makes the calls made with ctx count as party's (a company) in
// the limiter's rotation.
func WithParty(ctx context.Context, party string) context.Context {
	return context.WithValue(ctx, partyKey{}, party)
}

func partyOf(ctx context.Context) string {
	p, _ := ctx.Value(partyKey{}).(string)
	return p
}

// request is one logical call: an endpoint, its path values, body and
// where its answer goes.
type request struct {
	kind   iysapi.Kind
	path   []string // the pattern's values
	query  url.Values
	body   any // nil = no body; url.Values = a form
	out    any // nil = answer discarded
	noAuth bool
}

// do runs a call: token, turn, HTTP attempt; once more with a fresh token
// after a 401, and for reads a few retries of transient failures with
// jittered exponential backoff. Mutating calls are sent once: whether to
// resend is the caller's decision, after asking İYS. It returns the
// answer's status.
func (c *Client) do(ctx context.Context, r request) (int, error) {
	ep := iysapi.Lookup(r.kind)
	attempts := c.attempts
	if ep.Mutating || r.kind == iysapi.KindToken {
		attempts = 1 // a token call spends İYS's small hourly budget
	}
	call := Call{Kind: r.kind, Party: partyOf(ctx)}
	if r.kind == iysapi.KindToken {
		call.Party = ""
	}
	reauthorized := false
	for attempt := 1; ; {
		var bearer string
		if !r.noAuth {
			var err error
			if bearer, err = c.token(ctx); err != nil {
				return 0, err
			}
		}
		if err := c.limiter.Wait(ctx, call); err != nil {
			return 0, err
		}
		status, e := c.send(ctx, ep, r, bearer)
		if e == nil {
			return status, nil
		}
		if e.HTTPStatus == http.StatusUnauthorized && !r.noAuth && !reauthorized {
			// The token was refused: not done, so even a mutating call may
			// go once more with a new token.
			reauthorized = true
			c.invalidate(bearer)
			continue
		}
		if e.HTTPStatus == http.StatusTooManyRequests {
			c.limiter.Refused(r.kind, e.Code, e.RetryAfter)
		}
		if attempt >= attempts || e.Class() != iysapi.ClassTransient || ctx.Err() != nil {
			return e.HTTPStatus, e
		}
		if err := sleep(ctx, c.backoffFor(attempt)); err != nil {
			return e.HTTPStatus, e
		}
		attempt++
	}
}

// backoffFor is the wait before retry number attempt: full jitter over an
// exponential base.
func (c *Client) backoffFor(attempt int) time.Duration {
	d := c.backoff << (attempt - 1)
	return d/2 + rand.N(d/2+1)
}

// send makes one HTTP attempt and reads a successful answer into r.out.
func (c *Client) send(ctx context.Context, ep iysapi.Endpoint, r request, bearer string) (int, *Error) {
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
	req, e := c.newRequest(ctx, ep, r)
	if e != nil {
		return 0, e
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		result := "error"
		if isTimeout(err) {
			result = "timeout"
		}
		c.report(r.kind, result, start)
		return 0, &Error{Kind: r.kind, Message: "no answer", Err: err, Ambiguous: ep.Mutating && written.Load()}
	}
	defer resp.Body.Close()
	c.report(r.kind, strconv.Itoa(resp.StatusCode), start)
	if ep.Succeeded(resp.StatusCode) {
		if resp.StatusCode == http.StatusNoContent {
			return resp.StatusCode, nil
		}
		if err := decodeAnswer(resp.Body, r.out); err != nil {
			// İYS took the call, but what it stored (the transaction or
			// request id) is unknown: ambiguous.
			return resp.StatusCode, &Error{Kind: r.kind, HTTPStatus: resp.StatusCode, Message: "answer unreadable", Err: err, Ambiguous: ep.Mutating}
		}
		return resp.StatusCode, nil
	}
	e = &Error{Kind: r.kind, HTTPStatus: resp.StatusCode, Ambiguous: ep.Mutating && ambiguousStatus(resp.StatusCode),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorAnswer))
	if !e.decodeAnswer(raw) {
		if text := strings.TrimSpace(string(raw)); text != "" {
			e.Message = truncate(text, 200)
		} else {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	return resp.StatusCode, e
}

// newRequest builds the HTTP request of r. The body is encoded ahead rather
// than piped so that it has a Content-Length: some gateways refuse chunked
// POSTs.
func (c *Client) newRequest(ctx context.Context, ep iysapi.Endpoint, r request) (*http.Request, *Error) {
	u := c.base + ep.Path(r.path...)
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	contentType := ""
	switch b := r.body.(type) {
	case nil:
	case url.Values:
		body, contentType = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(b); err != nil {
			return nil, &Error{Kind: r.kind, Message: "encoding the request", Err: errors.Join(ErrInvalidCall, err)}
		}
		body, contentType = bytes.NewReader(buf.Bytes()), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, ep.Method, u, body)
	if err != nil {
		return nil, &Error{Kind: r.kind, Message: "building the request", Err: errors.Join(ErrInvalidCall, err)}
	}
	if body == nil {
		// An empty body that cannot be replayed (no GetBody): net/http
		// sends a request without a body (a GET) again by itself when the
		// reused connection it went on closes before the answer, and İYS
		// counts that resend against the limits the limiter keeps without
		// it ever taking a turn. An empty GET body goes out as none.
		req.Body = io.NopCloser(strings.NewReader(""))
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

// decodeAnswer reads a successful answer into out (or drains it), refusing
// more than maxAnswer bytes and trailing garbage.
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
	_, err := io.Copy(io.Discard, lr)
	return err
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

func (c *Client) report(kind iysapi.Kind, result string, start time.Time) {
	if c.observe != nil {
		c.observe(string(kind), result, time.Since(start))
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
