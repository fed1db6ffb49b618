package iys

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"iysgate/app/iys/iysapi"
)

// SP is the scope of a call: the service provider's İYS code and one of
// its brands' codes.
type SP struct {
	IYSCode   string
	BrandCode string
}

func (sp SP) check(kind iysapi.Kind) error {
	if sp.IYSCode == "" || sp.BrandCode == "" {
		return invalid(kind, "iysCode and brandCode are required")
	}
	return nil
}

// invalid is the error of a call refused before sending.
func invalid(kind iysapi.Kind, msg string) error {
	return &Error{Kind: kind, Message: msg, Err: ErrInvalidCall}
}

// Consent is one consent as İYS takes it. Source and ConsentDate may be
// empty only on a TACIR's first record. ConsentDate is in [TimeLayout],
// Turkish time.
type Consent struct {
	Recipient      string         `json:"recipient"` // E.164 phone, or an e-mail address for EPOSTA
	Type           string         `json:"type"`      // ARAMA, MESAJ, EPOSTA
	Status         string         `json:"status"`    // ONAY, RET
	RecipientType  string         `json:"recipientType"`
	Source         string         `json:"source,omitempty"`
	ConsentDate    string         `json:"consentDate,omitempty"`
	RetailerCode   RetailerCode   `json:"retailerCode,omitempty"`
	RetailerAccess []RetailerCode `json:"retailerAccess,omitempty"`
}

// RetailerCode is a retailer's (bayi) İYS code, which İYS writes as a JSON
// number. It is written as a number when it is one without leading zeros
// (as a string otherwise, so nothing is lost) and read from either.
type RetailerCode string

// MarshalJSON implements json.Marshaler.
func (c RetailerCode) MarshalJSON() ([]byte, error) {
	if s := string(c); isCode(s) {
		return []byte(s), nil
	}
	return json.Marshal(string(c))
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *RetailerCode) UnmarshalJSON(b []byte) error {
	s, err := flexString(b)
	*c = RetailerCode(s)
	return err
}

// Code is an İYS code (brandCode, iysCode) that İYS writes as a JSON number
// in some answers and as a string in others; it reads from either.
type Code string

// UnmarshalJSON implements json.Unmarshaler.
func (c *Code) UnmarshalJSON(b []byte) error {
	s, err := flexString(b)
	*c = Code(s)
	return err
}

// Flag is a boolean İYS writes as true or as "true".
type Flag bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *Flag) UnmarshalJSON(b []byte) error {
	s, err := flexString(b)
	*f = Flag(s == "true")
	return err
}

func isCode(s string) bool {
	if s == "" || len(s) > 15 || s[0] == '0' && s != "0" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// flexString reads a JSON string, number, boolean or null as a string.
func flexString(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return "", nil
	case len(b) > 0 && b[0] == '"':
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	case bytes.Equal(b, []byte("true")), bytes.Equal(b, []byte("false")):
		return string(b), nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", err
	}
	return n.String(), nil
}

// AddResult is İYS's answer to a single add.
type AddResult struct {
	TransactionID string `json:"transactionId"`
	CreationDate  string `json:"creationDate"`
}

// ListRequest is İYS's 202 answer to a list: the request id to query and
// one sub-request per consent, in the order sent.
type ListRequest struct {
	RequestID   string       `json:"requestId"`
	SubRequests []SubRequest `json:"subRequests"`
	// V2 tells the methods the list was sent with, which its result is to
	// be read from.
	V2 bool `json:"-"`
}

// SubRequest is one consent of a list, echoed with its id. The document
// spells the id both subRequestId and subrequestId; Go's decoding reads
// either.
type SubRequest struct {
	SubRequestID string `json:"subRequestId"`
	CreationDate string `json:"creationDate"`
}

// ItemResult is the outcome of one consent of a list, as its result lists
// it. TransactionID and CreationDate are set on success, Error on failure.
// Original is set when V2 recognised the consent as one İYS already held:
// it names the request that stored it.
type ItemResult struct {
	Index         int        `json:"index"`
	Status        string     `json:"status"` // iysapi.ItemSuccess, ItemFailure, ItemEnqueue
	SubRequestID  string     `json:"subRequestId"`
	RequestID     string     `json:"requestId"`
	TransactionID string     `json:"transactionId"`
	CreationDate  string     `json:"creationDate"`
	Error         *ItemError `json:"error"`
	V2            Flag       `json:"isAddConsentV2Service"`
	Original      *Original  `json:"originalRequestInformation"`
}

// Final reports whether the item is processed (success or failure).
func (r ItemResult) Final() bool {
	return r.Status == iysapi.ItemSuccess || r.Status == iysapi.ItemFailure
}

// ItemError is why İYS refused one consent of a list.
type ItemError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Original names the request and sub-request that stored a consent V2
// recognised.
type Original struct {
	RequestID    string `json:"requestId"`
	SubRequestID string `json:"subRequestId"`
}

