package importer

import (
	"bytes"
	"errors"
	"iter"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"iysgate/app/consent"
)

func seq(rows ...ErrorRow) iter.Seq2[ErrorRow, error] {
	return func(yield func(ErrorRow, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func TestWriteErrorWorkbook(t *testing.T) {
	header := []string{"Marka Kodu", "Tip", "GSM", "E-mail", "Kaynak", "Not"}
	rows := []ErrorRow{
		{Number: 3, Cells: []string{"650123", "BIREYSEL", "0532", "=HYPERLINK(\"http://x\")", "HS_WEB", "-5"}, Problems: []consent.Problem{
			consent.NewProblem(consent.CodePhoneInvalid, consent.FieldPhone),
			consent.NewProblem(consent.CodeEmailInvalid, consent.FieldEmail),
			consent.NewProblem(consent.CodePermissionsDefaulted, ""),
		}},
		{Number: 7, Cells: []string{"", "BIREYSEL", "+905321234567", "@x", "+90 532"}, Problems: []consent.Problem{
			consent.NewProblem(consent.CodeBrandMissing, consent.FieldBrandCode),
		}},
	}
	var buf bytes.Buffer
	if err := WriteErrorWorkbook(&buf, header, seq(rows...)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := f.GetRows(ErrorSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("rows = %q", got)
	}
	wantHead := append(append([]string{}, header...), "Satır", "Hata Kodu", "Hata", "Öneri")
	if strings.Join(got[0], "|") != strings.Join(wantHead, "|") {
		t.Errorf("header = %q", got[0])
	}
	r1 := got[1]
	if r1[0] != "650123" || r1[3] != `'=HYPERLINK("http://x")` || r1[5] != "-5" || r1[6] != "3" {
		t.Errorf("row 1 = %q", r1)
	}
	if r1[7] != "PHONE_INVALID\nEMAIL_INVALID\nPERMISSIONS_DEFAULTED" {
		t.Errorf("codes = %q", r1[7])
	}
	msgs := strings.Split(r1[8], "\n")
	if len(msgs) != 3 || msgs[0] != "GSM: Telefon numarası geçersiz." || !strings.HasPrefix(msgs[1], "E-mail: ") || !strings.HasPrefix(msgs[2], "Uyarı: Arama ve mesaj") {
		t.Errorf("messages = %q", msgs)
	}
	if hints := strings.Split(r1[9], "\n"); len(hints) != 3 || !strings.Contains(hints[0], "0532 123 45 67") {
		t.Errorf("hints = %q", hints)
	}
	r2 := got[2]
	if r2[2] != "+905321234567" || r2[3] != "'@x" || r2[4] != "'+90 532" || r2[6] != "7" || !strings.HasPrefix(r2[8], "Marka Kodu: Marka kodu boş.") {
		t.Errorf("row 2 = %q", r2)
	}
	// The cells of columns with an error are shaded.
	plain, _ := f.GetCellStyle(ErrorSheet, "A2")
	bad, _ := f.GetCellStyle(ErrorSheet, "C2")
	if plain == bad {
		t.Error("the phone cell with an error is not marked")
	}

	// The error workbook uploads again with the same mapping; the added
	// columns are ignored.
	r := mustOpen(t, buf.Bytes(), "hatalar.xlsx", Limits{})
	h := r.Header()
	if strings.Join(h.Mapping.Ignored, ",") != "Not,Satır,Hata Kodu,Hata,Öneri" {
		t.Errorf("ignored = %q", h.Mapping.Ignored)
	}
	back := readAll(t, r)
	if len(back) != 2 || back[0].Input.Phone != "0532" || back[1].Input.Phone != "+905321234567" {
		t.Errorf("read back = %+v", back)
	}
}

func TestWriteErrorWorkbookSheets(t *testing.T) {
	defer func(n int) { maxSheetRows = n }(maxSheetRows)
	maxSheetRows = 3 // the header and two rows
	var rows []ErrorRow
	for i := range 5 {
		rows = append(rows, ErrorRow{Number: i + 2, Cells: []string{"x"}, Problems: []consent.Problem{consent.NewProblem(consent.CodeBrandMissing, consent.FieldBrandCode)}})
	}
	var buf bytes.Buffer
	if err := WriteErrorWorkbook(&buf, []string{"marka_kodu"}, seq(rows...)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "Hatalar,Hatalar 2,Hatalar 3" {
		t.Fatalf("sheets = %s", got)
	}
	last, _ := f.GetRows("Hatalar 3")
	if len(last) != 2 || last[0][1] != "Satır" || last[1][1] != "6" {
		t.Errorf("last sheet = %q", last)
	}
}

func TestWriteErrorWorkbookIteratorError(t *testing.T) {
	boom := errors.New("veritabanı")
	rows := func(yield func(ErrorRow, error) bool) {
		if !yield(ErrorRow{Number: 2}, nil) {
			return
		}
		yield(ErrorRow{}, boom)
	}
	if err := WriteErrorWorkbook(&bytes.Buffer{}, []string{"a"}, rows); !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
}
