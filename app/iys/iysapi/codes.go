package iysapi

// Class is what an error code means for the one who made the call.
type Class uint8

const (
	// ClassRefused: İYS refuses the consent itself (its fields or its
	// rules) for good; sending it again cannot help.
	ClassRefused Class = iota + 1
	// ClassResend: the consent was not taken but may go in another list
	// (H194: its key was twice in one list).
	ClassResend
	// ClassCompany: İYS does not let this account act for the company or
	// brand (not assigned, subscription closed, unknown code): stop the
	// company's delivery until a person has put it right.
	ClassCompany
	// ClassRateLimit: too many calls; wait as İYS says, for the hourly
	// limits a whole hour.
	ClassRateLimit
	// ClassTransient: İYS failed; try again later.
	ClassTransient
	// ClassInvalid: the call itself is malformed (a defect or a setting of
	// iysgate); trying again cannot help and a person must look.
	ClassInvalid
	// ClassAuth: the access token was refused; get a new one.
	ClassAuth
)

// Code is one of İYS's error codes.
type Code struct {
	// Status is the HTTP status İYS answers with: its code table's, or
	// where the table has none the one its examples show.
	Status int
	// Text is İYS's own message for the code (its code table's).
	Text string
	// Message says in Turkish what happened, for the user.
	Message string
	// Hint says in Turkish what to do.
	Hint  string
	Class Class
}

