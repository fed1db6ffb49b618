package web

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/auth"
	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/policy"
)

// userForm is the Kullanıcılar form, its options and its errors by field.
// A user is an Admin (every permission everywhere) or holds a role in each
// of its brands, chosen per brand.
type userForm struct {
	ID              int64
	Name            string
	Email           string
	Phone           string
	Admin           bool
	Roles           map[int64]string // brand → role, for a user who is not an Admin
	Password        string
	PasswordConfirm string
	Errors          map[string]string
	BrandOptions    []store.Brand
	RoleOptions     []string // the brand roles the acting user may grant
	CanGrantAdmin   bool
	CanDisable      bool
}

// userJSON is the API's body for creating a user: "memberships" gives a
// role per brand; "role" with "brand_ids" one role for those brands, and
// "role": "admin" an Admin.
type userJSON struct {
	Name        string             `json:"name"`
	Email       string             `json:"email"`
	Phone       string             `json:"phone"`
	Role        string             `json:"role"`
	Password    string             `json:"password"`
	BrandIDs    []int64            `json:"brand_ids"`
	Memberships []store.Membership `json:"memberships"`
}

// scope is what the acting user may manage: every brand and role (Admin), or
// Personel and Müşteri users in the brands where they hold users.manage.
type scope struct {
	all    bool
	brands []int64
}

func (s *Server) manageScope(u *store.User) scope {
	ids, all := s.deps.Policy.BrandsWith(u.ID, policy.UsersManage)
	return scope{all: all, brands: ids}
}

// brandRoles are the brand roles the scope may grant: an Admin every one,
// a Yönetici Personel and Müşteri.
func (sc scope) brandRoles() []string {
	if sc.all {
		return []string{policy.RoleYonetici, policy.RolePersonel, policy.RoleMusteri}
	}
	return []string{policy.RolePersonel, policy.RoleMusteri}
}

// mayManage reports whether the scope covers an existing user: Admin any
// user; a Yönetici only non-admin, non-manager users whose every brand is
// theirs.
func (sc scope) mayManage(target *store.User) bool {
	if sc.all {
		return true
	}
	if target.IsAdmin || len(target.Memberships) == 0 {
		return false
	}
	for _, m := range target.Memberships {
		if m.Role == policy.RoleYonetici || !slices.Contains(sc.brands, m.BrandID) {
			return false
		}
	}
	return true
}

func (s *Server) brandOptions(ctx context.Context, sc scope) ([]store.Brand, error) {
	if sc.all {
		return s.deps.Store.ListBrands(ctx, nil)
	}
	return s.deps.Store.ListBrands(ctx, sc.brands)
}

// validate checks the form against what the acting user may grant and
// returns the input for the store, or the problems by field.
func (f *userForm) validate(sc scope, creating bool) (store.UserInput, validate.Problems) {
	v := validate.User{Name: f.Name, Email: f.Email, Phone: f.Phone}
	errs := v.Check()
	f.Name, f.Email, f.Phone = v.Name, v.Email, v.Phone
	if creating || f.Password != "" {
		errs = append(errs, validate.Password(f.Password, f.PasswordConfirm)...)
	}
	in := store.UserInput{Email: f.Email, Name: f.Name, Phone: f.Phone, IsAdmin: f.Admin}
	switch {
	case f.Admin && !sc.all:
		errs.Add("role", "ROLE_FORBIDDEN", "Admin rolünü yalnızca Admin verebilir.")
	case f.Admin:
	case len(f.Roles) == 0:
		errs.Add("brands", validate.CodeRequired, "En az bir markada rol seçin.")
	default:
		for _, b := range slices.Sorted(maps.Keys(f.Roles)) {
			role := f.Roles[b]
			switch {
			case !slices.Contains(sc.brandRoles(), role):
				errs.Add("brands", "ROLE_FORBIDDEN", "Geçerli bir rol seçin; Yönetici rolünü yalnızca Admin verebilir.")
			case !sc.all && !slices.Contains(sc.brands, b):
				errs.Add("brands", "BRAND_FORBIDDEN", "Yalnızca yönettiğiniz markaları seçebilirsiniz.")
			}
			in.Memberships = append(in.Memberships, store.Membership{BrandID: b, Role: role})
		}
	}
	return in, errs
}

