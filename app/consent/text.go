package consent

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// TextIssue is what is wrong with a line of text a person typed or pasted.
type TextIssue int

// The issues, in the order CleanText looks for them.
const (
	TextOK       TextIssue = iota
	TextEncoding           // not UTF-8
	TextControl            // a control character (NUL among them) or a text-direction override
	TextTooLong            // longer than the field allows
)

// CleanText prepares a line of text for storing: characters that are
// invisible formatting (zero-width spaces and joiners, byte order marks,
// soft hyphens, direction marks) are removed, every run of white space
// (no-break spaces, tabs, line breaks) becomes one space, and the ends are
// trimmed. It reports text that is not UTF-8, holds another control
// character or a direction override (which can make a name read as
// something else on screen), or has more than max characters once cleaned.
func CleanText(s string, max int) (string, TextIssue) {
	if !utf8.ValidString(s) {
		return s, TextEncoding
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case invisible(r):
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || directionOverride(r):
			return s, TextControl
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if max > 0 && utf8.RuneCountInString(out) > max {
		return out, TextTooLong
	}
	return out, TextOK
}

// invisible reports formatting characters that nobody means to store.
func invisible(r rune) bool {
	switch r {
	case '\u00ad', '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u2060', '\ufeff':
		return true
	}
	return false
}

// directionOverride reports the embedding, override and isolate controls.
func directionOverride(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// checkName cleans a first or last name for a consent added by hand: its
// problem, if any, is an error the user fixes.
func checkName(s, field string) (string, []Problem) {
	clean, issue := CleanText(s, MaxNameLen)
	switch issue {
	case TextOK:
		return clean, nil
	case TextTooLong:
		return s, []Problem{NewProblem(CodeNameTooLong, field)}
	}
	return s, []Problem{NewProblem(CodeNameInvalid, field)}
}

// repairName cleans a first or last name read from a workbook: a name is
// not sent to İYS, so rather than refuse the row, the characters that do
// not belong are dropped and an overlong name is cut, with a warning.
func repairName(s, field string) (string, []Problem) {
	clean, changed := RepairText(s, MaxNameLen)
	if !changed {
		return clean, nil
	}
	return clean, []Problem{NewProblem(CodeNameCorrected, field)}
}

// RepairText is CleanText for text that is kept even when it is wrong (a
// name in a workbook, an uploaded file's name): bytes that are not UTF-8,
// control and direction characters are dropped and what is longer than
// max characters is cut. changed reports whether more than CleanText's
// tidying was needed.
func RepairText(s string, max int) (out string, changed bool) {
	clean, issue := CleanText(s, max)
	if issue == TextOK {
		return clean, false
	}
	if issue != TextTooLong {
		clean, _ = CleanText(strings.Map(func(r rune) rune {
			if (unicode.IsControl(r) && !unicode.IsSpace(r)) || directionOverride(r) {
				return -1
			}
			return r
		}, strings.ToValidUTF8(s, "")), 0)
	}
	if r := []rune(clean); len(r) > max {
		clean = strings.TrimSpace(string(r[:max]))
	}
	return clean, true
}
