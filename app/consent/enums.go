package consent

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Type is the channel of a consent, İYS's "type" field.
type Type string

// The channels İYS knows.
const (
	TypeArama  Type = "ARAMA"  // voice calls to a phone number
	TypeMesaj  Type = "MESAJ"  // SMS and other messages to a phone number
	TypeEposta Type = "EPOSTA" // e-mail to an e-mail address
)

// AllTypes lists every channel in the order the UI shows them.
var AllTypes = []Type{TypeArama, TypeMesaj, TypeEposta}

var typeLabels = map[Type]string{
	TypeArama:  "Arama",
	TypeMesaj:  "Mesaj",
	TypeEposta: "E-Posta",
}

var typeSynonyms = map[string]Type{
	"ARAMA": TypeArama, "CAGRI": TypeArama, "TELEFON": TypeArama, "TEL": TypeArama,
	"SES": TypeArama, "SESLIARAMA": TypeArama, "TELEFONLAARAMA": TypeArama,
	"MESAJ": TypeMesaj, "SMS": TypeMesaj, "ILETI": TypeMesaj, "KISAMESAJ": TypeMesaj,
	"EPOSTA": TypeEposta, "EMAIL": TypeEposta, "MAIL": TypeEposta, "ELEKTRONIKPOSTA": TypeEposta,
}

// ParseType reads a channel written in any of the usual ways ("SMS",
// "e-posta", "Çağrı", "arama"): case, spaces, underscores, hyphens and
// Turkish letters do not matter. It reports false when the text is not a
// channel.
func ParseType(s string) (Type, bool) {
	return lookupFold(typeSynonyms, s)
}

// Valid reports whether t is one of the channels İYS knows.
func (t Type) Valid() bool { _, ok := typeLabels[t]; return ok }

// Label is the Turkish name of the channel for the UI ("Arama", "Mesaj",
// "E-Posta"); an unknown value is returned as it is.
func (t Type) Label() string { return labelOr(typeLabels, t) }

// IsPhone reports whether the channel's recipient is a phone number (ARAMA
// and MESAJ); EPOSTA's recipient is an e-mail address.
func (t Type) IsPhone() bool { return t == TypeArama || t == TypeMesaj }

// Status is the state of a consent: ONAY (consent given) or RET (rejected).
type Status string

// The statuses İYS knows.
const (
	StatusOnay Status = "ONAY"
	StatusRet  Status = "RET"
)

// AllStatuses lists every status in the order the UI shows them.
var AllStatuses = []Status{StatusOnay, StatusRet}

var statusLabels = map[Status]string{StatusOnay: "Onay", StatusRet: "Ret"}

var statusSynonyms = map[string]Status{
	"ONAY": StatusOnay, "ONAYLI": StatusOnay, "ONAYVAR": StatusOnay, "EVET": StatusOnay,
	"E": StatusOnay, "1": StatusOnay, "1.0": StatusOnay, "TRUE": StatusOnay, "DOGRU": StatusOnay,
	"IZINLI": StatusOnay, "IZINVAR": StatusOnay, "VAR": StatusOnay, "YES": StatusOnay, "Y": StatusOnay,
	"RET": StatusRet, "RED": StatusRet, "REDDEDILDI": StatusRet, "HAYIR": StatusRet, "H": StatusRet,
	"0": StatusRet, "0.0": StatusRet, "FALSE": StatusRet, "YANLIS": StatusRet, "IZINSIZ": StatusRet,
	"IZINYOK": StatusRet, "YOK": StatusRet, "NO": StatusRet, "N": StatusRet,
}

// ParseStatus reads a status written in any of the common ways: ONAY, onaylı,
// evet, e, 1, true, izinli, var (and Excel's DOĞRU) are ONAY; RET, red,
// hayır, h, 0, false, izinsiz, yok (and YANLIŞ) are RET. Case and Turkish
// letters do not matter. It reports false for anything else, the empty
// string included.
func ParseStatus(s string) (Status, bool) {
	return lookupFold(statusSynonyms, s)
}

// Valid reports whether s is ONAY or RET.
func (s Status) Valid() bool { return s == StatusOnay || s == StatusRet }

// Label is the Turkish name of the status for the UI ("Onay", "Ret").
func (s Status) Label() string { return labelOr(statusLabels, s) }

