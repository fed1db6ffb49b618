package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// The boundary tests read a workbook with the scanner's buffer and its
// refills cut down to a few bytes, so that every token of every streamed
// part (worksheet, shared strings, styles, workbook, relationships) lands
// across a refill at every possible offset, and check that what a user
// sees (header, rows, or the error) is what a normal read gives.

// readOutcome is everything a caller sees of reading data: the header and
// rows, or the error, as text to compare and print.
func readOutcome(data []byte) string {
	var b strings.Builder
	r, err := Open(bytes.NewReader(data), int64(len(data)), "a.xlsx", Limits{})
	if err == nil {
		h := r.Header()
		fmt.Fprintf(&b, "header row %d sheet %q skipped %q cells %q mapping %+v\n", h.Row, h.Sheet, h.SkippedSheets, h.Cells, h.Mapping)
		var rows []Row
		rows, err = readRows(r)
		for _, row := range rows {
			fmt.Fprintf(&b, "row %d %q %+v\n", row.Number, row.Cells, row.Input)
		}
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return fmt.Sprintf("not an *Error: %T %v", err, err)
		}
		fmt.Fprintf(&b, "error %s row %d: %s (%v)\n", e.Code, e.Row, e.Message, e.Err)
	}
	return b.String()
}

// withScanSizes runs f with the scanner's initial buffer and refill size
// set (0: the default).
func withScanSizes(bufSize, readMax int, f func()) {
	defer func(b, r int) { scanBufSize, scanReadMax = b, r }(scanBufSize, scanReadMax)
	if bufSize > 0 {
		scanBufSize = bufSize
	}
	scanReadMax = readMax
	f()
}

// withReadAhead runs f with every part read ahead (see readAhead), in two
// chunks of chunk bytes, with two Ps at least.
func withReadAhead(chunk int, f func()) {
	defer func(m int64, c, n int) { readAheadMin, readAheadChunk, readAheadChunks = m, c, n }(readAheadMin, readAheadChunk, readAheadChunks)
	readAheadMin, readAheadChunk, readAheadChunks = 0, chunk, 2
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	f()
}

// shifted returns the workbook with pad spaces before the root element of
// each XML part, stored without compression, so that a refill of n bytes
// ends at every offset of every part as pad goes from 0 to n-1.
func shifted(t testing.TB, data []byte, pad int) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if name := strings.ToLower(f.Name); strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels") {
			content = padXML(content, pad)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(content)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// padXML inserts pad spaces after the XML declaration (white space before
// the root element is allowed; before the declaration it is not).
func padXML(doc []byte, pad int) []byte {
	at := 0
	if end := bytes.Index(doc, []byte("?>")); bytes.HasPrefix(doc, []byte("<?xml")) && end >= 0 {
		at = end + 2
	}
	out := make([]byte, 0, len(doc)+pad)
	out = append(out, doc[:at]...)
	out = append(out, bytes.Repeat([]byte{' '}, pad)...)
	return append(out, doc[at:]...)
}

// refillSizes are the refill sizes the boundary test uses; with each, the
// content is shifted by every offset below it.
var refillSizes = []int{1, 2, 3, 7, 13, 64}

// checkBoundaries reads data with tiny buffers and refills at every shift
// and compares with a normal read.
func checkBoundaries(t *testing.T, data []byte) {
	t.Helper()
	want := readOutcome(data)
	for _, n := range refillSizes {
		for pad := range n {
			var got string
			withScanSizes(n, n, func() { got = readOutcome(shifted(t, data, pad)) })
			if got != want {
				t.Fatalf("refills of %d bytes, shifted by %d: the reader reads differently:\n%s", n, pad, firstDiff(got, want))
			}
		}
	}
	// Parts read ahead in another goroutine, in chunks of a few bytes.
	for _, n := range []int{1, 7} {
		for pad := range n {
			var got string
			withReadAhead(n, func() { got = readOutcome(shifted(t, data, pad)) })
			if got != want {
				t.Fatalf("read ahead in chunks of %d bytes, shifted by %d: the reader reads differently:\n%s", n, pad, firstDiff(got, want))
			}
		}
	}
	// A small buffer that grows, with refills as large as it is.
	for _, size := range []int{1, 100, 4096} {
		var got string
		withScanSizes(size, 0, func() { got = readOutcome(shifted(t, data, 0)) })
		if got != want {
			t.Fatalf("buffer of %d bytes: the reader reads differently:\n%s", size, firstDiff(got, want))
		}
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, gl, wl)
		}
	}
	return "(no difference)"
}

// TestBoundariesHandMade splits every hand-made workbook at every byte.
func TestBoundariesHandMade(t *testing.T) {
	for _, b := range handBooks {
		t.Run(b.name, func(t *testing.T) { checkBoundaries(t, b.xlsx(t)) })
	}
}

