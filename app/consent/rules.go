package consent

import (
	"strings"
	"time"
	"unicode"
)

// FutureTolerance is how far in the future a consent date may lie before it
// is refused as DATE_FUTURE. A minute absorbs the clock skew between the
// computer or ERP that wrote the date and this appliance; a consent is sent
// only after it is previewed and approved, so by then such a date is in the
// past for İYS as well.
const FutureTolerance = time.Minute

// Input is one consent as the user or an API client gave it: raw strings,
// normalised and checked by [Validate].
type Input struct {
	BrandCode     string // İYS brand code (marka kodu)
	Recipient     string // phone number for ARAMA and MESAJ, e-mail address for EPOSTA
	RecipientType string // BIREYSEL or TACIR, in any usual spelling
	Type          string // channel: ARAMA, MESAJ or EPOSTA, or a synonym
	Status        string // ONAY or RET, or a synonym
	Source        string // HS_… source, with or without the prefix
	ConsentDate   string // see ParseDate; empty means now
	FirstName     string // optional
	LastName      string // optional

	// ConsentDateValue is the value of a spreadsheet date cell. When it is
	// not zero it is used (through DateFromCell) instead of ConsentDate.
	ConsentDateValue time.Time
}

// Consent is a normalised consent, ready to be checked against the stored
// state and sent to İYS.
type Consent struct {
	BrandCode     string        `json:"brandCode"`
	Recipient     string        `json:"recipient"`
	RecipientType RecipientType `json:"recipientType"`
	Type          Type          `json:"type"`
	Status        Status        `json:"status"`
	// Source is empty only for a TACIR consent given without one.
	Source Source `json:"source,omitempty"`
	// ConsentDate is in Istanbul time, whole seconds.
	ConsentDate time.Time `json:"consentDate"`
	FirstName   string    `json:"firstName,omitempty"`
	LastName    string    `json:"lastName,omitempty"`
}

// Key is the key İYS keeps one record for.
func (c Consent) Key() Key {
	return Key{BrandCode: c.BrandCode, Recipient: c.Recipient, RecipientType: c.RecipientType, Type: c.Type}
}

// Validate normalises one consent and runs every stateless rule on it. It
// returns the normalised consent (as far as the input allowed) and all the
// problems found, errors and warnings, in field order; the consent may be
// sent only if none of them is an error ([HasErrors]). now is the moment of
// validation; cal is the business-day calendar (nil for [DefaultCalendar]).
//
// The rules (DESIGN.md §5, İYS's rules):
//   - brand code must not be empty (ownership is checked by [CheckBrand]);
//   - the recipient must not be empty, must be a valid phone number for
//     ARAMA and MESAJ and a valid e-mail address for EPOSTA; a phone given
//     for EPOSTA or an e-mail for ARAMA/MESAJ is RECIPIENT_CHANNEL_MISMATCH;
//     a reformatted recipient is a warning;
//   - channel, status and recipient type must be known;
//   - the source must be a known provider (HS_) source; IYS_ sources are
//     SOURCE_IYS_FORBIDDEN. For TACIR the source may be empty, because İYS
//     makes it optional for merchants;
//   - the consent date: see [ConsentDateOrNow] (empty means now, with a
//     warning; for HS_2015, empty means 2015-05-01 00:00:00) and
//     [CheckConsentDate]. For TACIR İYS makes the date optional too; an
//     empty date is defaulted in the same way, so every consent carries one.
func Validate(in Input, now time.Time, cal *Calendar) (Consent, []Problem) {
	var ps []Problem
	var c Consent
	cm := validateCommon(in.BrandCode, in.RecipientType, in.Source, in.ConsentDate, in.ConsentDateValue, now, cal, &ps)
	c.BrandCode, c.RecipientType, c.Source, c.ConsentDate = cm.brand, cm.rt, cm.src, cm.date

	typ, typOK := Type(""), false
	if strings.TrimFunc(in.Type, unicode.IsSpace) == "" {
		ps = append(ps, NewProblem(CodeTypeMissing, FieldType))
	} else if typ, typOK = ParseType(in.Type); !typOK {
		ps = append(ps, NewProblem(CodeTypeInvalid, FieldType))
	}
	c.Type = typ

	var rps []Problem
	if typOK {
		c.Recipient, rps = normalizeRecipient(in.Recipient, typ.IsPhone(), FieldRecipient)
	} else {
		// Unknown channel: still normalise the recipient by its shape, so
		// the user sees everything that is wrong at once.
		c.Recipient, rps = normalizeRecipient(in.Recipient, !strings.Contains(in.Recipient, "@"), FieldRecipient)
	}
	ps = append(ps, rps...)

	c.Status, rps = parseStatusField(in.Status, FieldStatus)
	ps = append(ps, rps...)

	var nps []Problem
	c.FirstName, nps = checkName(in.FirstName, FieldFirstName)
	ps = append(ps, nps...)
	c.LastName, nps = checkName(in.LastName, FieldLastName)
	ps = append(ps, nps...)
	return c, ps
}