// RecipientType tells whether the recipient is a private person (BIREYSEL)
// or a merchant or tradesman (TACIR). İYS keeps one record of each kind for
// the same address.
type RecipientType string

// The recipient types İYS knows.
const (
	RecipientBireysel RecipientType = "BIREYSEL"
	RecipientTacir    RecipientType = "TACIR"
)

// AllRecipientTypes lists every recipient type in the order the UI shows them.
var AllRecipientTypes = []RecipientType{RecipientBireysel, RecipientTacir}

var recipientTypeLabels = map[RecipientType]string{
	RecipientBireysel: "Bireysel",
	RecipientTacir:    "Tacir",
}

var recipientTypeSynonyms = map[string]RecipientType{
	"BIREYSEL": RecipientBireysel, "BIREY": RecipientBireysel,
	"TACIR": RecipientTacir, "TACIRESNAF": RecipientTacir, "ESNAF": RecipientTacir, "ESNAFTACIR": RecipientTacir,
}

// ParseRecipientType reads a recipient type ("Bireysel", "BİREYSEL",
// "tacir", "Tacir / Esnaf"); case, separators and Turkish letters do not
// matter. It reports false for anything else, the empty string included.
func ParseRecipientType(s string) (RecipientType, bool) {
	return lookupFold(recipientTypeSynonyms, s)
}

// Valid reports whether r is BIREYSEL or TACIR.
func (r RecipientType) Valid() bool { return r == RecipientBireysel || r == RecipientTacir }

// Label is the Turkish name of the recipient type for the UI ("Bireysel",
// "Tacir").
func (r RecipientType) Label() string { return labelOr(recipientTypeLabels, r) }

// Source tells how a consent was obtained, İYS's "source" field. Sources
// starting with HS_ are the service provider's (hizmet sağlayıcı) and are
// the only ones a provider may send; sources starting with IYS_ are the
// citizen's own, made in İYS, and appear only in pulled changes.
type Source string

// The provider-side sources.
const (
	SourceFizikselOrtam Source = "HS_FIZIKSEL_ORTAM"
	SourceIslakImza     Source = "HS_ISLAK_IMZA"
	SourceWeb           Source = "HS_WEB"
	SourceCagriMerkezi  Source = "HS_CAGRI_MERKEZI"
	SourceSosyalMedya   Source = "HS_SOSYAL_MEDYA"
	SourceEposta        Source = "HS_EPOSTA"
	SourceMesaj         Source = "HS_MESAJ"
	SourceMobil         Source = "HS_MOBIL"
	SourceEOrtam        Source = "HS_EORTAM"
	SourceEtkinlik      Source = "HS_ETKINLIK"
	Source2015          Source = "HS_2015" // consents obtained before 2015-05-01; date must be exactly 2015-05-01 00:00:00
	SourceATM           Source = "HS_ATM"
	SourceKarar         Source = "HS_KARAR"
)

// The İYS-side sources of İYS's document (TANIMLAR, "Sadece İYS
// tarafından belirtilebilir"): movements made in İYS by the recipient or,
// for a line closure, by the operator. The list may grow: [ParseSource]
// accepts any IYS_ value as İYS-side.
const (
	SourceIYSKisaMesaj    Source = "IYS_KISAMESAJ"       // İYS's short number 3338
	SourceIYSCagriMerkezi Source = "IYS_CM"              // İYS's voice response system
	SourceIYSWeb          Source = "IYS_WEB"             // İYS's web site, the address verified
	SourceIYSWebYeni      Source = "IYS_WEB_YENI"        // a recipient added the brand for the first time
	SourceIYSMobil        Source = "IYS_MOBIL"           // İYS's mobile app
	SourceIYSEposta       Source = "IYS_EPOSTA"          // an e-mail sent by İYS
	SourceIYSHatKapatma   Source = "IYS_AHS_HAT_KAPATMA" // the operator closed the line
	SourceIYSFrameEposta  Source = "IYS_FRAME_EPOSTA"    // İYS's web form, by e-mail
	SourceIYSFrameSMS     Source = "IYS_FRAME_SMS"       // İYS's web form, by SMS
	SourceIYSMesaj        Source = "IYS_MESAJ"           // not in the document; seen in older integrations
	SourceIYSKisaLink     Source = "IYS_KISA_LINK"       // not in the document; seen in a wrapper's release notes
	SourceIYS3338         Source = "IYS_3338"            // not in the document; seen in a wrapper's release notes
)

