package iys

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
)

// SP is the scope of a call: the service provider's İYS code and one of its
// brands' codes.
type SP struct {
	IYSCode   string
	BrandCode string
}

func (sp SP) path(suffix string) string {
	return "/sps/" + url.PathEscape(sp.IYSCode) + "/brands/" + url.PathEscape(sp.BrandCode) + "/consents" + suffix
}

// Consent is one consent as İYS takes it. Source and ConsentDate may be
// empty only for TACIR. ConsentDate is in [TimeLayout], Istanbul time.
type Consent struct {
	Recipient      string         `json:"recipient"`     // +905XXXXXXXXX, or an e-mail for EPOSTA
	Type           string         `json:"type"`          // ARAMA, MESAJ, EPOSTA
	Status         string         `json:"status"`        // ONAY, RET
	RecipientType  string         `json:"recipientType"` // BIREYSEL, TACIR
	Source         string         `json:"source,omitempty"`
	ConsentDate    string         `json:"consentDate,omitempty"`
	RetailerCode   RetailerCode   `json:"retailerCode,omitempty"`
	RetailerAccess []RetailerCode `json:"retailerAccess,omitempty"`
}

// RetailerCode is a retailer's (bayi) İYS code, which İYS writes as a JSON
// number. It is written as a number when it is one without leading
// zeros (as a string otherwise, so nothing is lost) and read from either.
type RetailerCode string

// MarshalJSON implements json.Marshaler.
func (c RetailerCode) MarshalJSON() ([]byte, error) {
	s := string(c)
	if s != "" && (s == "0" || s[0] != '0') && len(s) <= 15 && allDigits(s) {
		return []byte(s), nil
	}
	return json.Marshal(s)
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *RetailerCode) UnmarshalJSON(b []byte) error {
	s, err := flexString(b)
	*c = RetailerCode(s)
	return err
}

// flexString reads a JSON string, number or null as a string.
func flexString(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return "", nil
	case len(b) > 0 && b[0] == '"':
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", err
	}
	return n.String(), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Stored is a consent as İYS holds it.
type Stored struct {
	Consent
	CreationDate  string `json:"creationDate"` // when İYS stored it, [TimeLayout]
	TransactionID string `json:"transactionId"`
}

// AddResult is İYS's answer to a single add.
type AddResult struct {
	TransactionID string `json:"transactionId"`
	CreationDate  string `json:"creationDate"`
}

// AsyncRequest is İYS's answer to an async add: the request id to poll and
// one sub-request per consent, in the order sent.
type AsyncRequest struct {
	RequestID   string       `json:"requestId"`
	SubRequests []SubRequest `json:"subRequests"`
}

// SubRequest is one consent of an async request, echoed with its id.
type SubRequest struct {
	SubrequestID string `json:"subrequestId"`
	Consent
}

// The statuses of an item of an async request.
const (
	ItemSuccess = "success"
	ItemFailure = "failure"
	ItemEnqueue = "enqueue" // not processed yet: poll again
)

// ItemResult is the outcome of one consent of an async request.
// TransactionID and CreationDate are set on success, Error on failure.
type ItemResult struct {
	Index         int        `json:"index"`
	Status        string     `json:"status"`
	SubrequestID  string     `json:"subrequestId"`
	TransactionID string     `json:"transactionId,omitempty"`
	CreationDate  string     `json:"creationDate,omitempty"`
	Error         *ItemError `json:"error,omitempty"`
}

// Final reports whether the item is processed (success or failure).
func (r ItemResult) Final() bool { return r.Status != ItemEnqueue }

// ItemError is why İYS refused one consent of an async request; see
// [Describe] and [IsAlreadyThere].
type ItemError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Change is one entry of the change feed.
type Change struct {
	ConsentDate   string `json:"consentDate"`
	CreationDate  string `json:"creationDate"`
	Source        string `json:"source"`
	Recipient     string `json:"recipient"`
	RecipientType string `json:"recipientType"`
	Status        string `json:"status"`
	Type          string `json:"type"`
	TransactionID string `json:"transactionId"`
	CitizenName   string `json:"citizenName,omitempty"`
}

// ChangePage is one page of the change feed; After is the cursor to pass
// next time (the same as given when List is empty).
type ChangePage struct {
	After string   `json:"after"`
	List  []Change `json:"list"`
}

// The source families of the change feed.
const (
	SourceHS  = "HS"  // the provider's own changes
	SourceIYS = "IYS" // citizens' changes made in İYS
)

// Brand is one brand of a service provider.
type Brand struct {
	BrandCode string `json:"brandCode"`
	Name      string `json:"name"`
}

