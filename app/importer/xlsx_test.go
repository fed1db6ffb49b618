package importer

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"iysgate/app/consent"
)

// TestXLSXFromExcel reads a workbook written by excelize's normal writer
// (shared strings, styles), as Excel writes them: a hidden first sheet, a
// sheet without a header, a title row above the header, header synonyms,
// phones as numbers and as text, dates as date cells, as text and as serial
// numbers, booleans, an empty row and an ignored column.
func TestXLSXFromExcel(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "Gizli"))
	must(f.SetSheetRow("Gizli", "A1", &header11))
	must(f.SetSheetRow("Gizli", "A2", &[]any{"999999", "BIREYSEL", "", "", "5551112233"}))
	_, err := f.NewSheet("Notlar")
	must(err)
	must(f.SetCellValue("Notlar", "A1", "Bu sayfada izin yok"))
	liste, err := f.NewSheet("Liste")
	must(err)
	f.SetActiveSheet(liste)
	must(f.SetSheetVisible("Gizli", false))

	dateTime, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	must(err)
	custom := "dd/mm/yyyy"
	dateOnly, err := f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
	must(err)
	textFmt := `"Tarih: "0`
	notDate, err := f.NewStyle(&excelize.Style{CustomNumFmt: &textFmt})
	must(err)

	const sh = "Liste"
	must(f.SetCellValue(sh, "A1", "Müşteri İzin Listesi"))
	must(f.SetSheetRow(sh, "A3", &[]any{"Marka No", "Tip", "Adı", "Soyadı", "GSM", "E-mail", "Arama", "SMS İzni", "Eposta İzni", "Kaynak", "Onay Tarihi", "Notlar"}))
	signed := time.Date(2025, 6, 11, 10, 30, 0, 0, time.UTC)
	must(f.SetSheetRow(sh, "A4", &[]any{650123, "BIREYSEL", "Ayşe", "Yılmaz", 5321234567, "ayse@example.com", "ONAY", "RET", "ONAY", "HS_WEB", signed}))
	must(f.SetCellStyle(sh, "K4", "K4", dateTime))
	must(f.SetSheetRow(sh, "A5", &[]any{"650123", "tacir", "", "", "0532 123 45 67", "", "evet", "", "", "Fiziksel Ortam", "11.06.2025 10:30"}))
	must(f.SetSheetRow(sh, "A7", &[]any{650123, "Bireysel", "Ali", "Veli", 905321234567.0, "ali@example.com", 1, 0, "", "HS_ISLAK_IMZA", 45819.4375}))
	must(f.SetSheetRow(sh, "A8", &[]any{650123, "BIREYSEL", "", "", "+905321234567", "", true, false, "", "HS_WEB", time.Date(2025, 6, 12, 0, 0, 0, 0, time.UTC), 7}))
	must(f.SetCellStyle(sh, "K8", "K8", dateOnly))
	must(f.SetCellStyle(sh, "L8", "L8", notDate))
	must(f.SetCellValue(sh, "L9", "yalnızca not"))
	must(f.SetCellValue(sh, "M4", "başlığın sağında"))

	r := mustOpen(t, excelizeBytes(t, f), "liste.xlsx", Limits{})
	h := r.Header()
	if h.Format != FormatXLSX || h.Sheet != "Liste" || h.Row != 3 {
		t.Fatalf("header = %s %q row %d, want xlsx Liste row 3", h.Format, h.Sheet, h.Row)
	}
	if strings.Join(h.SkippedSheets, ",") != "Gizli,Notlar" {
		t.Errorf("SkippedSheets = %q", h.SkippedSheets)
	}
	if strings.Join(h.Mapping.Ignored, ",") != "Notlar" || h.Mapping.Width != 12 || len(h.Cells) != 12 {
		t.Errorf("Ignored = %q, Width = %d, Cells = %q", h.Mapping.Ignored, h.Mapping.Width, h.Cells)
	}
	for c, want := range map[Column]int{ColBrandCode: 0, ColPhone: 4, ColMessagePermission: 7, ColConsentDate: 10} {
		if i, ok := h.Mapping.Index(c); !ok || i != want {
			t.Errorf("Index(%s) = %d %v, want %d", c, i, ok, want)
		}
	}

	rows := readAll(t, r)
	var nums []int
	for _, row := range rows {
		nums = append(nums, row.Number)
		if len(row.Cells) != 12 {
			t.Errorf("row %d has %d cells, want 12", row.Number, len(row.Cells))
		}
	}
	if got := fmtInts(nums); got != "4,5,7,8,9" {
		t.Fatalf("row numbers = %s, want 4,5,7,8,9", got)
	}

	r4, r5, r7, r8 := rows[0], rows[1], rows[2], rows[3]
	if r4.Cells[0] != "650123" || r4.Cells[4] != "5321234567" || r4.Cells[10] != "11.06.2025 10:30:00" {
		t.Errorf("row 4 cells = %q", r4.Cells)
	}
	if r4.Cells[11] != "" {
		t.Errorf("row 4: a cell right of the header was kept: %q", r4.Cells)
	}
	if !r4.Input.ConsentDateValue.Equal(signed) || r4.Input.Phone != "5321234567" || r4.Input.FirstName != "Ayşe" {
		t.Errorf("row 4 input = %+v", r4.Input)
	}
	if r5.Input.ConsentDate != "11.06.2025 10:30" || !r5.Input.ConsentDateValue.IsZero() || r5.Input.RecipientType != "tacir" {
		t.Errorf("row 5 input = %+v", r5.Input)
	}
	if r7.Cells[4] != "905321234567" || r7.Cells[6] != "1" || r7.Cells[7] != "0" || r7.Input.ConsentDate != "45819.4375" {
		t.Errorf("row 7 cells = %q", r7.Cells)
	}
	if r8.Cells[6] != "TRUE" || r8.Cells[7] != "FALSE" || r8.Cells[10] != "12.06.2025" || r8.Cells[11] != "7" {
		t.Errorf("row 8 cells = %q", r8.Cells)
	}
	if !r8.Input.ConsentDateValue.Equal(time.Date(2025, 6, 12, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("row 8 date value = %v", r8.Input.ConsentDateValue)
	}
	if rows[4].Cells[11] != "yalnızca not" {
		t.Errorf("row 9 = %q", rows[4].Cells)
	}

	// The rows validate as the consent package has them.
	now := time.Date(2025, 6, 12, 15, 0, 0, 0, consent.Location())
	for _, row := range rows[:4] {
		res := consent.ValidateRow(row.Input, now, nil)
		if res.HasErrors() {
			t.Errorf("row %d: %v", row.Number, res.Problems)
		}
	}
	res := consent.ValidateRow(r4.Input, now, nil)
	if len(res.Items) != 3 || consent.FormatIYS(res.Items[0].Consent.ConsentDate) != "2025-06-11 10:30:00" || res.Items[0].Consent.Recipient != "+905321234567" {
		t.Errorf("row 4 validates to %+v", res.Items)
	}
	res = consent.ValidateRow(r7.Input, now, nil)
	if consent.FormatIYS(res.Items[0].Consent.ConsentDate) != "2025-06-11 10:30:00" {
		t.Errorf("row 7 serial date = %v", res.Items[0].Consent.ConsentDate)
	}

	// excelize, the reference, reads the same text for the cells that are
	// not dates.
	want, err := f.GetRows(sh)
	must(err)
	for _, row := range rows {
		ref := want[row.Number-1]
		for i, got := range row.Cells {
			if i == 10 || i == 6 || i == 7 || row.Number == 8 && i == 11 {
				continue // dates, booleans and number formats: excelize applies formats, the reader keeps the value
			}
			exp := ""
			if i < len(ref) {
				exp = ref[i]
			}
			if got != exp {
				t.Errorf("row %d cell %d = %q, excelize reads %q", row.Number, i, got, exp)
			}
		}
	}
}

func fmtInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = itoa(n)
	}
	return strings.Join(s, ",")
}

// TestXLSXStreamWriter reads what excelize's StreamWriter writes: inline
// strings, numbers, rich text and time values with an automatic date style.
func TestXLSXStreamWriter(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	head := make([]any, len(header11))
	for i, h := range header11 {
		head[i] = h
	}
	if err := sw.SetRow("A1", head); err != nil {
		t.Fatal(err)
	}
	signed := time.Date(2025, 6, 11, 9, 15, 30, 0, time.UTC)
	rich := []excelize.RichTextRun{{Text: "Ay"}, {Text: "şe", Font: &excelize.Font{Bold: true}}}
	if err := sw.SetRow("A2", []any{650123, "BIREYSEL", rich, "Kaya & Oğlu <ltd>", int64(5321234567), "a@b.co", "ONAY", nil, "", "HS_WEB", signed}); err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A4", []any{"650123", "TACIR", "  boşluklu  ", "", 5.321234567e9, "", "", "", "", "", 0.1 + 0.2}); err != nil {
		t.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, mustOpen(t, excelizeBytes(t, f), "x.xlsx", Limits{}))
	if len(rows) != 2 || rows[0].Number != 2 || rows[1].Number != 4 {
		t.Fatalf("rows = %+v", rows)
	}
	want2 := []string{"650123", "BIREYSEL", "Ayşe", "Kaya & Oğlu <ltd>", "5321234567", "a@b.co", "ONAY", "", "", "HS_WEB", "11.06.2025 09:15:30"}
	if strings.Join(rows[0].Cells, "|") != strings.Join(want2, "|") {
		t.Errorf("row 2 = %q\nwant    %q", rows[0].Cells, want2)
	}
	if !rows[0].Input.ConsentDateValue.Equal(signed) {
		t.Errorf("date value = %v", rows[0].Input.ConsentDateValue)
	}
	if rows[1].Cells[2] != "  boşluklu  " || rows[1].Cells[4] != "5321234567" || rows[1].Cells[10] != "0.3" {
		t.Errorf("row 4 = %q", rows[1].Cells)
	}
}

