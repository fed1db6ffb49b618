package consent

import (
	"strings"
	"testing"
)

func TestParseType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Type
		ok   bool
	}{
		{"ARAMA", TypeArama, true}, {"arama", TypeArama, true}, {"Çağrı", TypeArama, true},
		{"ÇAĞRI", TypeArama, true}, {"cagri", TypeArama, true}, {"telefon", TypeArama, true}, {"Ses", TypeArama, true},
		{"MESAJ", TypeMesaj, true}, {"sms", TypeMesaj, true}, {"SMS", TypeMesaj, true}, {"İleti", TypeMesaj, true},
		{"ileti", TypeMesaj, true}, {"ILETI", TypeMesaj, true}, {" mesaj ", TypeMesaj, true}, {"kısa mesaj", TypeMesaj, true},
		{"EPOSTA", TypeEposta, true}, {"e-posta", TypeEposta, true}, {"E-Posta", TypeEposta, true}, {"E POSTA", TypeEposta, true},
		{"e_posta", TypeEposta, true}, {"email", TypeEposta, true}, {"e-mail", TypeEposta, true}, {"Mail", TypeEposta, true},
		{"", "", false}, {"faks", "", false}, {"WHATSAPP", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseType(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseType(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	onay := []string{"ONAY", "onay", "Onay", "onaylı", "ONAYLI", "onayli", "evet", "EVET", "e", "E", "1", "1.0", "true", "TRUE", "DOĞRU", "izinli", "İZİNLİ", "var", " Onay "}
	ret := []string{"RET", "ret", "red", "RED", "hayır", "HAYIR", "hayir", "h", "H", "0", "0.0", "false", "FALSE", "YANLIŞ", "izinsiz", "İZİNSİZ", "yok", "YOK"}
	for _, s := range onay {
		if got, ok := ParseStatus(s); got != StatusOnay || !ok {
			t.Errorf("ParseStatus(%q) = %q, %v; want ONAY", s, got, ok)
		}
	}
	for _, s := range ret {
		if got, ok := ParseStatus(s); got != StatusRet || !ok {
			t.Errorf("ParseStatus(%q) = %q, %v; want RET", s, got, ok)
		}
	}
	for _, s := range []string{"", "  ", "belki", "2", "onay ret", "-"} {
		if got, ok := ParseStatus(s); ok {
			t.Errorf("ParseStatus(%q) = %q, want failure", s, got)
		}
	}
}

func TestParseRecipientType(t *testing.T) {
	t.Parallel()
	tests := map[string]RecipientType{
		"BIREYSEL": RecipientBireysel, "Bireysel": RecipientBireysel, "BİREYSEL": RecipientBireysel,
		"bireysel": RecipientBireysel, "bi̇reysel": RecipientBireysel, "bıreysel": RecipientBireysel,
		"TACIR": RecipientTacir, "tacir": RecipientTacir, "TACİR": RecipientTacir, "Tacir / Esnaf": RecipientTacir,
		"tacir_esnaf": RecipientTacir,
	}
	for in, want := range tests {
		if got, ok := ParseRecipientType(in); got != want || !ok {
			t.Errorf("ParseRecipientType(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, s := range []string{"", "kurumsal", "tüzel"} {
		if got, ok := ParseRecipientType(s); ok {
			t.Errorf("ParseRecipientType(%q) = %q, want failure", s, got)
		}
	}
}

func TestParseSource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Source
	}{
		{"HS_FIZIKSEL_ORTAM", SourceFizikselOrtam},
		{"HS FİZİKSEL ORTAM", SourceFizikselOrtam},
		{"hs fiziksel ortam", SourceFizikselOrtam},
		{"Fiziksel Ortam", SourceFizikselOrtam},
		{"FİZİKSEL_ORTAM", SourceFizikselOrtam},
		{"Islak İmza", SourceIslakImza},
		{"ıslak imza", SourceIslakImza},
		{"HS_ISLAK_IMZA", SourceIslakImza},
		{"Web", SourceWeb},
		{"hs_web", SourceWeb},
		{"Çağrı Merkezi", SourceCagriMerkezi},
		{"HS_CAGRI_MERKEZI", SourceCagriMerkezi},
		{"Sosyal Medya", SourceSosyalMedya},
		{"E-Posta", SourceEposta},
		{"HS_EPOSTA", SourceEposta},
		{"Mesaj", SourceMesaj},
		{"Mobil", SourceMobil},
		{"E-Ortam", SourceEOrtam},
		{"HS_EORTAM", SourceEOrtam},
		{"Etkinlik", SourceEtkinlik},
		{"HS_2015", Source2015},
		{"2015", Source2015},
		{"2015 Öncesi", Source2015},
		{"ATM", SourceATM},
		{"HS_KARAR", SourceKarar},
		{"IYS_WEB", SourceIYSWeb},
		{"İYS Web", SourceIYSWeb},
		{"iys_kisa_link", SourceIYSKisaLink},
		{"İYS Kısa Link", SourceIYSKisaLink},
		{"IYS_3338", SourceIYS3338},
		{"IYS_CM", SourceIYSCagriMerkezi},
		{"IYS_EDEVLET", Source("IYS_EDEVLET")},
		{"İYS yeni kanal", Source("IYS_YENI_KANAL")},
	}
	for _, tt := range tests {
		got, ok := ParseSource(tt.in)
		if got != tt.want || !ok {
			t.Errorf("ParseSource(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, s := range []string{"", "HS_FOO", "IYS", "IYS_", "İYS-!", "gazete", "HS_"} {
		if got, ok := ParseSource(s); ok {
			t.Errorf("ParseSource(%q) = %q, want failure", s, got)
		}
	}
}

func TestSourceProviderAllowed(t *testing.T) {
	t.Parallel()
	if len(AllSources) != 13 {
		t.Fatalf("AllSources has %d sources, want 13", len(AllSources))
	}
	for _, s := range AllSources {
		if !s.ProviderAllowed() || s.IsCitizen() || !s.Valid() {
			t.Errorf("%s: ProviderAllowed=%v IsCitizen=%v", s, s.ProviderAllowed(), s.IsCitizen())
		}
		if s.Label() == string(s) || s.Label() == "" {
			t.Errorf("%s has no label", s)
		}
	}
	for _, s := range append(CitizenSources, "IYS_EDEVLET") {
		if s.ProviderAllowed() || !s.IsCitizen() || !s.Valid() {
			t.Errorf("%s: ProviderAllowed=%v IsCitizen=%v", s, s.ProviderAllowed(), s.IsCitizen())
		}
		if !strings.HasPrefix(s.Label(), "İYS ") {
			t.Errorf("%s label %q", s, s.Label())
		}
	}
	if Source("HS_FOO").ProviderAllowed() || Source("HS_FOO").Valid() || Source("").Valid() {
		t.Error("unknown sources must not be allowed")
	}
}

func TestLabels(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		SourceFizikselOrtam.Label(): "Fiziksel Ortam",
		SourceIslakImza.Label():     "Islak İmza",
		SourceCagriMerkezi.Label():  "Çağrı Merkezi",
		TypeArama.Label():           "Arama",
		TypeMesaj.Label():           "Mesaj",
		TypeEposta.Label():          "E-Posta",
		RecipientBireysel.Label():   "Bireysel",
		RecipientTacir.Label():      "Tacir",
		StatusOnay.Label():          "Onay",
		StatusRet.Label():           "Ret",
		Type("X").Label():           "X",
	}
	for got, w := range want {
		if got != w {
			t.Errorf("label %q, want %q", got, w)
		}
	}
	for _, ty := range AllTypes {
		if !ty.Valid() {
			t.Errorf("%s not valid", ty)
		}
	}
	for _, s := range AllStatuses {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
	}
	for _, r := range AllRecipientTypes {
		if !r.Valid() {
			t.Errorf("%s not valid", r)
		}
	}
	if !TypeArama.IsPhone() || !TypeMesaj.IsPhone() || TypeEposta.IsPhone() {
		t.Error("IsPhone")
	}
	// Every label parses back to its value.
	for _, s := range AllSources {
		if got, ok := ParseSource(s.Label()); !ok || got != s {
			t.Errorf("ParseSource(%q) = %q", s.Label(), got)
		}
	}
	for _, ty := range AllTypes {
		if got, ok := ParseType(ty.Label()); !ok || got != ty {
			t.Errorf("ParseType(%q) = %q", ty.Label(), got)
		}
	}
}
