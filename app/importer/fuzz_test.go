package importer

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to Open and reads every row: the reader
// must return rows, io.EOF or an *Error, and never panic.
func FuzzOpen(f *testing.F) {
	f.Add(goodXLSX(f, 2), "a.xlsx")
	f.Add([]byte("marka_kodu;alici_tipi;telefon;izin_kaynagi\n650123;BIREYSEL;05321234567;HS_WEB\n"), "a.csv")
	f.Add([]byte("\xEF\xBB\xBFsep=,\nmarka_kodu,alici_tipi,eposta,izin_kaynagi\n\"1\",\"2\"\"\",3,4\n"), "a.csv")
	f.Add([]byte{0xFF, 0xFE, 'm', 0, ';', 0}, "a.txt")
	f.Add(zipParts(f, minimalParts([]string{sheetXML(inlineRow(1, header11...), `<row><c t="s"><v>0</v></c><c t="d"><v>x</v></c><c s="9"><v>1e308</v></c></row>`)}, map[string]string{
		"xl/sharedStrings.xml": `<sst><si><r><t>a_x0041_</t></r><rPh><t>b</t></rPh></si></sst>`,
		"xl/styles.xml":        `<styleSheet><numFmts><numFmt numFmtId="200" formatCode="yy"/></numFmts><cellXfs><xf numFmtId="200"/></cellXfs></styleSheet>`,
	})), "b.xlsx")
	limits := Limits{MaxSheetBytes: 1 << 20, MaxSharedStringsBytes: 1 << 20, MaxPartBytes: 1 << 20, MaxRows: 1000, MaxCellLength: 1000}
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		r, err := Open(bytes.NewReader(data), int64(len(data)), name, limits)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Message == "" {
				t.Fatalf("Open: %T %v", err, err)
			}
			return
		}
		defer r.Close()
		w := len(r.Header().Cells)
		for {
			row, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Message == "" {
					t.Fatalf("Next: %T %v", err, err)
				}
				return
			}
			if len(row.Cells) != w {
				t.Fatalf("row %d has %d cells, header %d", row.Number, len(row.Cells), w)
			}
		}
	})
}
