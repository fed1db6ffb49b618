package iystest

import (
	"encoding/json"
	"net/http"

	"iysgate/app/iys/iysapi"
)

// The simulator's own codes, for the few answers İYS's document does not
// describe; every other answer carries İYS's H code. This is the one list.
const (
	// codeConsentNotFound: the single status query of a key İYS holds no
	// record of (the document shows no such answer).
	codeConsentNotFound = "SIM_CONSENT_NOT_FOUND"
	// codeNotFound: a path İYS does not serve.
	codeNotFound = "SIM_NOT_FOUND"
)

var simCodes = map[string]struct {
	status  int
	message string
}{
	codeConsentNotFound: {http.StatusNotFound, "Bu alıcı için kayıtlı izin bulunamadı (simülatör: İYS'nin bu durumdaki cevabı belgelenmemiştir)."},
	codeNotFound:        {http.StatusNotFound, "Bu yol İYS'de yok (simülatör)."},
}

// apiError is one entry of İYS's error answer. Location mixes field names
// and list positions (["retailerAccess", 0]); Index is the item's position
// in a list.
type apiError struct {
	Index    *int            `json:"index,omitempty"`
	Code     string          `json:"code"`
	Message  string          `json:"message"`
	Location []any           `json:"location,omitempty"`
	Value    json.RawMessage `json:"value,omitempty"`
}

// errorsAnswer is İYS's error answer.
type errorsAnswer struct {
	Errors []apiError `json:"errors"`
}

func errorsBody(errs ...apiError) errorsAnswer { return errorsAnswer{Errors: errs} }

// apiErr is the error of an H code with İYS's text, at the given location.
func apiErr(code string, location ...any) apiError {
	c, ok := iysapi.LookupCode(code)
	if !ok {
		panic("iystest: code not in the vocabulary: " + code)
	}
	return apiError{Code: code, Message: c.Text, Location: location}
}

// simError is the error of one of the simulator's own codes.
func simError(code string) apiError {
	return apiError{Code: code, Message: simCodes[code].message}
}

// withValue adds the offending value, as İYS's field errors carry it.
func (e apiError) withValue(v any) apiError {
	e.Value, _ = json.Marshal(v)
	return e
}

// at sets the list position of the item the error concerns.
func (e apiError) at(index int) apiError {
	e.Index = &index
	return e
}

// statusOf is the HTTP status of a code.
func statusOf(code string) int {
	if c, ok := iysapi.LookupCode(code); ok {
		return c.Status
	}
	return simCodes[code].status
}
