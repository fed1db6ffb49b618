package web

import (
	"bytes"
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/consent"
	"iysgate/app/importer"
	"iysgate/app/iys"
	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/policy"
)

// Raporlar: for the brands in which the user may see consents, over whole
// days in Istanbul (the last 30 unless chosen), the consents added per
// channel, the RETs by who made them, İYS's refusals by code, the quota
// spent and the consents added per day. Each section is a chart drawn here
// as SVG (no script, nothing fetched), a table of the same figures, and an
// xlsx of that table.

const (
	reportDefaultDays = 30
	reportMaxDays     = 366
	dateInput         = "2006-01-02" // what <input type="date"> sends
)

// The codes of the report form's problems.
const (
	codeDateInvalid = "DATE_INVALID"
	codePeriodOrder = "PERIOD_ORDER"
	codePeriodLong  = "PERIOD_TOO_LONG"
)

// period is a run of whole days in Istanbul, first and last included.
type period struct{ first, last time.Time }

// lastDays is the period of the n days that end today.
func lastDays(now time.Time, n int) period {
	y, m, d := now.In(istanbul).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, istanbul)
	return period{today.AddDate(0, 0, 1-n), today}
}

// parsePeriod reads the form's dates; with a problem it returns the last
// 30 days and the problem.
func parsePeriod(from, to string, now time.Time) (period, validate.Problems) {
	def := lastDays(now, reportDefaultDays)
	p := def
	var probs validate.Problems
	for _, f := range []struct {
		field, label, value string
		day                 *time.Time
	}{{"from", "Başlangıç", from, &p.first}, {"to", "Bitiş", to, &p.last}} {
		if f.value == "" {
			continue
		}
		t, err := time.ParseInLocation(dateInput, f.value, istanbul)
		if err != nil {
			probs.Add(f.field, codeDateInvalid, f.label+" tarihi okunamadı; takvimden bir gün seçin.")
			continue
		}
		*f.day = t
	}
	switch {
	case len(probs) > 0:
	case p.last.Before(p.first):
		probs.Add("to", codePeriodOrder, "Bitiş tarihi başlangıç tarihinden önce olamaz.")
	case !p.last.Before(p.first.AddDate(0, 0, reportMaxDays)):
		probs.Add("to", codePeriodLong, "Bir rapor en çok "+strconv.Itoa(reportMaxDays)+" günü kapsar; daha kısa bir dönem seçin.")
	default:
		return p, nil
	}
	return def, probs
}

func (p period) filter(brandIDs []int64) store.ReportFilter {
	return store.ReportFilter{BrandIDs: brandIDs, From: p.first, To: p.last.AddDate(0, 0, 1)}
}

func (p period) String() string {
	return p.first.Format("02.01.2006") + " – " + p.last.Format("02.01.2006")
}

// reportForm is the report form as the page shows it.
type reportForm struct {
	From, To string
	BrandID  int64
	Errors   map[string]string
}

// reportsData is Raporlar.
type reportsData struct {
	Form     reportForm
	Brands   []store.Brand // those the user may choose
	Period   string
	Query    string // the form's query, for the download links
	Sections []reportSection

	period period
	report *store.Report
	trend  dailyTrend
}

// reportFor reads the form and counts the figures; a form with a problem
// gets the last 30 days' figures and its problems.
func (s *Server) reportFor(c *fiber.Ctx) (*reportsData, validate.Problems, error) {
	ctx := c.UserContext()
	f := reportForm{From: c.Query("from"), To: c.Query("to")}
	p, probs := parsePeriod(f.From, f.To, time.Now())
	if f.Errors = probs.ByField(); len(probs) == 0 {
		f.From, f.To = p.first.Format(dateInput), p.last.Format(dateInput)
	}
	scope := s.brandScope(c, policy.ConsentsView)
	brands, err := s.deps.Store.ListBrands(ctx, scope)
	if err != nil {
		return nil, nil, err
	}
	ids := scope
	if f.BrandID, _ = strconv.ParseInt(c.Query("brand_id"), 10, 64); f.BrandID > 0 {
		ids = []int64{} // a brand the user may not see shows nothing
		if slices.ContainsFunc(brands, func(b store.Brand) bool { return b.ID == f.BrandID }) {
			ids = []int64{f.BrandID}
		}
	}
	d := &reportsData{Form: f, Brands: brands, Period: p.String(), period: p}
	if d.report, err = s.deps.Store.Report(ctx, p.filter(ids)); err != nil {
		return nil, nil, err
	}
	days, err := s.deps.Store.DailyConsents(ctx, p.filter(ids))
	if err != nil {
		return nil, nil, err
	}
	d.trend = newDailyTrend(p, days)
	q := url.Values{"from": {p.first.Format(dateInput)}, "to": {p.last.Format(dateInput)}}
	if f.BrandID > 0 {
		q.Set("brand_id", itoa(f.BrandID))
	}
	d.Query = q.Encode()
	d.Sections = reportSections(d.report, d.trend, brands)
	for i := range d.Sections {
		d.Sections[i].Download = "/reports/export?section=" + d.Sections[i].ID + "&" + d.Query
	}
	return d, probs, nil
}

