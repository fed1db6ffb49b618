package web

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/consent"
	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/policy"
)

const auditPageSize = 50

func (s *Server) auditPage(c *fiber.Ctx) error {
	f := store.AuditFilter{Limit: auditPageSize}
	var err error
	if f.Action, err = validate.Query("action", "İşlem", c.Query("action"), validate.MaxName); err != nil {
		return err
	}
	if f.Actor, err = validate.Query("actor", "Kullanıcı", c.Query("actor"), validate.MaxEmail); err != nil {
		return err
	}
	f.BeforeID, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	entries, err := s.deps.Store.ListAudit(c.UserContext(), f)
	if err != nil {
		return err
	}
	next := ""
	if len(entries) == auditPageSize {
		q := url.Values{"action": {f.Action}, "actor": {f.Actor}, "before": {itoa(entries[len(entries)-1].ID)}}
		next = "/audit?" + q.Encode()
	}
	rows, err := s.auditRows(c.UserContext(), entries)
	if err != nil {
		return err
	}
	actions := slices.Sorted(maps.Keys(actionLabels))
	return s.render(c, fiber.StatusOK, "audit", "Denetim Kaydı", map[string]any{
		"Entries": rows, "Filter": f, "Next": next, "Actions": actions,
	})
}

// auditRow is an audit entry as Denetim Kaydı shows it: what was done, to
// which record, named in Turkish, and the fields it set or changed.
type auditRow struct {
	store.AuditEntry
	What    string // the action, with its step ("İçe aktarım: gönderim onaylandı")
	Subject string // the record ("Kullanıcı: Ayşe Yılmaz (ayse@ornek.com.tr)")
	Href    string // the record's page, when it has one
	Changes []auditChange
}

// auditChange is a field an entry set (After alone) or changed.
type auditChange struct {
	Field, Before, After string
	Changed              bool
}

// auditEntry is an entry with its before and after decoded.
type auditEntry struct {
	store.AuditEntry
	before, after map[string]any
}

func (s *Server) auditRows(ctx context.Context, entries []store.AuditEntry) ([]auditRow, error) {
	decoded := make([]auditEntry, len(entries))
	for i, e := range entries {
		decoded[i] = auditEntry{AuditEntry: e, before: auditObject(e.Before), after: auditObject(e.After)}
	}
	names, err := s.auditNames(ctx, decoded)
	if err != nil {
		return nil, err
	}
	rows := make([]auditRow, len(decoded))
	for i, e := range decoded {
		rows[i] = auditRow{AuditEntry: e.AuditEntry, What: auditWhat(e), Changes: auditChanges(names, e)}
		rows[i].Subject, rows[i].Href = names.subject(e)
	}
	return rows, nil
}

// auditObject decodes an entry's before or after: an object of fields
// whose keys are spelled as auditAliases has them.
func auditObject(raw json.RawMessage) map[string]any {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	for k, v := range m {
		if canon, ok := auditAliases[k]; ok {
			delete(m, k)
			m[canon] = v
		}
	}
	return m
}

// auditAliases are keys that writers spell otherwise than the rest: a
// company's form (Go's field names) and a consent (İYS's camelCase).
var auditAliases = map[string]string{
	"Title": "title", "IYSCode": "iys_code", "TaxID": "tax_id", "IntegratorAssigned": "integrator_assigned",
	"DataDeclared": "data_declared", "brandCode": "brand_code", "recipientType": "recipient_type",
	"consentDate": "consent_date", "firstName": "first_name", "lastName": "last_name",
}

// auditSteps name the "event" an entry records within its action.
var auditSteps = map[string]string{
	"upload": "dosya yüklendi", "approve": "onaylandı", "discard": "Listeyi Sil", "request": "talep edildi",
	"reject": "reddedildi", "retry": "yeniden denendi",
}

func auditWhat(e auditEntry) string {
	what := labelOr(actionLabels, e.Action)
	if ev, ok := e.after["event"].(string); ok {
		what += ": " + labelOr(auditSteps, ev)
	}
	return what
}

