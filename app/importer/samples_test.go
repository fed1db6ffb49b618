package importer

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"iysgate/app/consent"
)

// The sample files in testdata are small hand-made uploads such as
// customers send. TestSamples reads them and compares what the reader and
// consent.ValidateRow make of them with testdata/samples.golden.
// go test ./app/importer -run TestSamples -update rewrites the samples and
// the golden file.
var update = flag.Bool("update", false, "rewrite testdata samples and golden files")

var sampleNow = time.Date(2025, 6, 12, 15, 0, 0, 0, consent.Location())

var samples = []string{"musteri-listesi.xlsx", "turkce-excel.csv", "eksik-sutunlar.xlsx"}

func TestSamples(t *testing.T) {
	if *update {
		writeSamples(t)
	}
	var out strings.Builder
	for _, name := range samples {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 50<<10 {
			t.Errorf("%s is %d bytes; keep samples under 50 KB", name, len(data))
		}
		fmt.Fprintf(&out, "== %s\n", name)
		r, err := Open(bytes.NewReader(data), int64(len(data)), name, Limits{})
		if err != nil {
			var e *Error
			errors.As(err, &e)
			fmt.Fprintf(&out, "error %s: %s\n", e.Code, e.Message)
			continue
		}
		h := r.Header()
		fmt.Fprintf(&out, "format=%s sheet=%q header-row=%d skipped=%q ignored=%q delimiter=%q encoding=%q\n",
			h.Format, h.Sheet, h.Row, h.SkippedSheets, h.Mapping.Ignored, h.Delimiter, h.Encoding)
		for _, row := range readAll(t, r) {
			res := consent.ValidateRow(row.Input, sampleNow, nil)
			fmt.Fprintf(&out, "row %d %q\n", row.Number, row.Cells)
			for _, it := range res.Items {
				fmt.Fprintf(&out, "  %s %s %s %s %s ok=%v\n", it.Consent.Type, it.Consent.Recipient, it.Consent.Status, it.Consent.Source, consent.FormatIYS(it.Consent.ConsentDate), it.OK())
			}
			for _, p := range res.Problems {
				if p.Code == consent.CodeDateDefaultedNow {
					continue // depends on the clock
				}
				fmt.Fprintf(&out, "  %s %s %s\n", p.Severity, p.Code, p.Field)
			}
		}
	}
	golden := filepath.Join("testdata", "samples.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("samples differ from %s (run with -update after checking):\n%s", golden, out.String())
	}
}

