package consent

import (
	"sync"
	"time"
)

// MaxBusinessDays is İYS's limit on the age of a consent: at most three
// business days older than the moment it is registered.
const MaxBusinessDays = 3

// DayKind classifies a calendar day for the business-day count.
type DayKind uint8

// The kinds of day.
const (
	// DayWorkday is a full working day; it counts as one business day.
	DayWorkday DayKind = iota
	// DayHalf is a weekday on which work ends at 13:00 (an arife, or
	// 28 Ekim); it counts as half a business day.
	DayHalf
	// DayWeekend is a Saturday or Sunday that is not also a holiday.
	DayWeekend
	// DayHoliday is a full public holiday.
	DayHoliday
)

// halves is how many half business days a day of this kind is worth.
func (k DayKind) halves() int {
	switch k {
	case DayWorkday:
		return 2
	case DayHalf:
		return 1
	}
	return 0
}

// Calendar is the Turkish business-day calendar: weekends, the fixed
// national holidays and the religious holidays (with their arife half days)
// of 2015–2035 (see holidays.go). Outside those years it knows only
// weekends: every weekday counts as a full business day there, and
// [Calendar.Covers] reports false so a caller can say so.
//
// Days are Istanbul calendar days whatever the location of the times passed
// in. A Calendar is immutable and safe for concurrent use; a nil *Calendar
// means [DefaultCalendar].
type Calendar struct {
	startDay int             // day number of the table's first day
	kinds    []DayKind       // per day from startDay: DayWorkday, DayHalf or DayHoliday
	names    map[int]string  // day number → holiday name
	extra    map[int]DayKind // holidays outside the table's range
}

// Day numbers count days from 1970-01-01 (a Thursday) in the proleptic
// Gregorian calendar; they make the day loops cheap integer arithmetic.
func dayNumber(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayOf is the day number of t's Istanbul calendar day.
func dayOf(t time.Time) int {
	y, m, d := t.In(istanbul).Date()
	return dayNumber(y, m, d)
}

// midnight is the start (00:00 Istanbul) of day n.
func midnight(n int) time.Time {
	y, m, d := time.Unix(int64(n)*86400, 0).UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, istanbul)
}

var (
	defaultCal     *Calendar
	defaultCalOnce sync.Once
)

// DefaultCalendar returns the shared calendar of the built-in holidays.
func DefaultCalendar() *Calendar {
	defaultCalOnce.Do(func() { defaultCal = NewCalendar() })
	return defaultCal
}

// NewCalendar builds a calendar of the built-in holidays plus extra ones
// (for example a holiday declared after this table was written). A full
// holiday always wins over a half day on the same date.
func NewCalendar(extra ...Holiday) *Calendar {
	first := dayNumber(firstYear, time.January, 1)
	c := &Calendar{
		startDay: first,
		kinds:    make([]DayKind, dayNumber(lastYear+1, time.January, 1)-first),
		names:    make(map[int]string),
		extra:    make(map[int]DayKind),
	}
	for _, h := range append(builtinHolidays(), extra...) {
		n := dayNumber(h.Date.Date())
		k := DayHoliday
		if h.Half {
			k = DayHalf
		}
		old, had := c.names[n]
		switch oldKind := c.holidayKind(n); {
		case !had:
			c.names[n] = h.Name
		case h.Half && oldKind == DayHoliday:
			// the full holiday's name stays
		case !h.Half && oldKind == DayHalf:
			c.names[n] = h.Name
		default:
			c.names[n] = old + " / " + h.Name
		}
		if i := n - c.startDay; i >= 0 && i < len(c.kinds) {
			if c.kinds[i] != DayHoliday {
				c.kinds[i] = k
			}
		} else if c.extra[n] != DayHoliday {
			c.extra[n] = k
		}
	}
	return c
}

// holidayKind is the holiday kind of day n from the tables alone
// (DayWorkday if it is no holiday), weekends aside.
func (c *Calendar) holidayKind(n int) DayKind {
	if i := n - c.startDay; i >= 0 && i < len(c.kinds) {
		return c.kinds[i]
	}
	if len(c.extra) == 0 {
		return DayWorkday
	}
	return c.extra[n]
}

