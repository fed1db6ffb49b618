package importer

import (
	"strings"
	"testing"

	"iysgate/app/consent"
)

func TestHeaderColumnSynonyms(t *testing.T) {
	want := map[string]Column{
		"marka_kodu": ColBrandCode, "Marka Kodu": ColBrandCode, "MARKA KODU": ColBrandCode, "Marka No": ColBrandCode,
		"BrandCode": ColBrandCode, "marka-kodu": ColBrandCode, " Marka.Kodu ": ColBrandCode,
		"alici_tipi": ColRecipientType, "Alıcı Tipi": ColRecipientType, "ALICI TİPİ": ColRecipientType, "alıcı tipi": ColRecipientType, "Tip": ColRecipientType,
		"ad": ColFirstName, "Ad": ColFirstName, "Adı": ColFirstName, "İsim": ColFirstName, "isim": ColFirstName, "ISIM": ColFirstName,
		"soyad": ColLastName, "Soyadı": ColLastName, "SOYADI": ColLastName,
		"telefon": ColPhone, "Telefon": ColPhone, "GSM": ColPhone, "Cep Telefonu": ColPhone, "Cep": ColPhone, "Telefon No": ColPhone,
		"Telefon No.": ColPhone, "TELEFON *": ColPhone, "cep_telefonu": ColPhone,
		"eposta": ColEmail, "E-Posta": ColEmail, "Email": ColEmail, "E-mail": ColEmail, "Mail": ColEmail, "e_posta": ColEmail,
		"arama_izni": ColCallPermission, "Arama İzni": ColCallPermission, "Arama": ColCallPermission, "ARAMA İZNİ": ColCallPermission,
		"mesaj_izni": ColMessagePermission, "Mesaj İzni": ColMessagePermission, "SMS": ColMessagePermission, "SMS İzni": ColMessagePermission,
		"eposta_izni": ColEmailPermission, "E-Posta İzni": ColEmailPermission, "Eposta İzni": ColEmailPermission, "E-POSTA İZNİ": ColEmailPermission,
		"izin_kaynagi": ColSource, "İzin Kaynağı": ColSource, "Kaynak": ColSource, "IZIN KAYNAGI": ColSource,
		"izin_tarihi": ColConsentDate, "İzin Tarihi": ColConsentDate, "Onay Tarihi": ColConsentDate, "Tarih": ColConsentDate, "izin tarihi": ColConsentDate,
	}
	for cell, c := range want {
		got, ok := HeaderColumn(cell)
		if !ok || got != c {
			t.Errorf("HeaderColumn(%q) = %s %v, want %s", cell, got, ok, c)
		}
	}
	for _, cell := range []string{"", "Not", "Açıklama", "Satır", "Hata Kodu", "Hata", "Öneri", "Durum", "İzin"} {
		if c, ok := HeaderColumn(cell); ok {
			t.Errorf("HeaderColumn(%q) = %s, want none", cell, c)
		}
	}
}

func TestMapHeader(t *testing.T) {
	m, err := MapHeader([]string{"Not", "Marka Kodu", "", "Tip", "GSM", "Kaynak", "Açıklama", "", ""})
	if err != nil {
		t.Fatal(err)
	}
	if m.Width != 7 || strings.Join(m.Ignored, ",") != "Not,Açıklama" {
		t.Errorf("Width %d, Ignored %q", m.Width, m.Ignored)
	}
	if i, ok := m.Index(ColPhone); !ok || i != 4 {
		t.Errorf("Index(telefon) = %d %v", i, ok)
	}
	if m.Has(ColEmail) || m.Has(ColConsentDate) {
		t.Error("absent columns reported")
	}
	in := m.RowInput([]string{"x", "650123", "", "BIREYSEL", "0532"})
	if in.BrandCode != "650123" || in.Phone != "0532" || in.Source != "" || in.Email != "" {
		t.Errorf("RowInput = %+v", in)
	}

	// The template header maps every column.
	m, err = MapHeader(TemplateHeader())
	if err != nil || len(m.Ignored) != 0 {
		t.Fatal(err, m.Ignored)
	}
	for _, c := range Columns() {
		if i, ok := m.Index(c); !ok || i != int(c) {
			t.Errorf("template: Index(%s) = %d %v", c, i, ok)
		}
	}
}

func TestMapHeaderErrors(t *testing.T) {
	_, err := MapHeader([]string{"eposta", "izin_kaynagi"})
	e := wantCode(t, err, CodeHeaderMissing)
	if len(e.Missing) != 2 || !strings.Contains(e.Message, "marka_kodu (Marka Kodu), alici_tipi (Alıcı Tipi).") {
		t.Errorf("%v: %s", e.Missing, e.Message)
	}
	if strings.Contains(e.Message, "telefon ya da eposta sütunlarından") {
		t.Error("e-mail present, yet telefon/eposta reported missing")
	}

	_, err = MapHeader([]string{"marka_kodu", "alici_tipi", "izin_kaynagi"})
	e = wantCode(t, err, CodeHeaderMissing)
	if len(e.Missing) != 2 || e.Missing[0] != ColPhone || e.Missing[1] != ColEmail || !strings.Contains(e.Message, "telefon ya da eposta sütunlarından en az biri") {
		t.Errorf("%v: %s", e.Missing, e.Message)
	}

	// Missing and duplicate at once: one error saying both.
	_, err = MapHeader([]string{"marka_kodu", "E-Posta", "Email", "Tarih", "Onay Tarihi"})
	e = wantCode(t, err, CodeHeaderMissing)
	if len(e.Duplicates) != 2 || !strings.Contains(e.Message, "«E-Posta», «Email» başlıklarının hepsi eposta sütunu") || !strings.Contains(e.Message, "izin_tarihi sütunu") {
		t.Errorf("%q: %s", e.Duplicates, e.Message)
	}
	if !strings.Contains(e.Error(), "Beklenen başlıklar") {
		t.Error("Error() must be the message")
	}
}

func TestColumns(t *testing.T) {
	if got := strings.Join(TemplateHeader(), ","); got != "marka_kodu,alici_tipi,ad,soyad,telefon,eposta,arama_izni,mesaj_izni,eposta_izni,izin_kaynagi,izin_tarihi" {
		t.Errorf("TemplateHeader = %s", got)
	}
	for _, c := range Columns() {
		if c.Label() == "" || c.Name() == "" || c.String() != c.Name() {
			t.Errorf("column %d: %q %q", c, c.Name(), c.Label())
		}
		if f := c.Field(); f != "" {
			if back, ok := ColumnForField(f); !ok || back != c {
				t.Errorf("ColumnForField(%s) = %s", f, back)
			}
		}
	}
	if _, ok := ColumnForField(consent.FieldRecipient); ok {
		t.Error("recipient has no single column")
	}
	if Column(99).Name() != "" || Column(-1).Label() != "" {
		t.Error("invalid column must have no name")
	}
	if len(RequiredColumns()) != 3 {
		t.Error(RequiredColumns())
	}
}