// Add registers one consent synchronously, by V2 unless the client is set
// to V1. A refusal carries İYS's codes ([Faults]). It is not resent on
// failure: when [Ambiguous] reports true, a V2 resend of the same consent
// is answered with the stored movement's transactionId if İYS took it.
func (c *Client) Add(ctx context.Context, sp SP, consent Consent) (AddResult, error) {
	kind := iysapi.KindConsentAddV2
	if c.v1 {
		kind = iysapi.KindConsentAdd
	}
	var res AddResult
	if err := sp.check(kind); err != nil {
		return res, err
	}
	_, err := c.do(ctx, request{kind: kind, path: []string{sp.IYSCode, sp.BrandCode}, body: consent, out: &res})
	return res, err
}

// AddList sends up to 1000 consents as one asynchronous list (V2 unless the
// client is set to V1). İYS checks the list when it arrives and refuses it
// whole, with each bad item's index, when any item breaks a rule of its
// own fields; otherwise it answers 202 with the request id to query with
// [Client.ListResult]. Keep the id before anything else. The list is not
// resent on failure: when [Ambiguous] reports true it may be queued at İYS.
func (c *Client) AddList(ctx context.Context, sp SP, consents []Consent) (ListRequest, error) {
	kind := iysapi.KindConsentRequestV2
	if c.v1 {
		kind = iysapi.KindConsentRequest
	}
	res := ListRequest{V2: !c.v1}
	if err := sp.check(kind); err != nil {
		return res, err
	}
	if len(consents) == 0 || len(consents) > iysapi.MaxListItems {
		return res, invalid(kind, "a list holds 1 to "+strconv.Itoa(iysapi.MaxListItems)+" consents, not "+strconv.Itoa(len(consents)))
	}
	_, err := c.do(ctx, request{kind: kind, path: []string{sp.IYSCode, sp.BrandCode}, body: consents, out: &res})
	if err == nil && res.RequestID == "" {
		// Taken, but without an id to query: it may be queued.
		err = &Error{Kind: kind, HTTPStatus: http.StatusAccepted, Message: "answer without requestId", Ambiguous: true}
	}
	return res, err
}

// ListResult reads the outcome of a list sent by V2 or V1, one item per
// consent. It may be empty, or hold items still "enqueue", before İYS has
// worked the list (İYS asks to query no sooner than 300 s after sending);
// an id older than 60 days also answers empty.
func (c *Client) ListResult(ctx context.Context, sp SP, requestID string, v2 bool) ([]ItemResult, error) {
	kind := iysapi.KindRequestResultV2
	if !v2 {
		kind = iysapi.KindRequestResult
	}
	if err := sp.check(kind); err != nil {
		return nil, err
	}
	if requestID == "" {
		return nil, invalid(kind, "requestId is required")
	}
	var res []ItemResult
	_, err := c.do(ctx, request{kind: kind, path: []string{sp.IYSCode, sp.BrandCode, requestID}, out: &res})
	return res, err
}

// Key names one consent record: a recipient on a channel, of a recipient
// type.
type Key struct {
	Recipient     string `json:"recipient"`
	RecipientType string `json:"recipientType"`
	Type          string `json:"type"`
}

// Stored is a movement İYS holds, as the status, history and change
// queries show it.
type Stored struct {
	Recipient     string `json:"recipient"`
	RecipientType string `json:"recipientType"`
	Type          string `json:"type"`
	Status        string `json:"status"`
	Source        string `json:"source"`
	ConsentDate   string `json:"consentDate"`
	CreationDate  string `json:"creationDate"`
	TransactionID string `json:"transactionId"`
}

// Status returns the current movement of a key, or nil, nil when İYS holds
// none. The document does not say how İYS answers a key without a record:
// a 404, a 204 or an empty 200 are read as "none" (any other error is an
// error). 1000 queries an hour per IP.
func (c *Client) Status(ctx context.Context, sp SP, key Key) (*Stored, error) {
	if err := sp.check(iysapi.KindConsentStatus); err != nil {
		return nil, err
	}
	var res Stored
	_, err := c.do(ctx, request{kind: iysapi.KindConsentStatus, path: []string{sp.IYSCode, sp.BrandCode}, body: key, out: &res})
	var e *Error
	switch {
	case errors.As(err, &e) && e.HTTPStatus == http.StatusNotFound:
		return nil, nil
	case err != nil:
		return nil, err
	case res.TransactionID == "" && res.Status == "":
		return nil, nil
	}
	return &res, nil
}

// StatusMany returns which of the recipients (of one recipient type and
// channel) İYS holds as ONAY, querying in chunks of MaxRecipients. On an
// error it returns what the chunks before it found, with the error.
func (c *Client) StatusMany(ctx context.Context, sp SP, recipientType, typ string, recipients []string) ([]string, error) {
	if err := sp.check(iysapi.KindConsentStatusMulti); err != nil {
		return nil, err
	}
	var onay []string
	for start := 0; start < len(recipients); start += c.maxRecipients {
		chunk := recipients[start:min(start+c.maxRecipients, len(recipients))]
		var res struct {
			List []string `json:"list"`
		}
		_, err := c.do(ctx, request{kind: iysapi.KindConsentStatusMulti, path: []string{sp.IYSCode, sp.BrandCode, recipientType, typ},
			body: map[string][]string{"recipients": chunk}, out: &res})
		if err != nil {
			return onay, err
		}
		onay = append(onay, res.List...)
	}
	return onay, nil
}

