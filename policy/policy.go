// Package policy decides who may do what, with Casbin: an embedded model
// (RBAC with brand domains) and an embedded role→permission policy, plus the
// user↔role↔brand assignments that the database holds. Every node keeps the
// assignments in memory, with the answers given from them, and reloads
// them when the database announces a change (NOTIFY iysgate_policy, which
// store.Listen hears and passes to Reload), so that several nodes agree.
package policy

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"
)

//go:embed model.conf
var modelText string

//go:embed policy.csv
var policyText string

// Roles.
const (
	RoleAdmin    = "admin"
	RoleYonetici = "yonetici"
	RolePersonel = "personel"
	RoleMusteri  = "musteri"
)

// Roles lists every role, most powerful first.
var Roles = []string{RoleAdmin, RoleYonetici, RolePersonel, RoleMusteri}

// RoleLabel is a role's Turkish name.
func RoleLabel(role string) string {
	switch role {
	case RoleAdmin:
		return "Admin"
	case RoleYonetici:
		return "Yönetici"
	case RolePersonel:
		return "Personel"
	case RoleMusteri:
		return "Müşteri"
	}
	return role
}

// Permissions. A route or an action names exactly one.
const (
	// Public marks routes that need no login (login page, health, assets).
	Public = "public"
	// Authenticated marks routes any signed-in user may use (logout, home).
	Authenticated = "authenticated"

	DashboardView = "dashboard.view"
	BrandsView    = "brands.view"
	TokensOwn     = "tokens.own"
	UsersView     = "users.view"
	UsersManage   = "users.manage"
	AuditView     = "audit.view"

	CompaniesManage = "companies.manage"
	SettingsView    = "settings.view"
	ConsentsView    = "consents.view"
	ConsentsEdit    = "consents.edit"
	ImportsView     = "imports.view"
	ImportsUpload   = "imports.upload"
	ImportsSend     = "imports.send"
	BrandsSettings  = "brands.settings"
	QuotaView       = "quota.view"
	QuotaRequest    = "quota.request"
	QuotaManage     = "quota.manage" // approve purchases, edit the price list (Admin)
	DeliveryView    = "delivery.view"
	DeliveryRetry   = "delivery.retry"
	WebhooksManage  = "webhooks.manage" // a brand's webhook endpoints and their delivery log
)

// Assignment is a user's role in a brand (BrandID 0: global, for Admin).
type Assignment struct {
	UserID  int64
	BrandID int64
	Role    string
}

// Loader reads every active assignment from the database.
type Loader func(ctx context.Context) ([]Assignment, error)

// Enforcer answers permission questions. It is safe for concurrent use.
type Enforcer struct {
	load Loader
	mu   sync.Mutex // serialises reloads, so an older snapshot never wins
	snap atomic.Pointer[snapshot]
}

// snapshot is one consistent view of the policy and the assignments.
type snapshot struct {
	ce *casbin.Enforcer
	// brands maps a user to the brands they hold a role in, for listings.
	brands map[int64][]int64
	// decided remembers Casbin's answers, which cost microseconds and
	// allocations each (a route guard asks on every request). It belongs
	// to the snapshot, so a reload starts it afresh: an answer never
	// outlives the assignments it was made from.
	decidedMu sync.RWMutex
	decided   map[decision]bool
}

// decision is a question to Casbin: perm for the user in one brand, or
// (anyBrand) in any brand or globally.
type decision struct {
	userID, brandID int64
	perm            string
	anyBrand        bool
}

// maxDecided bounds the remembered answers (users × brands × permissions
// asked since the last reload); past it the memo starts over.
const maxDecided = 100_000

// remembered is the memo's answer to d, if it has one.
func (s *snapshot) remembered(d decision) (ok, known bool) {
	s.decidedMu.RLock()
	ok, known = s.decided[d]
	s.decidedMu.RUnlock()
	return ok, known
}