// auditField is how the page names and writes one key of the entries'
// fields. A key may be qualified by its entity ("company.status") where it
// means something else there; a field without a label is not shown, as it
// repeats what the action or the record already says.
type auditField struct {
	key, label string
	format     func(n *auditNames, v any) string // nil: auditValue
}

// auditFields are every key the store's audit entries record, in the
// order the page lists them.
var auditFields = []auditField{
	{key: "name", label: "Ad"},
	{key: "user.name", label: "Ad Soyad"},
	{key: "api_token.name", label: "Anahtar adı"},
	{key: "brand.name", label: "Marka adı"},
	{key: "title", label: "Unvan"},
	{key: "email", label: "E-posta"},
	{key: "phone", label: "Telefon"},
	{key: "is_admin", label: "Admin"},
	{key: "role", label: "Rol", format: func(_ *auditNames, v any) string { return textOr(v, policy.RoleLabel) }},
	{key: "brand_ids", label: "Markalar", format: (*auditNames).brandList},
	{key: "roles", label: "Roller", format: (*auditNames).brandRoles},
	{key: "password", label: "Parola", format: mapValue(map[string]string{"changed": "değiştirildi"})},
	{key: "user_id", label: "Kullanıcı", format: (*auditNames).user},
	{key: "prefix", label: "Anahtarın başı"},
	{key: "company_id", label: "Firma", format: (*auditNames).company},
	{key: "brand_id", label: "Marka", format: (*auditNames).brand},
	{key: "iys_code", label: "İYS numarası"},
	{key: "brand_code", label: "Marka numarası"},
	{key: "tax_id", label: "Vergi numarası"},
	{key: "integrator_assigned", label: "Entegratör ataması"},
	{key: "data_declared", label: "Bilgilerin doğruluğu beyan edildi"},
	{key: "four_eyes", label: "Dört göz kuralı"},
	{key: "onboarding_step", label: "Başvuru adımı", format: stepName},
	{key: "company.status", label: "Adımın durumu", format: func(_ *auditNames, v any) string {
		return textOr(v, func(s string) string { return store.StepStatus(s).Label() })
	}},
	{key: "note", label: "Not"},
	{key: "consent.recipient"}, {key: "consent.type"}, // the record names them
	{key: "recipient_type", label: "Alıcı tipi", format: func(_ *auditNames, v any) string {
		return textOr(v, func(s string) string { return consent.RecipientType(s).Label() })
	}},
	{key: "type", label: "Kanal", format: func(_ *auditNames, v any) string {
		return textOr(v, func(s string) string { return consent.Type(s).Label() })
	}},
	{key: "consent.status", label: "Durum", format: func(_ *auditNames, v any) string {
		return textOr(v, func(s string) string { return consent.Status(s).Label() })
	}},
	{key: "source", label: "Kaynak", format: func(_ *auditNames, v any) string {
		return textOr(v, func(s string) string { return consent.Source(s).Label() })
	}},
	{key: "consent_date", label: "İzin tarihi", format: dateValue},
	{key: "first_name", label: "Ad"},
	{key: "last_name", label: "Soyad"},
	{key: "filename", label: "Dosya"},
	{key: "size", label: "Boyut", format: sizeValue},
	{key: "mode", label: "Gönderim", format: mapValue(map[string]string{"all": "Tümünü Gönder", "new_only": "Mevcuttakileri Güncellemeden Gönder"})},
	{key: "import.status", label: "Listenin durumu", format: func(_ *auditNames, v any) string {
		return textOr(v, func(s string) string { return store.ImportStatus(s).Label() })
	}},
	{key: "package.units"}, // never changes: the record names the package by it
	{key: "units", label: "İzin miktarı"},
	{key: "price_kurus", label: "Fiyat (KDV hariç)", format: func(_ *auditNames, v any) string {
		n, _ := v.(float64)
		return formatTL(int64(n))
	}},
	{key: "validity_days", label: "Geçerlilik", format: func(_ *auditNames, v any) string { return auditValue(v) + " gün" }},
	{key: "active", label: "Satışta"},
	{key: "subscription.status", label: "Durum", format: func(_ *auditNames, v any) string {
		return textOr(v, func(s string) string { return store.SubscriptionStatus(s).Label(false) })
	}},
	{key: "value", label: "Değer"},
	{key: "refused", label: "Reddedildi", format: mapValue(map[string]string{"email_unavailable": "e-posta adresi kullanılamıyor"})},
	{key: "reason", label: "Neden", format: mapValue(map[string]string{
		"throttled": "çok fazla başarısız deneme: geçici olarak engellendi", "credentials": "e-posta ya da parola yanlış"})},
	{key: "id"}, {key: "event"}, {key: "deleted"}, {key: "disabled"}, {key: "revoked"}, {key: "company_title"},
	{key: "brand_count"}, {key: "brands_with_code"}, {key: "integrator_confirmed_by"}, {key: "integrator_confirmed_at"},
	{key: "data_declared_by"}, {key: "data_declared_at"},
}

