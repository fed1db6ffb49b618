package consent

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	// Embedded zone data, so Europe/Istanbul is right on a host or container
	// without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// IYSLayout is the time layout İYS uses for consentDate, in GMT+3.
const IYSLayout = "2006-01-02 15:04:05"

// istanbul is Europe/Istanbul, or a fixed +03:00 zone if the zone data
// cannot be loaded (Turkey has been on permanent +03 since September 2016;
// only the DST of earlier years would differ).
var istanbul = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Istanbul")
	if err != nil {
		return time.FixedZone("+03", 3*60*60)
	}
	return loc
}()

// Location is Europe/Istanbul, the zone of every consent date.
func Location() *time.Location { return istanbul }

// IYSEpoch is 2015-05-01 00:00:00 Istanbul time: no consent date may be
// earlier (İYS code H155), and HS_2015 consents carry exactly this date.
var IYSEpoch = time.Date(2015, time.May, 1, 0, 0, 0, 0, istanbul)

// FormatIYS formats t for İYS: "YYYY-MM-DD HH:mm:ss" in Istanbul time.
func FormatIYS(t time.Time) string { return t.In(istanbul).Format(IYSLayout) }

// ParseDate reads a consent date, in Istanbul time, from the ways a
// spreadsheet or a person writes one:
//
//   - an Excel serial number in the 1900 date system, whole or with a
//     fraction for the time of day ("45809", "45809.5", "45809,5");
//   - dd.mm.yyyy, dd/mm/yyyy, dd-mm-yyyy (day and month may have one digit)
//     and yyyy-mm-dd (also yyyy/mm/dd, yyyy.mm.dd);
//   - each of these followed by " HH:mm" or " HH:mm:ss" (hour may have one
//     digit; fractions of a second are dropped), which includes İYS's own
//     "YYYY-MM-DD HH:mm:ss";
//   - ISO 8601 with "T" ("2025-06-01T14:30:00"), and RFC 3339 with a zone
//     offset, which is converted to Istanbul time.
//
// The result is truncated to whole seconds, as İYS stores it. An empty (or
// blank) raw gives empty == true and no problem, so the caller can apply its
// default ([ConsentDateOrNow]). Anything unreadable, or a day that does not
// exist, gives DATE_INVALID with Field "consentDate". Dates before 1900 are
// refused; the 1904 date system of old Mac workbooks is not supported.
func ParseDate(raw string) (t time.Time, empty bool, p *Problem) {
	s := strings.TrimFunc(raw, unicode.IsSpace)
	if s == "" {
		return time.Time{}, true, nil
	}
	if t, ok := parseSerial(s); ok {
		return t, false, nil
	}
	if t, ok := parseText(s); ok {
		return t, false, nil
	}
	return time.Time{}, false, newProblem(CodeDateInvalid, FieldConsentDate)
}

// DateFromCell takes the value of a spreadsheet date cell. Such cells carry
// no zone: readers hand back the wall clock in UTC. DateFromCell therefore
// keeps t's wall clock (year to second, in t's own location) and reads it as
// Istanbul time.
func DateFromCell(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, istanbul)
}

// ConsentDateOrNow parses raw like [ParseDate] and applies the rule for an
// empty consent date: it becomes now (in Istanbul time, whole seconds) with
// the DATE_DEFAULTED_NOW warning, as KobiYS does. An unreadable date gives
// the zero time and DATE_INVALID.
func ConsentDateOrNow(raw string, now time.Time) (time.Time, *Problem) {
	t, empty, p := ParseDate(raw)
	if p != nil {
		return time.Time{}, p
	}
	if empty {
		return nowSecond(now), newProblem(CodeDateDefaultedNow, FieldConsentDate)
	}
	return t, nil
}

func nowSecond(now time.Time) time.Time { return now.In(istanbul).Truncate(time.Second) }

// Excel's 1900 date system: serial 61 is 1900-03-01; serials from there on
// count days from 1899-12-30 (serial 60 is Excel's fictitious 1900-02-29).
// The largest serial is 9999-12-31.
const (
	minSerial = 61
	maxSerial = 2958466
)

var excelBase = time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC)

