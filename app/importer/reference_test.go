package importer

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// The differential test: every cell the reader returns is compared with
// what excelize, the reference, reads from the same file.
//
// "Equal" is excelize's text, except where the reader means to differ:
//
//   - A number with a date format (and, in a 1904 workbook, any number in
//     izin_tarihi) is the date excelize's ExcelDateToTime gives, written
//     dd.mm.yyyy or dd.mm.yyyy HH:MM:SS, to the second; a time of day
//     alone (a 1900 serial below 1) as HH:MM:SS. excelize applies the
//     cell's format ("3/15/24 10:20"); the reader keeps a form that
//     consent.ParseDate reads back. A t="d" cell likewise.
//   - Any other number is excelize's General text when that has no
//     exponent, else the same value to Excel's 15 significant digits,
//     written without exponent (a phone number stays 905321234567).
//     Number formats that are not dates ("0.00", "%") are not applied:
//     the reader returns the value, as the formula bar shows it.
//   - Booleans are TRUE and FALSE, as excelize shows them.
//   - Strings, errors and formula results are excelize's raw text.
//
// The rows are the rows excelize has below the header with a non-blank
// cell within the header's width (the reader skips blank rows and ignores
// cells right of the header).

// cellInfo is a cell's t and s attributes, read with encoding/xml
// independently of the reader's scanner.
type cellInfo struct {
	typ   string
	style int
}

// sheetCellInfo reads the t and s attributes of every cell of the only
// worksheet of data, by 1-based row and column.
func sheetCellInfo(t *testing.T, data []byte) map[[2]int]cellInfo {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var sheet *zip.File
	for _, f := range zr.File {
		if n := strings.ToLower(f.Name); strings.HasPrefix(n, "xl/worksheets/") && strings.HasSuffix(n, ".xml") {
			if sheet != nil {
				t.Fatalf("the differential test takes workbooks of one worksheet; %s has more", f.Name)
			}
			sheet = f
		}
	}
	rc, err := sheet.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	info := map[[2]int]cellInfo{}
	dec := xml.NewDecoder(rc)
	row, col := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return info
		}
		if err != nil {
			t.Fatalf("encoding/xml: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "row":
			row, col = row+1, 0
			if r := attr(se, "r"); r != "" {
				if row, err = strconv.Atoi(r); err != nil {
					t.Fatal(err)
				}
			}
		case "c":
			col++
			if r := attr(se, "r"); r != "" {
				if col, _, err = excelize.CellNameToCoordinates(r); err != nil {
					t.Fatal(err)
				}
			}
			c := cellInfo{typ: attr(se, "t")}
			c.style, _ = strconv.Atoi(attr(se, "s"))
			info[[2]int{row, col}] = c
		}
	}
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// reference is what excelize reads from a workbook.
type reference struct {
	raw, shown [][]string
	info       map[[2]int]cellInfo
	date1904   bool
	dateStyle  map[int]bool // style index → has a date format
	general    map[int]bool // style index → General format
}

func readReference(t *testing.T, data []byte, sheet string) *reference {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("excelize: %v", err)
	}
	defer f.Close()
	ref := &reference{info: sheetCellInfo(t, data), dateStyle: map[int]bool{}, general: map[int]bool{}}
	if ref.raw, err = f.GetRows(sheet, excelize.Options{RawCellValue: true}); err != nil {
		t.Fatalf("excelize: %v", err)
	}
	if ref.shown, err = f.GetRows(sheet); err != nil {
		t.Fatalf("excelize: %v", err)
	}
	props, err := f.GetWorkbookProps()
	if err != nil {
		t.Fatal(err)
	}
	ref.date1904 = props.Date1904 != nil && *props.Date1904
	for _, c := range ref.info {
		if _, done := ref.general[c.style]; done {
			continue
		}
		style, err := f.GetStyle(c.style)
		if err != nil {
			ref.general[c.style] = true // no such style: General, as Excel has it
			continue
		}
		if style.CustomNumFmt != nil {
			code := *style.CustomNumFmt
			ref.dateStyle[c.style] = isDateFormat(style.NumFmt, code, true)
			ref.general[c.style] = strings.EqualFold(code, "General")
		} else {
			ref.dateStyle[c.style] = isDateFormat(style.NumFmt, "", false)
			ref.general[c.style] = style.NumFmt == 0
		}
	}
	return ref
}

