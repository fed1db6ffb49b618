package importer

import (
	"io"
	"iter"
	"strings"

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

// WriteErrorWorkbook writes the rows of an import that have problems as an
// .xlsx workbook to w, streaming (a [Workbook]), so that the user can
// correct them and upload the file again.
//
// header is the uploaded file's header row (Header.Cells). Each row is
// written as it was uploaded (its cells up to the header's width),
// followed by four columns: "Satır" (the row number in the uploaded file),
// "Hata Kodu", "Hata" and "Öneri". A row with several problems stays one
// row, with one line per problem in each of the last three columns (joined
// with newlines, in the same order), so the workbook keeps the shape of
// the upload: it maps with the same header (the four added columns are
// ignored on upload) and can be uploaded again once corrected. Each line
// of "Hata" names the column the problem concerns ("telefon: Telefon
// numarası geçersiz."); warnings start with "Uyarı:".
// The cells of the columns with an error are shaded red.
//
// A cell that a spreadsheet could run as a formula is written with a
// leading apostrophe ([NeutraliseFormula]); phone numbers such as
// +905321234567 are left as they are.
//
// rows yields the rows in order; an error it yields stops the writing and
// is returned.
func WriteErrorWorkbook(w io.Writer, header []string, rows iter.Seq2[ErrorRow, error]) error {
	return WriteErrorWorkbookMapped(w, header, nil, rows)
}

// WriteErrorWorkbookMapped is WriteErrorWorkbook for an upload whose
// columns were assigned (a user's mapping, or a profile): cols is the
// column of each header cell (Ignore for none), so that each problem names
// the file's own header and its cell is shaded. nil cols map the header
// by its names, as WriteErrorWorkbook does.
func WriteErrorWorkbookMapped(w io.Writer, header []string, cols []Column, rows iter.Seq2[ErrorRow, error]) error {
	wb := NewWorkbook()
	defer wb.Close()
	ew, err := newErrorWriter(wb, header)
	if err != nil {
		return err
	}
	if cols != nil {
		ew.mapping = Mapping{Width: len(header)}
		for i, c := range cols {
			if c >= 0 && c < numColumns && i < len(header) && ew.mapping.index[c] == 0 {
				ew.mapping.index[c] = i + 1
			}
		}
	}
	for row, rerr := range rows {
		if rerr != nil {
			return rerr
		}
		if err := ew.write(row); err != nil {
			return err
		}
	}
	return wb.Write(w)
}

type errorWriter struct {
	sheet   *Sheet
	header  []string
	mapping Mapping
	cells   []any
}

func newErrorWriter(wb *Workbook, header []string) (*errorWriter, error) {
	ew := &errorWriter{header: header}
	ew.mapping, _ = mapHeader(header)
	columns := make([]SheetColumn, 0, len(header)+4)
	for _, h := range header {
		columns = append(columns, SheetColumn{Title: h, Width: 16})
	}
	for _, c := range []SheetColumn{{Title: ErrorColumnRow, Width: 8}, {Title: ErrorColumnCode, Width: 24},
		{Title: ErrorColumnMessage, Width: 60}, {Title: ErrorColumnHint, Width: 60}} {
		c.titleStyle = styleProblemHeading
		columns = append(columns, c)
	}
	var err error
	if ew.sheet, err = wb.AddSheet(ErrorSheet, columns); err != nil {
		return nil, err
	}
	return ew, nil
}

func (ew *errorWriter) write(r ErrorRow) error {
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
	cells := ew.cells[:0]
	for i := range n {
		v := ""
		if i < len(r.Cells) {
			v = r.Cells[i]
		}
		if bad[i] {
			cells = append(cells, Cell{Value: v, Style: styleProblem})
			continue
		}
		cells = append(cells, v)
	}
	cells = append(cells,
		r.Number,
		Cell{Value: strings.Join(codes, "\n"), Style: styleWrapped},
		Cell{Value: strings.Join(msgs, "\n"), Style: styleWrapped},
		Cell{Value: strings.TrimRight(strings.Join(hints, "\n"), "\n"), Style: styleWrapped},
	)
	ew.cells = cells
	return ew.sheet.Write(cells...)
}
