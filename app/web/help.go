package web

import (
	"maps"
	"slices"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/consent"
	"iysgate/app/iys/iysapi"
	"iysgate/app/store"
	"iysgate/policy"
)

// Yardım: İYS's rules as iysgate applies them, İYS's codes, the six
// onboarding steps with what to do at each, what every state the pages
// show means (the roles too). The rules' texts come from the consent
// package's table, the codes' from the İYS contract, the steps' names from
// the store and the states' labels from where the other pages take them:
// this page cannot say something else than they do. Only the meanings are
// written here.

// helpData is Yardım.
type helpData struct {
	Rules    []helpRuleGroup
	IYSCodes []helpCode
	Steps    []helpStep
	States   []helpStateGroup
}

type helpRuleGroup struct {
	Title, Intro string
	Rules        []helpCode
}

// helpCode is a rule or an İYS code with what it says and what to do.
type helpCode struct {
	Code, Message, Hint string
}

type helpStep struct {
	Number     int
	Name, What string
}

type helpStateGroup struct {
	ID, Title, Where string
	States           []helpState
}

// helpState is one state: its stored value (for the tests), the label the
// pages show, and what it means.
type helpState struct {
	Value, Label, Meaning string
}

func (s *Server) helpPage(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "help", "Yardım", helpData{
		Rules: helpRules(), IYSCodes: helpIYSCodes(), Steps: helpSteps(), States: helpStates(),
	})
}

// helpRules groups the consent rules by what they do to a consent.
func helpRules() []helpRuleGroup {
	groups := []helpRuleGroup{
		{Title: "Gönderilmeyenler (hata)", Intro: "Bu kurallardan birine uymayan izin İYS'ye gönderilmez; satırda ve hata dosyasında nedeni yazar."},
		{Title: "Düzeltilenler (uyarı)", Intro: "iysgate bu değerleri İYS'nin istediği biçime çevirir ya da boş alanı doldurur; göndermeden önce ön izlemede görürsünüz."},
		{Title: "Gönderilmesi gerekmeyenler", Intro: "Değişiklik olmayan izin gönderilmez ve ücretlendirilmez."},
	}
	severities := []consent.Severity{consent.SeverityError, consent.SeverityWarning, consent.SeverityInfo}
	for _, code := range consent.Codes() {
		t, _ := consent.Describe(code)
		i := slices.Index(severities, t.Severity)
		groups[i].Rules = append(groups[i].Rules, helpCode{Code: code, Message: t.Message, Hint: t.Hint})
	}
	return groups
}

func helpIYSCodes() []helpCode {
	var codes []helpCode
	for _, code := range slices.Sorted(maps.Keys(iysapi.Codes)) {
		codes = append(codes, helpCode{Code: code, Message: iysapi.Codes[code].Message, Hint: iysapi.Codes[code].Hint})
	}
	return codes
}

