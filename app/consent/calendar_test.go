package consent

import (
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return ist(y, m, d, 12, 0, 0) }

// The bayram table is the part most likely to hold a typo: check its spacing.
func TestBayramTableSpacing(t *testing.T) {
	t.Parallel()
	days := func(a, b civil) int { return int(b.time().Sub(a.time()).Hours() / 24) }
	for i, b := range bayrams {
		if g := days(b.ramazan, b.kurban); g < 67 || g > 69 {
			t.Errorf("%d AH: Kurban %v is %d days after Ramazan %v, want 67–69", b.hijri, b.kurban, g, b.ramazan)
		}
		if b.ramazan.time().Weekday() < 0 {
			t.Fail()
		}
		if i == 0 {
			continue
		}
		prev := bayrams[i-1]
		if b.hijri != prev.hijri+1 {
			t.Errorf("Hijri year %d follows %d", b.hijri, prev.hijri)
		}
		if g := days(prev.ramazan, b.ramazan); g < 353 || g > 356 {
			t.Errorf("Ramazan %v is %d days after %v, want 353–356 (about 10–11 days earlier each year)", b.ramazan, g, prev.ramazan)
		}
		if g := days(prev.kurban, b.kurban); g < 353 || g > 356 {
			t.Errorf("Kurban %v is %d days after %v, want 353–356", b.kurban, g, prev.kurban)
		}
	}
	// Every covered Gregorian year has its Ramazan and Kurban.
	for y := firstYear; y <= lastYear; y++ {
		r, k := 0, 0
		for _, b := range bayrams {
			if b.ramazan.y == y {
				r++
			}
			if b.kurban.y == y {
				k++
			}
		}
		if r == 0 || k == 0 {
			t.Errorf("%d: %d Ramazan, %d Kurban", y, r, k)
		}
	}
}

func TestKnownBayramDates(t *testing.T) {
	t.Parallel()
	cal := DefaultCalendar()
	starts := []struct {
		date time.Time
		name string
	}{
		{day(2015, 7, 17), "Ramazan Bayramı 1. gün"},
		{day(2015, 9, 24), "Kurban Bayramı 1. gün"},
		{day(2023, 4, 21), "Ramazan Bayramı 1. gün"},
		{day(2023, 6, 28), "Kurban Bayramı 1. gün"},
		{day(2024, 4, 10), "Ramazan Bayramı 1. gün"},
		{day(2024, 6, 16), "Kurban Bayramı 1. gün"},
		{day(2025, 3, 30), "Ramazan Bayramı 1. gün"},
		{day(2025, 6, 6), "Kurban Bayramı 1. gün"},
		{day(2026, 3, 20), "Ramazan Bayramı 1. gün"},
		{day(2026, 5, 27), "Kurban Bayramı 1. gün"},
		{day(2033, 1, 2), "Ramazan Bayramı 1. gün"},
		{day(2033, 12, 23), "Ramazan Bayramı 1. gün"},
	}
	for _, s := range starts {
		if got := cal.HolidayName(s.date); got != s.name {
			t.Errorf("%s: %q, want %q", s.date.Format("2006-01-02"), got, s.name)
		}
		if cal.Kind(s.date) != DayHoliday {
			t.Errorf("%s not a holiday", s.date.Format("2006-01-02"))
		}
		arife := s.date.AddDate(0, 0, -1)
		if cal.Kind(arife) == DayWorkday {
			t.Errorf("%s (arife) is a full workday", arife.Format("2006-01-02"))
		}
	}
}