var auditFieldIndex = func() map[string]int {
	m := make(map[string]int, len(auditFields))
	for i, f := range auditFields {
		m[f.key] = i
	}
	return m
}()

// fieldOf finds a key's field for an entity; an unknown key is shown as
// it is written, so that a field added without its name here is seen.
func fieldOf(entity, key string) (int, auditField) {
	for _, k := range []string{entity + "." + key, key} {
		if i, ok := auditFieldIndex[k]; ok {
			return i, auditFields[i]
		}
	}
	return len(auditFields), auditField{key: key, label: key}
}

// auditChanges lists what an entry set: with no before, every field of
// after; otherwise the fields whose value changed, and those after adds.
func auditChanges(n *auditNames, e auditEntry) []auditChange {
	type ranked struct {
		rank int
		auditChange
	}
	var out []ranked
	for key, v := range e.after {
		i, f := fieldOf(e.Entity, key)
		if f.label == "" {
			continue
		}
		format := f.format
		if format == nil {
			format = func(_ *auditNames, v any) string { return auditValue(v) }
		}
		ch := auditChange{Field: f.label, After: format(n, v)}
		if old, ok := e.before[key]; ok {
			if ch.Before = format(n, old); ch.Before == ch.After {
				continue
			}
			ch.Changed = true
		} else if ch.After == "" {
			continue
		}
		out = append(out, ranked{i, ch})
	}
	slices.SortFunc(out, func(a, b ranked) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return strings.Compare(a.Field, b.Field)
	})
	changes := make([]auditChange, len(out))
	for i, r := range out {
		changes[i] = r.auditChange
	}
	return changes
}

// auditValue writes a JSON value as people read it.
func auditValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "Evet"
		}
		return "Hayır"
	case float64:
		if x == float64(int64(x)) {
			return formatCount(int64(x))
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = auditValue(p)
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// textOr labels a text value; anything else is written as it is.
func textOr(v any, label func(string) string) string {
	if s, ok := v.(string); ok && s != "" {
		return label(s)
	}
	return auditValue(v)
}

// mapValue labels the values a map knows, others (a reason typed by a
// person) as they are.
func mapValue(labels map[string]string) func(*auditNames, any) string {
	return func(_ *auditNames, v any) string {
		return textOr(v, func(s string) string { return labelOr(labels, s) })
	}
}

func dateValue(_ *auditNames, v any) string {
	if s, ok := v.(string); ok {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.In(istanbul).Format("02.01.2006 15:04:05")
		}
	}
	return auditValue(v)
}

func sizeValue(_ *auditNames, v any) string {
	n, _ := v.(float64)
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(n/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(n/(1<<10), 'f', 0, 64) + " KB"
	}
	return auditValue(v) + " bayt"
}

