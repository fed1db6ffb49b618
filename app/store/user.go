package store

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Roles a user may hold in a brand. Admin is global and is a flag on the user.
const (
	RoleYonetici = "yonetici"
	RolePersonel = "personel"
	RoleMusteri  = "musteri"
)

// Membership is a user's role in one brand.
type Membership struct {
	BrandID   int64  `json:"brand_id"`
	BrandName string `json:"brand_name,omitempty"`
	Role      string `json:"role"`
}

// User is an account of the web UI and the API.
type User struct {
	ID           int64        `json:"id"`
	Email        string       `json:"email"`
	Name         string       `json:"name"`
	Phone        string       `json:"phone"`
	IsAdmin      bool         `json:"is_admin"`
	DisabledAt   *time.Time   `json:"disabled_at,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	Memberships  []Membership `json:"memberships"`
	PasswordHash string       `json:"-"`
	// SessionsValidAfter ends web sessions started earlier (password change).
	SessionsValidAfter time.Time `json:"-"`
}

// SignedOutBefore reports whether a session that began at loginAt has been
// ended by a later password change.
func (u *User) SignedOutBefore(loginAt time.Time) bool {
	return loginAt.Before(u.SessionsValidAfter)
}

// RoleIn is the user's role in a brand ("" for none; an Admin holds no
// brand roles).
func (u *User) RoleIn(brandID int64) string {
	for _, m := range u.Memberships {
		if m.BrandID == brandID {
			return m.Role
		}
	}
	return ""
}

// BrandIDs lists the brands the user is a member of.
func (u *User) BrandIDs() []int64 {
	ids := make([]int64, len(u.Memberships))
	for i, m := range u.Memberships {
		ids[i] = m.BrandID
	}
	return ids
}

// UserInput is what creating or editing a user sets. An empty PasswordHash
// on update keeps the password.
type UserInput struct {
	Email        string
	Name         string
	Phone        string
	PasswordHash string
	IsAdmin      bool
	// Memberships are the user's role in each of its brands (none for an
	// Admin, who holds every permission everywhere). BrandName is not read.
	Memberships []Membership
}

// SameRole gives role in each of brandIDs: the API's and the command
// line's "one role for these brands".
func SameRole(role string, brandIDs []int64) []Membership {
	ms := make([]Membership, len(brandIDs))
	for i, b := range brandIDs {
		ms[i] = Membership{BrandID: b, Role: role}
	}
	return ms
}

// auditView is what the audit log records of a user (never the hash).
func (in UserInput) auditView() map[string]any {
	roles := map[string]string{}
	for _, m := range in.Memberships {
		roles[strconv.FormatInt(m.BrandID, 10)] = m.Role
	}
	return map[string]any{"email": in.Email, "name": in.Name, "phone": in.Phone,
		"is_admin": in.IsAdmin, "roles": roles}
}

func userAuditView(u *User) map[string]any {
	return UserInput{Email: u.Email, Name: u.Name, Phone: u.Phone, IsAdmin: u.IsAdmin, Memberships: u.Memberships}.auditView()
}

// CountUsers counts all users, disabled included.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n)
	return n, err
}

// CreateUser creates a user with their memberships and audits it.
func (s *Store) CreateUser(ctx context.Context, a Actor, in UserInput) (*User, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO users (email, name, phone, password_hash, is_admin)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			in.Email, in.Name, in.Phone, in.PasswordHash, in.IsAdmin).Scan(&id)
		if err != nil {
			return mapErr(err)
		}
		if err := setMemberships(ctx, tx, id, in); err != nil {
			return err
		}
		return audit(ctx, tx, a, ActionUserCreate, "user", strconv.FormatInt(id, 10), nil, in.auditView())
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, id)
}

// UpdateUser changes a user and their memberships and audits before/after.
//
// allowed, when not nil, is asked inside the transaction, with the user
// locked as it is then, whether the actor may still change them: a
// permission checked before the transaction could be stale by the time of
// the write (an Admin promoting the user meanwhile).
func (s *Store) UpdateUser(ctx context.Context, a Actor, id int64, in UserInput, allowed func(before *User) bool) (*User, error) {
	var before *User
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT 1 FROM users WHERE id = $1 FOR UPDATE", id); err != nil {
			return err
		}
		var err error
		if before, err = scanUser(tx.QueryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = $1", id)); err != nil {
			return err
		}
		if allowed != nil && !allowed(before) {
			return ErrForbidden
		}
		_, err = tx.Exec(ctx, `UPDATE users SET email = $2, name = $3, phone = $4, is_admin = $5,
			password_hash = CASE WHEN $6 = '' THEN password_hash ELSE $6 END,
			sessions_valid_after = CASE WHEN $6 = '' THEN sessions_valid_after ELSE now() END, updated_at = now()
			WHERE id = $1`, id, in.Email, in.Name, in.Phone, in.IsAdmin, in.PasswordHash)
		if err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM memberships WHERE user_id = $1", id); err != nil {
			return err
		}
		if err := setMemberships(ctx, tx, id, in); err != nil {
			return err
		}
		return audit(ctx, tx, a, ActionUserUpdate, "user", strconv.FormatInt(id, 10), userAuditView(before), in.auditView())
	})
	if err != nil {
		return nil, err
	}
	s.auth.forgetUser(id)
	return s.UserByID(ctx, id)
}

func setMemberships(ctx context.Context, tx pgx.Tx, userID int64, in UserInput) error {
	if !in.IsAdmin {
		for _, m := range in.Memberships {
			if _, err := tx.Exec(ctx, "INSERT INTO memberships (user_id, brand_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
				userID, m.BrandID, m.Role); err != nil {
				return mapErr(err)
			}
		}
	}
	// Every node reloads its role assignments and forgets the user's
	// tokens (see Listen).
	return notifyUser(ctx, tx, userID)
}

// SetPassword changes a user's password and ends their web sessions
// started before now; it returns that moment, which the session of the
// change itself takes as its new start so that it stays signed in.
func (s *Store) SetPassword(ctx context.Context, a Actor, id int64, hash string) (time.Time, error) {
	var at time.Time
	err := s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE users SET password_hash = $2, sessions_valid_after = now(), updated_at = now()
			WHERE id = $1 AND deleted_at IS NULL RETURNING sessions_valid_after`, id, hash).Scan(&at)
		if err != nil {
			return mapErr(err)
		}
		if err := notifyAuth(ctx, tx, "user:"+strconv.FormatInt(id, 10)); err != nil {
			return err
		}
		return audit(ctx, tx, a, ActionUserUpdate, "user", strconv.FormatInt(id, 10), nil, map[string]any{"password": "changed"})
	})
	if err == nil {
		s.auth.forgetUser(id)
	}
	return at, err
}

