package importer

import (
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/xuri/excelize/v2"

	"iysgate/app/consent"
)

// ErrorRow is one row of an error workbook: a row of the uploaded file and
// the problems found in it.
type ErrorRow struct {
	// Number is the row's 1-based number in the uploaded file.
	Number int
	// Cells are the row's original cells (Row.Cells).
	Cells []string
	// Problems are the row's problems, errors and whichever warnings the
	// caller wants the user to see.
	Problems []consent.Problem
}

// The titles of the columns WriteErrorWorkbook adds after the original
// ones.
const (
	ErrorColumnRow     = "Satır"
	ErrorColumnCode    = "Hata Kodu"
	ErrorColumnMessage = "Hata"
	ErrorColumnHint    = "Öneri"
)

// ErrorSheet is the name of the error workbook's sheet; when the rows do
// not fit one sheet, the next ones are "Hatalar 2", "Hatalar 3", ….
const ErrorSheet = "Hatalar"

// errorRowsPerSheet is how many rows a sheet of the error workbook takes
// below its header: Excel's maximum of 1,048,576 rows, less the header. A
// variable so that tests can make it small.
var errorRowsPerSheet = 1_048_575

// WriteErrorWorkbook writes the rows of an import that have problems as an
// .xlsx workbook to w, streaming (excelize's StreamWriter), so that the
// user can correct them and upload the file again.
//
// header is the uploaded file's header row (Header.Cells). Each row is
// written as it was uploaded (its cells up to the header's width),
// followed by four columns: "Satır" (the row
// number in the uploaded file), "Hata Kodu", "Hata" and "Öneri". A row
// with several problems stays one row, with one line per problem in each
// of the last three columns (joined with newlines, in the same order), so
// the workbook keeps the shape of the upload: it maps with the same header
// (the four added columns are ignored on upload) and can be uploaded again
// once corrected. Each line of "Hata" names the column the problem concerns
// ("telefon: Telefon numarası geçersiz."); warnings start with "Uyarı:".
// The cells of the columns with an error are shaded red.
//
// A cell that starts with =, +, -, @, a tab or a carriage return is written
// with a leading apostrophe, so that no spreadsheet runs it as a formula
// (CSV/formula injection); a plain E.164 phone number such as
// +905321234567 is left as it is.
//
// rows yields the rows in order; an error it yields stops the writing and
// is returned.
func WriteErrorWorkbook(w io.Writer, header []string, rows iter.Seq2[ErrorRow, error]) error {
	f := excelize.NewFile()
	defer f.Close()
	ew, err := newErrorWriter(f, header)
	if err != nil {
		return err
	}
	for row, rerr := range rows {
		if rerr != nil {
			return rerr
		}
		if err := ew.write(row); err != nil {
			return fmt.Errorf("importer: error workbook: %w", err)
		}
	}
	if err := ew.sw.Flush(); err != nil {
		return fmt.Errorf("importer: error workbook: %w", err)
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

type errorWriter struct {
	f          *excelize.File
	header     []string
	mapping    Mapping
	sw         *excelize.StreamWriter
	sheets     int
	row        int // last row written on the current sheet
	headStyle  int
	probHead   int
	wrapStyle  int
	errorStyle int
	values     []any
}

func newErrorWriter(f *excelize.File, header []string) (*errorWriter, error) {
	ew := &errorWriter{f: f, header: header}
	ew.mapping, _ = mapHeader(header)
	var err error
	if ew.headStyle, err = f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
	}); err != nil {
		return nil, err
	}
	if ew.probHead, err = f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true, Color: "9C0006"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}},
	}); err != nil {
		return nil, err
	}
	if ew.wrapStyle, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}); err != nil {
		return nil, err
	}
	if ew.errorStyle, err = f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Color: "9C0006"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}},
	}); err != nil {
		return nil, err
	}
	if err := ew.newSheet(); err != nil {
		return nil, err
	}
	return ew, nil
}

// newSheet starts the next sheet and writes its header row.
func (ew *errorWriter) newSheet() error {
	if ew.sw != nil {
		if err := ew.sw.Flush(); err != nil {
			return err
		}
	}
	ew.sheets++
	name := ErrorSheet
	if ew.sheets == 1 {
		if err := ew.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else {
		name = fmt.Sprintf("%s %d", ErrorSheet, ew.sheets)
		if _, err := ew.f.NewSheet(name); err != nil {
			return err
		}
	}
	sw, err := ew.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	ew.sw, ew.row = sw, 1
	n := len(ew.header)
	if n > 0 {
		if err := sw.SetColWidth(1, n, 16); err != nil {
			return err
		}
	}
	for i, wd := range []float64{8, 24, 60, 60} {
		if err := sw.SetColWidth(n+1+i, n+1+i, wd); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, 0, n+4)
	for _, h := range ew.header {
		head = append(head, excelize.Cell{StyleID: ew.headStyle, Value: neutralise(h)})
	}
	for _, h := range []string{ErrorColumnRow, ErrorColumnCode, ErrorColumnMessage, ErrorColumnHint} {
		head = append(head, excelize.Cell{StyleID: ew.probHead, Value: h})
	}
	return sw.SetRow("A1", head)
}

func (ew *errorWriter) write(r ErrorRow) error {
	if ew.row > errorRowsPerSheet {
		if err := ew.newSheet(); err != nil {
			return err
		}
	}
	n := len(ew.header) // cells right of the header have no column
	bad := map[int]bool{}
	codes := make([]string, 0, len(r.Problems))
	msgs := make([]string, 0, len(r.Problems))
	hints := make([]string, 0, len(r.Problems))
	for _, p := range r.Problems {
		msg := p.Message
		if c, ok := ColumnForField(p.Field); ok {
			if i, ok := ew.mapping.Index(c); ok && i < len(ew.header) {
				msg = strings.TrimSpace(ew.header[i]) + ": " + msg
				if p.IsError() {
					bad[i] = true
				}
			} else {
				msg = c.Name() + ": " + msg
			}
		}
		if p.Severity == consent.SeverityWarning {
			msg = "Uyarı: " + msg
		}
		codes = append(codes, p.Code)
		msgs = append(msgs, msg)
		hints = append(hints, p.Hint)
	}
	vals := ew.values[:0]
	for i := range n {
		v := ""
		if i < len(r.Cells) {
			v = neutralise(r.Cells[i])
		}
		if bad[i] {
			vals = append(vals, excelize.Cell{StyleID: ew.errorStyle, Value: v})
			continue
		}
		vals = append(vals, v)
	}
	vals = append(vals,
		r.Number,
		excelize.Cell{StyleID: ew.wrapStyle, Value: strings.Join(codes, "\n")},
		excelize.Cell{StyleID: ew.wrapStyle, Value: strings.Join(msgs, "\n")},
		excelize.Cell{StyleID: ew.wrapStyle, Value: strings.TrimRight(strings.Join(hints, "\n"), "\n")},
	)
	ew.values = vals
	ew.row++
	cell, err := excelize.CoordinatesToCellName(1, ew.row)
	if err != nil {
		return err
	}
	return ew.sw.SetRow(cell, vals)
}

// neutralise puts an apostrophe before text that a spreadsheet could take
// for a formula: text starting with =, +, -, @, a tab or a carriage return.
// A plain E.164 phone number (+ and 7 to 15 digits) is left as it is.
func neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if isE164(s) {
			return s
		}
		return "'" + s
	}
	return s
}

func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
