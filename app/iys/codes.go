package iys

import (
	"time"

	"iysgate/app/consent"
	"iysgate/app/iys/iysapi"
)

// Describe returns the Turkish message and hint of an İYS error code, the
// one place the UI, the API and the error reports take them from, or a
// generic text naming the code when the vocabulary does not know it.
func Describe(code string) (message, hint string) {
	if c, ok := iysapi.LookupCode(code); ok {
		return c.Message, c.Hint
	}
	if code == "" {
		return "İYS beklenmeyen bir hata döndürdü.",
			"Bir süre sonra yeniden deneyin; sorun sürerse hata ayrıntısını sistem yöneticinize iletin."
	}
	return "İYS beklenmeyen bir hata kodu döndürdü: " + code + ".",
		"Hata kodunu ve İYS'nin mesajını sistem yöneticinize iletin."
}

// TimeLayout is İYS's layout for every time on the wire, in Turkish time.
const TimeLayout = iysapi.TimeLayout

// ParseTime reads a time in [TimeLayout] as Turkish time.
func ParseTime(s string) (time.Time, error) {
	return time.ParseInLocation(TimeLayout, s, consent.Location())
}

// FormatTime writes t as İYS expects it: [TimeLayout] in Turkish time.
func FormatTime(t time.Time) string { return t.In(consent.Location()).Format(TimeLayout) }