func TestDayKinds(t *testing.T) {
	t.Parallel()
	cal := DefaultCalendar()
	tests := []struct {
		date time.Time
		want DayKind
	}{
		{day(2025, 6, 4), DayWorkday},  // Wednesday
		{day(2025, 6, 5), DayHalf},     // Thursday, Kurban arife
		{day(2025, 6, 6), DayHoliday},  // Kurban 1
		{day(2025, 6, 7), DayHoliday},  // Kurban 2, a Saturday
		{day(2025, 6, 9), DayHoliday},  // Kurban 4, Monday
		{day(2025, 6, 10), DayWorkday}, // Tuesday
		{day(2025, 6, 14), DayWeekend}, // Saturday
		{day(2025, 3, 29), DayWeekend}, // Ramazan arife on a Saturday
		{day(2025, 10, 28), DayHalf},   // Cumhuriyet Bayramı arife, Tuesday
		{day(2025, 10, 29), DayHoliday},
		{day(2025, 1, 1), DayHoliday},
		{day(2025, 4, 23), DayHoliday},
		{day(2025, 5, 1), DayHoliday},
		{day(2025, 5, 19), DayHoliday},
		{day(2025, 7, 15), DayHoliday},
		{day(2025, 8, 30), DayWeekend}, // Zafer Bayramı on a Saturday is still a holiday...
		{day(2016, 7, 15), DayWorkday}, // 15 Temmuz is a holiday only from 2017
		{day(2017, 7, 14), DayWorkday},
		{day(2029, 4, 23), DayHoliday}, // 23 Nisan and the Kurban arife: the full holiday wins
		{day(2040, 1, 2), DayWorkday},  // outside the table: weekends only
		{day(2040, 1, 1), DayWeekend},
		{day(2040, 4, 23), DayWorkday},
	}
	tests[15].want = DayHoliday // ...a holiday wins over the weekend
	for _, tt := range tests {
		if got := cal.Kind(tt.date); got != tt.want {
			t.Errorf("Kind(%s) = %d, want %d", tt.date.Format("2006-01-02 Mon"), got, tt.want)
		}
	}
	if !cal.IsBusinessDay(day(2025, 6, 5)) || cal.IsBusinessDay(day(2025, 6, 6)) || cal.IsBusinessDay(day(2025, 6, 14)) {
		t.Error("IsBusinessDay")
	}
	if n := cal.HolidayName(day(2029, 4, 23)); n != "Ulusal Egemenlik ve Çocuk Bayramı" {
		t.Errorf("name of 2029-04-23: %q", n)
	}
	if n := cal.HolidayName(day(2023, 4, 23)); n != "Ulusal Egemenlik ve Çocuk Bayramı / Ramazan Bayramı 3. gün" {
		t.Errorf("name of 2023-04-23: %q", n)
	}
	if n := cal.HolidayName(day(2025, 6, 4)); n != "" {
		t.Errorf("name of a workday: %q", n)
	}
	// A time late in the evening UTC is the next day in Istanbul.
	if got := cal.Kind(time.Date(2025, 6, 5, 22, 0, 0, 0, time.UTC)); got != DayHoliday {
		t.Errorf("2025-06-05 22:00 UTC is Kurban 1 in Istanbul, got %d", got)
	}
	if !cal.Covers(day(2015, 1, 1)) || !cal.Covers(day(2035, 12, 31)) || cal.Covers(day(2036, 1, 1)) || cal.Covers(day(2014, 12, 31)) {
		t.Error("Covers")
	}
	var nilCal *Calendar
	if nilCal.Kind(day(2025, 6, 6)) != DayHoliday {
		t.Error("nil calendar is not the default one")
	}
}

func TestHolidaysOfYear(t *testing.T) {
	t.Parallel()
	hs := DefaultCalendar().Holidays(2025)
	if len(hs) != 17 {
		for _, h := range hs {
			t.Log(h.Date.Format("2006-01-02"), h.Name, h.Half)
		}
		t.Fatalf("2025 has %d holiday entries, want 17", len(hs))
	}
	halves := 0
	for i, h := range hs {
		if h.Half {
			halves++
		}
		if i > 0 && !hs[i-1].Date.Before(h.Date) {
			t.Error("not in date order")
		}
	}
	if halves != 3 {
		t.Errorf("%d half days, want 3", halves)
	}
	if n := len(DefaultCalendar().Holidays(2040)); n != 0 {
		t.Errorf("2040: %d holidays", n)
	}
}

func TestNewCalendarExtra(t *testing.T) {
	t.Parallel()
	cal := NewCalendar(
		Holiday{Date: time.Date(2025, 6, 4, 0, 0, 0, 0, time.UTC), Name: "Ek tatil"},
		Holiday{Date: time.Date(2025, 6, 6, 0, 0, 0, 0, time.UTC), Name: "Yarım", Half: true},
		Holiday{Date: time.Date(2040, 1, 2, 0, 0, 0, 0, time.UTC), Name: "Gelecek", Half: true},
	)
	if cal.Kind(day(2025, 6, 4)) != DayHoliday || cal.HolidayName(day(2025, 6, 4)) != "Ek tatil" {
		t.Error("extra holiday")
	}
	if cal.Kind(day(2025, 6, 6)) != DayHoliday || cal.HolidayName(day(2025, 6, 6)) != "Kurban Bayramı 1. gün" {
		t.Error("a half day must not weaken a full holiday")
	}
	if cal.Kind(day(2040, 1, 2)) != DayHalf {
		t.Error("extra half day outside the table")
	}
	if DefaultCalendar().Kind(day(2025, 6, 4)) != DayWorkday {
		t.Error("NewCalendar changed the default calendar")
	}
}