// UnmarshalJSON accepts brandCode as a JSON number too, as İYS may send it.
func (b *Brand) UnmarshalJSON(data []byte) error {
	var raw struct {
		BrandCode json.RawMessage `json:"brandCode"`
		Name      string          `json:"name"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	code, err := flexString(raw.BrandCode)
	if len(raw.BrandCode) == 0 {
		code, err = "", nil
	}
	b.BrandCode, b.Name = code, raw.Name
	return err
}

// invalid is the error of a call refused before sending.
func invalid(kind, code, msg string) error {
	return &Error{Kind: kind, Code: code, Message: msg, Err: ErrInvalidCall}
}

func (sp SP) check(kind string) error {
	if sp.IYSCode == "" || sp.BrandCode == "" {
		return invalid(kind, "", "iysCode and brandCode are required")
	}
	return nil
}

// Add registers one consent synchronously. A 422 carries İYS's code and
// field; [IsAlreadyThere] tells a repeat from a real refusal. The call is
// not resent on failure: if [Ambiguous] reports true, find out with
// [Client.Status] whether it was stored.
func (c *Client) Add(ctx context.Context, sp SP, consent Consent) (AddResult, error) {
	var res AddResult
	if err := sp.check(KindConsentAdd); err != nil {
		return res, err
	}
	err := c.do(ctx, request{kind: KindConsentAdd, method: http.MethodPost, path: sp.path(""), body: consent, out: &res})
	return res, err
}

// AddAsync sends up to [Client.MaxBatch] consents as one async request;
// poll [Client.AsyncResult] with the returned RequestID until every item is
// final. Keep the request id before anything else. The call is not resent
// on failure: if [Ambiguous] reports true, the batch may be registered, and
// status queries, not a resend, must tell.
func (c *Client) AddAsync(ctx context.Context, sp SP, consents []Consent) (AsyncRequest, error) {
	var res AsyncRequest
	if err := sp.check(KindConsentRequest); err != nil {
		return res, err
	}
	if len(consents) == 0 {
		return res, invalid(KindConsentRequest, "", "no consents to send")
	}
	if len(consents) > c.maxBatch {
		return res, invalid(KindConsentRequest, CodeBatchTooLarge,
			"batch of "+strconv.Itoa(len(consents))+" consents exceeds "+strconv.Itoa(c.maxBatch))
	}
	err := c.do(ctx, request{kind: KindConsentRequest, method: http.MethodPost, path: sp.path("/request"), body: consents, out: &res})
	if err == nil && res.RequestID == "" {
		// Accepted (200) but without an id to poll: it may be queued.
		err = &Error{Kind: KindConsentRequest, HTTPStatus: http.StatusOK, Message: "answer without requestId", Ambiguous: true}
	}
	return res, err
}

// AsyncResult reads the outcome of an async request, one item per consent
// in the order sent. Items still "enqueue" are not final: poll again later.
func (c *Client) AsyncResult(ctx context.Context, sp SP, requestID string) ([]ItemResult, error) {
	if err := sp.check(KindConsentRequestResult); err != nil {
		return nil, err
	}
	if requestID == "" {
		return nil, invalid(KindConsentRequestResult, "", "requestId is required")
	}
	var res []ItemResult
	err := c.do(ctx, request{kind: KindConsentRequestResult, method: http.MethodGet, path: sp.path("/request/" + url.PathEscape(requestID)), out: &res})
	return res, err
}

// Status returns the stored consent of a key, or nil, nil when İYS has none
// (404 SIM_CONSENT_NOT_FOUND).
func (c *Client) Status(ctx context.Context, sp SP, recipient, recipientType, typ string) (*Stored, error) {
	if err := sp.check(KindConsentStatus); err != nil {
		return nil, err
	}
	var res Stored
	err := c.do(ctx, request{kind: KindConsentStatus, method: http.MethodPost, path: sp.path("/status"), out: &res,
		body: map[string]string{"recipient": recipient, "recipientType": recipientType, "type": typ}})
	var e *Error
	if errors.As(err, &e) && e.HTTPStatus == http.StatusNotFound && e.Code == CodeConsentNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// StatusMany returns the stored consents among recipients (of one type and
// recipient type); recipients with none are left out. It queries in chunks
// of [MaxRecipients]; on an error it returns what the chunks before it
// found, with the error.
func (c *Client) StatusMany(ctx context.Context, sp SP, typ, recipientType string, recipients []string) ([]Stored, error) {
	if err := sp.check(KindConsentStatusMultiple); err != nil {
		return nil, err
	}
	var all []Stored
	for start := 0; start < len(recipients); start += MaxRecipients {
		chunk := recipients[start:min(start+MaxRecipients, len(recipients))]
		var res struct {
			List []Stored `json:"list"`
		}
		err := c.do(ctx, request{kind: KindConsentStatusMultiple, method: http.MethodPost, path: sp.path("/status/multiple"), out: &res,
			body: struct {
				Type          string   `json:"type"`
				RecipientType string   `json:"recipientType"`
				Recipients    []string `json:"recipients"`
			}{typ, recipientType, chunk}})
		if err != nil {
			return all, err
		}
		all = append(all, res.List...)
	}
	return all, nil
}

// Changes reads one page of the change feed of a source family ([SourceHS]
// or [SourceIYS]) after cursor after ("" = from the start of İYS's
// window). limit ≤ 0 leaves İYS's default (1000); more than [MaxChanges] is
// capped. Pass the returned After next time; an empty List means "nothing
// new yet".
func (c *Client) Changes(ctx context.Context, sp SP, source, after string, limit int) (ChangePage, error) {
	var page ChangePage
	if err := sp.check(KindConsentChanges); err != nil {
		return page, err
	}
	if source != SourceHS && source != SourceIYS {
		return page, invalid(KindConsentChanges, "", "source must be HS or IYS")
	}
	q := url.Values{"source": {source}}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(min(limit, MaxChanges)))
	}
	err := c.do(ctx, request{kind: KindConsentChanges, method: http.MethodGet, path: sp.path("/changes"), query: q, out: &page})
	if err == nil && page.After == "" {
		page.After = after // an empty page may leave the cursor out
	}
	return page, err
}

// Brands lists the brands of a service provider.
func (c *Client) Brands(ctx context.Context, iysCode string) ([]Brand, error) {
	if iysCode == "" {
		return nil, invalid(KindBrands, "", "iysCode is required")
	}
	var res []Brand
	err := c.do(ctx, request{kind: KindBrands, method: http.MethodGet, path: "/sps/" + url.PathEscape(iysCode) + "/brands", out: &res})
	return res, err
}
