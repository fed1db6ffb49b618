package importer

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// goodXLSX is a small valid workbook with n data rows.
func goodXLSX(t testing.TB, n int) []byte {
	rs := []string{inlineRow(1, header11...)}
	for i := range n {
		rs = append(rs, inlineRow(i+2, "650123", "BIREYSEL", "Ayşe", "Yılmaz", "05321234567", "", "ONAY", "ONAY", "", "HS_WEB", "11.06.2025 10:30"))
	}
	return zipParts(t, minimalParts([]string{sheetXML(rs...)}, nil))
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	good := goodXLSX(t, 3)
	tests := []struct {
		name string
		data []byte
		file string
		code string
		msg  string
	}{
		{"empty", nil, "a.xlsx", CodeFileEmpty, "boş"},
		{"xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...), "eski.xls", CodeFileXLS, ".xlsx"},
		{"truncated zip", good[:len(good)/2], "yarim.xlsx", CodeFileCorrupt, "Dosya bozuk ya da geçerli bir Excel dosyası değil"},
		{"zip tail cut", good[:len(good)-10], "yarim.xlsx", CodeFileCorrupt, "Dosya bozuk"},
		{"text named xlsx", []byte("marka_kodu;alici_tipi\n1;2\n"), "liste.xlsx", CodeFileCorrupt, "Dosya bozuk"},
		{"html", []byte("<html><body><table><tr><td>marka_kodu</td></tr></table></body></html>"), "rapor.xls", CodeFileUnsupported, "HTML"},
		{"xml 2003", []byte(`<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>`), "a.xml", CodeFileUnsupported, "XML"},
		{"binary", []byte("\x00\x01\x02\x03binary"), "a.bin", CodeFileUnsupported, "tanınmadı"},
		{"zip without workbook", zipParts(t, map[string]string{"readme.txt": "merhaba"}), "a.xlsx", CodeFileCorrupt, "Dosya bozuk"},
		{"ods", zipParts(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}), "a.ods", CodeFileUnsupported, ".ods"},
		{"xlsb", zipParts(t, map[string]string{"xl/workbook.bin": "x"}), "a.xlsb", CodeFileUnsupported, ".xlsb"},
		{"docx", zipParts(t, map[string]string{"word/document.xml": "<w/>"}), "a.docx", CodeFileUnsupported, "Word"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := open(t, tt.data, tt.file, Limits{})
			e := wantCode(t, err, tt.code)
			if !strings.Contains(e.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", e.Message, tt.msg)
			}
		})
	}
}

func truncatedAt(s, at string, plus int) string { return s[:strings.Index(s, at)+plus] }

