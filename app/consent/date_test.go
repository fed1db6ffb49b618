package consent

import (
	"testing"
	"time"
)

func ist(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, Location())
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
	}{
		{"01.06.2025", ist(2025, 6, 1, 0, 0, 0)},
		{"1.6.2025", ist(2025, 6, 1, 0, 0, 0)},
		{"01.06.2025 14:30", ist(2025, 6, 1, 14, 30, 0)},
		{"1.6.2025 9:05", ist(2025, 6, 1, 9, 5, 0)},
		{"01.06.2025 14:30:15", ist(2025, 6, 1, 14, 30, 15)},
		{"01/06/2025", ist(2025, 6, 1, 0, 0, 0)},
		{"01/06/2025 14:30", ist(2025, 6, 1, 14, 30, 0)},
		{"01/06/2025 14:30:15", ist(2025, 6, 1, 14, 30, 15)},
		{"01-06-2025", ist(2025, 6, 1, 0, 0, 0)},
		{"01-06-2025 14:30", ist(2025, 6, 1, 14, 30, 0)},
		{"01-06-2025 14:30:15", ist(2025, 6, 1, 14, 30, 15)},
		{"2025-06-01", ist(2025, 6, 1, 0, 0, 0)},
		{"2025-06-01 14:30", ist(2025, 6, 1, 14, 30, 0)},
		{"2025-06-01 14:30:15", ist(2025, 6, 1, 14, 30, 15)}, // İYS's own format
		{"2025/06/01 14:30:15", ist(2025, 6, 1, 14, 30, 15)},
		{"2025-06-01  14:30:15", ist(2025, 6, 1, 14, 30, 15)},
		{"  2025-06-01 14:30:15 ", ist(2025, 6, 1, 14, 30, 15)},
		{"2025-06-01 14:30:15.999", ist(2025, 6, 1, 14, 30, 15)},
		{"2025-06-01T14:30:15", ist(2025, 6, 1, 14, 30, 15)},
		{"2025-06-01T14:30:15+03:00", ist(2025, 6, 1, 14, 30, 15)},
		{"2025-06-01T11:30:15Z", ist(2025, 6, 1, 14, 30, 15)},
		{"2025-06-01T13:30:15.5+02:00", ist(2025, 6, 1, 14, 30, 15)},
		{"29.02.2024", ist(2024, 2, 29, 0, 0, 0)},
		{"01.05.2015 00:00:00", IYSEpoch},
		// Excel serial numbers (1900 date system).
		{"45809", ist(2025, 6, 1, 0, 0, 0)},
		{"45809.0", ist(2025, 6, 1, 0, 0, 0)},
		{"45809.5", ist(2025, 6, 1, 12, 0, 0)},
		{"45809,75", ist(2025, 6, 1, 18, 0, 0)},
		{"45809.604166666664", ist(2025, 6, 1, 14, 30, 0)},
		{"45809.99999999", ist(2025, 6, 2, 0, 0, 0)},
		{"42125", IYSEpoch},
		{"61", ist(1900, 3, 1, 0, 0, 0)},
	}
	for _, tt := range tests {
		got, empty, p := ParseDate(tt.in)
		if p != nil || empty || !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v, %v; want %v", tt.in, got, empty, p, tt.want)
		}
		if got.Location() != Location() {
			t.Errorf("ParseDate(%q) location %v", tt.in, got.Location())
		}
	}
	for _, in := range []string{"", "  ", "\t"} {
		if got, empty, p := ParseDate(in); !empty || p != nil || !got.IsZero() {
			t.Errorf("ParseDate(%q) = %v, %v, %v; want empty", in, got, empty, p)
		}
	}
	bad := []string{
		"abc", "31.02.2025", "29.02.2025", "32.01.2025", "01.13.2025", "00.01.2025", "2025-13-01", "2025-00-10",
		"01.06.25", "1.6.25 10:00", "01.06-2025", "01.06.2025 25:00", "01.06.2025 14:60", "01.06.2025 14:3",
		"01.06.2025 14", "01.06.2025 14:30:61", "01.06.2025T", "01.06.2025 x", "2025-06-01T25:00:00Z",
		"60", "0", "-45809", "45809.5.5", "1e5", "NaN", "Inf", "99999999", "01.06.1899", "1899-12-31",
		"2025-06-01 14:30:15.", "2025-06-01 14:30.5", "0001-01-01T00:00:00Z", "2025/06-01", "01..2025",
		"2025-06-01 14:30:15 +03", "12345678.5",
	}
	for _, in := range bad {
		if got, empty, p := ParseDate(in); p == nil || p.Code != CodeDateInvalid || p.Field != FieldConsentDate || empty {
			t.Errorf("ParseDate(%q) = %v, %v, %v; want DATE_INVALID", in, got, empty, p)
		}
	}
}

func TestFormatIYS(t *testing.T) {
	t.Parallel()
	if got := FormatIYS(ist(2025, 6, 1, 14, 30, 15)); got != "2025-06-01 14:30:15" {
		t.Fatal(got)
	}
	if got := FormatIYS(time.Date(2025, 6, 1, 11, 30, 15, 0, time.UTC)); got != "2025-06-01 14:30:15" {
		t.Fatal(got)
	}
	if got := FormatIYS(IYSEpoch); got != "2015-05-01 00:00:00" {
		t.Fatal(got)
	}
}

func TestDateFromCell(t *testing.T) {
	t.Parallel()
	cell := time.Date(2025, 6, 1, 14, 30, 15, 0, time.UTC) // a reader's wall clock in UTC
	if got := DateFromCell(cell); !got.Equal(ist(2025, 6, 1, 14, 30, 15)) {
		t.Fatalf("DateFromCell = %v", got)
	}
}

func TestConsentDateOrNow(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 12, 12, 0, 0, 123456789, time.UTC)
	got, p := ConsentDateOrNow("", now)
	if p == nil || p.Code != CodeDateDefaultedNow || p.IsError() || !got.Equal(now.Truncate(time.Second)) || got.Location() != Location() {
		t.Fatalf("empty: %v, %+v", got, p)
	}
	got, p = ConsentDateOrNow("10.06.2025 09:00", now)
	if p != nil || !got.Equal(ist(2025, 6, 10, 9, 0, 0)) {
		t.Fatalf("date: %v, %+v", got, p)
	}
	if _, p = ConsentDateOrNow("dün", now); p == nil || p.Code != CodeDateInvalid {
		t.Fatalf("invalid: %+v", p)
	}
}

func TestLocation(t *testing.T) {
	t.Parallel()
	_, off := ist(2025, 1, 15, 12, 0, 0).Zone()
	if off != 3*3600 {
		t.Fatalf("Istanbul offset %d", off)
	}
}