// CheckBrand checks a brand code against the brands the sender may use:
// BRAND_MISSING when it is empty, BRAND_FORBIDDEN ("Size ait İYS numarası
// dışında bir numara ile izin gönderemezsiniz") when allowed reports false
// for it (or allowed is nil). allowed receives the code as [Validate] stores
// it: trimmed, and without the ".0" a numeric spreadsheet cell adds.
func CheckBrand(code string, allowed func(string) bool) *Problem {
	code = normalizeBrandCode(code)
	if code == "" {
		return newProblem(CodeBrandMissing, FieldBrandCode)
	}
	if allowed == nil || !allowed(code) {
		return newProblem(CodeBrandForbidden, FieldBrandCode)
	}
	return nil
}

// CheckConsentDate runs the date rules on a normalised consent date. [Validate]
// runs it; call it again at sending time, since the three-business-day limit
// runs on between preview and sending. Checked in this order, the first
// failure is returned:
//   - source HS_2015: the date must be exactly 2015-05-01 00:00:00
//     (DATE_HS2015_MISMATCH), and nothing else is checked (such consents
//     predate the law and the age limit);
//   - not later than now plus [FutureTolerance] (DATE_FUTURE);
//   - not before 2015-05-01 00:00:00 (DATE_BEFORE_2015, İYS's H155);
//   - not too old: [Calendar.TooOld] (DATE_TOO_OLD).
func CheckConsentDate(date time.Time, src Source, now time.Time, cal *Calendar) *Problem {
	if src == Source2015 {
		if !date.Equal(IYSEpoch) {
			return newProblem(CodeDateHS2015Mismatch, FieldConsentDate)
		}
		return nil
	}
	if date.After(now.Add(FutureTolerance)) {
		return newProblem(CodeDateFuture, FieldConsentDate)
	}
	if date.Before(IYSEpoch) {
		return newProblem(CodeDateBefore2015, FieldConsentDate)
	}
	if cal.TooOld(date, now) {
		return newProblem(CodeDateTooOld, FieldConsentDate)
	}
	return nil
}

// common holds the fields a workbook row shares among its consents.
type common struct {
	brand string
	rt    RecipientType
	src   Source
	date  time.Time
}

func validateCommon(brandRaw, rtRaw, srcRaw, dateRaw string, dateVal, now time.Time, cal *Calendar, ps *[]Problem) common {
	var cm common
	cm.brand = normalizeBrandCode(brandRaw)
	if cm.brand == "" {
		*ps = append(*ps, NewProblem(CodeBrandMissing, FieldBrandCode))
	}

	rtOK := false
	if blank(rtRaw) {
		*ps = append(*ps, NewProblem(CodeRecipientTypeMissing, FieldRecipientType))
	} else if cm.rt, rtOK = ParseRecipientType(rtRaw); !rtOK {
		*ps = append(*ps, NewProblem(CodeRecipientTypeInvalid, FieldRecipientType))
	}

	srcOK := false
	switch {
	case blank(srcRaw):
		// TACIR: the source is optional in İYS.
		if cm.rt != RecipientTacir {
			*ps = append(*ps, NewProblem(CodeSourceMissing, FieldSource))
		}
	default:
		var ok bool
		if cm.src, ok = ParseSource(srcRaw); !ok {
			*ps = append(*ps, NewProblem(CodeSourceInvalid, FieldSource))
		} else if !cm.src.ProviderAllowed() {
			*ps = append(*ps, NewProblem(CodeSourceIYSForbidden, FieldSource))
		} else {
			srcOK = true
		}
	}

	var dp *Problem
	switch {
	case !dateVal.IsZero():
		cm.date = DateFromCell(dateVal)
	case blank(dateRaw) && cm.src == Source2015:
		cm.date = IYSEpoch
		*ps = append(*ps, NewProblem(CodeDateDefaultedHS2015, FieldConsentDate))
	default:
		cm.date, dp = ConsentDateOrNow(dateRaw, now)
		if dp != nil {
			*ps = append(*ps, *dp)
			if dp.IsError() {
				return cm
			}
		}
	}
	src := cm.src
	if !srcOK {
		src = "" // an unusable source must not trigger the HS_2015 rule
	}
	if p := CheckConsentDate(cm.date, src, now, cal); p != nil {
		*ps = append(*ps, *p)
	}
	return cm
}

