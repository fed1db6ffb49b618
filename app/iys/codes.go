package iys

import "time"

// The error codes of the contract. H-codes are İYS's own, published ones;
// where İYS's code is not known the contract uses a SIM_ code, so that a
// guess is never mistaken for İYS's code.
const (
	CodeTypeInvalid          = "H111" // type not found / invalid
	CodeSourceInvalid        = "H113" // source not found / invalid
	CodeRecipientInvalid     = "H114" // recipient not found / invalid
	CodeDateBefore2015       = "H155" // consentDate before 2015-05-01
	CodeReportDateFormat     = "H501" // report date format (daily change file)
	CodeStatusInvalid        = "SIM_STATUS_INVALID"
	CodeRecipientTypeInvalid = "SIM_RECIPIENT_TYPE_INVALID"
	CodeDateFormat           = "SIM_DATE_FORMAT"
	CodeDateFuture           = "SIM_DATE_FUTURE"
	CodeHS2015Date           = "SIM_HS2015_DATE"
	CodeTooOld               = "SIM_TOO_OLD"
	CodeCitizenSource        = "SIM_CITIZEN_SOURCE"
	CodeFirstRet             = "SIM_FIRST_RET"
	CodeSameStatus           = "SIM_SAME_STATUS"
	CodeDateNotLater         = "SIM_DATE_NOT_LATER"
	CodeBatchTooLarge        = "SIM_BATCH_TOO_LARGE"
	CodeTooManyRecipients    = "SIM_TOO_MANY_RECIPIENTS"
	CodeUnauthorized         = "SIM_UNAUTHORIZED"
	CodeBrandNotAllowed      = "SIM_BRAND_NOT_ALLOWED"
	CodeNotFound             = "SIM_NOT_FOUND"
	CodeConsentNotFound      = "SIM_CONSENT_NOT_FOUND"
	CodeRateLimited          = "SIM_RATE_LIMITED"
)

// CodeText is what a user reads for an error code: what happened and what
// to fix, in Turkish.
type CodeText struct {
	Message string
	Hint    string
}