func (s *Server) reportsPage(c *fiber.Ctx) error {
	d, _, err := s.reportFor(c)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "reports", "Raporlar", d)
}

// exportReport writes the tables of the report's sections (one section
// with ?section=) as a workbook, a sheet each, and a sheet that says what
// the figures cover.
func (s *Server) exportReport(c *fiber.Ctx) error {
	d, probs, err := s.reportFor(c)
	if err != nil {
		return err
	}
	if err := probs.Err(); err != nil {
		return err
	}
	sections, name := d.Sections, "tum"
	if id := c.Query("section"); id != "" {
		i := slices.IndexFunc(sections, func(x reportSection) bool { return x.ID == id })
		if i < 0 {
			return fiber.ErrNotFound
		}
		sections, name = sections[i:i+1], id
	}
	wb := importer.NewWorkbook()
	defer wb.Close()
	for _, sec := range sections {
		if err := sec.Table.write(wb, sec.Sheet); err != nil {
			return err
		}
	}
	brand := "Tüm markalarınız"
	if i := slices.IndexFunc(d.Brands, func(b store.Brand) bool { return b.ID == d.Form.BrandID }); i >= 0 {
		brand = d.Brands[i].Name + " (" + d.Brands[i].CompanyTitle + ")"
	}
	info := reportTable{Rows: [][]reportCell{
		{textCell("Dönem"), textCell(d.Period + " (Türkiye saati)")},
		{textCell("Marka"), textCell(brand)},
		{textCell("Hazırlanma"), textCell(time.Now().In(istanbul).Format("02.01.2006 15:04"))},
		{textCell("Hazırlayan"), textCell(currentUser(c).Email)},
	}}
	if err := info.write(wb, "Bilgi"); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="rapor-`+name+"-"+d.period.first.Format("20060102")+"-"+
		d.period.last.Format("20060102")+`.xlsx"`)
	return c.Send(buf.Bytes())
}

func (s *Server) apiReport(c *fiber.Ctx) error {
	d, probs, err := s.reportFor(c)
	if err != nil {
		return err
	}
	if err := probs.Err(); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"from": d.Form.From, "to": d.Form.To, "channels": d.report.Channels,
		"refusals": d.report.Refusals, "spent": d.report.Spent, "days": d.trend.Days})
}

// trendPanel answers Gösterge's trend: the consents added in the user's
// brands over the last 30 days. Gösterge loads it after the page, so that
// its counters show at once whatever a month of events costs to count.
func (s *Server) trendPanel(c *fiber.Ctx) error {
	p := lastDays(time.Now(), reportDefaultDays)
	days, err := s.deps.Store.DailyConsents(c.UserContext(), p.filter(s.brandScope(c, policy.DashboardView)))
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "dashboard", "Gösterge", newDailyTrend(p, days), "trend-panel")
}

// reportSection is a part of Raporlar: a chart (or a bar list), the table
// of the same figures and the link to that table as xlsx.
type reportSection struct {
	ID       string // in the download link and the file name
	Title    string
	Sheet    string // the sheet of its table in the workbook
	Intro    string
	Chart    *svgChart
	Bars     []barItem
	Table    reportTable
	Download string
	Wide     bool // the chart above the table, both the page's width
	Fold     bool // the table folded away (a row a day)
}