// HistoryPage is one page of a key's movements, the latest consentDate
// first.
type HistoryPage struct {
	List       []Stored `json:"list"`
	Pagination struct {
		TotalCount int `json:"totalCount"`
		PageSize   int `json:"pageSize"`
		Offset     int `json:"offset"`
	} `json:"pagination"`
}

// History reads the movements of a key from offset, at most limit (≤ 100).
// 100 queries an hour per IP.
func (c *Client) History(ctx context.Context, sp SP, key Key, offset, limit int) (HistoryPage, error) {
	var page HistoryPage
	if err := sp.check(iysapi.KindConsentHistory); err != nil {
		return page, err
	}
	if limit <= 0 || limit > iysapi.MaxPage {
		limit = iysapi.MaxPage
	}
	q := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}
	_, err := c.do(ctx, request{kind: iysapi.KindConsentHistory, path: []string{sp.IYSCode, sp.BrandCode}, query: q, body: key, out: &page})
	return page, err
}

// Change is one entry of the pull.
type Change struct {
	Stored
	CitizenName string `json:"citizenName"` // a recipient adding the brand in İYS (source IYS_WEB_YENI)
}

// ChangePage is one page of the pull; After is the cursor to pass next
// time, as İYS gives it (the one passed when nothing is new).
type ChangePage struct {
	After string   `json:"after"`
	List  []Change `json:"list"`
}

// Changes reads one page of the pull of a source ([iysapi.ChangesHS] or
// [iysapi.ChangesIYS], always sent: İYS's default is IYS) after cursor
// after ("" = from the start of İYS's window). limit ≤ 0 leaves İYS's
// default, 1000. İYS answers 204 when nothing is new: an empty page.
func (c *Client) Changes(ctx context.Context, sp SP, source, after string, limit int) (ChangePage, error) {
	page := ChangePage{After: after}
	if err := sp.check(iysapi.KindConsentChanges); err != nil {
		return page, err
	}
	if source != iysapi.ChangesHS && source != iysapi.ChangesIYS {
		return page, invalid(iysapi.KindConsentChanges, "source must be HS or IYS")
	}
	q := url.Values{"source": {source}}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(min(limit, iysapi.MaxChangesPage)))
	}
	_, err := c.do(ctx, request{kind: iysapi.KindConsentChanges, path: []string{sp.IYSCode, sp.BrandCode}, query: q, out: &page})
	if page.After == "" {
		page.After = after
	}
	return page, err
}

// Brand is one brand of a service provider.
type Brand struct {
	BrandCode Code   `json:"brandCode"`
	Name      string `json:"name"`
	Master    bool   `json:"master"`
	Stats     struct {
		Consents struct {
			Approval  int `json:"approval"`
			Rejection int `json:"rejection"`
			Total     int `json:"total"`
		} `json:"consents"`
		Retailers struct {
			Total int `json:"total"`
		} `json:"retailers"`
	} `json:"stats"`
}

// Brands lists the brands of a service provider.
func (c *Client) Brands(ctx context.Context, iysCode string) ([]Brand, error) {
	if iysCode == "" {
		return nil, invalid(iysapi.KindBrands, "iysCode is required")
	}
	var res []Brand
	_, err := c.do(ctx, request{kind: iysapi.KindBrands, path: []string{iysCode}, out: &res})
	return res, err
}

// IntegratorBrand is one brand of a company the integrator is assigned,
// with its access per channel ("write", "read" or "").
type IntegratorBrand struct {
	BrandCode        Code   `json:"brandCode"`
	Name             string `json:"name"`
	Master           bool   `json:"master"`
	Title            string `json:"title"`
	IYSCode          Code   `json:"iysCode"`
	AgreementControl bool   `json:"agreementControl"`
	ViaControl       bool   `json:"viaControl"`
	Arama            string `json:"ARAMA"`
	Mesaj            string `json:"MESAJ"`
	Eposta           string `json:"EPOSTA"`
}

// Access is the brand's access for a channel (ARAMA, MESAJ, EPOSTA).
func (b IntegratorBrand) Access(typ string) string {
	switch typ {
	case "ARAMA":
		return b.Arama
	case "MESAJ":
		return b.Mesaj
	case "EPOSTA":
		return b.Eposta
	}
	return ""
}

// IntegratorBrands lists the brands of the company iysCode that İYS lets
// the integrator integratorCode act for. İYS refuses (403 H353 and the
// like) when the company has not assigned it. It works only on İYS's live
// service: the sandbox has no integrator accounts.
func (c *Client) IntegratorBrands(ctx context.Context, integratorCode, iysCode string) ([]IntegratorBrand, error) {
	if integratorCode == "" || iysCode == "" {
		return nil, invalid(iysapi.KindIntegratorCompanies, "integratorCode and iysCode are required")
	}
	var res struct {
		List []IntegratorBrand `json:"list"`
	}
	_, err := c.do(ctx, request{kind: iysapi.KindIntegratorCompanies, path: []string{integratorCode, iysCode}, out: &res})
	return res.List, err
}
