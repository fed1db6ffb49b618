package consent

import (
	"slices"
)

// Severity tells what a problem means for the consent it concerns.
type Severity string

// The severities.
const (
	// SeverityError rejects the consent: it is not sent.
	SeverityError Severity = "error"
	// SeverityWarning marks an automatic correction or default; the consent
	// is sent, and the user sees the warning before approving.
	SeverityWarning Severity = "warning"
	// SeverityInfo is neither: the consent is not sent because there is
	// nothing to send (NO_CHANGE), and it is not charged.
	SeverityInfo Severity = "info"
)

// Problem is one finding of a rule about one field: its stable code, the
// field it concerns, and the Turkish message and hint the user reads. The
// message, hint and severity come from the one table in this file, so the
// UI, the API and the error workbooks say the same thing.
type Problem struct {
	Code     string   `json:"code"`
	Field    string   `json:"field,omitempty"`
	Message  string   `json:"message"`
	Severity Severity `json:"severity"`
	Hint     string   `json:"hint,omitempty"`
}

// Error makes a Problem usable as an error: "CODE: message".
func (p Problem) Error() string { return p.Code + ": " + p.Message }

// IsError reports whether the problem rejects the consent.
func (p Problem) IsError() bool { return p.Severity == SeverityError }

// The field names problems refer to: İYS's JSON names for a consent, plus
// the columns of a workbook row ([RowInput]).
const (
	FieldBrandCode         = "brandCode"
	FieldRecipient         = "recipient"
	FieldRecipientType     = "recipientType"
	FieldType              = "type"
	FieldStatus            = "status"
	FieldSource            = "source"
	FieldConsentDate       = "consentDate"
	FieldPhone             = "phone"
	FieldEmail             = "email"
	FieldCallPermission    = "callPermission"    // arama izni
	FieldMessagePermission = "messagePermission" // mesaj izni
	FieldEmailPermission   = "emailPermission"   // e-posta izni
	FieldFirstName         = "firstName"
	FieldLastName          = "lastName"
)

// The problem codes. They are stable: stored with import rows, returned by
// the API and matched by tests. Each has its message, hint and severity in
// the table below.
const (
	CodeBrandMissing             = "BRAND_MISSING"
	CodeBrandForbidden           = "BRAND_FORBIDDEN"
	CodeRecipientMissing         = "RECIPIENT_MISSING"
	CodeRecipientChannelMismatch = "RECIPIENT_CHANNEL_MISMATCH"
	CodePhoneInvalid             = "PHONE_INVALID"
	CodePhoneNotTurkish          = "PHONE_NOT_TURKISH"
	CodePhoneExcelNotation       = "PHONE_EXCEL_NOTATION"
	CodePhoneCorrected           = "PHONE_CORRECTED"
	CodeEmailInvalid             = "EMAIL_INVALID"
	CodeEmailCorrected           = "EMAIL_CORRECTED" // rows staged before EMAIL_TRIMMED and EMAIL_LOWERCASED
	CodeEmailTrimmed             = "EMAIL_TRIMMED"
	CodeEmailLowercased          = "EMAIL_LOWERCASED"
	CodeTypeMissing              = "TYPE_MISSING"
	CodeTypeInvalid              = "TYPE_INVALID"
	CodeStatusMissing            = "STATUS_MISSING"
	CodeStatusInvalid            = "STATUS_INVALID"
	CodeRecipientTypeMissing     = "RECIPIENT_TYPE_MISSING"
	CodeRecipientTypeInvalid     = "RECIPIENT_TYPE_INVALID"
	CodeSourceMissing            = "SOURCE_MISSING"
	CodeSourceInvalid            = "SOURCE_INVALID"
	CodeSourceIYSForbidden       = "SOURCE_IYS_FORBIDDEN"
	CodeDateInvalid              = "DATE_INVALID"
	CodeDateFuture               = "DATE_FUTURE"
	CodeDateBefore2015           = "DATE_BEFORE_2015"
	CodeDateHS2015Mismatch       = "DATE_HS2015_MISMATCH"
	CodeDateTooOld               = "DATE_TOO_OLD"
	CodeDateDefaultedNow         = "DATE_DEFAULTED_NOW"
	CodeDateDefaultedHS2015      = "DATE_DEFAULTED_HS2015"
	CodePermissionsDefaulted     = "PERMISSIONS_DEFAULTED"
	CodeEmailPermissionDefaulted = "EMAIL_PERMISSION_DEFAULTED"
	CodeFirstRecordRet           = "FIRST_RECORD_RET"
	CodeDateNotLater             = "DATE_NOT_LATER"
	CodeNoChange                 = "NO_CHANGE"
	CodeNameInvalid              = "NAME_INVALID"
	CodeNameTooLong              = "NAME_TOO_LONG"
	CodeNameCorrected            = "NAME_CORRECTED"
)

// MaxNameLen is the longest first or last name kept, in characters.
const MaxNameLen = 100