func (ref *reference) cell(rows [][]string, row, col int) string {
	if row < 1 || row > len(rows) || col < 0 || col >= len(rows[row-1]) {
		return ""
	}
	return rows[row-1][col]
}

// expect returns the text the reader should give for the cell at 1-based
// row and 0-based col, and its date value when it is a date cell of the
// izin_tarihi column dateCol.
func (ref *reference) expect(row, col, dateCol int) (text string, date time.Time) {
	raw, shown := ref.cell(ref.raw, row, col), ref.cell(ref.shown, row, col)
	c := ref.info[[2]int{row, col + 1}]
	switch c.typ {
	case "s", "inlineStr", "str", "e":
		return raw, time.Time{}
	case "b":
		return shown, time.Time{}
	case "d":
		tm, ok := parseISOForTest(raw)
		if !ok {
			return raw, time.Time{}
		}
		return wallClock(tm), tm
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil {
		return strings.TrimSpace(raw), time.Time{}
	}
	if ref.dateStyle[c.style] || ref.date1904 && col == dateCol {
		if !ref.date1904 && f >= 0 && f < 1 && ref.dateStyle[c.style] {
			return time.Unix(int64(math.Round(f*86400)), 0).UTC().Format("15:04:05"), time.Time{}
		}
		tm, err := excelize.ExcelDateToTime(f, ref.date1904)
		if err == nil && tm.Year() < 10000 && (ref.date1904 || f >= 1) {
			tm = tm.Round(time.Second)
			if col != dateCol {
				return wallClock(tm), time.Time{}
			}
			return wallClock(tm), tm
		}
	}
	if ref.general[c.style] && !strings.ContainsAny(shown, "eE") {
		return shown, time.Time{}
	}
	return "number " + strconv.FormatFloat(f, 'g', 15, 64), time.Time{}
}

// wallClock writes a date cell's time as the reader does.
func wallClock(t time.Time) string {
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.Format("02.01.2006")
	}
	return t.Format("02.01.2006 15:04:05")
}

func parseISOForTest(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC), true
		}
	}
	return time.Time{}, false
}

// matches reports whether the reader's text got is the expected text.
// Expectations "number X" take any plain decimal of the same value to 15
// significant digits.
func matches(got, want string) bool {
	n, ok := strings.CutPrefix(want, "number ")
	if !ok {
		return got == want
	}
	f, err := strconv.ParseFloat(got, 64)
	return err == nil && !strings.ContainsAny(got, "eE") && strconv.FormatFloat(f, 'g', 15, 64) == n
}

// compareWithExcelize reads data with the reader and with excelize and
// compares the header, the rows and every cell. It returns the number of
// data rows.
func compareWithExcelize(t *testing.T, data []byte) int {
	t.Helper()
	r := mustOpen(t, data, "a.xlsx", Limits{})
	h := r.Header()
	rows := readAll(t, r)
	ref := readReference(t, data, h.Sheet)
	dateCol := -1
	if i, ok := h.Mapping.Index(ColConsentDate); ok {
		dateCol = i
	}
	errs := 0
	check := func(row int, cells []string, date time.Time) {
		t.Helper()
		for col, got := range cells {
			want, wantDate := ref.expect(row, col, dateCol)
			if !matches(got, want) && errs < 20 {
				errs++
				t.Errorf("%s%d = %q, excelize reads %q (raw %q) as %q", columnLetters(col), row, got, ref.cell(ref.shown, row, col), ref.cell(ref.raw, row, col), want)
			}
			if col == dateCol && !date.Equal(wantDate) && errs < 20 {
				errs++
				t.Errorf("%s%d: date value %v, excelize %v", columnLetters(col), row, date, wantDate)
			}
		}
	}
	check(h.Row, h.Cells, time.Time{})
	var want []int
	for row := h.Row + 1; row <= len(ref.raw); row++ {
		for col := range len(h.Cells) {
			if text, _ := ref.expect(row, col, dateCol); !blank(text) {
				want = append(want, row)
				break
			}
		}
	}
	var got []int
	for _, row := range rows {
		got = append(got, row.Number)
		if len(row.Cells) != len(h.Cells) {
			t.Errorf("row %d has %d cells, the header %d", row.Number, len(row.Cells), len(h.Cells))
		}
		check(row.Number, row.Cells, row.Input.ConsentDateValue)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the reader reads %d rows, excelize has %d below the header:\n got  %v\n want %v", len(got), len(want), firstInts(got), firstInts(want))
	}
	return len(rows)
}

