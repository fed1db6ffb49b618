package importer

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"iysgate/app/consent"
)

// The names of the template's sheets.
const (
	TemplateSheet      = "İzinler"
	TemplateRulesSheet = "Kurallar"
)

// The template kinds WriteTemplate knows.
const (
	TemplateBireysel = "bireysel"
	TemplateTacir    = "tacir"
)

// templateRules are the rules the "Kurallar" sheet lists, one per row.
var templateRules = []string{
	"Her satır bir alıcıdır: telefon numarası, e-posta adresi ya da ikisi birden. Bir satırdan en çok üç izin çıkar: telefon için ARAMA ve MESAJ, e-posta için EPOSTA.",
	"marka_kodu: İYS'deki marka kodunuz (yalnızca rakam). Yalnızca şirketinize tanımlı markaların kodlarıyla izin gönderebilirsiniz.",
	"alici_tipi: BIREYSEL (kişi) ya da TACIR (tacir/esnaf). İYS aynı adres için iki tipte ayrı kayıt tutar.",
	"telefon: Türkiye numarası. 0532 123 45 67, 5321234567, 905321234567 ve +905321234567 biçimlerinin hepsi okunur ve İYS biçimine (+905321234567) çevrilir. Yurt dışı numaraları İYS'ye kaydedilemez.",
	"telefon: Sütunun hücre biçimini «Metin» bırakın; sayı biçimindeki numaralar Excel'de bilimsel gösterime (5,32E+09) dönüşüp son hanelerini kaybedebilir.",
	"eposta: ad@alanadi.com biçiminde, boşluksuz ve Türkçe karakter kullanmadan yazın.",
	"arama_izni, mesaj_izni, eposta_izni: ONAY ya da RET (evet/hayır ve 1/0 da okunur).",
	"Telefonun arama ve mesaj izni ikisi de boşsa ikisi de ONAY kabul edilir; yalnızca biri boşsa o kanal gönderilmez. E-posta izni boşsa ONAY kabul edilir. Bu durumlar önizlemede uyarı olarak gösterilir.",
	"Bir alıcının İYS'deki ilk kaydı RET olamaz: İYS'de kaydı olmayan bir alıcıya zaten ileti gönderilemez, RET göndermeniz gerekmez.",
	"izin_kaynagi: iznin nasıl alındığı; listedeki HS_ kaynaklarından biri (ör. HS_WEB, HS_FIZIKSEL_ORTAM, HS_ISLAK_IMZA, HS_CAGRI_MERKEZI). TACIR alıcılarda boş bırakılabilir.",
	"IYS_ ile başlayan kaynaklar vatandaşın İYS'de kendi verdiği izinler içindir; hizmet sağlayıcı bu kaynaklarla izin gönderemez.",
	"izin_tarihi: iznin alındığı tarih ve saat, Türkiye saatiyle: GG.AA.YYYY SS:DD (ör. 11.06.2025 14:30), GG/AA/YYYY ya da YYYY-AA-GG SS:DD:ss. Boş bırakılırsa yükleme anı kullanılır.",
	"İzin tarihi ileri bir zaman ve 01.05.2015 00:00:00'dan önce olamaz.",
	"İzinler alındıktan sonra en geç 3 iş günü içinde İYS'ye gönderilmelidir; hafta sonları, resmî tatiller ve dinî bayramlar iş günü sayılmaz. Daha eski izinler İYS'ye gönderilemez.",
	"HS_2015 kaynağı yalnızca 01.05.2015 öncesinde alınmış izinler içindir; izin tarihi tam olarak 01.05.2015 00:00:00 olmalıdır (boş bırakılırsa bu tarih kullanılır).",
	"Aynı alıcı için dosyada birden çok satır varsa satırlar izin tarihi sırasıyla değerlendirilir; yalnızca gerçek bir değişiklik gönderilir. Alıcının izin durumu zaten aynıysa satır gönderilmez ve ücretlendirilmez.",
	"Örnek satırları silip kendi verilerinizi yazın. Başlık satırını değiştirmeyin; sütunların sırası önemli değildir, başka sütunlar yok sayılır.",
}

// ExampleBrandCode is the brand code of the template's example rows when
// the template is written for no brand of the user's.
const ExampleBrandCode = "123456"

// templateExamples returns the example rows of a template kind, in the
// template's column order. date is the consent date of the examples and
// brand their brand code.
func templateExamples(rt consent.RecipientType, brand string, date time.Time) [][]any {
	if rt == consent.RecipientTacir {
		return [][]any{
			{brand, string(consent.RecipientTacir), "Tacir", "Örnek", "05321234567", "bilgi@ornekticaret.com.tr", "ONAY", "ONAY", "ONAY", string(consent.SourceFizikselOrtam), date},
			{brand, string(consent.RecipientTacir), "Örnek Ticaret", "A.Ş.", "", "satis@ornekticaret.com.tr", "", "", "ONAY", string(consent.SourceIslakImza), date},
		}
	}
	return [][]any{
		{brand, string(consent.RecipientBireysel), "Bireysel", "Örnek", "05321234567", "ayse.yilmaz@example.com", "ONAY", "ONAY", "ONAY", string(consent.SourceWeb), date},
		{brand, string(consent.RecipientBireysel), "Mehmet", "Demir", "+905051234567", "", "ONAY", "RET", "", string(consent.SourceCagriMerkezi), date},
	}
}