// MessageBrandForbidden is the message İYS and KobiYS users know for a brand
// code that is not the sender's own.
const MessageBrandForbidden = "Size ait İYS numarası dışında bir numara ile izin gönderemezsiniz"

// Text is what the table holds for a code.
type Text struct {
	Message  string   `json:"message"`
	Hint     string   `json:"hint"`
	Severity Severity `json:"severity"`
}

var texts = map[string]Text{
	CodeNameInvalid: {
		"Ad ya da soyad görünmeyen denetim karakterleri ya da yazı yönünü değiştiren karakterler içeriyor.",
		"Adı ve soyadı yeniden yazın; başka bir yerden kopyaladıysanız elle girin.",
		SeverityError},
	CodeNameTooLong: {
		"Ad ya da soyad en çok 100 karakter olabilir.",
		"Adı ve soyadı kısaltın.",
		SeverityError},
	CodeNameCorrected: {
		"Ad ya da soyaddaki görünmeyen ya da yazı yönünü değiştiren karakterler silindi; 100 karakterden uzun kısım kısaltıldı.",
		"Düzeltilmiş adı kontrol edin.",
		SeverityWarning},
	CodeBrandMissing: {
		"Marka kodu boş.",
		"İzni gönderilecek markanın İYS marka kodunu yazın.",
		SeverityError},
	CodeBrandForbidden: {
		MessageBrandForbidden,
		"Yalnızca şirketinize tanımlı markaların İYS marka kodlarını kullanın.",
		SeverityError},
	CodeRecipientMissing: {
		"Alıcı boş: telefon numarası ya da e-posta adresi yok.",
		"Her satırda en az bir telefon numarası veya e-posta adresi olmalı.",
		SeverityError},
	CodeRecipientChannelMismatch: {
		"Alıcı, izin türüyle uyuşmuyor: arama ve mesaj izni için telefon numarası, e-posta izni için e-posta adresi gerekir.",
		"İzin türünü ya da alıcıyı düzeltin.",
		SeverityError},
	CodePhoneInvalid: {
		"Telefon numarası geçersiz.",
		"Numarayı 0532 123 45 67 ya da +905321234567 biçiminde, 10 haneli Türkiye numarası olarak yazın.",
		SeverityError},
	CodePhoneNotTurkish: {
		"Yalnızca Türkiye telefon numaraları (+90) İYS'ye kaydedilebilir.",
		"Yurt dışı numaraları listeden çıkarın; Türkiye numarasıysa başına 0 ya da +90 yazın.",
		SeverityError},
	CodePhoneExcelNotation: {
		"Telefon numarası Excel'de bilimsel gösterime (ör. 5,32E+09) dönüşmüş; son haneleri kaybolmuş.",
		"Telefon sütununun hücre biçimini «Metin» yapın ve numaraları yeniden girin.",
		SeverityError},
	CodePhoneCorrected: {
		"Telefon numarasında ülke kodundan sonra yazılan fazladan 0 silindi (+90 0532… → +90532…).",
		"Düzeltilmiş numarayı kontrol edin.",
		SeverityWarning},
	CodeEmailInvalid: {
		"E-posta adresi geçersiz.",
		"Adresi ad@alanadi.com biçiminde, boşluksuz ve Türkçe karakter kullanmadan yazın.",
		SeverityError},
	CodeEmailTrimmed: {
		"E-posta adresinin başındaki ya da sonundaki boşluklar silindi.",
		"Başka bir şey değişmedi; adresi kontrol edin.",
		SeverityWarning},
	CodeEmailLowercased: {
		"E-posta adresindeki büyük harfler küçük harfe çevrildi: İYS adresleri küçük harfle saklar, ikisi aynı alıcıdır.",
		"Bir şey yapmanız gerekmez.",
		SeverityWarning},
	CodeEmailCorrected: {
		"E-posta adresi İYS'nin biçimine getirildi (boşluklar silindi, küçük harfe çevrildi).",
		"Düzeltilmiş adresi kontrol edin.",
		SeverityWarning},
	CodeTypeMissing: {
		"İzin türü (kanal) boş.",
		"ARAMA, MESAJ ya da EPOSTA yazın.",
		SeverityError},
	CodeTypeInvalid: {
		"İzin türü (kanal) tanınmadı.",
		"ARAMA, MESAJ ya da EPOSTA yazın.",
		SeverityError},
	CodeStatusMissing: {
		"İzin durumu boş.",
		"ONAY ya da RET yazın.",
		SeverityError},
	CodeStatusInvalid: {
		"İzin durumu tanınmadı; ONAY ya da RET olmalı.",
		"ONAY (onay, evet, 1) ya da RET (ret, red, hayır, 0) yazın.",
		SeverityError},
	CodeRecipientTypeMissing: {
		"Alıcı tipi boş.",
		"BIREYSEL ya da TACIR yazın.",
		SeverityError},
	CodeRecipientTypeInvalid: {
		"Alıcı tipi tanınmadı; BIREYSEL ya da TACIR olmalı.",
		"BIREYSEL ya da TACIR yazın.",
		SeverityError},
	CodeSourceMissing: {
		"İzin kaynağı boş.",
		"İznin nasıl alındığını yazın: ör. HS_WEB, HS_FIZIKSEL_ORTAM, HS_ISLAK_IMZA, HS_CAGRI_MERKEZI.",
		SeverityError},
	CodeSourceInvalid: {
		"İzin kaynağı tanınmadı.",
		"İYS'nin hizmet sağlayıcı kaynaklarından birini yazın: ör. HS_WEB, HS_FIZIKSEL_ORTAM, HS_ISLAK_IMZA, HS_CAGRI_MERKEZI.",
		SeverityError},
	CodeSourceIYSForbidden: {
		"IYS_ ile başlayan kaynaklar vatandaşın İYS'de kendi verdiği izinler içindir; hizmet sağlayıcı bu kaynakla izin gönderemez.",
		"İznin sizin tarafınızdan nasıl alındığını gösteren bir HS_ kaynağı yazın.",
		SeverityError},
	CodeDateInvalid: {
		"İzin tarihi okunamadı.",
		"Tarihi GG.AA.YYYY SS:DD:ss ya da YYYY-AA-GG SS:DD:ss biçiminde yazın (ör. 01.06.2025 14:30).",
		SeverityError},
	CodeDateFuture: {
		"İzin tarihi ileri bir zaman olamaz.",
		"İznin alındığı gerçek tarihi ve saati yazın.",
		SeverityError},
	CodeDateBefore2015: {
		"İzin tarihi 01.05.2015 00:00:00'dan önce olamaz (İYS H155).",
		"01.05.2015 öncesinde alınmış izinleri HS_2015 kaynağı ve 01.05.2015 00:00:00 tarihiyle gönderin.",
		SeverityError},
	CodeDateHS2015Mismatch: {
		"HS_2015 kaynağıyla gönderilen iznin tarihi tam olarak 01.05.2015 00:00:00 olmalı.",
		"Tarihi 01.05.2015 00:00:00 yapın ya da iznin gerçek kaynağını yazın.",
		SeverityError},
	CodeDateTooOld: {
		"İzin tarihi 3 iş gününden eski; İYS bu izni kabul etmez.",
		"İzinleri alındıktan sonra en geç 3 iş günü içinde gönderin (hafta sonları ve resmî tatiller sayılmaz).",
		SeverityError},
	CodeDateDefaultedNow: {
		"İzin tarihi boş olduğu için şimdiki zaman kullanıldı.",
		"İznin alındığı tarih farklıysa tarihi yazın.",
		SeverityWarning},
	CodeDateDefaultedHS2015: {
		"İzin tarihi boş olduğu için HS_2015 kaynağının tarihi (01.05.2015 00:00:00) kullanıldı.",
		"HS_2015 yalnızca 01.05.2015 öncesinde alınmış izinler içindir.",
		SeverityWarning},
	CodePermissionsDefaulted: {
		"Arama ve mesaj izni boş olduğu için ikisi de ONAY kabul edildi.",
		"Alıcı izin vermediyse ilgili sütuna RET yazın.",
		SeverityWarning},
	CodeEmailPermissionDefaulted: {
		"E-posta izni boş olduğu için ONAY kabul edildi.",
		"Alıcı izin vermediyse e-posta izni sütununa RET yazın.",
		SeverityWarning},
	CodeFirstRecordRet: {
		"Bu alıcının İYS'de kaydı yok; ilk kayıt RET olamaz.",
		"İYS'de kaydı olmayan bir alıcıya zaten ileti gönderilemez; RET göndermeniz gerekmez.",
		SeverityError},
	CodeDateNotLater: {
		"İzin tarihi, aynı alıcının İYS'deki mevcut kaydının tarihinden sonra olmalı.",
		"Mevcut kayıttan daha yeni bir izin tarihi yazın.",
		SeverityError},
	CodeNoChange: {
		"Değişiklik yok: alıcının izin durumu zaten aynı; gönderilmez ve ücretlendirilmez.",
		"",
		SeverityInfo},
}

// NewProblem makes the Problem for a code and field, with the message, hint
// and severity from the table. An unknown code gives a problem whose message
// is the code itself, as an error, so a missing table entry is visible rather
// than silent (a test keeps every code in the table).
func NewProblem(code, field string) Problem {
	t, ok := texts[code]
	if !ok {
		return Problem{Code: code, Field: field, Message: code, Severity: SeverityError}
	}
	return Problem{Code: code, Field: field, Message: t.Message, Severity: t.Severity, Hint: t.Hint}
}

func newProblem(code, field string) *Problem {
	p := NewProblem(code, field)
	return &p
}

// Describe returns the table's text for a code, and whether the code is known.
func Describe(code string) (Text, bool) {
	t, ok := texts[code]
	return t, ok
}

// Codes lists every problem code, sorted.
func Codes() []string {
	codes := make([]string, 0, len(texts))
	for c := range texts {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}

// HasErrors reports whether any of the problems rejects the consent.
func HasErrors(ps []Problem) bool {
	return slices.ContainsFunc(ps, Problem.IsError)
}