// AllSources lists the provider-side sources, the ones a provider may send,
// in the order the UI shows them.
var AllSources = []Source{
	SourceFizikselOrtam, SourceIslakImza, SourceWeb, SourceCagriMerkezi, SourceSosyalMedya,
	SourceEposta, SourceMesaj, SourceMobil, SourceEOrtam, SourceEtkinlik, Source2015,
	SourceATM, SourceKarar,
}

// CitizenSources lists the known İYS-side (IYS_) sources.
var CitizenSources = []Source{
	SourceIYSKisaMesaj, SourceIYSCagriMerkezi, SourceIYSWeb, SourceIYSWebYeni, SourceIYSMobil, SourceIYSEposta,
	SourceIYSHatKapatma, SourceIYSFrameEposta, SourceIYSFrameSMS, SourceIYSMesaj, SourceIYSKisaLink, SourceIYS3338,
}

var sourceLabels = map[Source]string{
	SourceFizikselOrtam:   "Fiziksel Ortam",
	SourceIslakImza:       "Islak İmza",
	SourceWeb:             "Web",
	SourceCagriMerkezi:    "Çağrı Merkezi",
	SourceSosyalMedya:     "Sosyal Medya",
	SourceEposta:          "E-Posta",
	SourceMesaj:           "Mesaj",
	SourceMobil:           "Mobil",
	SourceEOrtam:          "E-Ortam",
	SourceEtkinlik:        "Etkinlik",
	Source2015:            "2015 Öncesi",
	SourceATM:             "ATM",
	SourceKarar:           "Karar",
	SourceIYSKisaMesaj:    "İYS Kısa Mesaj (3338)",
	SourceIYSCagriMerkezi: "İYS Çağrı Merkezi",
	SourceIYSWeb:          "İYS Web",
	SourceIYSWebYeni:      "İYS Web (markayı ilk kez ekledi)",
	SourceIYSMobil:        "İYS Mobil",
	SourceIYSEposta:       "İYS E-Posta",
	SourceIYSHatKapatma:   "İYS Hat Kapatma (operatör)",
	SourceIYSFrameEposta:  "İYS Web Formu (E-Posta)",
	SourceIYSFrameSMS:     "İYS Web Formu (SMS)",
	SourceIYSMesaj:        "İYS Mesaj",
	SourceIYSKisaLink:     "İYS Kısa Link",
	SourceIYS3338:         "İYS 3338",
}

// sourceSynonyms maps folded keys to sources; filled in init from the
// constants, their labels and a few extra spellings.
var sourceSynonyms = map[string]Source{
	"ELEKTRONIKORTAM": SourceEOrtam,
	"EMAIL":           SourceEposta,
	"SMS":             SourceMesaj,
	"CM":              SourceCagriMerkezi,
	"MOBILUYGULAMA":   SourceMobil,
	"MAHKEMEKARARI":   SourceKarar,
	"2015ONCESI":      Source2015,
	"IYSCAGRIMERKEZI": SourceIYSCagriMerkezi,
	"IYSSMS":          SourceIYSMesaj,
}

func init() {
	for _, s := range AllSources {
		sourceSynonyms[foldKey(string(s))] = s
		sourceSynonyms[foldKey(strings.TrimPrefix(string(s), "HS_"))] = s
		sourceSynonyms[foldKey(sourceLabels[s])] = s
	}
	for _, s := range CitizenSources {
		sourceSynonyms[foldKey(string(s))] = s
		sourceSynonyms[foldKey(sourceLabels[s])] = s
	}
}

// ParseSource reads a source written in any of the usual ways: the İYS code
// ("HS_WEB"), the code with spaces and Turkish letters ("HS FİZİKSEL
// ORTAM"), or the name without the HS_ prefix ("Fiziksel Ortam", "Çağrı
// Merkezi", "Islak İmza"). Any value starting with IYS_ (or "İYS ") is read
// as a citizen-side source, known or not, so pulled data never fails on a
// new İYS source; such a source is valid but not [Source.ProviderAllowed].
// It reports false for anything else, the empty string included.
func ParseSource(s string) (Source, bool) {
	var buf [64]byte
	key := appendFold(buf[:0], s)
	if src, ok := sourceSynonyms[string(key)]; ok {
		return src, true
	}
	if len(key) > 3 && string(key[:3]) == "IYS" {
		code := foldCode(s)
		if strings.HasPrefix(code, "IYS_") && len(code) > 4 {
			return Source(code), true
		}
	}
	return "", false
}