// TestXLSXHandMade reads XML that other generators write: namespace
// prefixes, rows and cells without references, rich text with phonetic
// runs, escapes, CDATA, formulas, errors, ISO dates, custom formats that
// look like dates but are not, and self-closing elements.
func TestXLSXHandMade(t *testing.T) {
	sst := `<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">` +
		`<si><t>marka_kodu</t></si>` +
		`<si><r><rPr><b/></rPr><t xml:space="preserve">Ay</t></r><r><t>şe</t></r><rPh sb="0" eb="1"><t>アイ</t></rPh><phoneticPr fontId="1"/></si>` +
		`<si><t>satır_x000D__x000A_iki_x005F_x0041_</t></si>` +
		`<si><t>&#x130;zmir &amp; Ş</t></si>` +
		`</sst>`
	styles := `<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<numFmts count="3"><numFmt numFmtId="164" formatCode="&quot;d&quot;0"/><numFmt numFmtId="165" formatCode="[Red]0.00"/><numFmt numFmtId="166" formatCode="[$-41F]dd\.mm\.yyyy\ hh:mm"/></numFmts>` +
		`<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>` +
		`<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"><alignment/></xf><xf numFmtId="166" applyNumberFormat="1"/><xf numFmtId="14"/></cellXfs></styleSheet>`
	sheet := `<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><!-- a comment --><x:sheetData>` +
		// header without references, the first cell a shared string
		`<x:row><x:c t="s"><x:v>0</x:v></x:c><x:c t="inlineStr"><x:is><x:t>alici_tipi</x:t></x:is></x:c><x:c t="str"><x:f>"ad"</x:f><x:v>ad</x:v></x:c>` +
		`<x:c t="inlineStr"><x:is><x:t>soyad</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t><![CDATA[telefon]]></x:t></x:is></x:c>` +
		`<x:c t="inlineStr"><x:is><x:t>eposta</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>izin_kaynagi</x:t></x:is></x:c>` +
		`<x:c t="inlineStr"><x:is><x:t>izin_tarihi</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>not</x:t></x:is></x:c></x:row>` +
		`<x:row r="2"/>` +
		`<x:row r="3" spans="1:9"><x:c r="A3"><x:v>650123</x:v></x:c><x:c r="B3" t="inlineStr"><x:is><x:t>BIREYSEL</x:t></x:is></x:c>` +
		`<x:c r="C3" t="s"><x:v>1</x:v></x:c><x:c r="D3" t="s"><x:v>3</x:v></x:c><x:c r="E3" s="1"><x:v>5321234567</x:v></x:c>` +
		`<x:c r="F3" t="e"><x:v>#N/A</x:v></x:c><x:c r="G3" t="inlineStr"><x:is><x:t>HS_WEB</x:t></x:is></x:c><x:c r="H3" s="3"><x:v>45819.4375</x:v></x:c>` +
		`<x:c r="I3" t="s"><x:v>2</x:v></x:c><x:c r="J3" t="inlineStr"><x:is><x:t>sağda</x:t></x:is></x:c></x:row>` +
		`<x:row><x:c r="B4" s="2"/><x:c r="E4" s="2"><x:v>1.5E+3</x:v></x:c><x:c t="d"><x:v>2025-06-11T10:30:00</x:v></x:c><x:c r="H4" t="d"><x:v>2025-06-10T08:00:00Z</x:v></x:c><x:c r="I4" s="4"><x:v>45819</x:v></x:c></x:row>` +
		`<x:row r="6"><x:c r="A6" t="b"><x:v>1</x:v></x:c><x:c r="C6" t="inlineStr"><x:is><x:t>   </x:t></x:is></x:c></x:row>` +
		`<x:row r="7"><x:c r="C7" t="inlineStr"><x:is><x:t>  </x:t></x:is></x:c></x:row>` +
		`</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A1:B1"/></x:mergeCells></x:worksheet>`
	data := zipParts(t, minimalParts([]string{sheet}, map[string]string{"xl/sharedStrings.xml": sst, "xl/styles.xml": styles}))
	r := mustOpen(t, data, "el-yapımı.xlsx", Limits{})
	h := r.Header()
	if h.Row != 1 || len(h.Cells) != 9 || h.Cells[4] != "telefon" || h.Cells[2] != "ad" || strings.Join(h.Mapping.Ignored, ",") != "not" {
		t.Fatalf("header = %+v", h)
	}
	rows := readAll(t, r)
	if len(rows) != 3 {
		t.Fatalf("rows = %+v", rows)
	}
	got := map[int][]string{}
	for _, row := range rows {
		got[row.Number] = row.Cells
	}
	want := map[int][]string{
		3: {"650123", "BIREYSEL", "Ayşe", "İzmir & Ş", "5321234567", "#N/A", "HS_WEB", "11.06.2025 10:30:00", "satır\r\niki_x0041_"},
		4: {"", "", "", "", "1500", "11.06.2025 10:30:00", "", "10.06.2025 08:00:00", "11.06.2025"},
		6: {"TRUE", "", "   ", "", "", "", "", "", ""},
	}
	for n, w := range want {
		if strings.Join(got[n], "|") != strings.Join(w, "|") {
			t.Errorf("row %d = %q\n want    %q", n, got[n], w)
		}
	}
	if !rows[0].Input.ConsentDateValue.Equal(time.Date(2025, 6, 11, 10, 30, 0, 0, time.UTC)) {
		t.Errorf("row 3 date value = %v", rows[0].Input.ConsentDateValue)
	}
	if !rows[1].Input.ConsentDateValue.Equal(time.Date(2025, 6, 10, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("row 4 date value = %v", rows[1].Input.ConsentDateValue)
	}
}

// TestXLSXCellsWithoutReferences checks the column of cells without an r
// attribute: one right of the previous cell.
func TestXLSXCellsWithoutReferences(t *testing.T) {
	sheet := sheetXML(
		inlineRow(1, header11...),
		`<row r="2"><c r="A2"><v>650123</v></c><c t="inlineStr"><is><t>BIREYSEL</t></is></c><c r="E2"><v>5321234567</v></c><c t="inlineStr"><is><t>x@y.com</t></is></c></row>`,
	)
	rows := readAll(t, mustOpen(t, zipParts(t, minimalParts([]string{sheet}, nil)), "a.xlsx", Limits{}))
	if len(rows) != 1 || rows[0].Input.RecipientType != "BIREYSEL" || rows[0].Input.Phone != "5321234567" || rows[0].Input.Email != "x@y.com" {
		t.Fatalf("rows = %+v", rows)
	}
}

// TestXLSXDate1904 reads dates of a workbook in the 1904 date system, as
// date cells and as plain numbers in izin_tarihi.
func TestXLSXDate1904(t *testing.T) {
	styles := `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs><xf numFmtId="0"/><xf numFmtId="22"/></cellXfs></styleSheet>`
	// 2025-06-11 10:30 is 45819.4375 in the 1900 system and 1462 days less
	// in the 1904 system.
	sheet := sheetXML(
		inlineRow(1, header11...),
		`<row r="2"><c r="A2"><v>650123</v></c><c r="K2" s="1"><v>44357.4375</v></c></row>`,
		`<row r="3"><c r="A3"><v>650123</v></c><c r="K3"><v>44357.4375</v></c></row>`,
	)
	parts := minimalParts([]string{sheet}, map[string]string{"xl/styles.xml": styles})
	parts["xl/workbook.xml"] = strings.Replace(parts["xl/workbook.xml"], "<sheets>", `<workbookPr date1904="1"/><sheets>`, 1)
	rows := readAll(t, mustOpen(t, zipParts(t, parts), "mac.xlsx", Limits{}))
	want := time.Date(2025, 6, 11, 10, 30, 0, 0, time.UTC)
	for _, row := range rows {
		if !row.Input.ConsentDateValue.Equal(want) {
			t.Errorf("row %d: date value %v, want %v (cells %q)", row.Number, row.Input.ConsentDateValue, want, row.Cells)
		}
	}
	if rows[0].Cells[10] != "11.06.2025 10:30:00" || rows[1].Cells[10] != "11.06.2025 10:30:00" {
		t.Errorf("cells = %q / %q", rows[0].Cells, rows[1].Cells)
	}
}

// TestXLSXPartsByRelationship finds the workbook and sheets where the
// relationships say, with absolute targets, odd case and backslashes.
func TestXLSXPartsByRelationship(t *testing.T) {
	sheet := sheetXML(inlineRow(1, header11...), inlineRow(2, "650123", "TACIR"))
	parts := map[string]string{
		"_rels/.rels":                     `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument" Target="/Kitap/Calisma.xml"/></Relationships>`,
		"Kitap/Calisma.xml":               `<workbook xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main" xmlns:r="http://purl.oclc.org/ooxml/officeDocument/relationships"><sheets><sheet name="Grafik" sheetId="1" r:id="c1"/><sheet name="Veri" sheetId="2" r:id="s1"/></sheets></workbook>`,
		"Kitap/_rels/Calisma.xml.rels":    `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="c1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/chartsheet" Target="charts/c.xml"/><Relationship Id="s1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet" Target="/Kitap/Sayfalar/VERI.XML"/></Relationships>`,
		`Kitap\Sayfalar\veri.xml`:         sheet,
		"[Content_Types].xml":             `<Types/>`,
		"Kitap/Sayfalar/unreferenced.xml": `<bozuk`,
	}
	r := mustOpen(t, zipParts(t, parts), "", Limits{})
	if r.Header().Sheet != "Veri" {
		t.Errorf("sheet = %q", r.Header().Sheet)
	}
	rows := readAll(t, r)
	if len(rows) != 1 || rows[0].Input.RecipientType != "TACIR" {
		t.Fatalf("rows = %+v", rows)
	}
}

// TestXLSXProgress checks that Progress reaches the sheet's size.
func TestXLSXProgress(t *testing.T) {
	var rs []string
	rs = append(rs, inlineRow(1, header11...))
	for i := 2; i < 500; i++ {
		rs = append(rs, inlineRow(i, "650123", "BIREYSEL", "Ad", "Soyad", "5321234567"))
	}
	r := mustOpen(t, zipParts(t, minimalParts([]string{sheetXML(rs...)}, nil)), "a.xlsx", Limits{})
	_, total := r.Progress()
	n := 0
	for {
		if _, err := r.Next(); err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
		n++
	}
	done, total2 := r.Progress()
	r.Close()
	if n != 498 || total == 0 || total != total2 || done != total {
		t.Errorf("rows %d, progress %d/%d (total before %d)", n, done, total2, total)
	}
}

// TestXLSXAgainstExcelize writes awkward values with both excelize writers
// and checks that the reader reads what excelize, the reference, reads.
func TestXLSXAgainstExcelize(t *testing.T) {
	values := []any{
		"a & b < c > d", `"quoted" 'single'`, "satır\nsatır", "tab\there", " baştaki ve sondaki boşluk ",
		"literal _x000D_ escape", "_x005F_", "emoji 😀 ve İıŞşĞğÜüÖöÇç", "ctl\x01\x1f", "]]>", "&amp;", "=SUM(A1)",
		0, -1, 42, 5321234567, int64(905321234567), 3.14, -0.5, 1e-7, 123456789.125, 1.5e15, "", "x",
	}
	for _, stream := range []bool{false, true} {
		f := excelize.NewFile()
		var sw *excelize.StreamWriter
		if stream {
			var err error
			if sw, err = f.NewStreamWriter("Sheet1"); err != nil {
				t.Fatal(err)
			}
		}
		set := func(row int, vals []any) {
			cell, _ := excelize.CoordinatesToCellName(1, row)
			var err error
			if stream {
				err = sw.SetRow(cell, vals)
			} else {
				err = f.SetSheetRow("Sheet1", cell, &vals)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		head := make([]any, len(header11))
		for i, h := range header11 {
			head[i] = h
		}
		set(1, head)
		row := 2
		for i := 0; i < len(values); i += 11 {
			vals := append([]any{}, values[i:min(i+11, len(values))]...)
			set(row, vals)
			row++
		}
		if stream {
			if err := sw.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		data := excelizeBytes(t, f)
		f.Close()
		ref, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		want, err := ref.GetRows("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		ref.Close()
		rows := readAll(t, mustOpen(t, data, "a.xlsx", Limits{}))
		if len(rows) != len(want)-1 {
			t.Fatalf("stream=%v: %d rows, excelize %d", stream, len(rows), len(want)-1)
		}
		for _, r := range rows {
			ref := want[r.Number-1]
			for i, got := range r.Cells {
				exp := ""
				if i < len(ref) {
					exp = ref[i]
				}
				if got != exp {
					t.Errorf("stream=%v row %d cell %d = %q, excelize %q", stream, r.Number, i, got, exp)
				}
			}
		}
	}
}

// TestXLSXNULByte refuses a NUL byte, which XML never has (nor can
// PostgreSQL text hold it), as a damaged file, at the row that holds it.
func TestXLSXNULByte(t *testing.T) {
	head := inlineRow(1, header11...)
	for _, tt := range []struct {
		name, sheet, sst string
		row, rowsBefore  int
	}{
		{"in a cell", sheetXML(head, inlineRow(2, "650123"), "<row r=\"3\"><c r=\"C3\" t=\"inlineStr\"><is><t>a\x00b</t></is></c></row>"), "", 3, 1},
		// the row's number is not read yet: the error is after row 3
		{"in a tag", sheetXML(head, inlineRow(2, "650123"), inlineRow(3, "650123"), "<row r=\"4\"\x00></row>"), "", 3, 2},
		{"in the shared strings", sheetXML(head), "<sst><si><t>a\x00</t></si></sst>", 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			extra := map[string]string{}
			if tt.sst != "" {
				extra["xl/sharedStrings.xml"] = tt.sst
			}
			r, err := open(t, zipParts(t, minimalParts([]string{tt.sheet}, extra)), "a.xlsx", Limits{})
			var rows []Row
			if err == nil {
				rows, err = readRows(r)
			}
			e := wantCode(t, err, CodeFileCorrupt)
			if e.Row != tt.row || len(rows) != tt.rowsBefore {
				t.Errorf("error at row %d after %d rows (%s), want row %d after %d", e.Row, len(rows), e.Message, tt.row, tt.rowsBefore)
			}
		})
	}
}
