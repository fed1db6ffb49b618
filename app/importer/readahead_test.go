package importer

import (
	"runtime"
	"testing"
	"time"
)

// TestReadAheadErrors runs the tests of broken, hostile and oversized
// workbooks with every part read ahead in small chunks: the errors are the
// same as when the parser reads the parts itself. (The boundary tests
// compare the rows.)
func TestReadAheadErrors(t *testing.T) {
	withReadAhead(64, func() {
		t.Run("malformed", TestXLSXMalformed)
		t.Run("NUL", TestXLSXNULByte)
		t.Run("limits", TestXLSXLimits)
		t.Run("zip bomb", TestXLSXZipBomb)
		t.Run("damage", TestXLSXNoPanicOnDamage)
		t.Run("progress", TestXLSXProgress)
	})
}

// TestReadAheadGoroutines checks that no read-ahead goroutine outlives its
// reader: read to the end, closed half way, failed, or refused by Open.
func TestReadAheadGoroutines(t *testing.T) {
	good := goodXLSX(t, 300)
	badRow := zipParts(t, minimalParts([]string{sheetXML(inlineRow(1, header11...), inlineRow(2, "650123"), `<row r="3"><c r="A3" t="s"><v>7</v></c></row>`, inlineRow(4, "650123"))}, nil))
	noHeader := zipParts(t, minimalParts([]string{sheetXML(inlineRow(1, "Ad", "Soyad"), inlineRow(2, "Ali", "Veli"))}, map[string]string{
		"xl/sharedStrings.xml": `<sst><si><t>a</t></si></sst>`,
	}))
	withReadAhead(16, func() {
		base := runtime.NumGoroutine()
		readAll(t, mustOpen(t, good, "a.xlsx", Limits{}))

		r := mustOpen(t, good, "a.xlsx", Limits{})
		for range 3 {
			if _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
		}
		r.Close()

		if _, err := readRows(mustOpen(t, badRow, "a.xlsx", Limits{})); err == nil {
			t.Error("a shared string out of range was read")
		}
		if _, err := open(t, noHeader, "a.xlsx", Limits{}); err == nil {
			t.Error("a sheet without a header was opened")
		}
		// A goroutine whose Close has returned is at its very end.
		for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > base && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > base {
			t.Errorf("%d goroutines left running, %d before", n, base)
		}
	})
}