// onboardingHelp says what to do at each of store.OnboardingStepNames, in
// their order, with the addresses and forms İYS's guide names.
var onboardingHelp = []string{
	"Firma İYS'ye kaydolur. Çevrim içi: www.iys.org.tr adresinde «Hemen Başvur»a basılır; firmanın kurumsal e-posta adresi, " +
		"MERSİS'te doğru bilgileri ve elektronik imzası gerekir (Temel Hizmetler Kullanım Taahhütnamesi indirilir, e-imzayla imzalanıp geri yüklenir). " +
		"Elle: imzaya yetkili kişinin TC kimlik numarası, adı soyadı, e-postası ve cep telefonu; ticaret unvanı, MERSİS numarası, vergi kimlik numarası, " +
		"vergi dairesi, web sitesi, iletişim numarası, il, ilçe ve adres onkayit@iys.org.tr adresine e-postayla gönderilir (ajansınızı bilgi olarak ekleyin). " +
		"Belgeler: imza sirküleri, ticaret sicil gazetesi ve kaşeli, imzalı taahhütname (MERSİS numarası yoksa vergi levhası, kimlik fotokopisi, imza sirküleri, " +
		"varsa oda kayıt belgesi). Taahhütnamenin her sayfası kaşelenip imzalanarak kargoyla gönderilir: İleti Yönetim Sistemi A.Ş., Esentepe Mah. Harman 1 Sokak " +
		"No: 10-5 TOBB Plaza, Şişli / İstanbul, telefon 0850 333 3338. Son olarak ileti gönderilen markalar (Marka Ekleme) ve geçen yılın sayıları girilip " +
		"«Başvuruyu Tamamla»ya basılır.",
	"İYS başvuruyu inceler; değişiklik istemezse ön başvuru numarasını e-postayla bildirir. Durum, www.iys.org.tr'deki Başvuru Sorgulama Formu'nda " +
		"başvuru numarası ve başvuruda yazılan e-posta adresiyle sorgulanır. Dikkat: ön başvuru numarası İYSKod değildir.",
	"Başvuru onaylanınca İYS, firmanın İYS numarasını (İYSKod) ve her markanın numarasını (BrandKod) e-postayla gönderir. Bunları iysgate'te " +
		"İYS Ayarları'nda firmanın İYS numarası ve markaların marka numarası olarak girin.",
	"Firma İYS'nin İLETİ paketlerinden birini seçer. Firmanın yetkilisi, kurumsal e-posta adresinden satis@iys.org.tr adresine şu metni gönderir: " +
		"«…… (ticari unvan), …… (İYS kodu) İYS koduna sahip firmamız adına İLETİ …… paketi teklifini …… (kurumsal e-posta adresi) e-posta adresine " +
		"iletilmesini rica ederiz.» İYS'nin gönderdiği teklifte «Yukarıda bulunan sözleşmeyi okudum ve onaylıyorum» işaretlenir ve ödeme kredi kartıyla yapılır. " +
		"Bu, İYS'nin paketidir; iysgate'ten gönderim için ayrıca Abonelikler'de Admin'in onayladığı bir paket gerekir.",
	"Firma, ajansınızı İYS'de iş ortağı (entegratör) olarak atar: İş Ortağı Atama Formu'nu doldurup isortagim@iys.org.tr adresine, ajansınızı bilgi olarak " +
		"ekleyerek e-postayla gönderir. Onaylı iletişim adresi sayısı 5.000'den azsa bunu formda açıkça yazar. Atama tamamlanınca İYS Ayarları'nda " +
		"entegratör atamasını Evet olarak işaretleyin.",
	"iysgate'te İYS Ayarları'nda firmanın İYS numarası, marka numaraları ve entegratör ataması girilir ve bilgilerin doğruluğu beyan edilir. " +
		"Hepsi tamamsa sayfa firmanın İYS'ye gönderime hazır olduğunu yazar; eksik varsa hangi adımın eksik olduğunu söyler. " +
		"Firmanın Abonelikler'de paketi de varsa izinler İYS'ye gönderilmeye başlar.",
}

func helpSteps() []helpStep {
	steps := make([]helpStep, len(store.OnboardingStepNames))
	for i, name := range store.OnboardingStepNames {
		steps[i] = helpStep{Number: i + 1, Name: name, What: onboardingHelp[i]}
	}
	return steps
}