func TestBusinessDaysBetween(t *testing.T) {
	t.Parallel()
	cal := DefaultCalendar()
	tests := []struct {
		from, to time.Time
		want     float64
	}{
		{ist(2025, 6, 2, 10, 0, 0), ist(2025, 6, 3, 10, 0, 0), 0},      // Mon → Tue: nothing wholly between
		{ist(2025, 6, 2, 10, 0, 0), ist(2025, 6, 5, 10, 0, 0), 2},      // Tue, Wed
		{ist(2025, 6, 4, 10, 0, 0), ist(2025, 6, 13, 10, 0, 0), 3.5},   // arife 0.5, bayram, weekend, Tue, Wed, Thu
		{ist(2025, 6, 13, 18, 0, 0), ist(2025, 6, 16, 9, 0, 0), 0},     // Fri → Mon over a weekend
		{ist(2025, 10, 24, 10, 0, 0), ist(2025, 11, 3, 10, 0, 0), 3.5}, // Mon, Tue (28 Ekim ½), Thu, Fri
		{ist(2025, 6, 13, 10, 0, 0), ist(2025, 6, 4, 10, 0, 0), 0},     // backwards
	}
	for _, tt := range tests {
		if got := cal.BusinessDaysBetween(tt.from, tt.to); got != tt.want {
			t.Errorf("BusinessDaysBetween(%s, %s) = %v, want %v", tt.from.Format("Mon 02.01"), tt.to.Format("Mon 02.01"), got, tt.want)
		}
	}
}

func TestTooOld(t *testing.T) {
	t.Parallel()
	cal := DefaultCalendar()
	tests := []struct {
		name     string
		consent  time.Time
		deadline time.Time
	}{
		{"plain week", ist(2025, 6, 16, 10, 0, 0), ist(2025, 6, 20, 0, 0, 0)},         // Mon → Tue, Wed, Thu
		{"late evening", ist(2025, 6, 16, 23, 59, 59), ist(2025, 6, 20, 0, 0, 0)},     // the consent's day never counts
		{"across a weekend", ist(2025, 6, 19, 10, 0, 0), ist(2025, 6, 25, 0, 0, 0)},   // Thu → Fri, Mon, Tue
		{"across 1 Mayıs", ist(2025, 5, 2, 10, 0, 0), ist(2025, 5, 8, 0, 0, 0)},       // Fri → Mon, Tue, Wed
		{"before Kurban 2025", ist(2025, 6, 4, 10, 0, 0), ist(2025, 6, 13, 0, 0, 0)},  // Thu ½ (arife), Tue, Wed: 2.5; Thu makes 3.5
		{"on Kurban arife", ist(2025, 6, 5, 16, 0, 0), ist(2025, 6, 13, 0, 0, 0)},     // Tue, Wed, Thu
		{"in the bayram", ist(2025, 6, 7, 10, 0, 0), ist(2025, 6, 13, 0, 0, 0)},       // Tue, Wed, Thu
		{"before Ramazan 2025", ist(2025, 3, 27, 10, 0, 0), ist(2025, 4, 4, 0, 0, 0)}, // Fri, (Sat arife, bayram Sun–Tue), Wed, Thu
		{"28 Ekim half day", ist(2025, 10, 24, 10, 0, 0), ist(2025, 11, 1, 0, 0, 0)},  // Mon 1, Tue ½ (28 Ekim), Thu 1: 2.5; Fri makes 3.5
		{"outside the table", ist(2040, 1, 2, 10, 0, 0), ist(2040, 1, 6, 0, 0, 0)},    // weekends only
	}
	for _, tt := range tests {
		if got := cal.Deadline(tt.consent); !got.Equal(tt.deadline) {
			t.Errorf("%s: Deadline(%s) = %s, want %s", tt.name, tt.consent.Format("Mon 02.01.2006 15:04"), got.Format("Mon 02.01.2006 15:04"), tt.deadline.Format("Mon 02.01.2006 15:04"))
			continue
		}
		if cal.TooOld(tt.consent, tt.deadline.Add(-time.Second)) {
			t.Errorf("%s: too old a second before the deadline", tt.name)
		}
		if !cal.TooOld(tt.consent, tt.deadline) {
			t.Errorf("%s: not too old at the deadline", tt.name)
		}
	}
	// Counting only weekends, a consent of 4 June 2025 would be too old on
	// 10 June (Thu, Fri, Mon): the bayram must not count.
	if cal.TooOld(ist(2025, 6, 4, 10, 0, 0), ist(2025, 6, 12, 15, 0, 0)) {
		t.Error("a consent from just before Kurban Bayramı 2025 is not too old on 12 June")
	}
	var nilCal *Calendar
	if !nilCal.TooOld(ist(2025, 6, 2, 10, 0, 0), ist(2025, 6, 12, 15, 0, 0)) {
		t.Error("nil calendar")
	}
}

func TestCalendarEdges(t *testing.T) {
	t.Parallel()
	cal := DefaultCalendar()
	// The last line of the table reaches into 2036, outside the covered range.
	if k := cal.Kind(day(2036, 2, 7)); k != DayWorkday { // a Thursday
		t.Errorf("2036-02-07 is %d; outside the table only weekends count", k)
	}
	if cal.Kind(day(2035, 11, 30)) != DayHalf || cal.Kind(day(2035, 12, 3)) != DayHoliday {
		t.Error("Ramazan Bayramı 2035")
	}
	// The zero time and far dates do not break the loops.
	if !cal.TooOld(time.Time{}, testNow) || cal.TooOld(testNow.AddDate(100, 0, 0), testNow) {
		t.Error("far dates")
	}
}