// Codes holds every H code iysgate meets. Read it; do not write to it.
var Codes = map[string]Code{
	// Requests iysgate built wrongly.
	"H014": {400, "Gönderilen istek JSON formatına uygun olmalıdır.",
		"İYS isteği okuyamadı (geçersiz JSON).", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H085": {400, "İzin ekleme isteği geçerli olmalıdır.",
		"İYS izin ekleme isteğini geçersiz buldu.", "Hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H092": {400, "Çoklu izin ekleme isteği geçerli olmalıdır.",
		"İYS toplu izin listesini geçersiz buldu.", "Hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H097": {400, "İzin sorgulama isteği geçerli olmalıdır.",
		"İYS izin sorgusunu geçersiz buldu.", "Hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H098": {400, "Günlük izin değişim sorgulama isteği geçerli olmalıdır.",
		"İYS değişiklik sorgusunu geçersiz buldu.", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H118": {422, "Alan değeri kabul edilemedi. İstek gövdesinde bulunabilecek değerler: recipientType, retailerAccess, recipient, retailerCode, source, type, consentDate, status olmalıdır.",
		"İznin içinde İYS'nin tanımadığı bir alan var.", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H266": {400, "iysCode değeri istek üzerinde bulunamadı.",
		"İstekte İYS numarası eksik.", "İYS Ayarları'nda firmanın İYS numarasını kontrol edin.", ClassInvalid},
	"H267": {400, "iysCode değeri boş olmamalıdır.",
		"İstekte boş bir alan var (İYS numarası ya da bayi kodu).", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H091": {422, "İzin ekleme sayısı en fazla 1000 olmalıdır.",
		"Listede İYS'nin tek seferde aldığından (1000) çok izin var.", "IYSGATE_IYS_LIST_SIZE ayarını 1000 ya da altına indirin.", ClassInvalid},
	"H125": {422, "Tek seferde eklenecek izin sayısı en fazla 1000 olmalıdır.",
		"Listede İYS'nin tek seferde aldığından (1000) çok izin var.", "IYSGATE_IYS_LIST_SIZE ayarını 1000 ya da altına indirin.", ClassInvalid},
	"H127": {422, "Alıcı listesi (recipients) uzunluğu en fazla 100 olmalıdır.",
		"Sorguda İYS'nin kabul ettiğinden çok alıcı var.", "IYSGATE_IYS_MULTI_STATUS_MAX ayarını 100'e indirin.", ClassInvalid},
	"H164": {422, "Alıcı listesi (recipients) kabul edilemedi. Liste boş olmamalıdır.",
		"Sorgunun alıcı listesi boş.", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H168": {422, "Alıcı listesi (recipients) bulunamadı.",
		"Sorguda alıcı listesi yok.", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H478": {422, "Alıcı listesi (recipients) liste olmalıdır.",
		"Sorgunun alıcı listesi liste biçiminde değil.", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H193": {422, "Bayi İYS numarası ve alıcı değeri liste içinde tekrarlanamaz.",
		"Sorguda bir alıcı iki kez var.", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H464": {422, "İzin tipi (type) MESAJ için, alıcı (recipient) telefon formatında olmalıdır.",
		"Sorgudaki bir alıcı izin türüne uymuyor (MESAJ ve ARAMA için telefon, EPOSTA için e-posta).", "Alıcının kanalını kontrol edin.", ClassInvalid},
	"H198": {422, "requestId 36 karakterden daha uzun olamaz.",
		"İYS istek numarasını geçersiz buldu.", "Gönderim, İYS'de ne kayıtlı olduğu sorgulanarak sonuçlandırılır.", ClassInvalid},
	"H199": {422, "requestId sadece harflerden meydana gelemez.",
		"İYS istek numarasını geçersiz buldu.", "Gönderim, İYS'de ne kayıtlı olduğu sorgulanarak sonuçlandırılır.", ClassInvalid},
	"H400": {422, "requestId sadece sayılardan meydana gelemez.",
		"İYS istek numarasını geçersiz buldu.", "Gönderim, İYS'de ne kayıtlı olduğu sorgulanarak sonuçlandırılır.", ClassInvalid},
	"H182": {422, "offset değeri geçerli olmalıdır.",
		"Sorgunun sayfalama değeri geçersiz.", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H183": {422, "limit değeri geçerli olmalıdır.",
		"Sorgunun sayfalama değeri geçersiz.", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H186": {422, "Sayfalama (pagination) değeri en fazla 100 olabilir.",
		"Sorgu İYS'nin izin verdiğinden büyük bir sayfa istedi.", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H187": {422, "limit değerleri sıfır olmamalıdır.",
		"Sorgunun sayfa büyüklüğü sıfır.", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H506": {422, "İzin kaynağı (source) bulunamadı.",
		"Değişiklik sorgusunun kaynağı geçersiz (HS ya da IYS olmalı).", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H507": {422, "limit alanı için karakter üst sınırı 1000 olmalıdır.",
		"Değişiklik sorgusu 1000'den çok kayıt istedi.", "Bu iysgate'te bir hatadır; hata ayrıntısını sistem yöneticinize iletin.", ClassInvalid},
	"H363": {400, "Bu servisi kullanabilmek için yetkiniz bulunmamaktadır.",
		"İYS hesabımız iş ortağı sorgusunu kullanamıyor.", "IYS_INTEGRATOR_CODE ile verilen iş ortağı numarasını ve İYS hesabının iş ortağı hesabı olduğunu kontrol edin; sorgulanamıyorsa ayarı boş bırakıp atamayı elle işaretleyin.", ClassInvalid},
	"H031": {404, "Kullanıcı:{{username}} bulunamadı.",
		"İYS iş ortağı kullanıcısını bulamadı.", "IYS_INTEGRATOR_CODE ile verilen iş ortağı numarasını kontrol edin.", ClassInvalid},

	// The consent's own fields (checked when İYS receives the call; in a
	// list, each error carries the item's index).
	"H110": {422, "Durum (status) bulunamadı.",
		"İzin durumu (status) eksik.", "İzin durumunu ONAY ya da RET olarak girin.", ClassRefused},
	"H111": {422, "İzin tipi (type) bulunamadı.",
		"İzin türü (type) eksik.", "İzin türünü ARAMA, MESAJ ya da EPOSTA olarak girin.", ClassRefused},
	"H112": {422, "İzin tarihi (consentDate) bulunamadı.",
		"İzin tarihi eksik.", "İznin alındığı tarihi girin (bireysel alıcılarda zorunludur).", ClassRefused},
	"H113": {422, "İzin kaynağı (source) bulunamadı.",
		"İzin kaynağı eksik.", "İznin nasıl alındığını gösteren HS_ kaynağını girin (ör. HS_WEB, HS_FIZIKSEL_ORTAM).", ClassRefused},
	"H114": {422, "Alıcı (recipient) bulunamadı.",
		"Alıcı (telefon ya da e-posta) eksik.", "Alıcının telefon numarasını ya da e-posta adresini girin.", ClassRefused},
	"H115": {422, "Durum (status) için uygun değerler: ONAY, RET",
		"İzin durumu geçersiz.", "İzin durumunu ONAY ya da RET olarak girin.", ClassRefused},
	"H116": {422, "Alıcı tipi (recipientType) için uygun değerler: BIREYSEL, TACIR",
		"Alıcı tipi geçersiz.", "Alıcı tipini BIREYSEL ya da TACIR olarak girin.", ClassRefused},
	"H117": {422, "İzin tipi (type) için uygun değerler: ARAMA, MESAJ, EPOSTA",
		"İzin türü geçersiz.", "İzin türünü ARAMA, MESAJ ya da EPOSTA olarak girin.", ClassRefused},
	"H119": {422, "İzin kaynağı (source) için uygun değerler: HS_FIZIKSEL_ORTAM, HS_ISLAK_IMZA, HS_WEB, HS_CAGRI_MERKEZI, HS_SOSYAL_MEDYA, HS_EPOSTA, HS_MESAJ, HS_MOBIL, HS_EORTAM, HS_ETKINLIK, HS_2015, HS_ATM, HS_KARAR",
		"İzin kaynağı geçersiz; IYS_ ile başlayan kaynakları yalnızca İYS kullanır.", "İznin nasıl alındığını gösteren HS_ kaynağını girin (ör. HS_WEB, HS_FIZIKSEL_ORTAM, HS_ISLAK_IMZA).", ClassRefused},
	"H120": {422, "Alıcı (recipient) kabul edilemedi. Geçerli bir eposta adresi giriniz.",
		"E-posta adresi geçersiz.", "Adresi Türkçe harf, boşluk ve özel karakter olmadan, ad@alan.uzantı biçiminde (6–265 karakter) girin.", ClassRefused},
	"H121": {422, "Alıcı (recipient) için E164 uluslararası([+][country code][area code][local phone number]) formatına uygun bir telefon numarası girilmelidir. (örn. +905992000000)",
		"Telefon numarası geçersiz.", "Numarayı uluslararası biçimde girin: Türkiye cep telefonları +905XXXXXXXXX.", ClassRefused},
	"H122": {422, "Alıcı (recipient) için E164 uluslararası ([+][country code][area code][local phone number]) formatına uygun bir telefon numarası (örn. +905992000000) ya da geçerli bir e-posta adresi girilmelidir.",
		"Alıcı ne geçerli bir telefon numarası ne de geçerli bir e-posta adresi.", "Telefonu +905XXXXXXXXX biçiminde ya da geçerli bir e-posta adresi girin.", ClassRefused},
	"H160": {422, "Alıcı için telefon numaraları 15 karakterden uzun olmamalıdır.",
		"Telefon numarası 15 karakterden uzun.", "Numarayı uluslararası biçimde, en çok 15 karakter olarak girin (+905XXXXXXXXX).", ClassRefused},
	"H166": {422, "Alıcı (recipient) kabul edilemedi. Telefon numaraları 15 karakterden uzun olamaz.",
		"Telefon numarası 15 karakterden uzun.", "Numarayı uluslararası biçimde, en çok 15 karakter olarak girin (+905XXXXXXXXX).", ClassRefused},
	"H170": {422, "Alıcı tipi (recipientType) bulunamadı.",
		"Alıcı tipi eksik.", "Alıcı tipini BIREYSEL ya da TACIR olarak girin.", ClassRefused},
	"H155": {422, "İzin kaynağı “1 Mayıs 2015 öncesi” olan izinler için, izin tarihi sadece 2015-05-01 00:00:00 olabilir.",
		"HS_2015 kaynaklı izinlerin tarihi yalnızca 01.05.2015 00:00:00 olabilir.", "Tarihi 01.05.2015 00:00:00 yapın ya da iznin gerçek kaynağını girin.", ClassRefused},
	"H156": {422, "İzinler için 1 Mayıs 2015’den önceki tarihler kabul edilmemektedir.",
		"İzin tarihi 01.05.2015'ten önce.", "01.05.2015'ten önce alınmış izinleri HS_2015 kaynağı ve 01.05.2015 00:00:00 tarihiyle gönderin.", ClassRefused},
	"H157": {422, "Geçerli bir tarih girilmelidir.",
		"İzin tarihi geçerli bir tarih değil.", "Tarihi kontrol edin (ör. ay 1–12 arasında olmalı).", ClassRefused},
	"H158": {422, "İzin tarihi yyyy-mm-dd hh:mm:ss formatında olmalıdır.",
		"İzin tarihinin biçimi hatalı.", "Tarihi YYYY-AA-GG SS:DD:ss biçiminde, Türkiye saatiyle girin.", ClassRefused},
	"H162": {422, "Mevcut tarih ve saatten ileri bir tarih ve saat girilmemelidir.",
		"İzin tarihi ileri bir zaman.", "İznin alındığı gerçek tarihi Türkiye saatiyle girin; sunucunun saatini de kontrol edin.", ClassRefused},
	"H467": {422, "Üç iş günü öncesinde alınan izinler kaydedilemez.",
		"İzin tarihi 3 iş gününden eski; İYS bu izni almaz.", "İzinleri alındıktan sonra en geç 3 iş günü içinde gönderin.", ClassRefused},
	"H408": {422, "HS_KARAR kaynağından iletilen izinler için durum bilgisi RET olmalıdır.",
		"HS_KARAR kaynağı yalnızca RET için kullanılabilir.", "Durumu RET yapın ya da iznin gerçek kaynağını girin.", ClassRefused},
	"H126": {422, "İzin erişimi olan bayilerin (retailer) liste uzunluğu en fazla 100 olmalıdır.",
		"İzne erişecek bayi listesi çok uzun.", "Bayi listesini kısaltın.", ClassRefused},
	"H163": {422, "Bayiler kabul edilemedi. Lütfen boş liste eklemeyiniz.",
		"İzne erişecek bayi listesi boş.", "Bayi yoksa listeyi hiç göndermeyin.", ClassRefused},
	"H180": {403, "İstek gövdesinde yer alan bayi İYS numarasıyla (retailerCode) herhangi bir bayi bulunamadı.",
		"İzindeki bayi kodu İYS'de bulunamadı.", "Bayi kodunu kontrol edin.", ClassRefused},
	"H194": {422, "İzin listede daha önce tanımlandı. Liste içinde izinler alıcı tipi (recipientType), tip (type) ve alıcı (recipient) değerleri için tekrarlanamaz.",
		"Aynı alıcının aynı kanaldaki iki değişikliği tek listedeydi.", "Bir şey yapmanız gerekmez: değişiklik sırası gelince ayrıca gönderilir.", ClassResend},

	// İYS's rules against what it holds.
	"H174": {400, "İzin durumu (status) güncellemesi için farklı bir durum girilmelidir. İzin durumu: ONAY / RET",
		"İYS'de alıcının bu kanaldaki izni zaten bu durumda.", "Bir şey yapmanız gerekmez: İYS'deki kayıt aynı durumu gösteriyor.", ClassRefused},
	"H175": {400, "İlk defa kaydedilen bir iznin durum (status) bilgisi RET olmamalıdır.",
		"Alıcının bu kanal için İYS'de kaydı yok; ilk kayıt RET olamaz.", "Daha önce alınmış bir ONAY varsa önce onu gönderin; hiç ONAY alınmadıysa RET göndermeye gerek yoktur.", ClassRefused},
	"H178": {400, "Sistemdeki iznin tarihinden önceki tarihli izinlerle güncelleme yapılamaz.",
		"İYS'de bu alıcı için daha yeni tarihli bir izin kayıtlı.", "Değişiklikleri izin tarihi sırasıyla gönderin; İYS'deki kayıttan eski tarihli bir değişiklik artık gönderilemez.", ClassRefused},
	"H462": {400, "TACIR izinleri güncellenirken izin tarihi (consentDate) verilmelidir",
		"Tacir izni güncellenirken izin tarihi zorunludur.", "Değişikliğin tarihini girin.", ClassRefused},
	"H463": {400, "TACIR izinleri güncellenirken izin kaynağı (source) verilmelidir.",
		"Tacir izni güncellenirken izin kaynağı zorunludur.", "Değişikliğin HS_ kaynağını girin.", ClassRefused},

	// The company or the account.
	"H353": {403, "Alan, kullanıcı izinleriyle eşleştirilemiyor",
		"İYS, bu İYS numarası ya da marka için bizim hesabımıza yetki vermiyor.", "Firmanın İYS'de ajansınızı iş ortağı (entegratör) olarak atadığını ve İYS numarası ile marka kodunun doğru olduğunu kontrol edin; sonra gönderimi sürdürün.", ClassCompany},
	"H520": {403, "Abonelik durumu {{PAUSED|EXPIRED}} iken sadece {{HS|Entegratör}} abonelik sorgulama servisine istek atılabilir.",
		"Firmanın İYS aboneliği durdurulmuş ya da süresi dolmuş.", "Firma İYS aboneliğini yenilesin; sonra gönderimi sürdürün.", ClassCompany},
	"H521": {403, "Abonelik durumu CLOSED iken api kullanılamamaktadır.",
		"Firmanın İYS aboneliği kapalı.", "Firma İYS aboneliğini açtırsın; sonra gönderimi sürdürün.", ClassCompany},
	"H524": {403, "{{iysCode}} için ait abonelik kaydı bulunamadı",
		"Firmanın İYS'de aboneliği yok.", "Firma İYS'de abonelik başlatsın; sonra gönderimi sürdürün.", ClassCompany},
	"H586": {403, "Aboneliğiniz API kullanımını içermemektedir.",
		"Firmanın İYS aboneliği API kullanımını içermiyor.", "Firma API kullanımını içeren bir İYS paketine geçsin; sonra gönderimi sürdürün.", ClassCompany},
	"H525": {422, "Kullanılan izin sayısı maksimum sayıya ulaştığı için yeni izin eklenememektedir.",
		"Firmanın İYS aboneliğindeki izin sayısı doldu; İYS yeni izin almıyor.", "Firma İYS aboneliğinin izin sınırını yükseltsin; sonra gönderimi sürdürün.", ClassCompany},
	"H001": {404, "Hizmet Sağlayıcı::{{iysCode}} bulunamadı.",
		"Firmanın İYS numarası İYS'de bulunamadı.", "İYS Ayarları'nda firmanın İYS numarasını düzeltin; sonra gönderimi sürdürün.", ClassCompany},
	"H245": {400, "Verilen iysCode entegratör grubuna ait değildir!",
		"İYS, bu İYS numarasını iş ortağımızın firmaları arasında göstermiyor.", "Firmanın İYS'de ajansınızı iş ortağı olarak atadığını kontrol edin.", ClassCompany},
	"H268": {404, "Verilen iysCode’una bağlı entegratör kullanıcısı bulunamadı!",
		"İYS, bu İYS numarasına bağlı bir iş ortağı kullanıcısı bulamadı.", "Firmanın İYS'de ajansınızı iş ortağı olarak atadığını kontrol edin.", ClassCompany},
	"H018": {404, "Marka::{{brandCode}} bulunamadı.",
		"Markanın kodu İYS'de bulunamadı.", "İYS Ayarları'nda markanın kodunu düzeltin; sonra gönderimi sürdürün.", ClassCompany},

	// Limits.
	"H124": {429, "Saniyede kabul edilen istek limitine ulaşıldı. Lütfen daha sonra tekrar deneyiniz.",
		"İYS'nin saniyedeki istek sınırı aşıldı.", "Bir şey yapmanız gerekmez: iysgate yavaşlayıp yeniden dener.", ClassRateLimit},
	"H083": {429, "Saniyede kabul edilen istek limitinine ulaşıldı. Lütfen daha sonra tekrar deneyiniz.",
		"İYS'nin saniyedeki istek sınırı aşıldı.", "Bir şey yapmanız gerekmez: iysgate yavaşlayıp yeniden dener.", ClassRateLimit},
	"H084": {429, "Saatte kabul edilen kimlik doğrulama istek limitine ulaşıldı. Lütfen daha sonra tekrar deneyiniz.",
		"İYS'nin saatlik oturum açma sınırı aşıldı; İYS bir saat oturum açtırmaz.", "Bir şey yapmanız gerekmez: iysgate bir saat dolmadan yeniden oturum açmaya çalışmaz (erken deneme süreyi yeniden başlatır).", ClassRateLimit},
	"H086": {429, "Saatte kabul edilen tekil izin durumu sorgulama istek limitine ulaşıldı. Lütfen daha sonra tekrar deneyiniz.",
		"İYS'nin saatlik tekil izin sorgulama sınırı (1000) aşıldı.", "Bir şey yapmanız gerekmez: sorgular bir saat sonra sürer.", ClassRateLimit},
	"H089": {429, "Saatte kabul edilen izin geçmişi listeleme istek limitine ulaşıldı. Lütfen daha sonra tekrar deneyiniz.",
		"İYS'nin saatlik izin geçmişi sorgulama sınırı (100) aşıldı.", "Bir şey yapmanız gerekmez: sorgular bir saat sonra sürer.", ClassRateLimit},

	// İYS's own failures.
	"H015": {500, "Beklenmedik bir hata oluştu.",
		"İYS'de beklenmeyen bir hata oluştu.", "Bir şey yapmanız gerekmez: gönderim bekleyip yeniden denenir.", ClassTransient},
	"H101": {500, "Sunucuya esas veri kaydedilemedi.",
		"İYS veriyi kaydedemedi.", "Bir şey yapmanız gerekmez: İYS'de ne kayıtlı olduğu sorulup gerekirse yeniden gönderilir.", ClassTransient},
	"H103": {500, "Sunucuda arama yapılamadı.",
		"İYS'de arama yapılamadı.", "Bir şey yapmanız gerekmez: bekleyip yeniden denenir.", ClassTransient},
	"H470": {500, "Beklenmedik bir hata oluştu.",
		"İYS'de beklenmeyen bir hata oluştu.", "Bir şey yapmanız gerekmez: bekleyip yeniden denenir.", ClassTransient},
	"H476": {500, "Beklenmedik bir hata oluştu.",
		"İYS'de beklenmeyen bir hata oluştu.", "Bir şey yapmanız gerekmez: bekleyip yeniden denenir.", ClassTransient},
	"H192": {503, "İstek zaman aşımına uğradı.",
		"İYS isteği zamanında işleyemedi.", "Bir şey yapmanız gerekmez: bekleyip yeniden denenir.", ClassTransient},

	// The token.
	"H351": {401, "Eksik veya geçersiz jeton!",
		"İYS oturumu geçersiz ya da süresi dolmuş.", "Bir şey yapmanız gerekmez: iysgate yeni oturum açar.", ClassAuth},
}

// LookupCode returns the entry of code.
func LookupCode(code string) (Code, bool) {
	c, ok := Codes[code]
	return c, ok
}

// The token endpoint answers its refusals the OAuth2 way,
// {"error": ..., "error_description": ...} with status 400, instead of H
// codes.
const (
	TokenInvalidRequest       = "invalid_request"
	TokenInvalidGrant         = "invalid_grant"
	TokenUnsupportedGrantType = "unsupported_grant_type"
)

// TokenDescriptions are the token endpoint's error_description texts
// iysgate meets, from its examples, by the situation they name.
var TokenDescriptions = struct {
	BadCredentials, MissingGrant, UnknownGrant, MissingRefresh, MissingUsername, MissingPassword string
}{
	BadCredentials:  "Kullanıcı kimlik bilgileri geçersiz.",
	MissingGrant:    "Giriş yöntemi belirtilmemiş.",
	UnknownGrant:    "Bilinmeyen giriş yöntemi.",
	MissingRefresh:  "Yenileme jetonu verilmemiş.",
	MissingUsername: "Kullanıcı adı verilmemiş.",
	MissingPassword: "Şifre verilmemiş.",
}
