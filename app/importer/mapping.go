package importer

import (
	"encoding/json"
	"io"
	"slices"
	"strings"
)

// Column mapping: when a header row does not map by itself (a required
// column missing, or two cells claiming one column), the user says which
// column each cell feeds, and the answer is kept as a profile of the
// brand, keyed by the header row's HeaderKey, so that the next file with
// the same headers maps without asking. This file holds the pure part:
// guesses, keys, assignments and their checks, and opening a file whose
// header does not map.

// Ignore is the "column" of a header cell that feeds no column ("Yok
// say").
const Ignore Column = -1

// HeaderRules say what a header must have beyond the template's own
// rules. The zero value is the template's rules.
type HeaderRules struct {
	// BrandGiven: a brand was chosen at upload and fills the rows whose
	// marka_kodu is missing or empty, so the header need not have it.
	BrandGiven bool
}

// ColumnByName returns the column whose template header is name
// ("telefon"); Ignore and false for any other text.
func ColumnByName(name string) (Column, bool) {
	for c := range numColumns {
		if columnInfos[c].name == name {
			return c, true
		}
	}
	return Ignore, false
}

// Required reports whether the template requires the column under rules.
// telefon and eposta are not required one by one: a header needs one of
// them.
func (c Column) Required(rules HeaderRules) bool {
	return slices.Contains(requiredColumns, c) && !(c == ColBrandCode && rules.BrandGiven)
}

// Letter is the spreadsheet letter of a 0-based cell index (0 → "A").
func Letter(i int) string { return columnLetters(i) }

// errorColumnTitles are the titles of the columns WriteErrorWorkbook adds
// after a file's own, in its order.
var errorColumnTitles = [...]string{ErrorColumnRow, ErrorColumnCode, ErrorColumnMessage, ErrorColumnHint}

// SkippedCells reports, per header cell, whether the mapping leaves it
// out: blank cells (no header to name the column by) and the four columns
// an error workbook adds ("Satır", "Hata Kodu", "Hata", "Öneri", side by
// side in this order, as WriteErrorWorkbook writes them), so that a
// corrected error workbook maps as its upload did and is never asked
// about them.
func SkippedCells(cells []string) []bool {
	skip := make([]bool, len(cells))
	for i, c := range cells {
		skip[i] = blank(c)
	}
	n := len(errorColumnTitles)
	for i := 0; i+n <= len(cells); i++ {
		match := true
		for k, title := range errorColumnTitles {
			if foldHeader(cells[i+k]) != foldHeader(title) {
				match = false
				break
			}
		}
		if match {
			for k := range n {
				skip[i+k] = true
			}
			i += n - 1
		}
	}
	return skip
}

// cellKey is the comparison key of one header cell: its folded text
// (foldHeader), or, for a cell of punctuation only, its text without white
// space.
func cellKey(cell string) string {
	if k := foldHeader(cell); k != "" {
		return k
	}
	return strings.Join(strings.Fields(cell), "")
}

// HeaderKey is the key under which a mapping of a header row is kept.
// Two header rows have the same key when they hold the same headers: the
// same texts once Turkish letters are folded to ASCII and case, spaces
// and punctuation are ignored ("GSM No" = "gsm_no" = "GSM-NO"), the same
// number of times each, in any order. Blank cells and an error workbook's
// added columns (SkippedCells) do not count; a header that adds, drops or
// renames a column has another key. The key is a JSON array of the sorted
// cell keys, readable in the database.
func HeaderKey(cells []string) string {
	skip := SkippedCells(cells)
	keys := make([]string, 0, len(cells))
	for i, c := range cells {
		if !skip[i] {
			keys = append(keys, cellKey(c))
		}
	}
	slices.Sort(keys)
	b, _ := json.Marshal(keys)
	return string(b)
}

// Guess returns, per header cell, the column its text names (HeaderColumn)
// or Ignore: what the mapping form proposes. Two cells may guess the same
// column; the user then picks one. Skipped cells guess Ignore.
func Guess(cells []string) []Column {
	skip := SkippedCells(cells)
	g := make([]Column, len(cells))
	for i, cell := range cells {
		g[i] = Ignore
		if skip[i] {
			continue
		}
		if c, ok := HeaderColumn(cell); ok {
			g[i] = c
		}
	}
	return g
}

// Columns returns, per header cell up to Width, the column the cell feeds,
// or Ignore.
func (m Mapping) Columns() []Column {
	cols := make([]Column, m.Width)
	for i := range cols {
		cols[i] = Ignore
	}
	for c, i := range m.index {
		if i != 0 && i <= m.Width {
			cols[i-1] = Column(c)
		}
	}
	return cols
}

