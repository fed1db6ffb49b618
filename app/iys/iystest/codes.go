package iystest

// Error codes. The H codes are İYS's own, published ones; every other code
// is the simulator's (SIM_ prefix), used where İYS's code is unknown.
const (
	CodeTypeInvalid          = "H111" // type not ARAMA, MESAJ or EPOSTA
	CodeSourceInvalid        = "H113" // source unknown or missing
	CodeRecipientInvalid     = "H114" // recipient malformed for its type
	CodeDateBefore2015       = "H155" // consentDate before 2015-05-01 00:00:00
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
	CodeBadRequest           = "SIM_BAD_REQUEST"
	CodeServerError          = "SIM_SERVER_ERROR"
	CodeUnavailable          = "SIM_UNAVAILABLE"
)

// codeInfo is what an error answer says about a code: the consent field it
// concerns by default and its Turkish message.
type codeInfo struct {
	field   string
	message string
}

// codes is the one table of messages, so that every answer says the same.
var codes = map[string]codeInfo{
	CodeTypeInvalid:          {"type", "İzin tipi geçersiz: ARAMA, MESAJ veya EPOSTA olmalı."},
	CodeSourceInvalid:        {"source", "İzin kaynağı geçersiz ya da eksik."},
	CodeRecipientInvalid:     {"recipient", "Alıcı geçersiz: ARAMA ve MESAJ için +905XXXXXXXXX, EPOSTA için geçerli bir e-posta adresi olmalı."},
	CodeDateBefore2015:       {"consentDate", "İzin tarihi 2015-05-01 00:00:00'dan önce olamaz."},
	CodeStatusInvalid:        {"status", "İzin durumu ONAY veya RET olmalı."},
	CodeRecipientTypeInvalid: {"recipientType", "Alıcı tipi BIREYSEL veya TACIR olmalı."},
	CodeDateFormat:           {"consentDate", "İzin tarihi eksik ya da YYYY-AA-GG SS:DD:SS biçiminde değil."},
	CodeDateFuture:           {"consentDate", "İzin tarihi ileri bir zaman olamaz."},
	CodeHS2015Date:           {"consentDate", "HS_2015 kaynaklı izin yalnızca 2015-05-01 00:00:00 tarihiyle gönderilebilir."},
	CodeTooOld:               {"consentDate", "İzin tarihi 3 iş gününden daha eski olamaz."},
	CodeCitizenSource:        {"source", "IYS_ ile başlayan kaynaklar yalnızca vatandaş tarafından kullanılabilir."},
	CodeFirstRet:             {"status", "Alıcının ilk kaydı RET olamaz; önce ONAY kaydı gerekir."},
	CodeSameStatus:           {"status", "Alıcının izni zaten bu durumda kayıtlı."},
	CodeDateNotLater:         {"consentDate", "İzin tarihi kayıtlı iznin tarihinden sonra olmalı."},
	CodeBatchTooLarge:        {"", "İstekteki izin sayısı üst sınırı aşıyor."},
	CodeTooManyRecipients:    {"recipients", "Bir sorguda en fazla 1000 alıcı olabilir."},
	CodeUnauthorized:         {"", "Kimlik doğrulanamadı: kullanıcı bilgileri ya da erişim anahtarı geçersiz veya süresi dolmuş."},
	CodeBrandNotAllowed:      {"", "Bu İYS numarası veya marka kodu için yetkiniz yok."},
	CodeNotFound:             {"", "Kayıt bulunamadı."},
	CodeConsentNotFound:      {"", "Bu alıcı için kayıtlı izin bulunamadı."},
	CodeRateLimited:          {"", "İstek sınırı aşıldı; Retry-After süresi kadar bekleyip yeniden deneyin."},
	CodeBadRequest:           {"", "İstek biçimi hatalı."},
	CodeServerError:          {"", "Sunucu hatası (simülasyon)."},
	CodeUnavailable:          {"", "Hizmet geçici olarak kullanılamıyor (simülasyon)."},
}

// Message is the Turkish message the simulator sends with code, or "" for
// a code it does not use.
func Message(code string) string { return codes[code].message }

// ruleError is a refusal: a code and the field it concerns.
type ruleError struct {
	code  string
	field string
}

func newRuleError(code string) *ruleError { return &ruleError{code: code, field: codes[code].field} }

func (e *ruleError) Error() string { return e.code + ": " + Message(e.code) }

// Preallocated refusals for the per-item rules, so that deciding a large
// request does not allocate one per failure.
var ruleErrors = func() map[string]*ruleError {
	m := make(map[string]*ruleError, len(codes))
	for c := range codes {
		m[c] = newRuleError(c)
	}
	return m
}()

func refuse(code string) *ruleError { return ruleErrors[code] }
