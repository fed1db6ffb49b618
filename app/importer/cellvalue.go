package importer

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Dates and numbers as a spreadsheet stores them.
//
// A spreadsheet stores a date as a number (the serial: days since an epoch,
// the fraction being the time of day) and marks the cell as a date only
// through its number format. The reader therefore reads xl/styles.xml to
// know which styles have a date format: the built-in formats 14-22 and
// 45-47 (and 27-36, 50-58, the East Asian built-in dates), and any custom
// format whose code has a date or time letter (d, m, y, h, s, and the
// Asian e, g) outside quoted text, escapes and [brackets].

// isDateFormat reports whether a number format shows dates or times.
func isDateFormat(id int, code string, custom bool) bool {
	if !custom {
		return id >= 14 && id <= 22 || id >= 27 && id <= 36 || id >= 45 && id <= 47 || id >= 50 && id <= 58
	}
	return isDateFormatCode(code)
}

// isDateFormatCode reports whether a custom number format code has a date
// or time part: a d, m, y, h or s (or the Asian e and g) that is not in
// quotes, after a backslash, in [brackets] (colours, conditions, locales;
// an elapsed-time [h] still counts through its following ":mm"), or the
// character after _ or *.
func isDateFormatCode(code string) bool {
	// Only the first section matters for positive numbers, and the general
	// and text formats have no date letters.
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				return false
			}
			i += j + 1
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(code[i+1:], ']')
			if j < 0 {
				return false
			}
			inner := strings.ToLower(code[i+1 : i+1+j])
			if inner == "h" || inner == "hh" || inner == "m" || inner == "mm" || inner == "s" || inner == "ss" {
				return true
			}
			i += j + 1
		case ';':
			return false
		case 'd', 'D', 'm', 'M', 'y', 'Y', 'h', 'H', 's', 'S', 'e', 'E', 'g', 'G':
			if (c == 'e' || c == 'E') && i > 0 && (code[i-1] == '0' || code[i-1] == '#' || code[i-1] == '.') {
				continue // scientific: 0.00E+00
			}
			if (c == 'g' || c == 'G') && strings.HasPrefix(strings.ToLower(code[i:]), "general") {
				i += len("general") - 1
				continue
			}
			return true
		}
	}
	return false
}

// Excel's date systems. In the 1900 system serial 1 is 1900-01-01, and
// Excel counts a fictitious 1900-02-29 (serial 60), so from serial 61 on
// the days count from 1899-12-30. In the 1904 system (old Mac workbooks,
// workbookPr date1904) serial 0 is 1904-01-01.
var (
	epoch1900     = time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC)
	epoch1900Jan  = time.Date(1899, time.December, 31, 0, 0, 0, 0, time.UTC)
	epoch1904     = time.Date(1904, time.January, 1, 0, 0, 0, 0, time.UTC)
	maxSerialDays = 2958466.0 // 10000-01-01 in the 1900 system
)

// serialToTime converts a spreadsheet serial into its wall clock, in UTC
// (cells carry no zone; consent.DateFromCell reads the wall clock as
// Istanbul time), rounded to whole seconds. dateOnly reports a whole day.
// ok is false for a negative or too large serial and for a time of day
// without a date (a serial below 1 in the 1900 system).
func serialToTime(f float64, date1904 bool) (t time.Time, dateOnly, ok bool) {
	if math.IsNaN(f) || f < 0 || f >= maxSerialDays {
		return time.Time{}, false, false
	}
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	if secs >= 86400 {
		days++
		secs = 0
	}
	d := int(days)
	var base time.Time
	switch {
	case date1904:
		base = epoch1904
	case d == 0:
		return time.Time{}, false, false
	case d < 60:
		base = epoch1900Jan
	case d == 60:
		// Excel's 1900-02-29, which did not exist: read as 1900-02-28.
		base, d = epoch1900Jan, 59
	default:
		base = epoch1900
	}
	t = base.AddDate(0, 0, d).Add(time.Duration(secs) * time.Second)
	return t, secs == 0, true
}

// The layouts of a date cell's text: what Turkish Excel shows, and what
// consent.ParseDate reads back.
const (
	dateLayout     = "02.01.2006"
	dateTimeLayout = "02.01.2006 15:04:05"
	timeLayout     = "15:04:05"
)

func formatCellTime(t time.Time, dateOnly bool) string {
	y, mo, d := t.Date()
	if y < 1000 || y > 9999 {
		if dateOnly {
			return t.Format(dateLayout)
		}
		return t.Format(dateTimeLayout)
	}
	var b [19]byte
	two := func(i, v int) { b[i], b[i+1] = byte('0'+v/10), byte('0'+v%10) }
	two(0, d)
	b[2] = '.'
	two(3, int(mo))
	b[5] = '.'
	two(6, y/100)
	two(8, y%100)
	if dateOnly {
		return string(b[:10])
	}
	h, mi, s := t.Clock()
	b[10] = ' '
	two(11, h)
	b[13] = ':'
	two(14, mi)
	b[16] = ':'
	two(17, s)
	return string(b[:])
}

// formatTimeOfDay formats the time part of a serial below one day.
func formatTimeOfDay(f float64) string {
	secs := int(math.Round((f - math.Floor(f)) * 86400))
	return time.Date(2000, 1, 1, 0, 0, secs, 0, time.UTC).Format(timeLayout)
}

// formatNumber formats the stored text of a numeric cell the way Excel
// shows its value in the formula bar: at most 15 significant digits (Excel's
// precision), never in exponent notation, without a trailing ".0". A phone
// number stored as a number, 5321234567, stays "5321234567" rather than
// "5.321234567E+09". Text that is not a number is returned as it is.
func formatNumber(v []byte) string {
	if isPlainInteger(v) {
		return string(v)
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return strings.TrimSpace(string(v))
	}
	return formatFloat(f)
}

// formatFloat formats f with Excel's 15 significant digits, without
// exponent.
func formatFloat(f float64) string {
	if f == 0 {
		return "0"
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if err == nil {
		f = r
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// isPlainInteger reports whether v is an optional minus and 1 to 15 digits,
// without a needless leading zero: such text needs no reformatting.
func isPlainInteger(v []byte) bool {
	d := v
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 15 || len(d) > 1 && d[0] == '0' || string(v) == "-0" {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseISODate reads the value of a t="d" cell (an ISO 8601 date, used by
// strict OOXML and some generators): its wall clock, ignoring any zone.
func parseISODate(s string) (time.Time, bool, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		n := len(layout)
		if len(s) < n {
			continue
		}
		t, err := time.Parse(layout, s[:n])
		if err != nil {
			continue
		}
		if rest := s[n:]; rest != "" && !strings.ContainsAny(rest[:1], ".Z+-") {
			continue
		}
		return t, layout == "2006-01-02" || t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0, true
	}
	return time.Time{}, false, false
}
