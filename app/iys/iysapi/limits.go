package iysapi

import "time"

// The limits İYS publishes (the document's GİRİŞ section "Canlı ortam
// kullanımı hakkında", its method descriptions and its code table). İYS
// counts calls per IP address: every node of one installation behind one
// address shares them. No per-minute limit per endpoint is published; the
// figures some integrators use come from one gateway's code comments.
const (
	// PerSecond: requests per second from one IP, all endpoints
	// together; over it 429 H124.
	PerSecond = 10
	// StatusPerHour: single status queries per IP per hour; H086.
	StatusPerHour = 1000
	// HistoryPerHour: history queries per IP per hour; H089.
	HistoryPerHour = 100
	// Token requests per IP per hour; over it 429 H084, and "süre
	// dolmadan yeniden istek atılması halinde 1 saatlik sayaç yeniden
	// başlayacaktır". The document says 10 on the token method and 100 in
	// its introduction and its KİMLİK DOĞRULAMA section: unknowable which
	// is current, so the lower is the default.
	TokensPerHourMethod = 10
	TokensPerHourIntro  = 100

	// MaxListItems: consents per asynchronous list (H091, H125).
	MaxListItems = 1000
	// The multiple status query takes "en fazla 1000" recipients by its
	// description, "en fazla 100" by H127's text: unknowable, so the
	// lower is the default.
	MaxRecipientsDescription = 1000
	MaxRecipientsH127        = 100
	// MaxChangesPage: changes per page of the pull, also the default.
	MaxChangesPage = 1000
	// MaxPage: the largest page of the paged queries (history,
	// integrator): H186.
	MaxPage = 100
	// MaxPhoneLen: an E.164 number is at most 15 characters (H160, H166).
	MaxPhoneLen = 15
	// E-mail addresses are 6 to 265 characters (TANIMLAR).
	MinEmailLen = 6
	MaxEmailLen = 265
	// MaxRequestIDLen: H198.
	MaxRequestIDLen = 36
)

// Times İYS publishes.
const (
	// ResultWait: a list's result is to be queried "minimum 300 saniye"
	// after it was sent; earlier answers may be empty.
	ResultWait = 300 * time.Second
	// ResultRetention: results of the last 60 days can be queried; older
	// request ids answer an empty list.
	ResultRetention = 60 * 24 * time.Hour
	// ChangeWindow and ChangeDelay: the pull lists the movements of the
	// last 7 days except the last hour (167 hours).
	ChangeWindow = 7 * 24 * time.Hour
	ChangeDelay  = time.Hour
	// An access token lives 2 hours, a refresh token 4.
	AccessTokenLife  = 7200 * time.Second
	RefreshTokenLife = 14400 * time.Second
	// Hour is the window of the hourly limits; a refusal with their code
	// asks for a whole one.
	Hour = time.Hour
)

// HourlyLimit is a per-hour budget of one endpoint and the code İYS refuses
// with when it is spent.
type HourlyLimit struct {
	Kind Kind
	N    int
	Code string
}

// HourlyLimits lists the per-hour budgets, with the token's lower figure.
var HourlyLimits = []HourlyLimit{
	{KindToken, TokensPerHourMethod, "H084"},
	{KindConsentStatus, StatusPerHour, "H086"},
	{KindConsentHistory, HistoryPerHour, "H089"},
}

// Hourly returns the per-hour limit of kind, if it has one.
func Hourly(kind Kind) (HourlyLimit, bool) {
	for _, h := range HourlyLimits {
		if h.Kind == kind {
			return h, true
		}
	}
	return HourlyLimit{}, false
}

// PerSecondCodes are the codes of a refusal for the per-second limit (H083
// is the same text on the OTP methods).
var PerSecondCodes = []string{"H124", "H083"}
