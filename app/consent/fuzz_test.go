package consent

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"0532 123 45 67", "(0532) 123-45-67", "+90 532 123 45 67", "905321234567", "00905321234567",
		"5321234567", "532.123.45.67", "+900532 123 45 67", "12345", "0532 ABC 45 67", "5321234567.0",
		"5.321234567E+9", "5.32123E+9", "+44 20 7946 0958", "0212 555 12 34", "0850 123 45 67", "", "+",
		"'05321234567", "9005321234567", "1e99", "5,E+1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, changed, p := NormalizePhone(s)
		if p != nil {
			if out != "" || changed || !p.IsError() {
				t.Fatalf("NormalizePhone(%q) = %q, %v, %+v", s, out, changed, p)
			}
			return
		}
		if len(out) != 13 || !strings.HasPrefix(out, "+90") || strings.HasPrefix(out, "+900") || !allDigits(out[1:]) {
			t.Fatalf("NormalizePhone(%q) = %q: not +90 and ten digits", s, out)
		}
		if changed && out == s {
			t.Fatalf("NormalizePhone(%q) = %q, corrected although unchanged", s, out)
		}
		again, changed2, p2 := NormalizePhone(out)
		if p2 != nil || changed2 || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v, %+v", s, out, again, changed2, p2)
		}
	})
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"ali@example.com", "Ali.Veli@Example.COM", "  ali@example.com ", "ali@", "@x.com", "a@b.co",
		"ali..veli@example.com", "çağrı@example.com", "ali@örnek.com", "a@b@c.com", "a@-b.com", "a@b.c0m",
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + ".com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, changed, p := NormalizeEmail(s)
		if p != nil {
			if out != "" || changed || !p.IsError() {
				t.Fatalf("NormalizeEmail(%q) = %q, %v, %+v", s, out, changed, p)
			}
			return
		}
		if len(out) > 254 || strings.Count(out, "@") != 1 || strings.ContainsAny(out, " \t\r\n") || !utf8.ValidString(out) {
			t.Fatalf("NormalizeEmail(%q) = %q", s, out)
		}
		local, domain, _ := strings.Cut(out, "@")
		if local == "" || len(local) > 64 || domain != strings.ToLower(domain) || !strings.Contains(domain, ".") {
			t.Fatalf("NormalizeEmail(%q) = %q", s, out)
		}
		if changed != (out != s) {
			t.Fatalf("NormalizeEmail(%q) = %q, changed=%v", s, out, changed)
		}
		again, changed2, p2 := NormalizeEmail(out)
		if p2 != nil || changed2 || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v, %+v", s, out, again, changed2, p2)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"01.06.2025", "1.6.2025 9:05", "01/06/2025 14:30:15", "01-06-2025 14:30", "2025-06-01",
		"2025-06-01 14:30:15", "2025-06-01T14:30:15+03:00", "2025-06-01T11:30:15Z", "45809", "45809.5",
		"45809,604166666664", "31.02.2025", "", " ", "61", "2958465.99999", "2015-03-29 03:30:00",
		"2015-11-08 03:30:00", "2016-09-07T00:30:00+02:00", "9999-12-31T23:59:59-12:00",
	} {
		f.Add(s)
	}
	cal := DefaultCalendar()
	now := ist(2025, 6, 12, 15, 0, 0)
	f.Fuzz(func(t *testing.T, s string) {
		tm, empty, p := ParseDate(s)
		if empty {
			if p != nil || !tm.IsZero() || strings.TrimFunc(s, unicode.IsSpace) != "" {
				t.Fatalf("ParseDate(%q) empty with %v, %+v", s, tm, p)
			}
			return
		}
		if p != nil {
			if p.Code != CodeDateInvalid || !tm.IsZero() {
				t.Fatalf("ParseDate(%q) = %v, %+v", s, tm, p)
			}
			return
		}
		if tm.Nanosecond() != 0 || tm.Location() != Location() || tm.Year() < 1900 || tm.Year() > 9999 {
			t.Fatalf("ParseDate(%q) = %v", s, tm)
		}
		formatted := FormatIYS(tm)
		again, empty2, p2 := ParseDate(formatted)
		if p2 != nil || empty2 || !again.Equal(tm) || FormatIYS(again) != formatted {
			t.Fatalf("not idempotent: %q → %v (%s) → %v, %v, %+v", s, tm, formatted, again, empty2, p2)
		}
		// The rules must cope with any date.
		_ = CheckConsentDate(tm, SourceWeb, now, cal)
		_ = cal.BusinessDaysBetween(tm, tm.Add(40*24*time.Hour))
	})
}