func reportSections(rep *store.Report, trend dailyTrend, brands []store.Brand) []reportSection {
	names := newBrandNames(brands)
	channels := brandOrder(rep.Channels, brands, func(c store.ChannelFigures) (int64, string) { return c.BrandID, c.Type })
	refusals := brandOrder(rep.Refusals, brands, func(r store.RefusalFigures) (int64, string) { return r.BrandID, r.Type })
	spent := brandOrder(rep.Spent, brands, func(x store.SpentFigures) (int64, string) { return x.BrandID, "" })
	daily := trend.Chart("report-gunluk-chart")
	return []reportSection{
		addedSection(channels, names),
		retSection(channels, names),
		refusalSection(refusals, names),
		spentSection(spent, names),
		{ID: "gunluk", Title: "Günlere göre eklenen izinler", Sheet: "Günlere göre", Chart: &daily, Table: trend.Table(), Wide: true, Fold: true,
			Intro: "Her gün kaydedilen ve İYS'nin kabul ettiği ONAY ve RET'ler."},
	}
}

func addedSection(channels []store.ChannelFigures, names brandNames) reportSection {
	t := reportTable{Columns: []string{"Firma", "Marka", "Kanal", "Onay", "Ret", "Toplam", "İYS'ye gidiyor"}}
	var sum store.ChannelFigures
	for _, ch := range channels {
		if ch.Onay+ch.Ret()+ch.Pending == 0 {
			continue
		}
		t.Rows = append(t.Rows, append(names.cells(ch.BrandID), textCell(consent.Type(ch.Type).Label()),
			numCell(ch.Onay), numCell(ch.Ret()), numCell(ch.Onay+ch.Ret()), numCell(ch.Pending)))
		sum = store.ChannelFigures{Onay: sum.Onay + ch.Onay, RetAgency: sum.RetAgency + ch.RetAgency,
			RetCitizen: sum.RetCitizen + ch.RetCitizen, Pending: sum.Pending + ch.Pending}
	}
	t.Total = []reportCell{textCell("Toplam"), {}, {}, numCell(sum.Onay), numCell(sum.Ret()), numCell(sum.Onay + sum.Ret()), numCell(sum.Pending)}
	totals := byChannel(channels)
	chart := groupedColumns("report-eklenen-chart", "Kanallara göre eklenen izinler", channelLabels(), []chartSeries{
		{Name: "Onay", Class: "onay", Values: collect(totals, func(c store.ChannelFigures) int64 { return c.Onay })},
		{Name: "Ret", Class: "ret", Values: collect(totals, store.ChannelFigures.Ret)},
	})
	return reportSection{ID: "eklenen", Title: "Eklenen izinler", Sheet: "Eklenen izinler", Chart: &chart, Table: t,
		Intro: "Dönemde kaydedilen ve İYS'nin kabul ettiği ONAY ve RET'ler, kim kaydetmiş olursa olsun. İYS'ye henüz ulaşmamış olanlar " +
			"«İYS'ye gidiyor» sütununda, İYS'nin reddettikleri aşağıda kendi bölümündedir."}
}

func retSection(channels []store.ChannelFigures, names brandNames) reportSection {
	t := reportTable{Columns: []string{"Firma", "Marka", "Kanal", "Ajansın kaydettiği", "Vatandaşın İYS'de verdiği", "Toplam Ret"}}
	var sum store.ChannelFigures
	for _, ch := range channels {
		if ch.Ret() == 0 {
			continue
		}
		t.Rows = append(t.Rows, append(names.cells(ch.BrandID), textCell(consent.Type(ch.Type).Label()),
			numCell(ch.RetAgency), numCell(ch.RetCitizen), numCell(ch.Ret())))
		sum.RetAgency, sum.RetCitizen = sum.RetAgency+ch.RetAgency, sum.RetCitizen+ch.RetCitizen
	}
	t.Total = []reportCell{textCell("Toplam"), {}, {}, numCell(sum.RetAgency), numCell(sum.RetCitizen), numCell(sum.Ret())}
	totals := byChannel(channels)
	chart := stackedRows("report-ret-chart", "Kanallara göre RET'ler, kimin verdiğine göre", channelLabels(), []chartSeries{
		{Name: "Ajansın kaydettiği", Class: "ret-agency", Values: collect(totals, func(c store.ChannelFigures) int64 { return c.RetAgency })},
		{Name: "Vatandaşın İYS'de verdiği", Class: "ret-citizen", Values: collect(totals, func(c store.ChannelFigures) int64 { return c.RetCitizen })},
	})
	return reportSection{ID: "ret", Title: "RET'ler: kim verdi?", Sheet: "RET'ler", Chart: &chart, Table: t,
		Intro: "Ajansın elle ya da içe aktarımla kaydettiği RET'ler ve vatandaşların İYS'de (e-Devlet, İYS uygulaması, SMS) verip iysgate'in İYS'den aldığı RET'ler."}
}