// parseSerial reads an Excel serial date: digits with an optional fraction
// after "." or ",".
func parseSerial(s string) (time.Time, bool) {
	intPart, frac := s, ""
	if i := strings.IndexAny(s, ".,"); i >= 0 {
		intPart, frac = s[:i], s[i+1:]
	}
	if intPart == "" || len(intPart) > 7 || !allDigits(intPart) || !allDigits(frac) {
		return time.Time{}, false
	}
	days, _ := strconv.Atoi(intPart)
	if days < minSerial || days >= maxSerial {
		return time.Time{}, false
	}
	secs := 0
	if frac != "" {
		if len(frac) > 17 {
			frac = frac[:17]
		}
		f, err := strconv.ParseFloat("0."+frac, 64)
		if err != nil {
			return time.Time{}, false
		}
		secs = int(math.Round(f * 86400))
	}
	wall := excelBase.AddDate(0, 0, days).Add(time.Duration(secs) * time.Second)
	if wall.Year() > 9999 {
		return time.Time{}, false
	}
	return DateFromCell(wall), true
}

// parseText reads the textual formats listed at ParseDate.
func parseText(s string) (time.Time, bool) {
	// RFC 3339 with a zone: an instant, shown in Istanbul. The wall clock is
	// re-read so that the result is what FormatIYS and ParseDate round-trip.
	if len(s) > 19 && (s[10] == 'T' || s[10] == 't') && (strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") || strings.LastIndexAny(s, "+-") > 18) {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, false
		}
		t = DateFromCell(t.In(istanbul))
		if t.Year() < 1900 || t.Year() > 9999 {
			return time.Time{}, false
		}
		return t, true
	}
	datePart, timePart := s, ""
	if i := strings.IndexAny(s, " Tt"); i >= 0 {
		datePart, timePart = s[:i], strings.TrimLeftFunc(s[i+1:], unicode.IsSpace)
		if timePart == "" {
			return time.Time{}, false
		}
	}
	y, mo, d, ok := parseDatePart(datePart)
	if !ok {
		return time.Time{}, false
	}
	h, mi, sec := 0, 0, 0
	if timePart != "" {
		if h, mi, sec, ok = parseTimePart(timePart); !ok {
			return time.Time{}, false
		}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, istanbul)
	if t.Day() != d || int(t.Month()) != mo {
		return time.Time{}, false // 31.02.2025 and the like
	}
	return t, true
}

// parseDatePart reads d.m.yyyy, d/m/yyyy, d-m-yyyy and yyyy-m-d (any of the
// three separators, the same one twice).
func parseDatePart(s string) (y, m, d int, ok bool) {
	i := strings.IndexAny(s, ".-/")
	if i <= 0 {
		return 0, 0, 0, false
	}
	sep := s[i]
	parts := strings.Split(s, string(sep))
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	for _, p := range parts {
		if p == "" || len(p) > 4 || !allDigits(p) {
			return 0, 0, 0, false
		}
	}
	a, b, c := parts[0], parts[1], parts[2]
	switch {
	case len(a) == 4 && len(b) <= 2 && len(c) <= 2:
		y, m, d = atoi(a), atoi(b), atoi(c)
	case len(c) == 4 && len(a) <= 2 && len(b) <= 2:
		d, m, y = atoi(a), atoi(b), atoi(c)
	default:
		return 0, 0, 0, false
	}
	if y < 1900 || m < 1 || m > 12 || d < 1 || d > 31 {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// parseTimePart reads H:mm or H:mm:ss, with an optional fraction of a second
// that is dropped.
func parseTimePart(s string) (h, m, sec int, ok bool) {
	if i := strings.IndexAny(s, ".,"); i >= 0 {
		if !allDigits(s[i+1:]) || i+1 == len(s) || strings.Count(s[:i], ":") != 2 {
			return 0, 0, 0, false
		}
		s = s[:i]
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	for i, p := range parts {
		if p == "" || len(p) > 2 || !allDigits(p) || i > 0 && len(p) != 2 {
			return 0, 0, 0, false
		}
	}
	h, m = atoi(parts[0]), atoi(parts[1])
	if len(parts) == 3 {
		sec = atoi(parts[2])
	}
	if h > 23 || m > 59 || sec > 59 {
		return 0, 0, 0, false
	}
	return h, m, sec, true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
