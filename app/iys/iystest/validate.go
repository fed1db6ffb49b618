package iystest

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"iysgate/app/consent"
	"iysgate/app/iys/iysapi"
)

// Enumerations are stored as small numbers; 0 is absent or invalid.
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

func lookup(names []string, s string) uint8 {
	for i, n := range names {
		if i > 0 && n == s {
			return uint8(i)
		}
	}
	return 0
}

func parseType(s string) uint8          { return lookup(typeNames[:], s) }
func parseStatus(s string) uint8        { return lookup(statusNames[:], s) }
func parseRecipientType(s string) uint8 { return lookup(rtNames[:], s) }

// providerSources maps each source a provider may send (H119's list) to
// one shared copy, so stored movements do not hold the request's bytes.
var providerSources = func() map[string]string {
	m := make(map[string]string, len(consent.AllSources))
	for _, s := range consent.AllSources {
		m[string(s)] = string(s)
	}
	return m
}()

// item is a received consent after the checks of its own fields.
type item struct {
	raw             json.RawMessage // as sent, echoed in a list's answer
	recipient       string          // e-mail addresses lower-cased, as İYS stores them
	typ, rt, status uint8
	source          string // "" only for TACIR
	date            int64  // Unix seconds; 0: not given (TACIR)
	errs            []apiError
	// recognised is the movement a V2 item repeats, found when the list
	// arrived (see Config.V2RecognisesQueued).
	recognised *ref
}

// key of the item within sp.
func (it *item) key(sp uint32) key {
	return key{sp: sp, typ: it.typ, rt: it.rt, recipient: it.recipient}
}

var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)

// check reads one consent object and applies the rules that need no stored
// state, collecting every error (İYS answers several at once, e.g. H160
// with H121).
func (s *Sim) check(raw json.RawMessage, now time.Time) item {
	it := item{raw: raw}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		it.errs = append(it.errs, apiErr("H085"))
		return it
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.Contains(iysapi.ConsentFields, name) {
			it.errs = append(it.errs, apiErr("H118", name).withValue(fields[name]))
		}
	}
	str := func(name string) (string, bool) {
		v, ok := fields[name]
		if !ok || bytes.Equal(v, []byte("null")) {
			return "", false
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			return string(v), true // a number or an object: an invalid value
		}
		return s, s != ""
	}
	typ, hasType := str("type")
	status, hasStatus := str("status")
	rt, hasRT := str("recipientType")
	source, hasSource := str("source")
	recipient, hasRecipient := str("recipient")
	date, hasDate := str("consentDate")

	switch it.typ = parseType(typ); {
	case !hasType:
		it.errs = append(it.errs, apiErr("H111", "type"))
	case it.typ == 0:
		it.errs = append(it.errs, apiErr("H117", "type").withValue(typ))
	}
	switch it.status = parseStatus(status); {
	case !hasStatus:
		it.errs = append(it.errs, apiErr("H110", "status"))
	case it.status == 0:
		it.errs = append(it.errs, apiErr("H115", "status").withValue(status))
	}
	it.rt = rtBireysel
	if hasRT {
		if it.rt = parseRecipientType(rt); it.rt == 0 {
			it.errs = append(it.errs, apiErr("H116", "recipientType").withValue(rt))
		}
	}
	tacir := it.rt == rtTacir
	switch src, known := providerSources[source]; {
	case !hasSource && !tacir:
		it.errs = append(it.errs, apiErr("H113", "source"))
	case hasSource && !known:
		it.errs = append(it.errs, apiErr("H119", "source").withValue(source))
	default:
		it.source = src
	}
	it.recipient = recipient
	if !hasRecipient {
		it.errs = append(it.errs, apiErr("H114", "recipient"))
	} else {
		it.errs = append(it.errs, recipientErrors(it.typ, recipient)...)
		if it.typ == typEposta {
			it.recipient = strings.ToLower(recipient)
		}
	}
	if !hasDate {
		if !tacir {
			it.errs = append(it.errs, apiErr("H112", "consentDate"))
		}
	} else {
		it.errs = append(it.errs, s.dateErrors(date, it.source, now, &it.date)...)
	}
	if it.source == string(consent.SourceKarar) && it.status == statusOnay {
		it.errs = append(it.errs, apiErr("H408", "status").withValue(status))
	}
	it.errs = append(it.errs, s.retailerErrors(fields)...)
	return it
}

// recipientErrors checks a recipient against its channel: an e-mail
// address for EPOSTA, an E.164 phone number of at most 15 characters for
// ARAMA and MESAJ, either when the channel is unknown (H122).
func recipientErrors(typ uint8, r string) []apiError {
	switch typ {
	case typEposta:
		if !validEmail(r) {
			return []apiError{apiErr("H120", "recipient").withValue(r)}
		}
	case typArama, typMesaj:
		var errs []apiError
		if len(r) > iysapi.MaxPhoneLen {
			errs = append(errs, apiErr("H160", "recipient").withValue(r))
		}
		if !validPhone(r) {
			errs = append(errs, apiErr("H121", "recipient").withValue(r))
		}
		return errs
	default:
		if !validEmail(r) && !validPhone(r) {
			return []apiError{apiErr("H122", "recipient").withValue(r)}
		}
	}
	return nil
}