func refusalSection(refusals []store.RefusalFigures, names brandNames) reportSection {
	t := reportTable{Columns: []string{"Firma", "Marka", "Kanal", "İYS kodu", "Açıklama", "Ne yapmalı", "Adet"}}
	perCode := map[string]int64{}
	var codes []string
	var sum int64
	for _, r := range refusals {
		msg, hint := iys.Describe(r.Code)
		t.Rows = append(t.Rows, append(names.cells(r.BrandID), textCell(consent.Type(r.Type).Label()), textCell(codeLabel(r.Code)),
			textCell(msg), textCell(hint), numCell(r.N)))
		if _, ok := perCode[r.Code]; !ok {
			codes = append(codes, r.Code)
		}
		perCode[r.Code] += r.N
		sum += r.N
	}
	t.Total = []reportCell{textCell("Toplam"), {}, {}, {}, {}, {}, numCell(sum)}
	bars := make([]barItem, len(codes))
	for i, code := range codes {
		msg, hint := iys.Describe(code)
		bars[i] = barItem{Label: codeLabel(code), Note: msg, Hint: hint, N: perCode[code], Class: "refused"}
	}
	slices.SortStableFunc(bars, func(a, b barItem) int { return cmp.Compare(b.N, a.N) })
	return reportSection{ID: "reddedilen", Title: "İYS'nin reddettikleri", Sheet: "İYS'nin reddettikleri", Bars: scaleBars(bars), Table: t, Wide: true,
		Intro: "İYS'nin kabul etmediği değişiklikler, İYS'nin hata koduna göre: ne olduğu ve ne yapmanız gerektiği. Hata Bildirimleri'nde tek tek görebilirsiniz."}
}

// codeLabel names İYS's code, or says that İYS gave none.
func codeLabel(code string) string {
	if code == "" {
		return "Kodsuz"
	}
	return code
}

func spentSection(spent []store.SpentFigures, names brandNames) reportSection {
	t := reportTable{Columns: []string{"Firma", "Marka", "Harcanan izin"}}
	bars := make([]barItem, len(spent))
	var sum int64
	for i, x := range spent {
		t.Rows = append(t.Rows, append(names.cells(x.BrandID), numCell(x.Units)))
		b := names[x.BrandID]
		bars[i] = barItem{Label: b.Name, Note: b.CompanyTitle, N: x.Units, Class: "spent"}
		sum += x.Units
	}
	t.Total = []reportCell{textCell("Toplam"), {}, numCell(sum)}
	return reportSection{ID: "kota", Title: "Harcanan kota", Sheet: "Harcanan kota", Bars: scaleBars(bars), Table: t,
		Intro: "İYS'nin kabul ettiği izinler için paketten düşülen birimler (aynı durumun tekrarı ve İYS'nin reddettikleri ücretlendirilmez)."}
}

// brandNames finds a brand's names by id.
type brandNames map[int64]store.Brand

func newBrandNames(brands []store.Brand) brandNames {
	m := make(brandNames, len(brands))
	for _, b := range brands {
		m[b.ID] = b
	}
	return m
}

// cells are the Firma and Marka cells of a brand's row.
func (n brandNames) cells(brandID int64) []reportCell {
	b, ok := n[brandID]
	if !ok {
		return []reportCell{{}, textCell("#" + itoa(brandID))}
	}
	return []reportCell{textCell(b.CompanyTitle), textCell(b.Name)}
}

// brandOrder orders figures as the brand list is (company, then brand, in
// Turkish order) and a brand's channels as the pages show them.
func brandOrder[T any](figures []T, brands []store.Brand, key func(T) (int64, string)) []T {
	rank := make(map[int64]int, len(brands))
	for i, b := range brands {
		rank[b.ID] = i
	}
	out := slices.Clone(figures)
	slices.SortStableFunc(out, func(a, b T) int {
		ba, ta := key(a)
		bb, tb := key(b)
		if ra, rb := rank[ba], rank[bb]; ra != rb {
			return ra - rb
		}
		return slices.Index(consent.AllTypes, consent.Type(ta)) - slices.Index(consent.AllTypes, consent.Type(tb))
	})
	return out
}