// visibleUsers lists the users the viewer may see, showing only their
// memberships in the viewer's brands (one client's manager must not learn
// another client's brands).
func (s *Server) visibleUsers(c *fiber.Ctx) ([]*store.User, error) {
	ids, all := s.deps.Policy.BrandsWith(currentUser(c).ID, policy.UsersView)
	if all {
		return s.deps.Store.ListUsers(c.UserContext(), nil)
	}
	users, err := s.deps.Store.ListUsers(c.UserContext(), ids)
	return onlyBrands(users, ids), err
}

// visibleUserPage is a page of visibleUsers, in the order they were
// created.
func (s *Server) visibleUserPage(c *fiber.Ctx, p store.Page) ([]*store.User, int64, error) {
	ids, all := s.deps.Policy.BrandsWith(currentUser(c).ID, policy.UsersView)
	if all {
		return s.deps.Store.UserPage(c.UserContext(), nil, p)
	}
	users, next, err := s.deps.Store.UserPage(c.UserContext(), ids, p)
	return onlyBrands(users, ids), next, err
}

// onlyBrands keeps the users' memberships in brands.
func onlyBrands(users []*store.User, brands []int64) []*store.User {
	for _, u := range users {
		kept := u.Memberships[:0]
		for _, m := range u.Memberships {
			if slices.Contains(brands, m.BrandID) {
				kept = append(kept, m)
			}
		}
		u.Memberships = kept
	}
	return users
}

func (s *Server) usersPage(c *fiber.Ctx) error {
	u := currentUser(c)
	users, err := s.visibleUsers(c)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "users", "Kullanıcılar", map[string]any{
		"Users": users, "CanManage": s.deps.Policy.CanAny(u.ID, policy.UsersManage),
	})
}

func (s *Server) newUserPage(c *fiber.Ctx) error {
	f := &userForm{Errors: map[string]string{}}
	return s.renderUserForm(c, f, fiber.StatusOK)
}

func (s *Server) renderUserForm(c *fiber.Ctx, f *userForm, status int) error {
	sc := s.manageScope(currentUser(c))
	opts, err := s.brandOptions(c.UserContext(), sc)
	if err != nil {
		return err
	}
	f.BrandOptions, f.RoleOptions, f.CanGrantAdmin = opts, sc.brandRoles(), sc.all
	if f.Roles == nil {
		f.Roles = map[int64]string{}
	}
	if len(opts) == 0 && f.Errors["_form"] == "" && !sc.all {
		f.Errors["_form"] = "Yönettiğiniz bir marka yok; kullanıcı ekleyemezsiniz."
	}
	title := "Yeni Kullanıcı"
	if f.ID != 0 {
		title = "Kullanıcıyı Düzenle"
		f.CanDisable = f.ID != currentUser(c).ID
	}
	if c.Get("HX-Request") == "true" {
		return s.render(c, status, "user_form", title, f, "user_form")
	}
	return s.render(c, status, "user_form", title, f)
}

// formFromRequest reads the form: "admin" checked for an Admin, and
// "role_<brand id>" for each brand given a role.
func formFromRequest(c *fiber.Ctx) *userForm {
	f := &userForm{
		Name: c.FormValue("name"), Email: c.FormValue("email"), Phone: c.FormValue("phone"),
		Admin: c.FormValue("admin") != "", Password: c.FormValue("password"), PasswordConfirm: c.FormValue("password_confirm"),
		Roles: map[int64]string{},
	}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		id, ok := strings.CutPrefix(string(k), "role_")
		if b, err := strconv.ParseInt(id, 10, 64); ok && err == nil && len(v) > 0 {
			f.Roles[b] = string(v)
		}
	})
	return f
}

func (s *Server) createUser(c *fiber.Ctx) error {
	f := formFromRequest(c)
	created, errs, err := s.saveUser(c, 0, f)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		f.Errors = errs.ByField()
		return s.renderUserForm(c, f, fiber.StatusUnprocessableEntity)
	}
	return s.saved(c, "/users", created.Name+" oluşturuldu.")
}