func firstInts(ns []int) []int { return ns[:min(len(ns), 30)] }

// TestDifferentialHandMade compares the hand-made workbooks with excelize.
func TestDifferentialHandMade(t *testing.T) {
	for _, b := range handBooks {
		t.Run(b.name, func(t *testing.T) {
			if n := compareWithExcelize(t, b.xlsx(t)); n < 3 {
				t.Errorf("only %d rows", n)
			}
		})
	}
}

// A writer makes a workbook of n consent rows at path.
type writer struct {
	name    string // also the fixture's name in testdata, with .xlsx
	need    func(testing.TB) string
	write   func(program string, n int, path string) error
	fixture int // rows of the committed fixture
	rows    int // rows of the workbook generated for the test
}

var writers = []writer{
	{"libreoffice-csv", needLibreOffice, libreOfficeConsentList, 40, 5000},
	{"libreoffice", needLibreOffice, libreOfficeResaved, 40, 5000},
	{"openpyxl", needOpenpyxl, func(py string, n int, path string) error { return openpyxlConsentList(py, n, false, path) }, 40, 5000},
	{"openpyxl-write-only", needOpenpyxl, func(py string, n int, path string) error { return openpyxlConsentList(py, n, true, path) }, 40, 5000},
	{"excelize", func(testing.TB) string { return "" }, func(_ string, n int, path string) error { return excelizeConsentList(n, false, path) }, 0, 5000},
	{"excelize-stream", func(testing.TB) string { return "" }, func(_ string, n int, path string) error { return excelizeConsentList(n, true, path) }, 0, 5000},
}

// libreOfficeResaved writes the openpyxl workbook (dates, booleans,
// formulas, escapes) and saves it again with LibreOffice Calc: shared
// strings, cached formula results, booleans, errors and Calc's styles.
func libreOfficeResaved(program string, n int, path string) error {
	python := openpyxlPython()
	if python == "" {
		return fmt.Errorf("openpyxl is needed to write the workbook LibreOffice saves again")
	}
	dir, err := os.MkdirTemp("", "iysgate-lo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "openpyxl.xlsx")
	if err := openpyxlConsentList(python, n, false, src); err != nil {
		return err
	}
	outDir := filepath.Join(dir, "out")
	if err := os.Mkdir(outDir, 0o755); err != nil {
		return err
	}
	out, err := libreOfficeConvert(program, src, outDir)
	if err != nil {
		return err
	}
	return os.Rename(out, path)
}

// TestDifferentialWriters compares workbooks written by LibreOffice Calc,
// openpyxl and excelize with excelize's reading of them: the committed
// fixtures (small, read everywhere, also at every refill boundary), and
// larger ones generated when the writer is installed.
//
//	go test ./app/importer -run TestDifferentialWriters -update
//
// rewrites the fixtures in testdata.
func TestDifferentialWriters(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			if w.fixture > 0 {
				fixture := filepath.Join("testdata", w.name+".xlsx")
				if *update {
					if err := w.write(w.need(t), w.fixture, fixture); err != nil {
						t.Fatal(err)
					}
				}
				data, err := os.ReadFile(fixture)
				if err != nil {
					t.Fatal(err)
				}
				if len(data) > 20<<10 {
					t.Errorf("%s is %d bytes; keep fixtures under 20 KB", fixture, len(data))
				}
				if n := compareWithExcelize(t, data); n != w.fixture {
					t.Errorf("%s: %d rows, want %d", fixture, n, w.fixture)
				}
				checkBoundaries(t, data)
			}
			program := w.need(t)
			path := filepath.Join(t.TempDir(), w.name+".xlsx")
			if err := w.write(program, w.rows, path); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if n := compareWithExcelize(t, data); n != w.rows {
				t.Errorf("%d rows, want %d", n, w.rows)
			}
		})
	}
}