// Codes maps every code of the contract to its Turkish message and hint,
// the one place the UI, the API and the error reports take them from.
var Codes = map[string]CodeText{
	CodeTypeInvalid: {
		"İzin türü (type) geçersiz.",
		"İzin türü olarak ARAMA, MESAJ ya da EPOSTA gönderin."},
	CodeSourceInvalid: {
		"İzin kaynağı (source) geçersiz.",
		"İYS'nin HS_ ile başlayan kaynaklarından birini gönderin (ör. HS_WEB, HS_FIZIKSEL_ORTAM, HS_ISLAK_IMZA)."},
	CodeRecipientInvalid: {
		"Alıcı (recipient) geçersiz.",
		"ARAMA ve MESAJ için +905XXXXXXXXX biçiminde bir Türkiye cep telefonu numarası, EPOSTA için geçerli bir e-posta adresi gönderin."},
	CodeDateBefore2015: {
		"İzin tarihi 01.05.2015 00:00:00'dan önce olamaz.",
		"01.05.2015 öncesinde alınmış izinleri HS_2015 kaynağı ve 2015-05-01 00:00:00 tarihiyle gönderin."},
	CodeReportDateFormat: {
		"Rapor tarihi biçimi geçersiz.",
		"Tarihi YYYY-AA-GG biçiminde ve en çok 7 gün geriye dönük olarak isteyin."},
	CodeStatusInvalid: {
		"İzin durumu (status) geçersiz.",
		"İzin durumu olarak ONAY ya da RET gönderin."},
	CodeRecipientTypeInvalid: {
		"Alıcı tipi (recipientType) geçersiz.",
		"Alıcı tipi olarak BIREYSEL ya da TACIR gönderin."},
	CodeDateFormat: {
		"İzin tarihi (consentDate) biçimi geçersiz.",
		"Tarihi YYYY-AA-GG SS:DD:ss biçiminde, Türkiye saatiyle (GMT+3) gönderin."},
	CodeDateFuture: {
		"İzin tarihi ileri bir zaman olamaz.",
		"İznin alındığı gerçek tarihi Türkiye saatiyle (GMT+3) gönderin; sunucunun saatini de kontrol edin."},
	CodeHS2015Date: {
		"HS_2015 kaynağı yalnızca 2015-05-01 00:00:00 tarihiyle kullanılabilir.",
		"Tarihi 2015-05-01 00:00:00 yapın ya da iznin gerçek kaynağını gönderin."},
	CodeTooOld: {
		"İzin tarihi 3 iş gününden eski; İYS bu izni kabul etmez.",
		"İzinleri alındıktan sonra en geç 3 iş günü içinde gönderin (hafta sonları ve resmî tatiller sayılmaz)."},
	CodeCitizenSource: {
		"IYS_ ile başlayan kaynaklar vatandaşın İYS'de kendi verdiği izinler içindir; hizmet sağlayıcı bu kaynakla izin gönderemez.",
		"İznin sizin tarafınızdan nasıl alındığını gösteren bir HS_ kaynağı gönderin."},
	CodeFirstRet: {
		"Alıcının bu kanal için İYS'de kaydı yok; ilk kayıt RET olamaz.",
		"Daha önce alınmış bir ONAY varsa önce onu gönderin; hiç ONAY alınmadıysa RET göndermeye gerek yoktur."},
	CodeSameStatus: {
		"İzin İYS'de zaten aynı durumda kayıtlı (ONAY üzerine ONAY ya da RET üzerine RET).",
		"Bir şey yapmanız gerekmez: kayıt İYS'de zaten var."},
	CodeDateNotLater: {
		"İzin tarihi, İYS'de kayıtlı son iznin tarihinden sonra olmalı.",
		"Bir alıcının değişikliklerini izin tarihi sırasıyla gönderin; kayıtlı olandan eski bir değişiklik artık gönderilemez."},
	CodeBatchTooLarge: {
		"Tek istekte gönderilebilecek izin sayısı aşıldı.",
		"İzinleri daha küçük gruplar hâlinde gönderin."},
	CodeTooManyRecipients: {
		"Tek sorguda sorgulanabilecek alıcı sayısı aşıldı.",
		"Alıcıları en çok 1.000'lik gruplar hâlinde sorgulayın."},
	CodeUnauthorized: {
		"İYS oturumu açılamadı: kullanıcı adı, parola ya da erişim anahtarı geçersiz veya süresi dolmuş.",
		"İYS entegrasyon kullanıcı adını ve parolasını kontrol edin."},
	CodeBrandNotAllowed: {
		"Bu İYS numarası ya da marka kodu için yetkiniz yok.",
		"İYS numarasını ve marka kodunu kontrol edin; entegratörün bu markaya İYS'de atanmış olduğundan emin olun."},
	CodeNotFound: {
		"İstenen kayıt İYS'de bulunamadı.",
		"İstek numarasını, İYS numarasını ve marka kodunu kontrol edin."},
	CodeConsentNotFound: {
		"Bu alıcı için İYS'de kayıtlı izin yok.",
		"Alıcıyı, alıcı tipini ve izin türünü kontrol edin; kayıt yoksa önce bir ONAY gönderilmelidir."},
	CodeRateLimited: {
		"İYS'nin istek sınırı aşıldı.",
		"Bir süre bekleyip yeniden deneyin; gönderimler sırayla yeniden denenir."},
}

// Describe returns the Turkish message and hint for an error code, or a
// generic text naming the code when the code is unknown.
func Describe(code string) (message, hint string) {
	if t, ok := Codes[code]; ok {
		return t.Message, t.Hint
	}
	if code == "" {
		return "İYS beklenmeyen bir hata döndürdü.",
			"Bir süre sonra yeniden deneyin; sorun sürerse hata ayrıntısını sistem yöneticinize iletin."
	}
	return "İYS beklenmeyen bir hata kodu döndürdü: " + code + ".",
		"Hata kodunu ve İYS'nin mesajını sistem yöneticinize iletin."
}

// IsAlreadyThere reports whether an item refused with code is in fact
// stored: İYS refuses a repeat (ONAY over ONAY, RET over RET) as "same
// status", which after a lost answer means the first send took effect.
func IsAlreadyThere(code string) bool { return code == CodeSameStatus }

// TimeLayout is İYS's layout for every time on the wire, in Europe/Istanbul.
const TimeLayout = "2006-01-02 15:04:05"

// istanbul is Europe/Istanbul; without tzdata, its fixed offset since 2016.
var istanbul = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Istanbul"); err == nil {
		return loc
	}
	return time.FixedZone("+03", 3*60*60)
}()

// ParseTime reads a time in [TimeLayout] as Istanbul time.
func ParseTime(s string) (time.Time, error) {
	return time.ParseInLocation(TimeLayout, s, istanbul)
}

// FormatTime writes t as İYS expects it: [TimeLayout] in Istanbul time.
func FormatTime(t time.Time) string { return t.In(istanbul).Format(TimeLayout) }