// saveUser validates and writes a new (id 0) or existing user. It returns
// field errors for the form or the API, or an unexpected error.
func (s *Server) saveUser(c *fiber.Ctx, id int64, f *userForm) (*store.User, validate.Problems, error) {
	ctx := c.UserContext()
	sc := s.manageScope(currentUser(c))
	in, errs := f.validate(sc, id == 0)
	if len(errs) > 0 {
		return nil, errs, nil
	}
	if f.Password != "" {
		h, err := auth.HashPassword(f.Password)
		if err != nil {
			return nil, nil, err // the length was checked: not the user's doing
		}
		in.PasswordHash = h
	}
	var u *store.User
	var err error
	if id == 0 {
		u, err = s.deps.Store.CreateUser(ctx, actor(c), in)
	} else {
		u, err = s.deps.Store.UpdateUser(ctx, actor(c), id, in, sc.mayManage)
	}
	var p validate.Problems
	switch {
	case errors.Is(err, store.ErrDuplicate):
		if msg, taken := s.duplicateEmail(c, sc, in.Email); taken {
			p.Duplicate("email")
		} else {
			p.Add("email", "EMAIL_UNAVAILABLE", msg)
		}
		return nil, p, nil
	case errors.Is(err, store.ErrForbidden):
		p.Add("_form", "FORBIDDEN", "Bu kullanıcıyı yönetme yetkiniz yok (kullanıcının rolü ya da markaları değişmiş olabilir).")
		return nil, p, nil
	case errors.Is(err, store.ErrInvalidRef):
		p.Add("brands", "NOT_FOUND", "Seçilen markalardan biri bulunamadı.")
		return nil, p, nil
	}
	if err != nil {
		return nil, nil, err
	}
	// This node sees the new roles at once; others on NOTIFY.
	if err := s.deps.Policy.Reload(ctx); err != nil {
		return nil, nil, err
	}
	if id == currentUser(c).ID && f.Password != "" {
		// One's own password changed here too: this session goes on.
		sess, err := s.sessions.Get(c)
		if err != nil {
			return nil, nil, err
		}
		sess.Set(sessionLoginAt, u.SessionsValidAfter.Add(time.Microsecond).UnixMicro())
		if err := sess.Save(); err != nil {
			return nil, nil, err
		}
		s.removeFirstAdminPassword(u.Email)
	}
	return u, nil, nil
}

// duplicateEmail is the refusal of an address another user has. Only an
// Admin, or a Yönetici who can see that user, is told that the address is
// taken; to anyone else the address is simply not available, so that
// the form cannot be used to learn who has an account at another
// company. The Admin finds the attempt in the audit log.
func (s *Server) duplicateEmail(c *fiber.Ctx, sc scope, email string) (msg string, taken bool) {
	if sc.all {
		return "", true
	}
	if other, err := s.deps.Store.UserByEmail(c.UserContext(), email); err == nil {
		ids, _ := s.deps.Policy.BrandsWith(currentUser(c).ID, policy.UsersView)
		if slices.ContainsFunc(other.Memberships, func(m store.Membership) bool { return slices.Contains(ids, m.BrandID) }) {
			return "", true
		}
	}
	_ = s.deps.Store.Audit(c.UserContext(), actor(c), store.ActionUserCreate, "user", "", nil,
		map[string]any{"refused": "email_unavailable", "email": email})
	return "Bu e-posta adresi kullanılamıyor. Kullanıcının Admin tarafından eklenmesini isteyin.", false
}

// targetUser loads the user of :id if the acting user may manage them.
func (s *Server) targetUser(c *fiber.Ctx) (*store.User, error) {
	id, err := c.ParamsInt("id")
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	t, err := s.deps.Store.UserByID(c.UserContext(), int64(id))
	if err != nil {
		return nil, err
	}
	if !s.manageScope(currentUser(c)).mayManage(t) {
		return nil, s.fail(c, fiber.StatusForbidden, "FORBIDDEN", "Bu kullanıcıyı yönetme yetkiniz yok.")
	}
	return t, nil
}

