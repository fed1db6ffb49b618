// Package validate checks what people type into iysgate's forms and API
// bodies (names, titles, codes, addresses) before anything is stored. Each
// problem has a stable code for API clients and one Turkish message, the
// same on every face: the UI, the API and the command line. Consent fields
// have their own rules in package consent.
package validate

import (
	"fmt"
	"strings"

	"iysgate/app/consent"
)

// The codes of field problems.
const (
	CodeRequired     = "REQUIRED"
	CodeTextEncoding = "TEXT_ENCODING"
	CodeTextControl  = "TEXT_CONTROL"
	CodeTextTooLong  = "TEXT_TOO_LONG"
)

// Field lengths, in characters.
const (
	MaxName   = 100 // a person's name, a token's name
	MaxTitle  = 255 // a company's title, a brand's name
	MaxReason = 500 // a reason given for a refusal
	MaxSearch = 200 // a search box
	MaxEmail  = 254 // an e-mail address (RFC 5321's path limit)
	MaxFile   = 255 // an uploaded file's name
)

// Problem is what is wrong with one field.
type Problem struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Problems are the problems of one input, in the order found; as an error
// it says that the input was refused.
type Problems []Problem

func (p Problems) Error() string {
	codes := make([]string, len(p))
	for i, x := range p {
		codes[i] = x.Field + ":" + x.Code
	}
	return "invalid input: " + strings.Join(codes, ", ")
}

// Add records a problem of field (the first one of a field wins).
func (p *Problems) Add(field, code, message string) {
	if !p.Has(field) {
		*p = append(*p, Problem{Field: field, Code: code, Message: message})
	}
}

// Has reports whether field has a problem.
func (p Problems) Has(field string) bool {
	for _, x := range p {
		if x.Field == field {
			return true
		}
	}
	return false
}

// Err returns p as an error, or nil when there is no problem.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return p
}

// ByField returns the messages by field, for forms.
func (p Problems) ByField() map[string]string {
	m := make(map[string]string, len(p))
	for _, x := range p {
		m[x.Field] = x.Message
	}
	return m
}

// Text cleans *s (see consent.CleanText) and records its problem, if any:
// empty when required, not UTF-8, control or direction characters, or
// more than max characters. label names the field in the message
// ("Ad Soyad").
func (p *Problems) Text(field, label string, s *string, max int, required bool) {
	clean, issue := consent.CleanText(*s, max)
	switch issue {
	case consent.TextEncoding:
		p.Add(field, CodeTextEncoding, label+" okunamayan karakterler içeriyor; metni yeniden yazın.")
		return
	case consent.TextControl:
		p.Add(field, CodeTextControl, label+" görünmeyen denetim karakterleri ya da yazı yönünü değiştiren karakterler içeriyor; metni yeniden yazın.")
		return
	case consent.TextTooLong:
		p.Add(field, CodeTextTooLong, fmt.Sprintf("%s en çok %d karakter olabilir.", label, max))
		return
	}
	*s = clean
	if required && clean == "" {
		p.Add(field, CodeRequired, label+" zorunludur.")
	}
}

// Query cleans a search or lookup value from a query string: the same
// rules as Text, for a field that may be empty.
func Query(field, label, s string, max int) (string, error) {
	var p Problems
	p.Text(field, label, &s, max, false)
	return s, p.Err()
}

// CodeDuplicate is the code of a value another record already has.
const CodeDuplicate = "DUPLICATE"

var duplicateMessages = map[string]string{
	"iys_code":   "Bu İYS numarasıyla kayıtlı başka bir firma var.",
	"brand_code": "Bu marka numarasıyla kayıtlı başka bir marka var.",
	"email":      "Bu e-posta adresiyle kayıtlı bir kullanıcı var.",
}

// Duplicate records that field's value belongs to another record.
func (p *Problems) Duplicate(field string) {
	msg, ok := duplicateMessages[field]
	if !ok {
		msg = "Bu değer başka bir kayıtta kullanılıyor."
	}
	p.Add(field, CodeDuplicate, msg)
}