func TestXLSXMalformed(t *testing.T) {
	head := inlineRow(1, header11...)
	tests := []struct {
		name, sheet string
		code        string
		row         int
	}{
		{"truncated header", sheetXML(head)[:400], CodeFileCorrupt, 1},
		{"truncated in data", truncatedAt(sheetXML(head, inlineRow(2, "650123", "BIREYSEL"), inlineRow(3, "650123", "TACIR")), `<row r="3"`, 30), CodeFileCorrupt, 3},
		{"truncated after data", truncatedAt(sheetXML(head, inlineRow(2, "650123", "BIREYSEL")), `</sheetData>`, 3), CodeFileCorrupt, 2},
		{"unknown entity", sheetXML(head, `<row r="2"><c t="inlineStr"><is><t>a&nbsp;b</t></is></c></row>`), CodeFileCorrupt, 2},
		{"doctype", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>` + sheetXML(head), CodeFileCorrupt, 0},
		{"bad reference", sheetXML(head, `<row r="2"><c r="1A"><v>1</v></c></row>`), CodeFileCorrupt, 2},
		{"bad shared index", sheetXML(head, `<row r="2"><c r="A2" t="s"><v>99</v></c></row>`), CodeFileCorrupt, 2},
		{"bad row number", sheetXML(head, `<row r="x"><c r="A2"><v>1</v></c></row>`), CodeFileCorrupt, 1},
		{"unclosed tag", sheetXML(head, `<row r="2"><c r="A2" t="inlineStr"><is><t>abc`), CodeFileCorrupt, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := zipParts(t, minimalParts([]string{tt.sheet}, nil))
			r, err := open(t, data, "a.xlsx", Limits{})
			if err == nil {
				_, err = readRows(r)
			}
			e := wantCode(t, err, tt.code)
			if e.Row != tt.row {
				t.Errorf("row = %d, want %d (%s)", e.Row, tt.row, e.Message)
			}
			if !strings.Contains(e.Message, "Dosya bozuk ya da geçerli bir Excel dosyası değil") {
				t.Errorf("message = %q", e.Message)
			}
		})
	}
}

func TestXLSXHeaderErrors(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		sheet := sheetXML(inlineRow(1, "Ad", "Soyad", "Kaynak", "Not"), inlineRow(2, "Ali", "Veli"))
		_, err := open(t, zipParts(t, minimalParts([]string{sheet}, nil)), "a.xlsx", Limits{})
		e := wantCode(t, err, CodeHeaderMissing)
		if len(e.Missing) != 4 || e.Missing[0] != ColBrandCode || e.Missing[1] != ColRecipientType {
			t.Errorf("Missing = %v", e.Missing)
		}
		for _, s := range []string{"marka_kodu (Marka Kodu)", "alici_tipi (Alıcı Tipi)", "telefon ya da eposta", "Beklenen başlıklar: marka_kodu, alici_tipi, ad, soyad, telefon, eposta, arama_izni, mesaj_izni, eposta_izni, izin_kaynagi, izin_tarihi"} {
			if !strings.Contains(e.Message, s) {
				t.Errorf("message %q lacks %q", e.Message, s)
			}
		}
	})
	t.Run("best candidate", func(t *testing.T) {
		// Two sheets, neither maps; the error is about the one closer to a header.
		a := sheetXML(inlineRow(1, "Rapor"))
		b := sheetXML(inlineRow(1, "marka_kodu", "alici_tipi", "telefon"))
		_, err := open(t, zipParts(t, minimalParts([]string{a, b}, nil)), "a.xlsx", Limits{})
		e := wantCode(t, err, CodeHeaderMissing)
		if len(e.Missing) != 1 || e.Missing[0] != ColSource {
			t.Errorf("Missing = %v (%s)", e.Missing, e.Message)
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		sheet := sheetXML(inlineRow(1, "marka_kodu", "alici_tipi", "Telefon", "GSM", "izin_kaynagi"))
		_, err := open(t, zipParts(t, minimalParts([]string{sheet}, nil)), "a.xlsx", Limits{})
		e := wantCode(t, err, CodeHeaderDuplicate)
		if len(e.Duplicates) != 1 || strings.Join(e.Duplicates[0], ",") != "Telefon,GSM" || !strings.Contains(e.Message, "«Telefon», «GSM»") {
			t.Errorf("Duplicates = %q, message %q", e.Duplicates, e.Message)
		}
	})
	t.Run("no header", func(t *testing.T) {
		sheet := sheetXML()
		_, err := open(t, zipParts(t, minimalParts([]string{sheet}, nil)), "a.xlsx", Limits{})
		wantCode(t, err, CodeHeaderNotFound)
	})
	t.Run("header below row 10", func(t *testing.T) {
		sheet := sheetXML(inlineRow(11, header11...))
		_, err := open(t, zipParts(t, minimalParts([]string{sheet}, nil)), "a.xlsx", Limits{})
		wantCode(t, err, CodeHeaderNotFound)
	})
	t.Run("only hidden sheets", func(t *testing.T) {
		parts := minimalParts([]string{sheetXML(inlineRow(1, header11...))}, nil)
		parts["xl/workbook.xml"] = strings.Replace(parts["xl/workbook.xml"], `<sheet name="Sayfa1"`, `<sheet state="veryHidden" name="Sayfa1"`, 1)
		_, err := open(t, zipParts(t, parts), "a.xlsx", Limits{})
		wantCode(t, err, CodeHeaderNotFound)
	})
}

func TestXLSXLimits(t *testing.T) {
	t.Run("rows", func(t *testing.T) {
		r := mustOpen(t, goodXLSX(t, 5), "a.xlsx", Limits{MaxRows: 3})
		rows, err := readRows(r)
		e := wantCode(t, err, CodeLimitRows)
		if len(rows) != 3 || e.Row != 5 || !strings.Contains(e.Message, "en çok 3 veri satırı") {
			t.Errorf("rows %d, error row %d: %s", len(rows), e.Row, e.Message)
		}
		if r2 := mustOpen(t, goodXLSX(t, 3), "a.xlsx", Limits{MaxRows: 3}); len(readAll(t, r2)) != 3 {
			t.Error("exactly MaxRows rows must be read")
		}
	})
	t.Run("columns", func(t *testing.T) {
		_, err := open(t, goodXLSX(t, 1), "a.xlsx", Limits{MaxColumns: 8})
		e := wantCode(t, err, CodeLimitColumns)
		if e.Row != 1 || !strings.Contains(e.Message, "en çok 8 sütun") {
			t.Errorf("%+v", e)
		}
		// Wide data rows are fine: cells right of the header are not read.
		sheet := sheetXML(inlineRow(1, header11...), `<row r="2"><c r="A2"><v>1</v></c><c r="XFD2"><v>1</v></c></row>`)
		rows := readAll(t, mustOpen(t, zipParts(t, minimalParts([]string{sheet}, nil)), "a.xlsx", Limits{MaxColumns: 11}))
		if len(rows) != 1 || len(rows[0].Cells) != 11 {
			t.Errorf("rows = %+v", rows)
		}
	})
	t.Run("inline cell", func(t *testing.T) {
		sheet := sheetXML(inlineRow(1, header11...), inlineRow(2, "650123", strings.Repeat("ş", 15)))
		r := mustOpen(t, zipParts(t, minimalParts([]string{sheet}, nil)), "a.xlsx", Limits{MaxCellLength: 15})
		if _, err := readRows(r); err != nil {
			t.Fatalf("15 characters (30 bytes) must fit: %v", err)
		}
		r = mustOpen(t, zipParts(t, minimalParts([]string{sheet}, nil)), "a.xlsx", Limits{MaxCellLength: 14})
		_, err := readRows(r)
		e := wantCode(t, err, CodeLimitCell)
		if e.Row != 2 || !strings.Contains(e.Message, "2. satırın B sütunundaki hücre çok uzun") {
			t.Errorf("%+v", e)
		}
	})
	t.Run("huge raw cell", func(t *testing.T) {
		// A cell of megabytes is refused without being held whole.
		sheet := sheetXML(inlineRow(1, header11...), inlineRow(2, "650123", strings.Repeat("a", 3<<20)))
		r := mustOpen(t, zipParts(t, minimalParts([]string{sheet}, nil)), "a.xlsx", Limits{})
		_, err := readRows(r)
		wantCode(t, err, CodeLimitCell)
	})
	t.Run("shared string", func(t *testing.T) {
		sst := `<sst><si><t>marka_kodu</t></si><si><t>` + strings.Repeat("x", 100) + `</t></si></sst>`
		_, err := open(t, zipParts(t, minimalParts([]string{sheetXML(inlineRow(1, header11...))}, map[string]string{"xl/sharedStrings.xml": sst})), "a.xlsx", Limits{MaxCellLength: 50})
		wantCode(t, err, CodeLimitCell)
	})
	t.Run("shared strings size", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("<sst>")
		for range 2000 {
			b.WriteString("<si><t>" + strings.Repeat("y", 100) + "</t></si>")
		}
		b.WriteString("</sst>")
		// The part itself is over the limit: refused by its declared size.
		_, err := open(t, zipParts(t, minimalParts([]string{sheetXML(inlineRow(1, header11...))}, map[string]string{"xl/sharedStrings.xml": b.String()})), "a.xlsx", Limits{MaxSharedStringsBytes: 100 << 10})
		e := wantCode(t, err, CodeLimitSize)
		if !strings.Contains(e.Message, "paylaşılan metin") || !strings.Contains(e.Message, "100 KB") {
			t.Errorf("message = %q", e.Message)
		}
	})
	t.Run("sheet size", func(t *testing.T) {
		_, err := open(t, goodXLSX(t, 200), "a.xlsx", Limits{MaxSheetBytes: 10 << 10})
		e := wantCode(t, err, CodeLimitSize)
		if !strings.Contains(e.Message, "çalışma sayfası «Sayfa1»") {
			t.Errorf("message = %q", e.Message)
		}
	})
}

// bombZip writes a zip whose only worksheet entry holds the given
// compressed bytes and claims the given sizes.
func bombZip(t testing.TB, sheet []byte, compressed bool, size uint64) []byte {
	t.Helper()
	parts := minimalParts(nil, nil)
	parts["xl/workbook.xml"] = `<workbook ` + nsMain + `><sheets><sheet name="Bomba" sheetId="1" r:id="rId1"/></sheets></workbook>`
	parts["xl/_rels/workbook.xml.rels"] = `<Relationships><Relationship Id="rId1" Type="` + relDoc + `worksheet" Target="worksheets/sheet1.xml"/></Relationships>`
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range parts {
		w, _ := zw.Create(name)
		io.WriteString(w, content)
	}
	data := sheet
	if !compressed {
		var c bytes.Buffer
		fw, _ := flate.NewWriter(&c, flate.BestCompression)
		fw.Write(sheet)
		fw.Close()
		data = c.Bytes()
		if size == 0 {
			size = uint64(len(sheet))
		}
	}
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(sheet), CompressedSize64: uint64(len(data)), UncompressedSize64: size,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXZipBomb(t *testing.T) {
	row := inlineRow(2, "650123", "BIREYSEL", "Ayşe", "Yılmaz", "05321234567")
	t.Run("declared size", func(t *testing.T) {
		// A sheet that claims 10 GiB is refused before anything is
		// decompressed.
		data := bombZip(t, []byte(sheetXML(inlineRow(1, header11...))), false, 10<<30)
		_, err := open(t, data, "bomba.xlsx", Limits{})
		e := wantCode(t, err, CodeLimitSize)
		if !strings.Contains(e.Message, "2 GB") {
			t.Errorf("message = %q", e.Message)
		}
	})
	t.Run("ratio", func(t *testing.T) {
		// 16 MiB of one repeated row compresses about 1000:1.
		sheet := sheetXML(inlineRow(1, header11...), strings.Repeat(row, (16<<20)/len(row)))
		data := bombZip(t, []byte(sheet), false, 0)
		if len(data) > 200<<10 {
			t.Fatalf("bomb is %d bytes", len(data))
		}
		_, err := open(t, data, "bomba.xlsx", Limits{})
		wantCode(t, err, CodeLimitRatio)
	})
	t.Run("lying size", func(t *testing.T) {
		// The directory claims 1 KiB, the data inflates to 16 MiB: the
		// reader stops at the claimed size.
		sheet := sheetXML(inlineRow(1, header11...), strings.Repeat(row, (16<<20)/len(row)))
		data := bombZip(t, []byte(sheet), false, 1<<10)
		r, err := open(t, data, "bomba.xlsx", Limits{})
		if err == nil {
			_, err = readRows(r)
		}
		wantCode(t, err, CodeFileCorrupt)
	})
	t.Run("streamed limit", func(t *testing.T) {
		// Honest sizes under the ratio limit, but more than MaxSheetBytes
		// when the directory is not trusted: the entry reader counts.
		sheet := sheetXML(inlineRow(1, header11...), strings.Repeat(row, 2000))
		pkg := &xlsxPackage{limits: Limits{MaxSheetBytes: 1 << 20}.withDefaults()}
		er := &entryReader{rc: io.NopCloser(strings.NewReader(sheet)), what: "sayfa", max: 64 << 10, compressed: 1 << 30, ratio: 200, ratioMin: 8 << 20}
		_ = pkg
		_, err := io.Copy(io.Discard, er)
		wantCode(t, err, CodeLimitSize)
		er = &entryReader{rc: io.NopCloser(strings.NewReader(sheet)), what: "sayfa", max: 1 << 30, compressed: 100, ratio: 200, ratioMin: 64 << 10}
		_, err = io.Copy(io.Discard, er)
		wantCode(t, err, CodeLimitRatio)
	})
}

// TestXLSXNoPanicOnDamage opens a valid workbook with every single byte of
// its sheet entry damaged in turn (a sample of positions): the reader must
// return rows or an *Error, never panic.
func TestXLSXNoPanicOnDamage(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &header11)
	f.SetSheetRow("Sheet1", "A2", &[]any{650123, "BIREYSEL", "Ayşe", "Yılmaz", 5321234567, "a@b.co", "ONAY", "RET", "ONAY", "HS_WEB", "11.06.2025"})
	good := excelizeBytes(t, f)
	for i := 0; i < len(good); i += 7 {
		bad := bytes.Clone(good)
		bad[i] ^= 0x55
		r, err := open(t, bad, "a.xlsx", Limits{})
		if err != nil {
			continue
		}
		if _, err := readRows(r); err != nil {
			wantCode(t, err, asError(err, 0).Code)
		}
	}
}

func TestZipEntryCount(t *testing.T) {
	parts := map[string]string{}
	for i := range 30 {
		parts["p"+itoa(i)] = "x"
	}
	data := zipParts(t, parts)
	if n, ok := zipEntryCount(bytes.NewReader(data), int64(len(data))); !ok || n != 30 {
		t.Errorf("count = %d %v", n, ok)
	}
	// A directory claiming more entries than a workbook has is refused
	// before archive/zip allocates for them.
	bad := bytes.Clone(data)
	i := bytes.LastIndex(bad, []byte("PK\x05\x06"))
	bad[i+8], bad[i+9], bad[i+10], bad[i+11] = 0x30, 0x75, 0x30, 0x75 // 30000
	_, err := open(t, bad, "a.xlsx", Limits{})
	e := wantCode(t, err, CodeFileCorrupt)
	if !strings.Contains(e.Message, "30000 parça") {
		t.Error(e.Message)
	}
}