// byChannel sums every brand's figures per channel, in the pages' order.
func byChannel(channels []store.ChannelFigures) []store.ChannelFigures {
	out := make([]store.ChannelFigures, len(consent.AllTypes))
	for _, ch := range channels {
		if i := slices.Index(consent.AllTypes, consent.Type(ch.Type)); i >= 0 {
			out[i].Onay += ch.Onay
			out[i].RetAgency += ch.RetAgency
			out[i].RetCitizen += ch.RetCitizen
			out[i].Pending += ch.Pending
		}
	}
	return out
}

func channelLabels() []string {
	labels := make([]string, len(consent.AllTypes))
	for i, t := range consent.AllTypes {
		labels[i] = t.Label()
	}
	return labels
}

func collect[T any](xs []T, f func(T) int64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// dailyTrend is the consents added on each day of a period: Gösterge's
// last 30 days, and a section of Raporlar.
type dailyTrend struct {
	Days []store.DayFigures `json:"days"` // every day, those without a consent too
}

// newDailyTrend puts the days that have figures into the whole period.
func newDailyTrend(p period, figures []store.DayFigures) dailyTrend {
	byDay := make(map[string]store.DayFigures, len(figures))
	for _, f := range figures {
		byDay[f.Day.Format(dateInput)] = f
	}
	var t dailyTrend
	for d := p.first; !d.After(p.last); d = d.AddDate(0, 0, 1) {
		y, m, dd := d.Date()
		f := byDay[d.Format(dateInput)]
		f.Day = time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
		t.Days = append(t.Days, f)
	}
	return t
}

// Chart draws the days as columns of ONAY under RET.
func (t dailyTrend) Chart(id string) svgChart {
	labels := make([]string, len(t.Days))
	for i, d := range t.Days {
		labels[i] = d.Day.Format("02.01")
	}
	return stackedColumns(id, "Günlere göre eklenen izinler", labels, []chartSeries{
		{Name: "Onay", Class: "onay", Values: collect(t.Days, func(d store.DayFigures) int64 { return d.Onay })},
		{Name: "Ret", Class: "ret", Values: collect(t.Days, func(d store.DayFigures) int64 { return d.Ret })},
	})
}

// Table lists the days, newest first.
func (t dailyTrend) Table() reportTable {
	tb := reportTable{Columns: []string{"Tarih", "Onay", "Ret", "Toplam"}}
	var onay, ret int64
	for _, d := range slices.Backward(t.Days) {
		tb.Rows = append(tb.Rows, []reportCell{textCell(d.Day.Format("02.01.2006")), numCell(d.Onay), numCell(d.Ret), numCell(d.Onay + d.Ret)})
		onay, ret = onay+d.Onay, ret+d.Ret
	}
	tb.Total = []reportCell{textCell("Toplam"), numCell(onay), numCell(ret), numCell(onay + ret)}
	return tb
}

// reportTable is the figures of a section as a table, on the page and in
// its workbook.
type reportTable struct {
	Columns []string
	Rows    [][]reportCell
	Total   []reportCell // the sums row, nil for none
}

// reportCell is a text or a count.
type reportCell struct {
	Text  string
	N     int64
	IsNum bool
}

func textCell(s string) reportCell { return reportCell{Text: s} }
func numCell(n int64) reportCell   { return reportCell{N: n, IsNum: true} }

// write adds the table to wb as a sheet: counts as numbers, the sums row
// in bold.
func (t reportTable) write(wb *importer.Workbook, name string) error {
	columns := make([]importer.SheetColumn, max(len(t.Columns), 2))
	for i := range columns {
		columns[i].Width = 18
		if i < len(t.Columns) {
			columns[i].Title = t.Columns[i]
			columns[i].Width = max(12, float64(len([]rune(t.Columns[i])))+4)
		}
	}
	if len(t.Columns) == 0 {
		columns[1].Width = 60
	}
	sheet, err := wb.AddSheet(name, columns)
	if err != nil {
		return err
	}
	row := func(cells []reportCell, style importer.Style) error {
		values := make([]any, len(cells))
		for i, c := range cells {
			var v any = c.Text
			if c.IsNum {
				v = c.N
			}
			values[i] = importer.Cell{Value: v, Style: style}
		}
		return sheet.Write(values...)
	}
	for _, r := range t.Rows {
		if err := row(r, importer.StylePlain); err != nil {
			return err
		}
	}
	if t.Total == nil {
		return nil
	}
	return row(t.Total, importer.StyleHeading)
}

// The charts: every shape's place is computed here, in the units of the
// SVG's viewBox; the "chart" template only draws them, and the page's CSS
// gives them their colours (the series' classes).

const (
	chartW, chartH       = 640.0, 260.0
	trendW               = 1000.0 // a time series is as wide as the page
	padLeft, padRight    = 56.0, 16.0
	padTop, padBottom    = 20.0, 34.0
	rowHeight, rowGap    = 26.0, 14.0
	rowLabels, rowTotals = 96.0, 64.0
)

// chartSeries is one kind of bar: its name in the legend and the tooltips,
// its CSS class, and a value per group.
type chartSeries struct {
	Name, Class string
	Values      []int64
}

// svgChart is a chart as the "chart" template draws it.
type svgChart struct {
	ID, Title, Desc string
	Width, Height   float64
	Empty           bool // nothing to draw: the template says so instead
	Grid            []svgLine
	Bars            []svgBar
	Texts           []svgText
	Legend          []chartSeries
}

type svgLine struct{ X1, Y1, X2, Y2 float64 }

type svgBar struct {
	X, Y, W, H float64
	Class, Tip string
}

type svgText struct {
	X, Y                float64
	Text, Anchor, Class string
}

func newChart(id, title string, width, height float64, series []chartSeries) svgChart {
	c := svgChart{ID: id, Title: title, Width: width, Height: height, Legend: series}
	c.Empty = !slices.ContainsFunc(series, func(s chartSeries) bool { return slices.ContainsFunc(s.Values, func(v int64) bool { return v > 0 }) })
	return c
}

// valueAxis draws horizontal grid lines with their values up to a round
// number at least max, and returns the height of a value.
func (c *svgChart) valueAxis(top int64) func(int64) float64 {
	step := niceStep(top)
	ticks := max(1, (top+step-1)/step)
	high, bottom := padTop, c.Height-padBottom
	for i := int64(0); i <= ticks; i++ {
		y := round1(bottom - (bottom-high)*float64(i)/float64(ticks))
		c.Grid = append(c.Grid, svgLine{padLeft, y, c.Width - padRight, y})
		c.Texts = append(c.Texts, svgText{padLeft - 6, y + 4, formatCount(step * i), "end", "axis"})
	}
	return func(v int64) float64 { return (bottom - high) * float64(v) / float64(step*ticks) }
}

// niceStep is the smallest of 1, 2 and 5 times a power of ten in which top
// fits in four steps.
func niceStep(top int64) int64 {
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*p*4 >= top {
				return m * p
			}
		}
	}
}

