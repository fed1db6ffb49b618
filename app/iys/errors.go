package iys

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Error is every failure of a [Client] call: an answer other than 200, a
// transport failure, a refusal by the client before sending, or an answer
// that could not be read.
type Error struct {
	Kind       string        // endpoint kind, e.g. [KindConsentAdd]
	HTTPStatus int           // 0 when no answer was received
	Code       string        // İYS's error code (H114, SIM_SAME_STATUS…), if any
	Field      string        // İYS's "location" (the field at fault), if any
	Message    string        // İYS's message, or ours when İYS said nothing
	RetryAfter time.Duration // how long İYS (or the limiter) asks to wait
	// Ambiguous is set when a mutating call (consent_add, consent_request)
	// may have taken effect although it failed: the request was sent and
	// the answer was lost, timed out or was a 500/502/504. Resolve it with a
	// status query, never by resending blindly.
	Ambiguous bool
	Err       error // the underlying cause (network, context, decoding), if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("iys ")
	b.WriteString(e.Kind)
	if e.HTTPStatus != 0 {
		b.WriteString(": HTTP ")
		b.WriteString(strconv.Itoa(e.HTTPStatus))
	}
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	if e.Field != "" {
		b.WriteString(" (")
		b.WriteString(e.Field)
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after ")
		b.WriteString(e.RetryAfter.String())
		b.WriteString(")")
	}
	if e.Ambiguous {
		b.WriteString(" [may have taken effect]")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrInvalidCall is wrapped by the error of a call the client refused to
// send because İYS would refuse it (a batch larger than [Client.MaxBatch],
// a missing iysCode…). Such errors are [Permanent].
var ErrInvalidCall = errors.New("iys: invalid call")

// errTooLarge ends reading an answer longer than maxAnswer.
var errTooLarge = errors.New("iys: answer too large")

// temporary reports whether trying the same call later may succeed.
func (e *Error) temporary() bool {
	switch e.HTTPStatus {
	case 408, 429, 500, 502, 503, 504:
		return true
	case 0, 200:
		return transient(e.Err)
	}
	return false
}

// transient reports whether err is a network failure, a timeout or a
// rate-limit refusal; a cancellation by the caller is not.
func transient(err error) bool {
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, ErrInvalidCall), errors.Is(err, errTooLarge):
		return false
	case errors.Is(err, ErrRateLimited), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// Temporary reports whether err may go away if the call is tried again
// later: a timeout, a network failure, a rate limit (429 or the client's
// own), 408, 500, 502, 503 or 504. A temporary error of a mutating call may
// also be [Ambiguous]; check that first.
func Temporary(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.temporary()
}

// Permanent reports whether err is İYS refusing the call as such (400, 403,
// 404, 422: malformed, not allowed, not found, rule violated) or the client
// refusing to send it ([ErrInvalidCall]): sending it again will not help.
func Permanent(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.HTTPStatus {
	case 400, 403, 404, 422:
		return true
	}
	return errors.Is(e.Err, ErrInvalidCall)
}

// Ambiguous reports whether err is the failure of a mutating call that may
// nevertheless have taken effect (see [Error.Ambiguous]). 401, 429, 503 and
// the other 4xx mean "not done" and are not ambiguous.
func Ambiguous(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Ambiguous
}

// RetryAfter is how long err asks to wait before trying again (İYS's
// Retry-After, or the limiter's estimate); 0 when it does not say.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// ambiguousStatus reports whether an answer with this status to a mutating
// call leaves open whether it took effect. 503 is "unavailable, not done"
// and 501 "not implemented"; any other 5xx (a 500 after storing, a proxy's
// 502/504 while İYS went on working) may hide a success.
func ambiguousStatus(status int) bool {
	return status >= 500 && status != 501 && status != 503
}

// parseRetryAfter reads a Retry-After header: whole seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
