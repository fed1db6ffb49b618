package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/consent"
	"iysgate/app/iys"
	"iysgate/app/store"
	"iysgate/policy"
)

//go:embed templates/*.html
var templateFS embed.FS

// istanbul is the time zone of every date a user reads.
var istanbul = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Istanbul")
	if err != nil {
		return time.FixedZone("TRT", 3*3600)
	}
	return loc
}()

var actionLabels = map[string]string{
	store.ActionLogin:        "Giriş",
	store.ActionLoginFailed:  "Başarısız giriş",
	store.ActionLogout:       "Çıkış",
	store.ActionUserCreate:   "Kullanıcı oluşturma",
	store.ActionUserUpdate:   "Kullanıcı düzenleme",
	store.ActionUserDisable:  "Kullanıcı pasifleştirme",
	store.ActionUserDelete:   "Kullanıcı silme",
	store.ActionTokenCreate:  "API anahtarı oluşturma",
	store.ActionTokenRevoke:  "API anahtarı iptali",
	store.ActionCompanyWrite: "Firma kaydı",
	store.ActionBrandWrite:   "Marka kaydı",
	store.ActionSettingWrite: "Ayar değişikliği",
	store.ActionConsentWrite: "İzin kaydı",
	store.ActionImport:       "İçe aktarım",
	store.ActionPackage:      "Paket fiyatı",
	store.ActionSubscription: "Paket talebi",
	store.ActionDelivery:     "İYS gönderimi",
	store.ActionScrub:        "Tarama",
}

var funcs = template.FuncMap{
	"roleLabel":          policy.RoleLabel,
	"num":                formatCount,
	"sources":            func() []consent.Source { return consent.AllSources },
	"channelTypes":       func() []consent.Type { return consent.AllTypes },
	"statuses":           func() []consent.Status { return consent.AllStatuses },
	"recipientTypes":     func() []consent.RecipientType { return consent.AllRecipientTypes },
	"typeLabel":          func(s string) string { return consent.Type(s).Label() },
	"statusLabel":        func(s string) string { return consent.Status(s).Label() },
	"iysStatusLabel":     iysStatusLabel,
	"pendingLabel":       pendingLabel,
	"refusalLabel":       refusalLabel,
	"cell":               channelCell,
	"sourceLabel":        func(s string) string { return consent.Source(s).Label() },
	"recipientTypeLabel": func(s string) string { return consent.RecipientType(s).Label() },
	"syncLabel":          func(s string) string { return labelOr(syncLabels, s) },
	"originLabel":        func(s string) string { return labelOr(originLabels, s) },
	"stepStatuses":       func() []store.StepStatus { return store.StepStatuses },
	"hasString":          func(list []string, v string) bool { return slices.Contains(list, v) },
	"importFilters":      func() []string { return []string{"all", "errors", "warnings", "new", "unchanged"} },
	"importFilterLabel":  func(f string) string { return labelOr(importFilterLabels, f) },
	"actionLabel":        func(a string) string { return labelOr(actionLabels, a) },
	"tl":                 formatTL,
	"iysHint":            iysHint,
	"percent":            func(perMille int) string { return strconv.Itoa(perMille/10) + "%" },
	"batchStatus":        func(s string) string { return labelOr(batchLabels, s) },
	"tlPlain":            func(k int64) string { return strings.TrimSuffix(formatTL(k), " TL") },
	"expiresSoon":        func(q store.Quota) bool { return q.ExpiresSoon(time.Now()) },
	"fmtTime": func(v any) string {
		switch t := v.(type) {
		case time.Time:
			return t.In(istanbul).Format("02.01.2006 15:04")
		case *time.Time:
			if t == nil {
				return ""
			}
			return t.In(istanbul).Format("02.01.2006 15:04")
		}
		return fmt.Sprint(v)
	},
}

var batchLabels = map[string]string{store.BatchWaiting: "Sırada", store.BatchSending: "Gönderildi, yanıt sorgulanıyor",
	store.BatchSent: "İYS işliyor", store.BatchDone: "Tamamlandı", store.BatchFailed: "Vazgeçildi (hata)"}

var importFilterLabels = map[string]string{"all": "Tümü", "errors": "Hatalı", "warnings": "Düzeltilen", "new": "Yeni", "unchanged": "Değişiklik Yok"}

var syncLabels = map[string]string{store.SyncPending: "sırada", store.SyncSent: "İYS'ye gönderildi, yanıt bekleniyor",
	store.SyncRegistered: "İYS'de kayıtlı", store.SyncFailed: "İYS reddetti", store.SyncQuota: "kota bekliyor: paket onaylanınca gönderilecek"}

var originLabels = map[string]string{store.OriginManual: "Elle", store.OriginImport: "İçe aktarım", store.OriginIYS: "İYS"}

// iysStatusLabel names what İYS holds of a consent ("" nothing).
func iysStatusLabel(status string) string {
	if status == "" {
		return "İYS'de kayıt yok"
	}
	return consent.Status(status).Label()
}

// pendingLabel describes a change on its way: "RET, sırada".
func pendingLabel(p *store.PendingChange) string {
	if p == nil {
		return ""
	}
	return consent.Status(p.Status).Label() + ", " + labelOr(syncLabels, p.State)
}