// TestBoundariesErrors splits broken workbooks at every byte: the error,
// its row and the rows before it do not depend on where refills fall.
func TestBoundariesErrors(t *testing.T) {
	head := inlineRow(1, header11...)
	good := `<row r="2"><c r="A2"><v>650123</v></c><c r="B2" t="s"><v>0</v></c><c r="E2" t="n"><v>905321234567</v></c></row>`
	sst := `<sst><si><t>BIREYSEL</t></si></sst>`
	wide := `<row r="1">` + strings.TrimPrefix(strings.TrimSuffix(head, `</row>`), `<row r="1">`) + `<c r="GT1" t="inlineStr"><is><t>fazla</t></is></c></row>`
	tests := []struct {
		name       string
		sheet, sst string
	}{
		{"shared string out of range", sheetXML(head, good, `<row r="3"><c r="A3" t="s"><v>1</v></c></row>`), sst},
		{"bad shared string index", sheetXML(head, good, `<row r="3"><c r="A3" t="s"><v>x</v></c></row>`), sst},
		{"truncated in a cell", truncatedAt(sheetXML(head, good, good), `<row r="2"`, 150), sst},
		{"unknown entity", sheetXML(head, good, `<row r="3"><c r="A3" t="inlineStr"><is><t>a&nbsp;b</t></is></c></row>`), sst},
		{"cell too long", sheetXML(head, good, `<row r="3"><c r="C3" t="inlineStr"><is><t>`+strings.Repeat("a", DefaultMaxCellLength+1)+`</t></is></c></row>`), sst},
		{"header too wide", sheetXML(wide, good), sst},
		{"truncated shared strings", sheetXML(head, good), `<sst><si><t>BIREY`},
		{"NUL byte in a cell", sheetXML(head, good, "<row r=\"3\"><c r=\"C3\" t=\"inlineStr\"><is><t>a\x00b</t></is></c></row>"), sst},
		{"NUL byte in a tag", sheetXML(head, good, "<row r=\"3\"><c r=\"C3\"\x00><v>1</v></c></row>"), sst},
		{"NUL byte in shared strings", sheetXML(head, good), "<sst><si><t>BIREY\x00SEL</t></si></sst>"},
		{"shared string too long", sheetXML(head, good), `<sst><si><t>` + strings.Repeat("ş", DefaultMaxCellLength+1) + `</t></si></sst>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := zipParts(t, minimalParts([]string{tt.sheet}, map[string]string{"xl/sharedStrings.xml": tt.sst}))
			if out := readOutcome(data); !strings.Contains(out, "error ") {
				t.Fatalf("no error:\n%s", out)
			}
			checkBoundaries(t, data)
		})
	}
}

// FuzzSheetBoundaries reads arbitrary worksheet and shared strings XML
// with refills of 1 to 64 bytes, shifted, and with the default buffer:
// the outcome (rows or error) must be the same, and an error an *Error.
//
//	go test ./app/importer -run '^$' -fuzz FuzzSheetBoundaries -fuzztime 60s -fuzzminimizetime 2s
//
// (Minimising a new input rereads it thousands of times; the default of a
// minute per input leaves little time for fuzzing.)
func FuzzSheetBoundaries(f *testing.F) {
	// Inputs stay small: each is read twice, once a byte at a time, and
	// the fuzzer minimises what it finds by rereading it many times.
	const maxInput = 16 << 10
	for _, b := range handBooks {
		if len(b.sheet)+len(b.sst) <= maxInput {
			f.Add([]byte(b.sheet), []byte(b.sst), uint8(0), uint8(0))
		}
	}
	f.Add([]byte(sheetXML(inlineRow(1, header11...), `<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="n"><v>905321234567</v></c></row>`)),
		[]byte(`<sst><si><t>650123</t></si></sst>`), uint8(6), uint8(3))
	f.Fuzz(func(t *testing.T, sheet, sst []byte, refill, pad uint8) {
		if len(sheet)+len(sst) > maxInput {
			t.Skip()
		}
		parts := minimalParts([]string{string(sheet)}, map[string]string{"xl/sharedStrings.xml": string(sst)})
		data := zipParts(t, parts)
		want := readOutcome(data)
		if strings.HasPrefix(want, "not an *Error") {
			t.Fatal(want)
		}
		n := 1 + int(refill)%64
		var got string
		withScanSizes(n, n, func() { got = readOutcome(shifted(t, data, int(pad)%n)) })
		if got != want {
			t.Fatalf("refills of %d bytes, shifted by %d: the reader reads differently:\n%s", n, int(pad)%n, firstDiff(got, want))
		}
	})
}
