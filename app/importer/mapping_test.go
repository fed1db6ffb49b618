package importer

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"iysgate/app/consent"
)

// The same headers, in another order, case, spacing or with Turkish
// letters folded, have one key; another set of headers has another.
func TestHeaderKey(t *testing.T) {
	base := HeaderKey([]string{"Numara", "Müşteri Tipi", "Kanal İzni", "Nereden"})
	same := [][]string{
		{"Nereden", "Numara", "Kanal İzni", "Müşteri Tipi"},                                        // order
		{"NUMARA", "müşteri tipi", "KANAL İZNİ", "nereden"},                                        // case, Turkish capitals
		{" Numara ", "Musteri_Tipi", "Kanal-Izni", "Nereden."},                                     // spaces, separators, folded letters
		{"Numara", "", "Müşteri Tipi", "Kanal İzni", "Nereden", ""},                                // blank cells
		{"Numara", "Müşteri Tipi", "Kanal İzni", "Nereden", "Satır", "Hata Kodu", "Hata", "Öneri"}, // an error workbook
	}
	for _, h := range same {
		if k := HeaderKey(h); k != base {
			t.Errorf("HeaderKey(%q) = %s, want %s", h, k, base)
		}
	}
	other := [][]string{
		{"Numara", "Müşteri Tipi", "Kanal İzni"},                      // one fewer
		{"Numara", "Müşteri Tipi", "Kanal İzni", "Nereden", "Not"},    // one more
		{"Numara", "Müşteri Tipi", "Kanal İzni", "Nereden", "Numara"}, // one twice
		{"Numara", "Müşteri Tipi", "Kanal", "Nereden"},                // renamed
		{"Numara", "Müşteri Tipi", "Kanal İzni", "Nereden", "Hata"},   // a lone "Hata" is a column of the file
	}
	for _, h := range other {
		if k := HeaderKey(h); k == base {
			t.Errorf("HeaderKey(%q) = the key of another header", h)
		}
	}
	if !strings.Contains(base, `"NUMARA"`) {
		t.Errorf("the key is not readable: %s", base)
	}
}

func TestSkippedCells(t *testing.T) {
	got := SkippedCells([]string{"Tel", "", "Satır", "Hata Kodu", "Hata", "Öneri", "Hata"})
	want := []bool{false, true, true, true, true, true, false}
	if !slices.Equal(got, want) {
		t.Errorf("SkippedCells = %v, want %v", got, want)
	}
	// Out of order, the titles are the file's own columns.
	if s := SkippedCells([]string{"Hata", "Satır", "Öneri", "Hata Kodu"}); slices.Contains(s, true) {
		t.Errorf("scattered titles skipped: %v", s)
	}
}

// Realign carries an assignment over reordered columns, duplicates by rank.
func TestRealign(t *testing.T) {
	from := []string{"Tel", "Tip", "Tel", "Kaynak"}
	cols := []Column{ColPhone, ColRecipientType, Ignore, ColSource}
	got, ok := Realign(from, cols, []string{"KAYNAK", "tel", "Tip", "TEL", "Satır", "Hata Kodu", "Hata", "Öneri"})
	if !ok {
		t.Fatal("same headers not realigned")
	}
	want := []Column{ColSource, ColPhone, ColRecipientType, Ignore, Ignore, Ignore, Ignore, Ignore}
	if !slices.Equal(got, want) {
		t.Errorf("Realign = %v, want %v", got, want)
	}
	if _, ok := Realign(from, cols, []string{"Tel", "Tip"}); ok {
		t.Error("other headers realigned")
	}
}