// groupedColumns draws a column per series side by side in each group,
// its value above it.
func groupedColumns(id, title string, groups []string, series []chartSeries) svgChart {
	c := newChart(id, title, chartW, chartH, series)
	c.Desc = describe(groups, series)
	if c.Empty {
		return c
	}
	height := c.valueAxis(maxOf(series, false))
	bottom := c.Height - padBottom
	slot := (c.Width - padLeft - padRight) / float64(len(groups))
	barW := min(56, slot*0.7/float64(len(series)))
	for g, label := range groups {
		x := padLeft + slot*float64(g) + (slot-barW*float64(len(series)))/2
		for _, s := range series {
			v := s.Values[g]
			h := round1(height(v))
			c.Bars = append(c.Bars, svgBar{round1(x), round1(bottom - h), round1(barW - 4), h, s.Class, label + ", " + s.Name + ": " + formatCount(v)})
			c.Texts = append(c.Texts, svgText{round1(x + barW/2 - 2), round1(bottom - h - 5), formatCount(v), "middle", "value"})
			x += barW
		}
		c.Texts = append(c.Texts, svgText{round1(padLeft + slot*float64(g) + slot/2), bottom + 20, label, "middle", "label"})
	}
	return c
}

// stackedColumns draws a column per label (a day) with the series on top
// of each other, naming every few labels under the axis.
func stackedColumns(id, title string, labels []string, series []chartSeries) svgChart {
	c := newChart(id, title, trendW, chartH, series)
	c.Desc = describeTotals(title, labels, series)
	if c.Empty {
		return c
	}
	height := c.valueAxis(maxOf(series, true))
	bottom := c.Height - padBottom
	slot := (c.Width - padLeft - padRight) / float64(len(labels))
	barW := max(1, min(24, slot*0.75))
	every := max(1, (len(labels)+14)/15) // at most fifteen names under the axis
	for i, label := range labels {
		x := round1(padLeft + slot*float64(i) + (slot-barW)/2)
		y := bottom
		for _, s := range series {
			h := height(s.Values[i])
			y -= h
			if h > 0 {
				c.Bars = append(c.Bars, svgBar{x, round1(y), round1(barW), round1(h), s.Class, label + ", " + s.Name + ": " + formatCount(s.Values[i])})
			}
		}
		if (len(labels)-1-i)%every == 0 { // the last day is always named
			c.Texts = append(c.Texts, svgText{round1(x + barW/2), bottom + 20, label, "middle", "label"})
		}
	}
	return c
}