// refusalLabel describes İYS's last refusal: "İYS reddetti (H178): …".
// cellData is one channel of an Onaylar row, for the "channel" template.
type cellData struct {
	RecipientID int64
	Type        string
	State       *store.ChannelState
	CanEdit     bool
}

func channelCell(r store.RecipientRow, t string, canEdit bool) cellData {
	return cellData{RecipientID: r.ID, Type: t, State: r.Channel(t), CanEdit: canEdit}
}

func refusalLabel(r *store.LastRefusal) string {
	if r == nil {
		return ""
	}
	msg, _ := iys.Describe(r.Code)
	return "İYS reddetti (" + r.Code + "): " + msg
}

// channelNote is the pending change and the refusal of a consent, for a
// cell of a list.
func channelNote(ch *store.ChannelState) string {
	var parts []string
	if ch.Pending != nil {
		parts = append(parts, "Bekleyen: "+pendingLabel(ch.Pending))
	}
	if ch.Refused != nil {
		parts = append(parts, refusalLabel(ch.Refused))
	}
	return strings.Join(parts, " · ")
}

// formatCount writes a count the Turkish way: 12.480.
func formatCount(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	default:
		return fmt.Sprint(v)
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func labelOr(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}

// templates maps a page name to the page parsed with the layout.
type templates map[string]*template.Template

func parseTemplates() (templates, error) {
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := templates{}
	for _, p := range pages {
		name := p[len("templates/") : len(p)-len(".html")]
		if name == "layout" {
			continue
		}
		tpl, err := template.New(name).Funcs(funcs).Option("missingkey=error").ParseFS(templateFS, "templates/layout.html", p)
		if err != nil {
			return nil, err
		}
		t[name] = tpl
	}
	return t, nil
}

// navItem is a link of the top menu.
type navItem struct {
	Href, Label string
	Active      bool
}

// page is what every template receives.
type page struct {
	Title      string
	User       *store.User
	CSRF       string
	Flash      string
	Nav        []navItem
	Simulation bool
	Data       any
	// PageURL is the address a page rendered in answer to a form is shown
	// at (static/app.js): the page the form was sent from.
	PageURL string
}

// render writes a full page, or with fragment set only that template (for
// htmx swaps).
func (s *Server) render(c *fiber.Ctx, status int, name, title string, data any, fragment ...string) error {
	tpl, ok := s.tpl[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	p := page{Title: title, Data: data, Simulation: s.deps.Simulation, PageURL: formPage(c)}
	p.CSRF, _ = c.Locals(csrfKey).(string)
	if u := currentUser(c); u != nil {
		p.User = u
		p.Nav = s.nav(c, u)
		p.Flash = s.popFlash(c)
	}
	exec := "layout"
	if len(fragment) > 0 {
		exec = fragment[0]
	}
	var buf bytes.Buffer
	if err := tpl.ExecuteTemplate(&buf, exec, p); err != nil {
		return err
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// formPage is the same-site page a form posted from, taken from the Referer
// (sent whole within the site: Referrer-Policy same-origin), or "" for
// other requests. Only its path and query are used.
func formPage(c *fiber.Ctx) string {
	if c.Method() != fiber.MethodPost || c.Get("HX-Request") == "true" {
		return ""
	}
	ref, err := url.Parse(c.Get(fiber.HeaderReferer))
	if err != nil || ref.Host != c.Hostname() || !strings.HasPrefix(ref.Path, "/") || strings.HasPrefix(ref.Path, "//") {
		return ""
	}
	return ref.RequestURI()
}

// nav lists the menu entries the user may open.
func (s *Server) nav(c *fiber.Ctx, u *store.User) []navItem {
	entries := []struct{ href, label, perm string }{
		{"/", "Gösterge", policy.DashboardView},
		{"/consents", "Onaylar", policy.ConsentsView},
		{"/consents/new", "İzin Ekle", policy.ConsentsEdit},
		{"/imports", "İçe Aktar", policy.ImportsView},
		{"/scrubs", "Tarama", policy.ConsentsView},
		{"/deliveries", "Gönderimler", policy.DeliveryView},
		{"/subscriptions", "Abonelikler", policy.QuotaView},
		{"/brands", "Markalar", policy.BrandsView},
		{"/companies", "Firmalar", policy.CompaniesManage},
		{"/packages", "Paketler", policy.QuotaManage},
		{"/settings", "İYS Ayarları", policy.SettingsView},
		{"/users", "Kullanıcılar", policy.UsersView},
		{"/tokens", "API Anahtarları", policy.TokensOwn},
		{"/audit", "Denetim Kaydı", policy.AuditView},
	}
	var items []navItem
	best, bestLen := -1, 0
	for _, e := range entries {
		if !s.deps.Policy.CanAny(u.ID, e.perm) {
			continue
		}
		// The longest entry that is the path or a parent of it is active.
		p := c.Path()
		if (p == e.href || (e.href != "/" && strings.HasPrefix(p, e.href+"/"))) && len(e.href) > bestLen {
			best, bestLen = len(items), len(e.href)
		}
		items = append(items, navItem{Href: e.href, Label: e.label})
	}
	if best >= 0 {
		items[best].Active = true
	}
	return items
}