// kindOf classifies day n.
func (c *Calendar) kindOf(n int) DayKind {
	k := c.holidayKind(n)
	if k == DayHoliday {
		return DayHoliday
	}
	if wd := (n%7 + 7 + int(time.Thursday)) % 7; wd == int(time.Saturday) || wd == int(time.Sunday) {
		return DayWeekend
	}
	return k
}

func (c *Calendar) orDefault() *Calendar {
	if c == nil {
		return DefaultCalendar()
	}
	return c
}

// Kind classifies the Istanbul calendar day of t.
func (c *Calendar) Kind(t time.Time) DayKind {
	return c.orDefault().kindOf(dayOf(t))
}

// IsBusinessDay reports whether the Istanbul day of t is a working day, in
// full or in half (an arife morning is worked).
func (c *Calendar) IsBusinessDay(t time.Time) bool {
	k := c.Kind(t)
	return k == DayWorkday || k == DayHalf
}

// HolidayName is the Turkish name of the holiday on t's Istanbul day, or ""
// if it is none.
func (c *Calendar) HolidayName(t time.Time) string {
	return c.orDefault().names[dayOf(t)]
}

// Covers reports whether the calendar knows the public holidays of t's year
// (2015–2035); outside it only weekends are known.
func (c *Calendar) Covers(t time.Time) bool {
	y := t.In(istanbul).Year()
	return y >= firstYear && y <= lastYear
}

// Holidays lists the holidays of a Gregorian year in date order (empty
// outside the covered years unless added with NewCalendar), for the UI.
func (c *Calendar) Holidays(year int) []Holiday {
	c = c.orDefault()
	var hs []Holiday
	for n, end := dayNumber(year, time.January, 1), dayNumber(year+1, time.January, 1); n < end; n++ {
		k := c.holidayKind(n)
		if k == DayWorkday {
			continue
		}
		hs = append(hs, Holiday{Date: midnight(n), Name: c.names[n], Half: k == DayHalf})
	}
	return hs
}

// BusinessDaysBetween counts the business days that lie wholly between two
// moments: the Istanbul days strictly after from's day and strictly before
// to's day. A workday counts 1, a half day (arife, 28 Ekim) 0.5, weekends
// and holidays 0. It is 0 when to is not at least two days after from.
func (c *Calendar) BusinessDaysBetween(from, to time.Time) float64 {
	c = c.orDefault()
	halves := 0
	for n, end := dayOf(from)+1, dayOf(to); n < end; n++ {
		halves += c.kindOf(n).halves()
	}
	return float64(halves) / 2
}

// Deadline is the first moment at which a consent dated consentDate is too
// old for İYS: midnight (Istanbul) after the day on which the business days
// counted from the day after the consent's day reach [MaxBusinessDays].
//
// The count is deliberately lenient, so that a consent is refused here only
// when it is certainly beyond İYS's limit: the consent's own day never
// counts (whatever its hour), a day counts only once it is over, and an
// arife (a half working day) counts 0.5, so it takes two half days to make
// one; a total of 2.5 is still within the limit. For example, for a
// consent of Wednesday 4 June 2025, the day before the Kurban Bayramı
// arife, Thursday 5 June (arife) counts 0.5, the bayram (6–9 June, with its
// weekend) 0, Tuesday 10 and Wednesday 11 June 1 each: 2.5 by the end of
// Wednesday. Thursday 12 June brings it to 3.5, so the consent may be sent
// until Thursday 12 June 23:59:59, and its deadline is Friday 13 June 00:00
// (counting weekends alone it would have been Tuesday 10 June 00:00).
func (c *Calendar) Deadline(consentDate time.Time) time.Time {
	c = c.orDefault()
	n, halves := dayOf(consentDate), 0
	for halves < 2*MaxBusinessDays {
		n++
		halves += c.kindOf(n).halves()
	}
	return midnight(n + 1)
}

// TooOld reports whether a consent dated consentDate is more than
// [MaxBusinessDays] business days old at now, as defined by
// [Calendar.Deadline].
func (c *Calendar) TooOld(consentDate, now time.Time) bool {
	return !now.Before(c.Deadline(consentDate))
}