// Realign carries an assignment made for header from (cols, one per cell
// of from) over to header to, which has the same HeaderKey: each cell of
// to gets the column of the cell of from with the same key and the same
// rank among the cells of that key, so that reordered columns keep their
// meaning. It reports false when the headers do not have the same key.
func Realign(from []string, cols []Column, to []string) ([]Column, bool) {
	if HeaderKey(from) != HeaderKey(to) {
		return nil, false
	}
	type slot struct {
		key  string
		rank int
	}
	ranked := func(cells []string, fn func(i int, s slot)) {
		skip := SkippedCells(cells)
		seen := map[string]int{}
		for i, c := range cells {
			if skip[i] {
				continue
			}
			k := cellKey(c)
			fn(i, slot{k, seen[k]})
			seen[k]++
		}
	}
	byslot := map[slot]Column{}
	ranked(from, func(i int, s slot) {
		if i < len(cols) {
			byslot[s] = cols[i]
		}
	})
	out := make([]Column, len(to))
	for i := range out {
		out[i] = Ignore
	}
	ranked(to, func(i int, s slot) {
		if c, ok := byslot[s]; ok {
			out[i] = c
		}
	})
	return out, true
}

// The codes of AssignmentProblem.
const (
	// CodeMappingRequired: a required column is assigned to no cell.
	CodeMappingRequired = "MAPPING_REQUIRED"
	// CodeMappingTwice: one column is assigned to several cells.
	CodeMappingTwice = "MAPPING_DUPLICATE"
	// CodeMappingSkipped: a cell the mapping leaves out (SkippedCells) is
	// assigned a column.
	CodeMappingSkipped = "MAPPING_SKIPPED_COLUMN"
)

// AssignmentProblem is what is wrong with a column assignment.
type AssignmentProblem struct {
	Code string
	// Column is the column concerned (telefon for the phone-or-e-mail
	// rule).
	Column Column
	// Cells are the 0-based header cells concerned: those assigned the
	// same column, or the skipped cell.
	Cells []int
	// Message is the Turkish text for the user.
	Message string
}

// CheckAssignment checks an assignment of columns to the cells of header
// (cols[i] for header[i]; a missing entry is Ignore) under rules: every
// required column assigned, telefon or eposta assigned, no column assigned
// twice, no skipped cell assigned. It returns the problems in a stable
// order, none when the assignment is good.
func CheckAssignment(header []string, cols []Column, rules HeaderRules) []AssignmentProblem {
	var ps []AssignmentProblem
	skip := SkippedCells(header)
	cells := map[Column][]int{}
	for i, c := range cols {
		if c == Ignore || c < 0 || c >= numColumns {
			continue
		}
		if i >= len(header) || skip[i] {
			ps = append(ps, AssignmentProblem{Code: CodeMappingSkipped, Column: c, Cells: []int{i},
				Message: Letter(i) + " sütunu eşleştirilemez (başlığı boş ya da hata dosyasının kendi sütunu); «Yok say» seçin."})
			continue
		}
		cells[c] = append(cells[c], i)
	}
	for c := range numColumns {
		if len(cells[c]) < 2 {
			continue
		}
		names := make([]string, len(cells[c]))
		for k, i := range cells[c] {
			names[k] = "«" + ShortText(header[i], HeaderLength) + "» (" + Letter(i) + ")"
		}
		ps = append(ps, AssignmentProblem{Code: CodeMappingTwice, Column: c, Cells: cells[c],
			Message: c.Label() + " alanı birden çok sütuna atandı: " + strings.Join(names, ", ") + ". Her alan yalnızca bir sütuna atanabilir; birini seçip ötekilere «Yok say» deyin."})
	}
	has := func(c Column) bool { return len(cells[c]) > 0 }
	for _, c := range rules.missing(has) {
		switch c {
		case ColEmail:
			continue // one problem for the pair
		case ColPhone:
			ps = append(ps, AssignmentProblem{Code: CodeMappingRequired, Column: c,
				Message: "Telefon ya da E-Posta alanlarından en az biri bir sütuna atanmalı."})
		case ColBrandCode:
			ps = append(ps, AssignmentProblem{Code: CodeMappingRequired, Column: c,
				Message: "Marka Kodu zorunlu bir alan ve hiçbir sütuna atanmadı. Dosyada marka sütunu yoksa dosyayı «Yüklenecek Marka» seçerek yükleyin."})
		default:
			ps = append(ps, AssignmentProblem{Code: CodeMappingRequired, Column: c,
				Message: c.Label() + " zorunlu bir alan ve hiçbir sütuna atanmadı."})
		}
	}
	return ps
}

