package importer

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestNeutraliseFormula(t *testing.T) {
	for in, want := range map[string]string{
		// Formulas, and whatever a spreadsheet could start one from.
		`=HYPERLINK("http://x","tıkla")`: `'=HYPERLINK("http://x","tıkla")`,
		"=1+1":                           "'=1+1",
		"+SUM(A1)":                       "'+SUM(A1)",
		"-1+2":                           "'-1+2",
		"-2+3+cmd|' /C calc'!A0":         "'-2+3+cmd|' /C calc'!A0",
		"@SUM(A1)":                       "'@SUM(A1)",
		"@x":                             "'@x",
		"\t=1":                           "'\t=1",
		"\r=1":                           "'\r=1",
		"\x00=1":                         "'\x00=1",
		"+90 532 123 45 67":              "'+90 532 123 45 67", // spaces: not a plain number
		"+":                              "'+",
		"-":                              "'-",
		"--5":                            "'--5",
		"-5.":                            "'-5.",
		"-1..2":                          "'-1..2",
		"-1E5":                           "'-1E5",
		// Plain numbers, phones among them, stay as they are.
		"+905321234567": "+905321234567",
		"+12":           "+12",
		"-5":            "-5",
		"-1,5":          "-1,5",
		"-1.234,56":     "-1.234,56",
		// Anything else is text.
		"":                    "",
		"Ayşe":                "Ayşe",
		"05321234567":         "05321234567",
		"0532 123 45 67":      "0532 123 45 67",
		"11.06.2025 14:30:00": "11.06.2025 14:30:00",
		"2025-06-11":          "2025-06-11",
		"ali@ornek.com.tr":    "ali@ornek.com.tr",
		"'=1":                 "'=1",
		" =1":                 " =1",
	} {
		if got := NeutraliseFormula(in); got != want {
			t.Errorf("NeutraliseFormula(%q) = %q, want %q", in, got, want)
		}
	}
}

func readWorkbook(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// Sheets come in the order added, with a styled and frozen header row
// where they have titles; text goes through the guard, numbers stay
// numbers; a sheet past the row limit continues on a numbered one.
func TestWorkbook(t *testing.T) {
	defer func(n int) { maxSheetRows = n }(maxSheetRows)
	maxSheetRows = 3

	wb := NewWorkbook()
	defer wb.Close()
	summary, err := wb.AddSheet("Özet", []SheetColumn{{Width: 18}, {Width: 80}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := wb.AddSheet("Liste", []SheetColumn{{Title: "Satır", Width: 8}, {Title: "=Başlık"}, {Title: "Tarih"}})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{2, `=HYPERLINK("http://x")`, "11.06.2025 14:30:00"},
		{3, "+905321234567", nil},
		{-5, "-5", Cell{Value: "@x", Style: StyleHeading}},
	}
	for _, r := range rows {
		if err := list.Write(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := summary.Write(Cell{Value: "Dosya", Style: StyleHeading}, "=kötü.xlsx"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		t.Fatal(err)
	}

	f := readWorkbook(t, buf.Bytes())
	if got := strings.Join(f.GetSheetList(), "|"); got != "Özet|Liste|Liste 2" {
		t.Fatalf("sheets = %s", got)
	}
	get := func(sheet string) [][]string {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	want := map[string]string{
		"Özet":    `[[Dosya '=kötü.xlsx]]`,
		"Liste":   `[[Satır '=Başlık Tarih] [2 '=HYPERLINK("http://x") 11.06.2025 14:30:00] [3 +905321234567]]`,
		"Liste 2": `[[Satır '=Başlık Tarih] [-5 -5 '@x]]`,
	}
	for sheet, w := range want {
		if got := format(get(sheet)); got != w {
			t.Errorf("%s = %s, want %s", sheet, got, w)
		}
	}

	// Numbers are number cells, text is text.
	types := map[string]excelize.CellType{"A2": excelize.CellTypeUnset, "B2": excelize.CellTypeInlineString,
		"B3": excelize.CellTypeInlineString, "C2": excelize.CellTypeInlineString}
	for cell, want := range types {
		if got, _ := f.GetCellType("Liste", cell); got != want {
			t.Errorf("type of Liste!%s = %v, want %v", cell, got, want)
		}
	}
	if got, _ := f.GetCellType("Liste 2", "A2"); got != excelize.CellTypeUnset {
		t.Errorf("-5 as a number is %v", got)
	}

	// The header is styled and frozen; a sheet without titles has neither.
	head, _ := f.GetCellStyle("Liste", "B1")
	plain, _ := f.GetCellStyle("Liste", "B2")
	label, _ := f.GetCellStyle("Özet", "A1")
	if head == plain || head != label {
		t.Errorf("styles: header %d, row %d, label %d", head, plain, label)
	}
	for sheet, frozen := range map[string]bool{"Liste": true, "Liste 2": true, "Özet": false} {
		p, err := f.GetPanes(sheet)
		if err != nil || p.Freeze != frozen {
			t.Errorf("%s frozen = %v (%v), want %v", sheet, p.Freeze, err, frozen)
		}
	}
	if w, _ := f.GetColWidth("Özet", "B"); w != 80 {
		t.Errorf("width of Özet!B = %v", w)
	}
	if w, _ := f.GetColWidth("Liste 2", "A"); w != 8 {
		t.Errorf("width of Liste 2!A = %v", w)
	}
}

func format(rows [][]string) string {
	var b strings.Builder
	b.WriteString("[")
	for i, r := range rows {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("[" + strings.Join(r, " ") + "]")
	}
	return b.String() + "]"
}

// The rows go to a temporary file as they are written: the heap does not
// grow with them.
func TestWorkbookMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes some 100 MB of sheet XML")
	}
	wb := NewWorkbook()
	defer wb.Close()
	s, err := wb.AddSheet("Liste", []SheetColumn{{Title: "Satır"}, {Title: "Alıcı"}, {Title: "Durum"}, {Title: "Açıklama"}})
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	write := func(n int) {
		for i := range n {
			if err := s.Write(i, "+905321234567", "ONAY", "Bu markada bu alıcının kaydı var."); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(100_000) // past the StreamWriter's in-memory chunk
	before := heap()
	write(300_000)
	if grown := int64(heap()) - int64(before); grown > 4<<20 {
		t.Errorf("heap grew by %d MB over 300,000 rows", grown>>20)
	}
}