// helpStates lists every state with the label the pages show for it.
func helpStates() []helpStateGroup {
	return []helpStateGroup{
		{ID: "import", Title: "İçe aktarımlar", Where: "İçe Aktar, bir listenin sayfası", States: []helpState{
			state(store.ImportUploaded, "Dosya alındı; okunmak için sırada."),
			state(store.ImportMapping, "Dosyanın sütun başlıkları tanınmadı ya da iki sütun aynı alanı gösteriyor: sayfada her sütunun hangi alan olduğunu seçin (ya da «Yok say»). Eşleştirme markanın kaydı olur; aynı başlıklı bir sonraki dosya sormadan eşleştirilir."),
			state(store.ImportParsing, "Satırlar okunuyor ve kurallara göre denetleniyor; ilerleme sayfada görünür."),
			state(store.ImportValidating, "Satırlar kayıtlı izinlerle karşılaştırılıyor: yeni mi, değişiklik mi, tarih kayıtlı olandan sonra mı."),
			state(store.ImportPreview, "Ön izleme hazır: hataları ve düzeltmeleri inceleyin, «Kontrol ettim onaylıyorum»u işaretleyip gönderin ya da «Listeyi Sil»e basın. Bu aşamada İYS'ye hiçbir şey gitmez."),
			state(store.ImportApproving, "Gönderim onaylandı ve izinler parça parça kaydediliyor; ilerleme sayfada görünür. Bu sürede liste gönderilmez; kota yetmezse liste ön izlemeye gerekçesiyle geri döner ve hiçbir şey kaydedilmez."),
			state(store.ImportApproved, "Gönderim onaylandı: izinler kaydedildi, kota ayrıldı, İYS'ye gönderilmek üzere sıraya alındı."),
			state(store.ImportSending, "İzinler İYS'ye gönderiliyor; İYS yanıt verdikçe sayılar güncellenir."),
			state(store.ImportDone, "Her iznin İYS'den kesin yanıtı geldi: kabul edilenler kayıtlı, reddedilenler Hata Bildirimleri'nde."),
			state(store.ImportFailed, "Dosya okunamadı (bozuk ya da desteklenmeyen bir dosya); hiçbir şey kaydedilmedi. Dosyayı düzeltip yeniden yükleyin."),
			state(store.ImportDiscarded, "«Listeyi Sil» ile gönderilmeden silindi; İYS'ye hiçbir şey gitmedi."),
		}},
		{ID: "outcome", Title: "Ön izlemede satırlar", Where: "bir listenin ön izlemesi", States: []helpState{
			state(store.OutcomeNew, "Alıcının bu kanalda kaydı yok: yeni izin olarak gönderilir."),
			state(store.OutcomeChanged, "Kayıtlı izinden farklı (ör. ONAY iken RET): değişiklik olarak gönderilir."),
			state(store.OutcomeUnchanged, "Durum zaten aynı: gönderilmez, ücretlendirilmez."),
			state(store.OutcomeError, "Bir kurala uymuyor: gönderilmez; nedeni satırda ve hata dosyasında yazar."),
		}},
		{ID: "sync", Title: "İzinlerin İYS durumu", Where: "Onaylar, İzin Geçmişi, Gösterge", States: []helpState{
			state(store.SyncPending, "Kaydedildi, İYS'ye gönderilmeyi bekliyor (firma İYS'ye henüz hazır değilse hazır olunca gider)."),
			state(store.SyncQuota, "Kaydedildi ama firmanın kalan izin miktarı yok: paket onaylanınca kendiliğinden gönderilir."),
			state(store.SyncSent, "İYS'ye gönderildi; İYS'nin yanıtı bekleniyor."),
			state(store.SyncRegistered, "İYS kabul etti; izin İYS'de kayıtlı."),
			state(store.SyncRefused, "İYS reddetti; nedeni ve ne yapılacağı Hata Bildirimleri'nde."),
		}},
		{ID: "origin", Title: "Bir değişikliğin kökeni", Where: "İzin Geçmişi, Gösterge", States: []helpState{
			mapped(originLabels, store.OriginManual, "İzin Ekle ile ya da API'den tek tek kaydedildi."),
			mapped(originLabels, store.OriginImport, "İçe Aktar ile bir dosyadan geldi."),
			mapped(originLabels, store.OriginIYS, "Vatandaşın İYS'de (e-Devlet, İYS uygulaması, SMS) yaptığı değişiklik; iysgate bunları düzenli olarak İYS'den alır."),
		}},
		{ID: "batch", Title: "Gönderimler", Where: "Gönderimler", States: []helpState{
			state(store.BatchPreparing, "Onaylanan bir listenin izinleri yazılıyor; liste yazılıp bitince sıraya girer, o zamana dek gönderilmez."),
			state(store.BatchWaiting, "Sırada: firmanın önceki gönderimi bitince gider."),
			state(store.BatchSending, "İstek İYS'ye gitti, yanıtı sorgulanıyor; yanıt kaybolduysa İYS'ye ne aldığı sorulur, hiçbir şey iki kez gönderilmez."),
			state(store.BatchSent, "İYS isteği aldı ve işliyor; sonuçlar sorgulanıyor."),
			state(store.BatchDone, "Her iznin sonucu geldi."),
			state(store.BatchFailed, "Denemelerden sonra vazgeçildi; firmanın sonraki gönderimleri de bekler. Sorun giderilince Yönetici ya da Admin «Yeniden dene»ye basar."),
		}},
		{ID: "subscription", Title: "Paketler", Where: "Abonelikler", States: []helpState{
			{string(store.SubscriptionPending), store.SubscriptionPending.Label(false), "Yönetici paketi istedi; Admin'in onayını bekliyor."},
			{string(store.SubscriptionActive), store.SubscriptionActive.Label(false), "Admin onayladı; izin miktarı bitiş tarihine kadar kullanılabilir."},
			{"expired", store.SubscriptionActive.Label(true), "Bitiş tarihi geçti; kalan izinler artık kullanılamaz."},
			{string(store.SubscriptionRejected), store.SubscriptionRejected.Label(false), "Admin reddetti; nedeni Abonelikler'de yazar."},
		}},
		{ID: "scrub", Title: "Taramalar", Where: "Tarama", States: []helpState{
			state(store.ScrubUploaded, "Liste alındı; taranmak için sırada."),
			state(store.ScrubWorking, "Listedeki numara ve adresler İYS durumlarıyla karşılaştırılıyor."),
			state(store.ScrubDone, "Sonuç dosyası hazır: İzinli, Ret, Kayıtsız-Geçersiz ve Özet sayfaları; listenin denetlendiğinin kanıtıdır."),
			state(store.ScrubFailed, "Liste okunamadı; dosyayı kontrol edip yeniden yükleyin."),
		}},
		{ID: "step", Title: "İYS başvuru adımları", Where: "İYS Ayarları", States: []helpState{
			state(store.StepWaiting, "Henüz başlanmadı."),
			state(store.StepInProgress, "Üzerinde çalışılıyor (ör. İYS'nin yanıtı bekleniyor)."),
			state(store.StepDone, "Tamamlandı."),
			state(store.StepProblem, "Bir sorun var; nottaki açıklamaya bakın."),
		}},
		{ID: "role", Title: "Roller", Where: "Kullanıcılar, üst çubuk", States: []helpState{
			{policy.RoleAdmin, policy.RoleLabel(policy.RoleAdmin), "Ajansın yöneticisi: her firma ve markada her şey; kullanıcılar, firmalar, markalar, İYS bilgileri, paket fiyatları ve paket taleplerinin onayı."},
			{policy.RoleYonetici, policy.RoleLabel(policy.RoleYonetici), "Atandığı markalarda her şey: izinler, listeleri gönderme, marka ayarları (dört göz kuralı), paket talebi, o markaların Personel ve Müşteri kullanıcıları."},
			{policy.RolePersonel, policy.RoleLabel(policy.RolePersonel), "Atandığı markalarda izin ekler ve düzenler, liste yükler ve ön izlemeyi hazırlar; markada dört göz kuralı açıksa listeyi Yönetici gönderir."},
			{policy.RoleMusteri, policy.RoleLabel(policy.RoleMusteri), "Ajansın müşterisi: atandığı markalarda her şeyi görür (Gösterge, Onaylar, geçmiş, raporlar, listeler, taramalar), değişiklik yapmaz."},
		}},
	}
}

// state is a state that labels itself, with what it means.
func state[S interface {
	~string
	Label() string
}](s S, meaning string) helpState {
	return helpState{string(s), s.Label(), meaning}
}

// mapped is a state labelled by one of the pages' label maps.
func mapped(labels map[string]string, value, meaning string) helpState {
	return helpState{value, labelOr(labels, value), meaning}
}
