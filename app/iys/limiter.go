package iys

import (
	"context"
	"errors"
	"sync"
	"time"
)

// The endpoint kinds: the names of İYS's endpoints in rate limits, errors
// and metrics. The simulator (iystest) and the app use the same strings.
const (
	KindToken                 = "token"
	KindConsentAdd            = "consent_add"
	KindConsentRequest        = "consent_request"
	KindConsentRequestResult  = "consent_request_result"
	KindConsentStatus         = "consent_status"
	KindConsentStatusMultiple = "consent_status_multiple"
	KindConsentChanges        = "consent_changes"
	KindBrands                = "brands"
)

// DefaultLimits is the one table of İYS's rate limits as reported by
// integrators: at most N calls of a kind may start in any window, counted
// per account. The window is [DefaultRateWindow] for every kind except
// [KindToken], whose window is [TokenWindowFactor] times longer (10 per
// hour). Read it; override entries with [Config.Limits] rather than writing
// to it.
var DefaultLimits = map[string]int{
	KindToken:                 10,
	KindConsentAdd:            50,
	KindConsentRequest:        2,
	KindConsentRequestResult:  20,
	KindConsentStatus:         50,
	KindConsentStatusMultiple: 10,
	KindConsentChanges:        50,
	KindBrands:                50,
}

// DefaultRateWindow is İYS's rate window for every kind but the token.
const DefaultRateWindow = time.Minute

// TokenWindowFactor makes the token's window an hour when the others' is a
// minute, and keeps that ratio when tests shrink the window.
const TokenWindowFactor = 60

// Window is the rate window of kind given the window of the other kinds.
func Window(kind string, window time.Duration) time.Duration {
	if window <= 0 {
		window = DefaultRateWindow
	}
	if kind == KindToken {
		return window * TokenWindowFactor
	}
	return window
}

// ErrRateLimited is wrapped by the error of a call that was not sent because
// its kind's rate limit leaves no room before the context's deadline, or
// because İYS answered 429 and asked to wait longer than the caller can.
var ErrRateLimited = errors.New("iys: rate limit reached")

// Limiter decides when a call of a kind may start. Wait blocks until the
// call may be sent, or returns an error when ctx ends first; it should
// return at once (wrapping [ErrRateLimited], ideally as an [*Error] with
// RetryAfter) when it knows the turn comes after ctx's deadline.
//
// The default, [NewLimiter], counts in memory and is shared by every
// goroutine of one [Client] (or of several, if they are given the same
// Limiter). İYS counts per account across all of iysgate's processes: to
// keep several nodes within one budget, implement Limiter over the
// database (e.g. a table of start times per account and kind, read and
// appended under a row lock or an advisory lock), with the same sliding
// window rule.
type Limiter interface {
	Wait(ctx context.Context, kind string) error
}

// SlidingLimiter is the in-process [Limiter]: for each kind it keeps the
// start times of the last N calls and lets a new one start only when the
// oldest of them is more than a window old, so that no window-length
// interval ever holds more than N starts (a token bucket with burst N would
// allow 2N across a refill boundary).
//
// İYS counts a call when it arrives, a little after it was let go here, so
// the window is lengthened by a small margin (see margin: 2 s for a
// one-minute window) to absorb the difference in delay between two calls.
type SlidingLimiter struct {
	mu     sync.Mutex
	limits map[string]int
	window time.Duration
	starts map[string][]time.Time
}

// NewLimiter builds a [SlidingLimiter] for limits (nil = [DefaultLimits]);
// window is the window of every kind but the token (0 = one minute), see
// [Window]. A kind missing from limits is not limited.
func NewLimiter(limits map[string]int, window time.Duration) *SlidingLimiter {
	if limits == nil {
		limits = DefaultLimits
	}
	l := &SlidingLimiter{limits: make(map[string]int, len(limits)), window: window, starts: map[string][]time.Time{}}
	for k, n := range limits {
		l.limits[k] = n
	}
	return l
}

// span is the enforced window of kind: its rate window plus the margin.
func (l *SlidingLimiter) span(kind string) time.Duration {
	w := Window(kind, l.window)
	return w + margin(w)
}

// margin absorbs the difference in delay between a call let go here and
// its arrival at İYS (one reuses a connection, the next opens one with a
// TLS handshake): a twentieth of the window but at least 50 ms, never more
// than a quarter of a (shrunk, test) window nor more than 2 s.
func margin(w time.Duration) time.Duration {
	return min(max(w/20, 50*time.Millisecond), w/4, 2*time.Second)
}

// Wait implements [Limiter].
func (l *SlidingLimiter) Wait(ctx context.Context, kind string) error {
	n, limited := l.limits[kind]
	if !limited || n <= 0 {
		return ctx.Err()
	}
	span := l.span(kind)
	for {
		if err := ctx.Err(); err != nil {
			return &Error{Kind: kind, Message: "cancelled while waiting for its turn", Err: err}
		}
		l.mu.Lock()
		now := time.Now()
		log := l.starts[kind]
		drop := 0
		for drop < len(log) && now.Sub(log[drop]) >= span {
			drop++
		}
		log = append(log[:0], log[drop:]...)
		if len(log) < n {
			l.starts[kind] = append(log, now)
			l.mu.Unlock()
			return nil
		}
		l.starts[kind] = log
		wait := log[len(log)-n].Add(span).Sub(now)
		l.mu.Unlock()

		if dl, ok := ctx.Deadline(); ok && now.Add(wait).After(dl) {
			return &Error{Kind: kind, Message: "no turn before the deadline", RetryAfter: wait, Err: ErrRateLimited}
		}
		if err := sleep(ctx, wait); err != nil {
			return &Error{Kind: kind, Message: "cancelled while waiting for its turn", Err: err}
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fits reports whether waiting d still leaves ctx alive.
func fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Now().Add(d).Before(dl)
}