func stepName(_ *auditNames, v any) string {
	if n, ok := v.(float64); ok && n >= 1 && int(n) <= len(store.OnboardingStepNames) {
		return fmt.Sprintf("%d. %s", int(n), store.OnboardingStepNames[int(n)-1])
	}
	return auditValue(v)
}

// auditEntities name the records of the entries.
var auditEntities = map[string]string{
	"user": "Kullanıcı", "api_token": "API anahtarı", "company": "Firma", "brand": "Marka", "setting": "Ayar",
	"consent": "İzin", "import": "İçe aktarım", "scrub": "Tarama", "batch": "Gönderim", "package": "Paket",
	"subscription": "Paket talebi",
}

var settingNames = map[string]string{"kdv_rate": "KDV oranı (%)", "scrub_retention_days": "Tarama dosyalarının saklanma süresi (gün)"}

// auditNames resolves the ids a page of entries names: brands and
// companies in one query each, users and package requests one by one (a
// page names few).
type auditNames struct {
	brands    map[int64]store.Brand
	companies map[int64]string
	users     map[int64]*store.User
	subs      map[int64]*store.Subscription
}

func (s *Server) auditNames(ctx context.Context, entries []auditEntry) (*auditNames, error) {
	n := &auditNames{brands: map[int64]store.Brand{}, companies: map[int64]string{}, users: map[int64]*store.User{}, subs: map[int64]*store.Subscription{}}
	var brandIDs, companyIDs []int64
	userIDs, subIDs := map[int64]bool{}, map[int64]bool{}
	for _, e := range entries {
		id, _ := strconv.ParseInt(e.EntityID, 10, 64)
		switch e.Entity {
		case "brand":
			brandIDs = append(brandIDs, id)
		case "company":
			companyIDs = append(companyIDs, id)
		case "user":
			if auditName(e) == "" && id != 0 && !isSession(e.Action) {
				userIDs[id] = true
			}
		case "subscription":
			subIDs[id] = true
		}
		for _, m := range []map[string]any{e.before, e.after} {
			brandIDs = append(brandIDs, ids(m["brand_ids"])...)
			if roles, ok := m["roles"].(map[string]any); ok {
				for k := range roles {
					id, _ := strconv.ParseInt(k, 10, 64)
					brandIDs = append(brandIDs, id)
				}
			}
			brandIDs = append(brandIDs, ids(m["brand_id"])...)
			companyIDs = append(companyIDs, ids(m["company_id"])...)
			for _, u := range ids(m["user_id"]) {
				userIDs[u] = true
			}
		}
	}
	if len(brandIDs) > 0 {
		brands, err := s.deps.Store.ListBrands(ctx, brandIDs)
		if err != nil {
			return nil, err
		}
		for _, b := range brands {
			n.brands[b.ID] = b
		}
	}
	if len(companyIDs) > 0 {
		companies, err := s.deps.Store.ListCompanies(ctx, companyIDs)
		if err != nil {
			return nil, err
		}
		for _, c := range companies {
			n.companies[c.ID] = c.Title
		}
	}
	for id := range userIDs {
		u, err := s.deps.Store.UserByID(ctx, id)
		switch {
		case err == nil:
			n.users[id] = u
		case !errors.Is(err, store.ErrNotFound): // a deleted user keeps its id only
			return nil, err
		}
	}
	for id := range subIDs {
		sub, err := s.deps.Store.Subscription(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		n.subs[id] = sub
	}
	return n, nil
}

// isSession reports whether an action is a sign-in or out: its actor is
// its record.
func isSession(action string) bool {
	return action == store.ActionLogin || action == store.ActionLogout || action == store.ActionLoginFailed
}

// ids reads an id or a list of ids of a field.
func ids(v any) []int64 {
	switch x := v.(type) {
	case float64:
		return []int64{int64(x)}
	case []any:
		var out []int64
		for _, y := range x {
			out = append(out, ids(y)...)
		}
		return out
	}
	return nil
}

// auditName is the name an entry itself records of its record.
func auditName(e auditEntry) string {
	for _, key := range []string{"name", "title"} {
		for _, m := range []map[string]any{e.after, e.before} {
			if s, ok := m[key].(string); ok && s != "" {
				if email, ok := m["email"].(string); ok && email != "" {
					return s + " (" + email + ")"
				}
				return s
			}
		}
	}
	return ""
}

// subject names an entry's record and links its page.
func (n *auditNames) subject(e auditEntry) (string, string) {
	if isSession(e.Action) {
		return "", ""
	}
	kind := labelOr(auditEntities, e.Entity)
	id, _ := strconv.ParseInt(e.EntityID, 10, 64)
	name := auditName(e)
	switch e.Entity {
	case "user":
		if name == "" {
			if email, ok := e.after["email"].(string); ok {
				name = email
			} else if u := n.users[id]; u != nil {
				name = u.Name + " (" + u.Email + ")"
			} else {
				name = "#" + e.EntityID + " (silinmiş)"
			}
		}
		return kind + ": " + name, ""
	case "company":
		if title, ok := n.companies[id]; ok {
			name = title
		}
		return kind + ": " + cmp.Or(name, "#"+e.EntityID), "/companies/" + e.EntityID
	case "brand":
		if b, ok := n.brands[id]; ok {
			return kind + ": " + b.Name + " (" + b.CompanyTitle + ")", "/companies/" + itoa(b.CompanyID)
		}
		return kind + ": " + cmp.Or(name, "#"+e.EntityID), ""
	case "setting":
		return kind + ": " + labelOr(settingNames, e.EntityID), "/packages"
	case "consent":
		recipient, typ, _ := strings.Cut(e.EntityID, "/")
		return kind + ": " + recipient + " · " + consent.Type(typ).Label(), ""
	case "import":
		return kind + " #" + e.EntityID, "/imports/" + e.EntityID
	case "batch":
		return kind + " #" + e.EntityID, "/deliveries"
	case "package":
		for _, m := range []map[string]any{e.before, e.after} {
			if units, ok := m["units"].(float64); ok {
				return kind + ": İleti " + formatCount(int64(units)), "/packages"
			}
		}
	case "subscription":
		if sub := n.subs[id]; sub != nil {
			return kind + " #" + e.EntityID + ": " + sub.CompanyTitle + ", İleti " + formatCount(sub.Units), "/subscriptions?company_id=" + itoa(sub.CompanyID)
		}
	case "api_token":
		if name != "" {
			return kind + ": " + name, ""
		}
	}
	return kind + " #" + e.EntityID, ""
}

func (n *auditNames) brand(v any) string {
	if id := ids(v); len(id) == 1 {
		if b, ok := n.brands[id[0]]; ok {
			return b.Name
		}
	}
	return auditValue(v)
}

func (n *auditNames) brandList(v any) string {
	list := ids(v)
	names := make([]string, len(list))
	for i, id := range list {
		names[i] = n.brand(float64(id))
	}
	return strings.Join(names, ", ")
}

// brandRoles writes a user's role per brand ({"brand id": "role"}) as
// "Örnek Market: Yönetici, …", sorted.
func (n *auditNames) brandRoles(v any) string {
	roles, ok := v.(map[string]any)
	if !ok {
		return auditValue(v)
	}
	parts := make([]string, 0, len(roles))
	for k, role := range roles {
		id, _ := strconv.ParseInt(k, 10, 64)
		parts = append(parts, n.brand(float64(id))+": "+textOr(role, policy.RoleLabel))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

func (n *auditNames) company(v any) string {
	if id := ids(v); len(id) == 1 {
		if t, ok := n.companies[id[0]]; ok {
			return t
		}
	}
	return auditValue(v)
}

func (n *auditNames) user(v any) string {
	if id := ids(v); len(id) == 1 {
		if u := n.users[id[0]]; u != nil {
			return u.Name + " (" + u.Email + ")"
		}
	}
	return auditValue(v)
}
