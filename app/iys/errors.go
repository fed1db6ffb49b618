package iys

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"iysgate/app/iys/iysapi"
)

// Error is every failure of a [Client] call: an error answer of İYS, a
// transport failure, a refusal by the client before sending, or an answer
// that could not be read.
type Error struct {
	Kind       iysapi.Kind
	HTTPStatus int // 0 when no answer was received
	// Code, Field and Message are those of İYS's first error (Code is the
	// OAuth2 "error" for the token method), or ours when İYS said nothing.
	Code    string
	Field   string
	Message string
	// Faults are every error İYS listed; in a list's refusal each carries
	// the index of the item it concerns.
	Faults     []Fault
	RetryAfter time.Duration // how long İYS (or the limiter) asks to wait
	// Ambiguous is set when a mutating call may have taken effect although
	// it failed: the request was sent and the answer was lost, timed out,
	// was a 5xx other than 501/503, or could not be read. Resolve it by
	// asking İYS, never by resending blindly.
	Ambiguous bool
	Err       error // the underlying cause (network, context, decoding), if any
}

// Fault is one entry of İYS's error answer.
type Fault struct {
	// Index is the position of the item in the list sent (-1 when İYS gave
	// none).
	Index   int
	Code    string
	Message string
	// Location names the field, list positions written as digits
	// (["retailerAccess", "0"]).
	Location []string
	Value    json.RawMessage
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("iys ")
	b.WriteString(string(e.Kind))
	if e.HTTPStatus != 0 {
		b.WriteString(": HTTP ")
		b.WriteString(strconv.Itoa(e.HTTPStatus))
	}
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Field != "" {
		b.WriteString(" (" + e.Field + ")")
	}
	if n := len(e.Faults); n > 1 {
		b.WriteString(" and " + strconv.Itoa(n-1) + " more")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after " + e.RetryAfter.String() + ")")
	}
	if e.Ambiguous {
		b.WriteString(" [may have taken effect]")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Class is how the error is to be treated: İYS's code decides where the
// vocabulary knows it, the status otherwise.
func (e *Error) Class() iysapi.Class {
	if c, ok := iysapi.LookupCode(e.Code); ok {
		return c.Class
	}
	switch {
	case errors.Is(e.Err, ErrRateLimited):
		return iysapi.ClassRateLimit
	case errors.Is(e.Err, ErrInvalidCall), errors.Is(e.Err, errTooLarge):
		return iysapi.ClassInvalid
	}
	switch s := e.HTTPStatus; {
	case s == 0, s == 200, s == 202:
		// A call cut short by its caller may be made again later.
		if transient(e.Err) || errors.Is(e.Err, context.Canceled) {
			return iysapi.ClassTransient
		}
		return iysapi.ClassInvalid
	case s == http.StatusTooManyRequests:
		return iysapi.ClassRateLimit
	case s == http.StatusUnauthorized:
		return iysapi.ClassAuth
	case s == http.StatusForbidden:
		return iysapi.ClassCompany
	case s == http.StatusUnprocessableEntity && e.indexed():
		return iysapi.ClassRefused
	case s == http.StatusRequestTimeout, s >= 500:
		return iysapi.ClassTransient
	}
	return iysapi.ClassInvalid
}

// indexed reports whether İYS named the items at fault.
func (e *Error) indexed() bool {
	for _, f := range e.Faults {
		if f.Index >= 0 {
			return true
		}
	}
	return false
}

// ErrInvalidCall is wrapped by the error of a call the client refused to
// send because İYS would refuse it (a list larger than İYS takes, a missing
// iysCode…).
var ErrInvalidCall = errors.New("iys: invalid call")

// ErrRateLimited is wrapped by the error of a call that was not sent
// because İYS's limits leave no turn soon enough (see [Limiter]).
var ErrRateLimited = errors.New("iys: rate limit reached")

// errTooLarge ends reading an answer longer than maxAnswer.
var errTooLarge = errors.New("iys: answer too large")

// transient reports whether err is a network failure or a timeout; a
// cancellation by the caller is not.
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
	var se *json.SyntaxError
	return errors.As(err, &ne) || errors.As(err, &se)
}

// ClassOf is the class of err (0 when it is not an [*Error]).
func ClassOf(err error) iysapi.Class {
	var e *Error
	if errors.As(err, &e) {
		return e.Class()
	}
	return 0
}

// Temporary reports whether trying the call again later may succeed: a
// transient failure or a rate limit.
func Temporary(err error) bool {
	c := ClassOf(err)
	return c == iysapi.ClassTransient || c == iysapi.ClassRateLimit
}

// Ambiguous reports whether err is the failure of a mutating call that may
// nevertheless have taken effect (see [Error.Ambiguous]).
func Ambiguous(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Ambiguous
}

// RetryAfter is how long err asks to wait before trying again; 0 when it
// does not say.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// Faults returns the errors İYS listed for err's call (nil when it is not
// an [*Error]).
func Faults(err error) []Fault {
	var e *Error
	if errors.As(err, &e) {
		return e.Faults
	}
	return nil
}

// ambiguousStatus reports whether an error answer with this status to a
// mutating call leaves open whether it took effect. 503 (H192) is
// "unavailable, not done" and 501 "not implemented"; any other 5xx (H101
// after storing, a proxy's 502/504 while İYS went on working) may hide a
// success.
func ambiguousStatus(status int) bool {
	return status >= 500 && status != http.StatusNotImplemented && status != http.StatusServiceUnavailable
}

// parseRetryAfter reads a Retry-After header: whole seconds or an HTTP date.
// Whether İYS sends one is not documented; it is honoured when it does.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// decodeAnswer reads İYS's error answers: {"errors": [...]} with numeric
// or textual locations (and the key "code:" some of its answers carry), or
// the token method's OAuth2 {"error", "error_description"}.
func (e *Error) decodeAnswer(raw []byte) bool {
	var ans struct {
		Errors []struct {
			Code     string            `json:"code"`
			CodeTypo string            `json:"code:"`
			Message  string            `json:"message"`
			Location []json.RawMessage `json:"location"`
			Value    json.RawMessage   `json:"value"`
			Index    *int              `json:"index"`
		} `json:"errors"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(raw, &ans) != nil {
		return false
	}
	if ans.Error != "" {
		e.Code, e.Message = ans.Error, ans.Description
		return true
	}
	for _, x := range ans.Errors {
		f := Fault{Index: -1, Code: x.Code, Message: x.Message, Value: x.Value}
		if f.Code == "" {
			f.Code = x.CodeTypo
		}
		if x.Index != nil {
			f.Index = *x.Index
		}
		for _, l := range x.Location {
			f.Location = append(f.Location, string(bytes.Trim(l, `"`)))
		}
		e.Faults = append(e.Faults, f)
	}
	if len(e.Faults) == 0 {
		return false
	}
	first := e.Faults[0]
	e.Code, e.Field, e.Message = first.Code, strings.Join(first.Location, "."), first.Message
	return true
}