// Assign builds the Mapping of a header row in which cell i feeds
// cols[i] (Ignore: none). An assignment that CheckAssignment refuses gives
// an *Error (CodeHeaderMissing when a required column is unassigned,
// otherwise CodeHeaderDuplicate) whose message joins the problems.
func Assign(header []string, cols []Column, rules HeaderRules) (Mapping, error) {
	var m Mapping
	for i := len(header) - 1; i >= 0; i-- {
		if !blank(header[i]) {
			m.Width = i + 1
			break
		}
	}
	if ps := CheckAssignment(header, cols, rules); len(ps) > 0 {
		e := &Error{Code: CodeHeaderDuplicate}
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = p.Message
			if p.Code == CodeMappingRequired {
				e.Code = CodeHeaderMissing
				e.Missing = append(e.Missing, p.Column)
			}
		}
		e.Message = "Sütun eşleştirmesi bu dosyaya uymuyor: " + strings.Join(msgs, " ")
		return m, e
	}
	for i, c := range cols {
		if c != Ignore && i < m.Width {
			m.index[c] = i + 1
		}
	}
	for i, cell := range header[:m.Width] {
		if !blank(cell) && (i >= len(cols) || cols[i] == Ignore) {
			m.Ignored = append(m.Ignored, strings.TrimSpace(cell))
		}
	}
	return m, nil
}

// Options are how OpenWith finds and maps the header row of an import.
type Options struct {
	// Limits bound the work, as for Open.
	Limits Limits
	// MapHeader maps a candidate header row (one of the first 10 non-empty
	// rows, in order); the first that maps is the header. nil means
	// MapHeader.
	MapHeader func(cells []string) (Mapping, error)
	// KeepUnmapped: when no candidate row maps, the file is not refused:
	// the most plausible row (the most recognised columns, then the most
	// non-empty cells, then the first) is taken as the header,
	// Header.Problem holds its header error, and the reader is positioned
	// after it, so that its first rows can be shown to the user who maps
	// the columns. A file with no non-empty row among its first rows is
	// still refused (CodeHeaderNotFound).
	KeepUnmapped bool
}

// OpenWith is Open with Options: the header row is mapped by
// Options.MapHeader, and with KeepUnmapped a header that does not map is
// returned with its problem instead of failing.
func OpenWith(r io.ReaderAt, size int64, filename string, o Options) (Reader, error) {
	l := o.Limits
	l.mapFn, l.keepUnmapped = o.MapHeader, o.KeepUnmapped
	return Open(r, size, filename, l)
}

// candidate is a row considered as the header when none maps.
type candidate struct {
	sheet    int // index in the workbook's sheets (xlsx)
	row      int
	cells    []string
	mapping  Mapping
	err      *Error
	score    [2]int // recognised columns, non-empty cells
	overflow bool   // content right of MaxColumns
}

// better reports whether c is more plausible than o (nil: any c is).
func (c *candidate) better(o *candidate) bool {
	if o == nil {
		return true
	}
	if c.score[0] != o.score[0] {
		return c.score[0] > o.score[0]
	}
	return c.score[1] > o.score[1]
}

// newCandidate scores a header row that did not map (err is its header
// error). Its mapping is what the synonyms make of it.
func newCandidate(sheet, row int, cells []string, err error) *candidate {
	e, _ := err.(*Error)
	if e == nil {
		e = &Error{Code: CodeHeaderMissing, Message: err.Error()}
	}
	m, _ := mapHeader(cells)
	n := 0
	for _, c := range cells[:m.Width] {
		if !blank(c) {
			n++
		}
	}
	return &candidate{sheet: sheet, row: row, cells: append([]string(nil), cells[:m.Width]...), mapping: m, err: e,
		score: [2]int{m.recognised(), n}}
}

// The bounds of Samples.
const (
	SampleValues = 5  // values kept per column
	SampleRows   = 50 // data rows looked at
	SampleLength = 60 // characters kept of a value
)

// Samples collects the first values of each column of a file, which the
// mapping form shows beside each header: per column the first SampleValues
// non-empty values among the first SampleRows data rows, each cut to
// SampleLength characters (ending in "…"), with white space runs made one
// space. They are user data: pages escape them.
type Samples struct {
	values [][]string
	rows   int
}

// NewSamples collects the values of a header of width cells.
func NewSamples(width int) *Samples {
	s := &Samples{values: make([][]string, width)}
	for i := range s.values {
		s.values[i] = []string{}
	}
	return s
}

// Add looks at a data row's cells, and reports whether more rows are
// wanted.
func (s *Samples) Add(cells []string) bool {
	if s.rows >= SampleRows {
		return false
	}
	s.rows++
	for i, c := range cells {
		if i >= len(s.values) || len(s.values[i]) >= SampleValues || blank(c) {
			continue
		}
		s.values[i] = append(s.values[i], ShortText(c, SampleLength))
	}
	return s.rows < SampleRows
}

// ShortText is s for a line of a page: white space runs made one space,
// cut to n characters, the last of them "…" when cut.
func ShortText(s string, n int) string {
	v := strings.Join(strings.Fields(s), " ")
	if r := []rune(v); len(r) > n {
		v = string(r[:n-1]) + "…"
	}
	return v
}

// HeaderLength is how much of a header cell messages and pages show.
const HeaderLength = 80

// Values returns the values collected, per column.
func (s *Samples) Values() [][]string { return s.values }