// normalizeRecipient normalises a recipient for a phone channel (phone ==
// true) or for EPOSTA, reporting problems under field.
func normalizeRecipient(raw string, phone bool, field string) (string, []Problem) {
	withField := func(p *Problem) []Problem {
		q := *p
		q.Field = field
		return []Problem{q}
	}
	if blank(raw) {
		return "", []Problem{NewProblem(CodeRecipientMissing, field)}
	}
	if phone {
		if strings.Contains(raw, "@") {
			return "", []Problem{NewProblem(CodeRecipientChannelMismatch, field)}
		}
		n, corrected, p := NormalizePhone(raw)
		if p != nil {
			return "", withField(p)
		}
		if corrected {
			return n, []Problem{NewProblem(CodePhoneCorrected, field)}
		}
		return n, nil
	}
	if !strings.Contains(raw, "@") {
		if _, _, p := NormalizePhone(raw); p == nil {
			return "", []Problem{NewProblem(CodeRecipientChannelMismatch, field)}
		}
	}
	n, changed, p := NormalizeEmail(raw)
	if p != nil {
		return "", withField(p)
	}
	if changed {
		return n, EmailChanges(raw, n, field)
	}
	return n, nil
}

func parseStatusField(raw, field string) (Status, []Problem) {
	if blank(raw) {
		return "", []Problem{NewProblem(CodeStatusMissing, field)}
	}
	st, ok := ParseStatus(raw)
	if !ok {
		return "", []Problem{NewProblem(CodeStatusInvalid, field)}
	}
	return st, nil
}

// normalizeBrandCode trims a brand code and drops an Excel ".0" from a code
// that went through a numeric cell.
func normalizeBrandCode(s string) string {
	s = strings.TrimFunc(s, unicode.IsSpace)
	if d, ok, _ := excelNumber(s); ok && !strings.ContainsAny(s, "eE") {
		return d
	}
	return s
}

func blank(s string) bool { return strings.TrimFunc(s, unicode.IsSpace) == "" }

// RowInput is one row of an uploaded workbook: a recipient's phone number
// and/or e-mail address with a permission per channel, and the fields the
// row's consents share.
type RowInput struct {
	BrandCode         string
	Phone             string
	Email             string
	RecipientType     string
	CallPermission    string // arama izni: ONAY/RET for ARAMA to Phone
	MessagePermission string // mesaj izni: ONAY/RET for MESAJ to Phone
	EmailPermission   string // e-posta izni: ONAY/RET for EPOSTA to Email
	Source            string
	ConsentDate       string
	FirstName         string
	LastName          string

	// ConsentDateValue is the value of a date cell; when not zero it is used
	// instead of ConsentDate (see Input.ConsentDateValue).
	ConsentDateValue time.Time
}

// RowItem is one consent a row yields, with the problems that concern it
// (the row's shared ones included).
type RowItem struct {
	Consent  Consent
	Problems []Problem
}

// OK reports whether the consent may be sent: none of its problems is an
// error.
func (it RowItem) OK() bool { return !HasErrors(it.Problems) }

