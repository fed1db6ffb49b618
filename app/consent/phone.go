package consent

import (
	"strings"
	"unicode"
)

// NormalizePhone turns a phone number written in any of the usual Turkish
// ways into İYS's form, "+90" followed by the ten-digit national number
// (+905XXXXXXXXX for a mobile).
//
// It removes spaces, dashes, dots, parentheses and slashes (and a leading
// apostrophe that forces text in spreadsheets), drops an Excel ".0" from a
// number that went through a numeric cell, expands an exact Excel scientific
// notation ("5.321234567E+9"), and reads the prefixes "0", "90", "0090" and
// "+90", and a bare ten-digit number. A "0" written after the country code
// ("+90 0532…") is dropped, so the result never starts with "+900".
//
// The national number must be a mobile (5XX XXX XX XX), a geographic
// landline (area code 2XX, 3XX or 4XX) or a nationwide 850 number. İYS
// accepts any Turkish number; landlines are valid here because calls (ARAMA)
// to them are legitimate, though most recipients are mobiles (see
// [IsMobile]).
//
// corrected reports whether a digit was dropped (the "0" after the country
// code), which the caller shows as the PHONE_CORRECTED warning. Writing a
// number the ordinary Turkish way ("0532 123 45 67", "(0532) 123-45-67", a
// number cell without its leading zero) is a format, not an error, and gives
// corrected == false. On failure the result is "" and the problem is
// RECIPIENT_MISSING (empty input), PHONE_NOT_TURKISH, PHONE_EXCEL_NOTATION
// or PHONE_INVALID, with Field "recipient".
func NormalizePhone(raw string) (phone string, corrected bool, p *Problem) {
	s := strings.TrimFunc(raw, unicode.IsSpace)
	s = strings.TrimPrefix(s, "'")
	if s == "" {
		return "", false, newProblem(CodeRecipientMissing, FieldRecipient)
	}
	if d, ok, lossy := excelNumber(s); ok {
		s = d
	} else if lossy {
		return "", false, newProblem(CodePhoneExcelNotation, FieldRecipient)
	}

	// Keep the digits; a plus is allowed only in front.
	var buf [32]byte
	digits := buf[:0]
	plus := false
	for i, r := range s {
		switch {
		case '0' <= r && r <= '9':
			digits = append(digits, byte(r))
			if len(digits) > 20 {
				return "", false, newProblem(CodePhoneInvalid, FieldRecipient)
			}
		case r == '+' && i == 0:
			plus = true
		case r == '-' || r == '.' || r == '(' || r == ')' || r == '/' || r == '\u2013' || r == '\u2014' || unicode.IsSpace(r):
		default:
			return "", false, newProblem(CodePhoneInvalid, FieldRecipient)
		}
	}
	d := string(digits)

	var national string
	switch {
	case plus:
		if !strings.HasPrefix(d, "90") {
			if strings.HasPrefix(d, "0") {
				return "", false, newProblem(CodePhoneInvalid, FieldRecipient)
			}
			return "", false, newProblem(CodePhoneNotTurkish, FieldRecipient)
		}
		national = d[2:]
	case strings.HasPrefix(d, "0090"):
		national = d[4:]
	case strings.HasPrefix(d, "00") && len(d) > 2 && d[2] != '0':
		// International prefix and a country code other than 90.
		return "", false, newProblem(CodePhoneNotTurkish, FieldRecipient)
	case strings.HasPrefix(d, "90") && (len(d) == 12 || len(d) == 13 && d[2] == '0'):
		national = d[2:]
	case len(d) == 11 && d[0] == '0':
		national = d[1:]
	case len(d) == 10:
		national = d
	default:
		return "", false, newProblem(CodePhoneInvalid, FieldRecipient)
	}
	// "+90 (0532) …": one trunk zero after the country code.
	if len(national) == 11 && national[0] == '0' {
		national = national[1:]
		corrected = true
	}
	if !validNational(national) {
		return "", false, newProblem(CodePhoneInvalid, FieldRecipient)
	}
	return "+90" + national, corrected, nil
}

// validNational reports whether n is a ten-digit Turkish national number
// that can be a recipient: a mobile (5…), a geographic landline (2…, 3…, 4…
// with an area code not starting x0) or an 850 number.
func validNational(n string) bool {
	if len(n) != 10 {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	switch n[0] {
	case '5':
		return true
	case '2', '3', '4':
		return n[1] != '0'
	case '8':
		return strings.HasPrefix(n, "850")
	}
	return false
}

// IsMobile reports whether a normalised phone number (+90…) is a Turkish
// mobile number, +905XXXXXXXXX.
func IsMobile(phone string) bool {
	return len(phone) == 13 && strings.HasPrefix(phone, "+905") && validNational(phone[3:])
}

// excelNumber recognises what a numeric spreadsheet cell makes of a phone
// number: "5321234567.0" (a float's ".0") and the scientific notation
// "5.321234567E+9". It returns the digits and true when the number is exact.
// lossy is true for a scientific notation that lost digits ("5.32123E+9"),
// which cannot be repaired.
func excelNumber(s string) (digits string, ok, lossy bool) {
	// "5321234567.0", "5321234567,00"
	if i := strings.IndexAny(s, ".,"); i > 0 && allDigits(s[:i]) && len(s) > i+1 && strings.Trim(s[i+1:], "0") == "" {
		return s[:i], true, false
	}
	// "5.321234567E+9", "5,321234567E+09", "5321234567E+0"
	e := strings.IndexAny(s, "eE")
	if e <= 0 {
		return "", false, false
	}
	mant, exp := s[:e], s[e+1:]
	exp = strings.TrimPrefix(exp, "+")
	if exp == "" || len(exp) > 2 || !allDigits(exp) {
		return "", false, false
	}
	intPart, frac := mant, ""
	if i := strings.IndexAny(mant, ".,"); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		return "", false, false
	}
	n := int(exp[0] - '0')
	if len(exp) == 2 {
		n = n*10 + int(exp[1]-'0')
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > n {
		return "", false, false // not an integer: not a phone number at all
	}
	all := intPart + frac + strings.Repeat("0", n-len(frac))
	if len(frac) < n && len(all) >= 10 {
		// Fewer significant digits than the number has: Excel rounded it.
		return "", false, true
	}
	return all, true, false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
