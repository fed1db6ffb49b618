package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// open opens data as an uploaded file named name.
func open(t testing.TB, data []byte, name string, limits Limits) (Reader, error) {
	t.Helper()
	r, err := Open(bytes.NewReader(data), int64(len(data)), name, limits)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Open returned %T %v, want *Error", err, err)
		}
		if e.Message == "" || e.Code == "" {
			t.Fatalf("Open returned an *Error without code or message: %#v", e)
		}
	}
	return r, err
}

// mustOpen opens data and fails the test on error.
func mustOpen(t testing.TB, data []byte, name string, limits Limits) Reader {
	t.Helper()
	r, err := open(t, data, name, limits)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	return r
}

// readAll reads every row; it fails the test on an error.
func readAll(t testing.TB, r Reader) []Row {
	t.Helper()
	rows, err := readRows(r)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return rows
}

// readRows reads rows up to io.EOF or an error.
func readRows(r Reader) ([]Row, error) {
	defer r.Close()
	var rows []Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, row)
	}
}

// wantCode checks that err is an *Error with the code.
func wantCode(t testing.TB, err error, code string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %T %v, want *Error %s", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("error code = %s (%s), want %s", e.Code, e.Message, code)
	}
	return e
}

// excelizeBytes writes an excelize workbook to memory.
func excelizeBytes(t testing.TB, f *excelize.File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipParts builds a zip from part names and contents, in name order.
func zipParts(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(parts)) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, parts[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	nsMain = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	relDoc = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
)

// minimalParts are the parts of a workbook with the given worksheets (XML
// of each, named sheet1.xml, sheet2.xml, …); extra parts are added or
// replace the defaults.
func minimalParts(sheets []string, extra map[string]string) map[string]string {
	var wbSheets, rels strings.Builder
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + relDoc + `officeDocument" Target="xl/workbook.xml"/></Relationships>`,
	}
	for i, s := range sheets {
		n := string(rune('1' + i))
		wbSheets.WriteString(`<sheet name="Sayfa` + n + `" sheetId="` + n + `" r:id="rId` + n + `"/>`)
		rels.WriteString(`<Relationship Id="rId` + n + `" Type="` + relDoc + `worksheet" Target="worksheets/sheet` + n + `.xml"/>`)
		parts["xl/worksheets/sheet"+n+".xml"] = s
	}
	rels.WriteString(`<Relationship Id="rIdS" Type="` + relDoc + `styles" Target="styles.xml"/>`)
	rels.WriteString(`<Relationship Id="rIdT" Type="` + relDoc + `sharedStrings" Target="sharedStrings.xml"/>`)
	parts["xl/workbook.xml"] = `<?xml version="1.0"?><workbook ` + nsMain + `><sheets>` + wbSheets.String() + `</sheets></workbook>`
	parts["xl/_rels/workbook.xml.rels"] = `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels.String() + `</Relationships>`
	maps.Copy(parts, extra)
	return parts
}

// sheetXML wraps row elements in a worksheet.
func sheetXML(rows ...string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet ` + nsMain + `><dimension ref="A1:K9"/><sheetData>` + strings.Join(rows, "") + `</sheetData><pageMargins/></worksheet>`
}

// inlineRow writes a row of inline strings in cells A, B, C, … ("" skips a
// cell).
func inlineRow(n int, cells ...string) string {
	var b strings.Builder
	b.WriteString(`<row r="` + itoa(n) + `">`)
	for i, c := range cells {
		if c == "" {
			continue
		}
		b.WriteString(`<c r="` + columnLetters(i) + itoa(n) + `" t="inlineStr"><is><t>` + xmlEscape(c) + `</t></is></c>`)
	}
	b.WriteString(`</row>`)
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// header11 is the template header.
var header11 = TemplateHeader()