// RowResult is what [ValidateRow] makes of a row.
type RowResult struct {
	// Items are the row's consents in channel order (ARAMA, MESAJ, EPOSTA),
	// each present only if the row yields it.
	Items []RowItem
	// Problems lists every problem of the row once, for the preview and the
	// error workbook.
	Problems []Problem
}

// HasErrors reports whether any problem of the row is an error. A row with
// errors may still hold items that can be sent (a valid e-mail consent next
// to an invalid phone number).
func (r RowResult) HasErrors() bool { return HasErrors(r.Problems) }

// ValidateRow validates a workbook row, which yields up to three consents:
// ARAMA and MESAJ for its phone number, EPOSTA for its e-mail address. The
// shared fields are checked as in [Validate]; problems name the row's
// columns (FieldPhone, FieldEmail, FieldCallPermission, …).
//
// Permissions: a phone number with both the call and the message permission
// empty yields both consents as ONAY, with the PERMISSIONS_DEFAULTED warning,
// as KobiYS does; with only one of them empty, only the other channel is
// yielded. Likewise an e-mail address with an empty e-mail permission yields
// an ONAY with EMAIL_PERMISSION_DEFAULTED. A row with neither a phone number
// nor an e-mail address yields no consent and RECIPIENT_MISSING.
func ValidateRow(in RowInput, now time.Time, cal *Calendar) RowResult {
	var shared []Problem
	cm := validateCommon(in.BrandCode, in.RecipientType, in.Source, in.ConsentDate, in.ConsentDateValue, now, cal, &shared)
	var names [2]string
	var nps []Problem
	names[0], nps = repairName(in.FirstName, FieldFirstName)
	shared = append(shared, nps...)
	names[1], nps = repairName(in.LastName, FieldLastName)
	shared = append(shared, nps...)
	var res RowResult

	hasPhone, hasEmail := !blank(in.Phone), !blank(in.Email)
	if !hasPhone && !hasEmail {
		res.Problems = dedupe(append(shared, NewProblem(CodeRecipientMissing, FieldRecipient)))
		return res
	}

	item := func(recipient string, typ Type, status Status, ps ...[]Problem) RowItem {
		var all []Problem
		all = append(all, shared...)
		for _, p := range ps {
			all = append(all, p...)
		}
		return RowItem{
			Consent: Consent{
				BrandCode: cm.brand, Recipient: recipient, RecipientType: cm.rt, Type: typ, Status: status,
				Source: cm.src, ConsentDate: cm.date, FirstName: names[0], LastName: names[1],
			},
			Problems: all,
		}
	}

	if hasPhone {
		phone, rps := normalizeRecipient(in.Phone, true, FieldPhone)
		var defaulted []Problem
		call, msg := in.CallPermission, in.MessagePermission
		if blank(call) && blank(msg) {
			call, msg = string(StatusOnay), string(StatusOnay)
			defaulted = []Problem{NewProblem(CodePermissionsDefaulted, "")}
		}
		if !blank(call) {
			st, sps := parseStatusField(call, FieldCallPermission)
			res.Items = append(res.Items, item(phone, TypeArama, st, rps, defaulted, sps))
		}
		if !blank(msg) {
			st, sps := parseStatusField(msg, FieldMessagePermission)
			res.Items = append(res.Items, item(phone, TypeMesaj, st, rps, defaulted, sps))
		}
	}
	if hasEmail {
		email, rps := normalizeRecipient(in.Email, false, FieldEmail)
		var defaulted []Problem
		perm := in.EmailPermission
		if blank(perm) {
			perm = string(StatusOnay)
			defaulted = []Problem{NewProblem(CodeEmailPermissionDefaulted, FieldEmailPermission)}
		}
		st, sps := parseStatusField(perm, FieldEmailPermission)
		res.Items = append(res.Items, item(email, TypeEposta, st, rps, defaulted, sps))
	}

	all := shared
	for _, it := range res.Items {
		all = append(all, it.Problems[len(shared):]...)
	}
	res.Problems = dedupe(all)
	return res
}

// dedupe drops repeated problems (same code and field), keeping the first.
func dedupe(ps []Problem) []Problem {
	out := ps[:0:0]
	for _, p := range ps {
		dup := false
		for _, q := range out {
			if q.Code == p.Code && q.Field == p.Field {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}