// WriteTemplate writes the import template, an .xlsx workbook, to w. kind
// is TemplateBireysel or TemplateTacir and sets the recipient type of the
// two example rows ("Bireysel Örnek" with a phone number and an e-mail
// address, or "Tacir Örnek"); the columns are the same.
//
// The "İzinler" sheet has the header row (bold, frozen), the example rows
// dated now, drop-down lists for alici_tipi (BIREYSEL, TACIR), the
// permission columns (ONAY, RET) and izin_kaynagi (the provider's HS_
// sources), text format for marka_kodu and telefon (so that a leading 0
// survives) and a date format for izin_tarihi. The "Kurallar" sheet lists
// the rules in Turkish, one per row.
//
// brandCode is the brand code of the example rows, so that a user who only
// replaces the names and numbers sends to its own brand; "" gives
// ExampleBrandCode.
func WriteTemplate(w io.Writer, kind, brandCode string) error {
	if brandCode == "" {
		brandCode = ExampleBrandCode
	}
	var rt consent.RecipientType
	switch strings.ToLower(strings.TrimSpace(kind)) {
	case TemplateBireysel:
		rt = consent.RecipientBireysel
	case TemplateTacir:
		rt = consent.RecipientTacir
	default:
		return fmt.Errorf("importer: unknown template kind %q (want %q or %q)", kind, TemplateBireysel, TemplateTacir)
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := writeTemplate(f, rt, brandCode); err != nil {
		return fmt.Errorf("importer: template: %w", err)
	}
	return f.Write(w)
}

func writeTemplate(f *excelize.File, rt consent.RecipientType, brandCode string) error {
	const sh = TemplateSheet
	if err := f.SetSheetName("Sheet1", sh); err != nil {
		return err
	}
	heading := styleDefs[StyleHeading] // the heading of every workbook, with a rule below
	heading.Border = []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}}
	heading.Alignment = &excelize.Alignment{Vertical: "center"}
	headerStyle, err := f.NewStyle(&heading)
	if err != nil {
		return err
	}
	text := "@"
	textStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &text})
	if err != nil {
		return err
	}
	dateFmt := "dd.mm.yyyy hh:mm"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return err
	}
	letter := func(c Column) string { return columnLetters(int(c)) }

	widths := map[Column]float64{
		ColBrandCode: 13, ColRecipientType: 13, ColFirstName: 16, ColLastName: 16, ColPhone: 17, ColEmail: 30,
		ColCallPermission: 12, ColMessagePermission: 12, ColEmailPermission: 12, ColSource: 22, ColConsentDate: 18,
	}
	for c, wd := range widths {
		if err := f.SetColWidth(sh, letter(c), letter(c), wd); err != nil {
			return err
		}
	}
	for _, c := range []Column{ColBrandCode, ColPhone} {
		if err := f.SetColStyle(sh, letter(c), textStyle); err != nil {
			return err
		}
	}
	if err := f.SetColStyle(sh, letter(ColConsentDate), dateStyle); err != nil {
		return err
	}

	header := TemplateHeader()
	if err := f.SetSheetRow(sh, "A1", &header); err != nil {
		return err
	}
	if err := f.SetRowStyle(sh, 1, 1, headerStyle); err != nil {
		return err
	}
	now := time.Now().In(consent.Location())
	date := time.Date(now.Year(), now.Month(), now.Day(), now.Hour(), now.Minute(), 0, 0, time.UTC)
	for i, row := range templateExamples(rt, brandCode, date) {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sh, cell, &row); err != nil {
			return err
		}
		for _, c := range []Column{ColBrandCode, ColPhone} {
			if err := f.SetCellStyle(sh, fmt.Sprintf("%s%d", letter(c), i+2), fmt.Sprintf("%s%d", letter(c), i+2), textStyle); err != nil {
				return err
			}
		}
		dc := fmt.Sprintf("%s%d", letter(ColConsentDate), i+2)
		if err := f.SetCellStyle(sh, dc, dc, dateStyle); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}

	sources := make([]string, len(consent.AllSources))
	for i, s := range consent.AllSources {
		sources[i] = string(s)
	}
	lists := []struct {
		from, to Column
		values   []string
		title    string
		msg      string
	}{
		{ColRecipientType, ColRecipientType, []string{string(consent.RecipientBireysel), string(consent.RecipientTacir)},
			"Alıcı tipi", "BIREYSEL ya da TACIR seçin."},
		{ColCallPermission, ColEmailPermission, []string{string(consent.StatusOnay), string(consent.StatusRet)},
			"İzin durumu", "ONAY ya da RET seçin; boş bırakılabilir (Kurallar sayfasına bakın)."},
		{ColSource, ColSource, sources,
			"İzin kaynağı", "Listeden bir HS_ kaynağı seçin. IYS_ kaynakları kullanılamaz."},
	}
	for _, l := range lists {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s1048576", letter(l.from), letter(l.to))
		if err := dv.SetDropList(l.values); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, l.title, "Geçersiz değer. "+l.msg)
		dv.SetInput(l.title, l.msg)
		if err := f.AddDataValidation(sh, dv); err != nil {
			return err
		}
	}

	const rules = TemplateRulesSheet
	if _, err := f.NewSheet(rules); err != nil {
		return err
	}
	wrap, err := f.NewStyle(&styleDefs[styleWrapped])
	if err != nil {
		return err
	}
	if err := f.SetColWidth(rules, "A", "A", 6); err != nil {
		return err
	}
	if err := f.SetColWidth(rules, "B", "B", 110); err != nil {
		return err
	}
	if err := f.SetSheetRow(rules, "A1", &[]any{"No", "Kural"}); err != nil {
		return err
	}
	if err := f.SetRowStyle(rules, 1, 1, headerStyle); err != nil {
		return err
	}
	for i, r := range templateRules {
		if err := f.SetSheetRow(rules, fmt.Sprintf("A%d", i+2), &[]any{i + 1, r}); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(rules, "B2", fmt.Sprintf("B%d", len(templateRules)+1), wrap); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return nil
}
