package consent

import "time"

// Turkish public holidays (resmî tatiller), law 2429 as amended.
//
// Fixed national holidays, every year:
//
//	1 Ocak      Yılbaşı
//	23 Nisan    Ulusal Egemenlik ve Çocuk Bayramı
//	1 Mayıs     Emek ve Dayanışma Günü
//	19 Mayıs    Atatürk'ü Anma, Gençlik ve Spor Bayramı
//	15 Temmuz   Demokrasi ve Millî Birlik Günü (from 2017, law 6752 of 2016)
//	30 Ağustos  Zafer Bayramı
//	28 Ekim     Cumhuriyet Bayramı arifesi: a half day, from 13:00
//	29 Ekim     Cumhuriyet Bayramı
//
// Religious holidays follow the Hijri calendar as Diyanet İşleri Başkanlığı
// publishes it: Ramazan Bayramı lasts three days and Kurban Bayramı four,
// each preceded by its arife, a half day from 13:00.
//
// Administrative leave that the government sometimes adds around a bayram
// (idari izin) is leave for civil servants, not a public holiday, and is not
// in the table; [NewCalendar] can add such days if ever needed.

// bayram is one Hijri year's two religious holidays: the first day of
// Ramazan Bayramı (1 Şevval) and of Kurban Bayramı (10 Zilhicce), as
// Gregorian dates in Turkey.
type bayram struct {
	hijri   int
	ramazan civil
	kurban  civil
}

// civil is a calendar date without a time or zone.
type civil struct {
	y int
	m time.Month
	d int
}

func (c civil) time() time.Time { return time.Date(c.y, c.m, c.d, 0, 0, 0, 0, time.UTC) }

// Calendar range covered by the table (whole Gregorian years).
const (
	firstYear = 2015
	lastYear  = 2035
)

// bayrams holds one line per Hijri year, so that a Gregorian year with two
// Ramazan Bayramı (2033) stays readable. Dates 2015–2032 are Diyanet's
// published dates; 2033–2036 are Diyanet's method (a new month starts the
// next day when the conjunction is early enough for the crescent to be seen
// somewhere before midnight GMT, the 2016 Istanbul unified-calendar
// criteria) applied to the computed conjunctions, which fall clearly on one
// side of that limit, and agree with the Umm al-Qura calendar. Tests check
// the spacing: one Hijri year is 354 or 355 days (353–356 allowed), and
// Kurban follows Ramazan by 67–69 days.
var bayrams = []bayram{
	{1436, civil{2015, time.July, 17}, civil{2015, time.September, 24}},
	{1437, civil{2016, time.July, 5}, civil{2016, time.September, 12}},
	{1438, civil{2017, time.June, 25}, civil{2017, time.September, 1}},
	{1439, civil{2018, time.June, 15}, civil{2018, time.August, 21}},
	{1440, civil{2019, time.June, 4}, civil{2019, time.August, 11}},
	{1441, civil{2020, time.May, 24}, civil{2020, time.July, 31}},
	{1442, civil{2021, time.May, 13}, civil{2021, time.July, 20}},
	{1443, civil{2022, time.May, 2}, civil{2022, time.July, 9}},
	{1444, civil{2023, time.April, 21}, civil{2023, time.June, 28}},
	{1445, civil{2024, time.April, 10}, civil{2024, time.June, 16}},
	{1446, civil{2025, time.March, 30}, civil{2025, time.June, 6}},
	{1447, civil{2026, time.March, 20}, civil{2026, time.May, 27}},
	{1448, civil{2027, time.March, 9}, civil{2027, time.May, 16}},
	{1449, civil{2028, time.February, 26}, civil{2028, time.May, 5}},
	{1450, civil{2029, time.February, 14}, civil{2029, time.April, 24}},
	{1451, civil{2030, time.February, 4}, civil{2030, time.April, 13}},
	{1452, civil{2031, time.January, 24}, civil{2031, time.April, 2}},
	{1453, civil{2032, time.January, 14}, civil{2032, time.March, 22}},
	{1454, civil{2033, time.January, 2}, civil{2033, time.March, 11}},
	{1455, civil{2033, time.December, 23}, civil{2034, time.March, 1}},
	{1456, civil{2034, time.December, 12}, civil{2035, time.February, 18}},
	{1457, civil{2035, time.December, 1}, civil{2036, time.February, 7}},
}

// Holiday is one day that is not (or only half) a working day.
type Holiday struct {
	// Date is the day; only its calendar date (in its own location) counts.
	Date time.Time
	// Name is the Turkish name shown to users ("Kurban Bayramı 1. gün").
	Name string
	// Half marks a half day: work ends at 13:00 (an arife).
	Half bool
}

// builtinHolidays lists the public holidays of firstYear..lastYear, in no
// particular order.
func builtinHolidays() []Holiday {
	var hs []Holiday
	day := func(y int, m time.Month, d int, name string, half bool) {
		if y < firstYear || y > lastYear {
			return // the table's last line reaches into 2036
		}
		hs = append(hs, Holiday{Date: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Name: name, Half: half})
	}
	for y := firstYear; y <= lastYear; y++ {
		day(y, time.January, 1, "Yılbaşı", false)
		day(y, time.April, 23, "Ulusal Egemenlik ve Çocuk Bayramı", false)
		day(y, time.May, 1, "Emek ve Dayanışma Günü", false)
		day(y, time.May, 19, "Atatürk'ü Anma, Gençlik ve Spor Bayramı", false)
		if y >= 2017 {
			day(y, time.July, 15, "Demokrasi ve Millî Birlik Günü", false)
		}
		day(y, time.August, 30, "Zafer Bayramı", false)
		day(y, time.October, 28, "Cumhuriyet Bayramı arifesi (13:00'ten sonra)", true)
		day(y, time.October, 29, "Cumhuriyet Bayramı", false)
	}
	feast := func(first civil, name string, days int) {
		t := first.time()
		a := t.AddDate(0, 0, -1)
		day(a.Year(), a.Month(), a.Day(), name+" arifesi (13:00'ten sonra)", true)
		for i := 0; i < days; i++ {
			d := t.AddDate(0, 0, i)
			day(d.Year(), d.Month(), d.Day(), name+" "+string(rune('1'+i))+". gün", false)
		}
	}
	for _, b := range bayrams {
		feast(b.ramazan, "Ramazan Bayramı", 3)
		feast(b.kurban, "Kurban Bayramı", 4)
	}
	return hs
}
