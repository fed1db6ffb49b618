package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/consent"
	"iysgate/app/iys"
	"iysgate/app/store"
	"iysgate/app/webhook"
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

	store.ActionImportProfile: "Sütun eşleştirmesi kaydı",
	store.ActionWebhook:       "Webhook",
}

var funcs = template.FuncMap{
	"roleLabel":          policy.RoleLabel,
	"roleOf":             roleOf,
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
	"originLabel":        func(s string) string { return labelOr(originLabels, s) },
	"stepStatuses":       func() []store.StepStatus { return store.StepStatuses },
	"hasString":          func(list []string, v string) bool { return slices.Contains(list, v) },
	"importFilters":      func() []string { return importRowFilters },
	"importFilterLabel":  func(f string) string { return labelOr(importFilterLabels, f) },
	"actionLabel":        func(a string) string { return labelOr(actionLabels, a) },
	"tl":                 formatTL,
	"iysHint":            iysHint,
	"percent":            func(perMille int) string { return strconv.Itoa(perMille/10) + "%" },
	"tlPlain":            func(k int64) string { return strings.TrimSuffix(formatTL(k), " TL") },
	"expiresSoon":        func(q store.Quota) bool { return q.ExpiresSoon(time.Now()) },
	"hookTypes":          func() []webhook.EventType { return webhook.Types },
	"hookTypeLabel":      webhook.Label,
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

var importFilterLabels = map[string]string{"all": "Tümü", "errors": "Hatalı", "warnings": "Düzeltilen", "new": "Yeni", "unchanged": "Değişiklik Yok"}

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
	return consent.Status(p.Status).Label() + ", " + p.State.Label()
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

// parseTemplates parses each page with the layout and the partials: files
// whose name starts with "_" hold templates that several pages include
// (the charts) and are no page themselves.
func parseTemplates() (templates, error) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	shared := []string{"templates/layout.html"}
	var pages []string
	for _, f := range files {
		switch name := path.Base(f); {
		case name == "layout.html":
		case strings.HasPrefix(name, "_"):
			shared = append(shared, f)
		default:
			pages = append(pages, f)
		}
	}
	t := templates{}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		tpl, err := template.New(name).Funcs(funcs).Option("missingkey=error").ParseFS(templateFS, append(shared, p)...)
		if err != nil {
			return nil, err
		}
		t[name] = tpl
	}
	return t, nil
}

// navItem is a link of the top menu, or, with Children, the drop-down
// that holds a group of links.
type navItem struct {
	Href, Label string
	Active      bool
	Children    []navItem
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

// roleOf is the role a user is shown with: Admin, or the most powerful of
// its brand roles (each brand's is on Kullanıcılar).
func roleOf(u *store.User) string {
	if u.IsAdmin {
		return policy.RoleAdmin
	}
	for _, r := range policy.Roles {
		for _, m := range u.Memberships {
			if m.Role == r {
				return r
			}
		}
	}
	return ""
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

// navEntries are the menu's links in order; those marked settings are
// grouped under one drop-down ("Ayarlar", as the reference panel calls
// them), so that the bar fits a 1280 px screen whatever the role.
var navEntries = []struct {
	href, label, perm string
	settings          bool
}{
	{"/", "Gösterge", policy.DashboardView, false},
	{"/consents", "Onaylar", policy.ConsentsView, false},
	{"/reports", "Raporlar", policy.ConsentsView, false},
	{"/consents/new", "İzin Ekle", policy.ConsentsEdit, false},
	{"/imports", "İçe Aktar", policy.ImportsView, false},
	{"/scrubs", "Tarama", policy.ConsentsView, false},
	{"/deliveries", "Gönderimler", policy.DeliveryView, false},
	{"/subscriptions", "Abonelikler", policy.QuotaView, false},
	{"/brands", "Markalar", policy.BrandsView, false},
	{"/webhooks", "Webhook'lar", policy.WebhooksManage, true},
	{"/companies", "Firmalar", policy.CompaniesManage, true},
	{"/packages", "Paketler", policy.QuotaManage, true},
	{"/settings", "İYS Ayarları", policy.SettingsView, true},
	{"/users", "Kullanıcılar", policy.UsersView, true},
	{"/tokens", "API Anahtarları", policy.TokensOwn, true},
	{"/audit", "Denetim Kaydı", policy.AuditView, true},
}

// nav lists the menu entries the user may open, the settings last as one
// drop-down.
func (s *Server) nav(c *fiber.Ctx, u *store.User) []navItem {
	var items, settings []navItem
	for _, e := range navEntries {
		if !s.deps.Policy.CanAny(u.ID, e.perm) {
			continue
		}
		item := navItem{Href: e.href, Label: e.label}
		if e.settings {
			settings = append(settings, item)
		} else {
			items = append(items, item)
		}
	}
	markActive(c.Path(), items, settings)
	if len(settings) > 0 {
		group := navItem{Label: "Ayarlar", Children: settings}
		group.Active = slices.ContainsFunc(settings, func(i navItem) bool { return i.Active })
		items = append(items, group)
	}
	return items
}

// markActive marks the one entry of lists for the current path: the
// longest one that is the path or a parent of it.
func markActive(current string, lists ...[]navItem) {
	var best *navItem
	for _, list := range lists {
		for i := range list {
			e := &list[i]
			if (current == e.Href || (e.Href != "/" && strings.HasPrefix(current, e.Href+"/"))) && (best == nil || len(e.Href) > len(best.Href)) {
				best = e
			}
		}
	}
	if best != nil {
		best.Active = true
	}
}