// writeSamples writes the sample files.
func writeSamples(t *testing.T) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// A customer's list as Excel saves it: a hidden old sheet, a title row,
	// header synonyms, phones as numbers and text, dates as date cells,
	// text and serial numbers, mistakes the preview must show.
	f := excelize.NewFile()
	must(f.SetSheetName("Sheet1", "Eski Liste"))
	must(f.SetSheetRow("Eski Liste", "A1", &header11))
	must(f.SetSheetRow("Eski Liste", "A2", &[]any{111111, "BIREYSEL", "Eski", "Kayıt", 5550000000}))
	idx, err := f.NewSheet("Müşteriler")
	must(err)
	f.SetActiveSheet(idx)
	must(f.SetSheetVisible("Eski Liste", false))
	dt, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	must(err)
	const sh = "Müşteriler"
	must(f.SetCellValue(sh, "A1", "ABC Mağazacılık – İYS izin listesi (Haziran 2025)"))
	must(f.SetSheetRow(sh, "A2", &[]any{"Marka No", "Alıcı Tipi", "Adı", "Soyadı", "Cep Telefonu", "E-Posta", "Arama İzni", "SMS İzni", "E-Posta İzni", "İzin Kaynağı", "Onay Tarihi", "Notlar"}))
	at := func(d, h, m int) time.Time { return time.Date(2025, 6, d, h, m, 0, 0, time.UTC) }
	rows := [][]any{
		{650123, "BIREYSEL", "Ayşe", "Yılmaz", 5321234567, "ayse.yilmaz@Example.COM", "ONAY", "ONAY", "ONAY", "HS_WEB", at(11, 10, 30), "mağaza"},
		{650123, "Bireysel", "Mehmet", "Demir", "+90 505 123 45 67", "", "evet", "hayır", "", "Fiziksel Ortam", "11.06.2025 14:05", ""},
		{650123, "TACIR", "Örnek Ticaret", "", "", "info@ornek.com.tr", "", "", "", "", 45819.5, ""},
		{650123, "BIREYSEL", "Ali", "Veli", 532123456, "", "", "", "", "HS_CAGRI_MERKEZI", at(12, 9, 0), "eksik hane"},
		{650123, "BIREYSEL", "Zeynep", "Kaya", "05331234567", "zeynep@", "RET", "RET", "ONAY", "IYS_WEB", at(12, 9, 0), ""},
		{},
		{650123, "BIREYSEL", "Can", "Öz", "05341234567", "", "", "", "", "HS_2015", at(1, 0, 0), "eski izin"},
		{650123, "BIREYSEL", "Elif", "Şahin", "05351234567", "", "ONAY", "", "", "HS_WEB", at(2, 10, 0), "3 iş günü geçti"},
		{650123, "BIREYSEL", "Deniz", "Ak", "05361234567", "", "ONAY", "ONAY", "", "HS_WEB", at(20, 10, 0), "ileri tarih"},
		{"", "BIREYSEL", "Marka", "Yok", "05371234567", "", "", "", "", "HS_WEB", "", "marka kodu boş"},
		{650123, "", "", "", "", "", "", "", "", "", "", "yalnızca not"},
	}
	for i, row := range rows {
		if len(row) == 0 {
			continue
		}
		cell := fmt.Sprintf("A%d", i+3)
		must(f.SetSheetRow(sh, cell, &row))
		if _, ok := row[10].(time.Time); ok {
			must(f.SetCellStyle(sh, fmt.Sprintf("K%d", i+3), fmt.Sprintf("K%d", i+3), dt))
		}
	}
	var buf bytes.Buffer
	must(f.Write(&buf))
	must(os.WriteFile(filepath.Join("testdata", "musteri-listesi.xlsx"), buf.Bytes(), 0o644))
	f.Close()

	// Turkish Excel's "CSV (virgülle ayrılmış)": Windows-1254 and ';'.
	csvText := "Marka Kodu;Alıcı Tipi;Ad;Soyad;Telefon;E-Posta;Arama İzni;Mesaj İzni;E-Posta İzni;İzin Kaynağı;İzin Tarihi\r\n" +
		"650123;BİREYSEL;Şükrü;Ağaoğlu;0532 123 45 67;sukru@example.com;ONAY;ONAY;ONAY;HS FİZİKSEL ORTAM;11.06.2025 10:30\r\n" +
		"650123;BİREYSEL;Gülşen;Işık;(0533) 123-45-67;;;;;Islak İmza;11/06/2025 11:00\r\n" +
		"650123;TACİR;Çiğdem;Öztürk;;cigdem@ornek.com.tr;;;RET;web;2025-06-11 12:00:00\r\n" +
		"650123;BİREYSEL;İsmail;Ünal;5,32E+09;;ONAY;ONAY;;HS_WEB;11.06.2025\r\n"
	must(os.WriteFile(filepath.Join("testdata", "turkce-excel.csv"), cp1254Encode(t, csvText), 0o644))

	// A list without the required columns.
	f = excelize.NewFile()
	must(f.SetSheetRow("Sheet1", "A1", &[]any{"Ad", "Soyad", "GSM", "Onay Tarihi"}))
	must(f.SetSheetRow("Sheet1", "A2", &[]any{"Ali", "Veli", "05321234567", "11.06.2025"}))
	buf.Reset()
	must(f.Write(&buf))
	must(os.WriteFile(filepath.Join("testdata", "eksik-sutunlar.xlsx"), buf.Bytes(), 0o644))
	f.Close()
}