// ProviderAllowed reports whether a service provider may send this source
// to İYS: true for the known HS_ sources, false for IYS_ ones and anything
// unknown.
func (s Source) ProviderAllowed() bool {
	if !strings.HasPrefix(string(s), "HS_") {
		return false
	}
	_, ok := sourceLabels[s]
	return ok
}

// IsCitizen reports whether the source is citizen-side (starts with IYS_).
func (s Source) IsCitizen() bool { return strings.HasPrefix(string(s), "IYS_") && len(s) > 4 }

// Valid reports whether s is a known provider source or a citizen-side one.
func (s Source) Valid() bool { return s.ProviderAllowed() || s.IsCitizen() }

// Label is the Turkish name of the source for the UI ("Fiziksel Ortam",
// "Islak İmza", "İYS Web"). An unknown citizen-side source is labelled
// "İYS" followed by the rest of its code.
func (s Source) Label() string {
	if l, ok := sourceLabels[s]; ok {
		return l
	}
	if s.IsCitizen() {
		return "İYS " + strings.ReplaceAll(strings.TrimPrefix(string(s), "IYS_"), "_", " ")
	}
	return string(s)
}

func labelOr[K ~string](m map[K]string, k K) string {
	if l, ok := m[k]; ok {
		return l
	}
	return string(k)
}

// foldRune maps one rune to its folded upper-case ASCII form where Turkish
// (and the circumflexed letters of older Turkish spelling) need it. It
// returns -1 for a combining dot above, which Go's lower-casing of "İ"
// leaves behind.
func foldRune(r rune) rune {
	switch r {
	case 'İ', 'ı', 'i', 'I', 'Î', 'î':
		return 'I'
	case 'Ş', 'ş':
		return 'S'
	case 'Ğ', 'ğ':
		return 'G'
	case 'Ü', 'ü', 'Û', 'û':
		return 'U'
	case 'Ö', 'ö':
		return 'O'
	case 'Ç', 'ç':
		return 'C'
	case 'Â', 'â':
		return 'A'
	case '\u0307':
		return -1
	}
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	return unicode.ToUpper(r)
}

// isSep reports whether r separates words in an enum value: spaces,
// underscores, hyphens, slashes.
func isSep(r rune) bool {
	switch r {
	case ' ', '_', '-', '/', '\\', '\t', '\u00a0', '\u2013', '\u2014':
		return true
	}
	return unicode.IsSpace(r)
}

// appendFold appends the comparison key of an enum value to b: Turkish
// letters folded, upper case, separators removed ("HS Fiziksel-Ortam" →
// "HSFIZIKSELORTAM"). It stops after 128 bytes; no enum value is that long.
func appendFold(b []byte, s string) []byte {
	for _, r := range s {
		if isSep(r) {
			continue
		}
		r = foldRune(r)
		if r < 0 {
			continue
		}
		b = utf8.AppendRune(b, r)
		if len(b) > 128 {
			break
		}
	}
	return b
}

// foldKey is the comparison key of s (see appendFold).
func foldKey(s string) string { return string(appendFold(nil, s)) }

// lookupFold looks s up by its folded key without allocating.
func lookupFold[V any](m map[string]V, s string) (V, bool) {
	var buf [64]byte
	v, ok := m[string(appendFold(buf[:0], s))]
	return v, ok
}

// foldCode is like foldKey but keeps word boundaries as single underscores
// ("İYS kısa link" → "IYS_KISA_LINK"); it is used for citizen-side sources
// that are not in the table. It returns "" if the result would hold anything
// but A-Z, 0-9 and underscores.
func foldCode(s string) string {
	var b strings.Builder
	pendingSep := false
	for _, r := range s {
		if isSep(r) {
			pendingSep = b.Len() > 0
			continue
		}
		r = foldRune(r)
		if r < 0 {
			continue
		}
		if !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return ""
		}
		if pendingSep {
			b.WriteByte('_')
			pendingSep = false
		}
		b.WriteRune(r)
		if b.Len() > 64 {
			return ""
		}
	}
	return b.String()
}