// DeleteUser deletes a user softly: disabled, out of every list, its
// tokens revoked and its address freed; its name stays on what it did.
func (s *Store) DeleteUser(ctx context.Context, a Actor, id int64) error {
	before, err := s.UserByID(ctx, id)
	if err != nil {
		return err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET deleted_at = now(), disabled_at = COALESCE(disabled_at, now()),
			email = email || '#silindi-' || id, updated_at = now() WHERE id = $1 AND deleted_at IS NULL`, id)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM memberships WHERE user_id = $1", id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", id); err != nil {
			return err
		}
		if err := notifyUser(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, tx, a, ActionUserDelete, "user", strconv.FormatInt(id, 10), userAuditView(before), map[string]any{"deleted": true})
	})
	if err == nil {
		s.auth.forgetUser(id)
	}
	return err
}

// DisableUser disables a user (kept for their history), revokes their API
// tokens and ends their role assignments' effect.
func (s *Store) DisableUser(ctx context.Context, a Actor, id int64) error {
	before, err := s.UserByID(ctx, id)
	if err != nil {
		return err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET disabled_at = now(), updated_at = now() WHERE id = $1 AND disabled_at IS NULL", id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", id); err != nil {
			return err
		}
		if err := notifyUser(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, tx, a, ActionUserDisable, "user", strconv.FormatInt(id, 10), userAuditView(before), map[string]any{"disabled": true})
	})
	if err == nil {
		s.auth.forgetUser(id)
	}
	return err
}

const userColumns = `u.id, u.email, u.name, u.phone, u.is_admin, u.disabled_at, u.created_at, u.password_hash, u.sessions_valid_after,
	COALESCE((SELECT json_agg(json_build_object('brand_id', m.brand_id, 'brand_name', b.name, 'role', m.role) ORDER BY b.name COLLATE turkish)
	          FROM memberships m JOIN brands b ON b.id = m.brand_id WHERE m.user_id = u.id), '[]')`

// scanUser reads userColumns and then the columns of extra, if any.
func scanUser(r pgx.Row, extra ...any) (*User, error) {
	var u User
	err := r.Scan(append([]any{&u.ID, &u.Email, &u.Name, &u.Phone, &u.IsAdmin, &u.DisabledAt, &u.CreatedAt, &u.PasswordHash,
		&u.SessionsValidAfter, &u.Memberships}, extra...)...)
	if err != nil {
		return nil, mapErr(err)
	}
	return &u, nil
}

// UserByID returns a user with their memberships (a deleted one: not found).
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return scanUser(s.pool.QueryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = $1 AND u.deleted_at IS NULL", id))
}

// UserByEmail returns a user by e-mail (case-insensitive).
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	return scanUser(s.pool.QueryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.email = lower($1) AND u.deleted_at IS NULL", email))
}

// ListUsers lists users, all of them when brandIDs is nil, otherwise the
// non-admin users who are members of at least one of brandIDs.
func (s *Store) ListUsers(ctx context.Context, brandIDs []int64) ([]*User, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+userColumns+` FROM users u
		WHERE u.deleted_at IS NULL AND ($1::bigint[] IS NULL
		   OR (NOT u.is_admin AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.brand_id = ANY($1))))
		ORDER BY u.disabled_at IS NOT NULL, u.name COLLATE turkish, u.id`, brandIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// UserPage lists a page of users in the order they were created, all of
// them when brandIDs is nil, otherwise the non-admin users who are members
// of at least one of brandIDs, and returns the cursor of the next page (0:
// none).
func (s *Store) UserPage(ctx context.Context, brandIDs []int64, p Page) ([]*User, int64, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+userColumns+` FROM users u
		WHERE u.deleted_at IS NULL AND u.id > $2 AND ($1::bigint[] IS NULL
		   OR (NOT u.is_admin AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.brand_id = ANY($1))))
		ORDER BY u.id LIMIT $3`, brandIDs, p.After, p.fetch())
	if err != nil {
		return nil, 0, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*User, error) { return scanUser(r) })
	if err != nil {
		return nil, 0, err
	}
	list, next := cut(p, list, func(u *User) int64 { return u.ID })
	return list, next, nil
}

// Assignment is one (user, brand, role) triple for the policy enforcer.
type Assignment struct {
	UserID  int64
	BrandID int64 // 0 with Role "admin": global
	Role    string
}

// Assignments lists the roles of every active user.
func (s *Store) Assignments(ctx context.Context) ([]Assignment, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, 0, 'admin' FROM users WHERE is_admin AND disabled_at IS NULL
		UNION ALL
		SELECT m.user_id, m.brand_id, m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE u.disabled_at IS NULL AND NOT u.is_admin`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Assignment, error) {
		var a Assignment
		err := r.Scan(&a.UserID, &a.BrandID, &a.Role)
		return a, err
	})
}