func (s *Server) editUserPage(c *fiber.Ctx) error {
	t, err := s.targetUser(c)
	if t == nil {
		return err
	}
	f := &userForm{ID: t.ID, Name: t.Name, Email: t.Email, Phone: t.Phone, Admin: t.IsAdmin, Roles: map[int64]string{}, Errors: map[string]string{}}
	for _, m := range t.Memberships {
		f.Roles[m.BrandID] = m.Role
	}
	return s.renderUserForm(c, f, fiber.StatusOK)
}

func (s *Server) updateUser(c *fiber.Ctx) error {
	t, err := s.targetUser(c)
	if t == nil {
		return err
	}
	f := formFromRequest(c)
	f.ID = t.ID
	if t.ID == currentUser(c).ID && t.IsAdmin && !f.Admin {
		f.Errors = map[string]string{"role": "Kendi Admin rolünüzü kaldıramazsınız."}
		return s.renderUserForm(c, f, fiber.StatusUnprocessableEntity)
	}
	u, errs, err := s.saveUser(c, t.ID, f)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		f.Errors = errs.ByField()
		return s.renderUserForm(c, f, fiber.StatusUnprocessableEntity)
	}
	return s.saved(c, "/users", u.Name+" güncellendi.")
}

func (s *Server) disableUser(c *fiber.Ctx) error {
	t, err := s.targetUser(c)
	if t == nil {
		return err
	}
	if t.ID == currentUser(c).ID {
		return s.fail(c, fiber.StatusUnprocessableEntity, "SELF_DISABLE", "Kendi hesabınızı pasifleştiremezsiniz.")
	}
	if err := s.deps.Store.DisableUser(c.UserContext(), actor(c), t.ID); err != nil {
		return err
	}
	if err := s.deps.Policy.Reload(c.UserContext()); err != nil {
		return err
	}
	if wantsJSON(c) {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return s.saved(c, "/users", t.Name+" pasifleştirildi.")
}

// deleteUser is "Sil" and DELETE /api/v1/users/:id: the user leaves every
// list and cannot sign in; its name stays on what it did.
func (s *Server) deleteUser(c *fiber.Ctx) error {
	t, err := s.targetUser(c)
	if t == nil {
		return err
	}
	if t.ID == currentUser(c).ID {
		return s.fail(c, fiber.StatusUnprocessableEntity, "SELF_DELETE", "Kendi hesabınızı silemezsiniz.")
	}
	if err := s.deps.Store.DeleteUser(c.UserContext(), actor(c), t.ID); err != nil {
		return err
	}
	if err := s.deps.Policy.Reload(c.UserContext()); err != nil {
		return err
	}
	if wantsJSON(c) {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return s.saved(c, "/users", t.Name+" silindi.")
}

// API

func (s *Server) apiMe(c *fiber.Ctx) error { return c.JSON(currentUser(c)) }

// apiUsers lists the users the viewer may see (see visibleUsers), in the
// order they were created.
func (s *Server) apiUsers(c *fiber.Ctx) error {
	page, err := pageFrom(c, maxPageLimit)
	if err != nil {
		return err
	}
	users, next, err := s.visibleUserPage(c, page)
	if err != nil {
		return err
	}
	return list(c, "users", users, next)
}

func (s *Server) apiCreateUser(c *fiber.Ctx) error {
	var body userJSON
	if err := parseJSON(c, &body); err != nil {
		return err
	}
	f := &userForm{Name: body.Name, Email: body.Email, Phone: body.Phone, Admin: body.Role == policy.RoleAdmin,
		Password: body.Password, PasswordConfirm: body.Password, Roles: map[int64]string{}}
	var p validate.Problems
	switch {
	case body.Memberships != nil && (body.Role != "" || body.BrandIDs != nil):
		p.Add("memberships", "AMBIGUOUS", "Ya memberships ya da role ile brand_ids verin, ikisini birden değil.")
	case body.Memberships != nil:
		for _, m := range body.Memberships {
			f.Roles[m.BrandID] = m.Role
		}
	case !f.Admin && body.Role == "":
		p.Add("role", validate.CodeRequired, "Bir rol seçin.")
	case !f.Admin:
		for _, b := range body.BrandIDs {
			f.Roles[b] = body.Role
		}
	}
	if len(p) > 0 {
		return p
	}
	u, errs, err := s.saveUser(c, 0, f)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return errs
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}