// validPhone: E.164, "+", a country code not starting with 0, at most 15
// characters; a Turkish number is +90 and ten digits not starting with 0
// (so +9005… is refused, as İYS warns).
func validPhone(r string) bool {
	if len(r) < 8 || len(r) > iysapi.MaxPhoneLen || r[0] != '+' || r[1] == '0' {
		return false
	}
	for i := 1; i < len(r); i++ {
		if r[i] < '0' || r[i] > '9' {
			return false
		}
	}
	if strings.HasPrefix(r, "+90") {
		return len(r) == 13 && r[3] != '0'
	}
	return true
}

// validEmail follows TANIMLAR: 6 to 265 characters, no spaces, no Turkish
// letters or special characters, "+" allowed before the @ as a label, at
// least x@xx.xx.
func validEmail(r string) bool {
	if len(r) < iysapi.MinEmailLen || len(r) > iysapi.MaxEmailLen {
		return false
	}
	at := strings.LastIndexByte(r, '@')
	if at < 1 {
		return false
	}
	local, domain := r[:at], r[at+1:]
	for i := 0; i < len(local); i++ {
		if c := local[i]; !(isAlnum(c) || c == '.' || c == '_' || c == '-' || c == '+') {
			return false
		}
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 || len(labels[0]) < 2 || len(labels[len(labels)-1]) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// dateErrors checks consentDate: its format (H158), a real date (H157),
// not before 2015-05-01 (H156), HS_2015 only with exactly that date
// (H155), not in the future (H162), not older than three business days
// (H467). It stores the date in *at when it is readable.
func (s *Sim) dateErrors(v, source string, now time.Time, at *int64) []apiError {
	if !datePattern.MatchString(v) {
		return []apiError{apiErr("H158", "consentDate").withValue(v)}
	}
	t, err := time.ParseInLocation(iysapi.TimeLayout, v, consent.Location())
	if err != nil {
		return []apiError{apiErr("H157", "consentDate").withValue(v)}
	}
	*at = t.Unix()
	var errs []apiError
	if t.Before(consent.IYSEpoch) {
		errs = append(errs, apiErr("H156", "consentDate").withValue(v))
	}
	if source == string(consent.Source2015) && !t.Equal(consent.IYSEpoch) {
		errs = append(errs, apiErr("H155", "consentDate").withValue(v))
	}
	if t.After(now) {
		errs = append(errs, apiErr("H162", "consentDate").withValue(v))
	}
	if len(errs) == 0 && source != string(consent.Source2015) && !s.cfg.SkipThreeDayCheck && s.cal.TooOld(t, now) {
		errs = append(errs, apiErr("H467", "consentDate").withValue(v))
	}
	return errs
}

// retailerErrors checks the optional retailer fields: integers, never an
// empty string (H267) or an empty list (H163), at most MaxRetailerAccess
// (H126), each known when Config.Retailers lists them (H180).
func (s *Sim) retailerErrors(fields map[string]json.RawMessage) []apiError {
	var errs []apiError
	if v, ok := fields["retailerCode"]; ok && !bytes.Equal(v, []byte("null")) {
		switch code, isInt := retailer(v); {
		case !isInt:
			errs = append(errs, apiErr("H267"))
		case !s.knownRetailer(code):
			errs = append(errs, apiErr("H180", "retailerCode").withValue(v))
		}
	}
	v, ok := fields["retailerAccess"]
	if !ok || bytes.Equal(v, []byte("null")) {
		return errs
	}
	var list []json.RawMessage
	switch err := json.Unmarshal(v, &list); {
	case err != nil || len(list) == 0:
		return append(errs, apiErr("H163", "retailerAccess").withValue(v))
	case len(list) > s.cfg.MaxRetailerAccess:
		return append(errs, apiErr("H126", "retailerAccess").withValue(v))
	}
	for i, x := range list {
		if code, isInt := retailer(x); !isInt || !s.knownRetailer(code) {
			errs = append(errs, apiErr("H180", "retailerAccess", i).withValue(x))
		}
	}
	return errs
}

// retailer reads a retailer code, a JSON integer.
func retailer(v json.RawMessage) (int64, bool) {
	n, err := strconv.ParseInt(string(v), 10, 64)
	return n, err == nil
}

func (s *Sim) knownRetailer(code int64) bool {
	return s.cfg.Retailers == nil || slices.Contains(s.cfg.Retailers, code)
}