// remember keeps Casbin's answer ok to d and returns it.
func (s *snapshot) remember(d decision, ok bool) bool {
	s.decidedMu.Lock()
	if len(s.decided) >= maxDecided {
		clear(s.decided)
	}
	s.decided[d] = ok
	s.decidedMu.Unlock()
	return ok
}

// New builds an enforcer and loads the assignments.
func New(ctx context.Context, load Loader) (*Enforcer, error) {
	e := &Enforcer{load: load}
	if err := e.Reload(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Reload rebuilds the enforcer from the embedded policy and the current
// assignments, and swaps it in atomically.
func (e *Enforcer) Reload(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	as, err := e.load(ctx)
	if err != nil {
		return fmt.Errorf("policy: load assignments: %w", err)
	}
	var b strings.Builder
	b.WriteString(policyText)
	b.WriteString("\n")
	brands := map[int64][]int64{}
	for _, a := range as {
		dom := "*"
		if a.Role != RoleAdmin {
			dom = domain(a.BrandID)
			brands[a.UserID] = append(brands[a.UserID], a.BrandID)
		}
		fmt.Fprintf(&b, "g, %s, %s, %s\n", subject(a.UserID), a.Role, dom)
	}
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return err
	}
	ce, err := casbin.NewEnforcer(m, stringadapter.NewAdapter(b.String()))
	if err != nil {
		return err
	}
	e.snap.Store(&snapshot{ce: ce, brands: brands, decided: map[decision]bool{}})
	return nil
}

func subject(userID int64) string { return "u:" + strconv.FormatInt(userID, 10) }
func domain(brandID int64) string { return "b:" + strconv.FormatInt(brandID, 10) }

// Can reports whether the user holds perm in the brand.
func (e *Enforcer) Can(userID, brandID int64, perm string) bool {
	snap := e.snap.Load()
	d := decision{userID: userID, brandID: brandID, perm: perm}
	if ok, known := snap.remembered(d); known {
		return ok
	}
	ok, err := snap.ce.Enforce(subject(userID), domain(brandID), perm)
	return snap.remember(d, err == nil && ok)
}

// IsAdmin reports whether the user is a global Admin.
func (e *Enforcer) IsAdmin(userID int64) bool {
	ok, _ := e.snap.Load().ce.HasRoleForUser(subject(userID), RoleAdmin, "*")
	return ok
}

// CanAny reports whether the user holds perm globally or in any brand. Route
// guards use it; handlers then narrow to brands with BrandsWith or Can.
func (e *Enforcer) CanAny(userID int64, perm string) bool {
	if perm == Public || perm == Authenticated {
		return true
	}
	snap := e.snap.Load()
	d := decision{userID: userID, perm: perm, anyBrand: true}
	if ok, known := snap.remembered(d); known {
		return ok
	}
	return snap.remember(d, snap.canAny(userID, perm))
}

func (s *snapshot) canAny(userID int64, perm string) bool {
	if ok, _ := s.ce.Enforce(subject(userID), "*", perm); ok {
		return true
	}
	for _, b := range s.brands[userID] {
		if ok, _ := s.ce.Enforce(subject(userID), domain(b), perm); ok {
			return true
		}
	}
	return false
}

// BrandsWith returns the brands in which the user holds perm; all is true
// for an Admin (every brand, present and future).
func (e *Enforcer) BrandsWith(userID int64, perm string) (ids []int64, all bool) {
	snap := e.snap.Load()
	ce := snap.ce
	if ok, _ := ce.Enforce(subject(userID), "*", perm); ok {
		return nil, true
	}
	ids = []int64{}
	for _, b := range snap.brands[userID] {
		if ok, _ := ce.Enforce(subject(userID), domain(b), perm); ok {
			ids = append(ids, b)
		}
	}
	return ids, false
}

// RoleHas reports whether a role holds a permission, for forms that offer
// only what the user may grant.
func (e *Enforcer) RoleHas(role, perm string) bool {
	ok, _ := e.snap.Load().ce.HasPolicy(role, perm)
	if !ok {
		ok, _ = e.snap.Load().ce.HasPolicy(role, "*")
	}
	return ok
}
