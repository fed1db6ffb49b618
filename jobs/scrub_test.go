package jobs

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"iysgate/app/consent"
	"iysgate/app/importer"
	"iysgate/app/store"
)

// The result workbook has its sheets in order; a hostile cell (as the
// list gave it, or as the file's name) comes back neutralised, phones and
// row numbers intact.
func TestScrubWorkbook(t *testing.T) {
	t.Parallel()
	sc := &store.Scrub{BrandName: "Marka", BrandCode: "820001", Type: "MESAJ", RecipientType: "BIREYSEL",
		Actor: "p@ornek.com.tr", Filename: `=cmd|' /C calc'!A0.xlsx`}
	at := time.Date(2025, 6, 11, 11, 30, 0, 0, time.UTC)
	hostile := `=HYPERLINK("http://x","tıkla")`
	var c rowChunk
	for _, phone := range []string{"0532 111 22 33", hostile, "+905321112244", "05329998877", "05321112255", "05321112266"} {
		c.rows = append(c.rows, importer.Row{Number: len(c.rows) + 2, Input: consent.RowInput{Phone: phone}})
	}
	b := normaliseRecipients(c, true)
	b.states = []store.CheckState{{Status: "ONAY", ConsentDate: &at, Source: "HS_WEB"}, {}, {Status: "RET", ConsentDate: &at, Source: "HS_WEB"}, {},
		// An ONAY on its way is not İzinli; a RET on its way is Ret at once.
		{PendingStatus: "ONAY", PendingSince: &at}, {Status: "ONAY", ConsentDate: &at, Source: "HS_WEB", PendingStatus: "RET", PendingSince: &at}}

	sw, err := newScrubWriter(sc)
	if err != nil {
		t.Fatal(err)
	}
	defer sw.wb.Close()
	if err := sw.write(b); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := sw.finish(&out, at, len(b.rows)); err != nil {
		t.Fatal(err)
	}
	if sw.counts != (store.ScrubCounts{Onay: 1, Ret: 2, Yok: 1, Invalid: 1, Pending: 1}) {
		t.Errorf("counts = %+v", sw.counts)
	}

	f, err := excelize.OpenReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), "|"); got != "Özet|İzinli|Ret|Bekleyen|Kayıtsız-Geçersiz" {
		t.Fatalf("sheets = %s", got)
	}
	rows := func(sheet string) []string {
		all, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range all {
			out = append(out, strings.Join(r, "|"))
		}
		return out
	}
	want := map[string][]string{
		"İzinli": {"Satır|Alıcı (listedeki)|Alıcı (İYS biçimi)|Durum|İzin Tarihi|Kaynak",
			"2|0532 111 22 33|+905321112233|ONAY|11.06.2025 14:30:00|HS_WEB"},
		"Ret": {"Satır|Alıcı (listedeki)|Alıcı (İYS biçimi)|Durum|İzin Tarihi|Kaynak",
			"4|+905321112244|+905321112244|RET|11.06.2025 14:30:00|HS_WEB",
			"7|05321112266|+905321112266|RET (İYS'ye gönderiliyor)|11.06.2025 14:30:00"},
		"Bekleyen": {"Satır|Alıcı (listedeki)|Alıcı (İYS biçimi)|Durum|İzin Tarihi|Kaynak",
			"6|05321112255|+905321112255|ONAY (İYS'ye gönderiliyor)|11.06.2025 14:30:00"},
		"Kayıtsız-Geçersiz": {"Satır|Alıcı (listedeki)|Alıcı (İYS biçimi)|Durum|Kod|Açıklama",
			"3|'" + hostile + "||GECERSIZ|PHONE_INVALID|" + consent.NewProblem(consent.CodePhoneInvalid, consent.FieldRecipient).Message,
			"5|05329998877|+905329998877|YOK||Bu markada bu alıcının Mesaj kanalında İYS'de kaydı yok."},
	}
	for sheet, w := range want {
		if got := rows(sheet); strings.Join(got, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s:\n%s\nwant\n%s", sheet, strings.Join(got, "\n"), strings.Join(w, "\n"))
		}
	}
	if typ, _ := f.GetCellType("İzinli", "A2"); typ != excelize.CellTypeUnset {
		t.Errorf("the row number is not a number: %v", typ)
	}
	summary := map[string]string{}
	for _, r := range rows("Özet") {
		k, v, _ := strings.Cut(r, "|")
		summary[k] = v
	}
	if summary["Dosya"] != "'"+sc.Filename || summary["Satır"] != "6" || summary["Marka"] != "Marka (820001)" ||
		summary["Kontrol zamanı"] != "11.06.2025 14:30:00 (Türkiye saati)" || summary["Bekleyen"] == "" {
		t.Errorf("Özet: %q", summary)
	}
}
