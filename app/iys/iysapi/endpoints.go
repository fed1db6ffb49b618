package iysapi

import (
	"net/http"
	"net/url"
	"strings"
)

// Kind names an endpoint in limits, errors, statistics and metrics.
type Kind string

// The endpoints iysgate uses. V1 and V2 of the adds are separate kinds: they
// answer alike but only V2 recognises a resend (see [Endpoint.Idempotent]).
const (
	KindToken               Kind = "token"
	KindBrands              Kind = "brands"
	KindConsentAdd          Kind = "consent_add"
	KindConsentAddV2        Kind = "consent_add_v2"
	KindConsentRequest      Kind = "consent_request"
	KindConsentRequestV2    Kind = "consent_request_v2"
	KindRequestResult       Kind = "consent_request_result"
	KindRequestResultV2     Kind = "consent_request_result_v2"
	KindConsentStatus       Kind = "consent_status"
	KindConsentStatusMulti  Kind = "consent_status_multiple"
	KindConsentHistory      Kind = "consent_history"
	KindConsentChanges      Kind = "consent_changes"
	KindIntegratorCompanies Kind = "integrator_sps"
)

// Endpoint is one of İYS's methods.
type Endpoint struct {
	Kind   Kind
	Method string
	// Pattern is the path as İYS's document writes it, with {name}
	// placeholders (also the syntax of net/http's ServeMux).
	Pattern string
	// Success lists the statuses of a successful answer, the usual one
	// first; any other status is an error answer.
	Success []int
	// Mutating calls change what İYS holds: a lost answer leaves open
	// whether they took effect.
	Mutating bool
	// Idempotent mutating calls (the V2 adds) recognise an identical
	// resend of what İYS already stored: the same transactionId for a
	// single add, originalRequestInformation in a list's result.
	Idempotent bool
}

const spBrand = "/sps/{iysCode}/brands/{brandCode}"

var endpoints = []Endpoint{
	{Kind: KindToken, Method: http.MethodPost, Pattern: "/oauth2/token", Success: []int{200}},
	{Kind: KindBrands, Method: http.MethodGet, Pattern: "/sps/{iysCode}/brands", Success: []int{200}},
	{Kind: KindConsentAdd, Method: http.MethodPost, Pattern: spBrand + "/consents", Success: []int{200}, Mutating: true},
	{Kind: KindConsentAddV2, Method: http.MethodPost, Pattern: "/v2" + spBrand + "/consents", Success: []int{200}, Mutating: true, Idempotent: true},
	{Kind: KindConsentRequest, Method: http.MethodPost, Pattern: spBrand + "/consents/request", Success: []int{202}, Mutating: true},
	{Kind: KindConsentRequestV2, Method: http.MethodPost, Pattern: "/v2" + spBrand + "/consents/request", Success: []int{202}, Mutating: true, Idempotent: true},
	{Kind: KindRequestResult, Method: http.MethodGet, Pattern: spBrand + "/consents/request/{requestId}", Success: []int{200}},
	{Kind: KindRequestResultV2, Method: http.MethodGet, Pattern: "/v2" + spBrand + "/consents/request/{requestId}", Success: []int{200}},
	{Kind: KindConsentStatus, Method: http.MethodPost, Pattern: spBrand + "/consents/status", Success: []int{200}},
	{Kind: KindConsentStatusMulti, Method: http.MethodPost, Pattern: spBrand + "/consents/{recipientType}/status/{type}", Success: []int{200}},
	{Kind: KindConsentHistory, Method: http.MethodPost, Pattern: spBrand + "/consents/history", Success: []int{200}},
	// 204: nothing new in the window.
	{Kind: KindConsentChanges, Method: http.MethodGet, Pattern: spBrand + "/consents/changes", Success: []int{200, 204}},
	{Kind: KindIntegratorCompanies, Method: http.MethodGet, Pattern: "/integrator/{integratorCode}/sps/{iysCode}", Success: []int{200}},
}

// Endpoints lists every endpoint iysgate uses.
func Endpoints() []Endpoint { return append([]Endpoint(nil), endpoints...) }

// Lookup returns the endpoint of kind; it panics for a kind not in the
// table, which is a programming error.
func Lookup(kind Kind) Endpoint {
	for _, e := range endpoints {
		if e.Kind == kind {
			return e
		}
	}
	panic("iysapi: unknown endpoint kind " + string(kind))
}

// Succeeded reports whether status is a successful answer of e.
func (e Endpoint) Succeeded(status int) bool {
	for _, s := range e.Success {
		if s == status {
			return true
		}
	}
	return false
}

// Path fills the pattern's placeholders, in order, with values (escaped).
// It panics when the count differs, a programming error.
func (e Endpoint) Path(values ...string) string {
	var b strings.Builder
	rest, n := e.Pattern, 0
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if n >= len(values) || j < 0 {
			panic("iysapi: too few values for " + e.Pattern)
		}
		b.WriteString(rest[:i])
		b.WriteString(url.PathEscape(values[n]))
		n++
		rest = rest[i+j+1:]
	}
	if n != len(values) {
		panic("iysapi: too many values for " + e.Pattern)
	}
	return b.String()
}

// Route is the pattern as net/http's ServeMux takes it: "POST /oauth2/token".
func (e Endpoint) Route() string { return e.Method + " " + e.Pattern }
