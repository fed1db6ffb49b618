package importer

import (
	"archive/zip"
	"fmt"
	"io"
	"strconv"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"
)

// Workbook writes an .xlsx workbook sheet by sheet and row by row with
// excelize's StreamWriter, which moves a sheet's rows to a temporary file
// past 16 MB (excelize.StreamChunkSize), so that memory does not grow with
// the rows. Every
// text it writes, titles included, goes through [NeutraliseFormula].
//
// Add the sheets with [Workbook.AddSheet] (the first one added is the first
// in the workbook), write their rows with [Sheet.Write] (sheets may be
// written in turn), then [Workbook.Write] the workbook once; [Workbook.Close]
// removes the temporary files, written or not.
type Workbook struct {
	f      *excelize.File
	sheets []*Sheet
	styles [styleCount]int // excelize's style IDs, made on first use
	cells  []any           // the row being written, reused
}

// A Style is the look of a cell.
type Style int

// The styles of a Workbook.
const (
	StylePlain Style = iota
	// StyleHeading is bold on light blue: the titles of a header row, and
	// the labels of a sheet without one.
	StyleHeading
	styleProblemHeading // the titles of the error workbook's added columns
	styleProblem        // a cell with an error
	styleWrapped        // text over several lines, from the top
	styleCount
)

var styleDefs = [styleCount]excelize.Style{
	StyleHeading: {Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}},
	styleProblemHeading: {Font: &excelize.Font{Bold: true, Color: "9C0006"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}},
	styleProblem: {Font: &excelize.Font{Color: "9C0006"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}},
	styleWrapped: {Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}},
}

// A Cell is a value written with a Style; other values of a row are plain.
type Cell struct {
	Value any
	Style Style
}

// A SheetColumn is a column of a sheet: the title of its header row and its
// width in characters (0: Excel's default).
type SheetColumn struct {
	Title string
	Width float64
	// titleStyle is the title's look when not StyleHeading.
	titleStyle Style
}

// maxSheetRows is how many rows a sheet takes, its header included:
// Excel's maximum. A variable so that tests can make it small.
var maxSheetRows = excelize.TotalRows

// NewWorkbook starts an empty workbook.
func NewWorkbook() *Workbook {
	f := excelize.NewFile()
	// The sheets of a million-row workbook are some 150 MB of XML;
	// compressing them at the fastest level takes a fraction of the
	// default's time for a file about a third larger.
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
		return zw
	})
	return &Workbook{f: f}
}

// AddSheet adds a sheet named name with the given columns. If any column
// has a title, the sheet starts with a header row of the titles, frozen
// above the rows. A sheet whose rows do not fit Excel's limit continues on
// a sheet of its own, "name 2", "name 3", …, with the same header row.
func (wb *Workbook) AddSheet(name string, columns []SheetColumn) (*Sheet, error) {
	s := &Sheet{wb: wb, name: name, columns: columns}
	for _, c := range columns {
		s.header = s.header || c.Title != ""
	}
	if err := s.start(); err != nil {
		return nil, fmt.Errorf("importer: workbook: %w", err)
	}
	wb.sheets = append(wb.sheets, s)
	return s, nil
}

// Write writes the workbook to w.
func (wb *Workbook) Write(w io.Writer) error {
	for _, s := range wb.sheets {
		if err := s.sw.Flush(); err != nil {
			return fmt.Errorf("importer: workbook: %w", err)
		}
	}
	wb.f.SetActiveSheet(0)
	if err := wb.f.Write(w); err != nil {
		return fmt.Errorf("importer: workbook: %w", err)
	}
	return nil
}

// Close removes the workbook's temporary files.
func (wb *Workbook) Close() error { return wb.f.Close() }

// style returns excelize's ID of a style, making it on first use.
func (wb *Workbook) style(s Style) (int, error) {
	if s == StylePlain || wb.styles[s] != 0 {
		return wb.styles[s], nil
	}
	id, err := wb.f.NewStyle(&styleDefs[s])
	wb.styles[s] = id
	return id, err
}

// cell is v as the StreamWriter takes it, its text neutralised.
func (wb *Workbook) cell(v any, st Style) (any, error) {
	if s, ok := v.(string); ok {
		v = NeutraliseFormula(s)
	}
	if st == StylePlain {
		return v, nil
	}
	id, err := wb.style(st)
	return excelize.Cell{StyleID: id, Value: v}, err
}

// Sheet is a sheet of a Workbook, written row after row.
type Sheet struct {
	wb      *Workbook
	name    string
	columns []SheetColumn
	header  bool // whether the sheet has a header row
	part    int  // 1 on the sheet named name, 2 on "name 2", …
	sw      *excelize.StreamWriter
	row     int // the last row written on the current part
}

// Write writes a row. A string, alone or in a Cell, is written as text
// through NeutraliseFormula; an integer or a float as a number; nil leaves
// the cell empty.
func (s *Sheet) Write(values ...any) error {
	if err := s.write(values); err != nil {
		return fmt.Errorf("importer: workbook: %w", err)
	}
	return nil
}

func (s *Sheet) write(values []any) error {
	if s.row == maxSheetRows {
		if err := s.sw.Flush(); err != nil {
			return err
		}
		if err := s.start(); err != nil {
			return err
		}
	}
	cells := s.wb.cells[:0]
	for _, v := range values {
		st := StylePlain
		if c, ok := v.(Cell); ok {
			v, st = c.Value, c.Style
		}
		c, err := s.wb.cell(v, st)
		if err != nil {
			return err
		}
		cells = append(cells, c)
	}
	s.wb.cells = cells
	s.row++
	return s.sw.SetRow("A"+strconv.Itoa(s.row), cells)
}

// start starts the sheet's next part: its columns' widths, and its header
// row if it has one.
func (s *Sheet) start() error {
	s.part++
	name := s.name
	if s.part > 1 {
		name += " " + strconv.Itoa(s.part)
	}
	var err error
	if len(s.wb.sheets) == 0 && s.part == 1 {
		err = s.wb.f.SetSheetName("Sheet1", name) // a new file's only sheet
	} else {
		_, err = s.wb.f.NewSheet(name)
	}
	if err != nil {
		return err
	}
	if s.sw, err = s.wb.f.NewStreamWriter(name); err != nil {
		return err
	}
	s.row = 0
	for i, c := range s.columns {
		if c.Width > 0 {
			if err := s.sw.SetColWidth(i+1, i+1, c.Width); err != nil {
				return err
			}
		}
	}
	if !s.header {
		return nil
	}
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	titles := make([]any, len(s.columns))
	for i, c := range s.columns {
		st := c.titleStyle
		if st == StylePlain {
			st = StyleHeading
		}
		titles[i] = Cell{Value: c.Title, Style: st}
	}
	return s.write(titles)
}

// NeutraliseFormula keeps a cell from being taken for a formula when a
// spreadsheet opens the file (CSV or formula injection, OWASP): text that
// starts with =, +, -, @, a tab, a carriage return or a NUL gets a leading
// apostrophe, unless it is a plain number (a sign and digits, with single
// dots or commas between digits: -5, -1,5, +905321234567), which no
// spreadsheet can run. Every cell of a Workbook goes through it, and so
// must every cell of a CSV file for a spreadsheet.
func NeutraliseFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', 0:
		if !isPlainNumber(s) {
			return "'" + s
		}
	}
	return s
}

// isPlainNumber reports whether s is an optional sign and digits, with
// single dots or commas between digits.
func isPlainNumber(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	digit := false // whether the last byte was a digit
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			digit = true
		case (c == '.' || c == ',') && digit:
			digit = false
		default:
			return false
		}
	}
	return digit
}