// stackedRows draws a bar per row with the series one after the other,
// each value inside its part when it fits, the row's total after it.
func stackedRows(id, title string, rows []string, series []chartSeries) svgChart {
	c := newChart(id, title, chartW, padTop+float64(len(rows))*(rowHeight+rowGap), series)
	c.Desc = describe(rows, series)
	if c.Empty {
		return c
	}
	scale := (c.Width - rowLabels - rowTotals) / float64(maxOf(series, true))
	for i, label := range rows {
		y := padTop/2 + float64(i)*(rowHeight+rowGap)
		c.Texts = append(c.Texts, svgText{rowLabels - 8, round1(y + rowHeight/2 + 5), label, "end", "label"})
		x := rowLabels
		var total int64
		for _, s := range series {
			v := s.Values[i]
			w := round1(float64(v) * scale)
			if w > 0 {
				c.Bars = append(c.Bars, svgBar{round1(x), y, w, rowHeight, s.Class, label + ", " + s.Name + ": " + formatCount(v)})
			}
			if w >= 36 {
				c.Texts = append(c.Texts, svgText{round1(x + w/2), round1(y + rowHeight/2 + 5), formatCount(v), "middle", "inside"})
			}
			x += w
			total += v
		}
		c.Texts = append(c.Texts, svgText{round1(x + 6), round1(y + rowHeight/2 + 5), formatCount(total), "start", "value"})
	}
	return c
}

// maxOf is the largest value of the series, or with stacked the largest
// sum of a group's values.
func maxOf(series []chartSeries, stacked bool) int64 {
	var top int64
	for i := range series[0].Values {
		var sum int64
		for _, s := range series {
			if stacked {
				sum += s.Values[i]
			} else {
				sum = max(sum, s.Values[i])
			}
		}
		top = max(top, sum)
	}
	return top
}

// describe says a chart's figures in words, for screen readers: "Arama:
// 10 Onay, 2 Ret. Mesaj: …".
func describe(groups []string, series []chartSeries) string {
	parts := make([]string, len(groups))
	for g, label := range groups {
		values := make([]string, len(series))
		for k, s := range series {
			values[k] = formatCount(s.Values[g]) + " " + s.Name
		}
		parts[g] = label + ": " + strings.Join(values, ", ")
	}
	return strings.Join(parts, ". ") + "."
}

// describeTotals says a long series' sums and its busiest label.
func describeTotals(title string, labels []string, series []chartSeries) string {
	sums := make([]string, len(series))
	var best int
	var bestSum int64
	for i := range labels {
		var sum int64
		for _, s := range series {
			sum += s.Values[i]
		}
		if sum > bestSum {
			best, bestSum = i, sum
		}
	}
	for k, s := range series {
		var n int64
		for _, v := range s.Values {
			n += v
		}
		sums[k] = formatCount(n) + " " + s.Name
	}
	d := title + ", " + labels[0] + " – " + labels[len(labels)-1] + ": " + strings.Join(sums, ", ") + "."
	if bestSum > 0 {
		d += " En yoğun gün " + labels[best] + ": " + formatCount(bestSum) + "."
	}
	return d
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

// barItem is a line of a bar list: what it counts, a note and a hint under
// it, the count, and its bar's length in percent of the longest.
type barItem struct {
	Label, Note, Hint string
	N                 int64
	Pct               float64
	Class             string
}

func scaleBars(items []barItem) []barItem {
	var top int64
	for _, b := range items {
		top = max(top, b.N)
	}
	for i := range items {
		if top > 0 {
			items[i].Pct = round1(100 * float64(items[i].N) / float64(top))
		}
	}
	return items
}