// Missing required fields, phone-or-e-mail, one field twice and skipped
// cells are each one problem with a Turkish message; a good assignment has
// none.
func TestCheckAssignment(t *testing.T) {
	header := []string{"Marka", "Tip", "Numara", "Cep", "Nereden", "", "Satır", "Hata Kodu", "Hata", "Öneri"}
	good := []Column{ColBrandCode, ColRecipientType, ColPhone, Ignore, ColSource}
	if ps := CheckAssignment(header, good, HeaderRules{}); len(ps) != 0 {
		t.Errorf("good assignment: %+v", ps)
	}
	codes := func(ps []AssignmentProblem) string {
		var s []string
		for _, p := range ps {
			if p.Message == "" {
				t.Errorf("problem without a message: %+v", p)
			}
			s = append(s, p.Code+":"+p.Column.Name())
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct {
		name  string
		cols  []Column
		rules HeaderRules
		want  string
	}{
		{"nothing", nil, HeaderRules{}, "MAPPING_REQUIRED:marka_kodu MAPPING_REQUIRED:alici_tipi MAPPING_REQUIRED:izin_kaynagi MAPPING_REQUIRED:telefon"},
		{"brand given", []Column{Ignore, ColRecipientType, ColPhone, Ignore, ColSource}, HeaderRules{BrandGiven: true}, ""},
		{"brand not given", []Column{Ignore, ColRecipientType, ColPhone, Ignore, ColSource}, HeaderRules{}, "MAPPING_REQUIRED:marka_kodu"},
		{"phone twice", []Column{ColBrandCode, ColRecipientType, ColPhone, ColPhone, ColSource}, HeaderRules{}, "MAPPING_DUPLICATE:telefon"},
		{"e-mail instead of phone", []Column{ColBrandCode, ColRecipientType, ColEmail, Ignore, ColSource}, HeaderRules{}, ""},
		{"blank cell", []Column{ColBrandCode, ColRecipientType, ColPhone, Ignore, ColSource, ColFirstName}, HeaderRules{}, "MAPPING_SKIPPED_COLUMN:ad"},
		{"error column", []Column{ColBrandCode, ColRecipientType, ColPhone, Ignore, ColSource, Ignore, ColLastName}, HeaderRules{}, "MAPPING_SKIPPED_COLUMN:soyad"},
	} {
		if got := codes(CheckAssignment(header, tc.cols, tc.rules)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	ps := CheckAssignment(header, []Column{ColBrandCode, ColRecipientType, ColPhone, ColPhone, ColSource}, HeaderRules{})
	if len(ps) != 1 || !slices.Equal(ps[0].Cells, []int{2, 3}) || !strings.Contains(ps[0].Message, "«Numara» (C), «Cep» (D)") {
		t.Errorf("duplicate: %+v", ps)
	}
	// A long header is cut short in the message.
	header[3] = strings.Repeat("Cep telefonu ", 100)
	ps = CheckAssignment(header, []Column{ColBrandCode, ColRecipientType, ColPhone, ColPhone, ColSource}, HeaderRules{})
	if len(ps) != 1 || len([]rune(ps[0].Message)) > 300 || !strings.Contains(ps[0].Message, "…» (D)") {
		t.Errorf("long header: %d characters: %s", len([]rune(ps[0].Message)), ps[0].Message)
	}
}

func TestAssign(t *testing.T) {
	header := []string{"Numara", "Tip", "Nereden", "Not"}
	m, err := Assign(header, []Column{ColPhone, ColRecipientType, ColSource}, HeaderRules{BrandGiven: true})
	if err != nil {
		t.Fatal(err)
	}
	in := m.RowInput([]string{"05321112233", "BIREYSEL", "HS_WEB", "x"})
	if in.Phone != "05321112233" || in.RecipientType != "BIREYSEL" || in.Source != "HS_WEB" || in.BrandCode != "" {
		t.Errorf("RowInput = %+v", in)
	}
	if !slices.Equal(m.Ignored, []string{"Not"}) || m.Width != 4 {
		t.Errorf("Ignored %q, Width %d", m.Ignored, m.Width)
	}
	if got := m.Columns(); !slices.Equal(got, []Column{ColPhone, ColRecipientType, ColSource, Ignore}) {
		t.Errorf("Columns = %v", got)
	}
	_, err = Assign(header, []Column{ColPhone, ColRecipientType, ColSource}, HeaderRules{})
	if e := wantCode(t, err, CodeHeaderMissing); !slices.Equal(e.Missing, []Column{ColBrandCode}) {
		t.Errorf("Missing = %v", e.Missing)
	}
	_, err = Assign(header, []Column{ColPhone, ColPhone, ColSource}, HeaderRules{BrandGiven: true})
	wantCode(t, err, CodeHeaderMissing) // alici_tipi is missing too
	_, err = Assign([]string{"Numara", "Tip", "Nereden", "Cep"}, []Column{ColPhone, ColRecipientType, ColSource, ColPhone}, HeaderRules{BrandGiven: true})
	wantCode(t, err, CodeHeaderDuplicate)
}

// With a brand given at upload, a header without marka_kodu maps.
func TestMapHeaderWithBrandGiven(t *testing.T) {
	h := []string{"Alıcı Tipi", "Telefon", "İzin Kaynağı"}
	if _, err := MapHeader(h); err == nil {
		t.Fatal("header without marka_kodu mapped")
	}
	if _, err := MapHeaderWith(h, HeaderRules{BrandGiven: true}); err != nil {
		t.Fatalf("with a brand given: %v", err)
	}
	g := Guess([]string{"GSM", "Cep", "Açıklama", "Satır", "Hata Kodu", "Hata", "Öneri"})
	if !slices.Equal(g, []Column{ColPhone, ColPhone, Ignore, Ignore, Ignore, Ignore, Ignore}) {
		t.Errorf("Guess = %v", g)
	}
}

func unknownHeaderWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{
		{"Müşteri Listesi"}, // a title row
		{"Numara", "Müşteri Tipi", "Nereden", "Not"},
		{"05321112233", "BIREYSEL", "HS_WEB", "ilk"},
		{"05321112244", "TACIR", "HS_WEB", "ikinci"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	return excelizeBytes(t, f)
}

// KeepUnmapped keeps the most plausible header row of a file whose header
// does not map, with its problem, and reads the rows after it; without it
// the file is refused as before.
func TestOpenWithKeepUnmapped(t *testing.T) {
	csvData := []byte("Müşteri Listesi\nNumara;Müşteri Tipi;Nereden;Not\n05321112233;BIREYSEL;HS_WEB;ilk\n05321112244;TACIR;HS_WEB;ikinci\n")
	for name, data := range map[string][]byte{"liste.xlsx": unknownHeaderWorkbook(t), "liste.csv": csvData} {
		if _, err := Open(bytes.NewReader(data), int64(len(data)), name, Limits{}); err == nil {
			t.Fatalf("%s: Open accepted an unmapped header", name)
		}
		r, err := OpenWith(bytes.NewReader(data), int64(len(data)), name, Options{KeepUnmapped: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		h := r.Header()
		if h.Problem == nil || h.Problem.Code != CodeHeaderMissing || h.Row != 2 {
			t.Fatalf("%s: header row %d, problem %+v", name, h.Row, h.Problem)
		}
		if !slices.Equal(h.Cells, []string{"Numara", "Müşteri Tipi", "Nereden", "Not"}) {
			t.Errorf("%s: cells %q", name, h.Cells)
		}
		rows := readAll(t, r)
		if len(rows) != 2 || rows[0].Number != 3 || rows[1].Cells[3] != "ikinci" {
			t.Errorf("%s: rows %+v", name, rows)
		}
	}
	// Two phone columns: ambiguous.
	data := []byte("marka_kodu;alici_tipi;GSM;Cep;izin_kaynagi\n650123;BIREYSEL;05321112233;05321112244;HS_WEB\n")
	r, err := OpenWith(bytes.NewReader(data), int64(len(data)), "x.csv", Options{KeepUnmapped: true})
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Header().Problem; p == nil || p.Code != CodeHeaderDuplicate {
		t.Errorf("ambiguous header: %+v", p)
	}
	r.Close()
	// A header that maps has no problem; an empty sheet is still refused.
	data = []byte(strings.Join(TemplateHeader(), ";") + "\n650123;BIREYSEL;;;05321112233;;;;;HS_WEB;\n")
	r, err = OpenWith(bytes.NewReader(data), int64(len(data)), "x.csv", Options{KeepUnmapped: true})
	if err != nil || r.Header().Problem != nil {
		t.Fatalf("template header: %v %+v", err, r.Header().Problem)
	}
	r.Close()
	_, err = OpenWith(bytes.NewReader([]byte("\n\n;;\n")), 5, "x.csv", Options{KeepUnmapped: true})
	wantCode(t, err, CodeHeaderNotFound)
}

// A custom mapper (a saved profile) maps a header the synonyms do not
// know; its rows read through the assignment.
func TestOpenWithMapper(t *testing.T) {
	data := unknownHeaderWorkbook(t)
	profile := []string{"numara", "NOT", "Müşteri Tipi", "Nereden"} // saved from a file in another order
	cols := []Column{ColPhone, Ignore, ColRecipientType, ColSource}
	mapper := func(cells []string) (Mapping, error) {
		a, ok := Realign(profile, cols, cells)
		if !ok {
			return MapHeaderWith(cells, HeaderRules{BrandGiven: true})
		}
		return Assign(cells, a, HeaderRules{BrandGiven: true})
	}
	r, err := OpenWith(bytes.NewReader(data), int64(len(data)), "liste.xlsx", Options{MapHeader: mapper})
	if err != nil {
		t.Fatal(err)
	}
	if r.Header().Row != 2 || r.Header().Problem != nil {
		t.Fatalf("header %+v", r.Header())
	}
	rows := readAll(t, r)
	if len(rows) != 2 || rows[0].Input.Phone != "05321112233" || rows[1].Input.RecipientType != "TACIR" || rows[1].Input.Source != "HS_WEB" {
		t.Errorf("rows %+v", rows)
	}
}

// An error workbook written for an upload maps as the upload did: its four
// added columns are ignored, and a profile of the upload's headers applies.
func TestErrorWorkbookMapsAgain(t *testing.T) {
	header := []string{"Numara", "Müşteri Tipi", "Nereden"}
	var buf bytes.Buffer
	rows := func(yield func(ErrorRow, error) bool) {
		yield(ErrorRow{Number: 2, Cells: []string{"0532", "BIREYSEL", "HS_WEB"}}, nil)
	}
	if err := WriteErrorWorkbook(&buf, header, rows); err != nil {
		t.Fatal(err)
	}
	r, err := OpenWith(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "hatalar.xlsx", Options{KeepUnmapped: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := r.Header()
	if HeaderKey(h.Cells) != HeaderKey(header) {
		t.Errorf("key of the error workbook %s, of the upload %s", HeaderKey(h.Cells), HeaderKey(header))
	}
	g := Guess(h.Cells)
	if len(g) != 7 || g[3] != Ignore || g[6] != Ignore {
		t.Errorf("Guess = %v", g)
	}
	row, err := r.Next()
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if row.Cells[0] != "0532" {
		t.Errorf("row %+v", row)
	}
}

// Samples keep the first non-empty values of each column, cut short.
func TestColumnSamples(t *testing.T) {
	s := NewSamples(2)
	long := strings.Repeat("ç", SampleLength+10)
	more := true
	for i := 0; more; i++ {
		v := ""
		if i%2 == 1 {
			v = "e" + itoa(i)
		}
		more = s.Add([]string{"  a\n b  ", v, "right of the header"})
		if i == 0 {
			s.Add([]string{long})
		}
	}
	got := s.Values()
	if len(got[0]) != SampleValues || got[0][0] != "a b" || got[0][1] != strings.Repeat("ç", SampleLength-1)+"…" {
		t.Errorf("column A: %q", got[0])
	}
	if !slices.Equal(got[1], []string{"e1", "e3", "e5", "e7", "e9"}) {
		t.Errorf("column B: %q", got[1])
	}
	if s.Add([]string{"x"}) {
		t.Error("more rows wanted after SampleRows")
	}
}

// With a header mapped by a user, the error workbook names the file's own
// headers and shades their cells.
func TestWriteErrorWorkbookMapped(t *testing.T) {
	header := []string{"Numara", "Müşteri Tipi", "Nereden"}
	rows := func(yield func(ErrorRow, error) bool) {
		yield(ErrorRow{Number: 2, Cells: []string{"0532", "BIREYSEL", "HS_YOK"}, Problems: []consent.Problem{
			consent.NewProblem(consent.CodePhoneInvalid, consent.FieldPhone)}}, nil)
	}
	var plain, mapped bytes.Buffer
	if err := WriteErrorWorkbook(&plain, header, rows); err != nil {
		t.Fatal(err)
	}
	if err := WriteErrorWorkbookMapped(&mapped, header, []Column{ColPhone, ColRecipientType, ColSource}, rows); err != nil {
		t.Fatal(err)
	}
	read := func(b []byte) (msg string, shaded bool) {
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		msg, _ = f.GetCellValue(ErrorSheet, "F2")
		a, _ := f.GetCellStyle(ErrorSheet, "A2")
		c, _ := f.GetCellStyle(ErrorSheet, "C2")
		return msg, a != c
	}
	if msg, shaded := read(plain.Bytes()); !strings.HasPrefix(msg, "telefon: ") || shaded {
		t.Errorf("by names: %q shaded %v", msg, shaded)
	}
	if msg, shaded := read(mapped.Bytes()); !strings.HasPrefix(msg, "Numara: ") || !shaded {
		t.Errorf("mapped: %q shaded %v", msg, shaded)
	}
}
