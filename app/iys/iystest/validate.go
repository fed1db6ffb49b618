package iystest

import (
	"encoding/json"
	"strings"
	"time"

	"iysgate/app/consent"
)

// wireConsent is a consent as İYS receives it. Every field is taken as
// sent; the retailer fields are kept as raw JSON and echoed back.
type wireConsent struct {
	Recipient      string          `json:"recipient"`
	Type           string          `json:"type"`
	Status         string          `json:"status"`
	RecipientType  string          `json:"recipientType"`
	Source         string          `json:"source,omitempty"`
	ConsentDate    string          `json:"consentDate,omitempty"`
	RetailerCode   json.RawMessage `json:"retailerCode,omitempty"`
	RetailerAccess json.RawMessage `json:"retailerAccess,omitempty"`
}

// shapeOK checks what JSON decoding cannot: retailerAccess is a list. A
// JSON null in either retailer field counts as absent.
func (w *wireConsent) shapeOK() bool {
	if string(w.RetailerCode) == "null" {
		w.RetailerCode = nil
	}
	if string(w.RetailerAccess) == "null" {
		w.RetailerAccess = nil
	}
	return len(w.RetailerAccess) == 0 || w.RetailerAccess[0] == '['
}

// Enumerations are stored as small numbers; 0 is invalid.
const (
	typArama uint8 = iota + 1
	typMesaj
	typEposta
)

const (
	statusOnay uint8 = iota + 1
	statusRet
)

const (
	rtBireysel uint8 = iota + 1
	rtTacir
)

var (
	typeNames   = [...]string{"", "ARAMA", "MESAJ", "EPOSTA"}
	statusNames = [...]string{"", "ONAY", "RET"}
	rtNames     = [...]string{"", "BIREYSEL", "TACIR"}
)

func parseType(s string) uint8 {
	switch s {
	case "ARAMA":
		return typArama
	case "MESAJ":
		return typMesaj
	case "EPOSTA":
		return typEposta
	}
	return 0
}

func parseStatus(s string) uint8 {
	switch s {
	case "ONAY":
		return statusOnay
	case "RET":
		return statusRet
	}
	return 0
}

func parseRecipientType(s string) uint8 {
	switch s {
	case "BIREYSEL":
		return rtBireysel
	case "TACIR":
		return rtTacir
	}
	return 0
}

// providerSources maps each source a provider may send to its canonical
// string, so stored consents share one copy instead of holding the
// request's.
var providerSources = func() map[string]string {
	m := make(map[string]string, len(consent.AllSources))
	for _, s := range consent.AllSources {
		m[string(s)] = string(s)
	}
	return m
}()

// validRecipient checks a recipient exactly as İYS wants it: +905 and nine
// digits for a phone channel; for EPOSTA an address that iysgate's
// normaliser would leave unchanged (trimmed, domain in lower case).
func validRecipient(typ uint8, r string) bool {
	if typ == typEposta {
		e, changed, p := consent.NormalizeEmail(r)
		return p == nil && !changed && e == r
	}
	if len(r) != 13 || !strings.HasPrefix(r, "+905") {
		return false
	}
	for i := 4; i < len(r); i++ {
		if r[i] < '0' || r[i] > '9' {
			return false
		}
	}
	return true
}

// parseDate reads an exact "YYYY-MM-DD HH:mm:ss" Istanbul time.
func parseDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(consent.IYSLayout, s, consent.Location())
	if err != nil || t.Format(consent.IYSLayout) != s {
		return time.Time{}, false
	}
	return t, true
}

func formatUnix(sec int64) string {
	return time.Unix(sec, 0).In(consent.Location()).Format(consent.IYSLayout)
}

func formatNano(ns int64) string { return formatUnix(ns / int64(time.Second)) }

// retail holds the optional retailer fields of a consent, rarely present.
type retail struct {
	code, access json.RawMessage
}

// item is a received consent after the stateless rules.
type item struct {
	recipient       string
	typ, rt, status uint8
	source          string // canonical; "" only for TACIR
	date            int64  // Unix seconds; 0: not given (TACIR)
	retail          *retail
	// comparable: the fields that identify a delivery (key, status, date,
	// source) are well-formed, so it can be a duplicate of a stored one.
	comparable bool
	problem    *ruleError // the first stateless rule broken, or nil
}

// validate applies the rules that need no stored state, in a fixed order,
// and reports the first one broken.
func (s *Sim) validate(w *wireConsent, now time.Time) item {
	it := item{recipient: w.Recipient}
	if len(w.RetailerCode) > 0 || len(w.RetailerAccess) > 0 {
		it.retail = &retail{code: w.RetailerCode, access: w.RetailerAccess}
	}
	if it.typ = parseType(w.Type); it.typ == 0 {
		it.problem = refuse(CodeTypeInvalid)
		return it
	}
	if it.rt = parseRecipientType(w.RecipientType); it.rt == 0 {
		it.problem = refuse(CodeRecipientTypeInvalid)
		return it
	}
	if it.status = parseStatus(w.Status); it.status == 0 {
		it.problem = refuse(CodeStatusInvalid)
		return it
	}
	if !validRecipient(it.typ, w.Recipient) {
		it.problem = refuse(CodeRecipientInvalid)
		return it
	}
	tacir := it.rt == rtTacir
	switch src, ok := providerSources[w.Source]; {
	case ok:
		it.source = src
	case w.Source == "" && tacir:
	case strings.HasPrefix(w.Source, "IYS_"):
		it.problem = refuse(CodeCitizenSource)
		return it
	default:
		it.problem = refuse(CodeSourceInvalid)
		return it
	}
	var date time.Time
	if w.ConsentDate != "" || !tacir {
		var ok bool
		if date, ok = parseDate(w.ConsentDate); !ok {
			it.problem = refuse(CodeDateFormat)
			return it
		}
		it.date = date.Unix()
	}
	it.comparable = true
	it.problem = s.checkDate(date, it.source, now)
	return it
}

// checkDate applies the date rules (HS_2015, future, H155, three business
// days). A zero date (TACIR without one) passes unless the source needs
// one.
func (s *Sim) checkDate(date time.Time, source string, now time.Time) *ruleError {
	if source == string(consent.Source2015) {
		if !date.Equal(consent.IYSEpoch) {
			return refuse(CodeHS2015Date)
		}
		return nil
	}
	switch {
	case date.IsZero():
		return nil
	case date.After(now):
		return refuse(CodeDateFuture)
	case date.Before(consent.IYSEpoch):
		return refuse(CodeDateBefore2015)
	case s.cal.TooOld(date, now):
		return refuse(CodeTooOld)
	}
	return nil
}
