package consent

import (
	"strings"
	"unicode"
)

// Limits of an e-mail address: İYS takes 6 to 265 characters; a local part
// is at most 64 (RFC 5321).
const (
	minEmailLen      = 6
	maxEmailLen      = 265
	maxEmailLocalLen = 64
	maxDomainLabel   = 63
)

// NormalizeEmail trims an e-mail address, lower-cases it whole (İYS stores
// addresses lower-cased, so Ali.Veli@Gmail.com and ali.veli@gmail.com are
// one recipient there and must be one here) and checks its syntax: one
// "@", a non-empty local part of at most 64 characters made of the
// characters RFC 5322 allows unquoted (dots not first, last or doubled), a
// domain with at least one dot whose labels are ASCII letters, digits and
// inner hyphens (at most 63 each, top-level label not all digits), no
// spaces, and 6 to 265 characters in all. Quoted local parts and
// internationalised addresses are refused: İYS and most mail systems do not
// take them.
//
// changed reports whether the result differs from raw (see EmailChanges
// for what changed). On failure the result is "" and the problem is
// RECIPIENT_MISSING (empty input) or EMAIL_INVALID, with Field "recipient".
func NormalizeEmail(raw string) (email string, changed bool, p *Problem) {
	s := strings.TrimFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' })
	if s == "" {
		return "", false, newProblem(CodeRecipientMissing, FieldRecipient)
	}
	if len(s) > maxEmailLen || len(s) < minEmailLen {
		return "", false, newProblem(CodeEmailInvalid, FieldRecipient)
	}
	at := strings.IndexByte(s, '@')
	if at <= 0 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return "", false, newProblem(CodeEmailInvalid, FieldRecipient)
	}
	local, domain := s[:at], s[at+1:]
	if !validLocal(local) {
		return "", false, newProblem(CodeEmailInvalid, FieldRecipient)
	}
	domain, ok := normalDomain(domain)
	if !ok {
		return "", false, newProblem(CodeEmailInvalid, FieldRecipient)
	}
	email = strings.ToLower(local) + "@" + domain
	return email, email != raw, nil
}

// EmailChanges names what NormalizeEmail changed in raw to get email, as
// warnings on field: EMAIL_TRIMMED for space around it, EMAIL_LOWERCASED
// for capital letters. Nothing else is ever changed.
func EmailChanges(raw, email, field string) []Problem {
	var ps []Problem
	trimmed := strings.TrimFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' })
	if trimmed != raw {
		ps = append(ps, NewProblem(CodeEmailTrimmed, field))
	}
	if trimmed != email {
		ps = append(ps, NewProblem(CodeEmailLowercased, field))
	}
	return ps
}

// validLocal checks an unquoted local part (RFC 5322 dot-atom).
func validLocal(l string) bool {
	if len(l) == 0 || len(l) > maxEmailLocalLen || l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~.", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// normalDomain lower-cases and checks a domain name; ok is false when it is
// not a valid ASCII host name with at least two labels.
func normalDomain(d string) (string, bool) {
	if len(d) < 3 || len(d) > 253 {
		return "", false
	}
	var b []byte
	labelStart, dots := 0, 0
	for i := 0; i <= len(d); i++ {
		if i == len(d) || d[i] == '.' {
			label := d[labelStart:i]
			if len(label) == 0 || len(label) > maxDomainLabel || label[0] == '-' || label[len(label)-1] == '-' {
				return "", false
			}
			if i == len(d) {
				if allDigits(label) || len(label) < 2 {
					return "", false // top-level domain: not numeric, at least two letters
				}
			} else {
				dots++
			}
			labelStart = i + 1
			continue
		}
		c := d[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		case 'A' <= c && c <= 'Z':
			if b == nil {
				b = []byte(d)
			}
			b[i] = c + 'a' - 'A'
		default:
			return "", false
		}
	}
	if dots == 0 {
		return "", false
	}
	if b != nil {
		return string(b), true
	}
	return d, true
}
